""" "Read them" under the offer ragbot posts when it joins: read the older files in the
background, turning the offer into progress, then a summary."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.older_files import STARTING_TEXT, starting_blocks
from bot.deps import Deps
from bot.payloads import parse_action

logger = logging.getLogger(__name__)


def handle_read_older_files(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps) -> None:
    ack()
    click = parse_action(body)
    if click is None or click.channel is None or click.message_ts is None:
        return
    if click.value != click.channel:
        return  # an offer is only for the conversation it was posted in
    if not deps.state.claim(f"older-files:{click.channel}:{click.message_ts}"):
        return  # clicked twice: already reading
    try:  # the button goes at once, so nobody clicks it again
        client.chat_update(
            channel=click.channel, ts=click.message_ts, text=STARTING_TEXT, blocks=starting_blocks()
        )
    except SlackApiError:
        logger.warning("could not update the older-files offer in %s", click.channel)
    deps.jobs.now(
        f"older-files:{click.channel}",
        "bot.jobs.older_files:read_older_files_job",
        channel=click.channel,
        message_ts=click.message_ts,
    )
