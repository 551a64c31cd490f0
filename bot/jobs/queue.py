"""A thin, typed face over APScheduler with a job store on the project database."""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.util import ref_to_obj
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, ProgrammingError

logger = logging.getLogger(__name__)

JOBS_TABLE = "bot_jobs"
RUN_ONCE = "bot.jobs.queue:run_once"
RETRY_AFTER_S = 15 * 60  # a one-off job whose process died mid-run is run again this much later
RUN_LEASE = timedelta(seconds=RETRY_AFTER_S - 60)
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class SharedJobStore(SQLAlchemyJobStore):
    """The job store on the project database, shared by every process, through the job store
    interface APScheduler documents for extension (``get_due_jobs``, ``update_job``,
    ``start``, ``shutdown``); the scheduler itself is APScheduler's own.

    - A stopped store hands out no due jobs. APScheduler 3's scheduler thread looks at the
      store once more after ``shutdown()``, when its executor no longer takes work: the
      submission fails and the job's next run is moved a whole interval (15 minutes) later.
      Pending work must wait for the next process untouched.
    - Updating a job that another worker has just finished and removed is not an error (its
      run is skipped by the claim in ``run_once``); raising there would end the scheduler
      thread.
    """

    _stopped = False

    def start(self, scheduler: Any, alias: str) -> None:
        self._stopped = False
        try:
            super().start(scheduler, alias)
        except (IntegrityError, ProgrammingError):
            # Another process (web and worker start together) created the table between the
            # check and the CREATE; the table is there now, so the check passes.
            super().start(scheduler, alias)

    def shutdown(self) -> None:
        self._stopped = True
        super().shutdown()

    def get_due_jobs(self, now: datetime) -> list[Job]:
        return [] if self._stopped else list(super().get_due_jobs(now))

    def update_job(self, job: Job) -> None:
        with contextlib.suppress(JobLookupError):
            super().update_job(job)


def run_once(job_id: str, func: str, kwargs: dict[str, Any], run_id: str | None = None) -> None:
    """Run a one-off job exactly once across workers, then remove it from the store.

    Several worker processes may pick the same due job from the shared store: APScheduler 3
    has no way, public or private, for schedulers to coordinate (each reads the due jobs and
    submits them; taking a job is not atomic across processes). So the run is claimed in the
    database first (a lease), and only the worker holding the claim runs it. A worker that
    dies mid-run leaves a lease that expires, and the job runs again later.
    """
    from bot.runtime import get_runtime

    deps = get_runtime()
    claim = deps.state.claim_run(run_id, WORKER_ID, RUN_LEASE) if run_id else "claimed"
    if claim == "running_elsewhere":
        logger.info("job %s is running in another worker", job_id)
        return
    try:
        if claim == "claimed":
            ref_to_obj(func)(**kwargs)
    finally:
        if run_id and claim == "claimed":
            deps.state.finish_run(run_id)
        deps.jobs.cancel(job_id)


def ingest_job_id(file_id: str, channel: str) -> str:
    """``ingest:<file>:<channel>``; ``*`` for a re-read in every channel it is in."""
    return f"ingest:{file_id}:{channel}"


def make_scheduler(engine: Engine, workers: int) -> BackgroundScheduler:
    return BackgroundScheduler(
        jobstores={"default": SharedJobStore(engine=engine, tablename=JOBS_TABLE)},
        executors={"default": ThreadPoolExecutor(workers)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": None,  # work that waited through a restart still runs
        },
        timezone=UTC,
    )


class JobQueue:
    """Enqueue one-off work and periodic jobs by textual reference (``module:function``).

    A queue bound to a team (``for_team``) prefixes its job ids with the team and passes
    ``team=<key>`` to the job, which looks the team's bot token up when it runs.
    """

    def __init__(self, scheduler: BackgroundScheduler) -> None:
        self.scheduler = scheduler
        self._stop_polling = threading.Event()
        self.team = ""

    def for_team(self, team: str) -> JobQueue:
        view = copy.copy(self)
        view.team = team
        return view

    def _id(self, job_id: str) -> str:
        return f"{self.team}|{job_id}" if self.team else job_id

    def _with_team(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {**kwargs, "team": self.team} if self.team else kwargs

    def start(self, paused: bool = False, poll_s: float | None = None) -> None:
        """Start; ``paused`` only enqueues (a web process), ``poll_s`` watches the shared store.

        APScheduler 3 only wakes up for jobs added in its own process; a worker that shares the
        store with web processes re-reads it every ``poll_s`` seconds.
        """
        if not self.scheduler.running:
            self.scheduler.start(paused=paused)
        if poll_s and not paused:
            threading.Thread(
                target=self._poll, args=(poll_s,), name="job-store-poll", daemon=True
            ).start()

    def _poll(self, interval: float) -> None:
        while not self._stop_polling.wait(interval):
            if self.scheduler.running:
                self.scheduler.wakeup()

    def shutdown(self, wait: bool = True) -> None:
        self._stop_polling.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)

    def now(self, job_id: str, func: str, **kwargs: Any) -> None:
        """Run once as soon as a worker is free; stays in the store until it has finished.

        Stored as an interval job that removes itself when done: if the process dies before or
        during the run, the next process runs it again (the bot's jobs are idempotent).
        """
        job_id, kwargs = self._id(job_id), self._with_team(kwargs)
        self.scheduler.add_job(
            RUN_ONCE,
            "interval",
            seconds=RETRY_AFTER_S,
            next_run_time=datetime.now(UTC),
            id=job_id,
            kwargs={"job_id": job_id, "func": func, "kwargs": kwargs, "run_id": uuid.uuid4().hex},
            replace_existing=True,
        )
        logger.info("queued job %s", job_id)

    def every(self, job_id: str, func: str, *, minutes: float, **kwargs: Any) -> None:
        self.scheduler.add_job(
            func,
            "interval",
            seconds=max(1, int(minutes * 60)),
            id=self._id(job_id),
            kwargs=self._with_team(kwargs),
            replace_existing=True,
        )

    def cancel(self, job_id: str) -> None:
        with contextlib.suppress(JobLookupError):
            self.scheduler.remove_job(self._id(job_id))

    def cancel_team(self) -> int:
        """Remove every job of this queue's team (it uninstalled); returns how many."""
        prefix = self._id("")
        jobs = [job.id for job in self.scheduler.get_jobs() if job.id.startswith(prefix)]
        for job_id in jobs:
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(job_id)
        return len(jobs)

    def pending(self) -> list[str]:
        return [job.id for job in self.scheduler.get_jobs()]

    def cancel_file_ingestions(self, file_id: str) -> list[str]:
        """Drop a file's queued ingestions, one per channel it was shared in (and its re-read).

        A run already in progress is not stopped; ``KnowledgeBase.forget`` makes it give up.
        Returns the job ids dropped.
        """
        prefix = ingest_job_id(file_id, "")
        dropped = [job_id for job_id in self.pending() if job_id.startswith(prefix)]
        for job_id in dropped:
            self.cancel(job_id)
        return dropped

    # --- the bot's jobs ------------------------------------------------------------------
    def ingest_file(
        self,
        file_id: str,
        channel: str | None,
        *,
        force: bool = False,
        user: str | None = None,
        thread_ts: str | None = None,
    ) -> None:
        """Read a file; ``user``/``thread_ts`` (who shared it, where) get told if that fails."""
        notify = {k: v for k, v in (("user", user), ("thread_ts", thread_ts)) if v}
        self.now(
            ingest_job_id(file_id, channel or "*"),
            "bot.jobs.files:ingest_file_job",
            file_id=file_id,
            channel=channel,
            force=force,
            **notify,
        )

    def fetch_url(self, doc_id: str, url: str, channel: str, user: str, hours: float) -> None:
        """Fetch now (telling the user how it went), then refresh every ``hours``."""
        self.now(
            f"fetch:{doc_id}",
            "bot.jobs.urls:fetch_url_job",
            doc_id=doc_id,
            url=url,
            channel=channel,
            user=user,
        )
        self.every(
            f"refresh:{doc_id}",
            "bot.jobs.urls:refresh_url_job",
            minutes=hours * 60,
            doc_id=doc_id,
            url=url,
        )
