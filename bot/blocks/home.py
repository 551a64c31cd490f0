"""The App Home tab: the viewer's documents (a page at a time), files being read or that failed,
and short help.

Slack allows 100 blocks in a Home tab and 3,000 characters in a section; a page holds
``PAGE_SIZE`` documents (one section each) and the lists of files are cut with "…and N more",
so the view stays valid however many documents there are.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.blocks.common import Block, button, context, escape, section
from bot.constants import HOME_NEXT_PAGE, HOME_PREVIOUS_PAGE
from bot.text.mrkdwn import link

PAGE_SIZE = 20
FILES_LISTED = 10  # files being read, files that failed: each list
NAME_CHARS = 150
REASON_CHARS = 200
WHERE_LISTED = 5

HELP = (
    "*How to use me*\n"
    "• *Add documents*: share a file (PDF, Word, PowerPoint, Excel, HTML, Markdown…) in a "
    "channel I'm in, or in a DM with me. `/docs add <url>` adds a web page.\n"
    "• *Ask*: mention me (`@ragbot what is our refund policy?`), DM me, use `/ask`, or open "
    "me in the assistant pane beside a channel.\n"
    "• *Whole documents*: “Summarise the latest document”, “What is in travel-policy.docx?”, "
    "“Compare these two files”.\n"
    "• A document is only used in the conversations it was shared in. `/docs` lists, "
    "forgets or re-reads them there."
)


@dataclass(frozen=True)
class HomeDocument:
    name: str
    url: str | None
    pages: int
    chunks: int
    shared_by: str | None  # a user id
    read_at: datetime | None
    where: tuple[str, ...]  # conversation ids (of the viewer's)
    everywhere: bool = False  # added by an operator for every conversation


@dataclass(frozen=True)
class HomeFile:
    """A shared file being read, or that could not be read (``reason``)."""

    name: str
    channel: str
    reason: str | None = None


@dataclass(frozen=True)
class HomePage:
    viewer: str
    own_dm: str | None  # the viewer's DM with the bot (the App Home's channel)
    documents: Sequence[HomeDocument]  # this page's
    total: int  # documents in all pages
    page: int  # from 1
    reading: Sequence[HomeFile] = ()
    failed: Sequence[HomeFile] = ()

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def home_view(home: HomePage) -> dict[str, object]:
    """The ``view`` for ``views.publish``."""
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your documents"}},
        *documents_blocks(home),
        *files_blocks("Being read", home.reading, home),
        *files_blocks("Could not be read", home.failed, home),
        {"type": "divider"},
        section(HELP),
    ]
    return {
        "type": "home",
        "blocks": blocks,
        "private_metadata": json.dumps({"dm": home.own_dm, "page": home.page}),
    }


def documents_blocks(home: HomePage) -> list[Block]:
    if not home.total:
        return [
            section(
                "No documents yet in the conversations you're in with me. Share a file in a "
                "channel I'm in (or here in a DM) and I'll read it."
            )
        ]
    first = (home.page - 1) * PAGE_SIZE + 1
    last = first + len(home.documents) - 1
    summary = f"{home.total} document(s) in the conversations you're in with me, newest first."
    if home.pages > 1:
        summary += f" Showing {first}–{last} (page {home.page} of {home.pages})."
    blocks = [context(summary)]
    blocks += [section(document_text(doc, home.own_dm)) for doc in home.documents]
    buttons = []
    if home.page > 1:
        buttons.append(button("← Newer", HOME_PREVIOUS_PAGE, str(home.page - 1)))
    if home.page < home.pages:
        buttons.append(button("Older →", HOME_NEXT_PAGE, str(home.page + 1)))
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return blocks


def document_text(doc: HomeDocument, own_dm: str | None) -> str:
    name = doc.name if len(doc.name) <= NAME_CHARS else doc.name[: NAME_CHARS - 1] + "…"
    title = link(doc.url, name) if doc.url else f"*{escape(name)}*"
    size = f"{doc.pages} pages, " if doc.pages else ""
    facts = [f"shared by <@{doc.shared_by}>"] if doc.shared_by else []
    where = "everywhere (added by an admin)" if doc.everywhere else places(doc.where, own_dm)
    if where:
        facts.append(f"in {where}")
    if doc.read_at is not None:
        facts.append(f"read {when(doc.read_at)}")
    return f"{title} — {size}{doc.chunks} chunks\n" + ", ".join(facts)


def places(conversations: Sequence[str], own_dm: str | None) -> str:
    """``<#C1>, <#C2>``; DMs in words; more than ``WHERE_LISTED`` cut with "+N more"."""
    named = [place(c, own_dm) for c in conversations[:WHERE_LISTED]]
    more = len(conversations) - WHERE_LISTED
    return ", ".join(named) + (f" +{more} more" if more > 0 else "")


def place(conversation: str, own_dm: str | None) -> str:
    if conversation == own_dm:
        return "your DM with me"
    if conversation.startswith("D"):
        return "a direct message"
    return f"<#{conversation}>"


def when(moment: datetime) -> str:
    """Slack's date formatting: shown in the viewer's own time zone."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    fallback = aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(aware.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def files_blocks(title: str, files: Sequence[HomeFile], home: HomePage) -> list[Block]:
    if not files:
        return []
    lines = []
    for item in files[:FILES_LISTED]:
        name = item.name if len(item.name) <= NAME_CHARS else item.name[: NAME_CHARS - 1] + "…"
        line = f"• *{escape(name)}* in {place(item.channel, home.own_dm)}"
        if item.reason:
            reason = item.reason[:REASON_CHARS]
            line += f": {escape(reason)}"
        lines.append(line)
    if len(files) > FILES_LISTED:
        lines.append(f"…and {len(files) - FILES_LISTED} more.")
    return [{"type": "divider"}, section(f"*{title}*\n" + "\n".join(lines))]
