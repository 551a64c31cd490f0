"""Button clicks: feedback on answers (and which source was right), more sources, share, and
reading the files shared before ragbot joined."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks.feedback import GOOD_SOURCE_ID
from bot.constants import (
    FEEDBACK_DOWN,
    FEEDBACK_UP,
    HOME_NEXT_PAGE,
    HOME_PREVIOUS_PAGE,
    MORE_SOURCES,
    READ_OLDER_FILES,
    SHARE_ANSWER,
)
from bot.listeners.actions.feedback import handle_feedback
from bot.listeners.actions.good_source import handle_good_source
from bot.listeners.actions.home_page import handle_home_page
from bot.listeners.actions.more_sources import handle_more_sources
from bot.listeners.actions.read_older_files import handle_read_older_files
from bot.listeners.actions.share_answer import handle_share_answer


def register(app: App) -> None:
    app.action(FEEDBACK_UP)(handle_feedback)
    app.action(FEEDBACK_DOWN)(handle_feedback)
    app.action(MORE_SOURCES)(handle_more_sources)
    app.action(SHARE_ANSWER)(handle_share_answer)
    app.action(GOOD_SOURCE_ID)(handle_good_source)
    app.action(READ_OLDER_FILES)(handle_read_older_files)
    app.action(HOME_NEXT_PAGE)(handle_home_page)
    app.action(HOME_PREVIOUS_PAGE)(handle_home_page)
