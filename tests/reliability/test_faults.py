"""Faults: the model and Slack fail in the ways they do in production; the bot retries within a
bound, then says so clearly in the thread, never leaving it on "thinking…"."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from bot.constants import FEEDBACK_UP, THINKING
from tests.bot.harness import Bot, Message, block_text, new_file_id
from tests.fakes.openai_server import Fault
from tests.fakes.slack_server import FakeSlack
from tests.reliability.badfiles import SAMPLES
from tests.reliability.conftest import MakeBot

pytestmark = pytest.mark.slow

QUESTION = "How many vacation days do we get?"
MAX_RETRIES = 2


@dataclass(frozen=True)
class ModelFault:
    name: str
    faults: tuple[Fault, ...]
    says: str  # in the final reply ("" when the answer must come through)
    requests: int  # chat requests the question may cost: the retry bound


MODEL_FAULTS = [
    ModelFault("timeout", (Fault(delay_s=3),) * 3, "took too long", MAX_RETRIES + 1),
    ModelFault("429", (Fault(status=429, retry_after="1"),) * 3, "rate limited", MAX_RETRIES + 1),
    ModelFault("500", (Fault(status=500),) * 3, "unavailable", MAX_RETRIES + 1),
    ModelFault("cut stream", (Fault(cut_stream_after=4),), "unavailable", 1),
    ModelFault("one 429 then fine", (Fault(status=429, retry_after="1"),), "", 2),
]


def settled_replies(slack: FakeSlack, channel: str, thread_ts: str) -> list[Message]:
    return [m for m in slack.thread(channel, thread_ts) if m.get("bot_id") and m["ts"] != thread_ts]


def test_model_faults_are_retried_within_a_bound_then_reported(make_bot: MakeBot) -> None:
    bot = make_bot(max_retries=MAX_RETRIES, request_timeout_s=1.0)
    bot.share_file(SAMPLES / "handbook.md", "C1")
    bot.wait_receipt("C1", "handbook.md")
    for case in MODEL_FAULTS:
        bot.openai.reset()
        for fault in case.faults:
            bot.openai.add_fault("chat", fault)
        started = time.monotonic()
        ts = bot.mention(QUESTION, "C1")
        reply = bot.wait_answer("C1", ts, timeout=60)
        chat = bot.openai.requests_to("/chat/completions")
        assert len(chat) == case.requests, case.name
        replies = settled_replies(bot.slack, "C1", ts)
        assert len(replies) == 1, (case.name, [m.get("text") for m in replies])
        assert not bot.slack.is_streaming("C1", reply["ts"]), case.name
        assert reply["text"].strip() not in ("", THINKING), case.name
        if case.says:
            assert ":warning:" in reply["text"], (case.name, reply["text"])
            assert case.says in reply["text"], (case.name, reply["text"])
            assert "Error" not in reply["text"]
        else:
            assert "[1]" in reply["text"], (case.name, reply["text"])
            assert "handbook.md" in block_text(reply)
        if "429" in case.name:
            assert time.monotonic() - started >= 1.0, "Retry-After: 1 was honoured"
    assert bot.wait_answer("C1", bot.mention(QUESTION, "C1"))["text"].count("[1]") == 1


def test_slack_rate_limits_on_post_and_update_are_retried(make_bot: MakeBot) -> None:
    bot = make_bot()
    slack = bot.slack
    slack.fail_methods["chat.startStream"] = "unknown_method"  # post-then-update path
    slack.add_fault("chat.postMessage", 429, retry_after="1")
    slack.add_fault("chat.update", 429, retry_after="1")
    started = time.monotonic()
    bot.share_file(SAMPLES / "handbook.md", "C2")
    receipt = bot.wait_receipt("C2", "handbook.md")
    assert "Added" in receipt["text"]
    assert time.monotonic() - started >= 1.0

    slack.add_fault("chat.postMessage", 429, retry_after="1")
    slack.add_fault("chat.update", 429, retry_after="1")
    ts = bot.mention(QUESTION, "C2")
    answer = bot.wait_message(  # post-then-update: done once the footer (buttons) is there
        "C2", lambda m: m.get("thread_ts") == ts and FEEDBACK_UP in block_text(m)
    )
    assert "[1]" in answer["text"]
    assert "handbook.md" in block_text(answer)
    posts, updates = slack.calls_to("chat.postMessage"), slack.calls_to("chat.update")
    assert len(posts) >= 4, "each rate-limited post was sent again"
    assert len(updates) >= 3, "each rate-limited update was sent again"


def test_failed_download_is_reported_and_sharing_again_works(running_bot: Bot) -> None:
    bot = running_bot
    file_id = new_file_id()
    bot.slack.fail_download(file_id, 500)
    bot.share_file(SAMPLES / "handbook.md", "C3", file_id=file_id)
    failed = bot.told_privately("U1", "handbook.md")  # to who shared it, not the channel
    assert "couldn't download" in failed["text"]
    assert bot.deps.kb.documents() == []

    bot.share_file(SAMPLES / "handbook.md", "C3", file_id=file_id)  # as the message asks
    added = bot.wait_message("C3", lambda m: "Added" in m.get("text", ""))
    assert "handbook.md" in added["text"]
    assert [d.doc_id for d in bot.deps.kb.documents(["C3"])] == [file_id]


def test_duplicate_file_deliveries_ingest_once(running_bot: Bot) -> None:
    bot, slack = running_bot, running_bot.slack
    file_id = new_file_id()
    bot.share_file(SAMPLES / "handbook.md", "C4", file_id=file_id)
    event = {
        "type": "file_shared",
        "file_id": file_id,
        "user_id": "U1",
        "file": {"id": file_id},
        "channel_id": "C4",
        "event_ts": "1.0",
    }
    assert bot.send_event(event, event_id="EvFILE1") == 200
    assert bot.send_event(event, event_id="EvFILE1", retry_num=1) == 200
    assert bot.send_event(event, event_id="EvFILE1", retry_num=2) == 200
    bot.wait_receipt("C4", "handbook.md")
    bot.wait_idle()  # every delivery handled, every ingestion job finished
    assert [d.file_id for d in slack.downloads] == [file_id]
    receipts = [m for m in slack.messages_in("C4") if m.get("bot_id")]
    assert len(receipts) == 1, [m.get("text") for m in receipts]
    kb = bot.deps.kb
    assert kb.store.count() == sum(d.chunks for d in kb.documents())
