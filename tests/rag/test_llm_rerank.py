"""The chat-model reranker against the OpenAI stand-in."""

from __future__ import annotations

import logging

import openai
import pytest

from rag.llm import ChatModel
from rag.llm_rerank import RELEVANT_SCORE, LLMReranker, parse_ranking
from rag.models import SearchHit
from tests.fakes.openai_server import FakeOpenAI, Fault

QUESTION = "What was 3M's free cash flow in 2018?"
TEXTS = [
    "3M is a global science company with four business segments.",
    "Free cash flow was $5.0 billion in 2018, up from $4.9 billion.",
    "The board declared a quarterly dividend of $1.36 per share.",
    "Net cash provided by operating activities was $6.4 billion in 2018.",
    "Research, development and related expenses were $1.8 billion.",
]


def _hit(n: int, text: str) -> SearchHit:
    return SearchHit(
        chunk_id=f"c{n}",
        doc_id="3m",
        source="3M_2018_10K.pdf",
        url=None,
        text=text,
        headings=("Item 7. Management's Discussion", f"Section {n}"),
        pages=(40 + n,),
        chunk_index=n,
        score=0.9 - n / 100,
    )


HITS = [_hit(n, text) for n, text in enumerate(TEXTS)]


@pytest.fixture
def chat(fake_openai: FakeOpenAI) -> ChatModel:
    client = openai.OpenAI(
        api_key="sk-test", base_url=fake_openai.base_url, timeout=60, max_retries=0
    )
    return ChatModel("gpt-4o-mini", client, temperature=0.7, max_tokens=800)


def test_the_named_passages_come_first_in_the_models_order(
    chat: ChatModel, fake_openai: FakeOpenAI
) -> None:
    fake_openai.queue_chat_reply('{"relevant": [2, 4]}')

    reranked = LLMReranker(chat).rerank(QUESTION, HITS)

    assert [h.chunk_id for h in reranked] == ["c1", "c3", "c0", "c2", "c4"]
    scores = [h.score for h in reranked]
    assert scores == sorted(scores, reverse=True)
    assert all(s > RELEVANT_SCORE for s in scores[:2])
    assert all(0 < s < RELEVANT_SCORE for s in scores[2:])
    assert [h.text for h in reranked[:2]] == [TEXTS[1], TEXTS[3]]  # nothing else changed


def test_one_short_deterministic_call_sees_the_question_and_numbered_passages(
    chat: ChatModel, fake_openai: FakeOpenAI
) -> None:
    fake_openai.queue_chat_reply('{"relevant": [1]}')
    long_hit = _hit(9, "Cash flow. " + "word " * 400)

    LLMReranker(chat, max_candidates=3, passage_chars=200).rerank(QUESTION, [long_hit, *HITS])

    (request,) = fake_openai.requests_to("/chat/completions")
    body = request.json
    assert body["model"] == "gpt-4o-mini"
    assert body["temperature"] == 0
    assert body["max_tokens"] <= 200
    assert not body.get("stream")
    system, user = body["messages"]
    assert "JSON" in system["content"]
    prompt = user["content"]
    assert QUESTION in prompt
    assert "[1] (3M_2018_10K.pdf, page 49) Item 7. Management's Discussion / Section 9" in prompt
    assert "[2] (3M_2018_10K.pdf, page 40)" in prompt
    assert TEXTS[1] in prompt
    assert "[4]" not in prompt  # only max_candidates passages
    assert TEXTS[2] not in prompt
    passage = prompt.split("[1] ", 1)[1].split("\n", 2)[1]
    assert len(passage) <= 200
    assert passage.endswith("…")


def test_candidates_beyond_what_the_model_read_keep_their_order_after_it(
    chat: ChatModel, fake_openai: FakeOpenAI
) -> None:
    fake_openai.queue_chat_reply('{"relevant": [2]}')

    reranked = LLMReranker(chat, max_candidates=2).rerank(QUESTION, HITS)

    assert [h.chunk_id for h in reranked] == ["c1", "c0", "c2", "c3", "c4"]


def test_nothing_relevant_keeps_the_order_with_low_scores(
    chat: ChatModel, fake_openai: FakeOpenAI
) -> None:
    fake_openai.queue_chat_reply('{"relevant": []}')

    reranked = LLMReranker(chat).rerank(QUESTION, HITS)

    assert [h.chunk_id for h in reranked] == [h.chunk_id for h in HITS]
    assert all(h.score < RELEVANT_SCORE for h in reranked)


@pytest.mark.parametrize(
    ("faults", "attempts"),
    [
        ([Fault(status=500), Fault(status=503)], 2),
        ([Fault(status=429, retry_after_ms="1")] * 2, 2),
        ([Fault(status=400)], 1),
        ([Fault(delay_s=2.0), Fault(delay_s=2.0)], 2),
    ],
    ids=["server-error", "rate-limited", "rejected", "too-slow"],
)
def test_a_model_error_keeps_the_first_stage_order(
    chat: ChatModel,
    fake_openai: FakeOpenAI,
    faults: list[Fault],
    attempts: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for fault in faults:
        fake_openai.add_fault("chat", fault)
    fake_openai.queue_chat_reply('{"relevant": [2]}')

    with caplog.at_level(logging.WARNING, logger="rag.llm_rerank"):
        reranked = LLMReranker(chat, timeout_s=0.5).rerank(QUESTION, HITS)

    assert reranked == HITS  # same hits, same order, same scores
    assert len(fake_openai.requests_to("/chat/completions")) == attempts
    assert "keeping the first-stage order" in caplog.text


def test_one_transient_error_is_retried_once(chat: ChatModel, fake_openai: FakeOpenAI) -> None:
    fake_openai.add_fault("chat", Fault(status=502, retry_after_ms="1"))
    fake_openai.queue_chat_reply('{"relevant": [2]}')

    reranked = LLMReranker(chat).rerank(QUESTION, HITS)

    assert reranked[0].chunk_id == "c1"
    assert len(fake_openai.requests_to("/chat/completions")) == 2
    assert chat.client.timeout == 60  # the answer's own client keeps its settings
    assert chat.client.max_retries == 0


def test_an_unreadable_reply_keeps_the_order_and_is_not_logged(
    chat: ChatModel, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    fake_openai.queue_chat_reply("Free cash flow was $5.0 billion; see the second passage.")

    with caplog.at_level(logging.WARNING, logger="rag.llm_rerank"):
        reranked = LLMReranker(chat).rerank(QUESTION, HITS)

    assert reranked == HITS
    assert "not understood" in caplog.text
    assert "billion" not in caplog.text  # the reply may quote documents: never logged


def test_no_hits_no_call(chat: ChatModel, fake_openai: FakeOpenAI) -> None:
    assert LLMReranker(chat).rerank(QUESTION, []) == []
    assert fake_openai.requests_to("/chat/completions") == []
    assert LLMReranker(chat).name == "llm:gpt-4o-mini"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"relevant": [3, 1]}', [2, 0]),
        ('```json\n{"relevant": [2]}\n```', [1]),
        ("[4, 2]", [3, 1]),
        ('Here you go: {"relevant": ["2", "[5]"]} Hope it helps.', [1, 4]),
        ('{"ranking": [1, 1, 9, 2]}', [0, 1]),  # another key; repeats and unknown numbers dropped
        ('{"relevant": [2.0, true, "x", 3]}', [1, 2]),
        ('{"relevant": []}', []),
        ('{"relevant": [7, 8]}', None),  # only numbers that name no passage
        ("Passage two answers it.", None),
        ('{"answer": "2"}', None),
        ("", None),
    ],
)
def test_parse_ranking(reply: str, expected: list[int] | None) -> None:
    assert parse_ranking(reply, count=5) == expected
