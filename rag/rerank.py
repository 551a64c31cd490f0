"""Second-stage ranking: the wide list of hybrid candidates re-ordered before the top k are kept.

``EvidenceReranker`` needs no model and no download. It combines four signals, each in [0, 1]:

* the chunk's own first-stage rank (hybrid dense + BM25, fused by RRF);
* document evidence: how much of the candidate list comes from the chunk's document (a filing
  that holds ten good candidates is likelier the right one than a filing with one), when the
  question names one of the candidates' documents; for a question that names none, it mostly
  measures how long a document is, and counts for less;
* document identity: how much of the document's readable name (company, year, "travel policy")
  the question names;
* page evidence: how much of the candidate list sits on the chunk's page (pages as a unit
  between the document and the chunk: a statement's rows, split over several chunks, add up);
* exact identifiers: codes the question quotes ("NW-LAP-0042", "ISO-27001", "PO 4711-B") that
  the chunk contains verbatim (meaning alone does not find a part number).

Other rerankers (a cross-encoder, a chat model) share the same small interface.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from rag.chunking import readable_name
from rag.models import SearchHit

TOKEN = re.compile(r"[a-z0-9]+(?:&[a-z0-9]+)*")
CODE = re.compile(
    r"(?=[\w./-]{0,64}\d)(?=[\w./-]{0,64}[a-z])[a-z0-9]+(?:[./-][a-z0-9]+)+|[a-z]+\d[a-z0-9]{0,64}",
    re.I,
)
YEAR_IN_WORD = re.compile(r"(?:fy|cy|q[1-4])?((?:19|20)\d{2})(?:q[1-4])?$")
# words of file names that say what kind of document it is, not which one
GENERIC_NAME_WORDS = frozenset(
    [
        "10k",
        "10q",
        "8k",
        "20f",
        "6k",
        "k",
        "q",
        "earnings",
        "dated",
        "report",
        "annual",
        "quarterly",
        "final",
        "draft",
        "copy",
        "v1",
        "v2",
        "the",
        "of",
        "and",
        "a",
        "an",
        "for",
        "inc",
        "corp",
        "co",
        "company",
        "ltd",
        "plc",
        "llc",
        "document",
        "file",
        "pdf",
        "docx",
        "doc",
        "new",
    ]
)


class Reranker(Protocol):
    """Re-orders candidates best-first; may change ``score``; returns every candidate given."""

    name: str

    def rerank(self, question: str, hits: Sequence[SearchHit]) -> list[SearchHit]: ...


def words(text: str) -> set[str]:
    """Lower-case word tokens, with years also split out of "FY2018" and "2023Q2"."""
    found = set()
    for token in TOKEN.findall(text.lower()):
        found.add(token)
        year = YEAR_IN_WORD.match(token)
        if year:
            found.add(year.group(1))
    return found


def asked_words(question: str) -> set[str]:
    """The question's words, and runs of two or three of them joined as file names glue them
    ("American Express" also gives "americanexpress", as in AMERICANEXPRESS_2022_10K.pdf)."""
    tokens = TOKEN.findall(question.lower())
    joined = {"".join(tokens[i : i + n]) for n in (2, 3) for i in range(len(tokens) - n + 1)}
    return words(question) | joined


def name_words(source: str) -> set[str]:
    """The words of a file name that identify the document ("3m", "2018" of 3M_2018_10K.pdf)."""
    return {
        w
        for w in words(readable_name(source))
        if w not in GENERIC_NAME_WORDS and not (w.isdigit() and len(w) < 4)
    }


@dataclass(frozen=True)
class EvidenceWeights:
    document: float = 0.5
    # a question naming no candidate document: many candidates of one document mean a long
    # document sharing common words, not the one asked about (docs/benchmarks.md, TAT-QA)
    unnamed_document: float = 0.0
    identity: float = 0.5
    page: float = 0.3
    identifier: float = 1.0
    rank_scale: float = 5.0  # rank r scores 1 / (1 + r / rank_scale)


class EvidenceReranker:
    """Document, identity and page evidence combined with each chunk's first-stage rank."""

    name = "evidence"

    def __init__(self, weights: EvidenceWeights = EvidenceWeights()) -> None:
        self.weights = weights

    def rerank(self, question: str, hits: Sequence[SearchHit]) -> list[SearchHit]:
        if len(hits) < 2:
            return list(hits)
        w = self.weights
        own = [1.0 / (1.0 + rank / w.rank_scale) for rank in range(len(hits))]
        document = _normalized(_mass(hits, own, lambda h: h.doc_id))
        page = _normalized(_mass(hits, own, page_key))
        asked = asked_words(question)
        identity = {h.doc_id: _identity_match(asked, h.source) for h in hits}
        document_weight = w.document if _names_any(asked, hits) else w.unnamed_document
        wanted = codes(question)
        scored = [
            (
                own[i]
                + document_weight * document[h.doc_id]
                + w.identity * identity[h.doc_id]
                + w.page * page[page_key(h)]
                + w.identifier * _code_match(wanted, h.text),
                -i,
                h,
            )
            for i, h in enumerate(hits)
        ]
        scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return [replace(h, score=score) for score, _, h in scored]


def spread_over_pages(hits: Sequence[SearchHit], per_page: int) -> list[SearchHit]:
    """``hits`` with at most ``per_page`` chunks of any one page ahead of the rest (each part in
    its own order; 0: unchanged).

    Chunks of one page rank together (the page evidence above lifts them as a group), so the top
    k often holds the same page two or three times and no other page of the document. The model
    reads a source's neighbours anyway (``rag.context``); what it lacks then is the next page.
    """
    if per_page <= 0:
        return list(hits)
    seen: dict[str, int] = defaultdict(int)
    first: list[SearchHit] = []
    rest: list[SearchHit] = []
    for hit in hits:
        key = page_key(hit)
        (first if seen[key] < per_page else rest).append(hit)
        seen[key] += 1
    return first + rest


def codes(text: str) -> set[str]:
    """Identifier-like tokens (letters and digits together, e.g. "NW-LAP-0042", "A4711"), not
    fiscal periods ("FY2018", "Q2", "2023Q2") that many chunks share."""
    found = set()
    for match in CODE.finditer(text):
        token = match.group(0).lower().strip("./-")
        if len(token) >= 4 and not PERIOD.fullmatch(token):
            found.add(token)
    return found


PERIOD = re.compile(
    r"(?:fy|cy|h[12]|q[1-4])?'?\d{2,4}(?:q[1-4]|h[12])?|(?:10|20)-?[kqf]|\d+(?:st|nd|rd|th)"
)


def _code_match(wanted: set[str], text: str) -> float:
    if not wanted:
        return 0.0
    flat = text.lower()
    return sum(code in flat for code in wanted) / len(wanted)


def page_key(hit: SearchHit) -> str:
    """One key per page of a document (per chunk where a chunk has no page)."""
    return f"{hit.doc_id}#{min(hit.pages)}" if hit.pages else f"{hit.doc_id}#{hit.chunk_id}"


def _mass(
    hits: Sequence[SearchHit], own: Sequence[float], key: Callable[[SearchHit], str]
) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for hit, score in zip(hits, own, strict=True):
        totals[key(hit)] += score
    return totals


def _normalized(values: dict[str, float]) -> dict[str, float]:
    top = max(values.values(), default=0.0) or 1.0
    return {k: v / top for k, v in values.items()}


def names_a_document(question: str, hits: Sequence[SearchHit]) -> bool:
    """Whether ``question`` names a document ``hits`` come from: a word of its file name or of
    its chunks' top heading (the title of most Markdown and HTML documents)."""
    return _names_any(asked_words(question), hits)


def _names_any(asked: set[str], hits: Sequence[SearchHit]) -> bool:
    names = {h.source for h in hits} | {h.headings[0] for h in hits if h.headings}
    return any(_identity_match(asked, name) > 0 for name in names)


def _identity_match(asked: set[str], source: str) -> float:
    """The share of the document's identifying name words that the question contains."""
    wanted = name_words(source)
    return len(wanted & asked) / len(wanted) if wanted else 0.0


class ChainedReranker:
    """``first`` orders every candidate, then ``second`` re-orders that list (a model reads the
    best of it)."""

    def __init__(self, first: Reranker, second: Reranker) -> None:
        self.first = first
        self.second = second
        self.name = f"{first.name}+{second.name}"

    def rerank(self, question: str, hits: Sequence[SearchHit]) -> list[SearchHit]:
        return self.second.rerank(question, self.first.rerank(question, hits))
