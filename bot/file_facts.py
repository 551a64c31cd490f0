"""A Slack file's name and uploader from ``files.info``, cached a while (the Home tab shows them
for every document on a page, each time someone opens it)."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.payloads import parse_file

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileFacts:
    name: str | None  # None: Slack won't show the bot the file (any more)
    uploader: str | None


class FileFactsCache:
    def __init__(self, ttl_s: float = 600.0) -> None:
        self.ttl_s = ttl_s
        self._facts: dict[str, tuple[float, FileFacts]] = {}
        self._lock = threading.Lock()

    def get(self, client: WebClient, file_id: str) -> FileFacts:
        with self._lock:
            cached = self._facts.get(file_id)
        if cached is not None and time.monotonic() - cached[0] < self.ttl_s:
            return cached[1]
        try:
            slack_file = parse_file(client.files_info(file=file_id).get("file"))
        except SlackApiError as err:
            logger.info("files.info failed for %s: %s", file_id, err.response.get("error"))
            slack_file = None
        facts = FileFacts(
            slack_file.name if slack_file else None, slack_file.user if slack_file else None
        )
        with self._lock:
            self._facts[file_id] = (time.monotonic(), facts)
        return facts
