"""The registry on SQLite and PostgreSQL: migrations, versions, scopes, concurrency."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from rag.database import Base
from rag.errors import EmbeddingModelMismatchError
from rag.migrate import RAG_VERSION_TABLE
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
    assert registry.activate(version("D", "v1")) is None
    assert registry.activate(version("D", "v2", ("C2",))) == "D@v1"

    info = registry.get("D")
    assert info is not None
    assert info.scopes == ("C1", "C2")
    assert registry.active_versions(["C2"]) == ["D@v2"]
    assert registry.active_versions(["C3"]) == []


def test_visibility_includes_global_documents(registry: Registry) -> None:
    registry.activate(version("G", "v1", ("global",)))
    registry.activate(version("P", "v1", ("G-private",)))

    assert sorted(registry.active_versions(["C1"])) == ["G@v1"]
    assert sorted(registry.active_versions(["G-private"])) == ["G@v1", "P@v1"]
    assert [d.doc_id for d in registry.list_documents(["C1"])] == ["G"]
    assert registry.stats()["documents"] == 2


def test_no_global_marker_leaves_global_documents_out(registry: Registry) -> None:
    registry.activate(version("G", "v1", ("global",)))
    registry.activate(version("S", "v1", ("C9",)))
    assert registry.active_versions(["C9", NO_GLOBAL_SCOPE]) == ["S@v1"]
    assert [d.doc_id for d in registry.list_documents(["C9", NO_GLOBAL_SCOPE])] == ["S"]
    assert registry.active_versions([NO_GLOBAL_SCOPE, "global"]) == []


def test_forget_and_scope_removal(registry: Registry) -> None:
    registry.activate(version("D", "v1", ("C1", "C2")))

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
    registry.activate(version("D", "v1", ()))
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


def test_tenants_never_see_each_others_documents(registry: Registry) -> None:
    alpha, beta = registry.for_tenant("T_ALPHA"), registry.for_tenant("T_BETA")
    alpha.activate(version("D", "a1", ("C1",)))
    beta.activate(version("D", "b1", ("C1",)))  # the same document id and channel id
    beta.activate(version("G", "b2", ("global",)))

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

    assert alpha.forget("G") is None  # not alpha's
    assert alpha.remove_scope("D", "C1") == ()
    assert beta.get("D") is not None
    assert beta.get("D").scopes == ("C1",)
    assert beta.forget_tenant() == 2
    assert beta.list_documents(None) == []
    assert alpha.get("D") is not None
    assert sorted(registry.all_active_versions()) == ["D@a1"]


def test_upgrade_moves_existing_documents_to_the_default_tenant(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from rag.database import make_engine
    from rag.migrate import RAG_MIGRATIONS, alembic_config

    engine = make_engine(database_url)
    config = alembic_config(RAG_MIGRATIONS, RAG_VERSION_TABLE)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001_registry")
        connection.execute(
            text(
                "INSERT INTO documents (doc_id, source, status, pages, chunks, tables, "
                "active_version, created_at, updated_at) VALUES ('F1', 'a.pdf', 'ready', 1, 3, 0, "
                "'F1@x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(text("INSERT INTO document_scopes VALUES ('F1', 'C1')"))
    engine.dispose()

    registry = Registry(database_url)  # upgrades to head
    info = registry.get("F1")
    assert info is not None
    assert info.scopes == ("C1",)
    assert info.chunks == 3
    assert registry.active_versions(["C1"]) == ["F1@x"]
    assert registry.for_tenant("T1").get("F1") is None
    assert registry.forget("F1") == "F1@x"  # the scopes' foreign key still cascades
    with registry.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM document_scopes")).scalar() == 0
    registry.close()
