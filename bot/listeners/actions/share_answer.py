""" "Share in channel" on an ephemeral ``/ask`` answer: post it for everyone."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.blocks.answer import answer_blocks, answer_fallback
from bot.blocks.common import context
from bot.deps import Deps
from bot.payloads import parse_action

logger = logging.getLogger(__name__)


def handle_share_answer(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, deps: Deps
) -> None:
    ack()
    click = parse_action(body)
    if click is None or click.channel is None:
        return
    stored = deps.state.answer(click.value)
    if stored is None or stored.channel != click.channel or stored.user != click.user:
        return
    answer = stored.to_answer()
    client.chat_postMessage(
        channel=click.channel,
        text=answer_fallback(answer),
        blocks=[
            *answer_blocks(answer, stored.answer_id),
            context(f"Asked by <@{click.user}> with /ask"),
        ],
    )
    try:
        respond(delete_original=True)
    except Exception:  # the ephemeral copy may already be gone; sharing worked anyway
        logger.info("could not delete the ephemeral /ask answer", exc_info=True)
