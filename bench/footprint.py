"""Footprint: install size, idle RSS (knowledge base, bot), peak RSS ingesting a 100-page PDF.

    python -m bench.footprint [--fresh-venvs]

Install size, two ways: (1) ``du`` of ``site-packages`` in fresh venvs under ``bench/.cache``
(``pip install .`` and ``pip install '.[pdf-models]'``, without pip itself), made by
``--fresh-venvs`` or ``bench/install_venvs.sh``; (2) the sum of installed files, from each
distribution's RECORD, over the dependency closure resolved in the current venv (extras
included), which needs no install but can only count what this venv has.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.common import (
    CACHE,
    REPO_ROOT,
    bench_parser,
    child_env,
    command_line,
    markdown_table,
    offline_env,
    peak_rss_mb,
    print_flush,
    publish,
    rss_mb,
    run_module,
    section_header,
)
from tests.net import free_port, wait_for_port

MB = 1024 * 1024
EXCLUDED = {"pip", "setuptools", "wheel"}


# --- install size ---------------------------------------------------------------------------
def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(root: str, extras: tuple[str, ...]) -> tuple[set[str], set[str]]:
    """Installed distributions needed by ``root[extras]``; and required ones not installed."""
    from packaging.requirements import Requirement

    found: set[str] = set()
    missing: set[str] = set()
    todo: list[tuple[str, tuple[str, ...]]] = [(root, extras)]
    seen: set[tuple[str, tuple[str, ...]]] = set()
    while todo:
        name, wanted = todo.pop()
        if (key := (_canonical(name), wanted)) in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.add(_canonical(name))
            continue
        found.add(_canonical(name))
        for raw in dist.requires or []:
            req = Requirement(raw)
            envs = [{"extra": e} for e in (*wanted, "")]
            if req.marker is None or any(req.marker.evaluate(env) for env in envs):
                todo.append((req.name, tuple(sorted(req.extras))))
    return found, missing


def record_size(names: set[str]) -> int:
    total = 0
    for name in names:
        for file in metadata.distribution(name).files or []:
            path = Path(str(file.locate()))
            if path.is_file():
                total += path.stat().st_size
    return total


def record_sizes() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label, extras in (
        ("default", ()),
        ("[local]", ("local",)),
        ("[pdf-models]", ("pdf-models",)),
    ):
        found, missing = closure("ragbot-slack", extras)
        found -= EXCLUDED
        out[label] = {
            "mb": record_size(found) / MB,
            "distributions": len(found),
            "missing": sorted(missing),
        }
    return out


def du_mb(path: Path) -> float:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            file = Path(root) / name
            if not file.is_symlink():
                total += file.stat().st_size
    return total / MB


def fresh_venv_sizes() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label in ("default", "pdf-models"):
        venv = CACHE / f"venv-{label}"
        site = next(iter(venv.glob("lib/python*/site-packages")), None)
        log = CACHE / f"venv-{label}.log"
        if site is None or not log.exists() or "rc=0" not in log.read_text():
            out[label] = None
            continue
        pip_parts = [p for p in site.iterdir() if _canonical(p.name.split("-")[0]) in EXCLUDED]
        size = du_mb(site) - sum(
            du_mb(p) if p.is_dir() else p.stat().st_size / MB for p in pip_parts
        )
        seconds = re.search(r"seconds=(\d+)", log.read_text())
        out[label] = {
            "mb": size,
            "install_s": int(seconds.group(1)) if seconds else None,
            "distributions": len(list(site.glob("*.dist-info")))
            - len([p for p in pip_parts if p.name.endswith(".dist-info")]),
        }
    return out


def make_fresh_venvs() -> None:
    subprocess.run(["bash", str(REPO_ROOT / "bench" / "install_venvs.sh")], check=True)


# --- memory ---------------------------------------------------------------------------------
def child_kb_idle(data_dir: str) -> None:
    """(child) Warm a knowledge base with the default local model, idle, report RSS."""
    offline_env()
    from rag.knowledge_base import KnowledgeBase
    from rag.settings import Settings

    kb = KnowledgeBase(Settings(_env_file=None, data_dir=Path(data_dir)))
    kb.warm_up()
    kb.search("warm up the search path", None)
    time.sleep(3)
    print(json.dumps({"rss_mb": rss_mb(), "peak_mb": peak_rss_mb()}))


def child_ingest_pdf(data_dir: str, pdf: str) -> None:
    """(child) Ingest one PDF after warming up; report RSS before and the peak."""
    offline_env()
    from rag.knowledge_base import KnowledgeBase
    from rag.settings import Settings

    kb = KnowledgeBase(Settings(_env_file=None, data_dir=Path(data_dir)))
    kb.warm_up()
    before = rss_mb()
    started = time.perf_counter()
    receipt = kb.ingest_path(Path(pdf))
    print(
        json.dumps(
            {
                "before_mb": before,
                "peak_mb": peak_rss_mb(),
                "after_mb": rss_mb(),
                "pages": receipt.pages,
                "chunks": receipt.chunks,
                "seconds": time.perf_counter() - started,
            }
        )
    )


def run_child(kind: str, *args: str) -> dict[str, Any]:
    proc = run_module("bench.footprint", f"--child-{kind}", *args)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip()[-500:]}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def bot_idle(data_dir: Path, timeout_s: float = 90.0) -> dict[str, Any]:
    """Start ``ragbot serve`` in HTTP mode with dummy Slack credentials; RSS once it listens."""
    if not (REPO_ROOT / "bot" / "cli.py").exists():
        return {"error": "bot/ not present"}
    from tests.fakes.slack_server import FakeSlack  # here: the measured children don't import it

    with FakeSlack() as slack:
        return _bot_idle(data_dir, slack.base_url, timeout_s)


def _bot_idle(data_dir: Path, slack_url: str, timeout_s: float) -> dict[str, Any]:
    port = free_port()
    env = child_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench-dummy",
            "SLACK_SIGNING_SECRET": "bench-dummy-secret",
            "SLACK_API_URL": slack_url,
            "RAGBOT_DATA_DIR": str(data_dir),
            "PORT": str(port),
        }
    )
    env.pop("SLACK_APP_TOKEN", None)
    started = time.perf_counter()
    log = (data_dir / "bot.log").open("w")  # a file, not a pipe: the bot's logs can't block it
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        cwd=data_dir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        try:
            wait_for_port(port, proc, timeout_s, name="ragbot serve")
        except (RuntimeError, TimeoutError):
            tail = (data_dir / "bot.log").read_text()[-300:]
            return {"error": f"not listening after {timeout_s:.0f} s (exit {proc.poll()}) {tail}"}
        ready = time.perf_counter()
        time.sleep(3)
        return {
            "ready_s": ready - started,
            "rss_mb": rss_mb(proc.pid),
            "peak_mb": peak_rss_mb(proc.pid),
        }
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


# --- one run --------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    from bench.common import cache_path, scratch_dir
    from bench.docgen import pdf_doc

    offline_env()
    if args.fresh_venvs:
        make_fresh_venvs()
    results: dict[str, Any] = {"record": record_sizes(), "fresh": fresh_venv_sizes()}
    print_flush(f"install sizes: {results['record']} {results['fresh']}")
    results["kb_idle"] = run_child("kb-idle", str(scratch_dir("fp-kb")))
    print_flush(f"kb idle: {results['kb_idle']}")
    results["bot_idle"] = bot_idle(scratch_dir("fp-bot"))
    print_flush(f"bot idle: {results['bot_idle']}")
    pdf = cache_path(f"generated-{args.pdf_pages}p.pdf")
    if not pdf.exists():
        pdf.write_bytes(pdf_doc(args.pdf_pages))
    results["pdf_ingest"] = run_child("ingest-pdf", str(scratch_dir("fp-pdf")), str(pdf))
    print_flush(f"pdf ingest: {results['pdf_ingest']}")
    return results


def report(r: dict[str, Any], command: str) -> str:
    rows = []
    for label, fresh_key in (("default", "default"), ("[pdf-models]", "pdf-models")):
        rec, fresh = r["record"][label], r["fresh"].get(fresh_key)
        fresh_text = (
            f"{fresh['mb']:,.0f} MB ({fresh['distributions']} dists)" if fresh else "not measured"
        )
        missing = ", ".join(rec["missing"]) or "none"
        rows.append(
            [label, fresh_text, f"{rec['mb']:,.0f} MB ({rec['distributions']} dists)", missing]
        )
    loc = r["record"]["[local]"]
    rows.append(
        [
            "[local] (MiniLM + torch)",
            "not measured",
            f"{loc['mb']:,.0f} MB ({loc['distributions']} dists)",
            ", ".join(loc["missing"]) or "none",
        ]
    )
    sizes = markdown_table(
        [
            "install",
            "fresh venv site-packages",
            "RECORD sum, this venv's closure",
            "not installed here (not counted)",
        ],
        rows,
    ) + (
        "\nFresh venvs: `pip install --no-compile` (no `.pyc`), pip/setuptools excluded. On Linux "
        "a plain `pip install '.[pdf-models]'` resolves PyPI's CUDA build of torch: the NVIDIA "
        "libraries (~3.2 GB), torch (~1.1 GB) and triton (~0.9 GB) are most of it. Installing "
        "torch from the CPU index first (`--index-url https://download.pytorch.org/whl/cpu`) "
        "avoids the NVIDIA part. The RECORD sums count this dev venv's files (CPU torch, "
        "compiled `.pyc` included) and miss the packages it lacks.\n"
    )
    kb, bot, pdf = r["kb_idle"], r["bot_idle"], r["pdf_ingest"]
    mem_rows = [
        ["KnowledgeBase warmed up (local MiniLM), idle", _mb(kb, "rss_mb"), _mb(kb, "peak_mb")],
        [
            "bot (`ragbot serve`, HTTP mode, dummy tokens), idle",
            _mb(bot, "rss_mb"),
            _mb(bot, "peak_mb"),
        ],
        [
            f"ingesting a {pdf.get('pages', '?')}-page text PDF ({pdf.get('chunks', '?')} chunks, "
            f"{pdf.get('seconds', 0):.0f} s)",
            _mb(pdf, "after_mb"),
            _mb(pdf, "peak_mb"),
        ],
    ]
    memory = markdown_table(["process", "RSS MB", "peak RSS MB"], mem_rows)
    bot_ready = (
        f"Bot HTTP server listening {bot['ready_s']:.1f} s after process start "
        f"(includes model warm-up).\n"
        if "ready_s" in bot
        else f"Bot not measured: {bot.get('error')}\n"
    )
    return "\n".join(
        [
            section_header("Footprint", command, "RSS from /proc (VmRSS, VmHWM)"),
            "### Install size\n",
            sizes,
            "### Memory\n",
            memory,
            bot_ready,
            f"PDF ingest RSS before ingesting: {_mb(pdf, 'before_mb')} MB.\n",
        ]
    )


def _mb(data: dict[str, Any], key: str) -> str:
    return f"{data[key]:,.0f}" if key in data else f"n/a ({data.get('error', '')[:80]})"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--fresh-venvs", action="store_true", help="(re)make the install venvs")
    parser.add_argument("--pdf-pages", type=int, default=100)
    parser.add_argument("--child-kb-idle", nargs=1, help=argparse.SUPPRESS)
    parser.add_argument("--child-ingest-pdf", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument(
        "--bot-only", action="store_true", help="re-measure only the bot, into the saved results"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_kb_idle:
        child_kb_idle(*args.child_kb_idle)
        return 0
    if args.child_ingest_pdf:
        child_ingest_pdf(*args.child_ingest_pdf)
        return 0
    if args.bot_only:
        from bench.common import load_json, scratch_dir

        results = load_json("footprint") or {}
        results["bot_idle"] = bot_idle(scratch_dir("fp-bot"))
    else:
        results = run(args)
    command = command_line("bench.footprint", argv)
    if args.bot_only:
        command = "python -m bench.footprint` then `python -m bench.footprint --bot-only"
    publish("footprint", "footprint", results, report, command, write=not args.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
