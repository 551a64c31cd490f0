"""Tenants on real Milvus Lite + SQLite: the same ids in two tenants, never a cross-tenant hit."""

from __future__ import annotations

from pathlib import Path

import pytest
from pymilvus import DataType, MilvusClient, MilvusException

from rag.knowledge_base import KnowledgeBase
from rag.models import SourceInfo

HANDBOOK = """# Handbook

## Vacation

Every employee gets 25 days of paid vacation per year. Unused days expire in March.
"""

OTHER_HANDBOOK = """# Handbook

## Vacation

Staff get 30 days of vacation per year and may carry ten of them over.
"""


def ingest(kb: KnowledgeBase, text: str, doc_id: str = "F1", scope: str = "C1") -> None:
    kb.ingest_bytes(text.encode(), SourceInfo("handbook.md"), doc_id=doc_id, scopes=[scope])


def test_same_ids_in_two_tenants_stay_apart(kb: KnowledgeBase) -> None:
    alpha, beta = kb.for_tenant("T_ALPHA"), kb.for_tenant("T_BETA")
    ingest(alpha, HANDBOOK)
    ingest(beta, HANDBOOK)  # same document id, same content, same channel id
    ingest(beta, OTHER_HANDBOOK, doc_id="F2")

    alpha_hits = alpha.search("vacation days per year", ["C1"], k=10)
    beta_hits = beta.search("vacation days per year", ["C1"], k=10)
    assert {h.doc_id for h in alpha_hits} == {"F1"}
    assert {h.doc_id for h in beta_hits} == {"F1", "F2"}
    assert not {h.chunk_id for h in alpha_hits} & {h.chunk_id for h in beta_hits}
    assert kb.search("vacation days per year", None) == []  # the default tenant has nothing
    assert alpha.store.count() == len(alpha_hits)
    assert alpha.stats()["documents"] == 1
    assert beta.stats()["documents"] == 2

    assert alpha.forget("F1") is True
    assert alpha.search("vacation", ["C1"]) == []
    assert alpha.store.count() == 0
    assert {h.doc_id for h in beta.search("vacation days per year", ["C1"], k=10)} == {"F1", "F2"}


def test_the_store_filters_by_tenant_even_given_another_tenants_versions(
    kb: KnowledgeBase,
) -> None:
    alpha, beta = kb.for_tenant("T_ALPHA"), kb.for_tenant("T_BETA")
    ingest(beta, HANDBOOK)
    beta_versions = beta.registry.active_versions(["C1"])
    vector = kb.embedder.embed_query("vacation")

    assert beta.store.search(vector, "vacation", beta_versions, 5)
    assert alpha.store.search(vector, "vacation", beta_versions, 5) == []
    assert alpha.store.chunks_by_id([f"{beta_versions[0]}#0"]) == {}


def test_forgetting_a_tenant_and_collecting_garbage_leave_the_others(kb: KnowledgeBase) -> None:
    alpha, beta = kb.for_tenant("T_ALPHA"), kb.for_tenant("T_BETA")
    ingest(alpha, HANDBOOK)
    ingest(beta, OTHER_HANDBOOK)
    beta_chunks = beta.store.count()

    assert kb.remove_orphan_chunks() == 0  # every tenant's live versions are kept
    assert alpha.forget_tenant() == 1
    assert alpha.documents() == []
    assert alpha.store.count() == 0
    assert beta.store.count() == beta_chunks
    assert kb.store.count(every_tenant=True) == beta_chunks


def test_milvus_lite_has_no_filtered_search_on_a_partition_key(tmp_path: Path) -> None:
    """Why the store uses an indexed field on Milvus Lite: a partition-key filter is refused.

    When this starts failing, Milvus Lite has learnt it: the store can use the partition key
    there too (``ChunkStore.connect``).
    """
    client = MilvusClient(str(tmp_path / "probe.db"))
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=16)
    schema.add_field("tenant", DataType.VARCHAR, max_length=16, is_partition_key=True)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=2)
    client.create_collection("probe", schema=schema, num_partitions=4)
    index = client.prepare_index_params()
    index.add_index("dense", index_type="FLAT", metric_type="COSINE")
    client.create_index("probe", index)
    client.load_collection("probe")
    client.insert("probe", [{"id": "a", "tenant": "T1", "dense": [1.0, 0.0]}])
    with pytest.raises(MilvusException, match="Invalid expr"):
        client.search("probe", data=[[1.0, 0.0]], limit=1, filter='tenant == "T1"')
    client.close()


def test_lite_store_filters_an_indexed_tenant_field(kb: KnowledgeBase) -> None:
    assert kb.store.has_tenant_field is True
    assert kb.store.tenant_partition_key is False
    index = kb.store.client.describe_index(kb.store.collection, "tenant")
    assert index.get("index_type") == "INVERTED"
