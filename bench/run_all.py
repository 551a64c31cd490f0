"""Run every benchmark in turn (each in its own process), then draw the charts.

    python -m bench.run_all [--quick] [--only embed conversion ...]

Each benchmark rewrites its own section of docs/benchmarks.md. Expect about 45 minutes on a
2-core machine (the first run also embeds and caches a 10k-text pool); ``--quick`` runs the
search benchmark on smaller stores.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from bench.common import REPO_ROOT, print_flush

STEPS = {
    "embed": ["bench.embed_throughput"],
    "conversion": ["bench.conversion"],
    "search": ["bench.search_latency"],
    "retrieval": ["bench.retrieval_eval"],
    "quantization": ["bench.retrieval_eval", "--compare-quantized", "--limit-docs", "40"],
    "ingest-speed": ["bench.ingest_speed"],  # after "quantization": it shows that table too
    "footprint": ["bench.footprint"],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(STEPS), default=list(STEPS))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    failed = []
    for name in args.only:
        command = [sys.executable, "-m", *STEPS[name]]
        if args.quick and name == "search":
            command.append("--quick")
        print_flush(f"== {name}: {' '.join(command[1:])}")
        started = time.perf_counter()
        if subprocess.run(command, cwd=REPO_ROOT, check=False).returncode != 0:
            failed.append(name)
        print_flush(f"== {name}: {time.perf_counter() - started:.0f} s")
    subprocess.run([sys.executable, "-m", "bench.charts"], cwd=REPO_ROOT, check=False)
    if failed:
        print_flush(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
