"""``/docs`` replies: the list of visible documents and the help text."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.common import Block, context, escape, section
from bot.text.mrkdwn import link
from rag.models import GLOBAL_SCOPE, DocumentInfo

MAX_LISTED = 40

HELP_TEXT = (
    "*/docs* — the documents I can use in this conversation\n"
    "• `/docs` — list them\n"
    "• `/docs forget <name>` — remove a document from my knowledge base\n"
    "• `/docs reindex` — read this conversation's documents again\n"
    "• `/docs add <url>` — add a web page or document link (refreshed regularly)\n"
    "• `/docs auto on|off` — whether I read files shared here by myself (default on)\n"
    "• `/docs help` — this help\n"
    "Share a file in a channel I'm in and I'll read it (older files: *Add to ragbot* in the "
    "message's menu); ask me with an @mention or `/ask`."
)


def doc_line(doc: DocumentInfo) -> str:
    title = link(doc.url, doc.source) if doc.url else f"*{escape(doc.source)}*"
    where = " · everywhere" if GLOBAL_SCOPE in doc.scopes else ""
    return f"• {title} — {doc.pages} pages, {doc.chunks} chunks{where}"


def docs_list_blocks(docs: Sequence[DocumentInfo]) -> list[Block]:
    if not docs:
        return [
            section(
                "I don't know any documents in this conversation yet. Share a file here "
                "(PDF, Word, PowerPoint, Excel, HTML, Markdown…) and I'll read it."
            )
        ]
    lines = "\n".join(doc_line(d) for d in docs[:MAX_LISTED])
    blocks = [section(f"*{len(docs)} document(s) I can use here*\n{lines}")]
    if len(docs) > MAX_LISTED:
        blocks.append(context(f"…and {len(docs) - MAX_LISTED} more."))
    blocks.append(context("`/docs help` for what else I can do."))
    return blocks


def help_blocks() -> list[Block]:
    return [section(HELP_TEXT)]
