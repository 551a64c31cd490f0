"""Counting tokens for the chunker: fast, and each distinct text once."""

from __future__ import annotations

from typing import Any, ClassVar

from docling_core.transforms.chunker.tokenizer.huggingface import HuggingFaceTokenizer
from pydantic import PrivateAttr


class CachedCountTokenizer(HuggingFaceTokenizer):
    """Docling's ``HuggingFaceTokenizer``, counting with the Rust tokenizer and remembering counts.

    ``HybridChunker`` counts the same texts again and again while it splits and merges (a
    190-page 10-K: about 20,000 counts of 12,000 distinct texts), and ``tokenize()`` builds a
    Python string per token each time; the counts are the same (a test compares them).
    """

    max_cached: ClassVar[int] = 100_000
    _backend: Any = PrivateAttr(None)
    _counts: dict[str, int] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        super().model_post_init(context)
        backend = getattr(self.tokenizer, "backend_tokenizer", None)
        if backend is not None:  # a "fast" tokenizer: count without truncating or padding
            backend = type(backend).from_str(backend.to_str())
            backend.no_truncation()
            backend.no_padding()
        self._backend = backend

    def count_tokens(self, text: str) -> int:
        count = self._counts.get(text)
        if count is None:
            if self._backend is None:
                count = len(self.tokenizer.tokenize(text))
            else:
                count = len(self._backend.encode(text, add_special_tokens=False))
            if len(self._counts) >= self.max_cached:
                self._counts.clear()
            self._counts[text] = count
        return count
