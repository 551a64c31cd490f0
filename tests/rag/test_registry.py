"""The registry on SQLite and PostgreSQL: migrations, versions, scopes, concurrency."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from rag.database import Base, make_engine
from rag.errors import DocumentForgottenError, EmbeddingModelMismatchError
from rag.migrate import RAG_MIGRATIONS, RAG_VERSION_TABLE, alembic_config
from rag.models import NO_GLOBAL_SCOPE
from rag.registry import NewVersion, Registry


def version(doc_id: str, digest: str, scopes: tuple[str, ...] = ("C1",)) -> NewVersion:
    return NewVersion(
        doc_id=doc_id,
        version=f"{doc_id}@{digest}",
        source=f"{doc_id}.md",
        url=None,
        origin=None,
        content_hash=digest,
        pages=1,
        chunks=2,
        tables=0,
        scopes=scopes,
    )


def activate(registry: Registry, new: NewVersion) -> str | None:
    """What an ingestion does: announce itself, then activate."""
    return registry.activate(new, registry.begin_ingestion(new.doc_id, new.version))


@pytest.fixture
def registry(database_url: str) -> Registry:
    return Registry(database_url)


def test_migrations_create_exactly_the_models_schema(registry: Registry) -> None:
    with registry.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)

    version_table = ("remove_table", RAG_VERSION_TABLE)
    assert [d for d in differences if (d[0], getattr(d[1], "name", None)) != version_table] == []
    Registry(registry.engine.url.render_as_string(hide_password=False))  # upgrading is idempotent


def test_activation_swaps_versions_and_keeps_scopes(registry: Registry) -> None:
    assert activate(registry, version("D", "v1")) is None
    assert activate(registry, version("D", "v2", ("C2",))) == "D@v1"

    info = registry.get("D")
    assert info is not None
    assert info.scopes == ("C1", "C2")
    assert registry.active_versions(["C2"]) == ["D@v2"]
    assert registry.active_versions(["C3"]) == []


def test_visibility_includes_global_documents(registry: Registry) -> None:
    activate(registry, version("G", "v1", ("global",)))
    activate(registry, version("P", "v1", ("G-private",)))

    assert sorted(registry.active_versions(["C1"])) == ["G@v1"]
    assert sorted(registry.active_versions(["G-private"])) == ["G@v1", "P@v1"]
    assert [d.doc_id for d in registry.list_documents(["C1"])] == ["G"]
    assert registry.stats()["documents"] == 2


def test_no_global_marker_leaves_global_documents_out(registry: Registry) -> None:
    activate(registry, version("G", "v1", ("global",)))
    activate(registry, version("S", "v1", ("C9",)))
    assert registry.active_versions(["C9", NO_GLOBAL_SCOPE]) == ["S@v1"]
    assert [d.doc_id for d in registry.list_documents(["C9", NO_GLOBAL_SCOPE])] == ["S"]
    assert registry.active_versions([NO_GLOBAL_SCOPE, "global"]) == []


def test_forget_and_scope_removal(registry: Registry) -> None:
    activate(registry, version("D", "v1", ("C1", "C2")))

    assert registry.remove_scope("D", "C1") == ("C2",)
    assert registry.forget("D") == "D@v1"
    assert registry.get("D") is None
    assert registry.forget("D") is None
    assert registry.remove_scope("D", "C2") is None


def test_embedding_model_is_pinned(registry: Registry) -> None:
    registry.check_embedding_model("local:a", 384)
    registry.check_embedding_model("local:a", 384)

    with pytest.raises(EmbeddingModelMismatchError, match="local:a"):
        registry.check_embedding_model("openai:b", 1536)


def test_concurrent_scope_updates_lose_nothing(registry: Registry) -> None:
    activate(registry, version("D", "v1", ()))
    errors: list[BaseException] = []

    def share(scope: str) -> None:
        try:
            registry.add_scopes("D", [scope])
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=share, args=(f"C{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    info = registry.get("D")
    assert errors == []
    assert info is not None
    assert len(info.scopes) == 8


def test_upgrading_keeps_documents_and_drops_the_always_ready_status(database_url: str) -> None:
    _a_document_at_revision_0001(database_url)

    _assert_upgraded_with_the_document_intact(Registry(database_url))


def test_upgrading_on_sqlite_without_drop_column_keeps_the_scopes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = f"sqlite:///{tmp_path / 'old.db'}"
    _a_document_at_revision_0001(database_url)
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))  # e.g. Debian 11

    _assert_upgraded_with_the_document_intact(Registry(database_url))


def _a_document_at_revision_0001(database_url: str) -> None:
    engine = make_engine(database_url)
    config = alembic_config(RAG_MIGRATIONS, RAG_VERSION_TABLE)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001_registry")
        connection.execute(
            text(
                "INSERT INTO documents (doc_id, source, active_version, status, pages, chunks,"
                " tables, created_at, updated_at) VALUES ('D', 'd.md', 'D@v1', 'ready', 3, 7, 1,"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        connection.execute(text("INSERT INTO document_scopes (doc_id, scope) VALUES ('D', 'C1')"))
    engine.dispose()


def _assert_upgraded_with_the_document_intact(registry: Registry) -> None:
    columns = {column["name"] for column in inspect(registry.engine).get_columns("documents")}
    info = registry.get("D")
    assert info is not None
    assert (info.pages, info.chunks, info.tables, info.scopes) == (3, 7, 1, ("C1",))
    assert registry.active_versions(["C1"]) == ["D@v1"]
    assert "status" not in columns
    assert "error" not in columns


def test_a_document_forgotten_during_its_ingestion_is_not_activated(registry: Registry) -> None:
    activate(registry, version("D", "v1"))
    ingestion = registry.begin_ingestion("D", "D@v2")
    first_time = registry.begin_ingestion("N", "N@v1")  # a new document, forgotten before it lands

    registry.forget("D")
    registry.forget("N")

    with pytest.raises(DocumentForgottenError):
        registry.touch_ingestion(ingestion)
    with pytest.raises(DocumentForgottenError):
        registry.activate(version("D", "v2"), ingestion)
    with pytest.raises(DocumentForgottenError):
        registry.activate(version("N", "v1"), first_time)
    assert registry.get("D") is None
    assert registry.get("N") is None
    assert registry.active_versions() == []


def test_live_versions_keep_ingestions_in_flight_until_they_fall_silent(
    registry: Registry,
) -> None:
    activate(registry, version("D", "v1"))
    in_flight = registry.begin_ingestion("E", "E@v1")

    assert registry.live_versions(timedelta(hours=1)) == {"D@v1", "E@v1"}
    registry.touch_ingestion(in_flight)
    assert registry.live_versions(timedelta(hours=1)) == {"D@v1", "E@v1"}

    # a cutoff in the future: every ingestion counts as silent (its process died)
    assert registry.live_versions(timedelta(seconds=-1)) == {"D@v1"}
    with pytest.raises(DocumentForgottenError):
        registry.activate(version("E", "v1"), in_flight)  # given up: it may not land any more


def test_ended_ingestions_leave_nothing_behind(registry: Registry) -> None:
    failed = registry.begin_ingestion("E", "E@v1")
    registry.end_ingestion(failed)
    ingestion = registry.begin_ingestion("D", "D@v1")
    registry.activate(version("D", "v1"), ingestion)
    registry.end_ingestion(ingestion)  # after activation: nothing left to drop

    assert registry.live_versions(timedelta(hours=1)) == {"D@v1"}


def test_document_locks_are_per_document(registry: Registry) -> None:
    holding = threading.Event()
    release = threading.Event()

    def hold_d() -> None:
        with registry.document_lock("D"):
            holding.set()
            release.wait(60)

    holder = threading.Thread(target=hold_d)
    holder.start()
    try:
        assert holding.wait(60)
        with registry.document_lock("E"):  # another document is not held up
            pass
    finally:
        release.set()
        holder.join(60)
    with registry.document_lock("D"):  # and the lock is free again
        pass


def test_document_lock_is_shared_between_processes_on_postgresql(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite is one process (Milvus Lite allows one per data dir)")
    web, worker = Registry(database_url), Registry(database_url)  # as two processes would
    order: list[str] = []
    holding, release = threading.Event(), threading.Event()

    def store_in_worker() -> None:
        with worker.document_lock("D"):
            holding.set()
            release.wait(60)
            order.append("worker done")

    def forget_in_web() -> None:
        with web.document_lock("D"):
            order.append("web in")

    storing = threading.Thread(target=store_in_worker)
    storing.start()
    assert holding.wait(60)
    forgetting = threading.Thread(target=forget_in_web)
    forgetting.start()
    _wait_for_a_waiting_advisory_lock(web)
    release.set()
    storing.join(60)
    forgetting.join(60)

    assert order == ["worker done", "web in"]


def _wait_for_a_waiting_advisory_lock(registry: Registry) -> None:
    query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    deadline = time.monotonic() + 60
    with registry.engine.connect() as connection:
        while connection.execute(query).scalar() == 0:
            assert time.monotonic() < deadline, "the second process never waited for the lock"
            connection.rollback()
            time.sleep(0.01)


def test_tenants_never_see_each_others_documents(registry: Registry) -> None:
    alpha, beta = registry.for_tenant("T_ALPHA"), registry.for_tenant("T_BETA")
    activate(alpha, version("D", "a1", ("C1",)))
    activate(beta, version("D", "b1", ("C1",)))  # the same document id and channel id
    activate(beta, version("G", "b2", ("global",)))
    in_flight = beta.begin_ingestion("D", "D@b9")

    assert alpha.active_versions(["C1"]) == ["D@a1"]
    assert sorted(beta.active_versions(["C1"])) == ["D@b1", "G@b2"]
    assert registry.active_versions(None) == []  # the default tenant has nothing
    assert [d.doc_id for d in alpha.list_documents(None)] == ["D"]
    assert alpha.stats()["documents"] == 1
    assert beta.stats()["documents"] == 2
    assert registry.tenants() == {
        "T_ALPHA": {"documents": 1, "chunks": 2},
        "T_BETA": {"documents": 2, "chunks": 4},
    }
    assert registry.live_versions(timedelta(hours=1)) == {"D@a1", "D@b1", "G@b2", "D@b9"}

    assert alpha.forget("G") is None  # not alpha's
    assert alpha.forget("D") == "D@a1"  # and beta's ingestion of its own D goes on
    beta.touch_ingestion(in_flight)
    assert beta.get("D") is not None
    assert beta.forget_tenant() == 2
    with pytest.raises(DocumentForgottenError):
        beta.touch_ingestion(in_flight)  # the tenant's ingestions in flight are cancelled
    assert beta.list_documents(None) == []
    assert registry.all_active_versions() == []


def test_upgraded_documents_belong_to_the_default_tenant(database_url: str) -> None:
    _a_document_at_revision_0001(database_url)
    registry = Registry(database_url)

    assert registry.for_tenant("T1").get("D") is None
    assert registry.tenants() == {"": {"documents": 1, "chunks": 7}}
    assert registry.forget("D") == "D@v1"  # the scopes' composite foreign key still cascades
    with registry.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM document_scopes")).scalar() == 0
    registry.close()
