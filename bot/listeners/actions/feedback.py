"""👍 / 👎 on an answer: stored with the question, the answer and the chunk ids used."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.constants import FEEDBACK_UP
from bot.deps import Deps
from bot.payloads import parse_action

THANKS = "Thanks for the feedback!"


def handle_feedback(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps) -> None:
    ack()
    click = parse_action(body)
    if click is None:
        return
    vote = 1 if click.action_id == FEEDBACK_UP else -1
    if deps.state.record_feedback(click.value, click.user, vote) and click.channel:
        client.chat_postEphemeral(
            channel=click.channel,
            user=click.user,
            text=THANKS,
            thread_ts=click.thread_ts or click.message_ts,
        )
