"""Events API listeners: mentions, messages (and their edits and deletions), file lifecycle,
ragbot joining a channel, the App Home, uninstalls."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.events.app_home_opened import handle_app_home_opened
from bot.listeners.events.app_mention import handle_app_mention
from bot.listeners.events.file_change import handle_file_change
from bot.listeners.events.file_deleted import handle_file_deleted
from bot.listeners.events.file_shared import handle_file_shared
from bot.listeners.events.file_unshared import handle_file_unshared
from bot.listeners.events.member_joined_channel import handle_member_joined_channel
from bot.listeners.events.message import handle_message
from bot.listeners.events.message_changed import handle_message_changed
from bot.listeners.events.message_deleted import handle_message_deleted
from bot.listeners.events.uninstall import handle_app_uninstalled, handle_tokens_revoked


def register(app: App) -> None:
    app.event("app_mention")(handle_app_mention)
    # Bolt runs the first listener that matches: the subtypes before every other message
    app.event({"type": "message", "subtype": "message_changed"})(handle_message_changed)
    app.event({"type": "message", "subtype": "message_deleted"})(handle_message_deleted)
    app.event("message")(handle_message)
    app.event("file_shared")(handle_file_shared)
    app.event("file_change")(handle_file_change)
    app.event("file_deleted")(handle_file_deleted)
    app.event("file_unshared")(handle_file_unshared)
    app.event("member_joined_channel")(handle_member_joined_channel)
    app.event("app_home_opened")(handle_app_home_opened)
    app.event("app_uninstalled")(handle_app_uninstalled)
    app.event("tokens_revoked")(handle_tokens_revoked)
