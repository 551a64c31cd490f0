"""The scaled-out setup for real: gunicorn web processes enqueue, ``ragbot worker``s run jobs.

Four OS processes share a Milvus server (``milvus-lite server`` on 127.0.0.1), one database
(PostgreSQL when the machine has it, else a SQLite file) and the job store; Slack and OpenAI are
the stand-ins. Each shared file must be downloaded and receipted exactly once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from bot.jobs.queue import JobQueue, make_scheduler
from tests.bot.harness import BOT_TOKEN, SAMPLES, SECRET, Bot, one_off_jobs
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack
from tests.net import free_port
from tests.postgres import fresh_database
from tests.rag.test_remote_milvus import milvus_server  # noqa: F401

pytestmark = pytest.mark.slow


class ExternalBot(Bot):
    """The test helpers of ``Bot``, aimed at a bot running in other processes."""

    def __init__(self, url: str, slack: FakeSlack, openai: FakeOpenAI, database_url: str) -> None:
        self.slack, self.openai, self.url = slack, openai, url
        self.database_url = database_url

    def stop(self) -> None:
        return None

    def wait_jobs_done(self, timeout: float = 60.0) -> None:
        """Until no ingestion or fetch job is left in the shared job store: every run is over
        (a worker that picked a job another one ran skips it, by the claim)."""
        store = JobQueue(make_scheduler(create_engine(self.database_url), workers=1))
        store.start(paused=True)  # reads the store, runs nothing
        try:
            deadline = time.monotonic() + timeout
            while jobs := one_off_jobs(store):
                assert time.monotonic() < deadline, f"jobs still pending: {jobs}"
                time.sleep(0.1)
        finally:
            store.shutdown()


@pytest.fixture
def shared_database_url(tmp_path: Path, postgres_server: str | None) -> Iterator[str]:
    """PostgreSQL when the machine has it (a database of its own), else one SQLite file."""
    if postgres_server is None:
        yield f"sqlite:///{tmp_path / 'shared.db'}"
        return
    with fresh_database(postgres_server, f"cluster{os.getpid()}") as url:
        yield url


@pytest.fixture
def cluster(
    tmp_path: Path,
    fake_slack: FakeSlack,
    fake_openai: FakeOpenAI,
    milvus_server: str,  # noqa: F811
    shared_database_url: str,
) -> Iterator[ExternalBot]:
    port = free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.base_url,
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": fake_openai.base_url,
        "MILVUS_URI": milvus_server,
        "RAGBOT_COLLECTION_PREFIX": f"c{port}",
        "DATABASE_URL": shared_database_url,
        "RAGBOT_DATA_DIR": str(tmp_path / "data"),
        "RAGBOT_EMBEDDING_MODEL": "local:all-MiniLM-L6-v2",
        "RAGBOT_JOB_POLL_S": "0.2",
        "RAGBOT_MAX_RETRIES": "0",
        "HF_HUB_OFFLINE": "1",
    }
    bin_dir = Path(sys.executable).parent
    gunicorn = shutil.which("gunicorn", path=str(bin_dir)) or pytest.skip("gunicorn missing")
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = [
        _spawn(
            [
                gunicorn,
                "--workers",
                "2",
                "--threads",
                "4",
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "120",
                "bot.wsgi:create_application()",
            ],
            {**env, "RAGBOT_RUN_JOBS": "false"},
            logs / "web.log",
        ),
        *(
            _spawn([str(bin_dir / "ragbot"), "worker"], env, logs / f"worker{i}.log")
            for i in range(2)
        ),
    ]
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/healthz", processes, logs)
        yield ExternalBot(
            f"http://127.0.0.1:{port}/slack/events", fake_slack, fake_openai, shared_database_url
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_healthy(url: str, processes: list[subprocess.Popen[bytes]], logs: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    dump = "\n".join(f"--- {f.name}\n{f.read_text()[-3000:]}" for f in sorted(logs.iterdir()))
    raise AssertionError(f"the web process did not become healthy:\n{dump}")


def _bot_messages(slack: FakeSlack, channel: str, needle: str) -> list[dict[str, Any]]:
    return [
        m
        for m in slack.messages_in(channel)
        if m.get("bot_id") and needle in str(m.get("text", ""))
    ]


def test_each_shared_file_is_ingested_once_and_answers_work(cluster: ExternalBot) -> None:
    slack = cluster.slack
    shared = {
        "C1": cluster.share_file(SAMPLES / "handbook.md", "C1"),
        "C2": cluster.share_file(SAMPLES / "onboarding.docx", "C2"),
        "C3": cluster.share_file(SAMPLES / "security.html", "C3"),
    }
    for channel, name in (
        ("C1", "handbook.md"),
        ("C2", "onboarding.docx"),
        ("C3", "security.html"),
    ):
        cluster.wait_receipt(channel, name, timeout=180)
    cluster.wait_jobs_done()

    downloads = [d.file_id for d in slack.downloads]
    assert sorted(downloads) == sorted(shared.values())
    for channel, name in (
        ("C1", "handbook.md"),
        ("C2", "onboarding.docx"),
        ("C3", "security.html"),
    ):
        assert len(_bot_messages(slack, channel, name)) == 1

    cluster.openai.queue_chat_reply("You get 25 days of paid vacation [1].")
    asked = cluster.mention("How many vacation days do we get?", "C1")
    answer = cluster.wait_answer("C1", asked, timeout=60)
    assert "25 days" in answer["text"]
    assert "handbook.md" in str(answer.get("blocks")) or "handbook.md" in str(
        slack.thread("C1", asked)
    )
