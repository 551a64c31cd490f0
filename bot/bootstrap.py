"""Start and stop the bot's runtime: knowledge base, state, job queue, Slack client."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot import jobs
from bot.deps import Deps
from bot.jobs.queue import JobQueue, make_scheduler
from bot.runtime import set_runtime
from bot.settings import BotSettings
from bot.slack_client import make_client
from bot.state import StateStore
from bot.teams import Installations
from rag.embeddings import Embedder
from rag.errors import RagError
from rag.knowledge_base import KnowledgeBase

logger = logging.getLogger(__name__)


def start_runtime(
    settings: BotSettings,
    *,
    embedder: Embedder | None = None,
    on_fatal: Callable[[str], None] | None = None,
) -> Deps:
    """Everything the listeners and jobs need; jobs start running (and resume) right away."""
    kb = KnowledgeBase(settings, embedder=embedder)
    if settings.warm_up:
        # Load the model and open the store while the app starts listening; the first event
        # waits for it (the knowledge base builds each component once, under a lock).
        threading.Thread(
            target=_warm_up, args=(kb, on_fatal), name="kb-warm-up", daemon=True
        ).start()
    client = make_client(settings)
    deps = Deps(
        kb=kb,
        settings=settings,
        state=StateStore(kb.registry.engine),  # migrates the bot's tables, installations too
        jobs=JobQueue(make_scheduler(kb.registry.engine, settings.ingest_workers)),
        client=client,
        installations=(
            Installations(settings, kb.registry.engine, client)
            if settings.multi_workspace
            else None
        ),
    )
    set_runtime(deps)
    jobs.register(deps.jobs, settings)
    deps.jobs.start(paused=not settings.run_jobs, poll_s=settings.job_poll_s)
    return deps


def _warm_up(kb: KnowledgeBase, on_fatal: Callable[[str], None] | None) -> None:
    started = time.perf_counter()
    try:
        kb.warm_up()
    except RagError as err:  # e.g. the data dir is locked by another process: say so and stop
        logger.error("the knowledge base cannot start: %s", err)
        if on_fatal is not None:
            on_fatal(str(err))
        return
    except Exception:  # the first request will raise it again, where it is reported
        logger.exception("warm-up failed")
        return
    logger.info("knowledge base ready in %.1fs", time.perf_counter() - started)


def stop_runtime(deps: Deps, *, wait: bool = True) -> None:
    deps.jobs.shutdown(wait=wait)
    set_runtime(None)
    deps.kb.close()
