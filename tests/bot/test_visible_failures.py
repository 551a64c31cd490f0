"""Failures the user can see, end to end through Bolt against the strict Slack stand-in."""

from __future__ import annotations

import json

import pytest

from tests.bot.harness import SAMPLES, Bot
from tests.waiting import wait_until

pytestmark = pytest.mark.slow


def test_ask_where_the_bot_is_not_a_member_still_answers(running_bot: Bot) -> None:
    bot, slack = running_bot, running_bot.slack
    slack.channels["D9"] = {"members": ["U1", "U2"]}  # a DM between two people
    ack = bot.command("/ask", "What is the refund policy?", channel="D9")
    assert "Looking" in ack["text"]
    reply = slack.wait_response(bot.last_response_url)[-1]
    assert reply["response_type"] == "ephemeral"
    assert "/invite @ragbot" in json.dumps(reply["blocks"])
    assert not slack.calls_to("chat.postEphemeral")


def test_docs_is_acknowledged_empty_then_answered(running_bot: Bot) -> None:
    reply = running_bot.command("/docs", "", channel="C5")
    assert "don't know any documents" in json.dumps(reply["blocks"])


def test_a_failed_lookup_is_told_in_the_thread_and_a_reshare_retries(running_bot: Bot) -> None:
    bot, slack = running_bot, running_bot.slack
    slack.add_fault("files.info", 500)
    for _ in range(3):  # the client retries 5xx twice; the third failure reaches the bot
        slack.add_fault("files.info", 500)
    file_id = bot.share_file(SAMPLES / "handbook.md", "C1", text="our handbook")
    # file_shared (no thread in it) arrives first and wins: the uploader is told privately
    told = slack.wait_for("chat.postEphemeral")[0].params
    assert (told["channel"], told["user"]) == ("C1", "U1")
    assert "couldn't get a file" in told["text"]
    bot.share_file(SAMPLES / "handbook.md", "C1", file_id=file_id)
    assert "Added" in bot.wait_receipt("C1", "handbook.md")["text"]


def test_slack_connect_files_are_read_through_files_info(running_bot: Bot) -> None:
    bot = running_bot
    bot.share_file(SAMPLES / "handbook.md", "C1", slack_connect=True)
    assert "Added" in bot.wait_receipt("C1", "handbook.md")["text"]


def test_file_unshared_with_only_a_file_id(running_bot: Bot) -> None:
    bot = running_bot
    file_id = bot.share_file(SAMPLES / "handbook.md", "C1")
    bot.wait_receipt("C1", "handbook.md")
    bot.share_file(SAMPLES / "handbook.md", "C2", file_id=file_id)
    bot.wait_message("C2", lambda m: "already in my knowledge base" in m.get("text", ""))
    assert set(bot.deps.kb.document(file_id).scopes) == {"C1", "C2"}  # type: ignore[union-attr]

    bot.unshare_file(file_id, "C2")  # the event names no channel
    wait_until(lambda: set(bot.deps.kb.document(file_id).scopes) == {"C1"})  # type: ignore[union-attr]
    bot.slack.wait_for("files.info", 3)


def test_global_documents_stay_out_of_slack_connect_channels(running_bot: Bot) -> None:
    bot, slack = running_bot, running_bot.slack
    bot.deps.kb.ingest_path(SAMPLES / "handbook.md")  # ingested outside Slack: global
    slack.channels["C9"] = {"is_ext_shared": True, "is_shared": True}
    inside = bot.wait_answer("C1", bot.mention("How many vacation days do we get?", "C1"))
    assert "handbook.md" in json.dumps(inside.get("blocks"))
    shared = bot.wait_answer("C9", bot.mention("How many vacation days do we get?", "C9"))
    assert "couldn't find anything" in shared["text"]
    assert "handbook.md" not in json.dumps(bot.command("/docs", "", channel="C9"))
