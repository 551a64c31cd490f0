"""``@ragbot question`` in a channel: answer in the thread (and read any attached files, even
where ``/docs auto off`` was set; files it can't read are named)."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.answering import answer_message, explain_empty_mention
from bot.deps import Deps
from bot.files import queue_message_files
from bot.payloads import parse_message
from bot.readable import explain_unreadable_files


def handle_app_mention(
    event: dict[str, Any], client: WebClient, context: BoltContext, deps: Deps
) -> None:
    message = parse_message(event)
    if message is None or message.from_bot:
        return
    queue_message_files(deps, message)
    if not message.question and not message.files:
        explain_empty_mention(deps, client, message)
        return
    if not message.question:  # files only: say which of them can't be read
        explain_unreadable_files(deps, client, message)
        return
    answer_message(deps, client, message, bot_user_id=context.bot_user_id)
