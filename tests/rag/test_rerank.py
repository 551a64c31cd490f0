"""The model-free second stage: document, file-name and page evidence with each chunk's rank."""

from __future__ import annotations

from dataclasses import replace

from rag.models import SearchHit
from rag.rerank import (
    EvidenceReranker,
    EvidenceWeights,
    asked_words,
    codes,
    name_words,
    names_a_document,
    spread_over_pages,
    words,
)


def hit(doc: str, page: int, n: int, source: str | None = None) -> SearchHit:
    return SearchHit(
        chunk_id=f"{doc}#{n}",
        doc_id=doc,
        source=source or f"{doc}.pdf",
        url=None,
        text=f"text {n}",
        headings=(),
        pages=(page,),
        chunk_index=n,
        score=0.0,
    )


def test_words_split_years_out_of_fiscal_periods() -> None:
    assert {"fy2018", "2018", "3m"} <= words("What was 3M's FY2018 capex?")
    assert {"2023q2", "2023"} <= words("in 2023Q2")


def test_name_words_keep_what_identifies_a_document() -> None:
    assert name_words("3M_2018_10K.pdf") == {"3m", "2018"}
    assert name_words("JOHNSON_JOHNSON_2023_8K_dated-2023-08-30.pdf") == {"johnson", "2023"}
    assert name_words("travel-policy.docx") == {"travel", "policy"}


def test_a_name_glued_in_a_file_name_is_found_in_the_question_s_words() -> None:
    assert "americanexpress" in asked_words("How much did American Express earn?")
    assert "bestbuy" in asked_words("Best Buy's FY2023 gross margin")
    hits = [
        hit("other", 1, 0, "VERIZON_2021_10K.pdf"),
        hit("amex", 9, 1, "AMERICANEXPRESS_2022_10K.pdf"),
    ]

    ranked = EvidenceReranker().rerank("American Express's effective tax rate in 2022?", hits)

    assert ranked[0].doc_id == "amex"


def test_a_document_the_question_names_moves_up() -> None:
    hits = [hit("other", 1, 0, "ACME_2020_10K.pdf"), hit("named", 9, 1, "3M_2018_10K.pdf")]

    ranked = EvidenceReranker().rerank("What was 3M's FY2018 capital expenditure?", hits)

    assert [h.doc_id for h in ranked] == ["named", "other"]


def test_a_document_with_more_candidates_outranks_a_lone_better_one() -> None:
    hits = [hit("lone", 1, 0, "ACME_2019.pdf")] + [
        hit("many", p, p, "ACME_2020.pdf") for p in range(2, 10)
    ]
    reranker = EvidenceReranker(EvidenceWeights(identity=0.0, page=0.0))

    ranked = reranker.rerank("What was ACME's revenue?", hits)  # names both documents

    assert ranked[0].doc_id == "many"
    assert ranked[0].score > ranked[-1].score


def test_document_evidence_counts_less_when_the_question_names_no_document() -> None:
    hits = [hit("lone", 1, 0, "ACME_2019.pdf")] + [
        hit("many", p, p, "ACME_2020.pdf") for p in range(2, 10)
    ]
    weights = EvidenceWeights(identity=0.0, page=0.0)

    ranked = EvidenceReranker(weights).rerank("What was the revenue?", hits)
    weighted = EvidenceReranker(replace(weights, unnamed_document=0.5)).rerank(
        "What was the revenue?", hits
    )

    assert ranked[0].doc_id == "lone"  # the first stage's best, not the longest document
    assert weighted[0].doc_id == "many"


def test_page_evidence_lifts_chunks_of_a_page_holding_many_candidates() -> None:
    hits = [hit("d", 1, 0), hit("d", 2, 1), hit("d", 2, 2), hit("d", 2, 3), hit("d", 2, 4)]

    ranked = EvidenceReranker(EvidenceWeights(document=0.0, identity=0.0, page=1.0)).rerank(
        "q", hits
    )

    assert ranked[0].pages == (2,)
    assert [h.chunk_id for h in ranked][-1] == "d#0"


def test_every_candidate_comes_back_and_no_signal_keeps_the_order() -> None:
    hits = [hit(f"doc{i}", 1, i) for i in range(6)]

    ranked = EvidenceReranker().rerank("nothing in common", hits)

    assert [h.chunk_id for h in ranked] == [h.chunk_id for h in hits]
    assert EvidenceReranker().rerank("q", hits[:1]) == hits[:1]


def test_codes_are_identifiers_not_fiscal_periods() -> None:
    assert codes("Where is NW-LAP-0042? And part A4711?") == {"nw-lap-0042", "a4711"}
    assert codes("3M's FY2018 capex in the 10-K, Q2 2023, 2023Q2, the 3rd item") == set()


def test_a_chunk_quoting_the_asked_identifier_moves_up() -> None:
    hits = [hit(f"doc{i}", 1, i) for i in range(6)]
    hits[4] = replace(hits[4], text="Shelf B, row 3: unit NW-LAP-0042 (spare).")

    ranked = EvidenceReranker().rerank("Where is NW-LAP-0042?", hits)

    assert ranked[0].chunk_id == "doc4#4"


def test_sources_spread_over_pages_before_a_page_repeats() -> None:
    same_page = [hit("a", 3, 0), hit("a", 3, 1), hit("a", 3, 2)]
    other_pages = [hit("a", 4, 3), hit("b", 3, 4)]  # page 3 of another document is another page
    ranked = [*same_page, *other_pages]

    spread = spread_over_pages(ranked, per_page=1)
    two = spread_over_pages(ranked, per_page=2)

    assert [h.chunk_id for h in spread] == ["a#0", "a#3", "b#4", "a#1", "a#2"]
    assert [h.chunk_id for h in two] == ["a#0", "a#1", "a#3", "b#4", "a#2"]
    assert spread_over_pages(ranked, per_page=0) == ranked


def test_chunks_without_pages_are_each_their_own_unit() -> None:
    paged_off = [replace(hit("md", 1, n), pages=()) for n in range(3)]

    assert spread_over_pages(paged_off, per_page=1) == paged_off


def test_a_question_names_a_document_by_its_file_name_or_its_title() -> None:
    filing = hit("acme", 3, 1, source="ACME_2020_annual_report.pdf")
    titled = replace(hit("sb", 1, 2, source="squad-001.md"), headings=("Super Bowl 50", "Part 2"))
    plain = replace(hit("t", 1, 3, source="tatqa-001.html"), headings=("Financial report 1",))

    assert names_a_document("What did ACME earn in 2020?", [plain, filing])
    assert names_a_document("Who won Super Bowl 50?", [plain, titled])
    assert not names_a_document("What was the change in revenue from 2018?", [plain, titled])
    assert not names_a_document("How many vacation days do I get?", [])
