"""The answer message: text, numbered sources, feedback and "more sources" buttons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.blocks.common import Block, button, context, escape, section, sections
from bot.constants import (
    FEEDBACK_DOWN,
    FEEDBACK_UP,
    MAX_SOURCES_SHOWN,
    MORE_SOURCES,
    SHARE_ANSWER,
    SNIPPET_CHARS,
)
from bot.text.mrkdwn import TEXT_LIMIT, link, to_mrkdwn, truncate
from rag.models import Answer, Citation

ANSWER_SECTIONS = 40  # leaves room for the question, sources and buttons within 50 blocks

NO_RESULTS_TEXT = (
    "I couldn't find anything about that in the documents shared here. If a document covers it, "
    "share it in this conversation and ask again."
)
EXTRACTIVE_HEADER = (
    "_No language model is configured, so here are the most relevant passages I found:_"
)
OUTLINE_HEADER = (
    "_No language model is configured, so here is an outline instead: each section's heading "
    "and first sentence._"
)


def answer_text(answer: Answer) -> str:
    """The message text: the model's own, or ragbot's wording when no model wrote one."""
    if answer.kind == "no_results":
        return NO_RESULTS_TEXT
    if answer.kind == "extractive":
        lines = [EXTRACTIVE_HEADER]
        for passage in answer.cited:
            page = f", {passage.page_label}" if passage.page_label else ""
            # Markdown: the Slack side escapes and converts it like a model's answer
            lines.append(f"[{passage.number}] **{passage.source}{page}**: {passage.snippet}")
        return "\n".join(lines)
    if answer.kind == "outline":
        return f"{OUTLINE_HEADER}\n\n{answer.text}"  # Markdown, like a model's answer
    return answer.text


def worded(answer: Answer) -> Answer:
    """The answer with its Slack text filled in (what is posted, stored and shared)."""
    return answer if answer.kind == "generated" else replace(answer, text=answer_text(answer))


def shown_sources(answer: Answer) -> list[Citation]:
    """The sources worth listing: those the text cites, else all for an extractive answer."""
    if answer.kind == "no_results":
        return []
    return list(answer.cited) or list(answer.sources)


def source_line(source: Citation) -> str:
    title = link(source.url, source.source) if source.url else f"*{escape(source.source)}*"
    page = f" · {source.page_label}" if source.page_label else ""
    snippet = " ".join(source.snippet.split())
    if len(snippet) > SNIPPET_CHARS:
        snippet = snippet[: SNIPPET_CHARS - 1].rstrip() + "…"
    return (
        f"*[{source.number}]* {title}{page}\n>{escape(snippet)}"
        if snippet
        else (f"*[{source.number}]* {title}{page}")
    )


def sources_blocks(sources: Sequence[Citation], heading: str = "Sources") -> list[Block]:
    if not sources:
        return []
    lines = "\n".join(source_line(s) for s in sources)
    return [context(f"*{heading}*"), section(lines)]


def feedback_actions(answer_id: str, more_available: bool) -> Block:
    elements = [
        button("👍", FEEDBACK_UP, answer_id),
        button("👎", FEEDBACK_DOWN, answer_id),
    ]
    if more_available:
        elements.append(button("Show more sources", MORE_SOURCES, answer_id))
    return {"type": "actions", "block_id": f"answer_{answer_id}", "elements": elements}


def answer_footer_blocks(answer: Answer, answer_id: str) -> list[Block]:
    """Below a streamed answer: its sources and the buttons."""
    if answer.kind == "no_results":
        return []  # the text already says so and suggests sharing the document
    shown = shown_sources(answer)[:MAX_SOURCES_SHOWN]
    more = len(answer.sources) > len(shown)
    return [*sources_blocks(shown), feedback_actions(answer_id, more)]


def answer_fallback(answer: Answer) -> str:
    """The ``text`` of a message holding a whole answer: escaped mrkdwn, within Slack's limit."""
    return truncate(to_mrkdwn(answer.text), TEXT_LIMIT)


def answer_blocks(answer: Answer, answer_id: str) -> list[Block]:
    """A whole answer in one message (``/ask``, shared answers)."""
    return [
        context(f"*Q:* {escape(answer.question)}"),
        *sections(to_mrkdwn(answer.text), ANSWER_SECTIONS),
        *answer_footer_blocks(answer, answer_id),
    ]


def ask_blocks(answer: Answer, answer_id: str) -> list[Block]:
    """The ephemeral ``/ask`` answer, with a button to share it in the channel."""
    share = {
        "type": "actions",
        "elements": [button("Share in channel", SHARE_ANSWER, answer_id, style="primary")],
    }
    return [*answer_blocks(answer, answer_id), share]


def more_sources_blocks(sources: Sequence[Citation]) -> list[Block]:
    return sources_blocks(sources, heading="All sources") or [section("No other sources.")]
