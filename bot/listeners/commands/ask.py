"""``/ask <question>``: an ephemeral answer with a button to share it in the channel."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.blocks.answer import ask_blocks, worded
from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.payloads import parse_command
from rag.errors import RagError

logger = logging.getLogger(__name__)

USAGE = "Ask me something: `/ask what is our refund policy?`"
LOOKING = ":mag: Looking that up…"


def handle_ask(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps) -> None:
    command = parse_command(body)
    if command is None or not command.text:
        ack(text=USAGE)
        return
    ack(text=LOOKING)  # within 3 s; the answer follows as its own ephemeral message
    try:
        answer = worded(deps.kb.ask(command.text, scopes=[command.channel]))
        answer_id = deps.state.save_answer(command.channel, command.user, answer)
        client.chat_postEphemeral(
            channel=command.channel,
            user=command.user,
            text=answer.text,
            blocks=ask_blocks(answer, answer_id),
        )
    except RagError as err:
        logger.warning("/ask failed in %s: %s", command.channel, type(err).__name__)
        client.chat_postEphemeral(
            channel=command.channel, user=command.user, text=error_text(err.user_message)
        )
    except Exception:
        logger.exception("/ask failed in %s", command.channel)
        client.chat_postEphemeral(channel=command.channel, user=command.user, text=error_text())
