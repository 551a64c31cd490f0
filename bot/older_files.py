"""Files shared in a conversation before ragbot joined it: find the ones it can read, offer."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.blocks.older_files import offer_blocks, offer_text
from bot.deps import Deps
from bot.payloads import SlackFile, parse_file
from bot.readable import unreadable_reason

logger = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_FILES = 500  # the newest ones, when a channel holds more


def files_to_read(deps: Deps, client: WebClient, channel: str) -> list[SlackFile]:
    """``files.list`` for the channel (newest first, every page): readable files not yet read
    for this conversation."""
    found: list[SlackFile] = []
    page, pages = 1, 1
    while page <= pages and len(found) < MAX_FILES:
        response = client.files_list(channel=channel, count=PAGE_SIZE, page=page)
        for raw in response.get("files") or []:
            slack_file = parse_file(raw)
            if slack_file is not None and _worth_reading(deps, slack_file, channel):
                found.append(slack_file)
        paging = response.get("paging") or {}
        pages = int(paging.get("pages") or 1)
        page += 1
    return found[:MAX_FILES]


def _worth_reading(deps: Deps, slack_file: SlackFile, channel: str) -> bool:
    if unreadable_reason(deps, slack_file.name) is not None:
        return False
    doc = deps.kb.document(slack_file.file_id)
    return doc is None or channel not in doc.scopes  # a document row is always live


def offer_older_files(deps: Deps, client: WebClient, channel: str) -> int:
    """One message offering to read the files already shared here (none: no message)."""
    count = len(files_to_read(deps, client, channel))
    if count:
        client.chat_postMessage(
            channel=channel, text=offer_text(count), blocks=offer_blocks(count, channel)
        )
    logger.info("joined %s: %d older file(s) to offer", channel, count)
    return count
