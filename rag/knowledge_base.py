"""``KnowledgeBase``: the one object callers (CLI, Slack bot, benchmarks) use.

It wires settings to the registry, the Milvus store, Docling, the embedder and the chat model, and
exposes ingest / search / answer / list / forget. Building it is cheap; the embedding model and
Docling pipelines load on first use.

A knowledge base belongs to one tenant (``""`` by default). ``for_tenant`` gives the same base as
another tenant sees it: its own documents, scopes and chunks, with the models, the store client
and the database shared, so one process serves any number of tenants.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rag.components import component
from rag.embeddings import Embedder, make_embedder
from rag.models import (
    GLOBAL_SCOPE,
    Answer,
    DocumentInfo,
    IngestReceipt,
    Progress,
    SearchHit,
    SourceInfo,
    Turn,
    no_progress,
)
from rag.registry import DEFAULT_TENANT, Registry
from rag.settings import Settings
from rag.store import ChunkStore, SearchMode

if TYPE_CHECKING:  # the heavy parts (Docling, transformers, openai) are imported on first use
    from rag.answer import Answerer, AnswerStream
    from rag.chunking import Chunker
    from rag.convert import Converter
    from rag.documents_answer import DocumentsAnswerer
    from rag.ingest import Ingestor
    from rag.llm import ChatModel

logger = logging.getLogger(__name__)
# How long an ingestion may go without a sign of life (it gives one just before storing its
# chunks) before the orphan sweep takes it for dead; storing takes seconds to minutes.
ORPHAN_GRACE = timedelta(hours=1)


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
        self.tenant = DEFAULT_TENANT
        self._embedder = embedder
        self._chat = chat
        self._build_lock = threading.RLock()  # components are built once
        self._root = self
        self._tenants: dict[str, KnowledgeBase] = {}

    @property
    def root(self) -> KnowledgeBase:
        """The knowledge base that owns the resources (itself, unless a tenant's view)."""
        return self._root

    def for_tenant(self, tenant: str) -> KnowledgeBase:
        """This knowledge base as ``tenant`` sees it (built once per tenant, then reused)."""
        root = self._root
        if tenant == root.tenant:
            return root
        with root._build_lock:
            view = root._tenants.get(tenant)
            if view is None:
                view = root._tenants[tenant] = TenantKnowledgeBase(root, tenant)
            return view

    # --- components (built on first use) -------------------------------------------------
    @component
    def embedder(self) -> Embedder:
        embedder = self._embedder or make_embedder(self.settings)
        self.registry.check_embedding_model(embedder.name, embedder.dimension)
        return embedder

    @component
    def store(self) -> ChunkStore:
        store = ChunkStore.connect(self.settings, self.embedder.name, self.embedder.dimension)
        if self.settings.fusion == "weighted" and self.settings.uses_milvus_lite:
            logger.warning(
                "RAGBOT_FUSION=weighted ranks poorly on Milvus Lite (docs/benchmarks.md); "
                "use rrf, or a Milvus server"
            )
        return store

    @component
    def converter(self) -> Converter:
        from rag.convert import Converter

        return Converter(self.settings)

    @component
    def chunker(self) -> Chunker:
        from rag.chunking import Chunker, make_tokenizer

        return Chunker(make_tokenizer(self.embedder.name, self.settings.chunk_max_tokens))

    @component
    def chat(self) -> ChatModel | None:
        from rag.llm import ChatModel

        if self._chat is not None:
            return self._chat
        return ChatModel.from_settings(self.settings) if self.settings.chat_configured else None

    @component
    def ingestor(self) -> Ingestor:
        from rag.ingest import Ingestor

        return Ingestor(
            self.converter,
            self.chunker,
            self.embedder,
            self.store,
            self.registry,
            index_identity=self.settings.index_document_identity,
        )

    @component
    def answerer(self) -> Answerer:
        from rag.answer import Answerer
        from rag.retrieval import Retriever

        return Answerer(
            Retriever(self.store, self.embedder, self.registry, self.settings, self.chat), self.chat
        )

    @component
    def documents_answerer(self) -> DocumentsAnswerer:
        from rag.documents_answer import DocumentsAnswerer

        return DocumentsAnswerer(
            self.registry, self.store, self.chat, budget_tokens=self.settings.context_tokens
        )

    def warm_up(self) -> None:
        """Load the embedding model, open the store and import Docling now, not on first use."""
        _ = self.store, self.chunker, self.answerer
        self.converter.warm_up()

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
        self.registry.close()

    def forget_tenant(self) -> int:
        """Remove every document and chunk of this knowledge base's tenant; returns how many
        documents there were. Its ingestions in flight are cancelled (they never activate)."""
        removed = self.registry.forget_tenant()
        self.store.delete_tenant()
        return removed

    # --- ingest --------------------------------------------------------------------------
    def ingest_path(
        self,
        path: Path,
        *,
        scopes: Sequence[str] = (GLOBAL_SCOPE,),
        doc_id: str | None = None,
        progress: Progress = no_progress,
    ) -> IngestReceipt:
        return self.ingestor.ingest_path(path, scopes=scopes, doc_id=doc_id, progress=progress)

    def ingest_bytes(
        self,
        data: bytes,
        source: SourceInfo,
        *,
        doc_id: str,
        scopes: Sequence[str],
        origin: str | None = None,
        progress: Progress = no_progress,
    ) -> IngestReceipt:
        """Several files may be ingested at once (``rag.ingest``); searches are never blocked."""
        return self.ingestor.ingest_bytes(
            data, source, scopes=scopes, doc_id=doc_id, origin=origin, progress=progress
        )

    def ingest_url(
        self,
        url: str,
        *,
        scopes: Sequence[str] = (GLOBAL_SCOPE,),
        progress: Progress = no_progress,
    ) -> IngestReceipt:
        """Fetch a page or file and ingest it with the URL as its source (``rag.fetch``: public
        addresses only unless ``url_allow_private``, a size cap, each redirect checked).
        Re-ingesting an unchanged page is a no-op."""
        from rag.fetch import fetch, url_doc_id

        progress("fetching")
        file_name, data = fetch(
            url,
            self.settings.url_fetch_timeout_s,
            self.settings.max_file_bytes,
            allow_private=self.settings.url_allow_private,
        )
        source = SourceInfo(url, url=url, file_name=file_name)
        return self.ingest_bytes(
            data, source, doc_id=url_doc_id(url), scopes=scopes, origin=url, progress=progress
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
        """Remove a document: invisible at once (registry), then its chunks are deleted.

        Takes the document's lock (an ingestion storing it finishes first) and cancels its
        ingestions in flight, so a document being read is not brought back afterwards.
        """
        with self.registry.document_lock(doc_id):
            known = self.registry.forget(doc_id) is not None
            self.store.delete_document(doc_id)
        return known

    def remove_orphan_chunks(self, grace: timedelta = ORPHAN_GRACE) -> int:
        """Delete chunks of versions the registry doesn't point at (e.g. left by a crash).

        Returns how many versions were removed. Orphans are never searchable (searches only see
        active versions), so this only reclaims space. Chunks of an ingestion in flight are kept;
        an ingestion silent for longer than ``grace`` (its process died) is given up, and it can
        no longer activate. Safe while other processes ingest.
        """
        stored = self.store.versions()  # first: anything stored later is in flight or live
        orphans = stored - self.registry.live_versions(grace)
        for version in orphans:
            self.store.delete_version(version)
        if orphans:
            logger.info("removed the chunks of %d orphaned version(s)", len(orphans))
        return len(orphans)

    def stats(self) -> dict[str, object]:
        """The tenant's counts, and the configuration."""
        counts: dict[str, object] = {"tenant": self.tenant, **self.registry.stats()}
        counts["stored_chunks"] = self.store.count()
        counts["collection"] = self.store.collection
        counts["dense_index"] = self.store.dense_index
        counts["tenant_partition_key"] = self.store.tenant_partition_key
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
        """A question about whole documents ("summarise the latest document", "compare these
        two files") is answered from those documents (``rag.documents_answer``); any other
        from the passages retrieval finds."""
        whole = self.documents_answerer.stream(question, scopes)
        return whole if whole is not None else self.answerer.stream(question, scopes, history)

    def ask(
        self, question: str, scopes: Sequence[str] | None, history: Sequence[Turn] = ()
    ) -> Answer:
        return self.answerer.ask(question, scopes, history)


class TenantKnowledgeBase(KnowledgeBase):
    """A knowledge base seen by one tenant: the root's models, store client and database, with
    a registry and a store bound to the tenant. The root owns (and closes) the resources."""

    def __init__(self, root: KnowledgeBase, tenant: str) -> None:
        self.settings = root.settings
        self.registry = root.registry.for_tenant(tenant)
        self.tenant = tenant
        self._embedder = root._embedder
        self._chat = root._chat
        self._build_lock = threading.RLock()
        self._root = root
        self._tenants = root._tenants

    @component
    def embedder(self) -> Embedder:
        return self._root.embedder

    @component
    def store(self) -> ChunkStore:
        return self._root.store.for_tenant(self.tenant)

    @component
    def converter(self) -> Converter:
        return self._root.converter

    @component
    def chunker(self) -> Chunker:
        return self._root.chunker

    @component
    def chat(self) -> ChatModel | None:
        return self._root.chat

    @component
    def answerer(self) -> Answerer:
        # The root's answerer with this tenant's store and registry; the reranker (a loaded
        # cross-encoder, say) is shared.
        answerer = copy.copy(self._root.answerer)
        answerer.retriever = copy.copy(answerer.retriever)
        answerer.retriever.store, answerer.retriever.registry = self.store, self.registry
        return answerer

    def close(self) -> None:
        """Nothing to close: the root owns the store client and the database engine."""
