"""Button clicks on answers: feedback, more sources, share."""

from __future__ import annotations

from slack_bolt import App

from bot.constants import FEEDBACK_DOWN, FEEDBACK_UP, MORE_SOURCES, SHARE_ANSWER
from bot.listeners.actions.feedback import handle_feedback
from bot.listeners.actions.more_sources import handle_more_sources
from bot.listeners.actions.share_answer import handle_share_answer


def register(app: App) -> None:
    app.action(FEEDBACK_UP)(handle_feedback)
    app.action(FEEDBACK_DOWN)(handle_feedback)
    app.action(MORE_SOURCES)(handle_more_sources)
    app.action(SHARE_ANSWER)(handle_share_answer)
