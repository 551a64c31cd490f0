"""Follow-ups rewritten into standalone questions, against the OpenAI stand-in."""

from __future__ import annotations

import logging

import openai
import pytest

from rag.llm import ChatModel
from rag.models import Turn
from rag.query_rewrite import heuristic_search_query, standalone_question
from tests.fakes.openai_server import FakeOpenAI, Fault

HISTORY = (
    Turn("user", "How many vacation days do employees get?"),
    Turn("assistant", "Employees get 25 days of paid vacation per year [1]."),
)
FOLLOW_UP = "and contractors?"


@pytest.fixture
def chat(fake_openai: FakeOpenAI) -> ChatModel:
    client = openai.OpenAI(api_key="sk-test", base_url=fake_openai.base_url, max_retries=0)
    return ChatModel("gpt-4o-mini", client, temperature=0.7, max_tokens=800)


def test_without_history_the_question_is_used_as_is_without_a_call(
    chat: ChatModel, fake_openai: FakeOpenAI
) -> None:
    assert standalone_question(chat, "How long is parental leave?", ()) == (
        "How long is parental leave?"
    )
    assert fake_openai.requests == []


def test_a_follow_up_is_rewritten_from_the_conversation(
    chat: ChatModel, fake_openai: FakeOpenAI
) -> None:
    fake_openai.queue_chat_reply("How many vacation days do contractors get?")

    query = standalone_question(chat, FOLLOW_UP, HISTORY)

    assert query == "How many vacation days do contractors get?"
    (request,) = fake_openai.requests_to("/chat/completions")
    body = request.json
    assert body["model"] == "gpt-4o-mini"
    assert body["temperature"] == 0
    assert body["max_tokens"] <= 200
    assert not body.get("stream")
    prompt = body["messages"][-1]["content"]
    assert "User: How many vacation days do employees get?" in prompt
    assert "Assistant: Employees get 25 days of paid vacation per year [1]." in prompt
    assert prompt.index("Assistant:") < prompt.index(f"Last message: {FOLLOW_UP}")
    assert "standalone" in body["messages"][0]["content"]


@pytest.mark.parametrize(
    "reply",
    [
        '"How many vacation days do contractors get?"',
        "Standalone question: How many vacation days do contractors get?",
        "\n  How many vacation days do contractors get?\n(I kept the topic.)",
    ],
    ids=["quoted", "labelled", "with-a-remark"],
)
def test_the_rewrite_is_cleaned(chat: ChatModel, fake_openai: FakeOpenAI, reply: str) -> None:
    fake_openai.queue_chat_reply(reply)

    assert standalone_question(chat, FOLLOW_UP, HISTORY) == (
        "How many vacation days do contractors get?"
    )


def test_long_earlier_answers_are_shortened_in_the_prompt(
    chat: ChatModel, fake_openai: FakeOpenAI
) -> None:
    fake_openai.queue_chat_reply("What is the refund window for damaged goods?")
    history = (Turn("user", "Refund policy?"), Turn("assistant", "Refunds. " * 1000))

    standalone_question(chat, "and for damaged goods?", history)

    prompt = fake_openai.requests_to("/chat/completions")[0].json["messages"][-1]["content"]
    assert len(prompt) < 2000
    assert "Last message: and for damaged goods?" in prompt


@pytest.mark.parametrize(
    "faults",
    [
        [Fault(status=500, retry_after_ms="1")] * 2,
        [Fault(status=401)],
        [Fault(disconnect=True)] * 2,
    ],
    ids=["server-error", "bad-key", "dropped-connection"],
)
def test_on_a_model_error_the_heuristic_is_used(
    chat: ChatModel,
    fake_openai: FakeOpenAI,
    faults: list[Fault],
    caplog: pytest.LogCaptureFixture,
) -> None:
    for fault in faults:
        fake_openai.add_fault("chat", fault)
    fake_openai.queue_chat_reply("How many vacation days do contractors get?")

    with caplog.at_level(logging.WARNING, logger="rag.query_rewrite"):
        query = standalone_question(chat, FOLLOW_UP, HISTORY)

    assert query == f"How many vacation days do employees get?\n{FOLLOW_UP}"
    assert "using the heuristic" in caplog.text
    assert len(fake_openai.requests_to("/chat/completions")) == len(faults)


def test_one_dropped_connection_is_retried(chat: ChatModel, fake_openai: FakeOpenAI) -> None:
    fake_openai.add_fault("chat", Fault(disconnect=True))
    fake_openai.queue_chat_reply("How many vacation days do contractors get?")

    assert standalone_question(chat, FOLLOW_UP, HISTORY) == (
        "How many vacation days do contractors get?"
    )


def test_an_empty_rewrite_falls_back_to_the_heuristic(
    chat: ChatModel, fake_openai: FakeOpenAI
) -> None:
    fake_openai.queue_chat_reply("   ")

    query = standalone_question(chat, FOLLOW_UP, HISTORY)

    assert query == f"How many vacation days do employees get?\n{FOLLOW_UP}"


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        ("and contractors?", HISTORY, f"{HISTORY[0].text}\nand contractors?"),
        (
            "What is the notice period for ending a contract early?",
            HISTORY,
            "What is the notice period for ending a contract early?",
        ),
        ("and contractors?", (), "and contractors?"),
        ("and contractors?", (Turn("assistant", "Hello!"),), "and contractors?"),
    ],
    ids=["short-follow-up", "long-question", "no-history", "no-earlier-question"],
)
def test_heuristic_search_query(question: str, history: tuple[Turn, ...], expected: str) -> None:
    assert heuristic_search_query(question, history) == expected
