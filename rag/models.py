"""Plain data passed between the knowledge base's parts and to its callers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from rag.formats import page_unit

GLOBAL_SCOPE = "global"
# In a list of scopes searched from, this marker leaves the global documents out.
NO_GLOBAL_SCOPE = "!global"

Progress = Callable[[str], None]  # told each step of an ingestion ("converting", ...)


def no_progress(_: str) -> None:
    return None


IngestOutcome = Literal["added", "replaced", "unchanged"]
AnswerKind = Literal["generated", "extractive", "outline", "no_results"]


@dataclass(frozen=True)
class Chunk:
    """One heading-aware piece of a document, ready to embed."""

    index: int
    text: str
    search_text: str  # headings + text (Docling's ``contextualize``): what is embedded and indexed
    headings: tuple[str, ...] = ()
    pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class SourceInfo:
    """Where a document comes from, as shown in citations."""

    name: str
    url: str | None = None
    file_name: str | None = None  # when the name (a URL) doesn't tell the format: "page.html"

    @property
    def format_name(self) -> str:
        """The name whose extension tells the converter the format."""
        return self.file_name or self.name


@dataclass(frozen=True)
class SearchHit:
    chunk_id: str
    doc_id: str
    source: str
    url: str | None
    text: str
    headings: tuple[str, ...]
    pages: tuple[int, ...]
    chunk_index: int
    score: float
    dense_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["headings"] = list(self.headings)
        data["pages"] = list(self.pages)
        return data


@dataclass(frozen=True)
class Citation:
    """A numbered source as given to the model and shown to the user."""

    number: int
    doc_id: str
    chunk_id: str
    source: str
    url: str | None
    pages: tuple[int, ...]
    snippet: str
    score: float
    headings: tuple[str, ...] = ()  # the section it comes from, outermost first

    @property
    def page_label(self) -> str:
        if not self.pages:
            return ""
        first, last = min(self.pages), max(self.pages)
        return f"p. {first}" if first == last else f"pp. {first}-{last}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["pages"] = list(self.pages)
        data["headings"] = list(self.headings)
        return data


@dataclass(frozen=True)
class Turn:
    """One earlier message of a conversation, for follow-up questions."""

    role: Literal["user", "assistant"]
    text: str


@dataclass
class Answer:
    """What a question got. ``text`` is the model's answer (``generated``) and empty otherwise:
    an ``extractive`` answer is its ``cited`` passages, ``no_results`` found nothing. Each front
    end words those two itself. An ``outline`` (a whole-document question without a chat model)
    has the documents' headings and first sentences as ``text``, in Markdown."""

    question: str
    text: str
    kind: AnswerKind
    sources: list[Citation] = field(default_factory=list)  # every numbered source given
    cited: list[Citation] = field(default_factory=list)  # the ones the answer refers to

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "kind": self.kind,
            "cited": [c.to_dict() for c in self.cited],
            "sources": [c.to_dict() for c in self.sources],
        }


@dataclass(frozen=True)
class IngestReceipt:
    doc_id: str
    source: str
    outcome: IngestOutcome
    pages: int
    chunks: int
    tables: int
    seconds: float
    scopes: tuple[str, ...]

    @property
    def counts(self) -> str:
        """Like "3 pages, 12 chunks, 1 table": pages only where the format has them."""
        unit = page_unit(self.source)
        parts = [plural(self.pages, unit)] if unit and self.pages else []
        parts.append(plural(self.chunks, "chunk"))
        if self.tables:
            parts.append(plural(self.tables, "table"))
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["scopes"] = list(self.scopes)
        return data


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@dataclass(frozen=True)
class DocumentInfo:
    doc_id: str
    source: str
    url: str | None
    origin: str | None
    scopes: tuple[str, ...]
    pages: int
    chunks: int
    tables: int
    content_hash: str | None
    updated_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["scopes"] = list(self.scopes)
        data["updated_at"] = self.updated_at.isoformat() if self.updated_at else None
        return data
