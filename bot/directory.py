"""Who people are: display names and admin/owner flags from ``users.info``, cached a while."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    is_admin: bool = False  # workspace admin or owner


class Directory:
    """``users.info`` and ``conversations.info`` answers, cached for ``ttl_s`` seconds."""

    def __init__(self, ttl_s: float = 600.0) -> None:
        self.ttl_s = ttl_s
        self._people: dict[str, tuple[float, Person]] = {}
        self._channels: dict[str, tuple[float, Mapping[str, Any]]] = {}
        self._lock = threading.Lock()

    def person(self, client: WebClient, user_id: str) -> Person:
        """The user's name and role; an unknown user is named by id and has no role."""
        with self._lock:
            cached = self._people.get(user_id)
        if cached is not None and time.monotonic() - cached[0] < self.ttl_s:
            return cached[1]
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except SlackApiError:
            logger.warning("users.info failed for a user", exc_info=True)
            return Person(user_id, user_id)
        profile = user.get("profile") or {}
        name = profile.get("display_name") or user.get("real_name") or user.get("name") or user_id
        person = Person(
            user_id,
            str(name),
            bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
        )
        with self._lock:
            self._people[user_id] = (time.monotonic(), person)
        return person

    def name(self, client: WebClient, user_id: str) -> str:
        return self.person(client, user_id).name

    def channel(self, client: WebClient, channel: str) -> Mapping[str, Any] | None:
        """``conversations.info``'s channel object; None when the bot can't see the channel."""
        with self._lock:
            cached = self._channels.get(channel)
        if cached is not None and time.monotonic() - cached[0] < self.ttl_s:
            return cached[1]
        try:
            info = client.conversations_info(channel=channel).get("channel") or {}
        except SlackApiError as err:
            if err.response.get("error") not in ("channel_not_found", "not_in_channel"):
                logger.warning("conversations.info failed for %s", channel, exc_info=True)
            return None
        with self._lock:
            self._channels[channel] = (time.monotonic(), info)
        return info
