"""Follow-up questions made standalone before retrieval.

"And for contractors?" retrieves nothing useful on its own. With a chat model configured, one
short call rewrites it from the conversation into "How many vacation days do contractors get?";
only retrieval uses the rewrite: the answer is still streamed for the question as asked, with the
history (``rag/answer.py``). Without a chat model, or when the call fails, the heuristic applies:
a short follow-up is searched together with the previous question.

How it is meant to be called (the answer step does this)::

    if chat is not None and settings.rewrite_followups:
        query = standalone_question(chat, question, history)
    else:
        query = heuristic_search_query(question, history)
    hits = retriever.search(query, scopes)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from rag.errors import ModelError
from rag.llm import ChatModel, Message
from rag.models import Turn

logger = logging.getLogger(__name__)

SHORT_FOLLOW_UP_WORDS = 8  # the heuristic joins follow-ups shorter than this to the last question
TURN_CHARS = 1000  # earlier answers can be long; their start is enough context
REWRITE_TOKENS = 120
REWRITE_TIMEOUT_S = 10.0  # then the heuristic: a slow rewrite must not hold up the answer
SYSTEM_PROMPT = """You rewrite the last message of a conversation as one standalone question
for searching a team's documents. The question must make sense without the conversation: spell
out what "it", "that", "they" or "the same" refer to, and keep every name, figure, date and
period that matters. If the message already stands alone, repeat it unchanged. Do not answer it.
Reply with the question only."""
_LABEL = re.compile(r"^(standalone )?(question|query)\s*:\s*", re.IGNORECASE)


def heuristic_search_query(question: str, history: Sequence[Turn]) -> str:
    """Follow-ups like 'and for contractors?' need the previous question to retrieve well."""
    previous = [t.text for t in history if t.role == "user"][-1:]
    if previous and len(question.split()) < SHORT_FOLLOW_UP_WORDS:
        return f"{previous[0]}\n{question}"
    return question


def standalone_question(chat: ChatModel, question: str, history: Sequence[Turn]) -> str:
    """The question to retrieve with: rewritten by the model when there is a conversation."""
    if not history:
        return question
    rewriter = chat.for_short_replies(max_tokens=REWRITE_TOKENS, timeout_s=REWRITE_TIMEOUT_S)
    try:
        reply = rewriter.complete(rewrite_messages(question, history))
    except ModelError as exc:
        logger.warning("follow-up rewrite failed, using the heuristic: %s", exc)
        return heuristic_search_query(question, history)
    rewritten = _clean(reply)
    if not rewritten:
        logger.warning("follow-up rewrite came back empty, using the heuristic")
        return heuristic_search_query(question, history)
    return rewritten


def rewrite_messages(question: str, history: Sequence[Turn]) -> list[Message]:
    transcript = "\n".join(
        f"{'User' if turn.role == 'user' else 'Assistant'}: {_shorten(turn.text)}"
        for turn in history
    )
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {
            "role": "user",
            "content": f"Conversation:\n{transcript}\n\nLast message: {question}\n\n"
            "Standalone question:",
        },
    ]


def _shorten(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= TURN_CHARS else flat[: TURN_CHARS - 1] + "…"


def _clean(reply: str) -> str:
    """The first line of the reply, without a 'Question:' label or surrounding quotes."""
    lines = [line.strip() for line in reply.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    return _LABEL.sub("", lines[0]).strip().strip("\"'“”").strip()
