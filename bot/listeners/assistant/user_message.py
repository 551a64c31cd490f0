"""A question in the assistant pane: status "thinking…", then a streamed, cited answer."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext, SetStatus
from slack_sdk import WebClient

from bot.answering import answer_message
from bot.deps import Deps
from bot.files import queue_message_files
from bot.payloads import parse_message


def handle_user_message(
    payload: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    set_status: SetStatus,
    deps: Deps,
) -> None:
    message = parse_message(payload)
    if message is None or message.from_bot:
        return
    queue_message_files(deps, message)
    answer_message(
        deps,
        client,
        message,
        bot_user_id=context.bot_user_id,
        set_status=lambda status: set_status(status=status),
    )
