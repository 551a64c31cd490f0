"""Hybrid retrieval (dense + BM25) restricted to what the asking conversation may see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rag.embeddings import Embedder
from rag.errors import ConfigurationError
from rag.finance_terms import expand, statements_for
from rag.focus import focus_on_leading_document
from rag.models import SearchHit
from rag.registry import Registry
from rag.rerank import (
    ChainedReranker,
    EvidenceReranker,
    Reranker,
    names_a_document,
    spread_over_pages,
)
from rag.settings import Settings
from rag.statements import StatementPageFinder, with_statement_pages
from rag.store import ChunkStore, SearchMode

if TYPE_CHECKING:  # openai is imported only when a chat model is used
    from rag.llm import ChatModel


class Retriever:
    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        registry: Registry,
        settings: Settings,
        chat: ChatModel | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.registry = registry
        self.settings = settings
        self.reranker = make_reranker(settings, chat)
        self.statement_pages = StatementPageFinder(store.document_chunks)

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
        # dense-only and BM25-only are first-stage diagnostics (`ragbot search --mode`)
        reranker = self.reranker if mode == "hybrid" else None
        wide = max(k, self.settings.rerank_candidates) if reranker else k
        keywords = expand(question) if self.settings.finance_terms else question
        hits = self._first_stage(vector, keywords, versions, wide, mode)
        if reranker is None:
            return hits
        if self._lexical_when_unnamed() and not names_a_document(question, hits):
            hits = self._search_as_printed(vector, question, keywords, versions, wide)
        ranked = spread_over_pages(reranker.rerank(question, hits), self.settings.sources_per_page)
        if self.settings.statement_pages:
            wanted = statements_for(question)
            ranked = with_statement_pages(
                ranked, wanted, self.statement_pages, keywords=keywords, k=k
            )
        if not self.settings.focus_candidates:
            return ranked[:k]

        def search_inside(version: str, candidates: int) -> list[SearchHit]:
            return self._first_stage(vector, keywords, [version], candidates, "hybrid")

        return focus_on_leading_document(
            question,
            ranked,
            search_inside,
            reranker,
            k=k,
            candidates=self.settings.focus_candidates,
            others=self.settings.focus_others,
        )

    def _first_stage(
        self,
        vector: Sequence[float],
        keywords: str,
        versions: Sequence[str],
        k: int,
        mode: SearchMode,
        *,
        bm25_weight: float | None = None,
        rrf_k: int | None = None,
        word_pairs: bool = False,
    ) -> list[SearchHit]:
        """The store's search, fused as the settings say (or with the weight and k given), BM25
        matching the question's word pairs too if asked."""
        s = self.settings
        return self.store.search(
            vector,
            keywords,
            versions,
            k,
            mode=mode,
            fusion=s.fusion,
            dense_weight=s.dense_weight,
            rrf_k=s.rrf_k if rrf_k is None else rrf_k,
            bm25_weight=s.bm25_weight if bm25_weight is None else bm25_weight,
            word_pairs=word_pairs,
        )

    def _search_as_printed(
        self,
        vector: Sequence[float],
        question: str,
        keywords: str,
        versions: Sequence[str],
        wide: int,
    ) -> list[SearchHit]:
        """A question naming no candidate document, searched again for its words as printed: the
        BM25 list weighted up, with the question's word pairs, and without the statement
        vocabulary (which finds a named filing's statements; across many documents its line
        items match every financial table)."""
        s = self.settings
        return self._first_stage(
            vector,
            keywords if s.unnamed_finance_terms else question,
            versions,
            wide,
            "hybrid",
            bm25_weight=s.unnamed_bm25_weight,
            rrf_k=s.unnamed_rrf_k,
            word_pairs=True,
        )

    def _lexical_when_unnamed(self) -> bool:
        s = self.settings
        return s.fusion == "rrf" and (s.unnamed_bm25_weight, s.unnamed_rrf_k) != (
            s.bm25_weight,
            s.rrf_k,
        )

    def is_relevant(self, hits: Sequence[SearchHit]) -> bool:
        """Whether the best hit is close enough in meaning to be worth an answer."""
        scores = [h.dense_score for h in hits if h.dense_score is not None]
        return bool(scores) and max(scores) >= self.settings.relevance_threshold


def make_reranker(settings: Settings, chat: ChatModel | None = None) -> Reranker | None:
    """The second stage the settings ask for (``None``: the first stage's order is final).

    A model-based reranker reads the evidence reranker's order, so its candidate window holds
    the likeliest documents and pages.
    """
    choice = settings.reranker
    if choice == "none":
        return None
    evidence = EvidenceReranker()
    if choice == "cross-encoder":
        from rag.cross_encoder import CrossEncoderReranker

        model = CrossEncoderReranker(
            settings.cross_encoder_model, batch_size=settings.cross_encoder_batch_size
        )
        return ChainedReranker(evidence, model)
    if choice == "llm":
        if chat is None:
            raise ConfigurationError(
                "RAGBOT_RERANKER=llm needs a chat model: set OPENAI_API_KEY (or "
                "RAGBOT_CHAT_BASE_URL), or choose RAGBOT_RERANKER=evidence."
            )
        from rag.llm_rerank import LLMReranker

        llm = LLMReranker(chat, max_candidates=settings.llm_rerank_candidates)
        return ChainedReranker(evidence, llm)
    return evidence
