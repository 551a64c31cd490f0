"""Financial-statement vocabulary for keyword search.

Analysts ask for metrics ("quick ratio", "capex", "operating margin") that a filing never prints
under that name: it prints the line items they are computed from ("Total current liabilities",
"Purchases of property, plant and equipment", "Operating income"). BM25 can only match words that
are there, so a question naming a metric finds the commentary that mentions it, not the statement
page that holds its figures (docs/benchmarks.md, "Long PDFs").

``expand`` adds, for each metric or statement a question names, the line items of its textbook
definition (the words printed on the statement), to the text BM25 searches with. The list comes
from standard accounting definitions, not from any question set; dense search and the re-ranker
still read the question as asked. ``statements_for`` names the statements those line items are
printed on, whose pages ``rag.statements`` then brings to the top sources.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from rag.statements import StatementKind


class Term(NamedTuple):
    """What a question says (a pattern matched on the lower-cased question, whole words only),
    the statement words to search with as well, and the statements its figures are printed on."""

    pattern: str
    words: str
    statements: tuple[StatementKind, ...]


TERMS: tuple[Term, ...] = (
    # statements
    Term(
        r"cash ?flow statements?|statements? of cash ?flows?",
        "consolidated statements of cash flows operating activities investing activities "
        "financing activities",
        ("cash_flow",),
    ),
    Term(
        r"balance sheets?|statements? of financial position",
        "consolidated balance sheets total assets total liabilities shareholders equity",
        ("balance",),
    ),
    Term(
        r"income statements?|statements? of (?:income|operations|earnings)|p&l|profit and loss",
        "consolidated statements of income operations net revenues cost of sales net income",
        ("income",),
    ),
    # cash flow metrics
    Term(
        r"capital expenditures?|capex",
        "purchases of property plant and equipment capital expenditures additions",
        ("cash_flow",),
    ),
    # capital intensity: capital spent (cash flow) and assets held (balance sheet) per sale
    Term(
        r"capital[- ]intensive|capital intensity",
        "purchases of property plant and equipment capital expenditures additions",
        ("cash_flow", "balance"),
    ),
    Term(
        r"free cash ?flows?|fcf|cash ?flow conversion|cash conversion",
        "net cash provided by operating activities purchases of property plant and equipment",
        ("cash_flow",),
    ),
    Term(
        r"cash (?:flow )?from operations|operating cash ?flows?",
        "net cash provided by operating activities",
        ("cash_flow",),
    ),
    Term(r"d&a|depreciation", "depreciation and amortization", ("cash_flow",)),
    Term(
        r"dividend payout|payout ratio", "cash dividends paid net income", ("cash_flow", "income")
    ),
    Term(
        r"buybacks?|share repurchases?|stock repurchases?",
        "repurchases of common stock",
        ("cash_flow",),
    ),
    # profitability
    Term(
        r"gross margins?|gross profit",
        "gross profit gross margin net sales revenues cost of sales cost of goods sold",
        ("income",),
    ),
    Term(
        r"operating margins?|operating profit",
        "operating income net revenues total net sales",
        ("income",),
    ),
    Term(r"ebitdar?", "operating income depreciation and amortization", ("income", "cash_flow")),
    Term(r"ebit|interest coverage", "operating income interest expense", ("income",)),
    Term(r"net margins?|net profit margin", "net income net revenues", ("income",)),
    Term(
        r"effective tax rate|tax rate",
        "provision for income taxes income before income taxes",
        ("income",),
    ),
    Term(r"return on assets|roa", "net income total assets", ("income", "balance")),
    Term(r"return on equity|roe", "net income total shareholders equity", ("income", "balance")),
    Term(r"eps|earnings per share", "earnings per share diluted", ("income",)),
    Term(r"cogs|cost of goods sold", "cost of sales cost of goods sold", ("income",)),
    Term(r"sg&a", "selling general and administrative expenses", ("income",)),
    Term(r"revenue growth|top ?line|sales growth", "total net revenues net sales", ("income",)),
    # balance sheet metrics
    Term(
        r"quick ratio|acid[- ]test",
        "cash and cash equivalents marketable securities accounts receivable total current "
        "liabilities",
        ("balance",),
    ),
    Term(
        r"working capital|current ratio|liquidity",
        "total current assets total current liabilities",
        ("balance",),
    ),
    Term(r"pp&e|ppne|fixed assets?", "property plant and equipment net", ("balance",)),
    Term(
        r"fixed asset turnover|asset turnover",
        "property plant and equipment net revenues",
        ("balance", "income"),
    ),
    Term(
        r"inventory turnover|days (?:of )?inventory|dio",
        "cost of sales inventories",
        ("income", "balance"),
    ),
    Term(
        r"days payable outstanding|dpo",
        "accounts payable cost of sales inventories",
        ("balance", "income"),
    ),
    Term(r"days sales outstanding|dso", "accounts receivable net revenues", ("balance", "income")),
    Term(
        r"debt to equity|debt-to-equity|leverage ratio|net debt",
        "long-term debt short-term borrowings total equity",
        ("balance",),
    ),
)
PATTERNS = tuple((re.compile(rf"(?<![\w&])(?:{t.pattern})(?![\w&])"), t) for t in TERMS)


def _named_terms(question: str) -> list[Term]:
    asked = question.lower()
    return [term for pattern, term in PATTERNS if pattern.search(asked)]


def statement_words(question: str) -> str:
    """The statement words for every metric or statement ``question`` names ("" if none)."""
    found: list[str] = []
    for term in _named_terms(question):
        if term.words not in found:
            found.append(term.words)
    return " ".join(found)


def statements_for(question: str) -> list[StatementKind]:
    """The statements whose figures the metrics ``question`` names are computed from, in the
    order the question names them."""
    found: list[StatementKind] = []
    for term in _named_terms(question):
        found.extend(kind for kind in term.statements if kind not in found)
    return found


def expand(question: str) -> str:
    """``question`` followed by the statement words it implies, for keyword search."""
    extra = statement_words(question)
    return f"{question} {extra}" if extra else question
