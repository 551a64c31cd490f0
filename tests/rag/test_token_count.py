"""The chunker's token counter: the counts of Docling's HuggingFaceTokenizer, each text once."""

from __future__ import annotations

import pytest
from docling_core.transforms.chunker.tokenizer.huggingface import HuggingFaceTokenizer
from transformers import AutoTokenizer

from rag.chunking import Chunker, make_tokenizer
from rag.convert import Converter
from rag.embeddings import resolve_local_model
from rag.settings import DEFAULT_LOCAL_EMBEDDING_MODEL, Settings
from rag.token_count import CachedCountTokenizer
from tests.conftest import SAMPLES

TEXTS = [
    "",
    "Total revenues: 2022 = 66,608; 2021 = 62,286",
    "Café résumé naïve — “quoted” façade ½ ™ 東京",
    "Item 7. Management's Discussion and Analysis " * 80,  # far beyond the model's 512
    "   spaces\tand\nnew lines   ",
]


def plain_tokenizer(max_tokens: int = 256) -> HuggingFaceTokenizer:
    """Docling's own tokenizer class over the same model (what make_tokenizer returned before)."""
    path = resolve_local_model(DEFAULT_LOCAL_EMBEDDING_MODEL)
    return HuggingFaceTokenizer(
        tokenizer=AutoTokenizer.from_pretrained(path), max_tokens=max_tokens
    )


def test_counts_match_docling_huggingface_tokenizer() -> None:
    plain = plain_tokenizer()
    counting = make_tokenizer(DEFAULT_LOCAL_EMBEDDING_MODEL, 256)

    assert isinstance(counting, CachedCountTokenizer)
    assert [counting.count_tokens(t) for t in TEXTS] == [plain.count_tokens(t) for t in TEXTS]
    assert counting.count_tokens(TEXTS[3]) > 512  # not truncated
    assert [counting.count_tokens(t) for t in TEXTS] == [plain.count_tokens(t) for t in TEXTS]
    assert counting.get_max_tokens() == 256


def test_a_tokenizer_set_to_truncate_still_counts_every_token() -> None:
    path = resolve_local_model(DEFAULT_LOCAL_EMBEDDING_MODEL)
    truncating = AutoTokenizer.from_pretrained(path)
    truncating.backend_tokenizer.enable_truncation(max_length=16)

    counting = CachedCountTokenizer(tokenizer=truncating, max_tokens=256)

    assert counting.count_tokens(TEXTS[3]) == plain_tokenizer().count_tokens(TEXTS[3])


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CachedCountTokenizer, "max_cached", 3)
    counting = make_tokenizer(DEFAULT_LOCAL_EMBEDDING_MODEL, 256)
    assert isinstance(counting, CachedCountTokenizer)

    counts = [counting.count_tokens(f"text number {i}") for i in range(10)]

    assert counts == [plain_tokenizer().count_tokens(f"text number {i}") for i in range(10)]
    assert len(counting._counts) <= 3


def test_chunks_are_the_same_as_with_docling_tokenizer() -> None:
    converted = Converter(Settings(_env_file=None)).convert(  # type: ignore[call-arg]
        "handbook.md", (SAMPLES / "handbook.md").read_bytes()
    )

    ours = Chunker(make_tokenizer(DEFAULT_LOCAL_EMBEDDING_MODEL, 64)).chunk(converted.document)
    docling = Chunker(plain_tokenizer(64)).chunk(converted.document)

    assert len(ours) > 3
    assert ours == docling
