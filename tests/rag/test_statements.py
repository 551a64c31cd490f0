"""Finding a filing's statement pages, and placing them for a question about a metric."""

from __future__ import annotations

from rag.finance_terms import statements_for
from rag.models import SearchHit
from rag.statements import (
    MAX_STATEMENT_PAGES,
    StatementPageFinder,
    statement_pages,
    with_statement_pages,
)

INCOME_ROWS = (
    "Net sales: 2022 = 34,229; 2021 = 35,355 | Cost of sales: 2022 = 19,232; 2021 = 18,795 | "
    "Operating income: 2022 = 6,539; 2021 = 7,369 | Interest expense: 2022 = 462; 2021 = 488"
)
INCOME_ROWS_2 = (
    "Income before income taxes: 2022 = 6,392; 2021 = 7,204 | Provision for income taxes: "
    "2022 = 612; 2021 = 1,285 | Net income: 2022 = 5,777; 2021 = 5,921 | Earnings per share, "
    "diluted: 2022 = 10.18; 2021 = 10.12 | Weighted average shares: 2022 = 569.2; 2021 = 585.3"
)
BALANCE_ROWS = (
    "Cash and cash equivalents: 2022 = 3,655; 2021 = 4,564 | Accounts receivable: 2022 = 4,532 "
    "| Inventories: 2022 = 5,372 | Total current assets: 2022 = 14,688; 2021 = 15,403 | "
    "Property, plant and equipment - net: 2022 = 9,178 | Goodwill: 2022 = 12,790 | Total "
    "assets: 2022 = 46,455 | Total current liabilities: 2022 = 9,523 | Long-term debt: "
    "2022 = 14,001 | Total liabilities: 2022 = 31,685 | Retained earnings: 2022 = 47,950 | "
    "Total shareholders' equity: 2022 = 14,770"
)
CASH_FLOW_SUMMARY = (
    "Net cash provided by operating activities: 2022 = 5,591; 2021 = 7,454 | Net cash used in "
    "investing activities: 2022 = (1,046); 2021 = (1,317) | Net cash used in financing "
    "activities: 2022 = (5,350); 2021 = (6,145)"
)
PROSE = (
    "Operating margin declined as net sales fell and cost of sales rose; operating income, "
    "net income and earnings per share were lower, and interest expense and income taxes "
    "were discussed with the weighted average share count in the results of operations."
)


def chunk(
    index: int, text: str, pages: tuple[int, ...], doc: str = "FILING", version: str = "v1"
) -> SearchHit:
    return SearchHit(
        chunk_id=f"{doc}@{version}#{index}",
        doc_id=doc,
        source=f"{doc}.pdf",
        url=None,
        text=text,
        headings=(),
        pages=pages,
        chunk_index=index,
        score=1.0 / (index + 1),
    )


def filing(doc: str = "FILING") -> list[SearchHit]:
    return [
        chunk(0, PROSE, (20,), doc),
        chunk(1, "Summary of cash flows | " + CASH_FLOW_SUMMARY, (30,), doc),
        chunk(2, "Consolidated Statement of Income | " + INCOME_ROWS, (48,), doc),
        chunk(3, "Consolidated Statement of Income | " + INCOME_ROWS_2, (48, 49), doc),
        # extraction split the title; the rows still say what the page is
        chunk(4, "Acme Company Consolidated Balance Shee t | " + BALANCE_ROWS, (50,), doc),
        chunk(5, "Consolidated Statement of Cash Flows | " + CASH_FLOW_SUMMARY, (52,), doc),
        chunk(
            6,
            "Depreciation: 2022 = 1,831 | Deferred income taxes: 2022 = (663) | Accounts "
            "receivable: 2022 = (105) | Purchases of property, plant and equipment: 2022 = "
            "(1,749) | Cash dividends paid: 2022 = (3,369) | Purchases of treasury stock: 2022 "
            "= (1,464) | Cash and cash equivalents at end of year: 2022 = 3,655",
            (52,),
            doc,
        ),
    ]


def test_each_statement_is_found_on_the_page_that_prints_its_line_items() -> None:
    assert statement_pages(filing()) == {"income": 48, "balance": 50, "cash_flow": 52}


def test_a_summary_table_or_prose_naming_a_few_line_items_is_not_a_statement() -> None:
    found = statement_pages([c for c in filing() if min(c.pages) in (20, 30)])

    assert found == {}


def test_the_title_decides_between_pages_with_as_many_line_items() -> None:
    untitled = chunk(0, "Selected data | " + INCOME_ROWS + " | " + INCOME_ROWS_2, (40,))
    titled = chunk(1, "Consolidated Statements of Operations | " + INCOME_ROWS_2, (60,))
    titled_rows = chunk(2, INCOME_ROWS, (60,))

    assert statement_pages([untitled, titled, titled_rows]) == {"income": 60}


def test_chunks_without_pages_are_never_statements() -> None:
    unpaged = [chunk(c.chunk_index, c.text, ()) for c in filing()]

    assert statement_pages(unpaged) == {}


def test_the_finder_reads_a_version_once_and_keeps_only_the_latest_versions() -> None:
    reads: list[str] = []

    def chunks_of(version: str) -> list[SearchHit]:
        reads.append(version)
        return filing()

    finder = StatementPageFinder(chunks_of, capacity=2)
    first = finder.pages("v1")
    assert finder.pages("v1") is first
    finder.pages("v2")
    finder.pages("v3")  # v1 is the least recently used: dropped
    finder.pages("v1")

    assert reads == ["v1", "v2", "v3", "v1"]
    assert [c.chunk_index for c in first["income"]] == [2, 3]
    assert [c.chunk_index for c in first["cash_flow"]] == [5, 6]


def test_the_statement_page_comes_right_after_the_best_source() -> None:
    chunks = filing()
    ranked = [chunks[0], chunks[1], chunk(9, "Outlook.", (70,)), chunk(10, "Risks.", (12,))]
    finder = StatementPageFinder(lambda version: chunks)

    placed = with_statement_pages(
        ranked, ["income"], finder, keywords="operating margin operating income net sales", k=3
    )

    assert [min(h.pages) for h in placed] == [20, 48, 30, 70, 12]
    # of the page's two chunks, the one holding the words asked for
    assert placed[1].chunk_index == 2
    assert placed[1].score == ranked[0].score


def test_a_statement_page_already_shown_is_not_added_again_and_at_most_two_are_added() -> None:
    chunks = filing()
    finder = StatementPageFinder(lambda version: chunks)
    ranked = [chunks[0], chunks[4], chunks[1]]

    placed = with_statement_pages(
        ranked, ["balance", "income", "cash_flow"], finder, keywords="return on assets", k=5
    )

    assert MAX_STATEMENT_PAGES == 2
    assert [min(h.pages) for h in placed] == [20, 48, 52, 50, 30]


def test_only_the_leading_document_lends_its_statements() -> None:
    lead = chunk(0, PROSE, (3,), doc="MEMO", version="m1")
    chunks = {"FILING@v1": filing(), "MEMO@m1": [lead]}
    finder = StatementPageFinder(lambda version: chunks[version])
    ranked = [lead, filing()[0]]

    assert with_statement_pages(ranked, ["income"], finder, keywords="net income", k=5) == ranked


def test_questions_naming_no_metric_are_left_alone() -> None:
    finder = StatementPageFinder(lambda version: filing())
    ranked = filing()[:2]

    assert with_statement_pages(ranked, [], finder, keywords="who is the CEO", k=5) == ranked
    assert statements_for("Who is the CEO?") == []


def test_a_metric_names_the_statements_its_textbook_formula_reads() -> None:
    assert statements_for("Has AMCOR's quick ratio improved?") == ["balance"]
    assert statements_for("Is 3M a capital-intensive business?") == ["cash_flow", "balance"]
    assert statements_for("What is the FY2022 EBITDA margin?") == ["income", "cash_flow"]
    assert statements_for("Inventory turnover and gross margin in 2022?") == ["income", "balance"]
    assert statements_for("FY2018 capex from the cash flow statement?") == ["cash_flow"]


def test_an_unpaged_document_is_never_read_for_statements() -> None:
    def chunks_of(version: str) -> list[SearchHit]:
        raise AssertionError("read a document that has no pages")

    ranked = [chunk(0, PROSE, ()), chunk(1, INCOME_ROWS, ())]

    placed = with_statement_pages(
        ranked, ["income"], StatementPageFinder(chunks_of), keywords="net income", k=5
    )

    assert placed == ranked
