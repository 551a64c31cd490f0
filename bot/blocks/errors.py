"""User-facing error messages: one clear sentence, never an exception's text."""

from __future__ import annotations

GENERIC = "Something went wrong on my side. Please try again in a moment."


def error_text(user_message: str | None = None) -> str:
    return f":warning: {user_message or GENERIC}"
