"""The same store scenarios against a Milvus *server* URI (``MILVUS_URI``), not an embedded file.

``milvus-lite server`` serves Milvus's gRPC API on 127.0.0.1, so the client path is the one used
with Milvus Standalone/Distributed or Zilliz Cloud: ``MilvusClient(uri="http://host:port")``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from pymilvus import MilvusClient

from rag.knowledge_base import KnowledgeBase
from rag.models import SourceInfo
from rag.settings import Settings
from tests.net import free_port, wait_for_port
from tests.rag.test_knowledge_base import (  # noqa: F401  (collected here against the server)
    test_bad_file_leaves_the_store_untouched,
    test_changed_document_replaces_its_chunks,
    test_forget_removes_document_and_chunks,
    test_hybrid_beats_dense_only_on_an_exact_term,
    test_ingest_then_search_finds_the_passage_with_its_headings,
    test_reingesting_identical_content_is_a_no_op,
    test_scope_isolation,
)


@pytest.fixture(scope="module")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Milvus Lite's engine serving gRPC on 127.0.0.1 (2.5: its ``Server``; 3.x: its CLI)."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("milvus-server")
    process = subprocess.Popen(
        _server_command(data_dir, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_port(port, process, name="milvus-lite server", poll_s=0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


SERVE_WITH_LITE_25 = """
import signal, sys, threading
from milvus_lite.server import Server
server = Server(sys.argv[1], sys.argv[2])
assert server.init() and server.start(), "milvus-lite server failed to start"
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
stop.wait()
server.stop()
"""


def _server_command(data_dir: Path, port: int) -> list[str]:
    if version("milvus-lite").startswith("2."):
        return [
            sys.executable,
            "-c",
            SERVE_WITH_LITE_25,
            str(data_dir / "milvus.db"),
            f"127.0.0.1:{port}",
        ]
    cli = shutil.which("milvus-lite") or str(Path(sys.executable).parent / "milvus-lite")
    return [cli, "server", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port)]


@pytest.fixture
def settings(tmp_path: Path, milvus_server: str) -> Settings:
    """Overrides the embedded default: a server URI, one collection prefix per test."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "data",
        milvus_uri=milvus_server,
        collection_prefix=f"t{uuid.uuid4().hex[:10]}",
    )


def test_the_server_path_is_used(kb: KnowledgeBase, settings: Settings) -> None:
    kb.ingest_bytes(
        b"# Note\n\nServers hold this.", SourceInfo("note.md"), doc_id="N", scopes=["C"]
    )

    other_client = MilvusClient(uri=settings.resolved_milvus_uri)
    try:
        assert kb.store.collection in other_client.list_collections()
    finally:
        other_client.close()
    assert not settings.uses_milvus_lite
    assert not (settings.data_dir / "milvus.db").exists()


def test_an_engine_that_cannot_filter_a_partition_key_gets_an_indexed_tenant_field(
    kb: KnowledgeBase,
) -> None:
    """Milvus Lite's engine behind a server URI refuses partition-key filters: the store finds
    out when it creates the collection and keeps tenants in an indexed field instead."""
    alpha, beta = kb.for_tenant("T_ALPHA"), kb.for_tenant("T_BETA")
    alpha.ingest_bytes(b"# Note\n\nAlpha's secret.", SourceInfo("a.md"), doc_id="N", scopes=["C"])
    beta.ingest_bytes(b"# Note\n\nBeta's secret.", SourceInfo("b.md"), doc_id="N", scopes=["C"])

    assert kb.store.tenant_partition_key is False
    assert kb.store.client.describe_index(kb.store.collection, "tenant")["index_type"] == "INVERTED"
    assert [h.text for h in alpha.search("secret", ["C"])] == ["Alpha's secret."]
    assert [h.text for h in beta.search("secret", ["C"])] == ["Beta's secret."]
