"""A deleted file: its queued ingestions are cancelled (in every channel) and it is forgotten."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.deps import Deps
from bot.files import file_deleted
from bot.jobs.queue import JobQueue, make_scheduler
from tests.bot.fixtures import mock_deps


@pytest.fixture
def jobs(tmp_path: Path) -> Iterator[JobQueue]:
    queue = JobQueue(make_scheduler(create_engine(f"sqlite:///{tmp_path / 'jobs.db'}"), 1))
    queue.start(paused=True)  # as a web process: jobs are only stored, none runs
    yield queue
    queue.shutdown(wait=False)


def test_deleting_a_file_cancels_its_ingestion_in_every_channel(
    tmp_path: Path, jobs: JobQueue
) -> None:
    deps: Deps = dataclasses.replace(mock_deps(tmp_path), jobs=jobs)
    jobs.ingest_file("F1", "C1")
    jobs.ingest_file("F1", "C2", user="U1", thread_ts="5.0")
    jobs.ingest_file("F1", None, force=True)  # an edit: re-read wherever it is shared
    jobs.ingest_file("F10", "C1")  # another file whose id starts the same
    jobs.ingest_file("F2", "C1")

    file_deleted(deps, "F1")

    assert sorted(jobs.pending()) == ["ingest:F10:C1", "ingest:F2:C1"]
    deps.kb.forget.assert_called_once_with("F1")
