"""Action ids, callback ids and other names Slack echoes back to us, in one place."""

from __future__ import annotations

FEEDBACK_UP = "ragbot_feedback_up"
FEEDBACK_DOWN = "ragbot_feedback_down"
MORE_SOURCES = "ragbot_more_sources"
SHARE_ANSWER = "ragbot_share_answer"
GOOD_SOURCE = "ragbot_good_source"  # after a 👎: which shown source was right
READ_OLDER_FILES = "ragbot_read_older_files"
ADD_TO_RAGBOT = "ragbot_add_to_ragbot"  # message shortcut (manifest.yml callback_id)

# The bot token's scopes, asked for by the OAuth install flow (manifest.yml lists the same ones:
# tests/test_manifest.py).
BOT_SCOPES = (
    "app_mentions:read",
    "assistant:write",
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "files:read",
    "groups:history",
    "groups:read",
    "im:history",
    "im:read",
    "mpim:history",
    "mpim:read",
    "users:read",
)

ASK_COMMAND = "/ask"
DOCS_COMMAND = "/docs"


THINKING = "thinking…"
SUGGESTED_PROMPTS = (
    ("What can you do?", "What can you do, and which documents can you see here?"),
    ("Summarise the latest document", "Summarise the most recently shared document."),
    ("Find a policy", "What does our documentation say about time off?"),
)
MAX_SOURCES_SHOWN = 3
SNIPPET_CHARS = 200

HOME_NEXT_PAGE = "ragbot_home_next_page"
HOME_PREVIOUS_PAGE = "ragbot_home_previous_page"
