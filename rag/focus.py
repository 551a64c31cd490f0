"""Document focus: once the second stage has a leading document, search inside it.

A long filing holds hundreds of chunks, and the wide first stage sees only the few of them that won
against every other document. Searching again inside the leading document (the same hybrid search,
restricted to that document's version, so nothing outside what the conversation may see) brings in
the rest of its candidate pages; the reranker then orders those, led by the pages that gather
evidence, ahead of the other documents' candidates. The last of the k places stays with the best
chunk of another document, so a wrong lead still leaves a way to the right document.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rag.models import SearchHit
from rag.rerank import Reranker

SearchInside = Callable[[str, int], list[SearchHit]]  # (document version, how many) -> hits


def version_of(hit: SearchHit) -> str:
    """The document version a chunk belongs to (its id is "<version>#<index>")."""
    return hit.chunk_id.rsplit("#", 1)[0]


def focus_on_leading_document(
    question: str,
    ranked: Sequence[SearchHit],
    search_inside: SearchInside,
    reranker: Reranker,
    *,
    k: int,
    candidates: int,
    others: int = 1,
) -> list[SearchHit]:
    """The top ``k``: the leading document's best chunks (searched inside it, re-ranked), then
    the best ``others`` chunks of other documents from ``ranked``."""
    if not ranked or candidates <= 0:
        return list(ranked[:k])
    lead = ranked[0].doc_id
    inside = search_inside(version_of(ranked[0]), candidates)
    seen = {h.chunk_id for h in inside}
    own = [h for h in ranked if h.doc_id == lead and h.chunk_id not in seen]
    focused = reranker.rerank(question, [*inside, *own]) if inside else list(ranked)
    focused = [h for h in focused if h.doc_id == lead]
    elsewhere = [h for h in ranked if h.doc_id != lead]
    chosen = focused[: k - min(max(0, others), len(elsewhere))]
    return [*chosen, *elsewhere[: k - len(chosen)]]
