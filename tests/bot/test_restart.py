"""A restart with ingestion work still in the job store finishes that work."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.embeddings import Embedder
from tests.bot.harness import SAMPLES, Bot, bot_settings
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack

pytestmark = pytest.mark.slow


def test_pending_ingestion_job_completes_after_restart(
    tmp_path: Path, slack: FakeSlack, openai_fake: FakeOpenAI, embedder: Embedder
) -> None:
    settings = bot_settings(tmp_path / "data", slack, openai_fake)
    first = Bot(settings, slack, openai_fake, embedder)
    first.deps.jobs.scheduler.pause()  # the process "dies" before a worker picks the job up
    file_id = first.share_file(SAMPLES / "handbook.md", "C1")
    slack.wait_for("auth.test")
    _wait_for_job(first, f"ingest:{file_id}:C1")
    first.stop()
    assert slack.downloads == [], "nothing was ingested before the restart"

    second = Bot(settings, slack, openai_fake, embedder)
    try:
        receipt = second.wait_receipt("C1", "handbook.md")
        assert "Added" in receipt["text"]
        assert second.deps.kb.document(file_id) is not None
        assert f"ingest:{file_id}:C1" not in second.deps.jobs.pending()
    finally:
        second.stop()


def _wait_for_job(bot: Bot, job_id: str) -> None:
    import time

    deadline = time.monotonic() + 10
    while job_id not in bot.deps.jobs.pending():
        assert time.monotonic() < deadline, bot.deps.jobs.pending()
        time.sleep(0.05)
