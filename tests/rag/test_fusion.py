"""Weighted reciprocal-rank fusion."""

from __future__ import annotations

import pytest

from rag.fusion import reciprocal_rank_fusion


def fuse(lists: list[list[str]], weights: list[float], k: int = 60, limit: int = 10):
    return reciprocal_rank_fusion(lists, weights, k=k, key=lambda item: item, limit=limit)


def test_scores_are_weight_over_k_plus_rank_summed_over_lists() -> None:
    fused = dict(fuse([["a", "b"], ["b", "c"]], [1.0, 2.0], k=10))

    assert fused["a"] == pytest.approx(1 / 11)
    assert fused["b"] == pytest.approx(1 / 12 + 2 / 11)
    assert fused["c"] == pytest.approx(2 / 12)


def test_a_heavier_list_wins_where_equal_weights_tie() -> None:
    dense, bm25 = ["d1", "x"], ["b1", "x"]

    equal = [item for item, _ in fuse([dense, bm25], [1.0, 1.0], limit=2)]
    favour_bm25 = [item for item, _ in fuse([dense, bm25], [1.0, 2.0], limit=2)]

    assert equal == ["x", "d1"]  # in both lists beats first in one; d1 and b1 tie, d1 came first
    assert favour_bm25 == ["x", "b1"]


def test_a_smaller_k_lets_first_places_count_for_more() -> None:
    # "top" is first in one list only; "both" is fourth in each.
    lists = [["top", "p", "s", "both"], ["q", "r", "t", "both"]]

    assert fuse(lists, [1.0, 1.0], k=60, limit=1)[0][0] == "both"
    assert fuse(lists, [1.0, 1.0], k=1, limit=1)[0][0] == "top"


def test_limit_and_first_appearance_are_kept() -> None:
    first, second = ("same", "from dense"), ("same", "from bm25")
    fused = reciprocal_rank_fusion(
        [[first], [second, ("other", "")]], [1.0, 1.0], k=60, key=lambda item: item[0], limit=1
    )

    assert fused == [(first, pytest.approx(2 / 61))]


def test_empty_lists_fuse_to_nothing_and_weights_must_match() -> None:
    assert fuse([[], []], [1.0, 1.0]) == []
    with pytest.raises(ValueError, match="one weight per ranked list"):
        fuse([["a"]], [1.0, 1.0])
