"""Bolt listeners, one package per Slack surface; each package's ``register(app)`` wires it."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, assistant, commands, events, shortcuts


def register_listeners(app: App) -> None:
    assistant.register(app)  # before events: it claims messages in assistant threads
    events.register(app)
    commands.register(app)
    actions.register(app)
    shortcuts.register(app)
