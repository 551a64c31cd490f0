"""``member_joined_channel`` for ragbot itself: offer to read the files shared before."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.older_files import offer_older_files

logger = logging.getLogger(__name__)


def handle_member_joined_channel(
    event: dict[str, Any], client: WebClient, context: BoltContext, deps: Deps
) -> None:
    channel = event.get("channel")
    if event.get("user") != context.bot_user_id or not isinstance(channel, str) or not channel:
        return  # someone else joined
    try:
        offer_older_files(deps, client, channel)
    except SlackApiError as err:
        logger.warning("could not offer older files in %s: %s", channel, err.response.get("error"))
