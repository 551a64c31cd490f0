"""What happens when Slack tells us about a file: queue its ingestion, add or drop a scope."""

from __future__ import annotations

import logging

from bot.deps import Deps

logger = logging.getLogger(__name__)


def queue_shared_file(deps: Deps, file_id: str, channel: str) -> bool:
    """Queue ingestion of a file shared in ``channel`` once (file_shared and message both fire)."""
    if not deps.state.claim(f"file:{file_id}:{channel}"):
        return False
    deps.jobs.ingest_file(file_id, channel)
    return True


def file_changed(deps: Deps, file_id: str) -> bool:
    """Re-read a file that was edited, for the conversations it is already visible in."""
    if deps.kb.document(file_id) is None:
        return False
    deps.jobs.ingest_file(file_id, None, force=True)
    return True


def file_deleted(deps: Deps, file_id: str) -> bool:
    deps.jobs.cancel(f"ingest:{file_id}:*")
    found = deps.kb.forget(file_id)
    logger.info("file %s deleted; forgotten=%s", file_id, found)
    return found


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
