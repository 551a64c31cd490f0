"""Ingest speed on long PDFs: pages/s end to end and the time per stage, before and after.

    python -m bench.ingest_speed                          # 2 FinanceBench filings, writes docs
    python -m bench.ingest_speed --only BOEING_2022_10K   # other filings (name prefixes)
    python -m bench.ingest_speed --all                    # all 28 filings (long)

In ONE run every filing goes through ``KnowledgeBase.ingest_bytes`` twice, each time into a
fresh data dir: **before** (float32 MiniLM and Docling's ``HuggingFaceTokenizer`` for the chunker,
as before issue 11) and **after** (today's defaults: int8 MiniLM, the cached token counter, each
distinct chunk text embedded once). The order alternates per filing. Each stage (convert, chunk,
embed, store) is timed from the ingest's own progress messages, as wall seconds and as the
process's CPU seconds (all its threads). The machine is shared: compare the ratios within a run;
CPU seconds are less disturbed by other processes than wall seconds.

Then the local model alone on a sample of the run's chunk texts: float32 against int8, batch
sizes, and 1 or 2 torch threads. Retrieval quality with float32 against int8 comes from
``python -m bench.retrieval_eval --compare-quantized`` (run it first); its saved table is put on
the results page with these figures.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    EVAL_DIR,
    bench_parser,
    command_line,
    load_json,
    markdown_table,
    offline_env,
    print_flush,
    publish,
    scratch_dir,
    section_header,
    versions,
)

PDFS = EVAL_DIR / "financebench" / "pdfs"
DEFAULT_FILINGS = ("BOEING_2022_10K", "MGMRESORTS_2022Q4_EARNINGS")
STAGES = ("convert", "chunk", "embed", "store")
CONFIGS = ("before", "after")


@dataclass
class StageClock:
    """Wall and CPU time between the ingest's progress messages."""

    marks: list[tuple[str, float, float]] = field(default_factory=list)

    def __call__(self, message: str) -> None:
        self.marks.append((message.split()[0], time.perf_counter(), time.process_time()))

    def stages(self) -> dict[str, dict[str, float]]:
        self("done")
        names = {"converting": "convert", "chunking": "chunk", "embedding": "embed"}
        names["storing"] = "store"
        out = {}
        for (label, wall, cpu), (_, next_wall, next_cpu) in zip(
            self.marks, self.marks[1:], strict=False
        ):
            out[names[label]] = {"wall": next_wall - wall, "cpu": next_cpu - cpu}
        return out


class CountingEmbedder:
    """The embedder being measured, noting how many texts it is asked for (and keeping them)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.texts: list[str] = []

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return self.inner.embed_documents(texts)  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)  # type: ignore[no-any-return]


def make_kb(config: str) -> tuple[Any, CountingEmbedder]:
    """A knowledge base in a fresh data dir with the ``before`` or ``after`` ingest path."""
    from rag.embeddings import SentenceTransformerEmbedder, resolve_local_model
    from rag.knowledge_base import KnowledgeBase
    from rag.settings import DEFAULT_LOCAL_EMBEDDING_MODEL, Settings

    model = DEFAULT_LOCAL_EMBEDDING_MODEL
    settings = Settings(_env_file=None, data_dir=scratch_dir(f"ingest-{config}"))  # type: ignore[call-arg]
    embedder = CountingEmbedder(
        SentenceTransformerEmbedder(model, resolve_local_model(model), quantize=config == "after")
    )
    kb = KnowledgeBase(settings, embedder=embedder)  # type: ignore[arg-type]
    if config == "before":
        kb.__dict__["chunker"] = before_chunker(settings)
        kb.__dict__["ingestor"] = before_ingestor(kb)
    kb.warm_up()
    return kb, embedder


def before_chunker(settings: Any) -> Any:
    """The chunker with Docling's own ``HuggingFaceTokenizer`` (no cached counts)."""
    from docling_core.transforms.chunker.tokenizer.huggingface import HuggingFaceTokenizer
    from transformers import AutoTokenizer

    from rag.chunking import Chunker
    from rag.embeddings import resolve_local_model

    path = resolve_local_model(settings.resolved_embedding_model)
    tokenizer = HuggingFaceTokenizer(
        tokenizer=AutoTokenizer.from_pretrained(path), max_tokens=settings.chunk_max_tokens
    )
    return Chunker(tokenizer)


def before_ingestor(kb: Any) -> Any:
    """An ingestor that embeds every chunk text, repeats included (as before)."""
    from rag.ingest import Ingestor

    class EmbedEveryChunk(Ingestor):
        def _embed(self, chunks: Sequence[Any], reuse_from: str | None) -> list[list[float]]:
            return self.embedder.embed_documents([c.search_text for c in chunks])

    return EmbedEveryChunk(
        kb.converter,
        kb.chunker,
        kb.embedder,
        kb.store,
        kb.registry,
        index_identity=kb.settings.index_document_identity,
    )


def ingest_one(kb: Any, embedder: CountingEmbedder, pdf: Path) -> dict[str, Any]:
    from rag.models import SourceInfo

    clock = StageClock()
    asked_before = len(embedder.texts)
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    receipt = kb.ingest_bytes(
        pdf.read_bytes(), SourceInfo(pdf.name), doc_id=pdf.stem, scopes=["global"], progress=clock
    )
    return {
        "pages": receipt.pages,
        "chunks": receipt.chunks,
        "embedded": len(embedder.texts) - asked_before,
        "wall": time.perf_counter() - started_wall,
        "cpu": time.process_time() - started_cpu,
        "stages": clock.stages(),
    }


def run_ingest(pdfs: Sequence[Path]) -> tuple[dict[str, Any], dict[str, CountingEmbedder]]:
    kbs = {config: make_kb(config) for config in CONFIGS}
    out: dict[str, Any] = {}
    for number, pdf in enumerate(pdfs):
        order = CONFIGS if number % 2 == 0 else CONFIGS[::-1]
        for config in order:
            kb, embedder = kbs[config]
            row = ingest_one(kb, embedder, pdf)
            out.setdefault(pdf.stem, {})[config] = row
            stages = ", ".join(f"{s} {row['stages'][s]['wall']:.1f}" for s in STAGES)
            print_flush(
                f"  {pdf.stem} {config}: {row['pages']} pages, {row['chunks']} chunks, "
                f"{row['wall']:.1f} s wall ({stages}), {row['cpu']:.1f} s CPU"
            )
    for kb, _ in kbs.values():
        kb.close()
    return out, {config: embedder for config, (_, embedder) in kbs.items()}


# --- the model alone ------------------------------------------------------------------------
Variant = tuple[str, str, int, int]  # label, model (float32/int8), batch size, torch threads


def variants() -> list[Variant]:
    import torch

    threads = torch.get_num_threads()
    return [
        (f"float32, batch 64, {threads} threads (before)", "before", 64, threads),
        (f"int8, batch 64, {threads} threads (after)", "after", 64, threads),
        (f"int8, batch 16, {threads} threads", "after", 16, threads),
        (f"int8, batch 32, {threads} threads", "after", 32, threads),
        (f"int8, batch 128, {threads} threads", "after", 128, threads),
        ("int8, batch 64, 1 thread", "after", 64, 1),
        ("float32, batch 64, 1 thread", "before", 64, 1),
    ]


def run_model(embedders: dict[str, CountingEmbedder], sample: int) -> dict[str, Any]:
    import numpy as np
    import torch

    texts = list(dict.fromkeys(embedders["after"].texts))
    texts = random.Random(11).sample(texts, min(sample, len(texts)))
    threads = torch.get_num_threads()
    reference = None
    rows = {}
    for label, config, batch, n_threads in variants():
        model = embedders[config].inner
        model.batch_size, saved = batch, model.batch_size
        torch.set_num_threads(n_threads)
        started_wall, started_cpu = time.perf_counter(), time.process_time()
        vectors = np.asarray(model.embed_documents(texts))
        wall, cpu = time.perf_counter() - started_wall, time.process_time() - started_cpu
        torch.set_num_threads(threads)
        model.batch_size = saved
        reference = vectors if reference is None else reference
        cosines = (vectors * reference).sum(axis=1)
        rows[label] = {
            "wall": wall,
            "cpu": cpu,
            "cos_min": float(cosines.min()),
            "cos_mean": float(cosines.mean()),
        }
        print_flush(f"  {label}: {wall:.1f} s wall, {cpu:.1f} s CPU, cosine {cosines.min():.4f}")
    return {"texts": len(texts), "rows": rows}


# --- report ---------------------------------------------------------------------------------
def totals(ingest: dict[str, Any], config: str) -> dict[str, float]:
    rows = [by_config[config] for by_config in ingest.values()]
    out = {key: sum(r[key] for r in rows) for key in ("pages", "chunks", "embedded", "wall", "cpu")}
    for stage in STAGES:
        for kind in ("wall", "cpu"):
            out[f"{stage}_{kind}"] = sum(r["stages"][stage][kind] for r in rows)
    return out


def report(results: dict[str, Any], command: str) -> str:
    extra = "Local all-MiniLM-L6-v2, no API key; " + versions(
        "torch", "sentence-transformers", "docling-slim", "docling-core", "milvus-lite"
    )
    out = [section_header("Ingest speed", command, extra)]
    ingest = results["ingest"]
    before, after = totals(ingest, "before"), totals(ingest, "after")
    out.append(
        f"{len(ingest)} FinanceBench filings ({', '.join(ingest)}), {after['pages']:.0f} "
        "pages, each ingested through `KnowledgeBase.ingest_bytes` before and after in the "
        "same run (fresh data dirs, order alternating per filing, model loaded beforehand). "
        "*Before*: float32 MiniLM, Docling's `HuggingFaceTokenizer` counting chunk tokens, "
        "every chunk text embedded. *After* (the defaults now): int8 MiniLM "
        "(`RAGBOT_EMBEDDING_QUANTIZE=true`), the cached token counter, each distinct text "
        "embedded once. Wall seconds on a shared 2-core machine are inflated by other "
        "processes; CPU seconds (all threads of the process) much less so.\n"
    )
    rows = []
    for label, key in [("total", "")] + [(s, f"{s}_") for s in STAGES]:
        b_wall, a_wall = before[f"{key}wall"], after[f"{key}wall"]
        b_cpu, a_cpu = before[f"{key}cpu"], after[f"{key}cpu"]
        rows.append(
            [
                label,
                f"{b_wall:.1f}",
                f"{a_wall:.1f}",
                f"{b_wall / a_wall:.2f}x" if a_wall else "-",
                f"{b_cpu:.1f}",
                f"{a_cpu:.1f}",
                f"{b_cpu / a_cpu:.2f}x" if a_cpu else "-",
            ]
        )
    out.append(
        markdown_table(
            [
                "stage",
                "before wall s",
                "after wall s",
                "speed-up",
                "before CPU s",
                "after CPU s",
                "speed-up (CPU)",
            ],
            rows,
        )
    )
    out.append(
        f"- Pages/s end to end: before **{before['pages'] / before['wall']:.2f}**, after "
        f"**{after['pages'] / after['wall']:.2f}** ({before['wall'] / after['wall']:.2f}x); "
        f"pages per CPU second: before {before['pages'] / before['cpu']:.2f}, after "
        f"{after['pages'] / after['cpu']:.2f} ({before['cpu'] / after['cpu']:.2f}x).\n"
        f"- Share of the time in embedding: before {before['embed_wall'] / before['wall']:.0%}, "
        f"after {after['embed_wall'] / after['wall']:.0%} (wall).\n"
        f"- Chunks {after['chunks']:.0f}; texts embedded before {before['embedded']:.0f}, after "
        f"{after['embedded']:.0f} (identical chunk texts embedded once).\n"
    )
    per_file = []
    for name, by_config in ingest.items():
        for config in CONFIGS:
            row = by_config[config]
            per_file.append(
                [name, config, row["pages"], row["chunks"], f"{row['wall']:.1f}"]
                + [
                    f"{row['stages'][s]['wall']:.1f} / {row['stages'][s]['cpu']:.1f}"
                    for s in STAGES
                ]
                + [f"{row['pages'] / row['wall']:.2f}"]
            )
    out.append(
        "Per filing (stage columns: wall s / CPU s):\n\n"
        + markdown_table(
            ["filing", "path", "pages", "chunks", "wall s", *STAGES, "pages/s"], per_file
        )
    )
    model = results["model"]
    base = next(iter(model["rows"].values()))
    model_rows = [
        [
            label,
            f"{v['wall']:.1f}",
            f"{v['cpu']:.1f}",
            f"{model['texts'] / v['wall']:.1f}",
            f"{base['wall'] / v['wall']:.2f}x",
            f"{base['cpu'] / v['cpu']:.2f}x",
            f"{v['cos_min']:.4f} / {v['cos_mean']:.4f}",
        ]
        for label, v in model["rows"].items()
    ]
    out.append(
        f"### The model alone\n\n{model['texts']} distinct chunk texts of the run (seeded "
        "sample), embedded by each variant in turn. Speed-ups against the first row; cosine: "
        "to the first row's vectors (min / mean). sentence-transformers already sorts texts by "
        "length before batching, so batches are length-sorted in every row.\n\n"
        + markdown_table(
            [
                "variant",
                "wall s",
                "CPU s",
                "texts/s",
                "speed-up",
                "speed-up (CPU)",
                "cosine to float32",
            ],
            model_rows,
        )
    )
    quality = results.get("quality")
    if quality:
        from bench.retrieval_eval import quantization_table

        out.append(
            "### Retrieval quality, float32 against int8\n\n"
            f"`{quality['command']}` ({quality['date']}): the same documents ingested and "
            "searched with each model, one knowledge base per model. Points: hit@5 change "
            "(int8 minus float32) in percentage points; the budget is 1 point.\n\n"
            + quantization_table(quality["results"])
        )
    return "\n".join(out)


def pick_pdfs(args: argparse.Namespace) -> list[Path]:
    pdfs = sorted(PDFS.glob("*.pdf"))
    if args.all:
        return pdfs
    prefixes = args.only or DEFAULT_FILINGS
    return [p for p in pdfs if any(p.stem.startswith(prefix) for prefix in prefixes)]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--only", nargs="*", help="filings whose names start so")
    parser.add_argument("--all", action="store_true", help="all 28 filings")
    parser.add_argument("--sample", type=int, default=128, help="texts for the model variants")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite the section from the saved figures (and the latest quality comparison)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    offline_env()
    if args.report_only:
        saved = load_json("ingest_speed") or {}
        if not saved:
            raise SystemExit("no saved figures: run python -m bench.ingest_speed first")
        saved["quality"] = load_json("retrieval_quantization") or saved.get("quality")
        publish("ingest_speed", "ingest-speed", saved, report, saved["command"], write=True)
        return 0
    pdfs = pick_pdfs(args)
    if not pdfs:
        raise SystemExit(f"no filings found under {PDFS}")
    print_flush(f"ingesting {len(pdfs)} filings before and after")
    ingest, embedders = run_ingest(pdfs)
    print_flush("the model alone")
    results = {"ingest": ingest, "model": run_model(embedders, args.sample)}
    quality = load_json("retrieval_quantization")
    if quality:
        results["quality"] = quality
    results["command"] = command_line("bench.ingest_speed", argv)
    publish(
        "ingest_speed", "ingest-speed", results, report, results["command"], write=not args.no_write
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
