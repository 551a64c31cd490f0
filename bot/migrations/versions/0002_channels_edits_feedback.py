"""Per-channel settings, where each answer was posted, and the sources a vote was about.

Revision ID: 0002_channels_edits_feedback
Revises: 0001_bot_state
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_channels_edits_feedback"
down_revision = "0001_bot_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_channel_settings",
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("auto_read", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "bot_answer_messages",
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("question_ts", sa.String(32), primary_key=True),
        sa.Column("thread_ts", sa.String(32), nullable=False),
        sa.Column("answer_ts", sa.String(32), nullable=False),
        sa.Column("answer_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("bot_feedback") as batch:
        batch.add_column(sa.Column("shown_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("good_source", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bot_feedback") as batch:
        batch.drop_column("good_source")
        batch.drop_column("shown_json")
    op.drop_table("bot_answer_messages")
    op.drop_table("bot_channel_settings")
