"""A restart with ingestion work still in the job store finishes that work."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.embeddings import Embedder
from tests.bot.harness import SAMPLES, Bot, bot_settings
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack
from tests.waiting import wait_until

pytestmark = pytest.mark.slow


def test_pending_ingestion_job_completes_after_restart(
    tmp_path: Path, slack: FakeSlack, openai_fake: FakeOpenAI, embedder: Embedder
) -> None:
    settings = bot_settings(tmp_path / "data", slack, openai_fake)
    first = Bot(settings, slack, openai_fake, embedder)
    first.deps.jobs.scheduler.pause()  # the process "dies" before a worker picks the job up
    file_id = first.share_file(SAMPLES / "handbook.md", "C1")
    slack.wait_for("auth.test")
    job_id = f"ingest:{file_id}:C1"
    wait_until(lambda: job_id in first.deps.jobs.pending())
    first.stop()
    assert slack.downloads == [], "nothing was ingested before the restart"

    second = Bot(settings, slack, openai_fake, embedder)
    try:
        receipt = second.wait_receipt("C1", "handbook.md")
        assert "Added" in receipt["text"]
        assert second.deps.kb.document(file_id) is not None
        # the job removes itself once its run is over (just after the receipt is posted)
        wait_until(lambda: job_id not in second.deps.jobs.pending())
    finally:
        second.stop()
