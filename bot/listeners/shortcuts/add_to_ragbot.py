""" "Add to ragbot" (a message shortcut): read the files of a message shared before ragbot was
there, or where ``/docs auto off`` is set. Receipts appear in the file's thread; the person who
used it is answered privately."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.blocks.common import escape
from bot.deps import Deps
from bot.files import queue_shared_file
from bot.listeners.commands.ask import bot_is_member
from bot.payloads import MessageShortcut, parse_message_shortcut
from bot.readable import unreadable_reason
from bot.respond import reply

NO_FILES = (
    "That message has no files. Use *Add to ragbot* on a message with a document "
    "(PDF, Word, PowerPoint, Excel, HTML, Markdown…)."
)
NOT_A_MEMBER = (
    "I'm not in this conversation, so Slack won't let me open its files. "
    "Add me first (`/invite @ragbot`), then try again."
)


def handle_add_to_ragbot(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, deps: Deps
) -> None:
    ack()  # within 3 s; the files are read in the background
    shortcut = parse_message_shortcut(body)
    if shortcut is None:
        return
    text = add_message_files(deps, client, shortcut)
    reply(respond, shortcut.response_url, response_type="ephemeral", text=text)


def add_message_files(deps: Deps, client: WebClient, shortcut: MessageShortcut) -> str:
    """Queue the message's readable files for its conversation; say what happens to each."""
    message = shortcut.message
    if not message.files:
        return NO_FILES
    if not bot_is_member(deps, client, shortcut.channel):
        return NOT_A_MEMBER
    reading: list[str] = []
    skipped: list[str] = []
    for file in message.files:
        name = escape(file.name or "the file")
        reason = unreadable_reason(deps, file.name) if file.name else None
        if reason is not None:
            skipped.append(f"*{name}*: {reason}")
            continue
        deps.state.release(f"file:{file.file_id}:{shortcut.channel}")  # asked again: read again
        queue_shared_file(
            deps,
            file.file_id,
            shortcut.channel,
            user=shortcut.user,
            thread_ts=message.reply_thread,
        )
        reading.append(f"*{name}*")
    lines = []
    if reading:
        lines.append(f"Reading {', '.join(reading)}; the receipt will appear in the thread.")
    if skipped:
        lines.append("I can't read " + "; ".join(skipped))
    return "\n".join(lines)
