"""Good manners in threads, end to end through Bolt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bot.harness import SAMPLES, Bot
from tests.fakes.slack_requests import app_mention_event

pytestmark = pytest.mark.slow


def _bot_replies(bot: Bot, channel: str, thread_ts: str) -> list[str]:
    return [
        m.get("text", "")
        for m in bot.slack.thread(channel, thread_ts)
        if m.get("bot_id") and m["ts"] != thread_ts
    ]


def _settled(bot: Bot) -> None:
    """Wait until the bot has handled every message sent so far (replied or chosen not to)."""
    bot.wait_idle()


def test_thread_manners(running_bot: Bot) -> None:
    bot = running_bot
    bot.share_file(SAMPLES / "handbook.md", "C1")
    receipt = bot.wait_receipt("C1", "handbook.md")
    share_thread = receipt["thread_ts"]

    # the receipt's thread is a bot thread: the uploader's question needs no mention
    bot.say("How many vacation days do we get?", "C1", thread_ts=share_thread)
    first = bot.wait_answer("C1", share_thread, after=1)  # reply 0 is the receipt
    assert "[1]" in first["text"]

    # acknowledgements, remarks to others and others' remarks are left alone
    bot.say("thanks!", "C1", thread_ts=share_thread)
    bot.say("<@U2> can you check this with HR?", "C1", thread_ts=share_thread)
    bot.say("I think that is generous", "C1", thread_ts=share_thread, user="U3")
    bot.say(":+1:", "C1", thread_ts=share_thread, user="U3")
    # a remark by the asker that finds nothing is not answered with "I couldn't find anything"
    bot.say("my cat likes sunny windowsills", "C1", thread_ts=share_thread)
    _settled(bot)
    assert len(_bot_replies(bot, "C1", share_thread)) == 2

    # a question addressed to no one else, from anyone, is answered
    bot.say("What about sick leave?", "C1", thread_ts=share_thread, user="U3")
    bot.wait_answer("C1", share_thread, after=2)
    _settled(bot)
    assert len(_bot_replies(bot, "C1", share_thread)) == 3


def test_a_question_shared_with_files_waits_for_them(running_bot: Bot) -> None:
    bot, slack = running_bot, running_bot.slack
    question = "<@UBOT> How many vacation days do we get?"
    share_ts = _share_with_question(bot, SAMPLES / "handbook.md", question)
    answer = bot.wait_message("C1", lambda m: "[1]" in m.get("text", ""))
    assert answer.get("thread_ts") == share_ts
    assert "handbook.md" in json.dumps(answer.get("blocks"))
    statuses = [c.params["status"] for c in slack.calls_to("assistant.threads.setStatus")]
    assert any(s.startswith("reading handbook.md") for s in statuses), statuses

    share_ts = _share_with_question(bot, "tool.exe", "<@UBOT> what does this tool do?", b"MZ")
    told = bot.wait_message(
        "C1",
        lambda m: (
            "couldn't read" in m.get("text", "").lower()
            and m.get("thread_ts") == share_ts
            and "tool.exe" in m["text"]
            and not m["text"].startswith(":warning:")
        ),
    )
    assert "tool.exe" in told["text"]


def _share_with_question(
    bot: Bot, path: Path | str, text: str, content: bytes | None = None
) -> str:
    file_id = bot.share_file(path, "C1", text=text, content=content)
    message = next(
        m for m in bot.slack.messages_in("C1") if (m.get("files") or [{}])[0].get("id") == file_id
    )
    event = app_mention_event(
        text, channel="C1", ts=message["ts"], files=[bot.slack.message_file(file_id)]
    )
    assert bot.send_event(event) == 200
    return str(message["ts"])
