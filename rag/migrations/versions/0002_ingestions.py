"""Ingestions in flight; drop the documents' status and error columns (always "ready", None).

A document row exists only once a version is live, so it has no other status; what is still being
read is an ``ingestions`` row, which ``forget`` removes (the ingestion then never activates) and
whose age tells the orphan-chunk sweep which unreferenced chunks may still be on their way in.

Revision ID: 0002_ingestions
Revises: 0001_registry
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from alembic import op

revision = "0002_ingestions"
down_revision = "0001_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingestions",
        sa.Column("ingestion_id", sa.String(32), primary_key=True),
        sa.Column("doc_id", sa.String(200), nullable=False),
        sa.Column("version", sa.String(300), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_ingestions_doc_id", "ingestions", ["doc_id"])
    if op.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
        _drop_by_copying_the_table()
    else:
        op.drop_column("documents", "status")
        op.drop_column("documents", "error")


def _drop_by_copying_the_table() -> None:
    """SQLite before 3.35 has no DROP COLUMN: Alembic copies the table and drops the old one,
    which cascades to ``document_scopes`` (foreign keys are on and can't be switched off inside
    the migration's transaction), so the scopes are put back afterwards."""
    bind = op.get_bind()
    scopes = bind.execute(sa.text("SELECT doc_id, scope FROM document_scopes")).all()
    with op.batch_alter_table("documents") as documents:
        documents.drop_column("status")
        documents.drop_column("error")
    bind.execute(sa.text("DELETE FROM document_scopes"))
    if scopes:
        bind.execute(
            sa.text("INSERT INTO document_scopes (doc_id, scope) VALUES (:doc_id, :scope)"),
            [{"doc_id": doc_id, "scope": scope} for doc_id, scope in scopes],
        )


def downgrade() -> None:
    with op.batch_alter_table("documents") as documents:
        documents.add_column(
            sa.Column("status", sa.String(20), nullable=False, server_default="ready")
        )
        documents.add_column(sa.Column("error", sa.Text()))
    op.drop_index("ix_ingestions_doc_id", "ingestions")
    op.drop_table("ingestions")
