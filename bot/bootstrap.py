"""Start and stop the bot's runtime: knowledge base, state, job queue, Slack client."""

from __future__ import annotations

import logging

from bot import jobs
from bot.deps import Deps
from bot.jobs.queue import JobQueue, make_scheduler
from bot.runtime import set_runtime
from bot.settings import BotSettings
from bot.slack_client import make_client
from bot.state import StateStore
from rag.embeddings import Embedder
from rag.knowledge_base import KnowledgeBase

logger = logging.getLogger(__name__)


def start_runtime(settings: BotSettings, *, embedder: Embedder | None = None) -> Deps:
    """Everything the listeners and jobs need; jobs start running (and resume) right away."""
    kb = KnowledgeBase(settings, embedder=embedder)
    if settings.warm_up:
        kb.warm_up()
    deps = Deps(
        kb=kb,
        settings=settings,
        state=StateStore(kb.registry.engine),
        jobs=JobQueue(make_scheduler(kb.registry.engine, settings.ingest_workers)),
        client=make_client(settings),
    )
    set_runtime(deps)
    jobs.register(deps.jobs, settings)
    deps.jobs.start(paused=not settings.run_jobs, poll_s=settings.job_poll_s)
    return deps


def stop_runtime(deps: Deps, *, wait: bool = True) -> None:
    deps.jobs.shutdown(wait=wait)
    set_runtime(None)
    deps.kb.close()
