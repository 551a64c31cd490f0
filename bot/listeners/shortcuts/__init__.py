"""Shortcuts: "Add to ragbot" in a message's menu."""

from __future__ import annotations

from slack_bolt import App

from bot.constants import ADD_TO_RAGBOT
from bot.listeners.shortcuts.add_to_ragbot import handle_add_to_ragbot


def register(app: App) -> None:
    app.shortcut(ADD_TO_RAGBOT)(handle_add_to_ragbot)
