"""Catch missed events: forget documents whose Slack file no longer exists, and reclaim the
chunks a crash left behind."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.jobs.files import fetch_file
from bot.runtime import get_runtime, team_runtime

logger = logging.getLogger(__name__)


def reconcile_job() -> None:
    deps = get_runtime()
    if deps.installations is None:
        reconcile(deps)
        return
    for team in deps.installations.teams():  # each team's files, with its own token
        team_deps = team_runtime(team.key)
        if team_deps is not None:
            reconcile(team_deps, sweep=False)
    deps.kb.remove_orphan_chunks()  # once: the sweep covers every team's chunks


def prune_job() -> None:
    state = get_runtime().state
    state.prune()
    state.prune_runs()


def reconcile(deps: Deps, *, sweep: bool = True) -> list[str]:
    """Check every Slack-origin document with ``files.info``, then (``sweep``) orphaned chunks
    (``KnowledgeBase.remove_orphan_chunks``); returns the doc ids forgotten."""
    forgotten: list[str] = []
    for doc in deps.kb.documents(None):
        if not doc.origin or doc.origin != doc.doc_id:
            continue  # not a Slack file (e.g. a /docs add URL or a CLI ingest)
        try:
            if fetch_file(deps, doc.doc_id) is None:
                deps.kb.forget(doc.doc_id)
                forgotten.append(doc.doc_id)
        except SlackApiError:
            logger.warning("reconcile: files.info failed for %s", doc.doc_id, exc_info=True)
    if forgotten:
        logger.info("reconcile forgot %d deleted file(s)", len(forgotten))
    if sweep:
        deps.kb.remove_orphan_chunks()
    return forgotten
