"""Messages: files shared with the bot, DMs, and follow-ups in threads the bot answered."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.answering import answer_message
from bot.conversation import Reply, follow_up_mode, reply_mode, thread_askers
from bot.deps import Deps
from bot.files import queue_message_files
from bot.payloads import MessageEvent, parse_message
from bot.text.incoming import readable

HANDLED_SUBTYPES = {None, "file_share", "thread_broadcast"}


def handle_message(
    event: dict[str, Any], client: WebClient, context: BoltContext, deps: Deps
) -> None:
    message = parse_message(event)
    if message is None or message.from_bot or message.subtype not in HANDLED_SUBTYPES:
        return
    if deps.state.auto_read(message.channel) or mentions(message, context.bot_user_id):
        queue_message_files(deps, message)
    mode = should_answer(message, deps, client, context.bot_user_id)
    if mode is not None:
        answer_message(deps, client, message, bot_user_id=context.bot_user_id, mode=mode)


def mentions(message: MessageEvent, bot_user_id: str | None) -> bool:
    return bot_user_id is not None and f"<@{bot_user_id}" in message.text


def should_answer(
    message: MessageEvent, deps: Deps, client: WebClient, bot_user_id: str | None
) -> Reply | None:
    """DMs, mentions, and messages that continue a conversation with the bot in its threads."""
    if not message.question or message.user is None:
        return None
    if mentions(message, bot_user_id):
        return Reply.ALWAYS
    text = readable(message.text, bot_user_id, lambda user: deps.directory.name(client, user))
    if message.is_dm:
        return reply_mode(text, message.text, bot_user_id)
    if message.thread_ts is None or not deps.state.is_answered_thread(
        message.channel, message.thread_ts
    ):
        return None
    askers = thread_askers(client, message.channel, message.thread_ts, bot_user_id)
    return follow_up_mode(text, message.text, message.user, askers, bot_user_id)
