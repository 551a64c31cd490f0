"""Shared fixtures: real components (Milvus Lite, SQLite, Docling, the local embedding model)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from rag.embeddings import Embedder, SentenceTransformerEmbedder, resolve_local_model
from rag.knowledge_base import KnowledgeBase
from rag.settings import DEFAULT_LOCAL_EMBEDDING_MODEL, Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = REPO_ROOT / "samples"
FORMATS = REPO_ROOT / "tests" / "fixtures" / "formats"

# Variables a developer's shell may carry that would change what the tests exercise.
_ISOLATED_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "MILVUS_URI",
    "MILVUS_TOKEN",
    "MILVUS_DB_NAME",
    "DATABASE_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_URL",
)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _ISOLATED_ENV:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("RAGBOT_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file is read, no .ragbot left behind


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real offline MiniLM model, loaded once per test session."""
    return SentenceTransformerEmbedder(
        DEFAULT_LOCAL_EMBEDDING_MODEL, resolve_local_model(DEFAULT_LOCAL_EMBEDDING_MODEL)
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]


@pytest.fixture
def kb(settings: Settings, embedder: Embedder) -> Iterator[KnowledgeBase]:
    knowledge_base = KnowledgeBase(settings, embedder=embedder)
    yield knowledge_base
    knowledge_base.close()


from tests.fakes.fixtures import fake_openai, fake_slack  # noqa: E402, F401


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str | None]:
    from tests.postgres import throwaway_postgres

    with throwaway_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_server: str | None
) -> Iterator[str]:
    """A fresh, empty database: SQLite always; PostgreSQL when a server can be had."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.db'}"
        return
    if postgres_server is None:
        pytest.skip("no PostgreSQL server on this machine (set RAGBOT_TEST_DATABASE_URL)")
    from tests.postgres import fresh_database

    name = f"t_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    with fresh_database(postgres_server, name) as url:
        yield url
