"""The bot's state: dedupe keys, answered threads, answers, feedback, web sources, job runs.

Revision ID: 0001_bot_state
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0001_bot_state"
down_revision = None
branch_labels = None
depends_on = None


def _created_at() -> sa.Column[datetime]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "bot_seen_keys",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "bot_answered_threads",
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("thread_ts", sa.String(32), primary_key=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "bot_answers",
        sa.Column("answer_id", sa.String(32), primary_key=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sources_json", sa.Text(), nullable=False),
        _created_at(),
    )
    op.create_table(
        "bot_feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("answer_id", sa.String(32), nullable=False),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("vote", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("chunk_ids", sa.Text(), nullable=False),
        _created_at(),
    )
    op.create_index("ix_bot_feedback_answer_id", "bot_feedback", ["answer_id"])
    op.create_table(
        "bot_web_sources",
        sa.Column("doc_id", sa.String(64), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        _created_at(),
    )
    op.create_table(
        "bot_job_runs",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "bot_job_runs",
        "bot_web_sources",
        "bot_feedback",
        "bot_answers",
        "bot_answered_threads",
        "bot_seen_keys",
    ):
        op.drop_table(table)
