"""A question in the assistant pane: status "thinking…", then a streamed, cited answer.

The first question titles the thread. Documents of the channel the person is viewing are
searched too when both the person and the bot are in it (``bot.assistant_thread``).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext, SetStatus, SetTitle
from slack_bolt.context.get_thread_context import GetThreadContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.access import search_scopes
from bot.answering import answer_message
from bot.assistant_thread import thread_title, viewed_channel_scopes
from bot.deps import Deps
from bot.files import queue_message_files
from bot.payloads import MessageEvent, parse_message
from bot.self_help import answer_about_the_bot, is_about_the_bot
from bot.text.incoming import decode_entities

logger = logging.getLogger(__name__)


def handle_user_message(
    payload: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    set_status: SetStatus,
    set_title: SetTitle,
    get_thread_context: GetThreadContext,
    deps: Deps,
) -> None:
    message = parse_message(payload)
    if message is None or message.from_bot or message.user is None:
        return
    queue_message_files(deps, message)
    title_thread(deps, message, set_title)
    viewed = get_thread_context()
    also_search = viewed_channel_scopes(
        deps, client, message.user, message.channel, viewed.channel_id if viewed else None
    )
    if is_about_the_bot(decode_entities(message.question)):
        if deps.state.claim(f"answer:{message.channel}:{message.ts}"):
            scopes = [*search_scopes(deps, client, message.channel), *also_search]
            answer_about_the_bot(deps, client, message.channel, message.reply_thread, scopes)
        return
    answer_message(
        deps,
        client,
        message,
        bot_user_id=context.bot_user_id,
        set_status=lambda status: set_status(status=status),
        also_search=also_search,
    )


def title_thread(deps: Deps, message: MessageEvent, set_title: SetTitle) -> None:
    """Name the thread after its first question (once; best effort)."""
    if not message.question or not deps.state.claim(
        f"title:{message.channel}:{message.reply_thread}"
    ):
        return
    try:
        set_title(thread_title(decode_entities(message.question)))
    except SlackApiError as err:
        logger.info("could not title the assistant thread: %s", err.response.get("error"))
