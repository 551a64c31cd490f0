"""Good manners in threads: when an un-mentioned message is meant for the bot.

In a thread the bot answered, a message without a mention is answered only when it continues
the conversation with the bot: from someone who asked the bot in this thread, or a question
addressed to no one else. Acknowledgements ("thanks", "ok", emoji only) and messages that
mention someone else are left alone, and "I couldn't find anything" is only ever said to a
question.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from enum import Enum
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.text.incoming import mentioned_users

logger = logging.getLogger(__name__)


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


ACKNOWLEDGEMENTS = _word_set(
    """thanks thank you thx ty tyvm cheers ok okay k kk cool great nice perfect awesome got it
    gotcha understood sure yes yep yeah no nope fine good lol haha noted will do makes sense
    sounds all right alright super brilliant excellent"""
)
QUESTION_WORDS = _word_set(
    """what how why when where who whom whose which can could does do did is are was were
    should would will shall may might tell explain list show summarise summarize give find
    describe compare define any anything"""
)
_EMOJI = re.compile(r":[a-z0-9_+\-']+:")
_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_MAX_ACK_WORDS = 4


class Reply(Enum):
    """How to treat a message: answer it, or answer only if something relevant is found."""

    ALWAYS = "always"
    IF_FOUND = "if_found"


def is_acknowledgement(text: str) -> bool:
    """ "thanks!", "ok 👍", ":+1:", "got it, thank you" — nothing to answer."""
    words = _WORDS.findall(_EMOJI.sub(" ", text).lower())
    if "?" in text:
        return False
    return len(words) <= _MAX_ACK_WORDS and all(w in ACKNOWLEDGEMENTS for w in words)


def looks_like_question(text: str) -> bool:
    words = _WORDS.findall(text.lower())
    return "?" in text or (bool(words) and words[0] in QUESTION_WORDS)


def mentions_someone_else(raw_text: str, bot_user_id: str | None) -> bool:
    return bool(mentioned_users(raw_text) - {bot_user_id})


def reply_mode(text: str, raw_text: str, bot_user_id: str | None) -> Reply | None:
    """For a DM or a message addressed to the bot: None for acknowledgements."""
    if not text or is_acknowledgement(text) or mentions_someone_else(raw_text, bot_user_id):
        return None
    return Reply.ALWAYS if looks_like_question(text) else Reply.IF_FOUND


def follow_up_mode(
    text: str, raw_text: str, user: str, askers: set[str], bot_user_id: str | None
) -> Reply | None:
    """An un-mentioned message in a thread the bot answered."""
    mode = reply_mode(text, raw_text, bot_user_id)
    if mode is None:
        return None
    if user in askers or mode is Reply.ALWAYS:
        return mode
    return None  # someone else's remark in the thread, not a question


def thread_askers(
    client: WebClient, channel: str, thread_ts: str, bot_user_id: str | None
) -> set[str]:
    """Who talks with the bot in a thread: who started it and who mentioned the bot in it."""
    askers: set[str] = set()
    for message in thread_messages(client, channel, thread_ts):
        user = message.get("user")
        if not isinstance(user, str) or message.get("bot_id") or user == bot_user_id:
            continue
        if message.get("ts") == thread_ts or (
            bot_user_id and f"<@{bot_user_id}" in str(message.get("text") or "")
        ):
            askers.add(user)
    return askers


def thread_messages(
    client: WebClient, channel: str, thread_ts: str, keep_last: int | None = None
) -> list[Mapping[str, Any]]:
    """All of a thread (parent first), following ``conversations.replies`` pagination.

    ``keep_last`` keeps only the parent and the latest replies while paging, for long threads.
    """
    messages: list[Mapping[str, Any]] = []
    cursor: str | None = None
    try:
        while True:
            page = client.conversations_replies(
                channel=channel, ts=thread_ts, limit=200, cursor=cursor
            )
            messages += [m for m in page.get("messages") or [] if isinstance(m, Mapping)]
            if keep_last is not None and len(messages) > keep_last + 1:
                messages = [messages[0], *messages[-keep_last:]]
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return messages
    except SlackApiError:
        logger.warning("could not read the thread in %s", channel, exc_info=True)
        return messages
