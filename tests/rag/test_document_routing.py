"""Which questions are about whole documents, and which documents they name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rag.document_routing import named_documents, route
from rag.models import DocumentInfo


def doc(doc_id: str, source: str, day: int, chunks: int = 5) -> DocumentInfo:
    return DocumentInfo(
        doc_id=doc_id,
        source=source,
        url=None,
        origin=None,
        scopes=("C1",),
        pages=3,
        chunks=chunks,
        tables=0,
        content_hash="h",
        updated_at=datetime(2025, 1, day, tzinfo=UTC),
    )


TRAVEL = doc("F1", "travel-policy.docx", 1)
HANDBOOK = doc("F2", "handbook.md", 3)
SPECS = doc("F3", "product-specs.pdf", 2)
PAGE = doc("url:1", "https://intranet.example.com/wiki/expenses-guide.html", 1)
DOCS = [TRAVEL, HANDBOOK, SPECS, PAGE]


@pytest.mark.parametrize(
    ("question", "task", "chosen"),
    [
        ("Summarise the most recently shared document.", "summarise", [HANDBOOK]),
        ("Summarise the latest document", "summarise", [HANDBOOK]),
        ("tl;dr of this file please", "summarise", [HANDBOOK]),
        ("give me an overview of the two latest files", "summarise", [HANDBOOK, SPECS]),
        ("what is in travel-policy.docx?", "summarise", [TRAVEL]),
        ("What's in the travel policy?", "summarise", [TRAVEL]),
        ("summarise product specs", "summarise", [SPECS]),
        ("what is expenses-guide.html about?", "summarise", [PAGE]),
        ("compare these two files", "compare", [HANDBOOK, SPECS]),
        ("Compare handbook.md and travel-policy.docx", "compare", [HANDBOOK, TRAVEL]),
        ("compare travel-policy.docx with the latest one", "compare", [TRAVEL, HANDBOOK]),
        ("what are the differences between both documents?", "compare", [HANDBOOK, SPECS]),
    ],
)
def test_whole_document_questions_are_routed(question: str, task: str, chosen: list) -> None:
    request = route(question, DOCS)

    assert request is not None
    assert request.task == task
    assert list(request.documents) == chosen


@pytest.mark.parametrize(
    "question",
    [
        "What does travel-policy.docx say about taxis?",
        "How many vacation days do we get?",
        "What does our documentation say about time off?",
        "What can you do, and which documents can you see here?",
        "summarise the discussion above",
        "what is the difference in vacation days between staff and contractors?",
        "what is the policy about?",
    ],
)
def test_other_questions_go_to_retrieval(question: str) -> None:
    assert route(question, DOCS) is None


def test_nothing_is_routed_without_readable_documents() -> None:
    empty = doc("F9", "blank.pdf", 5, chunks=0)

    assert route("summarise the latest document", []) is None
    assert route("summarise the latest document", [empty]) is None


def test_a_number_of_bullet_points_is_not_a_number_of_documents() -> None:
    request = route("Summarise the latest document in 3 bullet points", DOCS)

    assert request is not None
    assert list(request.documents) == [HANDBOOK]


def test_names_are_found_in_the_order_asked_and_short_stems_are_ignored() -> None:
    short = doc("F5", "a.md", 1)

    found = named_documents("compare handbook.md and the travel policy, a or b", [*DOCS, short])

    assert found == [HANDBOOK, TRAVEL]
