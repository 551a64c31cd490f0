"""The primary financial statements of a filing: on which page each one is printed.

A question about a metric ("operating margin", "quick ratio", "capex") is answered from the
statement the metric is computed from, but the statement page rarely wins a search: its chunks
are rows of figures, each holding a few of the line items, while the commentary that names the
metric is prose. ``statement_pages`` finds, in one document's chunks, the page of its income
statement, balance sheet and cash flow statement: the page whose chunks hold the most of the
statement's textbook line items, with its title as a tie-breaker worth a few of them (titles are
often lost or split by PDF text extraction, "Balance Shee t", so they cannot be required).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Literal

from rag.focus import version_of
from rag.models import SearchHit
from rag.rerank import page_key, words

StatementKind = Literal["income", "balance", "cash_flow"]
STATEMENTS: tuple[StatementKind, ...] = ("income", "balance", "cash_flow")

# Titles, matched on the lower-cased letters of a chunk's first characters (spaces removed, so a
# title split by extraction still matches).
TITLES: dict[StatementKind, re.Pattern[str]] = {
    "income": re.compile(
        r"statements?of(?:consolidated)?(?:income|operations|earnings)|incomestatements?"
    ),
    "balance": re.compile(
        r"balancesheets?|statements?of(?:consolidated)?financial(?:position|condition)"
    ),
    "cash_flow": re.compile(r"statements?of(?:consolidated)?cashflows?"),
}
TITLE_HEAD_CHARS = 200
TITLE_WEIGHT = 3  # a title counts as much as this many line items

# Line items every such statement prints, each under one of a few names (lower-cased substrings:
# plain substring tests read a long filing in milliseconds, where patterns took a second).
LINE_ITEMS: dict[StatementKind, tuple[tuple[str, ...], ...]] = {
    "income": (
        ("revenue", "net sales", "total sales"),
        (
            "cost of sales",
            "costs of sales",
            "cost of revenue",
            "cost of goods sold",
            "cost of products sold",
        ),
        (
            "operating income",
            "operating profit",
            "income from operations",
            "operating expenses",
            "operating loss",
        ),
        ("interest expense",),
        ("before income taxes", "before provision for income taxes", "before income tax"),
        (
            "provision for income taxes",
            "income tax expense",
            "benefit from income taxes",
            "income tax provision",
            "taxes on income",
        ),
        ("net income", "net earnings", "net loss"),
        ("per share", "per common share"),
        ("diluted",),
        ("weighted average", "weighted-average"),
    ),
    "balance": (
        ("cash and cash equivalents",),
        ("receivable",),
        ("inventories", "inventory"),
        ("total current assets",),
        ("property, plant and equipment", "property and equipment", "property plant and equipment"),
        ("goodwill",),
        ("total assets",),
        ("total current liabilities",),
        ("long-term debt", "long term debt"),
        ("total liabilities",),
        ("retained earnings", "accumulated deficit"),
        ("shareholders", "stockholders", "shareowners", "total equity"),
    ),
    "cash_flow": (
        ("operating activities",),
        ("investing activities",),
        ("financing activities",),
        ("depreciation",),
        ("deferred income taxes", "deferred taxes", "deferred income tax"),
        ("receivable",),
        (
            "purchases of property",
            "additions to property",
            "capital expenditures",
            "payments for property",
            "additions to plant",
        ),
        ("dividends paid", "payments of dividends", "cash dividends", "dividend payments"),
        (
            "repurchase",
            "purchases of treasury",
            "purchases of common stock",
            "purchase of common stock",
        ),
        ("beginning of", "end of"),
    ),
}
MIN_LINE_ITEMS = 5  # fewer, and a page is a table that mentions a few rows, not the statement
MAX_STATEMENT_PAGES = 2  # places of the top k a question's statements may take
MIN_DIGIT_SHARE = 0.05  # statement pages are figures (filings: >= 6.5%; half of all pages < 2.3%)


def statement_pages(chunks: Sequence[SearchHit]) -> dict[StatementKind, int]:
    """The page each statement is printed on, for the statements found in ``chunks`` (one
    document's chunks; chunks without pages are not statements)."""
    texts: dict[int, list[str]] = defaultdict(list)
    titled: dict[StatementKind, set[int]] = defaultdict(set)
    for chunk in chunks:
        if not chunk.pages:
            continue
        page = min(chunk.pages)
        texts[page].append(chunk.text.lower())
        head = re.sub(r"[^a-z]", "", chunk.text[:TITLE_HEAD_CHARS].lower())
        for kind, title in TITLES.items():
            if title.search(head):
                titled[kind].add(page)
    pages = {page: "\n".join(parts) for page, parts in texts.items()}
    pages = {page: text for page, text in pages.items() if _digit_share(text) >= MIN_DIGIT_SHARE}
    found: dict[StatementKind, int] = {}
    for kind in STATEMENTS:
        best: tuple[int, int] | None = None  # (score, -page)
        for page, text in pages.items():
            items = sum(any(name in text for name in names) for names in LINE_ITEMS[kind])
            if items < MIN_LINE_ITEMS:
                continue
            candidate = (items + TITLE_WEIGHT * (page in titled[kind]), -page)
            if best is None or candidate > best:
                best = candidate
        if best is not None:
            found[kind] = -best[1]
    return found


def _digit_share(text: str) -> float:
    return sum(ch.isdigit() for ch in text) / len(text) if text else 0.0


class StatementPageFinder:
    """Each document version's statement pages (their chunks), found from its chunks on first
    use and kept for the ``capacity`` versions used last (a version's chunks never change)."""

    def __init__(self, chunks_of: Callable[[str], list[SearchHit]], capacity: int = 64) -> None:
        self._chunks_of = chunks_of
        self._capacity = capacity
        self._found: OrderedDict[str, dict[StatementKind, list[SearchHit]]] = OrderedDict()
        self._lock = threading.Lock()

    def pages(self, version: str) -> dict[StatementKind, list[SearchHit]]:
        with self._lock:
            if version in self._found:
                self._found.move_to_end(version)
                return self._found[version]
        chunks = self._chunks_of(version)
        found = {
            kind: [c for c in chunks if c.pages and min(c.pages) == page]
            for kind, page in statement_pages(chunks).items()
        }
        with self._lock:
            self._found[version] = found
            while len(self._found) > self._capacity:
                self._found.popitem(last=False)
        return found


def with_statement_pages(
    ranked: Sequence[SearchHit],
    wanted: Sequence[StatementKind],
    finder: StatementPageFinder,
    *,
    keywords: str,
    k: int,
) -> list[SearchHit]:
    """``ranked`` with the ``wanted`` statement pages of its leading document right after its
    best source: at most ``MAX_STATEMENT_PAGES``, none whose page is already in the top ``k``.
    Of a statement page's chunks, the one sharing most words with ``keywords`` (the question
    and its statement words) stands for the page; the model reads its neighbours too."""
    if not wanted or not ranked or not ranked[0].pages:
        return list(ranked)  # an unpaged document (HTML, Markdown...) has no statement pages
    lead = ranked[0]
    found = finder.pages(version_of(lead))
    shown = {page_key(h) for h in ranked[:k]}
    asked = words(keywords)
    added: list[SearchHit] = []
    for kind in wanted:
        chunks = found.get(kind)
        if not chunks or page_key(chunks[0]) in shown:
            continue
        best = max(chunks, key=lambda c: (len(asked & words(c.text)), -c.chunk_index))
        added.append(replace(best, score=lead.score))
        shown.add(page_key(best))
        if len(added) == MAX_STATEMENT_PAGES:
            break
    placed = {h.chunk_id for h in added}
    return [lead, *added, *(h for h in ranked[1:] if h.chunk_id not in placed)]
