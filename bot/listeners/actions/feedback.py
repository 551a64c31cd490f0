"""👍 / 👎 on an answer: stored with the question, the sources shown and their chunk ids.

After a 👎 the voter is asked, privately, which shown source was right (or none): a 👎 with
no good source is where retrieval failed (``ragbot feedback export``).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.blocks.answer import shown_sources
from bot.blocks.feedback import ASK_TEXT, good_source_blocks
from bot.constants import FEEDBACK_UP, MAX_SOURCES_SHOWN
from bot.deps import Deps
from bot.payloads import parse_action

THANKS = "Thanks for the feedback!"


def handle_feedback(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps) -> None:
    ack()
    click = parse_action(body)
    if click is None:
        return
    vote = 1 if click.action_id == FEEDBACK_UP else -1
    stored = deps.state.answer(click.value)
    if stored is None:
        return
    shown = shown_sources(stored.to_answer())[:MAX_SOURCES_SHOWN]
    if not deps.state.record_feedback(click.value, click.user, vote, shown) or not click.channel:
        return
    thread_ts = click.thread_ts or click.message_ts
    if vote < 0 and shown:
        client.chat_postEphemeral(
            channel=click.channel,
            user=click.user,
            text=ASK_TEXT,
            blocks=good_source_blocks(click.value, shown),
            thread_ts=thread_ts,
        )
        return
    client.chat_postEphemeral(
        channel=click.channel, user=click.user, text=THANKS, thread_ts=thread_ts
    )
