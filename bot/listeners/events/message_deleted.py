"""``message_deleted``: an answered question was deleted → delete the answer too."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.deps import Deps
from bot.message_edits import remove_answer_to_deleted
from bot.payloads import parse_message_deletion


def handle_message_deleted(event: dict[str, Any], client: WebClient, deps: Deps) -> None:
    deletion = parse_message_deletion(event)
    if deletion is not None:
        remove_answer_to_deleted(deps, client, deletion)
