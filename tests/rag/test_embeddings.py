"""Embedding requests: batched, bounded, retried — asserted on what the stand-in received."""

from __future__ import annotations

import openai
import pytest

from rag.embeddings import OpenAIEmbedder, make_embedder, token_batches
from rag.errors import ModelRateLimitedError, ModelUnavailableError
from rag.settings import Settings
from tests.fakes.openai_server import FakeOpenAI, Fault


def embedder_for(fake: FakeOpenAI, **options: object) -> OpenAIEmbedder:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        openai_api_key="sk-test",
        openai_base_url=fake.base_url,
        max_retries=2,
        **options,
    )
    made = make_embedder(settings)
    assert isinstance(made, OpenAIEmbedder)
    return made


def test_token_batches_respect_count_and_token_budget() -> None:
    texts = ["a" * 30] * 10  # ~11 estimated tokens each

    by_count = list(token_batches(texts, max_items=4, max_tokens=10_000))
    by_tokens = list(token_batches(texts, max_items=100, max_tokens=25))

    assert [len(batch) for _, batch in by_count] == [4, 4, 2]
    assert [offset for offset, _ in by_count] == [0, 4, 8]
    assert [len(batch) for _, batch in by_tokens] == [2, 2, 2, 2, 2]


def test_many_chunks_go_in_few_requests_in_order(fake_openai: FakeOpenAI) -> None:
    embedder = embedder_for(fake_openai, embedding_batch_size=100)
    texts = [f"chunk number {i} about topic {i % 7}" for i in range(250)]

    vectors = embedder.embed_documents(texts)

    requests = fake_openai.requests_to("/embeddings")
    assert len(requests) == 3
    assert sorted(len(r.json["input"]) for r in requests) == [50, 100, 100]
    assert {r.json["model"] for r in requests} == {"text-embedding-3-small"}
    assert {r.json.get("encoding_format") for r in requests} == {"base64"}  # cheap to decode
    assert embedder.dimension == 1536
    assert vectors[17] == pytest.approx(
        fake_openai.embedding_for(texts[17], "text-embedding-3-small")
    )
    assert vectors[249] == pytest.approx(
        fake_openai.embedding_for(texts[249], "text-embedding-3-small")
    )


def test_a_429_is_retried_after_retry_after(fake_openai: FakeOpenAI) -> None:
    embedder = embedder_for(fake_openai)
    fake_openai.add_fault("embeddings", Fault(status=429, retry_after="0"))

    vectors = embedder.embed_documents(["hello world"])

    assert len(vectors) == 1
    assert len(fake_openai.requests_to("/embeddings")) == 2


def test_persistent_failures_become_typed_errors(fake_openai: FakeOpenAI) -> None:
    embedder = embedder_for(fake_openai)
    for _ in range(3):
        fake_openai.add_fault("embeddings", Fault(status=429, retry_after="0"))
    with pytest.raises(ModelRateLimitedError) as rate_limited:
        embedder.embed_documents(["hello"])

    for _ in range(3):
        fake_openai.add_fault("embeddings", Fault(status=503, retry_after="0"))
    with pytest.raises(ModelUnavailableError):
        embedder.embed_documents(["hello"])

    assert len(fake_openai.requests_to("/embeddings")) == 6  # 1 try + 2 retries, twice
    assert "rate limited" in rate_limited.value.user_message
    assert isinstance(rate_limited.value.__cause__, openai.RateLimitError)


def test_model_override_and_unknown_dimension_probe(fake_openai: FakeOpenAI) -> None:
    embedder = embedder_for(fake_openai, embedding_model="openai:my-embedder")

    assert embedder.name == "openai:my-embedder"
    assert embedder.dimension == fake_openai.default_dim
    assert fake_openai.requests_to("/embeddings")[0].json["model"] == "my-embedder"
