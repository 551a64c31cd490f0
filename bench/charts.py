"""Charts (PNG, matplotlib) from the saved results of the other benchmarks.

    python -m bench.charts

Reads ``bench/.cache/results/*.json`` and writes ``docs/img/*.png`` plus the charts section of
``docs/benchmarks.md``. A chart whose results are missing (a fresh clone has none) keeps the image
an earlier run drew. ``--no-write`` draws into ``bench/.cache/img`` and leaves ``docs/`` alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.common import IMG_DIR, bench_parser, cache_path, load_json, today, write_section

MODES = ("hybrid", "dense", "bm25")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def search_chart(results: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    stores = [(f"{label}\nlite 3.x", s) for label, s in results["stores"].items()]
    lite = (results.get("lite25") or {}).get("stores") or {}
    stores += [(f"{label}\nlite 2.5.1", s) for label, s in lite.items()]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / len(MODES)
    for m, mode in enumerate(MODES):
        xs = [i + (m - 1) * width for i in range(len(stores))]
        p50 = [s["search"][mode]["raw_p50"] for _, s in stores]
        p95 = [s["search"][mode]["raw_p95"] for _, s in stores]
        ax.bar(xs, p95, width, alpha=0.35, color=f"C{m}")
        ax.bar(xs, p50, width, label=f"{mode} (p50 solid, p95 light)", color=f"C{m}")
    ax.axhline(100, color="red", linestyle="--", linewidth=1, label="target p95 100 ms (hybrid)")
    ax.set_xticks(range(len(stores)), [label for label, _ in stores])
    ax.set_ylabel("ms per search (Milvus only)")
    ax.set_title("Search latency by store size and mode (milvus-lite 3.x vs 2.5.1, scope filter)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def retrieval_chart(results: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    panels = [
        (f"{name}\n{set_name}", methods)
        for name, r in results.items()
        for set_name, methods in r["sets"].items()
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4.5), sharey=True)
    axes = axes if len(panels) > 1 else [axes]
    for ax, (title, methods) in zip(axes, panels, strict=True):
        names = list(methods)
        hit5 = [methods[n]["hit@5"] for n in names]
        hit1 = [methods[n]["hit@1"] for n in names]
        ys = range(len(names))
        ax.barh(ys, hit5, color="C0", alpha=0.45, label="hit@5")
        ax.barh(ys, hit1, color="C0", label="hit@1")
        ax.set_yticks(
            list(ys),
            [n.replace(" (HierarchicalChunker, bare text, dense)", "") for n in names],
            fontsize=8,
        )
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_title(title[:70], fontsize=9)
    axes[0].legend(fontsize=8, loc="lower right")
    fig.suptitle("Retrieval quality (all-MiniLM-L6-v2)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def financebench_chart(results: dict[str, Any], path: Path) -> None:
    """doc@5, page@5 and answer@5 per configuration row (each row adds one technique)."""
    plt = _pyplot()
    rows = list(results["rows"].values())
    metrics = ("doc@5", "page@5", "answer@5")
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / len(metrics)
    for m, metric in enumerate(metrics):
        xs = [i + (m - 1) * width for i in range(len(rows))]
        ax.bar(xs, [r[metric] for r in rows], width, label=metric, color=f"C{m}")
    ax.axhline(0.95, color="C0", linestyle="--", linewidth=1, label="target doc@5 0.95")
    ax.axhline(0.60, color="C1", linestyle="--", linewidth=1, label="target page@5 0.60")
    labels = [r["label"].split(":")[0].replace("+ ", "+")[:28] for r in rows]
    ax.set_xticks(range(len(rows)), labels, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_title(
        f"FinanceBench: {results['questions']} questions over {results['pdfs']} filings in one "
        "store (all-MiniLM-L6-v2, no key)"
    )
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


CHARTS = (
    ("search_latency", search_chart, "search_latency.png", "Search latency by store size and mode"),
    ("retrieval_eval", retrieval_chart, "retrieval_quality.png", "Retrieval quality by method"),
)


def main(argv: list[str] | None = None) -> int:
    args = bench_parser(__doc__).parse_args(argv)
    img_dir = cache_path("img") if args.no_write else IMG_DIR
    img_dir.mkdir(parents=True, exist_ok=True)
    lines = [
        "## Charts",
        "",
        f"- Command: `python -m bench.charts` (from saved results), {today()}",
        "",
    ]
    for results_name, draw, file_name, title in CHARTS:
        results = load_json(results_name)
        if results:
            draw(results, img_dir / file_name)
        elif not (img_dir / file_name).exists():
            print(f"no saved {results_name} results: run python -m bench.{results_name} first")
            continue
        lines.append(f"![{title}](img/{file_name})\n")
    if not args.no_write:
        write_section("charts", "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
