"""Search latency at 10k and 100k chunks, flush policy, cold start, milvus-lite 3.x vs 2.5.

    python -m bench.search_latency            # full run (~15 min on 2 cores, first run longer)
    python -m bench.search_latency --quick    # 2k / 10k chunks, fewer queries

Stores hold synthetic chunks (see ``bench/corpus.py``): 20 chunks per document, documents spread
over 20 channel scopes plus global ones; every search is filtered to one channel's scope (its
documents plus the global ones), as the bot does. ``raw`` times ``ChunkStore.search`` with a
precomputed query vector; ``kb`` times ``KnowledgeBase.search`` (registry lookup + query
embedding on the CPU + Milvus).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import (
    CACHE,
    REPO_ROOT,
    bench_parser,
    child_env,
    command_line,
    load_json,
    markdown_table,
    offline_env,
    p50_p95_ms,
    print_flush,
    publish,
    run_module,
    save_json,
    scratch_dir,
    section_header,
    versions,
    write_section,
)
from bench.corpus import (
    SynthDoc,
    load_embedder,
    make_pool,
    make_queries,
    synth_docs,
)

MODES = ("hybrid", "dense", "bm25")
SEARCH_SCOPE = "C03"
LITE25_PYTHON = CACHE / "venv-lite25" / "bin" / "python"


# --- building a store ------------------------------------------------------------------------
def open_kb(data_dir: Path, embedder: object) -> Any:
    from rag.knowledge_base import KnowledgeBase
    from rag.settings import Settings

    settings = Settings(_env_file=None, data_dir=data_dir)
    return KnowledgeBase(settings, embedder=embedder)  # type: ignore[arg-type]


def _stored(doc: SynthDoc) -> list[Any]:
    from rag.models import Chunk
    from rag.store import StoredChunk

    title = f"Handbook {doc.doc_id}"
    return [
        StoredChunk(Chunk(i, text, f"{title}\n{text}", (title,), ()), doc.vectors[i].tolist())
        for i, text in enumerate(doc.texts)
    ]


def _activate(kb: Any, doc: SynthDoc, version: str) -> None:
    from rag.registry import NewVersion

    ingestion = kb.registry.begin_ingestion(doc.doc_id, version)
    kb.registry.activate(
        NewVersion(
            doc_id=doc.doc_id,
            version=version,
            source=f"{doc.doc_id}.md",
            url=None,
            origin=None,
            content_hash=version,
            pages=0,
            chunks=len(doc.texts),
            tables=0,
            scopes=doc.scopes,
        ),
        ingestion,
    )


def build_store(kb: Any, pool: Any, size: int, flush_each: bool) -> dict[str, float]:
    """Write ``size`` chunks document by document; returns timings in seconds."""
    from rag.store import _row

    store = kb.store
    pending: list[dict[str, Any]] = []
    started = time.perf_counter()
    for doc in synth_docs(pool, size):
        version = f"{doc.doc_id}@v1"
        if flush_each:  # what ingest does today: ChunkStore.insert flushes per document
            store.insert(doc.doc_id, version, f"{doc.doc_id}.md", None, _stored(doc))
        else:
            source = f"{doc.doc_id}.md"
            pending += [_row(doc.doc_id, version, source, None, s) for s in _stored(doc)]
            while len(pending) >= 500:
                store.client.insert(store.collection, pending[:500])
                pending = pending[500:]
        _activate(kb, doc, version)
    if pending:
        store.client.insert(store.collection, pending)
    store.client.flush(store.collection)
    seconds = time.perf_counter() - started
    return {"build_s": seconds, "chunks_per_s": size / seconds}


# --- measuring searches ---------------------------------------------------------------------
def measure_searches(
    kb: Any, queries: list[str], vectors: np.ndarray, kb_queries: int
) -> dict[str, dict[str, float]]:
    versions_ = kb.registry.active_versions([SEARCH_SCOPE])
    store = kb.store
    out: dict[str, dict[str, float]] = {}
    for mode in MODES:
        for q, v in zip(queries[:3], vectors[:3], strict=True):  # warm caches
            store.search(v.tolist(), q, versions_, 6, mode=mode)
        raw = []
        for q, v in zip(queries, vectors, strict=True):
            started = time.perf_counter()
            store.search(v.tolist(), q, versions_, 6, mode=mode)
            raw.append(time.perf_counter() - started)
        via_kb = []
        for q in queries[:kb_queries]:
            started = time.perf_counter()
            kb.search(q, [SEARCH_SCOPE], k=6, mode=mode)
            via_kb.append(time.perf_counter() - started)
        raw_p50, raw_p95 = p50_p95_ms(raw)
        kb_p50, kb_p95 = p50_p95_ms(via_kb)
        out[mode] = {"raw_p50": raw_p50, "raw_p95": raw_p95, "kb_p50": kb_p50, "kb_p95": kb_p95}
        print_flush(
            f"    {mode:6s} raw p50 {raw_p50:7.1f} p95 {raw_p95:7.1f} ms | "
            f"kb p50 {kb_p50:7.1f} p95 {kb_p95:7.1f} ms"
        )
    out["_meta"] = {"filter_versions": float(len(versions_))}
    return out


def query_embedding_ms(kb: Any, queries: list[str]) -> float:
    times = []
    for q in queries[:20]:
        started = time.perf_counter()
        kb.embedder.embed_query(q)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


# --- cold start -----------------------------------------------------------------------------
def cold_child(data_dir: Path) -> None:
    """Run in a fresh process: import, open the knowledge base, answer one search."""
    t0 = float(os.environ["BENCH_T0"])
    offline_env()
    from rag.knowledge_base import KnowledgeBase
    from rag.settings import Settings

    imported = time.time() - t0
    kb = KnowledgeBase(Settings(_env_file=None, data_dir=data_dir))
    kb.warm_up()
    ready = time.time() - t0
    hits = kb.search("Who owns the on-call rotation for the security team?", [SEARCH_SCOPE])
    answered = time.time() - t0
    kb.close()
    print(
        json.dumps(
            {"import_s": imported, "ready_s": ready, "first_search_s": answered, "hits": len(hits)}
        )
    )


def cold_start(data_dir: Path, runs: int) -> dict[str, Any]:
    """Median over ``runs`` fresh processes of import / ready / first-answer times."""
    samples: list[dict[str, float]] = []
    # A copy: this process may still hold Milvus Lite's lock on the original directory.
    copy = scratch_dir("cold")
    shutil.copytree(data_dir, copy, dirs_exist_ok=True)
    data_dir = copy
    for _ in range(runs):
        proc = run_module(
            "bench.search_latency",
            "--cold-child",
            str(data_dir),
            env={"BENCH_T0": repr(time.time())},
        )
        if proc.returncode != 0:
            return {"error": proc.stderr.strip().splitlines()[-1][:300] if proc.stderr else "?"}
        samples.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    result = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
    result["cli_search_s"] = cli_search_seconds(data_dir)
    return result


def cli_search_seconds(data_dir: Path) -> float:
    """Wall time of ``python -m rag.cli search`` (the ``ragbot search`` command) on the store."""
    env = child_env({"RAGBOT_DATA_DIR": str(data_dir)})
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rag.cli",
            "search",
            "Who owns the VPN setup?",
            "--scope",
            SEARCH_SCOPE,
            "--json",
        ],
        cwd=data_dir,
        env=env,
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - started


# --- milvus-lite 2.5 in its own venv --------------------------------------------------------
def run_lite25(pool_size: int, sizes: list[int], queries: int) -> dict[str, Any]:
    if not LITE25_PYTHON.exists():
        return {"error": f"no venv at {LITE25_PYTHON.parent.parent}; see bench/README.md"}
    proc = subprocess.run(
        [
            str(LITE25_PYTHON),
            "-m",
            "bench.lite25_probe",
            "--pool",
            str(pool_size),
            "--queries",
            str(queries),
            "--sizes",
            *map(str, sizes),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


# --- one run --------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    offline_env()
    embedder = load_embedder()
    print_flush(f"embedding a pool of {args.pool} texts (cached after the first run)...")
    started = time.perf_counter()
    pool = make_pool(args.pool, embedder)
    pool_s = time.perf_counter() - started
    queries, qvecs = make_queries(args.queries, embedder)
    results: dict[str, Any] = {"pool": args.pool, "pool_embed_s": pool_s, "stores": {}}
    cold_dir: Path | None = None
    for size, flush_each in store_plan(args):
        label = f"{size // 1000}k-{'flush-each' if flush_each else 'bulk'}"
        print_flush(f"  building {label}...")
        data_dir = scratch_dir(f"search-{label}")
        kb = open_kb(data_dir, embedder)
        build = build_store(kb, pool, size, flush_each)
        print_flush(f"    built in {build['build_s']:.1f} s ({build['chunks_per_s']:.0f} chunks/s)")
        searches = measure_searches(kb, queries, qvecs, args.kb_queries)
        results["stores"][label] = {
            "size": size,
            "flush_each": flush_each,
            **build,
            "search": searches,
        }
        if "query_embed_ms" not in results:
            results["query_embed_ms"] = query_embedding_ms(kb, queries)
        kb.close()
        save_json("search_latency", results)  # partial results survive a later failure
        if size == args.sizes[0] and flush_each:
            cold_dir = data_dir
    if cold_dir is not None:
        print_flush("  cold start...")
        results["cold_start"] = cold_start(cold_dir, args.cold_runs)
        print_flush(f"    {results['cold_start']}")
    if not args.skip_lite25:
        print_flush("  milvus-lite 2.5 (separate venv)...")
        results["lite25"] = run_lite25(args.pool, args.sizes, args.queries)
        print_flush(f"    {results['lite25']}")
    return results


def store_plan(args: argparse.Namespace) -> list[tuple[int, bool]]:
    """Flush policy is compared at the smallest size; larger stores are bulk-loaded."""
    small, *larger = args.sizes
    return [(small, True), (small, False), *((size, False) for size in larger)]


# --- report ---------------------------------------------------------------------------------
def report(results: dict[str, Any], command: str) -> str:
    extra = versions("milvus-lite", "pymilvus") + (
        f"; pool of {results['pool']} texts embedded with all-MiniLM-L6-v2 (384-d); "
        f"query embedding median {results.get('query_embed_ms', float('nan')):.0f} ms"
    )
    out = [section_header("Search latency", command, extra), _search_table(results)]
    out.append(_build_table(results))
    if "cold_start" in results:
        out.append(_cold_text(results["cold_start"]))
    out.append(_lite25_text(results.get("lite25")))
    out.append(_verdict(results))
    return "\n".join(out)


def _search_table(results: dict[str, Any]) -> str:
    rows = []
    for label, store in results["stores"].items():
        for mode in MODES:
            s = store["search"][mode]
            rows.append([label, mode, s["raw_p50"], s["raw_p95"], s["kb_p50"], s["kb_p95"]])
    headers = ["store", "mode", "ChunkStore p50 ms", "p95 ms", "KnowledgeBase p50 ms", "p95 ms"]
    note = (
        f"\nSearches filtered to scope `{SEARCH_SCOPE}` (its documents plus global ones). "
        "`ChunkStore` = Milvus only, precomputed query vector, all queries; `KnowledgeBase` "
        "= registry + query embedding + Milvus, over the first queries only (see the "
        "command), so the two columns are not the same sample and hybrid times vary much "
        "from query to query on the 3.x engine.\n"
    )
    return "### Search latency (milvus-lite 3.x)\n\n" + markdown_table(headers, rows) + note


def _build_table(results: dict[str, Any]) -> str:
    rows = [
        [
            label,
            store["size"],
            "after each document" if store["flush_each"] else "once at end",
            store["build_s"],
            store["chunks_per_s"],
        ]
        for label, store in results["stores"].items()
    ]
    headers = ["store", "chunks", "flush", "build s", "chunks/s written"]
    return "### Build time and flush policy\n\n" + markdown_table(headers, rows)


def _cold_text(cold: dict[str, Any]) -> str:
    if "error" in cold:
        return f"### Cold start\n\nNot measured: {cold['error']}\n"
    return "### Cold start (fresh process, store of the smallest size)\n\n" + markdown_table(
        [
            "import rag s",
            "KnowledgeBase warmed up s",
            "first search answered s",
            "`python -m rag.cli search` wall s",
        ],
        [[cold["import_s"], cold["ready_s"], cold["first_search_s"], cold["cli_search_s"]]],
    )


def _lite25_text(lite: dict[str, Any] | None) -> str:
    head = "### milvus-lite 2.5.1 (separate venv, pymilvus 2.5)\n\n"
    if not lite:
        return head + "Not run.\n"
    if "error" in lite:
        return head + f"Not measured: {lite['error']}\n"
    rows = [
        [
            label,
            s["build_s"],
            s["first_open_s"],
            *(f"{s['search'][m]['raw_p50']:.0f} / {s['search'][m]['raw_p95']:.0f}" for m in MODES),
        ]
        for label, s in lite["stores"].items()
    ]
    headers = [
        "store",
        "build s",
        "start server + create collection s",
        "hybrid p50 / p95 ms",
        "dense p50 / p95 ms",
        "bm25 p50 / p95 ms",
    ]
    return (
        head + f"BM25 full-text search supported: **{lite['bm25_supported']}**; dense index "
        f"used: {lite['dense_index']} (milvus-lite 2.4.11+ accepts only FLAT and IVF_FLAT; "
        "HNSW is rejected). Same schema, analyzer, BM25 function, filter and "
        "`ChunkStore`-equivalent searches (`bench/lite25_probe.py`), same vectors and "
        "queries; bulk-loaded.\n\n" + markdown_table(headers, rows)
    )


def _verdict(results: dict[str, Any]) -> str:
    stores = results["stores"]
    largest = max(stores.values(), key=lambda s: s["size"])
    p95 = largest["search"]["hybrid"]["raw_p95"]
    kb_p95 = largest["search"]["hybrid"]["kb_p95"]
    lines = ["### Targets", ""]
    met = "met" if p95 < 100 else "**missed**"
    lines.append(
        f"- Hybrid p95 < 100 ms at {largest['size']:,} chunks: {met} in Milvus "
        f"({p95:.0f} ms); through `KnowledgeBase.search` {kb_p95:.0f} ms, which adds "
        f"the CPU query embedding (median {results.get('query_embed_ms', 0):.0f} ms)."
    )
    lite = results.get("lite25") or {}
    lite_store = max((lite.get("stores") or {}).values(), key=lambda s: s["build_s"], default=None)
    if lite_store:
        lite_p95 = lite_store["search"]["hybrid"]["raw_p95"]
        lines.append(
            f"- milvus-lite 2.5.1 on the same data: hybrid p95 {lite_p95:.0f} ms at the "
            f"largest size ({'met' if lite_p95 < 100 else '**missed**'}), "
            f"{p95 / lite_p95:.0f}x faster than 3.x; 3.x's engine is pure Python."
        )
    cold = results.get("cold_start")
    if cold and "error" not in cold:
        met = "met" if cold["ready_s"] < 5 else "**missed**"
        lines.append(
            f"- Ready < 5 s: {met} (KnowledgeBase warmed up at {cold['ready_s']:.1f} s, "
            f"of which importing `rag` {cold['import_s']:.1f} s)."
        )
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--pool", type=int, default=10_000, help="texts embedded for real")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--kb-queries", type=int, default=20)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--skip-lite25", action="store_true")
    parser.add_argument("--quick", action="store_true", help="2k and 10k chunks, 20 queries")
    parser.add_argument("--cold-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--report-only",
        metavar="COMMAND",
        help="rewrite the section from the saved results, naming COMMAND",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.pool, args.queries, args.kb_queries = [2_000, 10_000], 2_000, 20, 10
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.cold_child:
        cold_child(args.cold_child)
        return 0
    if args.report_only:
        write_section("search", report(load_json("search_latency") or {}, args.report_only))
        return 0
    command = command_line("bench.search_latency", argv)
    publish("search_latency", "search", run(args), report, command, write=not args.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
