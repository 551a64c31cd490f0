"""One-off jobs run exactly once, even when several workers share the job store."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from unittest.mock import Mock

import pytest
from slack_sdk import WebClient
from sqlalchemy import create_engine

from bot.deps import Deps
from bot.jobs.queue import JobQueue, make_scheduler
from bot.runtime import set_runtime
from bot.settings import BotSettings
from bot.state import StateStore
from rag.knowledge_base import KnowledgeBase

RUNS: Counter[int] = Counter()
RUNS_LOCK = threading.Lock()


def record_run(n: int) -> None:
    """The job under test: slow enough that both workers see it due at once."""
    time.sleep(0.05)
    with RUNS_LOCK:
        RUNS[n] += 1


def test_claims_are_exclusive_and_expire(database_url: str) -> None:
    state = StateStore(create_engine(database_url))

    assert state.claim_run("r1", "worker-a", timedelta(minutes=5)) == "claimed"
    assert state.claim_run("r1", "worker-b", timedelta(minutes=5)) == "running_elsewhere"
    state.finish_run("r1")
    assert state.claim_run("r1", "worker-b", timedelta(minutes=5)) == "done"

    assert state.claim_run("r2", "dead-worker", timedelta(seconds=-1)) == "claimed"
    assert state.claim_run("r2", "worker-b", timedelta(minutes=5)) == "claimed"  # lease expired


def test_two_workers_run_each_job_once(database_url: str, tmp_path: Path) -> None:
    engine = create_engine(database_url)
    state = StateStore(engine)
    web = JobQueue(make_scheduler(engine, workers=1))
    workers = [JobQueue(make_scheduler(engine, workers=4)) for _ in range(2)]
    settings = BotSettings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    set_runtime(
        Deps(
            kb=Mock(KnowledgeBase), settings=settings, state=state, jobs=web, client=Mock(WebClient)
        )
    )
    RUNS.clear()
    try:
        web.start(paused=True)  # a web process only enqueues
        for n in range(30):
            web.now(f"job-{n}", "tests.bot.jobs.test_run_once:record_run", n=n)
        for worker in workers:
            worker.start(poll_s=0.05)
        deadline = time.monotonic() + 30
        while (sum(RUNS.values()) < 30 or web.pending()) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        for queue in (*workers, web):
            queue.shutdown(wait=True)  # waits for runs in flight: a late duplicate would be one
        set_runtime(None)

    assert sorted(RUNS) == list(range(30))
    assert set(RUNS.values()) == {1}
    assert web.pending() == [] or pytest.fail(f"jobs left in the store: {web.pending()}")
