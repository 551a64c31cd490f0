"""What happens when Slack tells us about a file: queue its ingestion, add or drop a scope."""

from __future__ import annotations

import logging

from bot.deps import Deps
from bot.payloads import MessageEvent
from rag.models import GLOBAL_SCOPE

logger = logging.getLogger(__name__)


def queue_shared_file(
    deps: Deps,
    file_id: str,
    channel: str,
    *,
    user: str | None = None,
    thread_ts: str | None = None,
) -> bool:
    """Queue ingestion of a file shared in ``channel`` once (file_shared and message both fire).

    ``user`` (who shared it) and ``thread_ts`` (the share's thread) are told if it can't be read.
    """
    if not deps.state.claim(f"file:{file_id}:{channel}"):
        return False
    deps.state.clear_file_failures(file_id, channel)
    deps.jobs.ingest_file(file_id, channel, user=user, thread_ts=thread_ts)
    return True


def queue_message_files(deps: Deps, message: MessageEvent) -> None:
    """Queue every file shared with a message (once each), telling its sharer in its thread."""
    for file in message.files:
        queue_shared_file(
            deps,
            file.file_id,
            message.channel,
            user=message.user,
            thread_ts=message.reply_thread,
        )


def file_changed(deps: Deps, file_id: str) -> bool:
    """Re-read a file that was edited, for the conversations it is already visible in."""
    if deps.kb.document(file_id) is None:
        return False
    deps.jobs.ingest_file(file_id, None, force=True)
    return True


def file_deleted(deps: Deps, file_id: str) -> bool:
    deps.jobs.cancel_file_ingestions(file_id)
    found = deps.kb.forget(file_id)
    logger.info("file %s deleted; forgotten=%s", file_id, found)
    return found


def file_unshared_somewhere(deps: Deps, file_id: str, still_in: set[str] | None) -> bool:
    """A ``file_unshared`` without a channel: keep only the conversations Slack still lists.

    ``still_in`` comes from ``files.info`` (None: the bot can no longer see the file at all).
    Global visibility (ingested outside Slack) is never removed here.
    """
    doc = deps.kb.document(file_id)
    if doc is None:
        return False
    gone = [s for s in doc.scopes if s != GLOBAL_SCOPE and s not in (still_in or set())]
    for channel in gone:
        file_unshared(deps, file_id, channel)
    return bool(gone)


def file_unshared(deps: Deps, file_id: str, channel: str) -> bool:
    """The file left a conversation: it is no longer visible there (forgotten if nowhere)."""
    deps.state.release(f"file:{file_id}:{channel}")  # sharing it again re-adds the scope
    left = deps.kb.remove_scope(file_id, channel)
    logger.info(
        "file %s unshared from %s; %s scope(s) left",
        file_id,
        channel,
        "no" if not left else len(left),
    )
    return left is not None
