"""Questions about the bot itself ("What can you do, and which documents can you see here?"):
answered with what it can do and the documents it can use there, not from the documents."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.capabilities import capabilities_blocks, capabilities_text
from bot.deps import Deps

logger = logging.getLogger(__name__)

_ABOUT_THE_BOT = re.compile(
    r"\b(what (?:can|do) you do|what are you(?: for)?\b|how do you work|who are you|"
    r"(?:which|what) (?:documents|docs|files) (?:can|do) you (?:see|have|know|use|read))"
)


def is_about_the_bot(text: str) -> bool:
    return bool(_ABOUT_THE_BOT.search(" ".join(text.lower().split())))


def answer_about_the_bot(
    deps: Deps, client: WebClient, channel: str, thread_ts: str, scopes: Sequence[str]
) -> None:
    """Post what the bot can do and the documents visible from ``scopes`` in the thread."""
    docs = deps.kb.documents(list(scopes))
    try:
        client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=capabilities_text(len(docs)),
            blocks=capabilities_blocks(docs),
        )
    except SlackApiError:
        logger.exception("could not say what the bot can do in %s", channel)
