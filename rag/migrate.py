"""Create or upgrade ragbot's SQL schema with Alembic (SQLite or PostgreSQL).

Each package that owns tables keeps its own migration history and version table, so the library
(``rag``) and the Slack side (``bot``) evolve independently on one database. Upgrades take a
PostgreSQL advisory lock, so several web/worker processes starting at once migrate exactly once.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

RAG_MIGRATIONS = Path(__file__).parent / "migrations"
RAG_VERSION_TABLE = "rag_alembic_version"


def run_migrations_in_context() -> None:
    """The body of every ``env.py``: migrate on the connection handed over by ``upgrade``."""
    from alembic import context

    config = context.config
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        version_table=config.attributes["version_table"],
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def alembic_config(script_location: Path, version_table: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["version_table"] = version_table
    return config


def upgrade(
    engine: Engine,
    script_location: Path = RAG_MIGRATIONS,
    version_table: str = RAG_VERSION_TABLE,
) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    config = alembic_config(script_location, version_table)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            lock_id = zlib.crc32(version_table.encode())
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
