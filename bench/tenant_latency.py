"""Search p95 with many teams in one collection: 100 teams × 1,000 chunks vs 1 team × 100,000.

    python -m bench.tenant_latency            # 100k chunks per layout (~10 min on 2 cores)
    python -m bench.tenant_latency --quick    # 10 teams × 1,000 vs 1 × 10,000

Both layouts hold the same number of chunks in one Milvus Lite collection, written through the
tenant views the bot uses (``KnowledgeBase.for_tenant``): every row carries its team, every
search filters by the team first (an indexed scalar field on Milvus Lite; a partition key on a
server), then by the live versions of one channel's documents. Chunks are synthetic texts with
random unit vectors (a FLAT scan's cost does not depend on what the vectors mean, and no model
has to embed 100k texts on a small machine); each search times the registry lookup plus the
hybrid (dense + BM25) search, i.e. ``KnowledgeBase.search`` without the query embedding, which
costs the same in both layouts.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import (
    bench_parser,
    command_line,
    markdown_table,
    offline_env,
    p50_p95_ms,
    print_flush,
    publish,
    question,
    scratch_dir,
    section_header,
    synthetic_texts,
    versions,
)
from bench.corpus import CHUNKS_PER_DOC, doc_scopes

DIMENSION = 384  # the local model's
SEARCH_SCOPE = "C03"
QUERIES = 200


class _FixedEmbedder:
    """Declares the model and dimension the store is created for; never asked to embed."""

    name = "local:all-MiniLM-L6-v2"
    dimension = DIMENSION


def open_kb(data_dir: Path) -> Any:
    from rag.knowledge_base import KnowledgeBase
    from rag.settings import Settings

    settings = Settings(_env_file=None, data_dir=data_dir)
    return KnowledgeBase(settings, embedder=_FixedEmbedder())  # type: ignore[arg-type]


def fill(kb: Any, teams: int, chunks_per_team: int, texts: list[str], seed: int) -> float:
    """Write ``teams`` × ``chunks_per_team`` chunks (documents of 20 over 20 channels and global),
    then flush once; returns the seconds taken."""
    from rag.models import Chunk
    from rag.registry import NewVersion
    from rag.store import StoredChunk, _row, version_name

    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    row_number = 0
    for t in range(teams):
        team = kb.for_tenant(f"T{t:04d}")
        store = team.store
        pending: list[dict[str, Any]] = []
        for number in range(chunks_per_team // CHUNKS_PER_DOC):
            doc_id = f"doc-{number:05d}"
            version = version_name(team.tenant, doc_id, f"{t:04d}{number:012d}")
            vectors = rng.normal(size=(CHUNKS_PER_DOC, DIMENSION)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            for i in range(CHUNKS_PER_DOC):
                text = texts[row_number % len(texts)]
                row_number += 1
                stored = StoredChunk(Chunk(i, text, text, ("Handbook",), ()), vectors[i].tolist())
                row = _row(doc_id, version, f"{doc_id}.md", None, stored)
                row["tenant"] = team.tenant
                pending.append(row)
            if len(pending) >= 1000:
                store.client.insert(store.collection, pending)
                pending = []
            team.registry.activate(
                NewVersion(
                    doc_id=doc_id,
                    version=version,
                    source=f"{doc_id}.md",
                    url=None,
                    origin=None,
                    content_hash=version,
                    pages=0,
                    chunks=CHUNKS_PER_DOC,
                    tables=0,
                    scopes=doc_scopes(number),
                )
            )
        if pending:
            store.client.insert(store.collection, pending)
        if t % 10 == 9:
            print_flush(f"    {t + 1} teams written")
    kb.store.client.flush(kb.store.collection)
    return time.perf_counter() - started


def measure(kb: Any, teams: int, seed: int) -> dict[str, float]:
    """p50/p95 of registry lookup + hybrid and dense searches, each for a random team."""
    rng = random.Random(seed)
    vectors = np.random.default_rng(seed).normal(size=(QUERIES, DIMENSION)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    asks = [(f"T{rng.randrange(teams):04d}", question(rng), vectors[i]) for i in range(QUERIES)]
    out: dict[str, float] = {}
    for mode in ("hybrid", "dense"):
        for team, text, vector in asks[:5]:  # warm caches
            _search(kb.for_tenant(team), text, vector, mode)
        times, hits = [], 0
        for team, text, vector in asks:
            started = time.perf_counter()
            found = _search(kb.for_tenant(team), text, vector, mode)
            times.append(time.perf_counter() - started)
            hits += bool(found)
            assert all(h.doc_id.startswith("doc-") for h in found)
        p50, p95 = p50_p95_ms(times)
        out[f"{mode}_p50"], out[f"{mode}_p95"] = p50, p95
        out[f"{mode}_found"] = hits / len(asks)
        print_flush(f"    {mode:6s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    return out


def _search(team: Any, text: str, vector: np.ndarray, mode: str) -> list[Any]:
    live = team.registry.active_versions([SEARCH_SCOPE])
    return list(team.store.search(vector.tolist(), text, live, 6, mode=mode))


def run_layout(name: str, teams: int, chunks_per_team: int, texts: list[str]) -> dict[str, Any]:
    print_flush(f"  {name}: {teams} team(s) × {chunks_per_team:,} chunks")
    kb = open_kb(scratch_dir("tenants"))
    try:
        build_s = fill(kb, teams, chunks_per_team, texts, seed=teams)
        print_flush(f"    written in {build_s:.0f} s")
        result: dict[str, Any] = {
            "teams": teams,
            "chunks_per_team": chunks_per_team,
            "chunks": kb.store.count(every_tenant=True),
            "build_s": build_s,
            "dense_index": kb.store.dense_index,
            "partition_key": kb.store.tenant_partition_key,
        }
        result |= measure(kb, teams, seed=17)
    finally:
        kb.close()
    return result


def report(results: dict[str, Any], command: str) -> str:
    layouts = results["layouts"]
    rows = [
        (
            f"{r['teams']:,} × {r['chunks_per_team']:,}",
            f"{r['chunks']:,}",
            r["hybrid_p50"],
            r["hybrid_p95"],
            r["dense_p50"],
            r["dense_p95"],
            f"{r['hybrid_found']:.0%}",
        )
        for r in layouts
    ]
    many, one = layouts[0], layouts[1]
    ratio = many["hybrid_p95"] / one["hybrid_p95"] if one["hybrid_p95"] else float("nan")
    return (
        section_header(
            "Many teams in one collection",
            command,
            f"Milvus Lite ({many['dense_index']} scan, tenant as an indexed field), "
            f"{versions('pymilvus', 'milvus-lite')}; {QUERIES} searches per layout, each for a "
            f"random team, filtered to one channel's live documents",
        )
        + "\n"
        + markdown_table(
            (
                "teams × chunks",
                "chunks in the collection",
                "hybrid p50 (ms)",
                "hybrid p95 (ms)",
                "dense p50 (ms)",
                "dense p95 (ms)",
                "searches with hits",
            ),
            rows,
        )
        + f"\nWith the collection shared by {many['teams']} teams, a team's search p95 is "
        f"{ratio:.2f}× that of one team owning every chunk: the team filter narrows the scan "
        f"to the team's rows before scopes and versions are compared. Registry lookup included, "
        f"query embedding not (the same in both).\n"
    )


def main(argv: list[str] | None = None) -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--quick", action="store_true", help="10 teams × 1,000 vs 1 × 10,000")
    args = parser.parse_args(argv)
    offline_env()
    teams = 10 if args.quick else 100
    per_team = 1000
    texts = synthetic_texts(5000, seed=5, sentences=3)
    results = {
        "layouts": [
            run_layout("many teams", teams, per_team, texts),
            run_layout("one team", 1, teams * per_team, texts),
        ]
    }
    publish(
        "tenant_latency",
        "tenants",
        results,
        report,
        command_line("bench.tenant_latency", argv),
        write=not args.no_write,
    )


if __name__ == "__main__":
    main()
