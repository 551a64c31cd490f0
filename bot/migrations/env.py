"""Alembic environment of the bot's tables (run via ``bot.state.StateStore``)."""

from rag.migrate import run_migrations_in_context

run_migrations_in_context()
