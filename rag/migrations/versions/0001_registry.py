"""Document registry: documents, their scopes, and knowledge-base metadata.

Revision ID: 0001_registry
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_registry"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("doc_id", sa.String(200), primary_key=True),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("origin", sa.Text()),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("active_version", sa.String(300)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("tables", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_documents_active_version", "documents", ["active_version"])
    op.create_table(
        "document_scopes",
        sa.Column(
            "doc_id",
            sa.String(200),
            sa.ForeignKey("documents.doc_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("scope", sa.String(200), primary_key=True),
    )
    op.create_index("ix_document_scopes_scope", "document_scopes", ["scope"])
    op.create_table(
        "kb_meta",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kb_meta")
    op.drop_index("ix_document_scopes_scope", "document_scopes")
    op.drop_table("document_scopes")
    op.drop_index("ix_documents_active_version", "documents")
    op.drop_table("documents")
