"""Tenants: every document, scope and ingestion row belongs to one (``""``: a single tenant).

The primary keys become (tenant, doc_id) and (tenant, doc_id, scope), so two tenants may hold the
same document id. Existing rows move to the default tenant ``""``. The tables are rebuilt and
copied (the portable way to change a primary key on SQLite and PostgreSQL alike).

Revision ID: 0003_tenants
Revises: 0002_ingestions
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_tenants"
down_revision = "0002_ingestions"
branch_labels = None
depends_on = None

DOCUMENT_COLUMNS = (
    "doc_id, source, url, origin, content_hash, active_version, pages, chunks, tables, "
    "created_at, updated_at"
)


def _documents(name: str, with_tenant: bool) -> None:
    key = ["tenant", "doc_id"] if with_tenant else ["doc_id"]
    op.create_table(
        name,
        *([sa.Column("tenant", sa.String(64), nullable=False, server_default="")] * with_tenant),
        sa.Column("doc_id", sa.String(200), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("origin", sa.Text()),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("active_version", sa.String(300)),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("tables", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(*key, name=f"pk_{name}"),
    )


def _scopes(name: str, documents: str, with_tenant: bool) -> None:
    key = ["tenant", "doc_id"] if with_tenant else ["doc_id"]
    op.create_table(
        name,
        *([sa.Column("tenant", sa.String(64), nullable=False, server_default="")] * with_tenant),
        sa.Column("doc_id", sa.String(200), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint(*key, "scope", name=f"pk_{name}"),
        sa.ForeignKeyConstraint(
            key,
            [f"{documents}.{column}" for column in key],
            name="fk_document_scopes_document",
            ondelete="CASCADE",
        ),
    )


def _swap(with_tenant: bool) -> None:
    """Rebuild both tables with or without the tenant column, copying the rows over."""
    tenant = "tenant, " if with_tenant else ""
    value = "'', " if with_tenant else ""
    where = "" if with_tenant else " WHERE tenant = ''"
    _documents("documents_swap", with_tenant)
    op.execute(
        f"INSERT INTO documents_swap ({tenant}{DOCUMENT_COLUMNS}) "
        f"SELECT {value}{DOCUMENT_COLUMNS} FROM documents{where}"
    )
    _scopes("document_scopes_swap", "documents_swap", with_tenant)
    op.execute(
        f"INSERT INTO document_scopes_swap ({tenant}doc_id, scope) "
        f"SELECT {value}doc_id, scope FROM document_scopes{where}"
    )
    op.drop_index("ix_document_scopes_scope", "document_scopes")
    op.drop_table("document_scopes")
    op.drop_index("ix_documents_active_version", "documents")
    op.drop_table("documents")
    op.rename_table("documents_swap", "documents")
    op.rename_table("document_scopes_swap", "document_scopes")
    op.create_index("ix_documents_active_version", "documents", ["active_version"])
    op.create_index("ix_document_scopes_scope", "document_scopes", ["scope"])


def upgrade() -> None:
    _swap(with_tenant=True)
    with op.batch_alter_table("ingestions") as ingestions:
        ingestions.add_column(sa.Column("tenant", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    op.execute("DELETE FROM ingestions WHERE tenant <> ''")
    with op.batch_alter_table("ingestions") as ingestions:
        ingestions.drop_column("tenant")
    _swap(with_tenant=False)  # keeps the default tenant's documents only
