"""Statement vocabulary added to keyword search for the financial metrics a question names."""

from __future__ import annotations

from rag.finance_terms import expand, statement_words


def test_a_metric_brings_the_line_items_it_is_computed_from() -> None:
    words = statement_words("Has AMCOR's quick ratio improved between FY2023 and FY2022?")

    assert "total current liabilities" in words
    assert "accounts receivable" in words


def test_statements_and_abbreviations_are_recognised_as_whole_words() -> None:
    assert "statements of cash flows" in statement_words("capex from the cash flow statement?")
    assert "purchases of property plant and equipment" in statement_words("FY2018 CapEx?")
    assert "depreciation and amortization" in statement_words("What was EBITDA in 2022?")
    # "ebit" inside "ebitda" is not EBIT, "roe" inside "heroes" is not return on equity
    assert "interest expense" not in statement_words("What was EBITDA in 2022?")
    assert statement_words("Who are the company's heroes?") == ""


def test_each_set_of_words_is_added_once() -> None:
    words = statement_words("gross margin and gross profit, and gross margins again")

    assert words.count("gross profit") == 1


def test_a_question_naming_no_metric_is_searched_as_asked() -> None:
    question = "How many vacation days do employees get?"

    assert expand(question) == question
    assert expand("Working capital in 2020?").startswith("Working capital in 2020? ")
