"""Load: the running bot (HTTP mode, its own process) under a burst of questions and file shares.

``python -m bench.load [--questions 50] [--files 20] [--latency-ms 300] [--write-docs]``

Everything runs on 127.0.0.1 and offline: FakeSlack and FakeOpenAI (``tests/fakes``) in this
process, ``python -m bot`` (``ragbot serve``) in a child process pointed at them, OpenAI
embeddings and streamed chat through the fake with ``--latency-ms`` added to every request. One
document is shared and ingested first; then the burst is sent at once, each as Slack sends it
(signed ``app_mention`` / ``file_shared`` + ``message`` events). A poller watches FakeSlack:
*first reply* is the first bot message in the question's thread (``chat.startStream`` or
``chat.postMessage``), *final* is when it is complete (stream stopped). The run is bounded by
``--timeout-s``. Targets: zero lost, zero errors, p95 first reply < 2 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    REPO_ROOT,
    SAMPLES,
    cache_path,
    p50_p95_ms,
    peak_rss_mb,
    section_header,
    write_section,
)
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_requests import (
    JSON,
    app_mention_event,
    event_callback_body,
    message_event,
    post_to_app,
)
from tests.fakes.slack_server import BOT_USER_ID, FakeSlack
from tests.net import free_port

SECRET = "load-signing-secret"
CHANNELS = [f"CLOAD{n}" for n in range(5)]
QUESTIONS = [
    "How many vacation days do we get?",
    "What is the policy on remote work?",
    "Who approves expenses?",
    "How do I request time off?",
    "What equipment do new hires get?",
]
FILES = ["handbook.md", "security.html", "onboarding.docx", "product-specs.pdf"]
COMMAND = "python -m bench.load --write-docs"


@dataclass
class Probe:
    kind: str  # "question" or "file"
    channel: str
    ts: str
    name: str = ""
    sent: float = 0.0
    first: float | None = None
    final: float | None = None
    text: str = ""
    status: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def start_bot(
    slack: FakeSlack, openai: FakeOpenAI, data_dir: Path, port: int, log: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "HF_HUB_OFFLINE": "1",
        "SLACK_BOT_TOKEN": "xoxb-load-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.base_url,
        "OPENAI_API_KEY": "sk-load-test",
        "OPENAI_BASE_URL": openai.base_url,
        "RAGBOT_DATA_DIR": str(data_dir),
        "RAGBOT_EMBEDDING_MODEL": "openai:text-embedding-3-small",
        "RAGBOT_CHAT_MODEL": "gpt-4o-mini",
        "RAGBOT_PDF_PIPELINE": "native",
        "RAGBOT_HOST": "127.0.0.1",
        "PORT": str(port),
        "RAGBOT_STREAM_UPDATE_S": "0.2",
    }
    env.pop("SLACK_APP_TOKEN", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=data_dir.parent,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            assert process.poll() is None, log.read_text()[-3000:]
            time.sleep(0.2)
    raise TimeoutError("the bot did not start in 120 s")


def post(url: str, body: dict[str, Any]) -> int:
    """Signed POST; a refused or reset connection counts as status 0 (a lost delivery)."""
    try:
        return post_to_app(url, body, JSON, SECRET)[0]
    except OSError:
        return 0


def share(slack: FakeSlack, url: str, channel: str, name: str, data: bytes, n: int) -> Probe:
    file_id = f"FLOAD{n:04d}"
    obj = slack.add_file(file_id, name, data, Path(name).suffix.lstrip("."), channels=[channel])
    share_ts = obj["shares"][next(iter(obj["shares"]))][channel][0]["ts"]
    slack.add_message(channel, share_ts, "U1", "", files=[file_id])
    probe = Probe("file", channel, share_ts, name=name, sent=time.monotonic())
    shared = {
        "type": "file_shared",
        "file_id": file_id,
        "user_id": "U1",
        "file": {"id": file_id},
        "channel_id": channel,
        "event_ts": share_ts,
    }
    probe.status = max(
        post(url, event_callback_body(shared)),
        post(
            url,
            event_callback_body(
                message_event("", channel=channel, ts=share_ts, subtype="file_share", files=[obj])
            ),
        ),
    )
    return probe


def ask(slack: FakeSlack, url: str, channel: str, question: str) -> Probe:
    text = f"<@{BOT_USER_ID}> {question}"
    ts = slack.add_message(channel, None, "U1", text)
    probe = Probe("question", channel, ts, name=question, sent=time.monotonic())
    body = event_callback_body(app_mention_event(text, channel=channel, ts=ts))
    probe.status = post(url, body)
    return probe


def watch(slack: FakeSlack, probes: list[Probe], stop: threading.Event) -> None:
    """Record when each probe's first reply appears and when it is complete (10 ms polling)."""
    while not stop.is_set():
        now = time.monotonic()
        for probe in probes:
            if probe.final is not None or not probe.sent:
                continue
            replies = [
                m
                for m in slack.thread(probe.channel, probe.ts)
                if m.get("bot_id") and m["ts"] != probe.ts
            ]
            if not replies:
                continue
            probe.first = probe.first or now
            last = replies[-1]
            text = str(last.get("text") or "")
            done = not slack.is_streaming(probe.channel, last["ts"]) and (
                probe.kind == "question"
                or any(word in text for word in ("Added", "Updated", "Already", "couldn't add"))
            )
            if done:
                probe.final, probe.text = now, text
        time.sleep(0.01)


def run(questions: int, files: int, latency_s: float, timeout_s: float) -> dict[str, Any]:
    with FakeSlack() as slack, FakeOpenAI() as openai, tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        port = free_port()
        log = Path(tmp) / "bot.log"
        bot = start_bot(slack, openai, data_dir, port, log)
        url = f"http://127.0.0.1:{port}/slack/events"
        try:
            openai.latency_s.update(chat=latency_s, embeddings=latency_s)
            seeds = [
                share(slack, url, ch, "handbook.md", (SAMPLES / "handbook.md").read_bytes(), n)
                for n, ch in enumerate(CHANNELS)
            ]
            probes: list[Probe] = list(seeds)
            stop = threading.Event()
            watcher = threading.Thread(target=watch, args=(slack, probes, stop), daemon=True)
            watcher.start()
            _wait(lambda: all(p.final for p in seeds), 120)
            probes.clear()
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=questions + files) as pool:
                futures = [
                    pool.submit(
                        share,
                        slack,
                        url,
                        CHANNELS[n % len(CHANNELS)],
                        f"load-{n:02d}-{FILES[n % len(FILES)]}",
                        (SAMPLES / FILES[n % len(FILES)]).read_bytes(),
                        100 + n,
                    )
                    for n in range(files)
                ] + [
                    pool.submit(
                        ask, slack, url, CHANNELS[n % len(CHANNELS)], QUESTIONS[n % len(QUESTIONS)]
                    )
                    for n in range(questions)
                ]
                probes.extend(f.result() for f in futures)
            _wait(lambda: all(p.final for p in probes), timeout_s - (time.monotonic() - started))
            elapsed = time.monotonic() - started
            stop.set()
            watcher.join(timeout=5)
            peak = peak_rss_mb(bot.pid)
        finally:
            bot.terminate()
            try:
                bot.wait(timeout=30)
            except subprocess.TimeoutExpired:
                bot.kill()
                bot.wait(timeout=30)
        text = log.read_text(errors="replace")
        cache_path("load-bot.log").write_text(text)  # kept for reading errors after the run
        return summarize(probes, elapsed, peak, text, latency_s)


def _wait(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + max(timeout, 0)
    while time.monotonic() < deadline and not condition():
        time.sleep(0.05)


def summarize(
    probes: list[Probe], elapsed: float, peak_mb: float, log: str, latency_s: float
) -> dict[str, Any]:
    asked = [p for p in probes if p.kind == "question"]
    shared = [p for p in probes if p.kind == "file"]
    answered = [p for p in asked if p.final is not None]
    received = [p for p in shared if p.final is not None]
    first = [p.first - p.sent for p in asked if p.first is not None]
    final = [p.final - p.sent for p in answered if p.final is not None]
    receipts = [p.final - p.sent for p in received if p.final is not None]
    failed = [p for p in answered if ":warning:" in p.text]
    failed += [p for p in received if "couldn't add" in p.text]
    log_errors = [line for line in log.splitlines() if " ERROR " in line or "Traceback" in line]
    bad_status = [p for p in probes if p.status != 200]
    first_p50, first_p95 = p50_p95_ms(first) if first else (float("nan"),) * 2
    final_p50, final_p95 = p50_p95_ms(final) if final else (float("nan"),) * 2
    receipt_p50, receipt_p95 = p50_p95_ms(receipts) if receipts else (float("nan"),) * 2
    return {
        "questions": len(asked),
        "answered": len(answered),
        "files": len(shared),
        "receipts": len(received),
        "lost": len(asked) - len(answered) + len(shared) - len(received),
        "errors": len(failed) + len(bad_status),
        "error_log_lines": len(log_errors),
        "first_reply_ms": (first_p50, first_p95),
        "final_answer_ms": (final_p50, final_p95),
        "receipt_ms": (receipt_p50, receipt_p95),
        "peak_rss_mb": peak_mb,
        "elapsed_s": elapsed,
        "latency_ms": latency_s * 1000,
        "error_samples": [p.text[:160] for p in failed[:3]] + log_errors[:3],
    }


def render(result: dict[str, Any]) -> str:
    first_p95 = result["first_reply_ms"][1]
    verdict = {
        "zero lost": result["lost"] == 0,
        "zero errors": result["errors"] == 0 and result["error_log_lines"] == 0,
        "p95 first reply < 2 s": first_p95 < 2000,
    }
    lines = [
        section_header(
            "Load: a burst of questions and file shares",
            COMMAND,
            f"Stand-ins: FakeSlack and FakeOpenAI on 127.0.0.1, {result['latency_ms']:.0f} ms "
            "added to every chat and embedding request (chat streamed); the bot is "
            "`python -m bot` (HTTP mode, default settings: 2 ingestion workers) in its own "
            "process, OpenAI embeddings through the stand-in.",
        ),
        f"Burst: {result['questions']} `@ragbot` questions in {len(CHANNELS)} channels and "
        f"{result['files']} file shares (Markdown, HTML, DOCX, PDF), sent at once after one "
        "document per channel was ingested. All done in "
        f"{result['elapsed_s']:.1f} s.\n",
        "| measure | value |",
        "|---|---|",
        f"| questions answered | {result['answered']} / {result['questions']} |",
        f"| files ingested (receipt posted) | {result['receipts']} / {result['files']} |",
        f"| lost | {result['lost']} |",
        f"| errors (warning replies, failed receipts, non-200 acks; ERROR log lines) | "
        f"{result['errors']}; {result['error_log_lines']} |",
        f"| time to first reply, p50 / p95 | {result['first_reply_ms'][0]:,.0f} / "
        f"{first_p95:,.0f} ms |",
        f"| time to final answer, p50 / p95 | {result['final_answer_ms'][0]:,.0f} / "
        f"{result['final_answer_ms'][1]:,.0f} ms |",
        f"| time to file receipt, p50 / p95 | {result['receipt_ms'][0]:,.0f} / "
        f"{result['receipt_ms'][1]:,.0f} ms |",
        f"| bot peak RSS | {result['peak_rss_mb']:,.0f} MiB |",
        "",
        "Targets: "
        + ", ".join(f"{k} **{'met' if ok else 'missed'}**" for k, ok in verdict.items())
        + ".",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--timeout-s", type=float, default=300.0)
    parser.add_argument("--write-docs", action="store_true", help="rewrite the docs section")
    args = parser.parse_args(argv)
    result = run(
        min(args.questions, 200),
        min(args.files, 50),
        args.latency_ms / 1000,
        min(args.timeout_s, 900),
    )
    text = render(result)
    print(text)
    if result["error_samples"]:
        print("samples of errors:", *result["error_samples"], sep="\n  ")
    if args.write_docs:
        write_section("load", text)
    return 0 if result["lost"] == 0 and result["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
