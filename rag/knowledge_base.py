"""``KnowledgeBase``: the one object callers (CLI, Slack bot, benchmarks) use.

It wires settings to the registry, the Milvus store, Docling, the embedder and the chat model, and
exposes ingest / search / answer / list / forget. Building it is cheap; the embedding model and
Docling pipelines load on first use.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from rag.answer import Answerer, AnswerStream
from rag.chunking import Chunker, make_tokenizer
from rag.convert import Converter
from rag.embeddings import Embedder, make_embedder
from rag.ingest import Ingestor, Progress, _quiet
from rag.llm import ChatModel
from rag.models import (
    GLOBAL_SCOPE,
    Answer,
    DocumentInfo,
    IngestReceipt,
    SearchHit,
    SourceInfo,
    Turn,
)
from rag.registry import Registry
from rag.settings import Settings
from rag.store import ChunkStore, SearchMode

logger = logging.getLogger(__name__)


class KnowledgeBase:
    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        chat: ChatModel | None = None,
    ) -> None:
        self.settings = settings
        self.registry = Registry(settings.resolved_database_url)
        self._embedder = embedder
        self._chat = chat
        self._lock = threading.Lock()

    # --- components (built on first use) -------------------------------------------------
    @cached_property
    def embedder(self) -> Embedder:
        embedder = self._embedder or make_embedder(self.settings)
        self.registry.check_embedding_model(embedder.name, embedder.dimension)
        return embedder

    @cached_property
    def store(self) -> ChunkStore:
        store = ChunkStore.connect(self.settings, self.embedder.name, self.embedder.dimension)
        if self.settings.fusion == "weighted" and self.settings.uses_milvus_lite:
            logger.warning(
                "RAGBOT_FUSION=weighted ranks poorly on Milvus Lite (docs/benchmarks.md); "
                "use rrf, or a Milvus server"
            )
        return store

    @cached_property
    def converter(self) -> Converter:
        return Converter(self.settings)

    @cached_property
    def chunker(self) -> Chunker:
        return Chunker(make_tokenizer(self.embedder.name, self.settings.chunk_max_tokens))

    @cached_property
    def chat(self) -> ChatModel | None:
        if self._chat is not None:
            return self._chat
        return ChatModel.from_settings(self.settings) if self.settings.chat_configured else None

    @cached_property
    def ingestor(self) -> Ingestor:
        return Ingestor(self.converter, self.chunker, self.embedder, self.store, self.registry)

    @cached_property
    def answerer(self) -> Answerer:
        from rag.retrieval import Retriever

        return Answerer(
            Retriever(self.store, self.embedder, self.registry, self.settings), self.chat
        )

    def warm_up(self) -> None:
        """Load the embedding model and open the store now rather than on the first request."""
        _ = self.store, self.chunker, self.answerer

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
        self.registry.close()

    # --- ingest --------------------------------------------------------------------------
    def ingest_path(
        self,
        path: Path,
        *,
        scopes: Sequence[str] = (GLOBAL_SCOPE,),
        doc_id: str | None = None,
        progress: Progress = _quiet,
    ) -> IngestReceipt:
        with self._lock:  # one ingestion writes at a time; searches are not blocked
            return self.ingestor.ingest_path(path, scopes=scopes, doc_id=doc_id, progress=progress)

    def ingest_bytes(
        self,
        data: bytes,
        source: SourceInfo,
        *,
        doc_id: str,
        scopes: Sequence[str],
        origin: str | None = None,
        progress: Progress = _quiet,
    ) -> IngestReceipt:
        with self._lock:
            return self.ingestor.ingest_bytes(
                data, source, scopes=scopes, doc_id=doc_id, origin=origin, progress=progress
            )

    # --- documents -----------------------------------------------------------------------
    def documents(self, scopes: Sequence[str] | None = None) -> list[DocumentInfo]:
        return self.registry.list_documents(scopes)

    def document(self, doc_id: str) -> DocumentInfo | None:
        return self.registry.get(doc_id)

    def add_scopes(self, doc_id: str, scopes: Sequence[str]) -> bool:
        return self.registry.add_scopes(doc_id, scopes)

    def remove_scope(self, doc_id: str, scope: str) -> tuple[str, ...] | None:
        """Drop one scope; a document left with no scope is forgotten entirely."""
        left = self.registry.remove_scope(doc_id, scope)
        if left == ():
            self.forget(doc_id)
        return left

    def forget(self, doc_id: str) -> bool:
        """Remove a document: invisible at once (registry), then its chunks are deleted."""
        known = self.registry.forget(doc_id) is not None or False
        self.store.delete_document(doc_id)
        return known

    def remove_orphan_chunks(self) -> int:
        """Delete chunks of versions the registry doesn't point at (e.g. left by a crash).

        Returns how many versions were removed. Orphans are never searchable (searches only see
        active versions), so this only reclaims space; run it while no ingestion is in flight.
        """
        with self._lock:
            active = set(self.registry.active_versions())
            orphans = self.store.versions() - active
            for version in orphans:
                self.store.delete_version(version)
        return len(orphans)

    def stats(self) -> dict[str, object]:
        counts: dict[str, object] = dict(self.registry.stats())
        counts["stored_chunks"] = self.store.count()
        counts["collection"] = self.store.collection
        counts["dense_index"] = self.store.dense_index
        counts["embedding_model"] = self.embedder.name
        counts["chat_model"] = self.settings.chat_model if self.chat else None
        counts["milvus"] = "lite" if self.settings.uses_milvus_lite else "server"
        counts["pdf_pipeline"] = self.converter.pdf_pipeline
        return counts

    # --- questions -----------------------------------------------------------------------
    def search(
        self,
        question: str,
        scopes: Sequence[str] | None,
        *,
        k: int | None = None,
        mode: SearchMode = "hybrid",
    ) -> list[SearchHit]:
        return self.answerer.retriever.search(question, scopes, k=k, mode=mode)

    def stream_answer(
        self, question: str, scopes: Sequence[str] | None, history: Sequence[Turn] = ()
    ) -> AnswerStream:
        return self.answerer.stream(question, scopes, history)

    def ask(
        self, question: str, scopes: Sequence[str] | None, history: Sequence[Turn] = ()
    ) -> Answer:
        return self.answerer.ask(question, scopes, history)
