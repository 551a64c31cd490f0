"""After a 👎: which of the sources shown was the right one (or none), asked privately."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.blocks.common import Block, button, section
from bot.constants import GOOD_SOURCE
from bot.state import NO_GOOD_SOURCE
from rag.models import Citation

GOOD_SOURCE_ID = re.compile(rf"^{GOOD_SOURCE}_")
ASK_TEXT = "Thanks for the feedback! Was one of the sources I showed the right one?"
NOTED_TEXT = "Thanks, noted. This helps me find the right passages next time."


def good_source_value(answer_id: str, choice: str) -> str:
    """``answer_id:source number`` (or ``answer_id:none``): what the button sends back."""
    return f"{answer_id}:{choice}"


def parse_good_source_value(value: str) -> tuple[str, str] | None:
    answer_id, sep, choice = value.partition(":")
    return (answer_id, choice) if sep and answer_id and choice else None


def good_source_blocks(answer_id: str, shown: Sequence[Citation]) -> list[Block]:
    choices = [(f"[{c.number}]", str(c.number)) for c in shown]
    choices.append(("None of them", NO_GOOD_SOURCE))
    # action ids must be unique within a block: one per choice, all matched by GOOD_SOURCE_ID
    elements = [
        button(label, f"{GOOD_SOURCE}_{choice}", good_source_value(answer_id, choice))
        for label, choice in choices
    ]
    return [section(ASK_TEXT), {"type": "actions", "elements": elements}]
