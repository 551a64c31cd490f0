"""Long real PDFs: doc@5, page@5 and answer@5 on FinanceBench (28 filings, 83 questions).

    python -m bench.financebench                      # every configuration row, writes the docs
    python -m bench.financebench --configs defaults   # one row
    python -m bench.financebench --docs 8             # quick check: the first 8 filings only

All filings are ingested into ONE store through the real ``KnowledgeBase`` path and every question
is asked across all of them with ``KnowledgeBase.search`` (exactly the ranked sources the answer
step gives the model). A data dir is kept per ingest configuration under
``bench/.cache/financebench/`` so the search side can be re-run without re-ingesting.

- **doc@5**: a top-5 source comes from the question's filing;
- **page@5**: a top-5 source from that filing covers an evidence page (``page_index + 1``);
- **answer@5**: a top-5 source from the filing contains a figure of the answer, over the questions
  whose answer states a figure printed on an evidence page (computed ratios never appear
  verbatim in a filing, and years and small counts are left out);
- ingest pages/s (the first, uncached ingestion of that configuration) and query p50/p95 ms.

``--convert-cache`` reuses Docling's conversion of each PDF (keyed by file hash and Docling version)
and the vector of each chunk text (keyed by model and text) between configurations; ingest speed is
then reported as "n/a (cached)".
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import re
import shutil
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    CACHE,
    EVAL_DIR,
    bench_parser,
    command_line,
    load_json,
    markdown_table,
    offline_env,
    percentile,
    print_flush,
    publish,
    section_header,
    versions,
)

FINANCEBENCH = EVAL_DIR / "financebench"
STORES = CACHE / "financebench"
CONVERTED = CACHE / "financebench-converted"
EMBEDDED = CACHE / "financebench-embedded.sqlite"
K = 5


# --- data -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class FinanceQuestion:
    qid: str
    question: str
    answer: str
    doc: str
    pages: frozenset[int]  # 1-based evidence pages
    evidence: str


def load_questions(path: Path = FINANCEBENCH / "questions.jsonl") -> list[FinanceQuestion]:
    out = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        evidence = [e for e in raw["evidence"] if e["doc_name"] == raw["doc_name"]]
        out.append(
            FinanceQuestion(
                raw["id"],
                raw["question"],
                raw["answer"],
                raw["doc_name"],
                frozenset(int(e["page_index"]) + 1 for e in evidence),
                "\n".join(e.get("text", "") for e in evidence),
            )
        )
    return out


# --- answer figures -------------------------------------------------------------------------
NUMBER = re.compile(r"(?<![\w.])\(?-?\$?\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\)?")


def numbers_in(text: str) -> set[float]:
    """Every number written in ``text`` (thousands separators dropped, parentheses ignored)."""
    found = set()
    for whole, frac in NUMBER.findall(text):
        try:
            found.add(float(whole.replace(",", "") + (frac or "")))
        except ValueError:
            continue
    return found


def answer_figures(answer: str, evidence: str) -> set[float]:
    """Figures of the answer printed on an evidence page (years and small counts left out):
    what a source must show for the answer to be read off it. Computed ratios aren't printed
    in a filing, so questions answered only by them have none."""
    return {
        value
        for value in numbers_in(answer)
        if not (value.is_integer() and (value < 10 or 1900 <= value <= 2100))
        and contains_figure(evidence, value)
    }


def contains_figure(text: str, figure: float) -> bool:
    """The figure as a filing writes it: 1577.00 matches "1,577"; 8.70 matches "8.7"."""
    return any(abs(value - figure) < 0.005 for value in numbers_in(text))


# --- scoring --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    doc_id: str
    pages: tuple[int, ...]
    text: str


def score(ranked: Sequence[Sequence[Source]], questions: Sequence[FinanceQuestion]) -> dict:
    doc = page = 0
    answer_hits = answer_n = 0
    page_rr = 0.0
    for sources, question in zip(ranked, questions, strict=True):
        top = list(sources[:K])
        doc += any(s.doc_id == question.doc for s in top)
        page_rank = next(
            (
                rank
                for rank, s in enumerate(sources, start=1)
                if s.doc_id == question.doc and question.pages & set(s.pages)
            ),
            None,
        )
        page += bool(page_rank and page_rank <= K)
        page_rr += 1 / page_rank if page_rank else 0.0
        figures = answer_figures(question.answer, question.evidence)
        if figures:
            answer_n += 1
            answer_hits += any(
                s.doc_id == question.doc and any(contains_figure(s.text, f) for f in figures)
                for s in top
            )
    n = max(len(questions), 1)
    return {
        "doc@5": doc / n,
        "page@5": page / n,
        "page_mrr": page_rr / n,
        "answer@5": answer_hits / answer_n if answer_n else 0.0,
        "answer_n": answer_n,
        "n": len(questions),
    }


# --- configurations -------------------------------------------------------------------------
@dataclass(frozen=True)
class Config:
    """One ablation row: settings overrides, split into what ingestion and what search reads."""

    name: str
    label: str
    ingest: dict[str, Any]
    search: dict[str, Any] = dataclasses.field(default_factory=dict)
    extends: str | None = None  # start from this configuration's store (its files unchanged)

    @property
    def store_key(self) -> str:
        """Configurations that ingest alike (after defaults) share a store."""
        from rag.settings import Settings

        settings = Settings(_env_file=None, **self.ingest)
        blob = json.dumps({name: str(getattr(settings, name)) for name in INGEST_SETTINGS})
        return hashlib.sha1(blob.encode()).hexdigest()[:10]


INGEST_SETTINGS = (
    "max_pages",
    "table_rows",
    "index_document_identity",
    "bm25_stemming",
    "chunk_max_tokens",
    "pdf_pipeline",
    "embedding_model",
    "bm25_word_pairs",
)
PLAIN_BM25 = {"bm25_stemming": False, "bm25_word_pairs": False}
NO_PAIRS = {"bm25_word_pairs": False}
SINGLE_STAGE = {"reranker": "none", "finance_terms": False}
# Each row adds one technique to the row above it (the last row is today's defaults).
CONFIGS: list[Config] = [
    Config(
        "before",
        "before: no table rows, no identity, single stage, 500-page cap",
        {**PLAIN_BM25, "max_pages": 500, "table_rows": False, "index_document_identity": False},
        SINGLE_STAGE,
    ),
    Config(
        "pages",
        "+ page cap 2,000 (PEPSICO 10-K, 503 pages, admitted)",
        {**PLAIN_BM25, "max_pages": 2000, "table_rows": False, "index_document_identity": False},
        SINGLE_STAGE,
        extends="before",
    ),
    Config(
        "tables",
        "+ table rows rebuilt from PDF positions, with their headers",
        {**PLAIN_BM25, "max_pages": 2000, "table_rows": True, "index_document_identity": False},
        SINGLE_STAGE,
    ),
    Config(
        "identity",
        "+ document identity (title, file name) in what is indexed",
        {**PLAIN_BM25, "max_pages": 2000, "table_rows": True, "index_document_identity": True},
        SINGLE_STAGE,
    ),
    Config(
        "two_stage",
        "+ two-stage: wide hybrid, document-evidence re-rank",
        NO_PAIRS,
        {"finance_terms": False, "sources_per_page": 0, "statement_pages": False},
    ),
    Config(
        "spread",
        "+ one source per page in the top 5",
        NO_PAIRS,
        {"finance_terms": False, "statement_pages": False},
    ),
    Config(
        "vocabulary",
        "+ statement vocabulary for the metric asked, in keyword search",
        NO_PAIRS,
        {"statement_pages": False},
    ),
    Config(
        "statements",
        "+ the leading filing's statement pages for the metric asked",
        NO_PAIRS,
        {},
    ),
    Config(
        "defaults",
        "+ adjacent word pairs indexed for BM25 (searched by questions naming no filing: none "
        "here) (today's defaults)",
        {},
        {},
    ),
    Config(
        "stemming",
        "+ BM25 on English word stems (not adopted: TAT-QA worse)",
        {"bm25_stemming": True},
        {},
    ),
    Config(
        "focus",
        "+ document focus: 30 more candidates from inside the leading document (not adopted)",
        {},
        {"focus_candidates": 30},
    ),
    Config(
        "weighted_rrf",
        "+ BM25 list weighted 2:1 in the fusion, k=10 (not adopted: doc@5 worse)",
        {},
        {"bm25_weight": 2.0, "rrf_k": 10},
    ),
]


# --- a run ----------------------------------------------------------------------------------
class ConversionCache:
    """Docling's own output per PDF, reused between configurations (bench-only, opt-in).

    It stands in for ``Converter.read`` (Docling's conversion), so everything ragbot does with
    Docling's output (tables rebuilt from positions, chunking, identity) still runs.
    """

    def __init__(self, root: Path, converter: Any) -> None:
        import docling

        self.root = root
        self.read_with_docling = converter.read
        self.tag = getattr(docling, "__version__", "") + converter.pdf_pipeline
        self.hits = 0

    def read(self, name: str, data: bytes, fmt: Any) -> Any:
        from docling_core.types.doc import DoclingDocument

        from rag.convert import Converted

        key = hashlib.sha256(data + self.tag.encode()).hexdigest()[:24]
        path = self.root / f"{key}.json"
        if path.exists():
            saved = json.loads(path.read_text())
            document = DoclingDocument.model_validate(saved["document"])
            self.hits += 1
            return Converted(document, saved["pages"], saved["tables"], 0.0, saved["pipeline"])
        converted = self.read_with_docling(name, data, fmt)
        self.root.mkdir(parents=True, exist_ok=True)
        saved = {
            "document": converted.document.export_to_dict(),
            "pages": converted.pages,
            "tables": converted.tables,
            "pipeline": converted.pipeline,
        }
        path.write_text(json.dumps(saved))
        return converted


class EmbeddingCache:
    """Chunk vectors reused between configurations (bench-only, opt-in with the conversion
    cache): configurations that only change what is indexed or searched then skip re-embedding
    the chunks whose text is unchanged. Keyed by model name and the exact text."""

    def __init__(self, path: Path, embedder: Any) -> None:
        import sqlite3

        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS v (key TEXT PRIMARY KEY, vector BLOB)")
        self.embedder = embedder
        self.name = embedder.name
        self.dimension = embedder.dimension
        self.hits = 0

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.name}\0{text}".encode()).hexdigest()

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        import array

        keys = [self._key(t) for t in texts]
        found: dict[str, list[float]] = {}
        for key in keys:
            row = self.db.execute("SELECT vector FROM v WHERE key = ?", (key,)).fetchone()
            if row:
                found[key] = array.array("f", row[0]).tolist()
        missing = [(k, t) for k, t in zip(keys, texts, strict=True) if k not in found]
        self.hits += len(texts) - len(missing)
        if missing:
            vectors = self.embedder.embed_documents([t for _, t in missing])
            for (key, _), vector in zip(missing, vectors, strict=True):
                found[key] = list(vector)
                blob = array.array("f", vector).tobytes()
                self.db.execute("INSERT OR REPLACE INTO v VALUES (?, ?)", (key, blob))
            self.db.commit()
        return [found[k] for k in keys]

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text)

    def __getattr__(self, name: str) -> Any:  # warm-up and anything else the kb asks for
        return getattr(self.embedder, name)


def make_kb(config: Config, data_dir: Path, search: bool, reuse: bool = False) -> Any:
    from rag.embeddings import make_embedder
    from rag.knowledge_base import KnowledgeBase
    from rag.settings import Settings

    overrides = {**config.ingest, **(config.search if search else {})}
    settings = Settings(_env_file=None, data_dir=data_dir, openai_api_key=None, **overrides)
    embedder = EmbeddingCache(EMBEDDED, make_embedder(settings)) if reuse else None
    return KnowledgeBase(settings, embedder=embedder)


def store_dir(config: Config, pdfs: Sequence[Path]) -> Path:
    names = hashlib.sha1(" ".join(sorted(p.stem for p in pdfs)).encode()).hexdigest()[:6]
    return STORES / f"{config.store_key}-{len(pdfs)}-{names}"


def ingest(config: Config, pdfs: Sequence[Path], fresh: bool, convert_cache: bool) -> dict:
    data_dir = store_dir(config, pdfs)
    marker = data_dir / "ingest.json"
    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    if marker.exists():
        return json.loads(marker.read_text())
    if data_dir.exists():
        shutil.rmtree(data_dir)  # an interrupted earlier ingestion
    base = next((c for c in CONFIGS if c.name == config.extends), None)
    incremental = base is not None and (store_dir(base, pdfs) / "ingest.json").exists()
    if base is not None and incremental:
        shutil.copytree(store_dir(base, pdfs), data_dir)
        (data_dir / "ingest.json").unlink()
    kb = make_kb(config, data_dir, search=False, reuse=convert_cache)
    cache = ConversionCache(CONVERTED, kb.converter) if convert_cache else None
    if cache is not None:
        kb.converter.read = cache.read  # type: ignore[method-assign]
    from rag.models import SourceInfo

    kb.warm_up()
    started = time.perf_counter()
    pages = chunks = 0
    refused: dict[str, str] = {}
    for pdf in pdfs:
        try:
            receipt = kb.ingest_bytes(
                pdf.read_bytes(), SourceInfo(pdf.name), doc_id=pdf.stem, scopes=["global"]
            )
        except Exception as exc:  # a refused filing is a result, not a crash
            refused[pdf.stem] = f"{type(exc).__name__}: {getattr(exc, 'user_message', exc)}"
            print_flush(f"    {pdf.stem}: refused ({refused[pdf.stem]})")
            continue
        pages += receipt.pages
        chunks += receipt.chunks
        print_flush(f"    {pdf.stem}: {receipt.pages} pages, {receipt.chunks} chunks")
    seconds = time.perf_counter() - started
    kb.close()
    info = {
        "data_dir": data_dir.name,
        "pdfs": len(pdfs),
        "pages": pages,
        "chunks": chunks,
        "seconds": seconds,
        # only an ingestion that converted every file itself measures ingest speed
        "pages_per_s": None if cache or incremental else pages / seconds,
        "refused": refused,
    }
    marker.write_text(json.dumps(info))
    return info


def evaluate(config: Config, questions: Sequence[FinanceQuestion], info: dict) -> dict:
    kb = make_kb(config, STORES / info["data_dir"], search=True)
    kb.warm_up()
    kb.search("warm-up question", None, k=K)
    ranked, times, cosines = [], [], []
    for q in questions:
        started = time.perf_counter()
        hits = kb.search(q.question, None, k=K)
        times.append(time.perf_counter() - started)
        ranked.append([Source(h.doc_id, h.pages, h.text) for h in hits])
        cosines.append(max((h.dense_score or 0.0 for h in hits), default=0.0))
    threshold = kb.settings.relevance_threshold
    kb.close()
    result = score(ranked, questions)
    result["best_cosines"] = cosines
    result["false_abstentions"] = sum(c < threshold for c in cosines) / max(len(cosines), 1)
    result["p50_ms"] = statistics.median(times) * 1000
    result["p95_ms"] = percentile(times, 95) * 1000
    result["misses"] = [
        q.qid
        for q, sources in zip(questions, ranked, strict=True)
        if not any(s.doc_id == q.doc and q.pages & set(s.pages) for s in sources[:K])
    ]
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    pdfs = sorted((FINANCEBENCH / "pdfs").glob("*.pdf"))
    if args.docs:
        pdfs = pdfs[: args.docs]
    if args.only:
        pdfs = [p for p in pdfs if any(p.stem.startswith(prefix) for prefix in args.only)]
    if args.reverse:  # a second run in parallel converts other files first
        pdfs = pdfs[::-1]
    names = {p.stem for p in pdfs}
    questions = [q for q in load_questions() if q.doc in names]
    chosen = [c for c in CONFIGS if not args.configs or c.name in args.configs]
    rows = {}
    for config in chosen:
        print_flush(f"{config.name}: {config.label}")
        info = ingest(config, pdfs, args.fresh, args.convert_cache)
        result = evaluate(config, questions, info)
        rows[config.name] = {"label": config.label, "ingest": info, **result}
        print_flush(
            f"  doc@5 {result['doc@5']:.3f}  page@5 {result['page@5']:.3f}  "
            f"answer@5 {result['answer@5']:.3f} ({result['answer_n']})  "
            f"p50 {result['p50_ms']:.0f} ms  p95 {result['p95_ms']:.0f} ms"
        )
    return {"pdfs": len(pdfs), "questions": len(questions), "rows": rows}


# --- report ---------------------------------------------------------------------------------
def report(results: dict[str, Any], command: str) -> str:
    extra = "Embedding model all-MiniLM-L6-v2 (local), no API key; " + versions(
        "docling-slim", "docling-core", "milvus-lite", "pymilvus"
    )
    out = [section_header("Long PDFs: FinanceBench", command, extra)]
    out.append(
        f"{results['pdfs']} filings in one store, {results['questions']} questions, each searched "
        "across every filing with `KnowledgeBase.search` (the sources the model gets). "
        "doc@5: a top-5 source is from the question's filing; page@5: one of them covers an "
        "evidence page; page MRR: 1/rank of the first such source in the top 5; answer@5: a "
        "top-5 source from the filing contains a figure of the answer (questions whose answer "
        "states a figure printed on an evidence page; years and small counts left out). Each "
        "row adds one technique to the row above.\n"
    )
    rows = []
    for row in results["rows"].values():
        info = row["ingest"]
        speed = f"{info['pages_per_s']:.2f}" if info.get("pages_per_s") else "n/a (cached)"
        rows.append(
            [
                row["label"],
                f"{row['doc@5']:.3f}",
                f"{row['page@5']:.3f}",
                f"{row['page_mrr']:.3f}",
                f"{row['answer@5']:.3f} (n={row['answer_n']})",
                f"{info['pages']} / {info['chunks']}",
                speed,
                f"{row['p50_ms']:.0f} / {row['p95_ms']:.0f}",
            ]
        )
    out.append(
        markdown_table(
            [
                "configuration",
                "doc@5",
                "page@5",
                "page MRR",
                "answer@5",
                "pages / chunks",
                "ingest pages/s",
                "query p50 / p95 ms",
            ],
            rows,
        )
    )
    if results.get("chart"):
        out.append(f"\n![FinanceBench rows]({results['chart']})\n")
    refused = {
        doc: why
        for row in results["rows"].values()
        for doc, why in row["ingest"]["refused"].items()
    }
    if refused:
        out.append("Refused: " + "; ".join(f"{d} ({w})" for d, w in sorted(refused.items())))
    return "\n".join(out)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--configs", nargs="*", help="rows to run (default: all)")
    parser.add_argument("--docs", type=int, default=0, help="only the first N filings")
    parser.add_argument("--only", nargs="*", help="only filings whose names start so")
    parser.add_argument("--reverse", action="store_true", help="ingest in reverse name order")
    parser.add_argument("--fresh", action="store_true", help="re-ingest even if a store exists")
    parser.add_argument(
        "--convert-cache",
        action="store_true",
        help="reuse Docling conversions and chunk vectors between configurations (faster)",
    )
    parser.add_argument("--report-only", action="store_true", help="rewrite the section")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    offline_env()
    command = command_line("bench.financebench", argv)
    if args.report_only:
        saved = load_json("financebench") or {}
        publish("financebench", "financebench", saved, report, command, write=True)
        return 0
    results = run(args)
    partial = bool(args.docs) or bool(args.only)
    if not (args.no_write or partial):
        from bench.charts import financebench_chart
        from bench.common import IMG_DIR

        IMG_DIR.mkdir(parents=True, exist_ok=True)
        financebench_chart(results, IMG_DIR / "financebench.png")
        results["chart"] = "img/financebench.png"
    name = "financebench" if not partial else "financebench-partial"
    publish(name, "financebench", results, report, command, write=not (args.no_write or partial))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
