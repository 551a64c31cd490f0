"""Write a streamed answer into a thread.

Uses Slack's streaming API (``chat.startStream`` / ``appendStream`` / ``stopStream`` through
``WebClient.chat_stream``) and falls back to post-then-update when it isn't available. The
answer is Markdown from the model or from documents: it is streamed as escaped Markdown
(`safe_markdown`) and posted as escaped mrkdwn (`to_mrkdwn`), never as raw text.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.chat_stream import ChatStream

from bot.blocks.common import Block, sections
from bot.blocks.errors import error_text
from bot.text.mrkdwn import (
    MARKDOWN_TEXT_LIMIT,
    TEXT_LIMIT,
    safe_markdown,
    streamable_length,
    to_mrkdwn,
    truncate,
)

logger = logging.getLogger(__name__)

MAX_BLOCKS = 50


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
        self.text = ""  # everything appended so far (Markdown, unescaped)
        self._sent = 0  # how much of ``text`` Slack has
        self._sent_markdown = ""  # what was streamed: safe_markdown(text[: _sent])
        self._last = 0.0
        self._stream: ChatStream | None = None
        self.ts: str | None = None  # the answer message (fallback mode)

    @property
    def started(self) -> bool:
        return self._sent > 0

    @property
    def message_ts(self) -> str | None:
        """The answer message, once Slack has it (streamed or posted)."""
        return self._stream.ts if self._stream is not None else self.ts

    def replace(self, ts: str) -> None:
        """Write into an existing answer message (an edited question) instead of a new one."""
        self.mode, self.ts = "update", ts

    def append(self, delta: str) -> None:
        self.text += delta
        if time.monotonic() - self._last >= self.interval or not self.started:
            self._flush()

    def finish(self, blocks: list[Block]) -> None:
        if self.mode == "stream" and self._stream_flush(final=True):
            assert self._stream is not None
            self._stream.stop(blocks=blocks)
            return
        self._write(self.text, blocks)

    def fail(self, user_message: str) -> None:
        """Replace the pending answer with a clear message (keeping any text already shown)."""
        note = error_text(user_message)
        if not self.started and self.ts is None:
            self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, text=note)
            return
        if self.mode == "stream" and self._stream is not None:
            pending = safe_markdown(self.text)[len(self._sent_markdown) :]
            self._stream.stop(markdown_text=truncate(f"{pending}\n\n{note}", MARKDOWN_TEXT_LIMIT))
            return
        self._write(self.text, [], note=note)

    # --- internals -----------------------------------------------------------------------
    def _flush(self) -> None:
        self._last = time.monotonic()
        if not self.text.strip():
            return
        if self.mode == "stream" and self._stream_flush():
            return
        self._write(self.text, [])

    def _stream_flush(self, final: bool = False) -> bool:
        """Send unsent text through the streaming API; False after switching to fallback.

        A link still being written is held back until it is complete (or ``final``).
        """
        try:
            if self._stream is None:
                self._stream = self.client.chat_stream(
                    channel=self.channel,
                    thread_ts=self.thread_ts,
                    buffer_size=1,
                    recipient_user_id=self.user,
                    recipient_team_id=self.team,
                )
            ready = len(self.text) if final else streamable_length(self.text)
            converted = safe_markdown(self.text[:ready])
            pending = converted[len(self._sent_markdown) :]
            for start in range(0, len(pending), MARKDOWN_TEXT_LIMIT):
                self._stream.append(markdown_text=pending[start : start + MARKDOWN_TEXT_LIMIT])
            self._sent, self._sent_markdown = ready, converted
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

    def _write(self, markdown: str, footer: list[Block], note: str | None = None) -> None:
        """Post or update the whole answer as mrkdwn: a fallback ``text`` and section blocks."""
        body = to_mrkdwn(markdown) if markdown.strip() else ""
        if note:
            body = f"{body}\n\n{note}" if body else note
        body = body or " "
        kwargs: dict[str, Any] = {
            "channel": self.channel,
            "text": truncate(body, TEXT_LIMIT),
            "blocks": [*sections(body, MAX_BLOCKS - len(footer)), *footer],
        }
        if self.ts is None:
            response = self.client.chat_postMessage(thread_ts=self.thread_ts, **kwargs)
            self.ts = response.get("ts")
        else:
            self.client.chat_update(ts=self.ts, **kwargs)
        self._sent = len(self.text)
