"""Document focus: the leading document searched again, its best pages first, one place kept for
another document."""

from __future__ import annotations

from rag.focus import focus_on_leading_document, version_of
from rag.models import SearchHit
from rag.rerank import EvidenceReranker


def hit(doc: str, page: int, n: int) -> SearchHit:
    return SearchHit(
        chunk_id=f"{doc}-v1#{n}",
        doc_id=doc,
        source=f"{doc}.pdf",
        url=None,
        text=f"text {n}",
        headings=(),
        pages=(page,),
        chunk_index=n,
        score=0.0,
    )


def test_the_version_of_a_chunk_is_its_id_before_the_index() -> None:
    assert version_of(hit("10k", 3, 7)) == "10k-v1"


def test_the_leading_documents_own_search_fills_the_top_but_one_place() -> None:
    ranked = [hit("lead", 1, 0), hit("other", 5, 0), hit("lead", 2, 1), hit("third", 9, 0)]
    inside = {"lead-v1": [hit("lead", 40, 40), hit("lead", 40, 41), hit("lead", 1, 0)]}
    asked: list[tuple[str, int]] = []

    def search_inside(version: str, n: int) -> list[SearchHit]:
        asked.append((version, n))
        return inside[version][:n]

    top = focus_on_leading_document(
        "q", ranked, search_inside, EvidenceReranker(), k=4, candidates=30, others=1
    )

    assert asked == [("lead-v1", 30)]
    assert [h.doc_id for h in top] == ["lead", "lead", "lead", "other"]
    assert top[0].pages == (40,)  # the page with two candidates inside the document leads
    assert {h.chunk_id for h in top[:3]} == {"lead-v1#40", "lead-v1#41", "lead-v1#0"}


def test_a_short_leading_document_leaves_its_places_to_the_others() -> None:
    ranked = [hit("lead", 1, 0), hit("b", 1, 0), hit("c", 1, 0), hit("d", 1, 0)]

    top = focus_on_leading_document(
        "q", ranked, lambda v, n: [hit("lead", 1, 0)], EvidenceReranker(), k=3, candidates=30
    )

    assert [h.doc_id for h in top] == ["lead", "b", "c"]


def test_no_candidates_keeps_the_ranked_order() -> None:
    ranked = [hit("a", 1, 0), hit("b", 1, 0)]

    def never(version: str, n: int) -> list[SearchHit]:
        raise AssertionError("searched although focus is off")

    assert focus_on_leading_document("q", ranked, never, EvidenceReranker(), k=1, candidates=0) == [
        ranked[0]
    ]
