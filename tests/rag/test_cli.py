"""The ``ragbot`` CLI: a stable interface, so its output shapes and exit codes are tested."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag import cli
from rag.embeddings import Embedder
from rag.knowledge_base import KnowledgeBase
from rag.settings import Settings
from rag.store import StoredChunk
from tests.conftest import REPO_ROOT, SAMPLES
from tests.net import static_site


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


def run_human(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


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


def test_human_output_results_on_stdout_notes_on_stderr(
    shared_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_human(["ingest", str(SAMPLES)], capsys)
    assert code == 0
    receipts = out.splitlines()
    assert re.fullmatch(r"✓ handbook\.md: added — \d+ chunks, 1 table \(\d+\.\d s\)", receipts[0])
    assert re.fullmatch(r"✓ product-specs\.pdf: added — 3 pages, \d+ chunks \(.*\)", receipts[2])
    assert err == "4 of 4 files ingested\n"

    code, out, err = run_human(["search", "battery charging time of the robot", "--k", "2"], capsys)
    assert (code, err) == (0, "")
    assert re.match(
        r"\[1\] product-specs\.pdf(, pp?\. [\d, -]+)  \(score -?\d+\.\d+\)\n    \S", out
    )
    assert out.count("\n[2] ") == 1

    code, out, err = run_human(["ask", "How many days of paid vacation?"], capsys)
    assert (code, err) == (0, "")
    body, sources = out.split("\n\nSources:\n")
    assert body.startswith("No language model is configured")
    assert "25 days of paid vacation" in body
    documents = [line.split()[1] for line in sources.splitlines()]
    assert documents[0] == "handbook.md"
    assert len(documents) == len(set(documents))  # once per document, not once per passage
    assert "handbook.md — Vacation Policy" in sources  # with the section it comes from

    code, out, err = run_human(["ask", "What is the airspeed velocity of a swallow?"], capsys)
    assert (code, out, err) == (0, "Nothing in the knowledge base matches that question.\n", "")

    code, out, err = run_human(["docs", "list"], capsys)
    assert out.splitlines()[0].split() == [
        "doc_id",
        "source",
        "scopes",
        "pages",
        "chunks",
    ]
    assert len(out.splitlines()) == 5

    code, out, err = run_human(["-q", "ingest", str(SAMPLES / "handbook.md")], capsys)
    assert (code, out, err) == (0, "", "")
    code, out, err = run_human(["ingest", str(SAMPLES / "handbook.md"), "-q"], capsys)
    assert (code, out, err) == (0, "", "")
    code, out, err = run_human(["ingest", str(SAMPLES / "handbook.md")], capsys)
    assert out.startswith("✓ handbook.md: unchanged — ")

    code, out, err = run_human(["docs", "forget", "nope"], capsys)
    assert (code, out, err) == (1, "", "error: no document nope\n")


def test_web_pages_beside_files_private_addresses_only_when_allowed(
    shared_model: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "wiki").write_bytes((SAMPLES / "security.html").read_bytes())  # no extension
    with static_site(site_dir) as site:
        page = f"{site}/wiki"
        code, out, err = run_human(["ingest", page], capsys)
        assert (code, out) == (1, "")
        assert err.startswith(f"✗ {page}: That link points to a private or internal address")

        monkeypatch.setenv("RAGBOT_URL_ALLOW_PRIVATE", "true")
        code, out = run(["ingest", page, str(SAMPLES / "handbook.md"), "--json"], capsys)
        web, file = map(json.loads, out.splitlines())
        assert code == 0
        assert (web["source"], web["outcome"], file["outcome"]) == (page, "added", "added")
        assert web["chunks"] > 0

        code, out = run(["ingest", page, "--json"], capsys)
        assert json.loads(out)["outcome"] == "unchanged"  # an unchanged page is a no-op
        code, out = run(["ingest", f"{site}/missing.html", "--json"], capsys)
        assert code == 1
        assert "couldn't fetch" in json.loads(out)["error"]

    _, out = run(["search", "how often do passwords rotate", "--k", "1", "--json"], capsys)
    [hit] = json.loads(out)
    assert (hit["source"], hit["url"]) == (page, page)


def test_docs_gc_reclaims_chunks_left_by_a_crash(
    shared_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["ingest", str(SAMPLES / "handbook.md"), "--json"], capsys)
    kb = cli._kb()
    try:  # what a process killed between the Milvus write and the registry commit leaves
        chunk = kb.chunker.chunk(kb.converter.convert("r.md", b"# Robot\n\nIt lifts.").document)[0]
        vector = kb.embedder.embed_documents([chunk.search_text])[0]
        kb.store.insert("R", "R@crashed", "r.md", None, [StoredChunk(chunk, vector)])
    finally:
        kb.close()

    assert run_human(["docs", "gc"], capsys) == (
        0,
        "removed the chunks of 1 orphaned version\n",
        "",
    )
    assert run_human(["docs", "gc"], capsys)[1] == "removed the chunks of 0 orphaned versions\n"
    _, out = run(["stats", "--json"], capsys)
    assert json.loads(out)["stored_chunks"] == json.loads(out)["chunks"]


def test_failures_go_to_stderr_and_set_the_exit_code(
    shared_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf at all")

    code, out, err = run_human(["-q", "ingest", str(bad), str(tmp_path / "missing.md")], capsys)

    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        f"✗ {bad}: This file seems to be damaged or isn't what its extension says.",
        f"✗ {tmp_path / 'missing.md'}: file not found",
    ]


def test_verbosity_flags() -> None:
    parser = cli.build_parser()[0]
    assert parser.parse_args(["stats"]).verbosity == cli.NORMAL
    assert parser.parse_args(["-v", "stats"]).verbosity == cli.VERBOSE
    assert parser.parse_args(["docs", "list", "--quiet"]).verbosity == cli.QUIET
    with pytest.raises(SystemExit):
        parser.parse_args(["stats", "-v", "-q"])


@pytest.fixture
def restored_logging() -> Iterator[None]:
    loggers = [logging.getLogger(), *map(logging.getLogger, cli.CHATTY_LOGGERS)]
    levels = [logger.level for logger in loggers]
    with warnings.catch_warnings():
        yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.mark.usefixtures("restored_logging")
@pytest.mark.parametrize(
    ("verbosity", "docling_level", "pkg_resources_shown"),
    [
        (cli.QUIET, logging.ERROR, False),
        (cli.NORMAL, logging.WARNING, False),
        (cli.VERBOSE, logging.INFO, True),
    ],
)
def test_library_chatter_only_with_verbose(
    verbosity: int, docling_level: int, pkg_resources_shown: bool
) -> None:
    warnings.simplefilter("always")

    cli.configure_output(verbosity)

    for name in ("docling", "docling.document_converter", "alembic.runtime.migration"):
        assert logging.getLogger(name).getEffectiveLevel() == docling_level
    with warnings.catch_warnings(record=True) as shown:
        warnings.warn("pkg_resources is deprecated as an API.", UserWarning, stacklevel=1)
    assert bool(shown) is pkg_resources_shown


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
    """The installed script: quiet stderr (no Docling INFO, no pkg_resources warning)."""
    env = {**os.environ, "RAGBOT_DATA_DIR": str(tmp_path / "kb"), "HF_HUB_OFFLINE": "1"}
    ragbot = [str(Path(sys.executable).parent / "ragbot")]  # the installed console script
    ingest = subprocess.run(
        [*ragbot, "ingest", str(SAMPLES / "handbook.md"), str(SAMPLES / "product-specs.pdf")],
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
    assert ingest.stderr == "2 of 2 files ingested\n"
    receipts = ingest.stdout.splitlines()
    assert receipts[0].startswith("✓ handbook.md: added — 10 chunks, 1 table (")
    assert receipts[1].startswith("✓ product-specs.pdf: added — 3 pages, 4 chunks (")
    assert search.returncode == 0, search.stderr[-2000:]
    assert search.stderr == ""
    assert "EUR 250" in json.loads(search.stdout)[0]["text"]


def test_team_option_keeps_teams_apart(
    shared_model: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    page = tmp_path / "policy.md"
    page.write_text("# Policy\n\nThe Beta team reimburses taxis after 22:00.\n")
    assert run(["ingest", str(page), "--team", "TBETA", "--json"], capsys)[0] == 0

    _, beta = run(["docs", "list", "--team", "TBETA", "--json"], capsys)
    _, default = run(["docs", "list", "--json"], capsys)
    assert [d["source"] for d in json.loads(beta)] == ["policy.md"]
    assert json.loads(default) == []
    _, hits = run(["search", "taxis", "--team", "TALPHA", "--json"], capsys)
    assert json.loads(hits) == []

    _, stats = run(["stats", "--json"], capsys)
    counts = json.loads(stats)
    assert counts["tenant"] == ""
    assert counts["documents"] == 0
    assert counts["tenants"]["TBETA"]["documents"] == 1
    code, table, _ = run_human(["stats"], capsys)
    assert code == 0
    assert "TBETA" in table

    doc_id = json.loads(beta)[0]["doc_id"]
    assert run(["docs", "forget", doc_id], capsys)[0] == 1  # not the default team's
    assert run(["docs", "forget", doc_id, "--team", "TBETA"], capsys)[0] == 0
