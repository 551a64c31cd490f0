"""Mirror of ``ChunkStore``'s schema and searches on milvus-lite 2.5 (run in its own venv).

Run by ``bench.search_latency`` as ``bench/.cache/venv-lite25/bin/python -m bench.lite25_probe``;
it needs only pymilvus 2.5, milvus-lite 2.5 and numpy, and reads the cached pool vectors. Prints
one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import numpy as np

from bench.common import p50_p95_ms, scratch_dir
from bench.corpus import doc_scopes, make_pool, make_queries, synth_docs

MODES = ("hybrid", "dense", "bm25")
SCOPE = "C03"


def create(client: Any, dim: int) -> str:
    """Same fields, analyzer, BM25 function and indexes as rag.store; HNSW if accepted."""
    from pymilvus import DataType, Function, FunctionType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("chunk_id", DataType.VARCHAR, is_primary=True, max_length=400)
    schema.add_field("doc_version", DataType.VARCHAR, max_length=300)
    schema.add_field("text", DataType.VARCHAR, max_length=65_535)
    analyzer = {
        "tokenizer": "standard",
        "filter": ["lowercase", {"type": "stop", "stop_words": ["_english_"]}],
    }
    schema.add_field(
        "search_text",
        DataType.VARCHAR,
        max_length=65_535,
        enable_analyzer=True,
        analyzer_params=analyzer,
    )
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=["search_text"],
            output_field_names=["sparse"],
        )
    )
    for index_type in ("HNSW", "FLAT"):
        params = client.prepare_index_params()
        dense_params = {"M": 16, "efConstruction": 200} if index_type == "HNSW" else {}
        params.add_index("dense", index_type=index_type, metric_type="COSINE", params=dense_params)
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        params.add_index("doc_version", index_type="INVERTED")
        try:
            client.create_collection(
                "chunks", schema=schema, index_params=params, consistency_level="Strong"
            )
            return index_type
        except Exception:  # this engine rejects the index type: try the next one
            if client.has_collection("chunks"):
                client.drop_collection("chunks")
    raise RuntimeError("no dense index accepted")


def build(client: Any, pool: Any, size: int) -> tuple[float, list[str]]:
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    visible: list[str] = []
    for number, doc in enumerate(synth_docs(pool, size)):
        version = f"{doc.doc_id}@v1"
        if set(doc_scopes(number)) & {SCOPE, "global"}:
            visible.append(version)
        for i, text in enumerate(doc.texts):
            rows.append(
                {
                    "chunk_id": f"{version}#{i}",
                    "doc_version": version,
                    "text": text,
                    "search_text": text,
                    "dense": doc.vectors[i].tolist(),
                }
            )
        if len(rows) >= 500:
            client.insert("chunks", rows)
            rows = []
    if rows:
        client.insert("chunks", rows)
    client.flush("chunks")
    return time.perf_counter() - started, visible


def search(client: Any, mode: str, vector: list[float], text: str, expr: str) -> Any:
    from pymilvus import AnnSearchRequest, RRFRanker

    fields = ["text", "doc_version"]
    if mode == "dense":
        return client.search(
            "chunks",
            data=[vector],
            anns_field="dense",
            limit=6,
            filter=expr,
            search_params={"metric_type": "COSINE", "params": {"ef": 64}},
            output_fields=fields,
        )
    if mode == "bm25":
        return client.search(
            "chunks",
            data=[text],
            anns_field="sparse",
            limit=6,
            filter=expr,
            search_params={"metric_type": "BM25"},
            output_fields=fields,
        )
    requests = [
        AnnSearchRequest(
            [vector], "dense", {"metric_type": "COSINE", "params": {"ef": 64}}, limit=24, expr=expr
        ),
        AnnSearchRequest([text], "sparse", {"metric_type": "BM25"}, limit=24, expr=expr),
    ]
    return client.hybrid_search("chunks", requests, RRFRanker(60), limit=6, output_fields=fields)


def measure(client: Any, queries: list[str], vectors: np.ndarray, expr: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mode in MODES:
        for q, v in zip(queries[:3], vectors[:3], strict=True):
            search(client, mode, v.tolist(), q, expr)
        times = []
        for q, v in zip(queries, vectors, strict=True):
            started = time.perf_counter()
            search(client, mode, v.tolist(), q, expr)
            times.append(time.perf_counter() - started)
        p50, p95 = p50_p95_ms(times)
        out[mode] = {"raw_p50": p50, "raw_p95": p95}
    return out


def bm25_supported(client: Any) -> bool:
    try:
        hits = client.search(
            "chunks",
            data=["policy"],
            anns_field="sparse",
            limit=1,
            search_params={"metric_type": "BM25"},
        )
        return bool(hits and hits[0])
    except Exception:
        return False


def probe_size(pool: Any, size: int, queries: list[str], qvecs: np.ndarray) -> dict[str, Any]:
    from pymilvus import MilvusClient

    path = str(scratch_dir("lite25") / "milvus.db")
    started = time.perf_counter()
    client = MilvusClient(uri=path)
    index = create(client, pool.vectors.shape[1])
    first_open = time.perf_counter() - started
    build_s, visible = build(client, pool, size)
    expr = f"doc_version in {json.dumps(visible)}"
    result = {
        "build_s": build_s,
        "first_open_s": first_open,
        "dense_index": index,
        "bm25": bm25_supported(client),
        "search": measure(client, queries, qvecs, expr),
    }
    client.close()
    started = time.perf_counter()
    client = MilvusClient(uri=path)
    client.load_collection("chunks")
    search(client, "hybrid", qvecs[0].tolist(), queries[0], expr)
    result["open_s"] = time.perf_counter() - started  # reopen an existing store + 1st search
    client.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pool", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    args = parser.parse_args()
    pool = make_pool(args.pool, embedder=None)  # cached by the parent run
    queries, qvecs = make_queries(args.queries, embedder=None)
    import milvus_lite
    import pymilvus

    stores = {}
    for size in args.sizes:
        stores[f"{size // 1000}k-bulk"] = probe_size(pool, size, queries, qvecs)
        print(f"lite25 {size}: {stores[f'{size // 1000}k-bulk']}", file=sys.stderr, flush=True)
    first = next(iter(stores.values()))
    print(
        json.dumps(
            {
                "versions": f"milvus-lite {milvus_lite.__version__}, pymilvus "
                f"{pymilvus.__version__}",
                "bm25_supported": first["bm25"],
                "dense_index": first["dense_index"],
                "stores": stores,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
