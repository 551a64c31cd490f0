"""Button clicks on answers: feedback, more sources, share."""

from __future__ import annotations

from slack_bolt import App

from bot.constants import (
    FEEDBACK_DOWN,
    FEEDBACK_UP,
    HOME_NEXT_PAGE,
    HOME_PREVIOUS_PAGE,
    MORE_SOURCES,
    SHARE_ANSWER,
)
from bot.listeners.actions.feedback import handle_feedback
from bot.listeners.actions.home_page import handle_home_page
from bot.listeners.actions.more_sources import handle_more_sources
from bot.listeners.actions.share_answer import handle_share_answer


def register(app: App) -> None:
    app.action(FEEDBACK_UP)(handle_feedback)
    app.action(FEEDBACK_DOWN)(handle_feedback)
    app.action(MORE_SOURCES)(handle_more_sources)
    app.action(SHARE_ANSWER)(handle_share_answer)
    app.action(HOME_NEXT_PAGE)(handle_home_page)
    app.action(HOME_PREVIOUS_PAGE)(handle_home_page)
