"""The bot end to end: signed requests through Bolt over HTTP, FakeSlack, FakeOpenAI, real kb."""

from __future__ import annotations

import json

import pytest

from bot.constants import FEEDBACK_UP, MORE_SOURCES
from tests.bot.harness import SAMPLES, Bot, block_text
from tests.bot.socket_harness import MODES
from tests.fakes.openai_server import Fault
from tests.waiting import wait_until

pytestmark = pytest.mark.slow

LAPTOP_Q = "What is the asset tag format of the laptops?"
PAYLOAD_Q = "What is the maximum payload of the T-800 robot?"


@pytest.mark.parametrize("running_bot", MODES, indirect=True)
def test_shared_files_get_receipts_and_cited_streamed_answers(running_bot: Bot) -> None:
    bot, slack = running_bot, running_bot.slack
    docx_id = bot.share_file(SAMPLES / "onboarding.docx", "C1")
    pdf_id = bot.share_file(SAMPLES / "product-specs.pdf", "C1")

    for name in ("onboarding.docx", "product-specs.pdf"):
        receipt = bot.wait_receipt("C1", name)
        assert "Added" in receipt["text"], receipt["text"]
        assert ("3 pages" in receipt["text"]) is name.endswith(".pdf")  # Word has no pages
        assert "chunks" in receipt["text"]
        assert receipt.get("thread_ts"), "the receipt goes in the file's thread"
    assert len(slack.downloads) == 2
    assert all(d.headers["authorization"] == "Bearer xoxb-test-token" for d in slack.downloads)
    assert {d.doc_id for d in bot.deps.kb.documents(["C1"])} == {docx_id, pdf_id}

    question_ts = bot.mention(PAYLOAD_Q, "C1")
    answer = bot.wait_answer("C1", question_ts)
    assert slack.calls_to("chat.startStream"), "the answer is streamed"
    assert "[1]" in answer["text"]
    sources = block_text(answer)
    assert "product-specs.pdf" in sources
    assert FEEDBACK_UP in sources

    # a follow-up in the same thread needs no mention; earlier turns are sent as history
    follow_ts = bot.say("And how fast can it go?", "C1", thread_ts=question_ts)
    follow = bot.wait_answer("C1", question_ts, after=1)
    assert follow["ts"] > follow_ts
    chat_requests = running_bot_chat_requests(bot)
    assert PAYLOAD_Q in json.dumps(chat_requests[-1]), "thread history reaches the model"

    # feedback and "show more sources" on the answer
    answer_id = _answer_id(answer)
    assert bot.click(FEEDBACK_UP, answer_id, "C1", message_ts=answer["ts"]) == 200
    assert bot.click(MORE_SOURCES, answer_id, "C1", message_ts=answer["ts"]) == 200
    slack.wait_for("chat.postEphemeral", 2)
    feedback = bot.deps.state.feedback()
    assert len(feedback) == 1
    assert feedback[0].vote == 1
    assert feedback[0].chunk_ids


def running_bot_chat_requests(bot: Bot) -> list[object]:
    return [r.json for r in bot.openai.requests if r.path.endswith("/chat/completions")]


def _answer_id(message: dict[str, object]) -> str:
    for block in message.get("blocks") or []:  # type: ignore[attr-defined]
        if block.get("type") == "actions":
            return str(block["elements"][0]["value"])
    raise AssertionError("no feedback buttons")


def test_docs_lists_and_forgets(running_bot: Bot) -> None:
    bot = running_bot
    bot.share_file(SAMPLES / "handbook.md", "C2")
    bot.wait_receipt("C2", "handbook.md")

    listing = bot.command("/docs", "", channel="C2")
    assert "handbook.md" in json.dumps(listing["blocks"])
    assert "handbook.md" not in json.dumps(bot.command("/docs", "", channel="C3"))

    forgot = bot.command("/docs", "forget handbook.md", channel="C2")
    assert "forgot" in forgot["text"]
    assert bot.deps.kb.documents(["C2"]) == []
    assert "handbook.md" not in json.dumps(bot.command("/docs", "list", channel="C2"))
    assert "/docs add" in json.dumps(bot.command("/docs", "help", channel="C2"))


def test_deleted_file_is_no_longer_cited(running_bot: Bot) -> None:
    bot, slack = running_bot, running_bot.slack
    file_id = bot.share_file(SAMPLES / "product-specs.pdf", "C4")
    bot.wait_receipt("C4", "product-specs.pdf")
    first = bot.wait_answer("C4", bot.mention(PAYLOAD_Q, "C4"))
    assert "product-specs.pdf" in block_text(first)

    slack.delete_file(file_id)
    assert bot.send_event({"type": "file_deleted", "file_id": file_id, "event_ts": "1.0"}) == 200
    wait_until(lambda: bot.deps.kb.document(file_id) is None)
    again = bot.wait_answer("C4", bot.mention(PAYLOAD_Q, "C4"))
    assert "couldn't find" in again["text"]
    assert "product-specs.pdf" not in block_text(again)


def test_private_channel_documents_stay_private(running_bot: Bot) -> None:
    bot, slack = running_bot, running_bot.slack
    slack.channels["G1"] = {"is_private": True, "name": "secret"}
    bot.share_file(SAMPLES / "onboarding.docx", "G1")
    bot.wait_receipt("G1", "onboarding.docx")

    inside = bot.wait_answer("G1", bot.mention(LAPTOP_Q, "G1"))
    assert "onboarding.docx" in block_text(inside)
    outside = bot.wait_answer("C5", bot.mention(LAPTOP_Q, "C5"))
    assert "onboarding.docx" not in block_text(outside) + outside["text"]
    assert "couldn't find" in outside["text"]


def test_duplicate_deliveries_give_one_answer(running_bot: Bot) -> None:
    bot, slack = running_bot, running_bot.slack
    bot.share_file(SAMPLES / "handbook.md", "C6")
    bot.wait_receipt("C6", "handbook.md")
    text = "<@UBOT> how many vacation days do we get?"
    ts = slack.add_message("C6", None, "U1", text)
    from tests.fakes.slack_requests import app_mention_event, message_event

    mention = app_mention_event(text, channel="C6", ts=ts)
    assert bot.send_event(mention, event_id="EvDUP1") == 200
    assert bot.send_event(mention, event_id="EvDUP1", retry_num=1) == 200
    assert bot.send_event(message_event(text, channel="C6", ts=ts)) == 200  # same message
    bot.wait_answer("C6", ts)
    bot.wait_idle()  # every delivery handled to the end
    replies = [m for m in slack.thread("C6", ts) if m.get("bot_id")]
    assert len(replies) == 1
    assert len(slack.calls_to("chat.startStream")) == 1


def test_bad_files_get_a_clear_reason_and_the_bot_keeps_answering(running_bot: Bot) -> None:
    bot = running_bot
    bot.share_file(SAMPLES / "handbook.md", "C7", name="broken.pdf", content=b"not a pdf at all")
    broken = bot.told_privately("U1", "broken.pdf")  # to who shared it, not the channel
    assert "couldn't add" in broken["text"]
    assert "Traceback" not in broken["text"]
    assert broken["thread_ts"], "shown in the file's thread"
    bot.slack.wait_for("chat.delete")  # the public "Reading…" note is gone
    assert not any("broken.pdf" in m.get("text", "") for m in bot.slack.messages_in("C7"))

    bot.share_file(SAMPLES / "handbook.md", "C7")
    bot.wait_receipt("C7", "handbook.md")
    answer = bot.wait_answer("C7", bot.mention("How many vacation days do we get?", "C7"))
    assert "handbook.md" in block_text(answer)


def test_model_failure_gives_a_clear_message_in_the_thread(running_bot: Bot) -> None:
    bot = running_bot
    bot.share_file(SAMPLES / "handbook.md", "C8")
    bot.wait_receipt("C8", "handbook.md")
    bot.openai.add_fault("chat", Fault(status=500))
    answer = bot.wait_answer("C8", bot.mention("How many vacation days do we get?", "C8"))
    assert answer["text"].startswith(":warning:")
    assert "500" not in answer["text"]
    assert "Error" not in answer["text"]
    # and the next question works again
    ok = bot.wait_answer("C8", bot.mention("How many vacation days do we get?", "C8"))
    assert "[1]" in ok["text"]


def test_dm_questions_and_ask_command(running_bot: Bot) -> None:
    bot, slack = running_bot, running_bot.slack
    bot.share_file(SAMPLES / "handbook.md", "D1")
    bot.wait_receipt("D1", "handbook.md")
    ts = bot.say("How many vacation days do we get?", "D1", channel_type="im")
    assert "handbook.md" in block_text(bot.wait_answer("D1", ts))

    reply = bot.command("/ask", "How many vacation days do we get?", channel="D1")
    assert "Looking" in reply["text"]
    ephemeral = slack.wait_response(bot.last_response_url)[-1]
    assert ephemeral["response_type"] == "ephemeral"
    assert "handbook.md" in json.dumps(ephemeral["blocks"])
    assert "ragbot_share_answer" in json.dumps(ephemeral["blocks"])


def test_healthz(running_bot: Bot) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{running_bot.server.url}/healthz", timeout=5) as response:
        assert response.status == 200
        assert response.read() == b"ok"
