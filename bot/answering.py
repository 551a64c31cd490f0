"""Answer a question in a thread: history, streamed text, sources, buttons."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.answer import answer_footer_blocks, worded
from bot.blocks.errors import GENERIC
from bot.deps import Deps
from bot.payloads import MessageEvent, strip_mentions
from bot.streaming import ThreadWriter
from rag.errors import RagError
from rag.models import Answer, Turn

logger = logging.getLogger(__name__)

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
    client: WebClient, question: Question, bot_user_id: str | None, limit: int
) -> list[Turn]:
    """Earlier turns of the thread (oldest first), as user/assistant turns."""
    if limit <= 0 or question.message_ts in (None, question.thread_ts):
        return []
    try:
        response = client.conversations_replies(
            channel=question.channel, ts=question.thread_ts, limit=limit + 1
        )
    except SlackApiError:
        logger.warning("could not read thread history in %s", question.channel, exc_info=True)
        return []
    messages = response.get("messages") or []
    turns = [
        turn
        for m in messages
        if isinstance(m, Mapping)
        and m.get("ts") != question.message_ts
        and (turn := _turn(m, bot_user_id)) is not None
    ]
    return turns[-limit:]


def _turn(message: Mapping[str, Any], bot_user_id: str | None) -> Turn | None:
    text = strip_mentions(str(message.get("text") or ""))
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
) -> Answer | None:
    """Stream an answer into the thread; on failure say so there. Returns the answer, if any."""
    _status(client, question, set_status)
    writer = ThreadWriter(
        client,
        question.channel,
        question.thread_ts,
        user=question.user,
        team=question.team,
        interval=deps.settings.stream_update_s,
    )
    try:
        # Before the answer shows: a follow-up sent the moment it does must find a bot thread.
        deps.state.mark_thread(question.channel, question.thread_ts)
        history = thread_history(
            client, question, bot_user_id, deps.settings.thread_history_messages
        )
        stream = deps.kb.stream_answer(question.text, scopes=[question.channel], history=history)
        for delta in stream:
            writer.append(delta)
        answer = worded(stream.answer)
        if answer.kind != "generated":
            writer.append(answer.text)
        answer_id = deps.state.save_answer(question.channel, question.user, answer)
        writer.finish(answer_footer_blocks(answer, answer_id))
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


def _status(client: WebClient, question: Question, set_status: Callable[[str], Any] | None) -> None:
    """Show "thinking…" under the thread while retrieval and the model work (best effort)."""
    try:
        if set_status is not None:
            set_status("thinking…")
        else:
            client.assistant_threads_setStatus(
                channel_id=question.channel, thread_ts=question.thread_ts, status="thinking…"
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
) -> Answer | None:
    """Answer a message once, however many events (mention, message, retries) deliver it."""
    text = message.question
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
    return answer_question(deps, client, question, bot_user_id=bot_user_id, set_status=set_status)


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
