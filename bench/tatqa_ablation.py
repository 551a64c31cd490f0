"""TAT-QA open retrieval, one technique per row: hit@5 for BM25, first-stage hybrid and what
``ragbot search`` returns, each configuration ingested afresh in one run.

    python -m bench.tatqa_ablation                      # every row
    python -m bench.tatqa_ablation before defaults      # some rows
    python -m bench.tatqa_ablation --limit-docs 40      # a quick check

The defaults row also measures abstention: answerable questions whose best source falls under
the relevance threshold (false) and questions about absent topics that do (true).
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from bench.common import offline_env, print_flush
from bench.retrieval_eval import (
    EVAL_DIR,
    OurPipeline,
    _limited,
    absent_questions,
    load_embedder,
    load_tatqa,
    score,
)

# not a setting: the evidence re-ranker's weight of document mass for a question naming no
# candidate document (rag.rerank.EvidenceWeights.unnamed_document)
UNNAMED_DOCUMENT = "unnamed_document"
PLAIN = {"bm25_stemming": False, "finance_terms": False, "bm25_word_pairs": False}
CONFIGS: dict[str, dict[str, Any]] = {
    "before": {**PLAIN, "table_rows": False, "index_document_identity": False, "reranker": "none"},
    "stemming": {
        "bm25_stemming": True,
        "bm25_word_pairs": False,
        "finance_terms": False,
        "table_rows": False,
        "index_document_identity": False,
        "reranker": "none",
    },
    "identity": {**PLAIN, "table_rows": False, "index_document_identity": True, "reranker": "none"},
    "no_terms": {"finance_terms": False},  # the defaults without the statement vocabulary
    # the defaults, but a question naming no document fused like every other (equal weights)
    "equal_fusion": {"unnamed_bm25_weight": 1.0, "unnamed_rrf_k": 60},
    # the defaults of 2026-12-03: no word pairs, document mass and the statement vocabulary for
    # every question
    "no_word_pairs": {
        "bm25_word_pairs": False,
        UNNAMED_DOCUMENT: 0.5,
        "unnamed_finance_terms": True,
    },
    # + adjacent word pairs in BM25 (indexed; searched for questions naming no document)
    "word_pairs": {UNNAMED_DOCUMENT: 0.5, "unnamed_finance_terms": True},
    # + no document mass in the re-rank of a question naming no document
    "named_mass": {"unnamed_finance_terms": True},
    # + such a question searched for its own words, without the statement vocabulary (defaults)
    "defaults": {},
}
MODES = (
    ("bm25", "bm25"),
    ("bm25 + word pairs", "bm25_pairs"),  # where the store indexes them
    ("hybrid", "hybrid"),
    ("ragbot search", "kb"),
)


def make_pipeline(embedder: Any, config: dict[str, Any]) -> OurPipeline:
    """A knowledge base with the row's settings (and its re-ranker weight, when it sets one)."""
    from rag.rerank import EvidenceReranker, EvidenceWeights

    settings = {key: value for key, value in config.items() if key != UNNAMED_DOCUMENT}
    pipeline = OurPipeline(embedder, settings)
    if UNNAMED_DOCUMENT in config:
        weights = EvidenceWeights(unnamed_document=config[UNNAMED_DOCUMENT])
        pipeline.kb.answerer.retriever.reranker = EvidenceReranker(weights)
    return pipeline


def run(names: list[str], limit_docs: int) -> list[dict[str, Any]]:
    eval_set = load_tatqa(EVAL_DIR / "tatqa" / "tatqa_dataset_dev.json")
    if limit_docs:
        eval_set = _limited(eval_set, limit_docs)
    questions = next(qs for name, qs in eval_set.question_sets.items() if name.startswith("open"))
    embedder = load_embedder()
    vectors = embedder.embed_documents([q.question for q in questions])
    rows = []
    for name in names:
        started = time.perf_counter()
        pipeline = make_pipeline(embedder, CONFIGS[name])
        pipeline.ingest(eval_set.docs)
        row: dict[str, Any] = {"config": name, "chunks": pipeline.chunks}
        row["ingest_s"] = round(time.perf_counter() - started)
        for label, mode in MODES:
            ranked = [
                pipeline.rank(q, v, (label, mode, "rrf", 0.0))
                for q, v in zip(questions, vectors, strict=True)
            ]
            row[label] = round(score(ranked, questions)["hit@5"], 3)
        if name == "defaults":
            threshold = pipeline.kb.settings.relevance_threshold
            answerable = [pipeline.best_cosine(q.question, None) for q in questions]
            absent = [pipeline.best_cosine(q, None) for q in absent_questions()]
            row["false abstentions"] = sum(c < threshold for c in answerable) / len(answerable)
            row["absent topics abstained"] = sum(c < threshold for c in absent) / len(absent)
        pipeline.close()
        rows.append(row)
        print_flush(json.dumps(row))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("configs", nargs="*", help=f"rows to run, of: {', '.join(CONFIGS)}")
    parser.add_argument("--limit-docs", type=int, default=0)
    args = parser.parse_args(argv)
    unknown = set(args.configs) - set(CONFIGS)
    if unknown:
        parser.error(f"unknown rows: {', '.join(sorted(unknown))}")
    offline_env()
    run(args.configs or list(CONFIGS), args.limit_docs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
