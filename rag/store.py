"""Chunk storage and search in Milvus, through ``pymilvus.MilvusClient``.

One collection per embedding model and dimension. Each row holds a dense vector, a BM25 sparse
vector that Milvus computes itself from ``search_text`` (a Milvus BM25 function), and the fields a
citation needs. Rows carry ``doc_version`` (``<doc_id>@<content hash>``); searches are always
filtered to the versions the registry says are live and visible, so the scope check happens in
the engine, before anything reaches a language model.

Rows also carry their ``tenant``, and a store bound to a tenant (``ChunkStore.for_tenant``) writes
it and filters every search, count and delete by it. On a Milvus server the field is the
collection's partition key (one collection scales to many tenants, each search reads only its
tenant's partition); Milvus Lite 2.5 accepts a partition-key field but rejects any filter on it,
so there (and on any engine found to do the same when the collection is created) it is an
ordinary field with an inverted index.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from pymilvus import (
    AnnSearchRequest,
    DataType,
    Function,
    FunctionType,
    MilvusClient,
    MilvusException,
    RRFRanker,
    WeightedRanker,
)

from rag.errors import StoreUnavailableError
from rag.fusion import reciprocal_rank_fusion
from rag.models import Chunk, SearchHit
from rag.settings import Settings
from rag.word_pairs import with_word_pairs

logger = logging.getLogger(__name__)

SearchMode = Literal["hybrid", "dense", "bm25"]

MAX_TEXT_CHARS = 60_000  # VARCHAR limit is 65,535 bytes; keep room for multi-byte characters
BM25_ANALYZER = {
    "tokenizer": "standard",
    "filter": ["lowercase", {"type": "stop", "stop_words": ["_english_"]}],
}
# "flows" matches "flow", "expenditures" "expenditure": the question's wording and the
# document's rarely agree on the inflection.
STEMMED_BM25_ANALYZER = {
    **BM25_ANALYZER,
    "filter": [*BM25_ANALYZER["filter"], {"type": "stemmer", "language": "english"}],
}
HNSW_PARAMS = {"M": 16, "efConstruction": 200}
SEARCH_EF = 64
OUTPUT_FIELDS = ["doc_id", "source", "url", "text", "headings", "pages", "chunk_index"]
TENANT_FIELD = "tenant"
# Written in the description of a collection whose ``search_text`` holds word pairs
# (rag.word_pairs): an older collection keeps being searched the way it was indexed.
WORD_PAIRS_MARK = "search_text: words and adjacent word pairs"
TENANT_PARTITIONS = 64  # partitions the partition key hashes tenants into (servers only)


@dataclass(frozen=True)
class StoredChunk:
    """A chunk with its vector, as written to Milvus."""

    chunk: Chunk
    vector: Sequence[float]


def collection_name(prefix: str, model: str, dimension: int) -> str:
    """A valid Milvus collection name that identifies the embedding model and dimension."""
    slug = re.sub(r"[^0-9a-zA-Z]+", "_", model.split(":", 1)[-1]).strip("_").lower()[:40]
    digest = hashlib.sha1(model.encode()).hexdigest()[:6]
    return f"{prefix}_{slug}_{digest}_{dimension}"


def chunk_id(version: str, index: int) -> str:
    """The primary key of a document version's chunk at ``index``."""
    return f"{version}#{index}"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class ChunkStore:
    """Milvus collection of chunks with hybrid (dense + BM25) search."""

    def __init__(
        self,
        client: MilvusClient,
        collection: str,
        dimension: int,
        *,
        index: str = "HNSW",
        partition_key: bool = True,
        stemming: bool = True,
        word_pairs: bool = True,
    ) -> None:
        self.client = client
        self.collection = collection
        self.dimension = dimension
        self.analyzer = STEMMED_BM25_ANALYZER if stemming else BM25_ANALYZER
        self.tenant = ""
        self._ensure_collection(index, partition_key, word_pairs)
        # what the collection was created with, not what is asked now
        described = self.client.describe_collection(self.collection)
        self.word_pairs = WORD_PAIRS_MARK in (described.get("description") or "")
        _load_scipy_check_once()
        fields = described.get("fields") or []
        self.has_tenant_field = any(field.get("name") == TENANT_FIELD for field in fields)
        if not self.has_tenant_field:
            logger.warning(
                "collection %s predates tenants: searches rely on the registry's versions alone",
                collection,
            )

    def for_tenant(self, tenant: str) -> ChunkStore:
        """The same collection, written and searched as ``tenant`` (the client is shared)."""
        view = copy.copy(self)
        view.tenant = tenant
        return view

    def _mine(self, expr: str = "") -> str:
        """``expr`` limited to this store's tenant (the tenant filter first)."""
        if not self.has_tenant_field:
            return expr
        own = f"{TENANT_FIELD} == {json.dumps(self.tenant)}"
        return f"{own} and ({expr})" if expr else own

    @classmethod
    def connect(cls, settings: Settings, model: str, dimension: int) -> ChunkStore:
        return cls(
            connect_milvus(settings),
            collection_name(settings.collection_prefix, model, dimension),
            dimension,
            # Milvus Lite 2.x's local mode has no HNSW; its exact FLAT scan is fast at its scale.
            index="FLAT" if settings.uses_milvus_lite else "HNSW",
            # Milvus Lite 2.5 rejects filters on a partition-key field (tests/rag/test_tenants).
            partition_key=not settings.uses_milvus_lite,
            stemming=settings.bm25_stemming,
            word_pairs=settings.bm25_word_pairs,
        )

    def close(self) -> None:
        self.client.close()

    # --- schema --------------------------------------------------------------------------
    def _ensure_collection(self, index: str, partition_key: bool, word_pairs: bool) -> None:
        if self.client.has_collection(self.collection):
            self.client.load_collection(self.collection)
            return
        if partition_key:
            self._create_collection(index, partition_key=True, word_pairs=word_pairs)
            if self._filters_by_tenant():
                return
            # Milvus Lite's engine behind a server URI: a partition key it cannot filter on.
            logger.warning(
                "this Milvus cannot filter on a partition key; %s keeps tenants in an indexed "
                "field instead",
                self.collection,
            )
            self.client.drop_collection(self.collection)
        self._create_collection(index, partition_key=False, word_pairs=word_pairs)

    def _filters_by_tenant(self) -> bool:
        try:
            self.client.query(
                self.collection, filter=f'{TENANT_FIELD} == ""', output_fields=["count(*)"]
            )
        except MilvusException:
            return False
        return True

    def _create_collection(self, index: str, partition_key: bool, word_pairs: bool) -> None:
        description = f"ragbot chunks; {WORD_PAIRS_MARK}" if word_pairs else ""
        schema = self.client.create_schema(
            auto_id=False, enable_dynamic_field=False, description=description
        )
        schema.add_field("chunk_id", DataType.VARCHAR, is_primary=True, max_length=400)
        schema.add_field(
            TENANT_FIELD, DataType.VARCHAR, max_length=64, is_partition_key=partition_key
        )
        schema.add_field("doc_id", DataType.VARCHAR, max_length=200)
        schema.add_field("doc_version", DataType.VARCHAR, max_length=300)
        schema.add_field("source", DataType.VARCHAR, max_length=1000)
        schema.add_field("url", DataType.VARCHAR, max_length=2000)
        schema.add_field("text", DataType.VARCHAR, max_length=65_535)
        schema.add_field(
            "search_text",
            DataType.VARCHAR,
            max_length=65_535,
            enable_analyzer=True,
            analyzer_params=self.analyzer,
        )
        schema.add_field("text_hash", DataType.VARCHAR, max_length=64)
        schema.add_field("headings", DataType.JSON)
        schema.add_field("pages", DataType.JSON)
        schema.add_field("chunk_index", DataType.INT64)
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=self.dimension)
        schema.add_function(
            Function(
                name="search_text_bm25",
                function_type=FunctionType.BM25,
                input_field_names=["search_text"],
                output_field_names=["sparse"],
            )
        )
        extra = {"num_partitions": TENANT_PARTITIONS} if partition_key else {}
        self.client.create_collection(
            self.collection, schema=schema, consistency_level="Strong", **extra
        )
        try:
            self._create_indexes(dense_index=index, tenant_index=not partition_key)
        except MilvusException as exc:
            if index == "FLAT" or "only support" not in str(exc):
                raise
            # an engine without HNSW
            self._create_indexes(dense_index="FLAT", tenant_index=not partition_key)
        self.client.load_collection(self.collection)
        logger.info("created Milvus collection %s (dim=%d)", self.collection, self.dimension)

    @property
    def dense_index(self) -> str:
        """HNSW on servers; FLAT (exact) on Milvus Lite 2.x."""
        try:
            return str(self.client.describe_index(self.collection, "dense").get("index_type"))
        except MilvusException:
            return "unknown"

    @property
    def tenant_partition_key(self) -> bool:
        """Whether the collection is partitioned by tenant (servers) or filters a field."""
        fields = self.client.describe_collection(self.collection).get("fields") or []
        return any(f.get("name") == TENANT_FIELD and f.get("is_partition_key") for f in fields)

    def _create_indexes(self, dense_index: str, tenant_index: bool) -> None:
        index_params = self.client.prepare_index_params()
        params = HNSW_PARAMS if dense_index == "HNSW" else {}
        index_params.add_index("dense", index_type=dense_index, metric_type="COSINE", params=params)
        index_params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        index_params.add_index("doc_version", index_type="INVERTED")
        index_params.add_index("doc_id", index_type="INVERTED")
        if tenant_index:  # a partition key needs none: it routes to the tenant's partition
            index_params.add_index(TENANT_FIELD, index_type="INVERTED")
        # sync=False: don't poll index state (Milvus Lite 3 lacks the AllocTimestamp RPC that the
        # poll needs, which costs seconds of retries); loading waits for the indexes anyway.
        self.client.create_index(self.collection, index_params, sync=False)

    # --- writes --------------------------------------------------------------------------
    def insert(
        self, doc_id: str, version: str, source: str, url: str | None, rows: Sequence[StoredChunk]
    ) -> int:
        """Write one document version's chunks (invisible until the registry activates it)."""
        if not rows:
            return 0
        data = [self._row(doc_id, version, source, url, stored) for stored in rows]
        if self.has_tenant_field:
            for row in data:
                row[TENANT_FIELD] = self.tenant
        for start in range(0, len(data), 500):
            self.client.insert(self.collection, data[start : start + 500])
        self.client.flush(self.collection)
        return len(data)

    def delete_version(self, version: str) -> None:
        """Versions are unique across tenants (``version_name``): no tenant filter needed, so
        garbage collection can remove any tenant's leftovers."""
        self.client.delete(self.collection, filter=f"doc_version == {json.dumps(version)}")

    def delete_document(self, doc_id: str) -> None:
        self.client.delete(self.collection, filter=self._mine(f"doc_id == {json.dumps(doc_id)}"))

    def delete_tenant(self) -> None:
        """Every chunk of this store's tenant."""
        if self.has_tenant_field:
            self.client.delete(self.collection, filter=self._mine())

    def vectors_by_text_hash(self, version: str, hashes: Sequence[str]) -> dict[str, list[float]]:
        """Vectors already stored for identical chunk texts of ``version`` (skip re-embedding)."""
        if not hashes:
            return {}
        expr = f"doc_version == {json.dumps(version)} and text_hash in {json.dumps(list(hashes))}"
        rows = self.client.query(
            self.collection,
            filter=self._mine(expr),
            output_fields=["text_hash", "dense"],
        )
        return {row["text_hash"]: [float(x) for x in row["dense"]] for row in rows}

    def count(self, version: str | None = None, *, every_tenant: bool = False) -> int:
        expr = f"doc_version == {json.dumps(version)}" if version else ""
        if not every_tenant:
            expr = self._mine(expr)
        rows = self.client.query(self.collection, filter=expr, output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    def versions(self) -> set[str]:
        """Every doc version present in the collection, of every tenant (for reconciliation)."""
        found: set[str] = set()
        iterator = self.client.query_iterator(
            self.collection, batch_size=1000, filter="", output_fields=["doc_version"]
        )
        try:
            while batch := iterator.next():
                found.update(row["doc_version"] for row in batch)
        finally:
            iterator.close()
        return found

    def chunks_by_id(self, chunk_ids: Sequence[str]) -> dict[str, str]:
        """The shown text of stored chunks, by chunk id (ids not found are left out)."""
        if not chunk_ids:
            return {}
        rows = self.client.query(
            self.collection,
            filter=self._mine(f"chunk_id in {json.dumps(list(chunk_ids))}"),
            output_fields=["chunk_id", "text"],
        )
        return {row["chunk_id"]: row["text"] for row in rows}

    def document_chunks(self, version: str) -> list[SearchHit]:
        """Every chunk of one document version in document order (``score`` is 0)."""
        rows: list[dict[str, Any]] = []
        iterator = self.client.query_iterator(
            self.collection,
            batch_size=1000,
            filter=self._mine(f"doc_version == {json.dumps(version)}"),
            output_fields=["chunk_id", *OUTPUT_FIELDS],
        )
        try:
            while batch := iterator.next():
                rows.extend(batch)
        finally:
            iterator.close()
        hits = [_hit({**row, "distance": 0.0}, ()) for row in rows]
        return sorted(hits, key=lambda hit: hit.chunk_index)

    def _row(
        self, doc_id: str, version: str, source: str, url: str | None, stored: StoredChunk
    ) -> dict[str, Any]:
        chunk = stored.chunk
        return {
            "chunk_id": chunk_id(version, chunk.index),
            "doc_id": doc_id,
            "doc_version": version,
            "source": source[:1000],
            "url": (url or "")[:2000],
            "text": chunk.text[:MAX_TEXT_CHARS],
            "search_text": self._keyword_text(chunk.search_text, True)[:MAX_TEXT_CHARS],
            "text_hash": text_hash(chunk.search_text),
            "headings": list(chunk.headings),
            "pages": list(chunk.pages),
            "chunk_index": chunk.index,
            "dense": list(stored.vector),
        }

    def _keyword_text(self, text: str, word_pairs: bool) -> str:
        """What BM25 indexes or searches with for ``text``: with its word pairs, when asked and
        the collection indexes them."""
        return with_word_pairs(text) if word_pairs and self.word_pairs else text

    # --- search --------------------------------------------------------------------------
    def search(
        self,
        query_vector: Sequence[float],
        query_text: str,
        versions: Sequence[str],
        k: int,
        mode: SearchMode = "hybrid",
        fusion: str = "rrf",
        dense_weight: float = 0.6,
        rrf_k: int = 60,
        bm25_weight: float = 1.0,
        word_pairs: bool = False,
    ) -> list[SearchHit]:
        """Top ``k`` chunks among ``versions``; an empty list of versions finds nothing.

        Hybrid search fuses a dense and a BM25 list of ``4k`` candidates each: by reciprocal rank
        (``rrf``; Milvus's ``RRFRanker`` in one round trip, or, when BM25's list weighs
        ``bm25_weight`` against dense's 1, fused here, since that ranker has no weights) or by
        Milvus's ``WeightedRanker`` on normalised scores (``weighted``). With ``word_pairs``, BM25
        also matches the adjacent word pairs of ``query_text`` (``rag.word_pairs``; where the
        collection indexes them).
        """
        if not versions or k <= 0:
            return []
        expr = self._mine(f"doc_version in {json.dumps(list(versions))}")
        query_text = self._keyword_text(query_text, word_pairs)
        if mode != "hybrid":
            return self._search_one(query_vector, query_text, expr, k, mode)
        candidates = max(k * 4, 20)
        if fusion == "rrf" and bm25_weight != 1.0:
            return self._fused_search(
                query_vector, query_text, expr, k, candidates, rrf_k, bm25_weight
            )
        # equal-weight RRF and weighted fusion: one round trip, fused by Milvus
        ranker = (
            RRFRanker(rrf_k)
            if fusion == "rrf"
            else WeightedRanker(dense_weight, 1.0 - dense_weight)
        )
        requests = [
            AnnSearchRequest(
                [list(query_vector)],
                "dense",
                _dense_params(candidates),
                limit=candidates,
                expr=expr,
            ),
            AnnSearchRequest(
                [query_text],
                "sparse",
                {"metric_type": "BM25"},
                limit=candidates,
                expr=expr,
            ),
        ]
        results = self.client.hybrid_search(
            self.collection,
            requests,
            ranker,
            limit=k,
            output_fields=[*OUTPUT_FIELDS, "dense"],
        )
        return [_hit(raw, query_vector) for raw in results[0]] if results else []

    def _search_one(
        self,
        query_vector: Sequence[float],
        query_text: str,
        expr: str,
        limit: int,
        mode: Literal["dense", "bm25"],
    ) -> list[SearchHit]:
        results = self._search_list(query_vector, query_text, expr, limit, mode, OUTPUT_FIELDS)
        return [_hit(raw, query_vector) for raw in results]

    def _fused_search(
        self,
        query_vector: Sequence[float],
        query_text: str,
        expr: str,
        k: int,
        candidates: int,
        rrf_k: int,
        bm25_weight: float,
    ) -> list[SearchHit]:
        """Dense and BM25 searched apart, then fused here (Milvus's RRF has no weights).

        The two candidate lists carry ids only; the fields (vectors and text included) are read
        for the ``k`` fused chunks alone, in one query.
        """
        lists = [
            self._search_ids(query_vector, query_text, expr, candidates, mode)
            for mode in ("dense", "bm25")
        ]
        fused = reciprocal_rank_fusion(
            lists, [1.0, bm25_weight], k=rrf_k, key=lambda chunk: chunk, limit=k
        )
        if not fused:
            return []
        rows = self.client.query(
            self.collection,
            filter=self._mine(f"chunk_id in {json.dumps([chunk for chunk, _ in fused])}"),
            output_fields=["chunk_id", *OUTPUT_FIELDS, "dense"],
        )
        hits = {row["chunk_id"]: _hit(row, query_vector) for row in rows}
        return [replace(hits[chunk], score=score) for chunk, score in fused if chunk in hits]

    def _search_ids(
        self,
        query_vector: Sequence[float],
        query_text: str,
        expr: str,
        limit: int,
        mode: Literal["dense", "bm25"],
    ) -> list[str]:
        """The ids of the top ``limit`` chunks for one list (nothing else is sent back)."""
        results = self._search_list(query_vector, query_text, expr, limit, mode, [])
        return [_chunk_id(raw) for raw in results]

    def _search_list(
        self,
        query_vector: Sequence[float],
        query_text: str,
        expr: str,
        limit: int,
        mode: Literal["dense", "bm25"],
        fields: Sequence[str],
    ) -> list[dict[str, Any]]:
        """One list's raw results, with ``fields`` (and the dense vector, when any are asked)."""
        if mode == "dense":
            data: list[Any] = [list(query_vector)]
            params = _dense_params(limit)
        else:
            data, params = [query_text], {"metric_type": "BM25"}
        results = self.client.search(
            self.collection,
            data=data,
            anns_field="dense" if mode == "dense" else "sparse",
            limit=limit,
            filter=expr,
            search_params=params,
            output_fields=[*fields, "dense"] if fields else [],
        )
        return list(results[0]) if results else []


def _dense_params(limit: int) -> dict[str, Any]:
    """Search parameters of the dense field for ``limit`` results (HNSW's ef at least that)."""
    return {"metric_type": "COSINE", "params": {"ef": max(SEARCH_EF, limit)}}


def _load_scipy_check_once() -> None:
    """Run pymilvus's lazy scipy check now, in one thread.

    ``MilvusClient.search`` checks whether its data is a scipy sparse matrix; the first check
    executes ``scipy.sparse`` from its spec, and several threads searching at once for the first
    time race inside that import ("partially initialized module 'scipy.sparse._bsr'"), failing
    their searches (seen in ``bench.load``: 2 of 50 questions, 1 run in 9).
    """
    try:
        from pymilvus.client.utils import SciPyHelper

        SciPyHelper.is_scipy_sparse(None)
    except (ImportError, AttributeError):  # pymilvus moved it: nothing to warm
        logger.debug("pymilvus scipy check not found", exc_info=True)


def version_name(tenant: str, doc_id: str, digest: str) -> str:
    """The id of one content version of a document, unique across tenants (chunk ids derive
    from it, and two tenants may ingest the same document id with the same content)."""
    version = f"{doc_id}@{digest[:16]}"
    return f"{tenant}/{version}" if tenant else version


def connect_milvus(settings: Settings) -> MilvusClient:
    """Open Milvus Lite in the data dir, or connect to a Milvus server / Zilliz Cloud."""
    uri = settings.resolved_milvus_uri
    kwargs: dict[str, Any] = {}
    if settings.milvus_token:
        kwargs["token"] = settings.milvus_token.get_secret_value()
    if settings.milvus_db_name:
        kwargs["db_name"] = settings.milvus_db_name
    if settings.uses_milvus_lite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        return MilvusClient(uri=uri, timeout=30, **kwargs)
    except Exception as exc:  # pymilvus raises several unrelated types here
        where = "the Milvus Lite data dir" if settings.uses_milvus_lite else "the Milvus server"
        hint = (
            " Another ragbot process may be using it; Milvus Lite allows one process per data dir."
            if settings.uses_milvus_lite
            else ""
        )
        raise StoreUnavailableError(
            f"Could not open {where} ({type(exc).__name__}: {exc}).{hint}"
        ) from exc


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def _chunk_id(raw: dict[str, Any]) -> str:
    """A result's chunk id (a query names the primary key; a search may call it "id")."""
    return str(raw.get("chunk_id") or raw.get("id"))


def _hit(raw: dict[str, Any], query_vector: Sequence[float]) -> SearchHit:
    entity = raw.get("entity", raw)
    dense = entity.get("dense")
    return SearchHit(
        chunk_id=_chunk_id(raw),
        doc_id=entity["doc_id"],
        source=entity["source"],
        url=entity.get("url") or None,
        text=entity["text"],
        headings=tuple(entity.get("headings") or ()),
        pages=tuple(int(p) for p in entity.get("pages") or ()),
        chunk_index=int(entity.get("chunk_index", 0)),
        score=float(raw.get("distance", 0.0)),
        dense_score=_cosine(query_vector, dense) if dense is not None else None,
    )
