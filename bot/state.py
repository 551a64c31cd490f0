"""The bot's own tables on the project database: dedupe keys, answered threads, answers (and
where they were posted), feedback, per-conversation settings.

Message text is stored only where the product needs it (an answer a user may share or rate);
it is never logged.

Every row belongs to a team (``""`` for a single-workspace bot): a store bound to a team
(``StateStore.for_team``) reads and writes that team's rows only, and prefixes its dedupe keys
with the team, since channel ids and message timestamps can repeat across workspaces.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, get_args

from sqlalchemy import (
    Boolean,
    DateTime,
    Engine,
    Integer,
    String,
    Text,
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from rag import migrate
from rag.models import Answer, AnswerKind, Citation


class BotBase(DeclarativeBase):
    """Declarative base of the bot's tables (kept apart from the registry's)."""


def _now() -> datetime:
    return datetime.now(UTC)


_FAILED = "ingest-failed:"


class SeenKey(BotBase):
    __tablename__ = "bot_seen_keys"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class AnsweredThread(BotBase):
    __tablename__ = "bot_answered_threads"
    team: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    thread_ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class AnswerRow(BotBase):
    __tablename__ = "bot_answers"
    answer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team: Mapped[str] = mapped_column(String(64), default="", server_default="", index=True)
    channel: Mapped[str] = mapped_column(String(64))
    user: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    sources_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class FeedbackRow(BotBase):
    __tablename__ = "bot_feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(String(64), default="", server_default="", index=True)
    answer_id: Mapped[str] = mapped_column(String(32), index=True)
    user: Mapped[str] = mapped_column(String(64))
    vote: Mapped[int] = mapped_column(Integer)  # +1 / -1
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    chunk_ids: Mapped[str] = mapped_column(Text)  # JSON list
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    shown_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # the sources shown
    good_source: Mapped[str | None] = mapped_column(String(255), nullable=True)  # chunk id


class WebSourceRow(BotBase):
    __tablename__ = "bot_web_sources"
    team: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    doc_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class JobRunRow(BotBase):
    """One run of a one-off job: who holds it, and whether it finished (run-once across workers)."""

    __tablename__ = "bot_job_runs"
    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16))  # "running" | "done"
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ChannelSettingRow(BotBase):
    """What people set for one conversation with ``/docs`` (``/docs auto on|off``)."""

    __tablename__ = "bot_channel_settings"
    team: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    auto_read: Mapped[bool] = mapped_column(Boolean)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class AnswerMessageRow(BotBase):
    """Where the answer to a message was posted (edits re-answer it, deletions remove it)."""

    __tablename__ = "bot_answer_messages"
    team: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    question_ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    thread_ts: Mapped[str] = mapped_column(String(32))
    answer_ts: Mapped[str] = mapped_column(String(32))
    answer_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


RunClaim = Literal["claimed", "running_elsewhere", "done"]
NO_GOOD_SOURCE = "none"  # a 👎 voter said none of the sources shown was right
BOT_MIGRATIONS = Path(__file__).parent / "migrations"
BOT_VERSION_TABLE = "bot_alembic_version"


@dataclass(frozen=True)
class StoredAnswer:
    answer_id: str
    channel: str
    user: str
    question: str
    text: str
    kind: str
    sources: tuple[Citation, ...]

    def to_answer(self) -> Answer:
        cited = [s for s in self.sources if f"[{s.number}]" in self.text]
        kind: AnswerKind = self.kind if self.kind in get_args(AnswerKind) else "generated"  # type: ignore[assignment]
        return Answer(self.question, self.text, kind, list(self.sources), cited)


@dataclass(frozen=True)
class PostedAnswer:
    """The answer to one message: where the question was, where the answer is."""

    channel: str
    question_ts: str
    thread_ts: str
    answer_ts: str
    answer_id: str


@dataclass(frozen=True)
class FileFailure:
    """A shared file that could not be read, and why (shown on the Home tab)."""

    file_id: str
    channel: str
    reason: str
    when: datetime


@dataclass(frozen=True)
class Feedback:
    answer_id: str
    user: str
    vote: int
    question: str
    answer: str
    chunk_ids: tuple[str, ...]
    shown: tuple[Citation, ...] = ()  # the sources the voter saw
    good_source: str | None = None  # chunk id they marked right, NO_GOOD_SOURCE, or unmarked


def _citation(data: dict[str, object]) -> Citation:
    pages = data.get("pages") or []
    headings = data.get("headings") or []
    return Citation(
        number=int(str(data["number"])),
        doc_id=str(data["doc_id"]),
        chunk_id=str(data["chunk_id"]),
        source=str(data["source"]),
        url=str(data["url"]) if data.get("url") else None,
        pages=tuple(int(p) for p in pages) if isinstance(pages, list) else (),
        snippet=str(data.get("snippet") or ""),
        score=float(str(data.get("score") or 0.0)),
        headings=tuple(str(h) for h in headings) if isinstance(headings, list) else (),
    )


class StateStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        migrate.upgrade(engine, BOT_MIGRATIONS, BOT_VERSION_TABLE)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.team = ""

    def for_team(self, team: str) -> StateStore:
        """The same tables, seen by one team (the engine is shared)."""
        view = copy.copy(self)
        view.team = team
        return view

    def _key(self, key: str) -> str:
        return (f"{self.team}|{key}" if self.team else key)[:255]

    # --- dedupe ----------------------------------------------------------------------------
    def claim(self, key: str) -> bool:
        """True the first time a key is seen (an event id, a message, a file share)."""
        try:
            with self._sessions() as session, session.begin():
                session.add(SeenKey(key=self._key(key)))
        except IntegrityError:
            return False
        return True

    def release(self, key: str) -> None:
        with self._sessions() as session, session.begin():
            session.execute(delete(SeenKey).where(SeenKey.key == self._key(key)))

    # --- why a shared file could not be read (so a question waiting on it can say) -----------
    def note_file_failure(self, file_id: str, channel: str, reason: str) -> None:
        self.claim(f"{_FAILED}{file_id}:{channel}:{reason}")

    def file_failure(self, file_id: str, channel: str) -> str | None:
        prefix = self._key(f"{_FAILED}{file_id}:{channel}:")
        with self._sessions() as session:
            key = session.scalars(
                select(SeenKey.key).where(SeenKey.key.startswith(prefix, autoescape=True))
            ).first()
        return key[len(prefix) :] if key else None

    def recent_file_failures(self, channels: Iterable[str], limit: int = 50) -> list[FileFailure]:
        """Files that could not be read in ``channels``, newest first (kept a week)."""
        wanted = set(channels)
        prefix = self._key(_FAILED)  # this team's failures only
        with self._sessions() as session:
            rows = session.execute(
                select(SeenKey.key, SeenKey.seen_at)
                .where(SeenKey.key.startswith(prefix, autoescape=True))
                .order_by(SeenKey.seen_at.desc())
            ).all()
        failures = []
        for key, seen_at in rows:
            file_id, _, rest = key[len(prefix) :].partition(":")
            channel, _, reason = rest.partition(":")
            if channel in wanted:
                failures.append(FileFailure(file_id, channel, reason, seen_at))
        return failures[:limit]

    def clear_file_failures(self, file_id: str, channel: str) -> None:
        prefix = self._key(f"{_FAILED}{file_id}:{channel}:")
        with self._sessions() as session, session.begin():
            session.execute(delete(SeenKey).where(SeenKey.key.startswith(prefix, autoescape=True)))

    def prune(self, older_than: timedelta = timedelta(days=7)) -> int:
        with self._sessions() as session, session.begin():
            result = session.execute(delete(SeenKey).where(SeenKey.seen_at < _now() - older_than))
            return int(getattr(result, "rowcount", 0) or 0)

    # --- job runs (one worker runs each one-off job) -----------------------------------------
    def claim_run(self, run_id: str, owner: str, lease: timedelta) -> RunClaim:
        """Take a run; a lease left by a dead worker can be taken over once it has expired."""
        try:
            with self._sessions() as session, session.begin():
                session.add(
                    JobRunRow(
                        run_id=run_id, owner=owner, state="running", expires_at=_now() + lease
                    )
                )
            return "claimed"
        except IntegrityError:
            pass
        with self._sessions() as session, session.begin():
            taken_over = session.execute(
                update(JobRunRow)
                .where(
                    JobRunRow.run_id == run_id,
                    JobRunRow.state == "running",
                    JobRunRow.expires_at < _now(),
                )
                .values(owner=owner, expires_at=_now() + lease)
            )
            if getattr(taken_over, "rowcount", 0) == 1:
                return "claimed"
            row = session.get(JobRunRow, run_id)
            return "done" if row is not None and row.state == "done" else "running_elsewhere"

    def finish_run(self, run_id: str, keep_for: timedelta = timedelta(days=7)) -> None:
        with self._sessions() as session, session.begin():
            session.execute(
                update(JobRunRow)
                .where(JobRunRow.run_id == run_id)
                .values(state="done", expires_at=_now() + keep_for)
            )

    def prune_runs(self) -> int:
        with self._sessions() as session, session.begin():
            result = session.execute(
                delete(JobRunRow).where(JobRunRow.state == "done", JobRunRow.expires_at < _now())
            )
            return int(getattr(result, "rowcount", 0) or 0)

    # --- threads ---------------------------------------------------------------------------
    def mark_thread(self, channel: str, thread_ts: str) -> None:
        try:
            with self._sessions() as session, session.begin():
                session.add(AnsweredThread(team=self.team, channel=channel, thread_ts=thread_ts))
        except IntegrityError:
            pass

    def is_answered_thread(self, channel: str, thread_ts: str) -> bool:
        with self._sessions() as session:
            return session.get(AnsweredThread, (self.team, channel, thread_ts)) is not None

    # --- answers and feedback -------------------------------------------------------------
    def save_answer(self, channel: str, user: str, answer: Answer) -> str:
        answer_id = uuid.uuid4().hex
        with self._sessions() as session, session.begin():
            session.add(
                AnswerRow(
                    answer_id=answer_id,
                    team=self.team,
                    channel=channel,
                    user=user,
                    question=answer.question,
                    text=answer.text,
                    kind=answer.kind,
                    sources_json=json.dumps([c.to_dict() for c in answer.sources]),
                )
            )
        return answer_id

    def answer(self, answer_id: str) -> StoredAnswer | None:
        with self._sessions() as session:
            row = session.get(AnswerRow, answer_id)
            if row is None or row.team != self.team:
                return None
            sources = tuple(_citation(d) for d in json.loads(row.sources_json))
            return StoredAnswer(
                row.answer_id, row.channel, row.user, row.question, row.text, row.kind, sources
            )

    def record_feedback(
        self, answer_id: str, user: str, vote: int, shown: Sequence[Citation] = ()
    ) -> bool:
        """Store (or change) one user's vote on an answer: its question, the sources shown and
        their chunk ids (all the answer's sources when ``shown`` is empty)."""
        stored = self.answer(answer_id)
        if stored is None:
            return False
        seen = list(shown) or list(stored.sources)
        with self._sessions() as session, session.begin():
            session.execute(
                delete(FeedbackRow).where(
                    FeedbackRow.team == self.team,
                    FeedbackRow.answer_id == answer_id,
                    FeedbackRow.user == user,
                )
            )
            session.add(
                FeedbackRow(
                    team=self.team,
                    answer_id=answer_id,
                    user=user,
                    vote=1 if vote > 0 else -1,
                    question=stored.question,
                    answer=stored.text,
                    chunk_ids=json.dumps([c.chunk_id for c in seen]),
                    shown_json=json.dumps([c.to_dict() for c in seen]),
                )
            )
        return True

    def mark_good_source(self, answer_id: str, user: str, chunk_id: str) -> bool:
        """After a 👎: which shown source was right (``NO_GOOD_SOURCE``: none of them)."""
        with self._sessions() as session, session.begin():
            result = session.execute(
                update(FeedbackRow)
                .where(
                    FeedbackRow.team == self.team,
                    FeedbackRow.answer_id == answer_id,
                    FeedbackRow.user == user,
                )
                .values(good_source=chunk_id[:255])
            )
            return bool(getattr(result, "rowcount", 0))

    def feedback(self) -> list[Feedback]:
        with self._sessions() as session:
            rows = session.scalars(
                select(FeedbackRow).where(FeedbackRow.team == self.team).order_by(FeedbackRow.id)
            ).all()
            return [
                Feedback(
                    r.answer_id,
                    r.user,
                    r.vote,
                    r.question,
                    r.answer,
                    tuple(json.loads(r.chunk_ids)),
                    tuple(_citation(d) for d in json.loads(r.shown_json or "[]")),
                    r.good_source,
                )
                for r in rows
            ]

    # --- per-conversation settings (/docs auto on|off) -----------------------------------
    def auto_read(self, channel: str) -> bool:
        """Whether files shared in ``channel`` are read without being asked (default: yes)."""
        with self._sessions() as session:
            row = session.get(ChannelSettingRow, (self.team, channel))
            return True if row is None else row.auto_read

    def set_auto_read(self, channel: str, on: bool, user: str) -> None:
        with self._sessions() as session, session.begin():
            row = session.get(ChannelSettingRow, (self.team, channel))
            if row is None:
                session.add(
                    ChannelSettingRow(
                        team=self.team, channel=channel, auto_read=on, changed_by=user
                    )
                )
            else:
                row.auto_read, row.changed_by, row.changed_at = on, user, _now()

    # --- where answers went (edited and deleted questions) -------------------------------
    def remember_answer(self, posted: PostedAnswer) -> None:
        """Record (or, after an edit, replace) the answer to one message."""
        with self._sessions() as session, session.begin():
            session.merge(
                AnswerMessageRow(
                    team=self.team,
                    channel=posted.channel,
                    question_ts=posted.question_ts,
                    thread_ts=posted.thread_ts,
                    answer_ts=posted.answer_ts,
                    answer_id=posted.answer_id,
                )
            )

    def answer_to(self, channel: str, question_ts: str) -> PostedAnswer | None:
        with self._sessions() as session:
            row = session.get(AnswerMessageRow, (self.team, channel, question_ts))
            if row is None:
                return None
            return PostedAnswer(
                row.channel, row.question_ts, row.thread_ts, row.answer_ts, row.answer_id
            )

    def forget_answer(self, channel: str, question_ts: str) -> None:
        with self._sessions() as session, session.begin():
            session.execute(
                delete(AnswerMessageRow).where(
                    AnswerMessageRow.team == self.team,
                    AnswerMessageRow.channel == channel,
                    AnswerMessageRow.question_ts == question_ts,
                )
            )

    # --- web sources (/docs add) ----------------------------------------------------------
    def add_web_source(self, doc_id: str, url: str, user: str) -> None:
        with self._sessions() as session, session.begin():
            if session.get(WebSourceRow, (self.team, doc_id)) is None:
                session.add(WebSourceRow(team=self.team, doc_id=doc_id, url=url, added_by=user))

    def web_source_added_by(self, doc_id: str) -> str | None:
        """Who added a ``/docs add`` document (None when unknown)."""
        with self._sessions() as session:
            row = session.get(WebSourceRow, (self.team, doc_id))
            return row.added_by if row else None

    def remove_web_source(self, doc_id: str) -> None:
        with self._sessions() as session, session.begin():
            session.execute(
                delete(WebSourceRow).where(
                    WebSourceRow.team == self.team, WebSourceRow.doc_id == doc_id
                )
            )

    # --- a team that uninstalled -----------------------------------------------------------
    def forget_team(self) -> None:
        """Drop the team's answers, feedback, links and answered threads."""
        with self._sessions() as session, session.begin():
            for table in (
                AnswerRow,
                FeedbackRow,
                WebSourceRow,
                AnsweredThread,
                ChannelSettingRow,
                AnswerMessageRow,
            ):
                session.execute(delete(table).where(table.team == self.team))
