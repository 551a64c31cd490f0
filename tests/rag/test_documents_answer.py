"""Whole-document answers on real Docling + Milvus Lite + MiniLM, the chat model faked over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from rag.documents_answer import MAP_PROMPT, REDUCE_PROMPT
from rag.embeddings import Embedder
from rag.knowledge_base import KnowledgeBase
from rag.models import SourceInfo
from rag.settings import Settings
from tests.fakes.openai_server import FakeOpenAI, default_chat_responder

HANDBOOK = b"""# Handbook

## Vacation

Every employee gets 25 days of paid vacation per year. Unused days expire in March.

## Expenses

Submit expense receipts within 30 days. The finance portal accepts photos.
"""
TRAVEL = b"""# Travel policy

## Booking

All trips are booked through the travel desk. Book at least two weeks ahead.

## Per diem

The daily allowance is 60 euros. Receipts are not needed for the allowance.
"""
SECRET = b"# Merger\n\n## Plan\n\nProject Falcon: we acquire Initech on 1 March for 40 million."


def long_report(sections: int = 24) -> bytes:
    body = "".join(
        f"## Section {n:02d}\n\nFinding {n:02d} is that the warehouse ran at {50 + n} percent "
        f"of capacity in week {n}. " + "The team kept detailed logs of every shift. " * 4 + "\n\n"
        for n in range(1, sections + 1)
    )
    return f"# Annual report\n\n{body}".encode()


def add(kb: KnowledgeBase, data: bytes, name: str, doc_id: str, scope: str = "C1") -> None:
    kb.ingest_bytes(data, SourceInfo(name), doc_id=doc_id, scopes=[scope])


@pytest.fixture
def plain_kb(kb: KnowledgeBase) -> KnowledgeBase:
    add(kb, HANDBOOK, "handbook.md", "H")
    add(kb, TRAVEL, "travel-policy.md", "T")
    add(kb, SECRET, "merger.md", "M", scope="G-board")  # read last: the newest, elsewhere
    return kb


@pytest.fixture
def chat_kb(
    settings: Settings, embedder: Embedder, fake_openai: FakeOpenAI
) -> Iterator[KnowledgeBase]:
    configured = settings.model_copy(
        update={
            "openai_base_url": fake_openai.base_url,
            "openai_api_key": SecretStr("sk-test"),
            "max_retries": 0,
            "context_tokens": 500,  # 2,000 characters: the report needs several parts
        }
    )
    knowledge_base = KnowledgeBase(configured, embedder=embedder)
    add(knowledge_base, HANDBOOK, "handbook.md", "H")
    add(knowledge_base, TRAVEL, "travel-policy.md", "T")
    yield knowledge_base
    knowledge_base.close()


def system_prompt(request: dict[str, Any]) -> str:
    return str(request["messages"][0]["content"])


def user_prompt(request: dict[str, Any]) -> str:
    return str(request["messages"][-1]["content"])


def test_without_a_chat_model_the_answer_is_an_outline(plain_kb: KnowledgeBase) -> None:
    answer = plain_kb.stream_answer("what is in handbook.md?", ["C1"]).answer

    assert answer.kind == "outline"
    assert answer.text.startswith("**handbook.md**")
    assert "- **Vacation** — Every employee gets 25 days of paid vacation per year." in answer.text
    assert answer.text.index("Vacation") < answer.text.index("Expenses")
    assert [c.source for c in answer.cited] == ["handbook.md"]


def test_the_latest_document_is_the_latest_one_visible_here(plain_kb: KnowledgeBase) -> None:
    answer = plain_kb.stream_answer("Summarise the most recently shared document.", ["C1"]).answer

    assert [c.doc_id for c in answer.sources] == ["T"]  # merger.md is newer, but not in C1
    assert "Falcon" not in answer.text


def test_a_short_document_is_given_whole_in_one_streamed_call(
    chat_kb: KnowledgeBase, fake_openai: FakeOpenAI
) -> None:
    fake_openai.queue_chat_reply("Vacation is 25 days and expenses are due in 30 days [1].")

    stream = chat_kb.stream_answer("Summarise handbook.md", ["C1"])
    deltas = list(stream)
    answer = stream.answer

    requests = fake_openai.requests_to("/chat/completions")
    assert len(requests) == 1
    assert requests[0].json["stream"] is True
    prompt = user_prompt(requests[0].json)
    assert prompt.index("25 days of paid vacation") < prompt.index("Submit expense receipts")
    assert prompt.startswith("Documents:\n\n[1] (handbook.md")
    assert prompt.endswith("Request: Summarise handbook.md")
    assert len(deltas) > 1
    assert answer.kind == "generated"
    assert [c.doc_id for c in answer.cited] == ["H"]


def test_two_named_files_are_compared_with_one_source_each(
    chat_kb: KnowledgeBase, fake_openai: FakeOpenAI
) -> None:
    fake_openai.queue_chat_reply("The handbook [1] covers leave; the travel policy [2] trips.")

    answer = chat_kb.stream_answer("compare travel-policy.md and handbook.md", ["C1"]).answer

    prompt = user_prompt(fake_openai.requests_to("/chat/completions")[0].json)
    assert prompt.index("[1] (travel-policy.md") < prompt.index("[2] (handbook.md")
    assert "60 euros" in prompt
    assert "25 days" in prompt
    assert [c.doc_id for c in answer.cited] == ["T", "H"]


def test_a_long_document_is_read_part_by_part_then_answered_from_the_notes(
    chat_kb: KnowledgeBase, fake_openai: FakeOpenAI
) -> None:
    add(chat_kb, long_report(), "annual-report.md", "R")

    def responder(request: dict[str, Any]) -> str:
        if system_prompt(request) == MAP_PROMPT:
            found = re.findall(r"Finding (\d\d)", user_prompt(request))
            return f"NOTE {found[0]}-{found[-1]}"
        return default_chat_responder(request)

    fake_openai.chat_responder = responder

    answer = chat_kb.stream_answer("summarise annual-report.md", ["C1"]).answer

    requests = [r.json for r in fake_openai.requests_to("/chat/completions")]
    maps = [r for r in requests if system_prompt(r) == MAP_PROMPT]
    final = requests[-1]
    assert len(maps) >= 3
    assert all(len(user_prompt(r)) < 2000 + 200 for r in maps)  # a part fits the budget
    covered = " ".join(user_prompt(r) for r in maps)
    assert all(f"Finding {n:02d}" in covered for n in range(1, 25))  # every part was read
    assert final["stream"] is True
    assert system_prompt(final) != MAP_PROMPT
    notes = re.findall(r"NOTE (\d\d)-(\d\d)", user_prompt(final))
    assert "Finding" not in user_prompt(final)  # the final call reads notes, not the document
    assert len(notes) == len(maps)
    assert notes[0][0] == "01"
    assert notes[-1][1] == "24"
    assert [int(a) for a, _ in notes] == sorted(int(a) for a, _ in notes)
    assert answer.kind == "generated"
    assert [c.doc_id for c in answer.cited] == ["R"]


def test_notes_too_long_for_the_budget_are_merged(
    chat_kb: KnowledgeBase, fake_openai: FakeOpenAI
) -> None:
    add(chat_kb, long_report(), "annual-report.md", "R")

    def responder(request: dict[str, Any]) -> str:
        if system_prompt(request) == MAP_PROMPT:
            return "long note " * 120  # 1,200 characters per part: too many to fit 2,000
        if system_prompt(request) == REDUCE_PROMPT:
            return "merged note"
        return default_chat_responder(request)

    fake_openai.chat_responder = responder

    answer = chat_kb.stream_answer("give me an overview of annual-report.md", ["C1"]).answer

    requests = [r.json for r in fake_openai.requests_to("/chat/completions")]
    assert any(system_prompt(r) == REDUCE_PROMPT for r in requests)
    final = user_prompt(requests[-1])
    assert answer.kind == "generated"
    assert "merged note" in final
    assert "long note" not in final


def test_a_document_longer_than_the_part_limit_is_read_as_its_outline(
    chat_kb: KnowledgeBase, fake_openai: FakeOpenAI
) -> None:
    add(chat_kb, long_report(), "annual-report.md", "R")
    chat_kb.documents_answerer.max_parts = 2

    answer = chat_kb.stream_answer("summarise annual-report.md", ["C1"]).answer

    maps = [
        r.json
        for r in fake_openai.requests_to("/chat/completions")
        if system_prompt(r.json) == MAP_PROMPT
    ]
    assert answer.kind == "generated"
    assert 1 <= len(maps) <= 2
    read = " ".join(user_prompt(r) for r in maps)
    assert "Finding 01 is that" in read
    assert "detailed logs" not in read  # only each chunk's first sentence


def test_ordinary_questions_still_go_to_retrieval(
    chat_kb: KnowledgeBase, fake_openai: FakeOpenAI
) -> None:
    fake_openai.queue_chat_reply("25 days [1].")

    answer = chat_kb.stream_answer("How many vacation days do we get?", ["C1"]).answer

    prompt = user_prompt(fake_openai.requests_to("/chat/completions")[0].json)
    assert prompt.startswith("Sources:")
    assert answer.text == "25 days [1]."
