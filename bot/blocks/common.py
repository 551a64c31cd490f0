"""Small helpers shared by the builders."""

from __future__ import annotations

from typing import Any

from bot.text.mrkdwn import SECTION_LIMIT, escape, split_sections, truncate

__all__ = ["Block", "button", "context", "escape", "mrkdwn", "section", "sections"]

Block = dict[str, Any]


def mrkdwn(text: str) -> dict[str, str]:
    """A mrkdwn text object; ``text`` must already be mrkdwn (escaped where it needs to be)."""
    return {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT) or " "}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def sections(text: str, max_blocks: int = 40) -> list[Block]:
    """Long mrkdwn over several section blocks, cut between sentences, never mid-sentence."""
    pieces = split_sections(text, SECTION_LIMIT)
    if len(pieces) > max_blocks:
        pieces = [*pieces[: max_blocks - 1], "…"]
    return [section(p) for p in pieces]


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text)]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element
