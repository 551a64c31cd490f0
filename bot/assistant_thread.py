"""The assistant pane's thread: its title, and the channel the person is looking at.

When someone opens the assistant while viewing a channel, Slack sends that channel as the
thread's context (``assistant_thread_started``, then ``assistant_thread_context_changed`` as
they move around). Bolt keeps the latest context in the metadata of the bot's first reply in
the thread (its greeting); ``save_context`` does the same without assuming that the greeting
has blocks. A question in the thread then also searches the viewed channel's documents, but
only when both the person and the bot are members of it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps

logger = logging.getLogger(__name__)

TITLE_CHARS = 60
CONTEXT_EVENT_TYPE = "assistant_thread_context"  # Bolt's metadata event type


def thread_title(question: str, limit: int = TITLE_CHARS) -> str:
    """A short title from the first question: its words, cut between words with "…"."""
    flat = " ".join(question.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def save_context(
    client: WebClient,
    bot_user_id: str | None,
    channel: str,
    thread_ts: str,
    context: Mapping[str, Any],
) -> bool:
    """Store the thread's new context on the bot's first reply; False when there is none yet."""
    try:
        replies = (
            client.conversations_replies(
                channel=channel, ts=thread_ts, oldest=thread_ts, include_all_metadata=True, limit=4
            ).get("messages")
            or []
        )
        first = next(
            (m for m in replies if m.get("subtype") is None and m.get("user") == bot_user_id),
            None,
        )
        if first is None:
            return False
        client.chat_update(
            channel=channel,
            ts=first["ts"],
            text=first.get("text") or "",
            blocks=first.get("blocks"),
            metadata={"event_type": CONTEXT_EVENT_TYPE, "event_payload": dict(context)},
        )
    except SlackApiError as err:
        logger.warning("could not save the assistant context: %s", err.response.get("error"))
        return False
    return True


def viewed_channel_scopes(
    deps: Deps,
    client: WebClient,
    user: str,
    thread_channel: str,
    viewed_channel: str | None,
) -> list[str]:
    """The viewed channel, as an extra scope to search, when the person and the bot are both
    in it; else nothing."""
    if not viewed_channel or viewed_channel == thread_channel:
        return []
    info = deps.directory.channel(client, viewed_channel)
    if not info or not info.get("is_member"):
        return []  # the bot is not in it: it may not read or repeat what was shared there
    if not deps.membership.is_member(client, viewed_channel, user):
        return []
    return [viewed_channel]
