"""Who is in a conversation: ``conversations.members``, paged until the person is found, cached a
short while (a question in the assistant pane checks it each time)."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)

PAGE_SIZE = 200  # Slack recommends no more than 200 per page


class Membership:
    """``is_member`` answers for (conversation, person), cached for ``ttl_s`` seconds."""

    def __init__(self, ttl_s: float = 60.0) -> None:
        self.ttl_s = ttl_s
        self._answers: dict[tuple[str, str], tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def is_member(self, client: WebClient, channel: str, user: str) -> bool:
        """Whether ``user`` is in ``channel``; False when the bot can't see its members."""
        key = (channel, user)
        with self._lock:
            cached = self._answers.get(key)
        if cached is not None and time.monotonic() - cached[0] < self.ttl_s:
            return cached[1]
        answer = _lookup(client, channel, user)
        with self._lock:
            self._answers[key] = (time.monotonic(), answer)
        return answer


def _lookup(client: WebClient, channel: str, user: str) -> bool:
    cursor: str | None = None
    try:
        while True:
            page = client.conversations_members(channel=channel, limit=PAGE_SIZE, cursor=cursor)
            if user in (page.get("members") or []):
                return True
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return False
    except SlackApiError as err:
        logger.info("members of %s not readable: %s", channel, err.response.get("error"))
        return False
