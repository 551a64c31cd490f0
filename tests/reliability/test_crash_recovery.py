"""Crashes: a process killed with SIGKILL in the middle of an ingestion leaves no half-written
document searchable and no duplicate chunks once the work is done again; a data dir locked by
another process gives a clear error at once, not a hang."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rag.embeddings import Embedder
from rag.errors import StoreUnavailableError
from rag.knowledge_base import KnowledgeBase
from rag.models import SourceInfo
from rag.settings import Settings
from tests.fakes.slack_server import FakeSlack
from tests.reliability.badfiles import REPO, SAMPLES

pytestmark = pytest.mark.slow

MARKER = "zebracorn"  # only in the version being written when the process dies


def child(args: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=REPO,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def wait_line(process: subprocess.Popen[str], wanted: str, timeout: float = 120.0) -> None:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.strip() == wanted:
            return
        assert line or process.poll() is None, f"child exited ({process.poll()}) before {wanted}"
    raise AssertionError(f"no {wanted!r} from the child in {timeout}s")


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    first = tmp_path / "v1.md"
    first.write_bytes((SAMPLES / "handbook.md").read_bytes())
    second = tmp_path / "v2.md"
    second.write_text(
        first.read_text() + f"\n\n## Mascot\n\nOur new mascot is the {MARKER}, a striped unicorn.\n"
    )
    return first, second


@pytest.mark.parametrize("where", ["embed", "commit"])
def test_kill_9_mid_ingestion_leaves_the_old_version_and_redoing_it_leaves_no_duplicates(
    tmp_path: Path, embedder: Embedder, versions: tuple[Path, Path], where: str
) -> None:
    first, second = versions
    data_dir = tmp_path / "data"
    process = child(
        ["-m", "tests.reliability.crash_ingest", str(data_dir), str(first), str(second), where]
    )
    try:
        wait_line(process, "ready")
        wait_line(process, "stopped")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
    kb = KnowledgeBase(settings, embedder=embedder)
    try:
        [doc] = kb.documents()
        assert doc.content_hash is not None
        assert doc.chunks > 0
        hits = kb.search(f"What is our mascot, the {MARKER}?", ["C1"], k=20)
        assert hits, "the old version is still searchable"
        assert all(MARKER not in h.text for h in hits), "half-written version is searchable"
        assert kb.store.count() >= doc.chunks  # leftovers (if any) are not visible

        # the job runs again after the restart (at least once): same content, same version
        kb.ingest_bytes(second.read_bytes(), SourceInfo("doc.md"), doc_id="doc", scopes=["C1"])
        [doc] = kb.documents()
        assert kb.store.count() == doc.chunks == kb.registry.stats()["chunks"]
        assert any(MARKER in h.text for h in kb.search(f"mascot {MARKER}", ["C1"]))
        assert kb.remove_orphan_chunks() == 0
    finally:
        kb.close()


@contextmanager
def data_dir_held_by_another_process(tmp_path: Path) -> Iterator[Path]:
    """A data dir whose Milvus Lite database another (living) process has open."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    holder = child(
        [
            "-c",
            "import sys, time; from pymilvus import MilvusClient; "
            f"MilvusClient(uri={str(data_dir / 'milvus.db')!r}); print('ready', "
            "flush=True); time.sleep(600)",
        ]
    )
    try:
        wait_line(holder, "ready", timeout=60)
        yield data_dir
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)


def test_locked_data_dir_fails_fast_with_a_clear_message(tmp_path: Path) -> None:
    with data_dir_held_by_another_process(tmp_path) as data_dir:
        settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
        started = time.monotonic()
        with pytest.raises(StoreUnavailableError) as caught:
            KnowledgeBase(settings, embedder=_TinyEmbedder()).store  # noqa: B018
        assert time.monotonic() - started < 15, "no hang"
        message = str(caught.value)
        assert "Milvus Lite data dir" in message
        assert "Another ragbot process may be using it" in message


class _TinyEmbedder:
    name = "test:tiny"
    dimension = 8

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[1.0] * 8 for _ in texts]

    def embed_query(self, text: str) -> list[float]:
        return [1.0] * 8


def test_the_bot_stops_with_a_clear_message_when_the_data_dir_is_locked(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    """``ragbot serve`` listens at once and warms up in the background; a locked store ends it."""
    with data_dir_held_by_another_process(tmp_path) as data_dir:
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "RAGBOT_DATA_DIR": str(data_dir),
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "secret",
            "SLACK_API_URL": fake_slack.base_url,
            "PORT": "0",
        }
        serve = subprocess.run(
            [str(Path(sys.executable).parent / "ragbot"), "serve"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert serve.returncode == 3, serve.stderr[-2000:]
    assert "Another ragbot process may be using it" in serve.stderr.splitlines()[-1]
