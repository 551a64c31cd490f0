"""Hybrid retrieval (dense + BM25) restricted to what the asking conversation may see."""

from __future__ import annotations

from collections.abc import Sequence

from rag.embeddings import Embedder
from rag.models import SearchHit
from rag.registry import Registry
from rag.rerank import EvidenceReranker, Reranker
from rag.settings import Settings
from rag.store import ChunkStore, SearchMode


class Retriever:
    def __init__(
        self, store: ChunkStore, embedder: Embedder, registry: Registry, settings: Settings
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.registry = registry
        self.settings = settings
        self.reranker = make_reranker(settings)

    def search(
        self,
        question: str,
        scopes: Sequence[str] | None,
        *,
        k: int | None = None,
        mode: SearchMode = "hybrid",
    ) -> list[SearchHit]:
        """Top chunks for ``question`` among documents visible from ``scopes``.

        ``scopes=None`` means every document (the operator's CLI); a conversation always passes
        its own scopes, and global documents are added by the registry.
        """
        versions = self.registry.active_versions(scopes)
        if not versions or not question.strip():
            return []
        if mode == "bm25":
            vector = [0.0] * self.store.dimension
        else:
            vector = self.embedder.embed_query(question)
        k = k or self.settings.top_k
        wide = max(k, self.settings.rerank_candidates) if self.reranker else k
        hits = self.store.search(
            vector,
            question,
            versions,
            wide,
            mode=mode,
            fusion=self.settings.fusion,
            dense_weight=self.settings.dense_weight,
        )
        if self.reranker is None:
            return hits
        return self.reranker.rerank(question, hits)[:k]

    def is_relevant(self, hits: Sequence[SearchHit]) -> bool:
        """Whether the best hit is close enough in meaning to be worth an answer."""
        scores = [h.dense_score for h in hits if h.dense_score is not None]
        return bool(scores) and max(scores) >= self.settings.min_relevance


def make_reranker(settings: Settings) -> Reranker | None:
    """The second stage the settings ask for (``None``: the first stage's order is final)."""
    if settings.reranker == "evidence":
        return EvidenceReranker()
    return None
