"""Which shared files ragbot reads at all: a known extension, images only with OCR, formats
whose converter is installed (``Converter.check_format``).

Files it can't read are ignored without a word unless someone mentions ragbot with them; then
it says why, once, in the thread.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.ingest import failure_text
from bot.deps import Deps
from bot.payloads import MessageEvent
from rag.errors import IngestError

logger = logging.getLogger(__name__)


def unreadable_reason(deps: Deps, name: str) -> str | None:
    """Why ragbot won't even try to read a file called ``name`` (None: it will try): an unknown
    extension, an image without OCR, a format whose converter isn't installed."""
    try:
        deps.kb.converter.check_format(name)
    except IngestError as err:
        return err.user_message
    return None


def explain_unreadable_files(deps: Deps, client: WebClient, message: MessageEvent) -> int:
    """For a mention that came with files: say, in the thread, which ones can't be read."""
    told = 0
    for file in message.files:
        reason = unreadable_reason(deps, file.name) if file.name else None
        if reason is None or not deps.state.claim(f"unreadable:{file.file_id}:{message.channel}"):
            continue
        try:
            client.chat_postMessage(
                channel=message.channel,
                thread_ts=message.reply_thread,
                text=failure_text(file.name or file.file_id, reason),
            )
            told += 1
        except SlackApiError:
            logger.warning("could not explain an unreadable file in %s", message.channel)
    return told
