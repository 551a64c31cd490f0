"""Two-stage retrieval: the reranker the settings ask for, and what ``KnowledgeBase.search``
gives."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from rag.embeddings import Embedder
from rag.errors import ConfigurationError
from rag.knowledge_base import KnowledgeBase
from rag.models import SearchHit, SourceInfo
from rag.rerank import ChainedReranker, EvidenceReranker
from rag.retrieval import make_reranker
from rag.settings import Settings

REPORT = (
    "# Annual report\n\n## Results\n\nRevenue was {revenue} million dollars for the year and "
    "operating costs were {costs} million dollars.\n\n## Outlook\n\nWe expect steady demand "
    "for widgets in every region next year.\n"
)


def test_the_default_second_stage_is_the_evidence_reranker(settings: Settings) -> None:
    assert isinstance(make_reranker(settings), EvidenceReranker)
    assert make_reranker(settings.model_copy(update={"reranker": "none"})) is None


def test_an_llm_reranker_needs_a_chat_model(settings: Settings) -> None:
    with pytest.raises(ConfigurationError, match="chat model"):
        make_reranker(settings.model_copy(update={"reranker": "llm"}))


def test_a_cross_encoder_that_cannot_load_offline_is_a_clear_error(settings: Settings) -> None:
    missing = settings.model_copy(
        update={"reranker": "cross-encoder", "cross_encoder_model": "/nonexistent/model"}
    )
    with pytest.raises(ConfigurationError):
        make_reranker(missing)


def test_an_llm_reranker_reads_the_evidence_order(settings: Settings) -> None:
    from rag.llm import ChatModel

    chat = ChatModel.from_settings(
        settings.model_copy(update={"chat_base_url": "http://127.0.0.1:9/v1"})
    )
    reranker = make_reranker(settings.model_copy(update={"reranker": "llm"}), chat)

    assert isinstance(reranker, ChainedReranker)
    assert reranker.name.startswith("evidence+llm")


def test_the_document_a_question_names_comes_first(settings: Settings, embedder: Embedder) -> None:
    kb = KnowledgeBase(settings, embedder=embedder)
    try:
        for year, revenue, costs in (("2019", 410, 300), ("2020", 520, 350), ("2021", 610, 390)):
            kb.ingest_bytes(
                REPORT.format(revenue=revenue, costs=costs).encode(),
                SourceInfo(f"ACME_{year}_annual_report.md"),
                doc_id=f"acme-{year}",
                scopes=["C1"],
            )

        hits = kb.search("What was ACME's revenue in 2020?", ["C1"], k=3)

        assert hits[0].doc_id == "acme-2020"
        assert "520" in hits[0].text
        assert "ACME" not in hits[0].text  # the identity is indexed, not shown
        assert len(hits) == 3
    finally:
        kb.close()


def test_search_without_a_second_stage_keeps_k(settings: Settings, embedder: Embedder) -> None:
    kb = KnowledgeBase(settings.model_copy(update={"reranker": "none"}), embedder=embedder)
    try:
        kb.ingest_bytes(
            REPORT.format(revenue=1, costs=2).encode(), SourceInfo("r.md"), doc_id="r", scopes=["C"]
        )
        assert len(kb.search("revenue", ["C"], k=1)) == 1
    finally:
        kb.close()


@pytest.mark.parametrize("stemming", [True, False])
def test_bm25_matches_other_inflections_only_with_stemming(
    settings: Settings, embedder: Embedder, stemming: bool
) -> None:
    kb = KnowledgeBase(settings.model_copy(update={"bm25_stemming": stemming}), embedder=embedder)
    try:
        statement = "# Consolidated Statements of Cash Flows\n\nPurchases of equipment: 1,577.\n"
        kb.ingest_bytes(statement.encode(), SourceInfo("s.md"), doc_id="s", scopes=["C"])

        hits = kb.search("flow statement", ["C"], mode="bm25")

        assert bool(hits) is stemming  # "flow" and "statement" only meet "Flows"/"Statements"
    finally:
        kb.close()


STATEMENT_ROWS = [
    ("Net sales", "34,229", "35,355"),
    ("Cost of sales", "19,232", "18,795"),
    ("Selling, general and administrative expenses", "9,049", "7,197"),
    ("Operating income", "6,539", "7,369"),
    ("Interest expense", "462", "488"),
    ("Income before income taxes", "6,392", "7,204"),
    ("Provision for income taxes", "612", "1,285"),
    ("Net income", "5,777", "5,921"),
    ("Earnings per share - diluted", "10.18", "10.12"),
    ("Weighted average shares outstanding - diluted", "569.2", "585.3"),
]
COMMENTARY = (
    "Acme's operating margin improved in FY2022: operating income grew faster than net sales.",
    "Our operating margin reflects pricing actions, productivity and the costs of supply.",
    "Management reviews Acme's operating margin by segment and region every quarter.",
)


def filing_pdf() -> bytes:
    """Pages like a 10-K's: commentary on operating margin, then the income statement (a page
    of figures that never says "margin"), then more commentary."""
    import io

    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=letter)
    for page in range(1, 10):
        pdf.setFont("Helvetica", 9)
        y = 740.0
        if page == 6:
            for line in ("Acme Company and Subsidiaries", "Consolidated Statement of Income"):
                pdf.drawString(57, y, line)
                y -= 11
            pdf.drawString(57, y, "(Millions, except per share amounts)")
            pdf.drawRightString(420, y, "2022")
            pdf.drawRightString(500, y, "2021")
            y -= 11
            for label, this_year, last_year in STATEMENT_ROWS:
                pdf.drawString(66, y, label)
                pdf.drawRightString(420, y, this_year)
                pdf.drawRightString(500, y, last_year)
                y -= 11
        else:
            for line in COMMENTARY:
                pdf.drawString(57, y, f"{line} (page {page})")
                y -= 11
        pdf.showPage()
    pdf.save()
    return out.getvalue()


@pytest.mark.parametrize("statement_pages", [True, False])
def test_a_metric_question_gets_the_statement_page_it_is_computed_from(
    settings: Settings, embedder: Embedder, statement_pages: bool
) -> None:
    kb = KnowledgeBase(
        # without the statement vocabulary in keyword search, which finds such pages too
        settings.model_copy(update={"statement_pages": statement_pages, "finance_terms": False}),
        embedder=embedder,
    )
    try:
        kb.ingest_bytes(filing_pdf(), SourceInfo("ACME_2022_10K.pdf"), doc_id="acme", scopes=["C"])

        hits = kb.search("Has Acme's operating margin improved in FY2022?", ["C"], k=2)

        pages = [min(h.pages) for h in hits]
        assert len(hits) == 2
        assert (pages[1] == 6) is statement_pages
        assert pages[0] != 6  # commentary leads: it says "operating margin"
    finally:
        kb.close()


@contextmanager
def acme_report_kb(
    settings: Settings, embedder: Embedder, **overrides: Any
) -> Iterator[KnowledgeBase]:
    """A knowledge base holding ACME's 2020 annual report in conversation "C"."""
    kb = KnowledgeBase(settings.model_copy(update=overrides), embedder=embedder)
    try:
        kb.ingest_bytes(
            REPORT.format(revenue=520, costs=350).encode(),
            SourceInfo("ACME_2020_annual_report.md"),
            doc_id="acme-2020",
            scopes=["C"],
        )
        yield kb
    finally:
        kb.close()


def record_searches(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every store search ``kb`` runs from now on: its keyword text and its named arguments."""
    store = kb.answerer.retriever.store
    calls: list[dict[str, Any]] = []
    search = store.search

    def recorded(vector: Any, text: str, *args: Any, **kwargs: Any) -> list[SearchHit]:
        calls.append({"text": text, **kwargs})
        return search(vector, text, *args, **kwargs)

    monkeypatch.setattr(store, "search", recorded)
    return calls


@pytest.mark.parametrize(
    ("question", "searches"),
    [
        # names the document (its file name): one search, the lists weighted alike, words only
        ("What was ACME's revenue in 2020?", [(1.0, 60, False)]),
        # names none: searched again with keyword search weighted up, as set, and word pairs
        ("What is expected for demand next year?", [(1.0, 60, False), (3.0, 10, True)]),
    ],
)
def test_a_question_naming_no_document_is_searched_again_with_keywords_weighted_up(
    settings: Settings,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
    question: str,
    searches: list[tuple[float, int, bool]],
) -> None:
    with acme_report_kb(settings, embedder, unnamed_bm25_weight=3.0, unnamed_rrf_k=10) as kb:
        calls = record_searches(kb, monkeypatch)

        hits = kb.search(question, ["C"], k=2)

        assert [(c["bm25_weight"], c["rrf_k"], c["word_pairs"]) for c in calls] == searches
        assert [h.doc_id for h in hits] == ["acme-2020", "acme-2020"]


@pytest.mark.parametrize("vocabulary", [False, True])
def test_a_question_naming_no_document_is_searched_again_for_its_own_words(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch, vocabulary: bool
) -> None:
    with acme_report_kb(settings, embedder, unnamed_finance_terms=vocabulary) as kb:
        calls = record_searches(kb, monkeypatch)
        question = "What was the gross margin?"

        kb.search(question, ["C"], k=2)

        expanded, second = (c["text"] for c in calls)
        assert expanded.startswith(question)
        assert "cost of sales" in expanded
        assert second == (expanded if vocabulary else question)
