"""Alembic environment of the registry's migrations (run via ``rag.migrate.upgrade``)."""

from rag.migrate import run_migrations_in_context

run_migrations_in_context()
