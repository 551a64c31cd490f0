"""Messages: files shared with the bot, DMs, and follow-ups in threads the bot answered."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.answering import answer_message
from bot.deps import Deps
from bot.files import queue_shared_file
from bot.payloads import MessageEvent, parse_message

HANDLED_SUBTYPES = {None, "file_share", "thread_broadcast"}


def handle_message(
    event: dict[str, Any], client: WebClient, context: BoltContext, deps: Deps
) -> None:
    message = parse_message(event)
    if message is None or message.from_bot or message.subtype not in HANDLED_SUBTYPES:
        return
    for file in message.files:
        queue_shared_file(
            deps,
            file.file_id,
            message.channel,
            user=message.user,
            thread_ts=message.reply_thread,
        )
    if should_answer(message, deps, context.bot_user_id):
        answer_message(deps, client, message, bot_user_id=context.bot_user_id)


def should_answer(message: MessageEvent, deps: Deps, bot_user_id: str | None) -> bool:
    """DMs, mentions, and any message in a thread the bot has answered before."""
    if not message.question:
        return False
    if message.is_dm:
        return True
    if bot_user_id and f"<@{bot_user_id}" in message.text:
        return True
    return message.thread_ts is not None and deps.state.is_answered_thread(
        message.channel, message.thread_ts
    )
