"""``file_unshared``: the file left a conversation → it is no longer visible there.

Slack's event often carries only ``file_id``; then ``files.info`` says which conversations still
have the file, and the document is dropped from the others.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.files import file_unshared, file_unshared_somewhere
from bot.jobs.files import fetch_file
from bot.payloads import parse_file_event

logger = logging.getLogger(__name__)


def handle_file_unshared(event: dict[str, Any], deps: Deps) -> None:
    parsed = parse_file_event(event)
    if parsed is None:
        return
    if parsed.channel is not None:
        file_unshared(deps, parsed.file_id, parsed.channel)
        return
    try:
        slack_file = fetch_file(deps, parsed.file_id)
    except SlackApiError:
        logger.warning("files.info failed for unshared file %s", parsed.file_id, exc_info=True)
        return  # the hourly reconcile tries again
    file_unshared_somewhere(
        deps, parsed.file_id, set(slack_file.channels) if slack_file is not None else None
    )
