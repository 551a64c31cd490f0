"""Many workspaces: a team on every row, and slack_sdk's installation and OAuth state tables.

* ``bot_answers`` and ``bot_feedback`` get a ``team`` column (existing rows: ``""``, the
  single-workspace bot); ``bot_answered_threads``, ``bot_web_sources``, ``bot_channel_settings``
  and ``bot_answer_messages`` get it in their primary key (channel ids and document ids repeat
  across workspaces), rebuilt and copied.
* ``slack_installations``, ``slack_bots`` and ``slack_oauth_states``: the tables that
  slack_sdk's ``SQLAlchemyInstallationStore`` and ``SQLAlchemyOAuthStateStore`` read and write,
  column for column (``tests/bot/test_teams.py`` compares them with slack_sdk's own definitions).

Revision ID: 0003_teams
Revises: 0002_channels_edits_feedback
Create Date: 2026-12-01
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003_teams"
down_revision = "0002_channels_edits_feedback"
branch_labels = None
depends_on = None


def _team() -> sa.Column[str]:
    return sa.Column("team", sa.String(64), nullable=False, server_default="")


def _rebuild(
    table: str, columns: list[sa.Column[Any]], key: list[str], copied: str, where: str = ""
) -> None:
    """Recreate ``table`` with ``columns`` and primary key ``key``, copying ``copied``."""
    op.create_table(f"{table}_swap", *columns, sa.PrimaryKeyConstraint(*key, name=f"pk_{table}"))
    op.execute(f"INSERT INTO {table}_swap ({copied}) SELECT {copied} FROM {table}{where}")
    op.drop_table(table)
    op.rename_table(f"{table}_swap", table)


def _app_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
    ]


def _bot_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("bot_token", sa.String(200)),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.String(1000)),
        sa.Column("bot_refresh_token", sa.String(200)),
        sa.Column("bot_token_expires_at", sa.DateTime()),
    ]


def _installation_tables() -> None:
    op.create_table(
        "slack_installations",
        *_app_columns(),
        sa.Column("enterprise_url", sa.String(200)),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        *_bot_columns(),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("user_token", sa.String(200)),
        sa.Column("user_scopes", sa.String(1000)),
        sa.Column("user_refresh_token", sa.String(200)),
        sa.Column("user_token_expires_at", sa.DateTime()),
        sa.Column("incoming_webhook_url", sa.String(200)),
        sa.Column("incoming_webhook_channel", sa.String(200)),
        sa.Column("incoming_webhook_channel_id", sa.String(200)),
        sa.Column("incoming_webhook_configuration_url", sa.String(200)),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("token_type", sa.String(32)),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "slack_installations_idx",
        "slack_installations",
        ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
    )
    op.create_table(
        "slack_bots",
        *_app_columns(),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        *_bot_columns(),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "slack_bots_idx", "slack_bots", ["client_id", "enterprise_id", "team_id", "installed_at"]
    )
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(200), nullable=False),
        sa.Column("expire_at", sa.DateTime(), nullable=False),
    )


def _threads(team: bool) -> list[sa.Column[Any]]:
    return [
        *([_team()] if team else []),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("thread_ts", sa.String(32), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _web_sources(team: bool) -> list[sa.Column[Any]]:
    return [
        *([_team()] if team else []),
        sa.Column("doc_id", sa.String(64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _channel_settings(team: bool) -> list[sa.Column[Any]]:
    return [
        *([_team()] if team else []),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("auto_read", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _answer_messages(team: bool) -> list[sa.Column[Any]]:
    return [
        *([_team()] if team else []),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("question_ts", sa.String(32), nullable=False),
        sa.Column("thread_ts", sa.String(32), nullable=False),
        sa.Column("answer_ts", sa.String(32), nullable=False),
        sa.Column("answer_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


THREAD_COLUMNS = "channel, thread_ts, answered_at"
WEB_SOURCE_COLUMNS = "doc_id, url, added_by, created_at"
SETTING_COLUMNS = "channel, auto_read, changed_by, changed_at"
ANSWER_MESSAGE_COLUMNS = "channel, question_ts, thread_ts, answer_ts, answer_id, created_at"


def upgrade() -> None:
    for table in ("bot_answers", "bot_feedback"):
        op.add_column(table, _team())
        op.create_index(f"ix_{table}_team", table, ["team"])
    _rebuild(
        "bot_answered_threads",
        _threads(team=True),
        ["team", "channel", "thread_ts"],
        THREAD_COLUMNS,
    )
    _rebuild("bot_web_sources", _web_sources(team=True), ["team", "doc_id"], WEB_SOURCE_COLUMNS)
    _rebuild(
        "bot_channel_settings",
        _channel_settings(team=True),
        ["team", "channel"],
        SETTING_COLUMNS,
    )
    _rebuild(
        "bot_answer_messages",
        _answer_messages(team=True),
        ["team", "channel", "question_ts"],
        ANSWER_MESSAGE_COLUMNS,
    )
    _installation_tables()


def downgrade() -> None:
    """Back to one workspace: the default team's rows are kept, other teams' dropped."""
    for table in ("slack_oauth_states", "slack_bots", "slack_installations"):
        op.drop_table(table)
    mine = " WHERE team = ''"
    _rebuild(
        "bot_answered_threads",
        _threads(team=False),
        ["channel", "thread_ts"],
        THREAD_COLUMNS,
        mine,
    )
    _rebuild("bot_web_sources", _web_sources(team=False), ["doc_id"], WEB_SOURCE_COLUMNS, mine)
    _rebuild(
        "bot_channel_settings", _channel_settings(team=False), ["channel"], SETTING_COLUMNS, mine
    )
    _rebuild(
        "bot_answer_messages",
        _answer_messages(team=False),
        ["channel", "question_ts"],
        ANSWER_MESSAGE_COLUMNS,
        mine,
    )
    for table in ("bot_answers", "bot_feedback"):
        op.execute(f"DELETE FROM {table} WHERE team <> ''")
        op.drop_index(f"ix_{table}_team", table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("team")
