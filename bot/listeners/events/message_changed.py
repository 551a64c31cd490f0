"""``message_changed``: an answered question was edited → answer it again in place."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.message_edits import answer_edited_question
from bot.payloads import parse_message_edit


def handle_message_changed(
    event: dict[str, Any], client: WebClient, context: BoltContext, deps: Deps
) -> None:
    edit = parse_message_edit(event)
    if edit is not None:
        answer_edited_question(deps, client, edit, context.bot_user_id)
