"""Financial-statement vocabulary for keyword search.

Analysts ask for metrics ("quick ratio", "capex", "operating margin") that a filing never prints
under that name: it prints the line items they are computed from ("Total current liabilities",
"Purchases of property, plant and equipment", "Operating income"). BM25 can only match words that
are there, so a question naming a metric finds the commentary that mentions it, not the statement
page that holds its figures (docs/benchmarks.md, "Long PDFs").

``expand`` adds, for each metric or statement a question names, the line items of its textbook
definition (the words printed on the statement), to the text BM25 searches with. The list comes
from standard accounting definitions, not from any question set; dense search and the re-ranker
still read the question as asked.
"""

from __future__ import annotations

import re

# (what a question says, the statement words to search with as well); patterns are matched on
# the lower-cased question, whole words only.
TERMS: tuple[tuple[str, str], ...] = (
    # statements
    (
        r"cash ?flow statements?|statements? of cash ?flows?",
        "consolidated statements of cash flows operating activities investing activities "
        "financing activities",
    ),
    (
        r"balance sheets?|statements? of financial position",
        "consolidated balance sheets total assets total liabilities shareholders equity",
    ),
    (
        r"income statements?|statements? of (?:income|operations|earnings)|p&l|profit and loss",
        "consolidated statements of income operations net revenues cost of sales net income",
    ),
    # cash flow metrics
    (
        r"capital expenditures?|capex|capital[- ]intensive|capital intensity",
        "purchases of property plant and equipment capital expenditures additions",
    ),
    (
        r"free cash ?flows?|fcf|cash ?flow conversion|cash conversion",
        "net cash provided by operating activities purchases of property plant and equipment",
    ),
    (
        r"cash (?:flow )?from operations|operating cash ?flows?",
        "net cash provided by operating activities",
    ),
    (r"d&a|depreciation", "depreciation and amortization"),
    (r"dividend payout|payout ratio", "cash dividends paid net income"),
    (r"buybacks?|share repurchases?|stock repurchases?", "repurchases of common stock"),
    # profitability
    (
        r"gross margins?|gross profit",
        "gross profit gross margin net sales revenues cost of sales cost of goods sold",
    ),
    (r"operating margins?|operating profit", "operating income net revenues total net sales"),
    (r"ebitdar?", "operating income depreciation and amortization"),
    (r"ebit|interest coverage", "operating income interest expense"),
    (r"net margins?|net profit margin", "net income net revenues"),
    (r"effective tax rate|tax rate", "provision for income taxes income before income taxes"),
    (r"return on assets|roa", "net income total assets"),
    (r"return on equity|roe", "net income total shareholders equity"),
    (r"eps|earnings per share", "earnings per share diluted"),
    (r"cogs|cost of goods sold", "cost of sales cost of goods sold"),
    (r"sg&a", "selling general and administrative expenses"),
    (
        r"revenue growth|top ?line|sales growth",
        "total net revenues net sales",
    ),
    # balance sheet metrics
    (
        r"quick ratio|acid[- ]test",
        "cash and cash equivalents marketable securities accounts receivable total current "
        "liabilities",
    ),
    (
        r"working capital|current ratio|liquidity",
        "total current assets total current liabilities",
    ),
    (r"pp&e|ppne|fixed assets?", "property plant and equipment net"),
    (r"fixed asset turnover|asset turnover", "property plant and equipment net revenues"),
    (r"inventory turnover|days (?:of )?inventory|dio", "cost of sales inventories"),
    (r"days payable outstanding|dpo", "accounts payable cost of sales inventories"),
    (r"days sales outstanding|dso", "accounts receivable net revenues"),
    (
        r"debt to equity|debt-to-equity|leverage ratio|net debt",
        "long-term debt short-term borrowings total equity",
    ),
)
PATTERNS = tuple((re.compile(rf"(?<![\w&])(?:{p})(?![\w&])"), words) for p, words in TERMS)


def statement_words(question: str) -> str:
    """The statement words for every metric or statement ``question`` names ("" if none)."""
    asked = question.lower()
    found: list[str] = []
    for pattern, words in PATTERNS:
        if pattern.search(asked) and words not in found:
            found.append(words)
    return " ".join(found)


def expand(question: str) -> str:
    """``question`` followed by the statement words it implies, for keyword search."""
    extra = statement_words(question)
    return f"{question} {extra}" if extra else question
