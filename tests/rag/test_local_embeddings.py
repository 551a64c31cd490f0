"""The local MiniLM model: int8 (the default) against float32, on the real weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rag.embeddings import SentenceTransformerEmbedder, make_embedder
from rag.settings import DEFAULT_LOCAL_EMBEDDING_MODEL, Settings

SAMPLE_TEXTS = [
    "Every employee gets 25 days of paid vacation per year. Unused days expire in March.",
    "Boeing 2022 10K\nConsolidated Statements of Operations\nTotal revenues: 2022 = 66,608; "
    "2021 = 62,286; 2020 = 58,158",
    "The warehouse robot battery lasts 14 hours and charges fully in 3 hours.",
    "How many vacation days do employees get?",
    "Item 7. Management's Discussion and Analysis of Financial Condition and Results of "
    "Operations. Our backlog increased due to commercial airplane orders in excess of "
    "deliveries, partially offset by lower defense orders. " * 6,
    "Cash and cash equivalents at end of period $ 14,614 (in millions)",
]


@pytest.fixture(scope="module")
def float_embedder() -> SentenceTransformerEmbedder:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, embedding_model=DEFAULT_LOCAL_EMBEDDING_MODEL, embedding_quantize=False
    )
    made = make_embedder(settings)
    assert isinstance(made, SentenceTransformerEmbedder)
    return made


def linear_layers(embedder: SentenceTransformerEmbedder) -> tuple[int, int]:
    """(int8 dynamic linear layers, float linear layers) of the embedder's model."""
    modules = list(embedder._model.modules())
    int8 = sum(isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in modules)
    return int8, sum(type(m) is torch.nn.Linear for m in modules)


def test_settings_turn_quantization_off(float_embedder: SentenceTransformerEmbedder) -> None:
    assert float_embedder.quantized is False
    # 6 layers x (q, k, v, attention output, feed-forward in and out), and BERT's pooler
    assert linear_layers(float_embedder) == (0, 37)


def test_the_default_local_model_runs_its_linear_layers_in_int8() -> None:
    made = make_embedder(Settings(_env_file=None))  # type: ignore[call-arg]

    assert isinstance(made, SentenceTransformerEmbedder)
    assert made.quantized is True
    assert made.name == DEFAULT_LOCAL_EMBEDDING_MODEL  # stores embedded in float stay usable
    assert made.dimension == 384
    # q, k, v, attention output and the feed-forward up-projection of 6 layers and the pooler;
    # the 6 feed-forward down-projections stay float
    assert linear_layers(made) == (31, 6)


def test_int8_vectors_are_close_to_the_float_ones(
    embedder: SentenceTransformerEmbedder, float_embedder: SentenceTransformerEmbedder
) -> None:
    assert embedder.quantized  # the session's shared embedder uses the default

    quantized = np.asarray(embedder.embed_documents(SAMPLE_TEXTS))
    reference = np.asarray(float_embedder.embed_documents(SAMPLE_TEXTS))

    assert quantized.shape == reference.shape == (len(SAMPLE_TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(quantized, axis=1), 1.0, atol=1e-5)
    cosines = (quantized * reference).sum(axis=1)
    assert cosines.min() > 0.98, cosines
    assert not np.allclose(quantized, reference, atol=1e-4)  # it really is another model


def test_int8_keeps_the_ranking_of_passages_for_a_question(
    embedder: SentenceTransformerEmbedder, float_embedder: SentenceTransformerEmbedder
) -> None:
    question, passages = SAMPLE_TEXTS[3], SAMPLE_TEXTS[:3] + SAMPLE_TEXTS[4:]

    def ranking(model: SentenceTransformerEmbedder) -> list[int]:
        q = np.asarray(model.embed_query(question))
        scores = np.asarray(model.embed_documents(passages)) @ q
        return list(np.argsort(-scores))

    assert ranking(embedder) == ranking(float_embedder)
    assert ranking(embedder)[0] == 0  # the vacation passage
