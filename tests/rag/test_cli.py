"""The ``ragbot`` CLI: a stable interface, so its output shapes and exit codes are tested."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag import cli
from rag.embeddings import Embedder
from rag.knowledge_base import KnowledgeBase
from rag.settings import Settings
from tests.conftest import REPO_ROOT, SAMPLES


@pytest.fixture
def shared_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, embedder: Embedder) -> Path:
    """Each command builds its KnowledgeBase from the env, reusing the loaded model."""
    data_dir = tmp_path / "kb"
    monkeypatch.setenv("RAGBOT_DATA_DIR", str(data_dir))
    monkeypatch.setattr(
        cli,
        "_kb",
        lambda: KnowledgeBase(Settings(_env_file=None), embedder=embedder),  # type: ignore[call-arg]
    )
    return data_dir


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(argv)
    return code, capsys.readouterr().out


def test_ingest_search_ask_list_forget(
    shared_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(["ingest", str(SAMPLES), "--json"], capsys)
    receipts = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert sorted(r["source"] for r in receipts) == [
        "handbook.md",
        "onboarding.docx",
        "product-specs.pdf",
        "security.html",
    ]
    assert all(r["chunks"] > 0 and r["outcome"] == "added" for r in receipts)
    pdf = next(r for r in receipts if r["source"] == "product-specs.pdf")
    assert pdf["pages"] == 3
    assert pdf["tables"] == 0  # the native PDF pipeline has no table model

    code, out = run(["search", "battery charging time of the robot", "--k", "3", "--json"], capsys)
    hits = json.loads(out)
    assert code == 0
    assert len(hits) == 3
    assert {"doc_id", "source", "text", "score", "pages"} <= set(hits[0])
    assert hits[0]["source"] == "product-specs.pdf"
    assert 2 in hits[0]["pages"]

    code, out = run(["ask", "How many days of paid vacation?", "--json"], capsys)
    answer = json.loads(out)
    assert answer["kind"] == "extractive"
    assert answer["cited"][0]["source"] == "handbook.md"

    code, out = run(["docs", "list", "--json"], capsys)
    docs = json.loads(out)
    assert len(docs) == 4
    assert all(d["scopes"] == ["global"] for d in docs)

    doc_id = next(d["doc_id"] for d in docs if d["source"] == "handbook.md")
    assert run(["docs", "forget", doc_id], capsys)[0] == 0
    assert run(["docs", "forget", doc_id], capsys)[0] == 1
    code, out = run(["stats", "--json"], capsys)
    assert json.loads(out)["documents"] == 3


def test_ingest_reports_failures_and_carries_on(
    shared_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.md"
    good.write_text("# Good\n\nThis file is fine and mentions otters.", encoding="utf-8")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf at all")

    code, out = run(["ingest", str(bad), str(good), str(tmp_path / "missing.md"), "--json"], capsys)
    results = {Path(r["path"]).name: r for r in map(json.loads, out.splitlines())}

    assert code == 1
    assert results["good.md"]["outcome"] == "added"
    assert "damaged" in results["bad.pdf"]["error"]
    assert results["missing.md"]["error"] == "file not found"


def test_scoped_search(shared_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(["ingest", str(SAMPLES / "handbook.md"), "--scope", "C1", "--json"], capsys)

    _, from_c1 = run(["search", "vacation", "--scope", "C1", "--json"], capsys)
    _, from_c2 = run(["search", "vacation", "--scope", "C2", "--json"], capsys)

    assert json.loads(from_c1)
    assert json.loads(from_c2) == []


@pytest.mark.slow
def test_console_script_end_to_end(tmp_path: Path) -> None:
    env = {**os.environ, "RAGBOT_DATA_DIR": str(tmp_path / "kb"), "HF_HUB_OFFLINE": "1"}
    ragbot = [str(Path(sys.executable).parent / "ragbot")]  # the installed console script
    ingest = subprocess.run(
        [*ragbot, "ingest", str(SAMPLES / "handbook.md"), "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=240,
        check=False,
    )
    search = subprocess.run(
        [*ragbot, "search", "on-call stipend", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=240,
        check=False,
    )

    assert ingest.returncode == 0, ingest.stderr[-2000:]
    assert json.loads(ingest.stdout)["source"] == "handbook.md"
    assert search.returncode == 0, search.stderr[-2000:]
    assert "EUR 250" in json.loads(search.stdout)[0]["text"]
