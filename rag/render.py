"""Plain text for a terminal: answers, sources, search hits, receipts and tables (the CLI's words).

Pure functions from ``rag.models`` data to strings, so the CLI's human output is tested as text.
The Slack bot words the same data itself (``bot/blocks``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence

from rag.models import Answer, Citation, DocumentInfo, IngestReceipt, SearchHit, plural

NO_RESULTS = "Nothing in the knowledge base matches that question."
EXTRACTIVE_NOTE = (
    "No language model is configured (set OPENAI_API_KEY for written answers), "
    "so here are the most relevant passages:"
)
OUTLINE_NOTE = (
    "No language model is configured (set OPENAI_API_KEY for written answers), "
    "so here is an outline:"
)
HIT_CHARS = 300
INDENT = "    "


def page_label(pages: Iterable[int]) -> str:
    """Like "p. 2", "pp. 2-4" (a run) or "pp. 2, 5, 9"; "" without pages."""
    numbers = sorted(set(pages))
    if not numbers:
        return ""
    if len(numbers) == 1:
        return f"p. {numbers[0]}"
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"pp. {numbers[0]}-{numbers[-1]}"
    return "pp. " + ", ".join(map(str, numbers))


def where(source: str, headings: Iterable[str], pages: Iterable[int]) -> str:
    """Like "handbook.md — Vacation, p. 2": the document, its sections, its pages."""
    sections = "; ".join(dict.fromkeys(headings))
    label = source + (f" — {sections}" if sections else "")
    pages_text = page_label(pages)
    return f"{label}, {pages_text}" if pages_text else label


def source_lines(citations: Sequence[Citation]) -> list[str]:
    """One line per document, in order of first citation: "[1][3] handbook.md — Vacation, p. 2"."""
    by_doc: dict[str, list[Citation]] = {}
    for citation in citations:
        by_doc.setdefault(citation.doc_id, []).append(citation)
    lines = []
    for group in by_doc.values():
        numbers = "".join(f"[{c.number}]" for c in group)
        headings = [c.headings[-1] for c in group if c.headings]
        pages = [p for c in group for p in c.pages]
        lines.append(f"{numbers} {where(group[0].source, headings, pages)}")
    return lines


def answer_body(answer: Answer) -> str:
    """The answer itself: the model's text, the extractive passages, or that nothing matched."""
    if answer.kind == "no_results":
        return NO_RESULTS
    if answer.kind == "extractive":
        passages = [
            textwrap.fill(f"[{c.number}] {c.snippet}", width=100, subsequent_indent=INDENT)
            for c in answer.cited
        ]
        return "\n\n".join([EXTRACTIVE_NOTE, *passages])
    if answer.kind == "outline":
        return f"{OUTLINE_NOTE}\n\n{answer.text}"
    return answer.text


def answer_sources(answer: Answer) -> str:
    """The "Sources:" block under an answer ("" when it cites none)."""
    if answer.kind == "no_results" or not answer.cited:
        return ""
    return "Sources:\n" + "\n".join(f"  {line}" for line in source_lines(answer.cited))


def hit_text(number: int, hit: SearchHit) -> str:
    heading = hit.headings[-1:] if hit.headings else ()
    title = f"[{number}] {where(hit.source, heading, hit.pages)}  (score {hit.score:.4f})"
    body = " ".join(hit.text.split())
    if len(body) > HIT_CHARS:
        body = body[: HIT_CHARS - 1].rsplit(" ", 1)[0] + "…"
    wrapped = textwrap.fill(body, width=100, initial_indent=INDENT, subsequent_indent=INDENT)
    return f"{title}\n{wrapped}"


def receipt_line(receipt: IngestReceipt) -> str:
    """Like "✓ specs.pdf: added — 3 pages, 12 chunks, 1 table (2.3 s)"."""
    return f"✓ {receipt.source}: {receipt.outcome} — {receipt.counts} ({receipt.seconds:.1f} s)"


def failure_line(name: str, reason: str) -> str:
    return f"✗ {name}: {reason}"


def ingest_summary(ingested: int, total: int) -> str:
    return f"{ingested} of {plural(total, 'file')} ingested"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Columns padded to their widest cell, two spaces apart (easy to read, ``cut`` and ``awk``)."""
    cells = [list(map(str, headers)), *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )


def key_values(items: Mapping[str, object]) -> str:
    """One "key: value" line per item, keys right-aligned."""
    width = max((len(key) for key in items), default=0)
    return "\n".join(f"{key:>{width}}: {value}" for key, value in items.items())


def documents_table(docs: Sequence[DocumentInfo]) -> str:
    rows = [(d.doc_id, d.source, ",".join(d.scopes), d.pages, d.chunks) for d in docs]
    return table(("doc_id", "source", "scopes", "pages", "chunks"), rows)
