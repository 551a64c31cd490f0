"""Reciprocal-rank fusion of ranked lists, with a weight per list.

Milvus's own ``RRFRanker`` gives every list the same weight. When one retriever is much weaker
than the other on a kind of document (MiniLM against BM25 on number-heavy financial tables),
equal weights let its wrong candidates push the other's right ones out of the top k: on TAT-QA,
equal-weight hybrid was 4 points under BM25 alone. Weighting the lists (and a smaller ``k``, which
lets each list's first places count for more) keeps what the stronger retriever found and adds
what only the weaker one found (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def reciprocal_rank_fusion(
    ranked_lists: Sequence[Sequence[T]],
    weights: Sequence[float],
    *,
    k: int,
    key: Callable[[T], str],
    limit: int,
) -> list[tuple[T, float]]:
    """The ``limit`` best items with their fused scores, best first.

    An item's score is the sum over the lists it appears in of ``weight / (k + rank)`` (rank
    from 1). Ties keep the order of first appearance (earlier lists first). The item kept for a
    key is its first appearance.
    """
    if len(ranked_lists) != len(weights):
        raise ValueError("one weight per ranked list")
    scores: dict[str, float] = {}
    items: dict[str, T] = {}
    for ranked, weight in zip(ranked_lists, weights, strict=True):
        for rank, item in enumerate(ranked, start=1):
            name = key(item)
            items.setdefault(name, item)
            scores[name] = scores.get(name, 0.0) + weight / (k + rank)
    order = sorted(scores, key=lambda name: scores[name], reverse=True)  # stable for ties
    return [(items[name], scores[name]) for name in order[:limit]]
