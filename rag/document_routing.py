"""Which questions are about documents as a whole, and which documents they mean.

"Summarise the latest document", "what is in travel-policy.docx?", "compare these two files":
such a question is not answered by searching for passages; it is routed to whole documents of
the conversation, named in the question or else the most recently read ones. Everything else
(``None``) goes to ordinary retrieval. The rules are deliberately narrow: a question that names
a file but asks something specific ("what does travel-policy.docx say about taxis?") is a
retrieval question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Literal
from urllib.parse import urlsplit

from rag.models import DocumentInfo

Task = Literal["summarise", "compare"]

_SUMMARY = re.compile(
    r"\b(summar(?:y|ies|ise|ize|ised|ized|ising|izing)|overview|outline|tl;?dr|gist|recap|"
    r"key points|main points|highlights)\b"
)
_CONTENTS = re.compile(
    r"\b(what(?:'s| is| are)? in|what does (?:it|this|that|the \w+) (?:contain|cover)|"
    r"contents? of|what is (?:it|this|that) about|tell me about|walk me through|"
    r"what(?:'s| is) .{0,80}? about\??$)"
)
_COMPARE = re.compile(r"\b(compare|comparison|contrast|differences?|differ|versus|vs\.?)\b")
_DOCUMENT_WORDS = re.compile(
    r"\b(documents?|docs?|files?|pdfs?|attachments?|decks?|reports?|papers?|spreadsheets?|"
    r"slides?|presentations?|policy|policies|handbooks?|manuals?|guides?)\b"
)
_PLURAL_DOCUMENTS = re.compile(
    r"\b(documents|docs|files|pdfs|attachments|decks|reports|versions|these|those|both|"
    r"two|2|three|3|four|4)\b"
)
_RECENT_ALONE = re.compile(r"\b(latest|last|newest|most recent)(?: one)?\W*$")
_THIS = re.compile(r"\b(this|that|these|those|both)\b")
_COUNT = {"two": 2, "2": 2, "both": 2, "three": 3, "3": 3, "four": 4, "4": 4}
_COUNTED = re.compile(
    r"\b(both|(two|2|three|3|four|4)(?:\s+\w+)?\s+"
    r"(?:documents|docs|files|pdfs|attachments|reports|decks|versions))\b"
)
_SEPARATORS = re.compile(r"[\s_\-.]+")
MIN_STEM_CHARS = 4  # a document named "a.md" is not recognised by its stem "a"
MAX_DOCUMENTS = 4  # compared at once


@dataclass(frozen=True)
class DocumentRequest:
    """What to do (summarise/describe, or compare) and with which documents, in that order."""

    task: Task
    documents: tuple[DocumentInfo, ...]


def route(question: str, documents: Sequence[DocumentInfo]) -> DocumentRequest | None:
    """The whole-document request ``question`` makes of ``documents``, or None (retrieval)."""
    text = " ".join(question.lower().split())
    ready = [d for d in documents if d.chunks > 0]
    if not text or not ready:
        return None
    named = named_documents(text, ready)
    if _COMPARE.search(text):
        wanted = _wanted_count(text)
        if len(named) >= 2:
            return DocumentRequest("compare", tuple(named[:MAX_DOCUMENTS]))
        if named or _PLURAL_DOCUMENTS.search(text):
            others = [d for d in most_recent(ready) if d not in named]
            chosen = [*named, *others][: max(2, wanted or 2)]
            return DocumentRequest("compare", tuple(chosen)) if len(chosen) >= 2 else None
        return None
    asks_whole = bool(_SUMMARY.search(text) or _CONTENTS.search(text))
    if named and asks_whole:
        return DocumentRequest("summarise", tuple(named[:MAX_DOCUMENTS]))
    if _SUMMARY.search(text) and (
        _DOCUMENT_WORDS.search(text) or _THIS.search(text) or _RECENT_ALONE.search(text)
    ):
        count = _wanted_count(text) or 1
        return DocumentRequest("summarise", tuple(most_recent(ready)[:count]))
    return None


def named_documents(text: str, documents: Sequence[DocumentInfo]) -> list[DocumentInfo]:
    """Documents whose file name (or, for a long enough name, its stem) the question mentions,
    in the order the question mentions them."""
    found: list[tuple[int, DocumentInfo]] = []
    squashed = _SEPARATORS.sub(" ", text)
    for doc in documents:
        name = display_name(doc).lower()
        position = text.find(name)
        if position < 0:
            stem = _SEPARATORS.sub(" ", PurePosixPath(name).stem).strip()
            if len(stem) >= MIN_STEM_CHARS:
                match = re.search(rf"(?<!\w){re.escape(stem)}(?!\w)", squashed)
                position = match.start() if match else -1
        if position >= 0:
            found.append((position, doc))
    return [doc for _, doc in sorted(found, key=lambda pair: pair[0])]


def display_name(doc: DocumentInfo) -> str:
    """The name people use for a document: a file's name, or the last part of a link."""
    if "://" not in doc.source:
        return doc.source
    path = urlsplit(doc.source).path.rstrip("/")
    return PurePosixPath(path).name or urlsplit(doc.source).netloc


def most_recent(documents: Sequence[DocumentInfo]) -> list[DocumentInfo]:
    """Newest first (when each was last read)."""
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(documents, key=lambda d: _aware(d.updated_at) or oldest, reverse=True)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC datetimes


def _wanted_count(text: str) -> int | None:
    """ "both files" → 2, "the three latest reports" → 3; None when no number of documents."""
    match = _COUNTED.search(text)
    if match is None:
        return None
    return _COUNT[match.group(2) or match.group(1)]
