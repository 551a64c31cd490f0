"""Ingest: convert → chunk → embed → store → activate.

Re-ingesting identical content is a no-op (content hash). A changed document is written as a new
version next to the old one and swapped in by one registry transaction, then the old version's
chunks are deleted, so a reader sees either the old or the new document, never a mix. A failure
at any step leaves the searchable store as it was.

Converting, chunking and embedding hold no lock, so several files are read at once; storing and
activating hold the document's lock (``Registry.document_lock``), which ``forget`` takes too. A
document forgotten at any point of its ingestion is not brought back (``Registry.activate``).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from rag.chunking import Chunker, document_identity
from rag.convert import Converter, detect_format
from rag.embeddings import Embedder
from rag.errors import EmptyDocumentError
from rag.models import Chunk, DocumentInfo, IngestReceipt, Progress, SourceInfo, no_progress
from rag.registry import NewVersion, Registry
from rag.store import ChunkStore, StoredChunk, text_hash, version_name

logger = logging.getLogger(__name__)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def doc_id_for_path(path: Path) -> str:
    """A stable id for a local file: its resolved path, hashed (so ids carry no path)."""
    return "file-" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]


class Ingestor:
    def __init__(
        self,
        converter: Converter,
        chunker: Chunker,
        embedder: Embedder,
        store: ChunkStore,
        registry: Registry,
        *,
        index_identity: bool = True,
    ) -> None:
        self.index_identity = index_identity
        self.converter = converter
        self.chunker = chunker
        self.embedder = embedder
        self.store = store
        self.registry = registry

    def ingest_path(
        self,
        path: Path,
        *,
        scopes: Sequence[str],
        doc_id: str | None = None,
        progress: Progress = no_progress,
    ) -> IngestReceipt:
        detect_format(path.name)
        self.converter.check_size(path.stat().st_size)  # before reading a huge file
        return self.ingest_bytes(
            path.read_bytes(),
            SourceInfo(name=path.name, url=path.resolve().as_uri()),
            scopes=scopes,
            doc_id=doc_id or doc_id_for_path(path),
            origin=str(path.resolve()),
            progress=progress,
        )

    def ingest_bytes(
        self,
        data: bytes,
        source: SourceInfo,
        *,
        scopes: Sequence[str],
        doc_id: str,
        origin: str | None = None,
        progress: Progress = no_progress,
    ) -> IngestReceipt:
        """Convert, chunk and embed with no lock held (several files at once), then store and
        activate under the document's lock (shared with ``forget``)."""
        started = time.perf_counter()
        digest = content_hash(data)
        existing = self.registry.get(doc_id)
        if existing and existing.content_hash == digest:
            return self._unchanged(existing, source.name, scopes, started)
        version = version_name(self.registry.tenant, doc_id, digest)
        ingestion = self.registry.begin_ingestion(doc_id, version)
        try:
            progress("converting")
            converted = self.converter.convert(source.format_name, data)
            progress("chunking")
            identity = (
                document_identity(source.name, converted.document) if self.index_identity else None
            )
            chunks = self.chunker.chunk(
                converted.document, identity, table_rows=converted.rebuilt_tables
            )
            if not chunks:
                raise EmptyDocumentError("no chunks")
            progress(f"embedding {len(chunks)} chunks")
            vectors = self._embed(chunks, reuse_from=self.registry.active_version(doc_id))
            progress("storing")
            new = NewVersion(
                doc_id=doc_id,
                version=version,
                source=source.name,
                url=source.url,
                origin=origin,
                content_hash=digest,
                pages=converted.pages,
                chunks=len(chunks),
                tables=converted.tables,
                scopes=tuple(scopes),
            )
            rows = [StoredChunk(c, v) for c, v in zip(chunks, vectors, strict=True)]
            with self.registry.document_lock(doc_id):
                current = self.registry.get(doc_id)
                if current and current.content_hash == digest:  # stored meanwhile by another
                    return self._unchanged(current, source.name, scopes, started)
                self._store_and_activate(new, rows, ingestion)
        finally:
            self.registry.end_ingestion(ingestion)
        info = self.registry.get(doc_id)
        return IngestReceipt(
            doc_id,
            source.name,
            "replaced" if existing else "added",
            converted.pages,
            len(chunks),
            converted.tables,
            time.perf_counter() - started,
            info.scopes if info else tuple(scopes),
        )

    def _store_and_activate(
        self, new: NewVersion, rows: Sequence[StoredChunk], ingestion: str
    ) -> None:
        """Write the version's chunks, make it the live one, then drop the version it replaced.

        Raises ``DocumentForgottenError`` (leaving nothing behind) when the document was
        forgotten since the ingestion began.
        """
        self.registry.touch_ingestion(ingestion)  # the orphan sweep leaves these chunks alone
        self.store.delete_version(new.version)  # leftovers of an interrupted earlier attempt
        try:
            self.store.insert(new.doc_id, new.version, new.source, new.url, rows)
            old_version = self.registry.activate(new, ingestion)
        except BaseException:
            self.store.delete_version(new.version)
            raise
        if old_version:
            self.store.delete_version(old_version)

    def _unchanged(
        self, existing: DocumentInfo, name: str, scopes: Sequence[str], started: float
    ) -> IngestReceipt:
        """Identical content is already live: only add the new scopes."""
        self.registry.add_scopes(existing.doc_id, scopes)
        return IngestReceipt(
            existing.doc_id,
            name,
            "unchanged",
            existing.pages,
            existing.chunks,
            existing.tables,
            time.perf_counter() - started,
            tuple(sorted({*existing.scopes, *scopes})),
        )

    def _embed(self, chunks: Sequence[Chunk], reuse_from: str | None) -> list[list[float]]:
        """Embed chunk texts once each, reusing vectors of identical texts from the previous
        version (a repeated text, such as a table header row, is embedded once)."""
        hashes = [text_hash(c.search_text) for c in chunks]
        known = self.store.vectors_by_text_hash(reuse_from, hashes) if reuse_from else {}
        missing = {h: c.search_text for h, c in zip(hashes, chunks, strict=True) if h not in known}
        fresh = self.embedder.embed_documents(list(missing.values()))
        known.update(zip(missing, fresh, strict=True))
        return [known[h] for h in hashes]
