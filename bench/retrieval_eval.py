"""Retrieval quality: hit@1, hit@5 and MRR@10 of our search modes and of the seed tutorial.

    python -m bench.retrieval_eval                                  # SQuAD + TAT-QA, writes docs
    python -m bench.retrieval_eval --questions my.jsonl --docs DIR  # your own question set

Your question set is JSONL, one question a line: ``{"question": ..., "answers": [...]}`` (a hit
is a retrieved chunk containing one of the answer strings, case- and space-insensitive) or
``{"question": ..., "doc": "file-name.pdf"}`` / ``"docs": [...]`` (a hit is a chunk of that
file, or of one of them). Every file under DIR is ingested into a throw-away knowledge base
(nothing of yours is touched).

``ragbot feedback export --json`` writes such a set from the 👍/👎 given in Slack. Its 👎
questions with no good source (``"retrieval_failure": true``) have no right answer to score;
they form their own set, scored by how often a method still ranks a chunk the voter turned
down (``rejected``: document name and text) first, or in its top 5 (lower is better).

Methods: our store searched BM25-only, dense-only and hybrid (RRF, and weighted fusion at a few
dense weights), and the seed tutorial's pipeline as the baseline: Docling's
``HierarchicalChunker``, bare chunk text (no headings), dense-only search in its own Milvus Lite
collection, same embedding model (all-MiniLM-L6-v2).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    EVAL_DIR,
    MINILM,
    bench_parser,
    command_line,
    load_json,
    markdown_table,
    offline_env,
    print_flush,
    publish,
    save_json,
    scratch_dir,
    section_header,
    today,
    versions,
    write_section,
)

K_MAX = 10


# --- data -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class EvalDoc:
    doc_id: str
    name: str
    data: bytes
    scope: str = "global"


@dataclass(frozen=True)
class EvalQuestion:
    question: str
    answers: tuple[str, ...] = ()  # hit: a chunk contains one of these
    doc: str | None = None  # hit: a chunk of this doc_id
    scope: str | None = None  # search only this scope (None: everything)
    docs: tuple[str, ...] = ()  # hit: a chunk of one of these documents
    rejected: tuple[tuple[str, str], ...] = ()  # (document, text) shown and turned down


@dataclass
class EvalSet:
    name: str
    docs: list[EvalDoc]
    question_sets: dict[str, list[EvalQuestion]] = field(default_factory=dict)


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(text)).strip().lower()


def load_squad(path: Path) -> EvalSet:
    """One Markdown document per paragraph; hit = chunk contains a gold answer span."""
    article = json.loads(path.read_text())["data"][0]
    title = article["title"].replace("_", " ")
    docs, questions = [], []
    for number, para in enumerate(article["paragraphs"]):
        doc_id = f"squad-{number:03d}"
        text = f"# {title}\n\n## Part {number + 1}\n\n{para['context']}\n"
        docs.append(EvalDoc(doc_id, f"{doc_id}.md", text.encode()))
        for qa in para["qas"]:
            answers = tuple(sorted({a["text"] for a in qa["answers"]}))
            questions.append(EvalQuestion(qa["question"], answers=answers, doc=doc_id))
    return EvalSet("SQuAD v1.1 dev, Super Bowl 50", docs, {"open (answer span)": questions})


def tatqa_html(context: dict[str, Any], number: int) -> str:
    rows = []
    for row in context["table"]["table"]:
        cells = "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row)
        rows.append(f"<tr>{cells}</tr>")
    paragraphs = sorted(context["paragraphs"], key=lambda p: p["order"])
    body = "".join(f"<p>{html.escape(p['text'])}</p>" for p in paragraphs)
    return (
        f"<html><head><title>Financial report {number}</title></head><body>"
        f"<h1>Financial report {number}</h1><table>{''.join(rows)}</table>{body}</body></html>"
    )


def load_tatqa(path: Path) -> EvalSet:
    """One HTML document per context (a real ``<table>`` plus its paragraphs)."""
    docs, open_qs, within = [], [], []
    for number, context in enumerate(json.loads(path.read_text())):
        doc_id = f"tatqa-{number:03d}"
        scope = f"ctx-{number:03d}"
        docs.append(EvalDoc(doc_id, f"{doc_id}.html", tatqa_html(context, number).encode(), scope))
        for q in context["questions"]:
            open_qs.append(EvalQuestion(q["question"], doc=doc_id))
            if q["answer_type"] in ("span", "multi-span"):
                answers = tuple(
                    str(a)
                    for a in (q["answer"] if isinstance(q["answer"], list) else [q["answer"]])
                )
                within.append(EvalQuestion(q["question"], answers=answers, scope=scope))
    return EvalSet(
        "TAT-QA dev",
        docs,
        {
            "open (right context, all contexts searched)": open_qs,
            "within context (answer span; span and multi-span questions)": within,
        },
    )


FAILURES_SET = "👎 retrieval failures (rejected@k: lower is better)"


def read_question_lines(path: Path) -> list[dict[str, Any]]:
    """JSON Lines (one object a line), or one JSON array of objects."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        return [item for item in json.loads(text) if isinstance(item, dict)]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def user_question(raw: dict[str, Any]) -> EvalQuestion:
    rejected = tuple(
        (str(r.get("doc", "")), str(r.get("text", "")))
        for r in raw.get("rejected", ())
        if isinstance(r, dict)
    )
    return EvalQuestion(
        raw["question"],
        answers=tuple(str(a) for a in raw.get("answers", ())),
        doc=raw.get("doc"),
        docs=tuple(str(d) for d in raw.get("docs", ())),
        rejected=rejected,
    )


def load_user_set(questions: Path, docs_dir: Path) -> EvalSet:
    files = sorted(p for p in docs_dir.rglob("*") if p.is_file())
    docs = [EvalDoc(str(p.relative_to(docs_dir)), p.name, p.read_bytes()) for p in files]
    scored: list[EvalQuestion] = []
    failures: list[EvalQuestion] = []
    for raw in read_question_lines(questions):
        (failures if raw.get("retrieval_failure") else scored).append(user_question(raw))
    sets = {"your questions": scored} if scored else {}
    if failures:
        sets[FAILURES_SET] = failures
    return EvalSet(f"{questions.name} over {docs_dir}", docs, sets)


# --- retrieved items and scoring ------------------------------------------------------------
@dataclass(frozen=True)
class Retrieved:
    doc_id: str
    text: str


def is_hit(item: Retrieved, question: EvalQuestion) -> bool:
    if question.answers:
        text = normalize(item.text)
        return any(normalize(a) in text for a in question.answers if a.strip())
    wanted = {*question.docs, *([question.doc] if question.doc else [])}
    return bool(wanted & {item.doc_id, Path(item.doc_id).name})


def is_rejected(item: Retrieved, question: EvalQuestion) -> bool:
    """The chunk is one the voter was shown and turned down (same document, same text)."""
    text = normalize(item.text)
    return any(
        doc in (item.doc_id, Path(item.doc_id).name) and snippet_of(shown) in text
        for doc, shown in question.rejected
    )


def snippet_of(text: str, chars: int = 80) -> str:
    """The start of a shown snippet, without the ``…`` a cut snippet ends with."""
    return normalize(text).rstrip("…").strip()[:chars]


def score_failures(
    ranked: Sequence[Sequence[Retrieved]], questions: Sequence[EvalQuestion]
) -> dict[str, float]:
    """For 👎 questions without a right answer: how often rejected chunks still rank high."""
    first = top5 = 0.0
    for items, question in zip(ranked, questions, strict=True):
        first += bool(items) and is_rejected(items[0], question)
        top5 += any(is_rejected(item, question) for item in items[:5])
    n = max(len(questions), 1)
    return {"rejected@1": first / n, "rejected@5": top5 / n, "n": float(len(questions))}


def score_set(
    set_name: str, ranked: Sequence[Sequence[Retrieved]], questions: Sequence[EvalQuestion]
) -> dict[str, float]:
    if set_name == FAILURES_SET:
        return score_failures(ranked, questions)
    return score(ranked, questions)


def score(
    ranked: Sequence[Sequence[Retrieved]], questions: Sequence[EvalQuestion]
) -> dict[str, float]:
    hit1 = hit5 = rr = 0.0
    for items, question in zip(ranked, questions, strict=True):
        rank = next((i + 1 for i, item in enumerate(items) if is_hit(item, question)), None)
        if rank:
            hit1 += rank == 1
            hit5 += rank <= 5
            rr += 1 / rank
    n = max(len(questions), 1)
    return {"hit@1": hit1 / n, "hit@5": hit5 / n, "mrr@10": rr / n, "n": float(len(questions))}


# --- our pipeline ---------------------------------------------------------------------------
Method = tuple[str, str, str, float]  # label, mode, fusion, dense weight
OUR_METHODS: list[Method] = [
    ("BM25 only", "bm25", "rrf", 0.0),
    ("dense only", "dense", "rrf", 0.0),
    ("hybrid, RRF (k=60)", "hybrid", "rrf", 0.0),
    ("hybrid, weighted 0.3 dense", "hybrid", "weighted", 0.3),
    ("hybrid, weighted 0.5 dense", "hybrid", "weighted", 0.5),
    ("hybrid, weighted 0.7 dense", "hybrid", "weighted", 0.7),
]
DEFAULTS = "ragbot search (hybrid, 60 candidates, evidence re-rank)"
OUR_METHODS.append((DEFAULTS, "kb", "rrf", 0.0))
# The pipeline before issue 9's techniques: Docling's table triplets, no document identity in
# the index, no second stage.
BEFORE_SETTINGS: dict[str, Any] = {
    "table_rows": False,
    "index_document_identity": False,
    "reranker": "none",
}
BEFORE_METHODS: list[Method] = [
    ("before: BM25 only", "bm25", "rrf", 0.0),
    ("before: hybrid, RRF (k=60)", "hybrid", "rrf", 0.0),
]
SEED = "seed tutorial (HierarchicalChunker, bare text, dense)"
ABSENT_QUESTIONS = Path(__file__).resolve().parent / "data" / "absent_questions.txt"
MAX_FALSE_ABSTENTIONS = 0.01


class OurPipeline:
    """A throw-away ``KnowledgeBase`` holding the set's documents, searched like the bot does."""

    def __init__(self, embedder: Any, overrides: dict[str, Any] | None = None) -> None:
        from rag.knowledge_base import KnowledgeBase
        from rag.settings import Settings

        settings = Settings(_env_file=None, data_dir=scratch_dir("eval-ours"), **(overrides or {}))
        self.kb = KnowledgeBase(settings, embedder=embedder)
        self.chunks = 0

    def ingest(self, docs: Sequence[EvalDoc]) -> None:
        from rag.models import SourceInfo

        for doc in docs:
            receipt = self.kb.ingest_bytes(
                doc.data, SourceInfo(doc.name), doc_id=doc.doc_id, scopes=[doc.scope]
            )
            self.chunks += receipt.chunks

    def rank(self, question: EvalQuestion, vector: list[float], method: Method) -> list[Retrieved]:
        _, mode, fusion, weight = method
        scopes = [question.scope] if question.scope else None
        if mode == "kb":  # exactly what the answer step gives the model
            return [Retrieved(h.doc_id, h.text) for h in self.kb.search(question.question, scopes)]
        versions_ = self.kb.registry.active_versions(scopes)
        hits = self.kb.store.search(
            vector,
            question.question,
            versions_,
            K_MAX,
            mode="bm25" if mode == "bm25_pairs" else mode,  # type: ignore[arg-type]
            fusion=fusion,
            dense_weight=weight,
            word_pairs=mode == "bm25_pairs",
        )
        return [Retrieved(h.doc_id, h.text) for h in hits]

    def best_cosine(self, question: str, scope: str | None) -> float:
        """The signal the answer step abstains on: the best dense cosine among the sources."""
        hits = self.kb.search(question, [scope] if scope else None)
        return max((h.dense_score or 0.0 for h in hits), default=0.0)

    def close(self) -> None:
        self.kb.close()


# --- the seed tutorial's pipeline -----------------------------------------------------------
class SeedPipeline:
    """Docling ``HierarchicalChunker`` + bare chunk text + dense-only search in Milvus Lite."""

    def __init__(self, embedder: Any, converter: Any) -> None:
        from pymilvus import MilvusClient

        self.embedder = embedder
        self.converter = converter
        self.client = MilvusClient(uri=str(scratch_dir("eval-seed") / "seed.db"))
        self.client.create_collection(
            "seed", dimension=embedder.dimension, metric_type="COSINE", consistency_level="Strong"
        )
        self.next_id = 0
        self.chunks = 0

    def ingest(self, docs: Sequence[EvalDoc]) -> None:
        from docling_core.transforms.chunker.hierarchical_chunker import HierarchicalChunker

        chunker = HierarchicalChunker()
        for doc in docs:
            converted = self.converter.convert(doc.name, doc.data)
            texts = [c.text for c in chunker.chunk(dl_doc=converted.document) if c.text.strip()]
            vectors = self.embedder.embed_documents(texts)
            pairs = enumerate(zip(texts, vectors, strict=True))
            rows = [
                {
                    "id": self.next_id + i,
                    "vector": v,
                    "text": t,
                    "doc_id": doc.doc_id,
                    "scope": doc.scope,
                }
                for i, (t, v) in pairs
            ]
            self.next_id += len(rows)
            self.chunks += len(rows)
            if rows:
                self.client.insert("seed", rows)

    def rank(self, question: EvalQuestion, vector: list[float]) -> list[Retrieved]:
        expr = f"scope == {json.dumps(question.scope)}" if question.scope else ""
        results = self.client.search(
            "seed", data=[vector], limit=K_MAX, filter=expr, output_fields=["text", "doc_id"]
        )
        return [Retrieved(r["entity"]["doc_id"], r["entity"]["text"]) for r in results[0]]

    def close(self) -> None:
        self.client.close()


# --- a run ----------------------------------------------------------------------------------
def evaluate(eval_set: EvalSet, embedder: Any) -> dict[str, Any]:
    started = time.perf_counter()
    before = OurPipeline(embedder, BEFORE_SETTINGS)
    before.ingest(eval_set.docs)
    ours = OurPipeline(embedder)
    ours.ingest(eval_set.docs)
    seed = SeedPipeline(embedder, ours.kb.converter)
    seed.ingest(eval_set.docs)
    print_flush(
        f"  ingested {len(eval_set.docs)} docs: ours {ours.chunks} chunks, seed "
        f"{seed.chunks} chunks ({time.perf_counter() - started:.0f} s)"
    )
    out: dict[str, Any] = {
        "docs": len(eval_set.docs),
        "chunks_ours": ours.chunks,
        "chunks_seed": seed.chunks,
        "sets": {},
    }
    for set_name, questions in eval_set.question_sets.items():
        vectors = embedder.embed_documents([q.question for q in questions])
        results: dict[str, dict[str, float]] = {}
        for method in BEFORE_METHODS:
            ranked = [before.rank(q, v, method) for q, v in zip(questions, vectors, strict=True)]
            results[method[0]] = score_set(set_name, ranked, questions)
        for method in OUR_METHODS:
            ranked = [ours.rank(q, v, method) for q, v in zip(questions, vectors, strict=True)]
            results[method[0]] = score_set(set_name, ranked, questions)
        ranked = [seed.rank(q, v) for q, v in zip(questions, vectors, strict=True)]
        results[SEED] = score_set(set_name, ranked, questions)
        out["sets"][set_name] = results
        headline = "rejected@1" if set_name == FAILURES_SET else "hit@5"
        print_flush(
            f"  {set_name}: " + ", ".join(f"{k}: {v[headline]:.3f}" for k, v in results.items())
        )
    out["abstention"] = abstention(ours, eval_set)
    before.close()
    ours.close()
    seed.close()
    out["seconds"] = time.perf_counter() - started
    return out


QUANTIZATION_METHODS: list[Method] = [
    ("dense only", "dense", "rrf", 0.0),
    ("hybrid, RRF (k=60)", "hybrid", "rrf", 0.0),
    (DEFAULTS, "kb", "rrf", 0.0),
]


def compare_embedders(eval_set: EvalSet, embedders: dict[str, Any]) -> dict[str, Any]:
    """hit@k of the same set ingested and searched with each embedder (e.g. float and int8
    MiniLM): dense-only, hybrid and ragbot's search, one knowledge base per embedder."""
    out: dict[str, Any] = {"docs": len(eval_set.docs), "embedders": list(embedders), "sets": {}}
    for label, embedder in embedders.items():
        pipeline = OurPipeline(embedder)
        pipeline.ingest(eval_set.docs)
        for set_name, questions in eval_set.question_sets.items():
            vectors = embedder.embed_documents([q.question for q in questions])
            for method in QUANTIZATION_METHODS:
                ranked = [
                    pipeline.rank(q, v, method) for q, v in zip(questions, vectors, strict=True)
                ]
                row = out["sets"].setdefault(set_name, {}).setdefault(method[0], {})
                row[label] = score(ranked, questions)
        pipeline.close()
        print_flush(f"  {eval_set.name}, {label}: done")
    return out


def eval_sets(limit_docs: int = 0) -> list[tuple[str, EvalSet]]:
    """SQuAD (Super Bowl 50) and TAT-QA dev, each cut to ``limit_docs`` documents when set."""
    loaders: list[tuple[str, Callable[[Path], EvalSet], Path]] = [
        ("SQuAD Super Bowl 50", load_squad, EVAL_DIR / "squad" / "dev-v1.1-super-bowl-50.json"),
        ("TAT-QA dev", load_tatqa, EVAL_DIR / "tatqa" / "tatqa_dataset_dev.json"),
    ]
    out = []
    for name, loader, path in loaders:
        eval_set = loader(path)
        out.append((name, _limited(eval_set, limit_docs) if limit_docs else eval_set))
    return out


def quantization_table(results: dict[str, Any]) -> str:
    """One row per set and method: hit@5 and MRR@10 with each of two embedders, and the change
    in hit@5 points."""
    rows = []
    a, b = next(iter(results.values()))["embedders"][:2]
    for name, result in results.items():
        for set_name, methods in result["sets"].items():
            for method, by_embedder in methods.items():
                first, second = by_embedder[a], by_embedder[b]
                rows.append(
                    [
                        f"{name}, {set_name} ({int(first['n'])} q.)",
                        method,
                        f"{first['hit@5']:.3f}",
                        f"{second['hit@5']:.3f}",
                        f"{(second['hit@5'] - first['hit@5']) * 100:+.1f}",
                        f"{first['mrr@10']:.3f}",
                        f"{second['mrr@10']:.3f}",
                    ]
                )
    return markdown_table(
        ["question set", "method", f"hit@5 {a}", f"hit@5 {b}", "points", f"MRR {a}", f"MRR {b}"],
        rows,
    )


def absent_questions() -> list[str]:
    lines = ABSENT_QUESTIONS.read_text().splitlines()
    return [q.strip() for q in lines if q.strip() and not q.startswith("#")]


def abstention(pipeline: OurPipeline, eval_set: EvalSet) -> dict[str, Any]:
    """Best dense cosines of answerable questions (each set) and of absent-topic questions."""
    answerable = {
        name: [pipeline.best_cosine(q.question, q.scope) for q in questions]
        for name, questions in eval_set.question_sets.items()
    }
    absent = [pipeline.best_cosine(q, None) for q in absent_questions()]
    return {"answerable": answerable, "absent": absent}


def abstention_lines(results: dict[str, dict[str, Any]], threshold: float) -> list[str]:
    """False abstentions (answerable questions under the threshold) and true ones (absent
    topics under it), at today's threshold and at the calibrated one."""
    answerable = [
        c for r in results.values() for cs in r["abstention"]["answerable"].values() for c in cs
    ]
    if not answerable:
        return []
    calibrated = calibrated_threshold(answerable)
    lines = []
    for label, t in (("today's", threshold), ("calibrated", calibrated)):
        parts = []
        for name, result in results.items():
            for set_name, cosines in result["abstention"]["answerable"].items():
                false = sum(c < t for c in cosines) / max(len(cosines), 1)
                parts.append(f"{name}, {set_name}: {false:.1%} false")
            absent = result["abstention"]["absent"]
            true = sum(c < t for c in absent) / max(len(absent), 1)
            parts.append(f"{name}, {len(absent)} absent-topic questions: {true:.0%} abstained")
        lines.append(f"- {label} threshold {t:.3f}: " + "; ".join(parts) + ".")
    return lines


def calibrated_threshold(answerable: Sequence[float]) -> float:
    """The highest cosine cut-off that abstains on at most 1% of answerable questions."""
    ordered = sorted(answerable)
    index = int(MAX_FALSE_ABSTENTIONS * len(ordered))
    return max(0.0, ordered[index] - 1e-3) if ordered else 0.0


def load_embedder() -> Any:
    from bench.corpus import load_embedder as load

    return load()


# --- report ---------------------------------------------------------------------------------
def results_table(result: dict[str, Any]) -> str:
    parts = []
    for set_name, methods in result["sets"].items():
        first = next(iter(methods.values()))
        n = int(first["n"])
        metrics = [k for k in first if k != "n"]
        rows = [[m, *(v[k] for k in metrics)] for m, v in methods.items()]
        headers = ["method", *(k.replace("mrr", "MRR") for k in metrics)]
        parts.append(f"**{set_name}** ({n} questions)\n\n" + markdown_table(headers, rows))
    return "\n".join(parts)


def target_lines(name: str, result: dict[str, Any]) -> list[str]:
    lines = []
    for set_name, methods in result["sets"].items():
        ours, seed, bm25 = (methods[DEFAULTS], methods[SEED], methods["BM25 only"])
        before = methods["before: hybrid, RRF (k=60)"]
        not_worse = "not worse" if ours["hit@5"] >= before["hit@5"] else "**worse**"
        over_bm25 = "met" if ours["hit@5"] >= bm25["hit@5"] else "**below BM25**"
        lines.append(
            f"- {name}, {set_name}: ragbot search hit@5 {ours['hit@5']:.3f}; before "
            f"{before['hit@5']:.3f} ({not_worse}); seed {seed['hit@5']:.3f}; BM25-only "
            f"{bm25['hit@5']:.3f} ({over_bm25})."
        )
    return lines


def best_fusion(results: dict[str, dict[str, Any]]) -> str:
    """The hybrid variant with the best mean hit@5 (then MRR) over every question set."""
    totals: dict[str, list[float]] = {}
    for result in results.values():
        for methods in result["sets"].values():
            for method, v in methods.items():
                if method.startswith("hybrid"):
                    totals.setdefault(method, []).append(v["hit@5"] + v["mrr@10"] / 1000)
    means = {m: sum(v) / len(v) for m, v in totals.items()}
    ranked = sorted(means.items(), key=lambda kv: -kv[1])
    return "; ".join(f"{m}: {s:.3f}" for m, s in ranked)


def report(results: dict[str, dict[str, Any]], command: str) -> str:
    extra = "Embedding model all-MiniLM-L6-v2 (local, 384-d) for every method; " + versions(
        "docling-slim", "docling-core", "milvus-lite", "pymilvus"
    )
    out = [section_header("Retrieval quality", command, extra)]
    out.append(
        "Hit@k: one of the top k chunks is a hit. SQuAD: the chunk contains a gold answer "
        "span (each paragraph is a Markdown document). TAT-QA: each context (table + "
        "paragraphs) is an HTML document with a real `<table>`. *Open*: all 278 contexts "
        "are searched and a hit is a chunk of the question's own context; the questions "
        "do not name the company or year, so many are ambiguous by design (several "
        "reports have the same line items) and open figures are low for every method. "
        "*Within context*: the search is restricted (by scope) to the question's context "
        "and a hit is a chunk containing the answer span.\n"
    )
    lines = []
    for name, result in results.items():
        out.append(
            f"### {name}\n\n{result['docs']} documents; ours {result['chunks_ours']} "
            f"chunks (HybridChunker, headings + text), seed {result['chunks_seed']} chunks "
            f"(HierarchicalChunker, bare text).\n\n" + results_table(result)
        )
        lines += target_lines(name, result)
    from rag.settings import Settings

    threshold = Settings(_env_file=None).relevance_threshold
    abstain = abstention_lines({k: v for k, v in results.items() if "abstention" in v}, threshold)
    if abstain:
        out.append(
            "### Abstaining\n\nThe answer step says it found nothing when the best source's "
            "dense cosine is under a threshold calibrated for the embedding model. False "
            "abstentions: answerable questions under it (target at most 1%); true ones: "
            f"questions about topics no document covers (`{ABSENT_QUESTIONS.name}`).\n\n"
            + "\n".join(abstain)
            + "\n"
        )
    out.append(
        "### Targets\n\n" + "\n".join(lines) + "\n\nHybrid variants ranked by mean hit@5 "
        f"over all question sets: {best_fusion(results)}.\n"
    )
    return "\n".join(out)


def run_default(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    embedder = load_embedder()
    results = {}
    for name, eval_set in eval_sets(args.limit_docs):
        print_flush(f"{name}: {len(eval_set.docs)} documents")
        results[name] = evaluate(eval_set, embedder)
    return results


def run_quantization(limit_docs: int) -> dict[str, Any]:
    """Float and int8 MiniLM on the same sets in one run (``--compare-quantized``)."""
    from rag.embeddings import SentenceTransformerEmbedder, resolve_local_model

    path = resolve_local_model(MINILM)
    embedders = {
        "float32": SentenceTransformerEmbedder(MINILM, path, quantize=False),
        "int8": SentenceTransformerEmbedder(MINILM, path, quantize=True),
    }
    results = {}
    for name, eval_set in eval_sets(limit_docs):
        print_flush(f"{name}: {len(eval_set.docs)} documents, float32 and int8")
        results[name] = compare_embedders(eval_set, embedders)
    return results


def _limited(eval_set: EvalSet, docs: int) -> EvalSet:
    """A smaller set for a quick check: the first ``docs`` documents and their questions."""
    kept = {d.doc_id for d in eval_set.docs[:docs]}
    scopes = {d.scope for d in eval_set.docs[:docs]}
    sets = {
        name: [q for q in qs if (q.doc in kept) or (q.doc is None and q.scope in scopes)]
        for name, qs in eval_set.question_sets.items()
    }
    return EvalSet(eval_set.name, eval_set.docs[:docs], sets)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--questions", type=Path, help="your JSONL question set")
    parser.add_argument("--docs", type=Path, help="folder of your documents")
    parser.add_argument("--limit-docs", type=int, default=0, help="quick check on fewer docs")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite the section from the saved results"
    )
    parser.add_argument(
        "--compare-quantized",
        action="store_true",
        help="only float32 vs int8 MiniLM, same sets, one run (printed; bench.ingest_speed "
        "puts it on the results page)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    offline_env()
    if args.questions or args.docs:
        if not (args.questions and args.docs):
            raise SystemExit("--questions and --docs go together")
        eval_set = load_user_set(args.questions, args.docs)
        result = evaluate(eval_set, load_embedder())
        print(results_table(result))
        return 0
    if args.compare_quantized:
        results = run_quantization(args.limit_docs)
        save_json(
            "retrieval_quantization",
            {
                "command": command_line("bench.retrieval_eval", argv),
                "date": today(),
                "results": results,
            },
        )
        print(quantization_table(results))
        return 0
    if args.report_only:
        saved = load_json("retrieval_eval") or {}
        write_section("retrieval", report(saved, "python -m bench.retrieval_eval"))
        return 0
    publish(
        "retrieval_eval",
        "retrieval",
        run_default(args),
        report,
        "python -m bench.retrieval_eval",
        write=not args.no_write and not args.limit_docs,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
