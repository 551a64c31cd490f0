"""The person moved to another channel while the assistant pane is open: remember it."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.assistant_thread import save_context


def handle_context_changed(
    payload: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    thread = payload.get("assistant_thread")
    if not isinstance(thread, dict):
        return
    channel, thread_ts = thread.get("channel_id"), thread.get("thread_ts")
    viewed = thread.get("context")
    if isinstance(channel, str) and isinstance(thread_ts, str) and isinstance(viewed, dict):
        save_context(client, context.bot_user_id, channel, thread_ts, viewed)
