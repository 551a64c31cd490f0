"""Helpers shared by the benchmarks: timing, machine facts, synthetic text, the results page.

Importing this module has no side effects. Every benchmark rewrites only its own section of
``docs/benchmarks.md``, delimited by ``<!-- bench:NAME:start -->`` / ``<!-- bench:NAME:end -->``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = REPO_ROOT / "samples"
CACHE = REPO_ROOT / "bench" / ".cache"
RESULTS = CACHE / "results"
DOC_PAGE = REPO_ROOT / "docs" / "benchmarks.md"
IMG_DIR = REPO_ROOT / "docs" / "img"
EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"
MINILM = "local:all-MiniLM-L6-v2"

PAGE_HEADER = """# Benchmarks

Figures measured by the scripts in `bench/` (see `bench/README.md`); each section is rewritten by
the script named in it, so dates and machines can differ between sections. The machines are small
and shared, so figures are medians (and p95) of one run, and comparisons are made within one run.
"""


def offline_env() -> None:
    """Never touch the network for models (call at the start of a benchmark's ``main``)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


# --- timing ---------------------------------------------------------------------------------
def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def p50_p95_ms(seconds: Sequence[float]) -> tuple[float, float]:
    return statistics.median(seconds) * 1000, percentile(seconds, 95) * 1000


def time_calls(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall times (seconds) of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as t: ...`` then ``t[0]`` holds the elapsed seconds."""
    box: list[float] = []
    started = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - started)


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment for a child process, offline (models never downloaded)."""
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(extra or {})}


def run_module(
    module: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m MODULE ARGS`` from the repository root with `child_env` (plus ``env``); the
    output is captured as text and the exit code is not checked."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        env=child_env(env),
        capture_output=True,
        text=True,
        check=False,
    )


# --- memory ---------------------------------------------------------------------------------
def rss_mb(pid: int | None = None) -> float:
    """Current resident set size of a process (Linux ``/proc``), in MiB."""
    status = Path(f"/proc/{pid or 'self'}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


def peak_rss_mb(pid: int | None = None) -> float:
    """Peak resident set size (``VmHWM``) of a process, in MiB."""
    status = Path(f"/proc/{pid or 'self'}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


# --- machine --------------------------------------------------------------------------------
def machine() -> str:
    cores = os.cpu_count() or 0
    cpu = _cpu_model()
    mem = _mem_total_gb()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{cores} cores ({cpu}), {mem:.0f} GB RAM, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}; load average {load:.1f} when written "
        f"(the machine is shared)"
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _mem_total_gb() -> float:
    try:
        text = Path("/proc/meminfo").read_text()
        match = re.search(r"MemTotal:\s+(\d+) kB", text)
        return int(match.group(1)) / 1024 / 1024 if match else 0.0
    except OSError:
        return 0.0


def today() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def versions(*dists: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in dists:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


# --- the results page -----------------------------------------------------------------------
def section_header(title: str, command: str, extra: str = "") -> str:
    lines = [
        f"## {title}",
        "",
        f"- Command: `{command}`",
        f"- Date: {today()}",
        f"- Machine: {machine()}",
    ]
    if extra:
        lines.append(f"- {extra}")
    return "\n".join(lines) + "\n"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
        return str(value)

    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


SECTION_ORDER = [
    "summary",
    "embed",
    "conversion",
    "search",
    "tenants",
    "retrieval",
    "financebench",
    "ingest-speed",
    "footprint",
    "load",
    "charts",
]


def write_section(name: str, body: str, page: Path = DOC_PAGE) -> None:
    """Replace (or add, in ``SECTION_ORDER``) the ``name`` section of the results page."""
    text = page.read_text() if page.exists() else PAGE_HEADER
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    else:
        text = _insert_in_order(text, name, block)
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(text.rstrip() + "\n")


def _insert_in_order(text: str, name: str, block: str) -> str:
    later = SECTION_ORDER[SECTION_ORDER.index(name) + 1 :] if name in SECTION_ORDER else []
    for other in later:
        marker = f"<!-- bench:{other}:start -->"
        if marker in text:
            before, after = text.split(marker, 1)
            return before + block + "\n\n" + marker + after
    return text.rstrip() + "\n\n" + block + "\n"


def bench_parser(doc: str | None) -> argparse.ArgumentParser:
    """A benchmark's parser: its docstring's first line as description, and ``--no-write``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--no-write", action="store_true", help="don't touch docs/benchmarks.md")
    return parser


def command_line(module: str, argv: list[str] | None) -> str:
    """The command as the results page shows it: ``python -m MODULE ARGS...``."""
    return " ".join([f"python -m {module}", *(argv or sys.argv[1:])])


def publish(
    name: str,
    section: str,
    results: dict[str, Any],
    report: Callable[[dict[str, Any], str], str],
    command: str,
    *,
    write: bool,
) -> None:
    """Save the raw ``results`` as ``NAME.json``, print the report; with ``write``, put it on the
    results page as its ``section``."""
    save_json(name, results)
    text = report(results, command)
    print(text)
    if write:
        write_section(section, text)


def save_json(name: str, data: dict[str, Any]) -> Path:
    """Keep the raw figures of a run (the charts are drawn from them)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path


def load_json(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def cache_path(name: str) -> Path:
    """``bench/.cache/NAME``, the folder made first (a fresh clone has none)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    return CACHE / name


def scratch_dir(prefix: str) -> Path:
    """A new, empty folder under ``bench/.cache``."""
    CACHE.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=CACHE))


# --- synthetic, realistic-looking text ------------------------------------------------------
TEAMS = [
    "platform",
    "payments",
    "security",
    "data",
    "mobile",
    "support",
    "finance",
    "legal",
    "growth",
    "infrastructure",
    "design",
    "sales",
    "research",
    "people",
    "compliance",
]
TOPICS = [
    "on-call rotation",
    "incident review",
    "quarterly budget",
    "vendor contract",
    "access review",
    "release checklist",
    "expense policy",
    "travel policy",
    "hiring plan",
    "data retention",
    "backup schedule",
    "API rate limits",
    "customer escalation",
    "onboarding guide",
    "laptop refresh",
    "VPN setup",
    "password rotation",
    "SLA targets",
    "roadmap",
    "pricing update",
    "audit findings",
    "disaster recovery",
    "code review",
    "deployment freeze",
    "parental leave",
]
PLACES = [
    "Berlin",
    "Lisbon",
    "Austin",
    "Toronto",
    "Singapore",
    "Nairobi",
    "Dublin",
    "Sydney",
    "São Paulo",
    "Tokyo",
    "Warsaw",
    "Denver",
]
VERBS = [
    "approved",
    "updated",
    "reviewed",
    "postponed",
    "extended",
    "replaced",
    "documented",
    "simplified",
    "audited",
    "announced",
]
NOUNS = [
    "threshold",
    "owner",
    "deadline",
    "exception",
    "workflow",
    "template",
    "budget line",
    "escalation path",
    "checklist",
    "dashboard",
    "runbook",
    "requirement",
]


def sentence(rng: random.Random) -> str:
    team, topic, place = rng.choice(TEAMS), rng.choice(TOPICS), rng.choice(PLACES)
    verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
    number = rng.randint(2, 400)
    templates = [
        f"The {team} team {verb} the {topic} {noun} for the {place} office.",
        f"Since {rng.randint(2019, 2025)}, the {topic} requires {number} hours of notice.",
        f"Questions about the {topic} go to the {team} {noun} owner in {place}.",
        f"In {place}, the {noun} for {topic} is {number} days unless the {team} lead agrees.",
        f"Each {team} engineer reviews the {topic} {noun} every {number % 12 + 1} weeks.",
        f"The {topic} {noun} was {verb} after {number} tickets reached the {team} queue.",
    ]
    return rng.choice(templates)


def paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def question(rng: random.Random) -> str:
    topic, place, team = rng.choice(TOPICS), rng.choice(PLACES), rng.choice(TEAMS)
    templates = [
        f"What is the {topic} in {place}?",
        f"Who owns the {topic} for the {team} team?",
        f"How many days of notice does the {topic} need?",
        f"When was the {team} {topic} last updated?",
    ]
    return rng.choice(templates)


def synthetic_texts(count: int, seed: int, sentences: int = 4) -> list[str]:
    rng = random.Random(seed)
    return [paragraph(rng, sentences) for _ in range(count)]


def print_flush(*parts: object) -> None:
    print(*parts, flush=True)
    sys.stdout.flush()
