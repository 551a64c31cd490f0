"""The job queue on APScheduler: pending work survives a stop; a job finished elsewhere is fine."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import create_engine

from bot.jobs.queue import JOBS_TABLE, JobQueue, SharedJobStore, make_scheduler


def test_stopping_leaves_pending_work_due_for_the_next_process(database_url: str) -> None:
    engine = create_engine(database_url)
    stopping = JobQueue(make_scheduler(engine, workers=1))
    stopping.start(paused=True)  # nothing runs here: the job is still pending when we stop
    stopping.now("ingest:F1:C1", "bot.jobs.files:ingest_file_job", file_id="F1", channel="C1")
    queued = stopping.scheduler.get_job("ingest:F1:C1")
    assert queued is not None
    stopping.shutdown()

    next_process = JobQueue(make_scheduler(engine, workers=1))
    next_process.start(paused=True)
    try:
        job = next_process.scheduler.get_job("ingest:F1:C1")
        assert job is not None
        assert job.next_run_time == queued.next_run_time
        assert job.next_run_time <= datetime.now(UTC)  # due now, not an interval later
    finally:
        next_process.shutdown()


def test_updating_a_job_another_worker_removed_is_not_an_error(database_url: str) -> None:
    engine = create_engine(database_url)
    queue = JobQueue(make_scheduler(engine, workers=1))
    queue.start(paused=True)
    try:
        queue.now("fetch:url:x", "bot.jobs.urls:fetch_url_job", doc_id="url:x")
        job = queue.scheduler.get_job("fetch:url:x")
        assert job is not None
        store = SharedJobStore(engine=engine, tablename=JOBS_TABLE)
        store.remove_job(job.id)  # another worker ran it and removed it

        store.update_job(job)  # what this worker's scheduler does next with its copy

        assert queue.pending() == []
    finally:
        queue.shutdown()
