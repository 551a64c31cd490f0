"""Bot readiness: process start → ``GET /healthz`` answers, and → knowledge base warmed up.

``python -m bench.ready [--runs 3]`` starts ``ragbot serve`` (HTTP mode) against the Slack
stand-in on 127.0.0.1, an empty data dir each run, and prints both times per run and their medians.
The bot listens at once and loads the embedding model in the background, so the first figure is
when Slack can reach it and the second when the first answer no longer waits for the model.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.fakes.slack_server import FakeSlack
from tests.net import free_port

RAGBOT = Path(sys.executable).parent / "ragbot"
READY_LINE = "knowledge base ready in "


def one_run(slack: FakeSlack, data_dir: Path, settle_s: float) -> tuple[float, float | None]:
    port = free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "RAGBOT_DATA_DIR": str(data_dir),
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench-secret",
        "SLACK_API_URL": slack.base_url,
        "PORT": str(port),
    }
    started = time.monotonic()
    process = subprocess.Popen(
        [str(RAGBOT), "serve"],
        env=env,
        cwd=data_dir.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    listening = _wait_healthy(port, started)
    time.sleep(settle_s)
    process.terminate()
    _, log = process.communicate(timeout=60)
    warm = [line for line in log.splitlines() if READY_LINE in line]
    warm_s = float(warm[0].split(READY_LINE)[1].rstrip("s")) if warm else None
    return listening, warm_s


def _wait_healthy(port: int, started: float, timeout: float = 120) -> float:
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return time.monotonic() - started
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("the bot did not answer /healthz")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=20.0, help="seconds to let warm-up end")
    args = parser.parse_args(argv)
    listening, warm = [], []
    with FakeSlack() as slack, tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            data_dir = Path(tmp) / f"data{run}"
            data_dir.mkdir()
            heard, warmed = one_run(slack, data_dir, args.settle)
            listening.append(heard)
            if warmed is not None:
                warm.append(warmed)
            print(f"run {run + 1}: /healthz after {heard:.2f} s; warm-up took {warmed} s")
    print(f"median: listening after {statistics.median(listening):.2f} s", end="")
    print(f"; model loaded {statistics.median(warm):.1f} s after start-up" if warm else "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
