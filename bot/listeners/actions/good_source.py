"""The answer to "was one of the sources right?" after a 👎: stored with the vote."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond

from bot.blocks.feedback import NOTED_TEXT, parse_good_source_value
from bot.deps import Deps
from bot.payloads import parse_action
from bot.respond import reply
from bot.state import NO_GOOD_SOURCE


def handle_good_source(ack: Ack, body: dict[str, Any], respond: Respond, deps: Deps) -> None:
    ack()
    click = parse_action(body)
    parsed = parse_good_source_value(click.value) if click is not None else None
    if click is None or parsed is None:
        return
    answer_id, choice = parsed
    stored = deps.state.answer(answer_id)
    if stored is None:
        return
    if choice == NO_GOOD_SOURCE:
        chunk_id = NO_GOOD_SOURCE
    else:
        chosen = next((s for s in stored.sources if str(s.number) == choice), None)
        if chosen is None:
            return
        chunk_id = chosen.chunk_id
    if deps.state.mark_good_source(answer_id, click.user, chunk_id):
        reply(respond, body.get("response_url"), replace_original=True, text=NOTED_TEXT)
