"""Slash commands: ``/ask`` and ``/docs``."""

from __future__ import annotations

from slack_bolt import App

from bot.constants import ASK_COMMAND, DOCS_COMMAND
from bot.listeners.commands.ask import handle_ask
from bot.listeners.commands.docs import handle_docs


def register(app: App) -> None:
    app.command(ASK_COMMAND)(handle_ask)
    app.command(DOCS_COMMAND)(handle_docs)
