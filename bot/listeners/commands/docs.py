"""``/docs [forget <name> | reindex | add <url> | auto on|off | help]``: the conversation's
documents, and whether files shared here are read without asking.

The command is acknowledged at once (Slack's 3 s limit); the reply, which needs the database
and the index, follows through the command's ``response_url``.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.access import may_forget, search_scopes
from bot.blocks.common import escape
from bot.blocks.docs import docs_list_blocks, help_blocks
from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.jobs.urls import clean_url
from bot.payloads import SlashCommand, parse_command
from bot.respond import reply
from rag.fetch import URL_DOC_PREFIX, url_doc_id
from rag.models import GLOBAL_SCOPE, DocumentInfo

logger = logging.getLogger(__name__)


FORGET_REFUSED = (
    "Only the person who shared *{name}* or a workspace admin can make me forget it. "
    "Ask them, or `/docs` to see what I use here."
)


def handle_docs(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, deps: Deps
) -> None:
    command = parse_command(body)
    if command is None:
        ack(text="I couldn't read that command.")
        return
    ack()  # before any database or index work
    try:
        message = docs_reply(deps, client, command)
    except Exception:
        logger.exception("/docs %s failed in %s", command.verb, command.channel)
        message = {"text": error_text()}
    reply(respond, command.response_url, response_type="ephemeral", **message)


def docs_reply(deps: Deps, client: WebClient, command: SlashCommand) -> dict[str, Any]:
    """The reply to one ``/docs`` invocation: ``text`` and maybe ``blocks``."""
    verb = command.verb
    if verb in ("", "list"):
        docs = deps.kb.documents(scopes=search_scopes(deps, client, command.channel))
        return {"blocks": docs_list_blocks(docs), "text": f"{len(docs)} document(s)"}
    if verb == "forget":
        return {"text": forget(deps, client, command)}
    if verb == "reindex":
        return {"text": reindex(deps, command)}
    if verb == "add":
        return {"text": add_url(deps, command)}
    if verb == "auto":
        return {"text": auto_reply(deps, command)}
    return {"blocks": help_blocks(), "text": "/docs help"}


def find_document(docs: list[DocumentInfo], name: str) -> list[DocumentInfo]:
    """Exact name or id first, then a unique case-insensitive substring."""
    wanted = name.strip().strip("`\"'").lower()
    exact = [d for d in docs if wanted in (d.source.lower(), d.doc_id.lower())]
    return exact or [d for d in docs if wanted and wanted in d.source.lower()]


def forget(deps: Deps, client: WebClient, command: SlashCommand) -> str:
    if not command.argument:
        return "Which document? `/docs forget <name>` (see `/docs` for names)."
    docs = [d for d in deps.kb.documents(scopes=[command.channel]) if command.channel in d.scopes]
    matches = find_document(docs, command.argument)
    if not matches:
        return f"I found no document named “{escape(command.argument)}” in this conversation."
    if len(matches) > 1:
        names = ", ".join(f"*{escape(d.source)}*" for d in matches[:5])
        return f"That matches several documents ({names}); please give the full name."
    doc = matches[0]
    if not may_forget(deps, client, command.user, doc):
        logger.info("/docs forget %s refused in %s", doc.doc_id, command.channel)
        return FORGET_REFUSED.format(name=escape(doc.source))
    left = deps.kb.remove_scope(doc.doc_id, command.channel)
    if not left and doc.doc_id.startswith(URL_DOC_PREFIX):
        deps.jobs.cancel(f"refresh:{doc.doc_id}")
        deps.state.remove_web_source(doc.doc_id)
    deps.state.release(f"file:{doc.doc_id}:{command.channel}")
    logger.info("/docs forget %s in %s", doc.doc_id, command.channel)
    return f"Done: I forgot *{escape(doc.source)}* in this conversation."


def reindex(deps: Deps, command: SlashCommand) -> str:
    docs = [
        d
        for d in deps.kb.documents(scopes=[command.channel])
        if command.channel in d.scopes and GLOBAL_SCOPE not in d.scopes
    ]
    for doc in docs:
        if doc.doc_id.startswith(URL_DOC_PREFIX) and doc.url:
            deps.jobs.fetch_url(
                doc.doc_id,
                doc.url,
                command.channel,
                command.user,
                deps.settings.url_refresh_interval_h,
            )
        elif doc.origin == doc.doc_id:
            deps.jobs.ingest_file(doc.doc_id, command.channel, force=True)
    if not docs:
        return "There are no documents to re-read in this conversation."
    return f"Re-reading {len(docs)} document(s); receipts will appear in their threads."


def add_url(deps: Deps, command: SlashCommand) -> str:
    url = clean_url(command.argument)
    if url is None:
        return "Give me a web link: `/docs add https://example.com/handbook`."
    doc_id = url_doc_id(url)
    deps.state.add_web_source(doc_id, url, command.user)
    deps.jobs.fetch_url(
        doc_id, url, command.channel, command.user, deps.settings.url_refresh_interval_h
    )
    return f"Fetching {url} … I'll tell you when it's ready; I'll re-read it regularly."


AUTO_ON = "Done: I'll read every file shared here from now on."
AUTO_OFF = (
    "Done: I won't read files shared here unless you mention me in the message, or use "
    "*Add to ragbot* from the message's menu (More actions)."
)
AUTO_USAGE = "`/docs auto on` or `/docs auto off`: whether I read files shared here by myself."


def auto_reply(deps: Deps, command: SlashCommand) -> str:
    """``/docs auto on|off``: read shared files here without being asked (default on)."""
    choice = command.argument.lower()
    if choice in ("on", "off"):
        deps.state.set_auto_read(command.channel, choice == "on", command.user)
        logger.info("/docs auto %s in %s", choice, command.channel)
        return AUTO_ON if choice == "on" else AUTO_OFF
    now = "on" if deps.state.auto_read(command.channel) else "off"
    return f"Reading shared files by myself is *{now}* here. {AUTO_USAGE}"
