"""The document registry: which documents exist, who may see them, and which version is live.

Every row carries its tenant (``""`` for a single-tenant knowledge base): a registry bound to a
tenant (``Registry.for_tenant``) reads and writes only that tenant's documents, so two tenants may
use the same document ids and scope names without ever seeing each other's.

The registry is the commit point of an ingestion: chunks of a new version are written to Milvus
first, invisible to searches, and become visible in one SQL transaction that points the document
at the new version. Searches only look at active versions, so readers never see a half-written or
mixed document.

An ingestion in flight holds an ``ingestions`` row from its start until it activates or fails.
Forgetting a document deletes its rows, and activation requires the row, so a document forgotten
while it is being read never comes back. The rows also tell the orphan sweep which unreferenced
chunks may still be on their way in (``live_versions``).
"""

from __future__ import annotations

import copy
import hashlib
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKeyConstraint,
    Integer,
    Select,
    String,
    Text,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, sessionmaker

from rag import migrate
from rag.database import Base, make_engine
from rag.errors import DocumentForgottenError, EmbeddingModelMismatchError
from rag.models import GLOBAL_SCOPE, NO_GLOBAL_SCOPE, DocumentInfo


def _now() -> datetime:
    return datetime.now(UTC)


DEFAULT_TENANT = ""  # a knowledge base with a single tenant (the CLI's, one workspace's)


class DocumentRow(Base):
    __tablename__ = "documents"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True, default=DEFAULT_TENANT)
    doc_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    source: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str | None] = mapped_column(Text)  # file path, Slack file id or URL
    content_hash: Mapped[str | None] = mapped_column(String(64))
    active_version: Mapped[str | None] = mapped_column(String(300), index=True)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    tables: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=_now, onupdate=_now
    )
    scopes: Mapped[list[ScopeRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", lazy="selectin"
    )


class ScopeRow(Base):
    __tablename__ = "document_scopes"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant", "doc_id"],
            ["documents.tenant", "documents.doc_id"],
            name="fk_document_scopes_document",
            ondelete="CASCADE",
        ),
    )

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True, default=DEFAULT_TENANT)
    doc_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    scope: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)
    document: Mapped[DocumentRow] = relationship(back_populates="scopes")


class IngestionRow(Base):
    """An ingestion in flight (no foreign key: a new document has no row until it activates)."""

    __tablename__ = "ingestions"

    ingestion_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), default=DEFAULT_TENANT, server_default="")
    doc_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str] = mapped_column(String(300))
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class MetaRow(Base):
    __tablename__ = "kb_meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


@dataclass(frozen=True)
class NewVersion:
    doc_id: str
    version: str
    source: str
    url: str | None
    origin: str | None
    content_hash: str
    pages: int
    chunks: int
    tables: int
    scopes: tuple[str, ...]


class Registry:
    """SQL-backed record of documents, scopes and active versions, of one tenant."""

    def __init__(self, database_url: str) -> None:
        self.engine = make_engine(database_url)
        migrate.upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._document_locks = _KeyedLocks()
        self.tenant = DEFAULT_TENANT

    def for_tenant(self, tenant: str) -> Registry:
        """The same database, seen by ``tenant`` alone (the engine and locks are shared)."""
        view = copy.copy(self)
        view.tenant = tenant
        return view

    def close(self) -> None:
        self.engine.dispose()

    def _key(self, doc_id: str) -> tuple[str, str]:
        return (self.tenant, doc_id)

    def _documents(self) -> Select[Any]:
        return select(DocumentRow).where(DocumentRow.tenant == self.tenant)

    def _visible(self, scopes: Sequence[str]) -> Select[Any]:
        return select(ScopeRow.doc_id).where(
            ScopeRow.tenant == self.tenant, ScopeRow.scope.in_(_with_global(scopes))
        )

    def session(self) -> Session:
        return self._sessions()

    # --- embedding model guard --------------------------------------------------------------
    def check_embedding_model(self, model: str, dimension: int) -> None:
        """Remember the data dir's embedding model; refuse to mix vectors of another one."""
        wanted = f"{model}|{dimension}"
        with self.session() as session, session.begin():
            row = session.get(MetaRow, "embedding_model")
            if row is None:
                session.add(MetaRow(key="embedding_model", value=wanted))
                return
            if row.value != wanted:
                stored_model, _, stored_dim = row.value.rpartition("|")
                raise EmbeddingModelMismatchError(
                    f"This data dir was built with embedding model {stored_model} "
                    f"({stored_dim}-d), but {model} ({dimension}-d) is configured. Set "
                    f"RAGBOT_EMBEDDING_MODEL={stored_model}, or use a new RAGBOT_DATA_DIR and "
                    "ingest your documents again."
                )

    # --- reads -----------------------------------------------------------------------------
    def get(self, doc_id: str) -> DocumentInfo | None:
        with self.session() as session:
            row = session.get(DocumentRow, self._key(doc_id))
            return _to_info(row) if row else None

    def list_documents(self, scopes: Sequence[str] | None = None) -> list[DocumentInfo]:
        """The tenant's documents visible from ``scopes`` (plus global ones); all when None."""
        with self.session() as session:
            query = self._documents().order_by(DocumentRow.source)
            if scopes is not None:
                query = query.where(DocumentRow.doc_id.in_(self._visible(scopes)))
            return [_to_info(row) for row in session.scalars(query)]

    def active_version(self, doc_id: str) -> str | None:
        with self.session() as session:
            row = session.get(DocumentRow, self._key(doc_id))
            return row.active_version if row else None

    def active_versions(self, scopes: Sequence[str] | None = None) -> list[str]:
        """The live chunk versions a search from ``scopes`` may see (all the tenant's when
        None). The tenant is filtered first: scopes are only compared within it."""
        with self.session() as session:
            query = select(DocumentRow.active_version).where(
                DocumentRow.tenant == self.tenant, DocumentRow.active_version.is_not(None)
            )
            if scopes is not None:
                query = query.where(DocumentRow.doc_id.in_(self._visible(scopes)))
            return [v for v in session.scalars(query) if v]

    def all_active_versions(self) -> list[str]:
        """Every tenant's live versions (the store's garbage collection needs them all)."""
        with self.session() as session:
            query = select(DocumentRow.active_version).where(
                DocumentRow.active_version.is_not(None)
            )
            return [v for v in session.scalars(query) if v]

    def stats(self) -> dict[str, int]:
        """The tenant's counts."""
        with self.session() as session:
            mine = DocumentRow.tenant == self.tenant
            documents = session.scalar(select(func.count()).where(mine)) or 0
            chunks = (
                session.scalar(select(func.coalesce(func.sum(DocumentRow.chunks), 0)).where(mine))
                or 0
            )
            pages = (
                session.scalar(select(func.coalesce(func.sum(DocumentRow.pages), 0)).where(mine))
                or 0
            )
            scopes = (
                session.scalar(
                    select(func.count(func.distinct(ScopeRow.scope))).where(
                        ScopeRow.tenant == self.tenant
                    )
                )
                or 0
            )
        return {"documents": documents, "chunks": chunks, "pages": pages, "scopes": scopes}

    def tenants(self) -> dict[str, dict[str, int]]:
        """Documents and chunks of every tenant that has documents (the operator's view)."""
        with self.session() as session:
            rows = session.execute(
                select(
                    DocumentRow.tenant,
                    func.count(),
                    func.coalesce(func.sum(DocumentRow.chunks), 0),
                )
                .group_by(DocumentRow.tenant)
                .order_by(DocumentRow.tenant)
            ).all()
        return {t: {"documents": int(d), "chunks": int(c)} for t, d, c in rows}

    def live_versions(self, grace: timedelta) -> set[str]:
        """Versions whose chunks must stay: active ones, and those of ingestions in flight.

        An ingestion silent for longer than ``grace`` (its process died) is dropped first, so it
        can no longer activate and its chunks count as orphans. Ingestions are read before active
        versions: one that activates in between is then seen as active, never missed.
        """
        cutoff = _now() - grace
        with self.session() as session, session.begin():
            session.execute(delete(IngestionRow).where(IngestionRow.heartbeat_at < cutoff))
        with self.session() as session:
            in_flight = set(session.scalars(select(IngestionRow.version)))
        return in_flight | set(self.all_active_versions())  # every tenant's

    # --- writes ----------------------------------------------------------------------------
    @contextmanager
    def document_lock(self, doc_id: str) -> Iterator[None]:
        """Hold the document while its chunks are stored and activated, or while it is forgotten.

        A lock per document within this process; on PostgreSQL also a transaction-level advisory
        lock, so web and worker processes sharing the database take turns too.
        """
        key = f"{self.tenant}/{doc_id}" if self.tenant else doc_id  # ids repeat across tenants
        with self._document_locks.hold(key):
            if self.engine.dialect.name != "postgresql":
                yield
                return
            with self.engine.begin() as connection:
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(key)}
                )
                yield

    def begin_ingestion(self, doc_id: str, version: str) -> str:
        """Record an ingestion in flight; returns its id for ``touch``/``activate``/``end``."""
        ingestion_id = uuid.uuid4().hex
        with self.session() as session, session.begin():
            session.add(
                IngestionRow(
                    ingestion_id=ingestion_id, tenant=self.tenant, doc_id=doc_id, version=version
                )
            )
        return ingestion_id

    def touch_ingestion(self, ingestion_id: str) -> None:
        """Say the ingestion is still alive (before storing chunks); raises if it was forgotten."""
        with self.session() as session, session.begin():
            row = session.get(IngestionRow, ingestion_id, with_for_update=True)
            if row is None:
                raise DocumentForgottenError(f"ingestion {ingestion_id} was cancelled")
            row.heartbeat_at = _now()

    def end_ingestion(self, ingestion_id: str) -> None:
        """Drop the ingestion's row (it failed, or has activated and the row is already gone)."""
        with self.session() as session, session.begin():
            session.execute(delete(IngestionRow).where(IngestionRow.ingestion_id == ingestion_id))

    def activate(self, new: NewVersion, ingestion_id: str) -> str | None:
        """Point the document at its new version in one transaction; returns the old version.

        Raises ``DocumentForgottenError`` (and changes nothing) when the document was forgotten
        since the ingestion began.
        """
        with self.session() as session, session.begin():
            ingestion = session.get(IngestionRow, ingestion_id, with_for_update=True)
            if ingestion is None:
                raise DocumentForgottenError(f"{new.doc_id} was forgotten while being ingested")
            session.delete(ingestion)
            row = session.get(DocumentRow, self._key(new.doc_id), with_for_update=True)
            if row is None:
                row = DocumentRow(tenant=self.tenant, doc_id=new.doc_id)
                session.add(row)
            old_version = row.active_version
            row.source, row.url, row.origin = new.source, new.url, new.origin
            row.content_hash, row.active_version = new.content_hash, new.version
            row.pages, row.chunks, row.tables = new.pages, new.chunks, new.tables
            _add_scopes(row, new.scopes)
        return old_version if old_version != new.version else None

    def add_scopes(self, doc_id: str, scopes: Iterable[str]) -> bool:
        with self.session() as session, session.begin():
            row = session.get(DocumentRow, self._key(doc_id))
            if row is None:
                return False
            _add_scopes(row, scopes)
            return True

    def remove_scope(self, doc_id: str, scope: str) -> tuple[str, ...] | None:
        """Drop one scope; returns the scopes left (None if the document is unknown)."""
        with self.session() as session, session.begin():
            session.execute(
                delete(ScopeRow).where(
                    ScopeRow.tenant == self.tenant,
                    ScopeRow.doc_id == doc_id,
                    ScopeRow.scope == scope,
                )
            )
            row = session.get(DocumentRow, self._key(doc_id))
            if row is None:
                return None
            session.refresh(row)
            return tuple(sorted(s.scope for s in row.scopes))

    def forget(self, doc_id: str) -> str | None:
        """Remove the document and cancel its ingestions in flight; returns its active version
        so its chunks can be deleted."""
        with self.session() as session, session.begin():
            session.execute(
                delete(IngestionRow).where(
                    IngestionRow.tenant == self.tenant, IngestionRow.doc_id == doc_id
                )
            )
            row = session.get(DocumentRow, self._key(doc_id))
            if row is None:
                return None
            version = row.active_version
            session.delete(row)
            return version

    def forget_tenant(self) -> int:
        """Remove every document of the tenant; returns how many there were."""
        with self.session() as session, session.begin():
            session.execute(delete(IngestionRow).where(IngestionRow.tenant == self.tenant))
            session.execute(delete(ScopeRow).where(ScopeRow.tenant == self.tenant))
            result = session.execute(delete(DocumentRow).where(DocumentRow.tenant == self.tenant))
            return int(getattr(result, "rowcount", 0) or 0)


def _with_global(scopes: Sequence[str]) -> list[str]:
    """The scopes searched from ``scopes``: global documents too, unless ``NO_GLOBAL_SCOPE``."""
    if NO_GLOBAL_SCOPE in scopes:
        return [s for s in dict.fromkeys(scopes) if s not in (NO_GLOBAL_SCOPE, GLOBAL_SCOPE)]
    return [*dict.fromkeys([*scopes, GLOBAL_SCOPE])]


def _add_scopes(row: DocumentRow, scopes: Iterable[str]) -> None:
    present = {s.scope for s in row.scopes}
    for scope in dict.fromkeys(scopes):
        if scope not in present:
            row.scopes.append(ScopeRow(tenant=row.tenant, scope=scope))


def _to_info(row: DocumentRow) -> DocumentInfo:
    return DocumentInfo(
        doc_id=row.doc_id,
        source=row.source,
        url=row.url,
        origin=row.origin,
        scopes=tuple(sorted(s.scope for s in row.scopes)),
        pages=row.pages,
        chunks=row.chunks,
        tables=row.tables,
        content_hash=row.content_hash,
        updated_at=row.updated_at,
    )


def _lock_key(doc_id: str) -> int:
    """A PostgreSQL advisory lock key (signed 64-bit) for a document."""
    digest = hashlib.sha256(f"ragbot-document:{doc_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class _KeyedLocks:
    """One lock per key, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)
