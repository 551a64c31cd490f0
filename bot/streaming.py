"""Write a streamed answer into a thread.

Uses Slack's streaming API (``chat.startStream`` / ``appendStream`` / ``stopStream`` through
``WebClient.chat_stream``) and falls back to post-then-update when it isn't available.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.chat_stream import ChatStream

from bot.blocks.common import Block, section
from bot.blocks.errors import error_text

logger = logging.getLogger(__name__)

MESSAGE_TEXT_LIMIT = 3000


class ThreadWriter:
    """``append`` text as it comes, then ``finish`` (with footer blocks) or ``fail``."""

    def __init__(
        self,
        client: WebClient,
        channel: str,
        thread_ts: str,
        *,
        user: str | None = None,
        team: str | None = None,
        interval: float = 1.0,
        use_stream_api: bool = True,
    ) -> None:
        self.client, self.channel, self.thread_ts = client, channel, thread_ts
        self.user, self.team, self.interval = user, team, interval
        self.mode = "stream" if use_stream_api else "update"
        self.text = ""  # everything appended so far
        self._sent = 0  # how much of ``text`` Slack has
        self._last = 0.0
        self._stream: ChatStream | None = None
        self.ts: str | None = None  # the answer message (fallback mode)

    @property
    def started(self) -> bool:
        return self._sent > 0

    def append(self, delta: str) -> None:
        self.text += delta
        if time.monotonic() - self._last >= self.interval or not self.started:
            self._flush()

    def finish(self, blocks: list[Block]) -> None:
        if self.mode == "stream" and self._stream_flush():
            assert self._stream is not None
            self._stream.stop(blocks=blocks)
            return
        full = self.text or " "
        self._write(full, [*text_blocks(full), *blocks])

    def fail(self, user_message: str) -> None:
        """Replace the pending answer with a clear message (keeping any text already shown)."""
        note = error_text(user_message)
        if not self.started:
            self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, text=note)
            return
        if self.mode == "stream" and self._stream is not None:
            self._stream.stop(markdown_text=self.text[self._sent :] + f"\n\n{note}")
            return
        full = f"{self.text}\n\n{note}"
        self._write(full, text_blocks(full))

    # --- internals -----------------------------------------------------------------------
    def _flush(self) -> None:
        self._last = time.monotonic()
        if not self.text.strip():
            return
        if self.mode == "stream" and self._stream_flush():
            return
        self._write(self.text, text_blocks(self.text))

    def _stream_flush(self) -> bool:
        """Send unsent text through the streaming API; False after switching to fallback."""
        try:
            if self._stream is None:
                self._stream = self.client.chat_stream(
                    channel=self.channel,
                    thread_ts=self.thread_ts,
                    buffer_size=1,
                    recipient_user_id=self.user,
                    recipient_team_id=self.team,
                )
            pending = self.text[self._sent :]
            if pending:
                self._stream.append(markdown_text=pending)
                self._sent = len(self.text)
            return True
        except SlackApiError as err:
            if self._sent:
                raise
            logger.info(
                "streaming API unavailable (%s); posting and updating instead",
                err.response.get("error"),
            )
            self.mode, self._stream = "update", None
            return False

    def _write(self, text: str, blocks: list[Block]) -> None:
        kwargs: dict[str, Any] = {
            "channel": self.channel,
            "text": text[:MESSAGE_TEXT_LIMIT],
            "blocks": blocks,
        }
        if self.ts is None:
            response = self.client.chat_postMessage(thread_ts=self.thread_ts, **kwargs)
            self.ts = response.get("ts")
        else:
            self.client.chat_update(ts=self.ts, **kwargs)
        self._sent = len(self.text)


def text_blocks(text: str) -> list[Block]:
    """Long text split into section blocks (each at most 3000 characters)."""
    return [
        section(text[i : i + MESSAGE_TEXT_LIMIT])
        for i in range(0, max(len(text), 1), MESSAGE_TEXT_LIMIT)
    ][:40]
