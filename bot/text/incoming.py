"""Text people send: Slack's markup turned back into what they wrote.

Slack sends message text with ``&``, ``<`` and ``>`` escaped and with mentions, channels and
links as ``<…>`` sequences. For a question (and the thread history sent to the model) the bot's
own mention is dropped, other people's mentions become their names, ``<#C1|general>`` becomes
``#general``, links become their address, and the escapes are decoded.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_MARKUP = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def decode_entities(text: str) -> str:
    """``&lt;`` ``&gt;`` ``&amp;`` back to ``<`` ``>`` ``&`` (``&amp;`` last, so once only)."""
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text


def readable(text: str, bot_user_id: str | None, name_of: Callable[[str], str]) -> str:
    """What the person wrote, for the model: mentions as names, links as addresses."""

    def replace(match: re.Match[str]) -> str:
        sigil, target, label = match.group(1), match.group(2), match.group(3)
        if sigil == "@":
            if target == bot_user_id:
                return " "
            return f"@{label or name_of(target)}"
        if sigil == "#":
            return f"#{label or target}"
        if sigil == "!":
            return f"@{label or target.split('^')[0]}"
        return target  # a link: its address (the label is what Slack showed for it)

    return " ".join(decode_entities(_MARKUP.sub(replace, text)).split())


def mentioned_users(text: str) -> set[str]:
    """User ids mentioned in raw Slack text."""
    return {m.group(2) for m in _MARKUP.finditer(text) if m.group(1) == "@"}
