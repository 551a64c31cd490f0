"""Background work as durable APScheduler jobs: file ingestion, URL refresh, reconcile."""

from __future__ import annotations

from bot.jobs.queue import JobQueue
from bot.settings import BotSettings


def register(jobs: JobQueue, settings: BotSettings) -> None:
    """The periodic jobs (idempotent: re-registering replaces them)."""
    jobs.every(
        "reconcile", "bot.jobs.reconcile:reconcile_job", minutes=settings.reconcile_interval_min
    )
    jobs.every("prune-seen-keys", "bot.jobs.reconcile:prune_job", minutes=24 * 60)
