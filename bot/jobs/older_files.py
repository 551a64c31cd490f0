"""Read the files shared in a conversation before ragbot joined, one by one, updating one
message in place ("12 of 30 files read…") and ending with a summary."""

from __future__ import annotations

import logging
import time

from slack_sdk.errors import SlackApiError

from bot.blocks.common import Block
from bot.blocks.older_files import (
    nothing_to_read_text,
    progress_blocks,
    progress_text,
    summary_blocks,
    summary_text,
)
from bot.deps import Deps
from bot.jobs.files import DOWNLOAD_FAILED, INTERNAL_FAILURE, download
from bot.older_files import files_to_read
from bot.payloads import SlackFile
from bot.runtime import team_runtime
from rag.errors import IngestError
from rag.models import SourceInfo

logger = logging.getLogger(__name__)

PROGRESS_EVERY_S = 1.0  # at most one progress update a second (the last one always shows)


def read_older_files_job(channel: str, message_ts: str, team: str = "") -> None:
    """Durable job entry point: plain arguments only (``team``: whose channel, for its token)."""
    deps = team_runtime(team)
    if deps is not None:
        read_older_files(deps, channel, message_ts)


def read_older_files(deps: Deps, channel: str, message_ts: str) -> tuple[int, int]:
    """Read every readable file shared in ``channel``; returns (read, total)."""
    files = files_to_read(deps, deps.client, channel)
    if not files:
        _update(deps, channel, message_ts, nothing_to_read_text(), None)
        return 0, 0
    total, failures, last = len(files), [], 0.0
    _update(deps, channel, message_ts, progress_text(0, total), progress_blocks(0, total))
    for done, slack_file in enumerate(files, start=1):
        reason = read_one(deps, slack_file, channel)
        if reason is not None:
            failures.append((slack_file.name, reason))
        if done < total and time.monotonic() - last >= PROGRESS_EVERY_S:
            last = time.monotonic()
            _update(
                deps, channel, message_ts, progress_text(done, total), progress_blocks(done, total)
            )
    read = total - len(failures)
    _update(
        deps, channel, message_ts, summary_text(read, total), summary_blocks(read, total, failures)
    )
    logger.info("older files in %s: %d of %d read", channel, read, total)
    return read, total


def read_one(deps: Deps, slack_file: SlackFile, channel: str) -> str | None:
    """Read one file for ``channel``; None when it is in, else why it isn't (for the summary)."""
    file_id = slack_file.file_id
    deps.state.claim(f"file:{file_id}:{channel}")  # a share event for it now reads nothing again
    existing = deps.kb.document(file_id)
    if existing is not None:  # a document row exists only once a version is live
        deps.kb.add_scopes(file_id, [channel])
        return None
    scopes = sorted({*(existing.scopes if existing else ()), channel})
    try:
        deps.kb.converter.check_size(slack_file.size)
        data = download(deps, slack_file)
        if data is None:
            deps.state.release(f"file:{file_id}:{channel}")
            return DOWNLOAD_FAILED
        deps.kb.ingest_bytes(
            data,
            SourceInfo(slack_file.name, url=slack_file.permalink),
            doc_id=file_id,
            scopes=scopes,
            origin=file_id,
        )
    except IngestError as err:
        logger.info("older file %s not read: %s", file_id, type(err).__name__)
        return err.user_message
    except Exception:
        logger.exception("reading older file %s failed", file_id)
        deps.state.release(f"file:{file_id}:{channel}")
        return INTERNAL_FAILURE
    return None


def _update(
    deps: Deps, channel: str, message_ts: str, text: str, blocks: list[Block] | None
) -> None:
    try:
        deps.client.chat_update(channel=channel, ts=message_ts, text=text, blocks=blocks or [])
    except SlackApiError:
        logger.warning("could not update the older-files message in %s", channel, exc_info=True)
