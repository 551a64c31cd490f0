"""Answer a question in a thread: history, streamed text, sources, buttons."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.access import search_scopes
from bot.blocks.answer import answer_footer_blocks, worded
from bot.blocks.errors import GENERIC
from bot.conversation import Reply, thread_messages
from bot.deps import Deps
from bot.payloads import FileRef, MessageEvent
from bot.state import PostedAnswer
from bot.streaming import ThreadWriter
from bot.text.incoming import readable
from rag.errors import RagError
from rag.models import Answer, Turn

logger = logging.getLogger(__name__)

FILE_POLL_S = 0.25  # how often a question waiting on its files checks them
EMPTY_MENTION = (
    "Ask me a question after the mention, like `@ragbot what is our refund policy?`, "
    "or share a document with me here."
)


@dataclass(frozen=True)
class Question:
    channel: str  # the conversation: the only scope searched
    thread_ts: str  # where the answer goes
    message_ts: str | None  # the question message itself (left out of history)
    text: str
    user: str
    team: str | None = None


def thread_history(
    deps: Deps, client: WebClient, question: Question, bot_user_id: str | None, limit: int
) -> list[Turn]:
    """The latest turns of the thread before the question (oldest first), as user/assistant."""
    if limit <= 0 or question.message_ts in (None, question.thread_ts):
        return []
    messages = thread_messages(client, question.channel, question.thread_ts, keep_last=limit + 1)
    turns = [
        turn
        for m in messages
        if m.get("ts") != question.message_ts
        and (turn := _turn(deps, client, m, bot_user_id)) is not None
    ]
    return turns[-limit:]


def _turn(
    deps: Deps, client: WebClient, message: Mapping[str, Any], bot_user_id: str | None
) -> Turn | None:
    raw = str(message.get("text") or "")
    text = readable(raw, bot_user_id, lambda user: deps.directory.name(client, user))
    if not text:
        return None
    from_bot = message.get("bot_id") is not None or (
        bot_user_id is not None and message.get("user") == bot_user_id
    )
    return Turn("assistant" if from_bot else "user", text)


def answer_question(
    deps: Deps,
    client: WebClient,
    question: Question,
    *,
    bot_user_id: str | None = None,
    set_status: Callable[[str], Any] | None = None,
    mode: Reply = Reply.ALWAYS,
    files: Sequence[FileRef] = (),
    also_search: Sequence[str] = (),
    in_place: str | None = None,
) -> Answer | None:
    """Stream an answer into the thread; on failure say so there. Returns the answer, if any.

    ``Reply.IF_FOUND`` stays silent when nothing relevant is found (a remark, not a question).
    ``files`` shared with the question are waited for first, and any that failed are named.
    ``also_search``: more conversations whose documents the asker may see (the channel viewed
    beside the assistant pane).
    ``in_place``: the ts of an earlier answer to rewrite (the question was edited).
    """
    preface = read_files_first(deps, client, question, files, set_status)
    _status(client, question, set_status)
    writer = ThreadWriter(
        client,
        question.channel,
        question.thread_ts,
        user=question.user,
        team=question.team,
        interval=deps.settings.stream_update_s,
    )
    if in_place is not None:
        writer.replace(in_place)
    try:
        # Before the answer shows: a follow-up sent the moment it does must find a bot thread.
        deps.state.mark_thread(question.channel, question.thread_ts)
        history = thread_history(
            deps, client, question, bot_user_id, deps.settings.thread_history_messages
        )
        scopes = [*search_scopes(deps, client, question.channel), *also_search]
        stream = deps.kb.stream_answer(question.text, scopes=scopes, history=history)
        if mode is Reply.IF_FOUND and stream.kind == "no_results" and not preface:
            logger.info("nothing relevant for a remark in %s; staying silent", question.channel)
            _status(client, question, set_status, "")
            return None
        if preface:
            writer.append(preface)
        for delta in stream:
            writer.append(delta)
        answer = worded(stream.answer)
        if answer.kind != "generated":
            writer.append(answer.text)
        answer_id = deps.state.save_answer(question.channel, question.user, answer)
        writer.finish(answer_footer_blocks(answer, answer_id))
        _remember(deps, question, writer.message_ts, answer_id)
    except RagError as err:
        logger.warning("answer failed in %s: %s", question.channel, type(err).__name__)
        _fail(writer, err.user_message)
        return None
    except Exception:
        logger.exception("answer failed in %s", question.channel)
        _fail(writer, None)
        return None
    logger.info("answered in %s: %s, %d cited", question.channel, answer.kind, len(answer.cited))
    return answer


def _remember(deps: Deps, question: Question, answer_ts: str | None, answer_id: str) -> None:
    """Where the answer to a message went, so editing or deleting the message reaches it."""
    if question.message_ts is None or answer_ts is None:
        return
    posted = PostedAnswer(
        question.channel, question.message_ts, question.thread_ts, answer_ts, answer_id
    )
    deps.state.remember_answer(posted)


def read_files_first(
    deps: Deps,
    client: WebClient,
    question: Question,
    files: Sequence[FileRef],
    set_status: Callable[[str], Any] | None,
) -> str:
    """Wait (at most the conversion timeout) until the files shared with a question are read.

    Shows "reading <file>…" meanwhile. Returns a Markdown note naming files that failed (and
    why) or are still being read; empty when all are ready.
    """
    pending = {f.file_id: f.name or "the file you shared" for f in files}
    notes: list[str] = []
    deadline = time.monotonic() + deps.settings.convert_timeout_s
    shown = ""
    while pending:
        for file_id, name in list(pending.items()):
            doc = deps.kb.document(file_id)
            if doc is not None and question.channel in doc.scopes:
                del pending[file_id]
            elif (reason := deps.state.file_failure(file_id, question.channel)) is not None:
                notes.append(f"I couldn't read **{name}**: {reason}")
                del pending[file_id]
        if not pending or time.monotonic() >= deadline:
            break
        status = f"reading {', '.join(pending.values())}…"
        if status != shown:
            _status(client, question, set_status, status)
            shown = status
        time.sleep(FILE_POLL_S)
    notes += [
        f"**{name}** is still being read; ask again when its receipt appears."
        for name in pending.values()
    ]
    return "".join(f"_{note}_\n\n" for note in notes)


def _status(
    client: WebClient,
    question: Question,
    set_status: Callable[[str], Any] | None,
    status: str = "thinking…",
) -> None:
    """Show ``status`` under the thread while work goes on; "" clears it (best effort)."""
    try:
        if set_status is not None:
            set_status(status)
        else:
            client.assistant_threads_setStatus(
                channel_id=question.channel, thread_ts=question.thread_ts, status=status
            )
    except SlackApiError:
        logger.debug("thread status not available in %s", question.channel)


def _fail(writer: ThreadWriter, user_message: str | None) -> None:
    try:
        writer.fail(user_message or GENERIC)
    except SlackApiError:
        logger.exception("could not report the failure in %s", writer.channel)


def answer_message(
    deps: Deps,
    client: WebClient,
    message: MessageEvent,
    *,
    bot_user_id: str | None,
    set_status: Callable[[str], Any] | None = None,
    mode: Reply = Reply.ALWAYS,
    also_search: Sequence[str] = (),
) -> Answer | None:
    """Answer a message once, however many events (mention, message, retries) deliver it."""
    text = readable(message.text, bot_user_id, lambda user: deps.directory.name(client, user))
    if not text or message.user is None:
        return None
    if not deps.state.claim(f"answer:{message.channel}:{message.ts}"):
        return None
    question = Question(
        channel=message.channel,
        thread_ts=message.reply_thread,
        message_ts=message.ts,
        text=text,
        user=message.user,
        team=message.team,
    )
    return answer_question(
        deps,
        client,
        question,
        bot_user_id=bot_user_id,
        set_status=set_status,
        mode=mode,
        files=message.files,
        also_search=also_search,
    )


def explain_empty_mention(deps: Deps, client: WebClient, message: MessageEvent) -> None:
    """A bare ``@ragbot`` (no question, no file): say how to ask, once, in the thread."""
    if not deps.state.claim(f"answer:{message.channel}:{message.ts}"):
        return
    try:
        client.chat_postMessage(
            channel=message.channel, thread_ts=message.reply_thread, text=EMPTY_MENTION
        )
    except SlackApiError:
        logger.warning("could not answer an empty mention in %s", message.channel)
