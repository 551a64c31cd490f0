"""The CLI's words: plain text from plain data, no terminal needed."""

from __future__ import annotations

from rag import render
from rag.models import Answer, Citation, DocumentInfo, IngestReceipt, SearchHit


def cite(
    n: int, doc: str = "H", source: str = "handbook.md", pages: tuple[int, ...] = (), *heads: str
) -> Citation:
    return Citation(n, doc, f"{doc}#{n}", source, None, pages, f"passage {n}", 0.5, heads)


def test_page_labels() -> None:
    assert render.page_label([]) == ""
    assert render.page_label([4, 4]) == "p. 4"
    assert render.page_label([3, 2, 4]) == "pp. 2-4"
    assert render.page_label([9, 2, 5]) == "pp. 2, 5, 9"


def test_sources_are_listed_once_per_document_with_sections_and_pages() -> None:
    citations = [
        cite(1, "H", "handbook.md", (2,), "Handbook", "Vacation"),
        cite(2, "S", "specs.pdf", (7,)),
        cite(3, "H", "handbook.md", (3,), "Handbook", "Public holidays"),
        cite(4, "H", "handbook.md", (2,), "Handbook", "Vacation"),
    ]

    assert render.source_lines(citations) == [
        "[1][3][4] handbook.md — Vacation; Public holidays, pp. 2-3",
        "[2] specs.pdf, p. 7",
    ]


def test_answers_by_kind() -> None:
    passages = [cite(1, "H", "handbook.md", (), "Vacation"), cite(2)]
    extractive = Answer("q", "", "extractive", passages, passages)
    generated = Answer("q", "25 days [1].", "generated", passages, passages[:1])
    nothing = Answer("q", "", "no_results")

    assert render.answer_body(extractive).splitlines()[0] == render.EXTRACTIVE_NOTE
    assert "[1] passage 1\n\n[2] passage 2" in render.answer_body(extractive)
    assert render.answer_body(generated) == "25 days [1]."
    assert render.answer_sources(generated) == "Sources:\n  [1] handbook.md — Vacation"
    assert render.answer_body(nothing) == render.NO_RESULTS
    assert render.answer_sources(nothing) == ""


def test_receipts_count_pages_only_where_the_format_has_them() -> None:
    def receipt(source: str, pages: int, chunks: int, tables: int) -> str:
        return render.receipt_line(
            IngestReceipt("D", source, "added", pages, chunks, tables, 1.25, ("global",))
        )

    assert (
        receipt("specs.pdf", 3, 12, 1) == "✓ specs.pdf: added — 3 pages, 12 chunks, 1 table (1.2 s)"
    )
    assert receipt("deck.pptx", 1, 2, 0) == "✓ deck.pptx: added — 1 slide, 2 chunks (1.2 s)"
    assert receipt("notes.md", 0, 1, 2) == "✓ notes.md: added — 1 chunk, 2 tables (1.2 s)"
    assert receipt("page.html", 1, 5, 0) == "✓ page.html: added — 5 chunks (1.2 s)"
    assert render.ingest_summary(2, 3) == "2 of 3 files ingested"
    assert render.ingest_summary(1, 1) == "1 of 1 file ingested"


def test_a_search_hit_names_its_section_and_page_and_stays_short() -> None:
    hit = SearchHit(
        "H#0", "H", "specs.pdf", None, "word " * 200, ("Specs", "Battery"), (2,), 0, 0.25
    )

    title, *body = render.hit_text(1, hit).splitlines()

    assert title == "[1] specs.pdf — Battery, p. 2  (score 0.2500)"
    assert all(line.startswith("    word") for line in body)
    assert sum(len(line) for line in body) < render.HIT_CHARS + 20


def test_tables_line_up() -> None:
    doc = DocumentInfo("file-1", "a.md", None, None, ("C1", "C2"), 0, 4, 0, "h", None)

    lines = render.documents_table([doc]).splitlines()

    assert lines[0].split() == ["doc_id", "source", "scopes", "pages", "chunks"]
    assert lines[1].split() == ["file-1", "a.md", "C1,C2", "0", "4"]
    assert lines[0].index("source") == lines[1].index("a.md")
    assert render.key_values({"documents": 2, "chunks": 10}) == "documents: 2\n   chunks: 10"
