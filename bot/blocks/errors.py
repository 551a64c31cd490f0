"""User-facing error messages: one clear sentence, never an exception's text."""

from __future__ import annotations

from bot.blocks.common import Block, section

GENERIC = "Something went wrong on my side. Please try again in a moment."


def error_text(user_message: str | None = None) -> str:
    return f":warning: {user_message or GENERIC}"


def error_blocks(user_message: str | None = None) -> list[Block]:
    return [section(error_text(user_message))]
