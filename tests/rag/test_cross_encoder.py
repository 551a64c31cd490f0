"""The cross-encoder reranker, with a tiny BERT cross-encoder built here (no download)."""

from __future__ import annotations

import dataclasses
import itertools
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from rag.cross_encoder import CrossEncoderReranker, passage_text
from rag.errors import ConfigurationError
from rag.models import SearchHit

WORDS = [
    *("apple", "banana", "cherry", "grape", "lemon", "mango", "the", "is", "a", "on", "red"),
    *("green", "sweet", "ripe", "table", "fruit", "price", "revenue", "cash", "flow", "total"),
    *("net", "income", "2022", "2023"),
]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
QUESTION = "what is the net income of 2023"
PASSAGES = [
    "the apple is red",
    "net income 2023",
    "sweet ripe mango on the table",
    "total revenue",
    "cash flow 2022",
    "a green grape",
    "cherry price",
]


def _save_tiny_cross_encoder(directory: Path, *, num_labels: int = 1) -> Path:
    """A 2-layer BERT sequence classifier with random weights and a 30-word vocabulary."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    vocab = {token: i for i, token in enumerate([*SPECIAL, *WORDS])}
    tokenizer = BertTokenizerFast(vocab=vocab)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=num_labels,
        initializer_range=0.3,  # wide enough that different passages get clearly different logits
    )
    model = BertForSequenceClassification(config).eval()
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _save_tiny_cross_encoder(tmp_path_factory.mktemp("tiny-cross-encoder"))


def _logits(model_dir: Path, question: str, passages: Sequence[str]) -> list[float]:
    """The model's raw relevance logits, computed with transformers directly (the oracle)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
    logits = []
    for passage in passages:  # one at a time: no padding involved
        encoded = tokenizer(question, passage, return_tensors="pt")
        with torch.no_grad():
            logits.append(float(model(**encoded).logits[0, 0]))
    return logits


def _hit(n: int, text: str, headings: tuple[str, ...] = ()) -> SearchHit:
    return SearchHit(
        chunk_id=f"c{n}",
        doc_id=f"d{n % 2}",
        source=f"doc{n % 2}.pdf",
        url=None,
        text=text,
        headings=headings,
        pages=(n + 1,),
        chunk_index=n,
        score=1.0 - n / 100,  # first-stage order: the input order
        dense_score=0.5,
    )


def _count_forward_passes(reranker: CrossEncoderReranker) -> list[int]:
    """The batch size of each forward pass through the BERT model, as it happens."""
    calls: list[int] = []

    def hook(_module: Any, _args: Any, kwargs: Any) -> None:
        calls.append(int(kwargs["input_ids"].shape[0]))

    embeddings = reranker._encoder.model.bert.embeddings  # the first layer of every pass
    embeddings.register_forward_pre_hook(hook, with_kwargs=True)
    return calls


def test_rerank_orders_hits_by_the_models_logits(tiny_model: Path) -> None:
    hits = [_hit(n, text) for n, text in enumerate(PASSAGES)]
    logits = _logits(tiny_model, QUESTION, [passage_text(h) for h in hits])
    expected = sorted(range(len(hits)), key=lambda i: logits[i], reverse=True)
    assert min(b - a for a, b in itertools.pairwise(sorted(logits))) > 1e-3  # no near-ties
    assert expected != list(range(len(hits)))  # the model disagrees with the first stage

    reranked = CrossEncoderReranker(str(tiny_model), batch_size=3).rerank(QUESTION, hits)

    assert [h.chunk_id for h in reranked] == [hits[i].chunk_id for i in expected]
    by_id = {h.chunk_id: h for h in hits}
    for hit in reranked:
        original = by_id[hit.chunk_id]
        # One label: CrossEncoder applies a sigmoid to the logit.
        logit = logits[hits.index(original)]
        assert hit.score == pytest.approx(1 / (1 + math.exp(-logit)), abs=1e-5)
        assert hit == dataclasses.replace(original, score=hit.score)


def test_headings_are_read_with_the_text(tiny_model: Path) -> None:
    reranker = CrossEncoderReranker(str(tiny_model))
    bare = _hit(0, "total revenue")
    headed = _hit(1, "total revenue", headings=("net income 2023",))
    expected = _logits(tiny_model, QUESTION, ["total revenue", "net income 2023\ntotal revenue"])
    assert abs(expected[0] - expected[1]) > 1e-3

    scores = {h.chunk_id: h.score for h in reranker.rerank(QUESTION, [bare, headed])}

    assert scores["c0"] == pytest.approx(1 / (1 + math.exp(-expected[0])), abs=1e-5)
    assert scores["c1"] == pytest.approx(1 / (1 + math.exp(-expected[1])), abs=1e-5)


def test_batches_split_the_work_and_give_the_same_scores(tiny_model: Path) -> None:
    hits = [_hit(n, text) for n, text in enumerate(PASSAGES)]
    one_by_one = CrossEncoderReranker(str(tiny_model), batch_size=1)
    in_threes = CrossEncoderReranker(str(tiny_model), batch_size=3)
    all_at_once = CrossEncoderReranker(str(tiny_model), batch_size=64)
    passes = [_count_forward_passes(r) for r in (one_by_one, in_threes, all_at_once)]

    results = [r.rerank(QUESTION, hits) for r in (one_by_one, in_threes, all_at_once)]

    assert passes == [[1] * 7, [3, 3, 1], [7]]
    orders = [[h.chunk_id for h in result] for result in results]
    assert orders[0] == orders[1] == orders[2]
    for a, b, c in zip(*results, strict=True):
        assert a.score == pytest.approx(b.score, abs=1e-5) == pytest.approx(c.score, abs=1e-5)


def test_no_hits_means_no_model_call(tiny_model: Path) -> None:
    reranker = CrossEncoderReranker(str(tiny_model))
    passes = _count_forward_passes(reranker)

    assert reranker.rerank(QUESTION, []) == []
    assert passes == []
    assert reranker.name == f"cross-encoder:{tiny_model}"


def test_long_passages_are_truncated_to_max_length(tiny_model: Path) -> None:
    reranker = CrossEncoderReranker(str(tiny_model), max_length=16)
    passes = _count_forward_passes(reranker)
    long_text = " ".join(["net income 2023 total revenue"] * 200)  # ~1000 tokens

    reranked = reranker.rerank(QUESTION, [_hit(0, long_text), _hit(1, "cash flow")])

    assert len(reranked) == 2
    assert passes == [2]
    # the model has 128 positions: without truncation the long passage could not be scored
    assert all(math.isfinite(h.score) for h in reranked)


@pytest.mark.parametrize(
    "model",
    ["{tmp}/no-such-model", "ragbot-tests/no-such-cross-encoder"],
    ids=["missing-local-dir", "hub-name-not-cached-offline"],
)
def test_a_model_that_cannot_be_loaded_offline_is_a_configuration_error(
    model: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # conftest sets it too; this test depends on it
    with pytest.raises(ConfigurationError) as caught:
        CrossEncoderReranker(model.format(tmp=tmp_path))

    message = str(caught.value)
    assert "RAGBOT_CROSS_ENCODER_MODEL" in message
    assert "Hugging Face cache" in message
    assert isinstance(caught.value.__cause__, OSError)


def test_a_classifier_with_several_labels_is_refused(tmp_path: Path) -> None:
    model_dir = _save_tiny_cross_encoder(tmp_path / "nli", num_labels=3)

    with pytest.raises(ConfigurationError, match="3 output labels"):
        CrossEncoderReranker(str(model_dir))


def test_without_sentence_transformers_the_error_says_what_to_install(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import now fails

    with pytest.raises(ConfigurationError, match=r"pip install 'ragbot\[rerank\]'"):
        CrossEncoderReranker(str(tiny_model))
