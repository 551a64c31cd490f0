"""A user opened the assistant pane: greet and suggest prompts."""

from __future__ import annotations

import logging

from slack_bolt import Say, SetSuggestedPrompts

from bot.constants import SUGGESTED_PROMPTS

logger = logging.getLogger(__name__)

GREETING = (
    "Hi! I answer questions from the documents shared with me, with sources. "
    "Documents you share in this DM are private to it."
)


def handle_thread_started(say: Say, set_suggested_prompts: SetSuggestedPrompts) -> None:
    say(GREETING)
    set_suggested_prompts(
        prompts=[{"title": title, "message": message} for title, message in SUGGESTED_PROMPTS]
    )
