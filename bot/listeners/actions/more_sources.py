""" "Show more sources": every numbered source of the answer, to the user who asked."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.blocks.answer import more_sources_blocks
from bot.deps import Deps
from bot.payloads import parse_action


def handle_more_sources(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps) -> None:
    ack()
    click = parse_action(body)
    if click is None or click.channel is None:
        return
    stored = deps.state.answer(click.value)
    if stored is None or stored.channel != click.channel:
        return  # sources of another conversation are never shown here
    client.chat_postEphemeral(
        channel=click.channel,
        user=click.user,
        text="All sources",
        blocks=more_sources_blocks(stored.sources),
        thread_ts=click.thread_ts or click.message_ts,
    )
