"""The assistant pane (Bolt ``Assistant``): greeting, suggested prompts, the viewed channel,
answers with status."""

from __future__ import annotations

from slack_bolt import App, Assistant

from bot.listeners.assistant.context_changed import handle_context_changed
from bot.listeners.assistant.thread_started import handle_thread_started
from bot.listeners.assistant.user_message import handle_user_message


def register(app: App) -> None:
    assistant = Assistant()
    assistant.thread_started(handle_thread_started)
    assistant.thread_context_changed(handle_context_changed)
    assistant.user_message(handle_user_message)
    app.use(assistant)
