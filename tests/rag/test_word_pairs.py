"""Adjacent word pairs as BM25 terms: what is paired, and what they change in a real search."""

from __future__ import annotations

import pytest

from rag.embeddings import Embedder
from rag.knowledge_base import KnowledgeBase
from rag.models import SourceInfo
from rag.settings import Settings
from rag.word_pairs import with_word_pairs, word_pairs

# "total" and "sales" more often, but never side by side...
SCATTERED = (
    "# Staff\n\nSales teams grew in every region. Sales offices opened in Lyon. "
    "Total staff was 40 people. Total rent rose.\n"
)
# ...against the label a question quotes.
LABELLED = "# Results\n\nTotal sales were 5 million this year, a record for the company.\n"


def test_pairs_join_adjacent_content_words_across_stop_words() -> None:
    assert word_pairs("Cost of sales") == ["costsales"]
    assert word_pairs("Total net sales") == ["totalnet", "netsales"]


def test_pairs_split_like_the_analyzer_and_skip_figures() -> None:
    # hyphens and underscores split words; a year or an amount pairs with nothing
    assert word_pairs("Cost-plus contracts, 2019: $1,452.4 fixed_price") == [
        "costplus",
        "pluscontracts",
        "fixedprice",
    ]
    assert word_pairs("2019 2018") == []


def test_text_without_pairs_is_unchanged() -> None:
    assert with_word_pairs("Revenue") == "Revenue"
    assert with_word_pairs("Net income") == "Net income\nnetincome"


def ingest_both(kb: KnowledgeBase) -> list[str]:
    for doc_id, text in (("scattered", SCATTERED), ("labelled", LABELLED)):
        kb.ingest_bytes(text.encode(), SourceInfo(f"{doc_id}.md"), doc_id=doc_id, scopes=["C"])
    return kb.registry.active_versions(["C"])


@pytest.mark.parametrize("indexed", [True, False])
def test_bm25_matches_word_pairs_where_indexed_and_asked(
    settings: Settings, embedder: Embedder, indexed: bool
) -> None:
    kb = KnowledgeBase(settings.model_copy(update={"bm25_word_pairs": indexed}), embedder=embedder)
    try:
        versions = ingest_both(kb)
        vector = [0.0] * kb.store.dimension

        def first(word_pairs: bool) -> str:
            hits = kb.store.search(
                vector, "total sales", versions, 2, mode="bm25", word_pairs=word_pairs
            )
            assert "totalsales" not in hits[0].text  # indexed, never shown
            return hits[0].doc_id

        assert kb.store.word_pairs is indexed
        assert first(word_pairs=True) == ("labelled" if indexed else "scattered")
        assert first(word_pairs=False) == "scattered"  # words alone: "total" and "sales" twice
    finally:
        kb.close()


def test_a_collection_keeps_how_it_was_indexed(settings: Settings, embedder: Embedder) -> None:
    unpaired = settings.model_copy(update={"bm25_word_pairs": False})
    before = KnowledgeBase(unpaired, embedder=embedder)
    versions = ingest_both(before)
    before.close()

    reopened = KnowledgeBase(settings, embedder=embedder)  # the default asks for pairs
    try:
        assert settings.bm25_word_pairs
        assert reopened.store.word_pairs is False
        vector = [0.0] * reopened.store.dimension
        hits = reopened.store.search(
            vector, "total sales", versions, 2, mode="bm25", word_pairs=True
        )
        assert hits[0].doc_id == "scattered"  # searched as it was indexed
    finally:
        reopened.close()
