"""ragbot joins a channel: one offer to read the files shared before, progress in place, a
summary. Through Bolt against the strict Slack stand-in (files.list, chat.update)."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_bolt import BoltContext

from bot.constants import READ_OLDER_FILES
from bot.listeners.events.member_joined_channel import handle_member_joined_channel
from tests.bot.fixtures import mock_deps
from tests.bot.harness import SAMPLES, Bot, block_text
from tests.fakes.slack_requests import member_joined_channel_event
from tests.fakes.slack_server import BOT_USER_ID


@pytest.mark.slow
def test_joining_offers_the_older_files_and_reads_them_with_progress_in_place(
    running_bot: Bot,
) -> None:
    bot, slack = running_bot, running_bot.slack
    handbook = (SAMPLES / "handbook.md").read_bytes()
    slack.add_file("FOLD1", "handbook.md", handbook, "markdown", channels=["C3"])
    slack.add_file("FOLD2", "broken.pdf", b"not a pdf at all", "pdf", channels=["C3"])
    slack.add_file("FOLD3", "tool.exe", b"MZ\x90\x00", "binary", channels=["C3"])  # not offered
    slack.add_file("FOLD4", "elsewhere.md", handbook, "markdown", channels=["C4"])

    assert bot.send_event(member_joined_channel_event(BOT_USER_ID, "C3")) == 200
    offer = bot.wait_message("C3", lambda m: READ_OLDER_FILES in block_text(m))
    assert "2 files" in offer["text"]
    assert [c.params["channel"] for c in slack.calls_to("files.list")] == ["C3"]

    assert bot.click(READ_OLDER_FILES, "C3", "C3", message_ts=offer["ts"]) == 200
    summary = bot.wait_message(
        "C3", lambda m: m["ts"] == offer["ts"] and "Read 1 of 2" in m.get("text", "")
    )
    assert "broken.pdf" in block_text(summary)
    assert "damaged" in block_text(summary)
    assert READ_OLDER_FILES not in block_text(summary), "the button is gone"
    progress = [
        c.params["text"] for c in slack.calls_to("chat.update") if c.params["ts"] == offer["ts"]
    ]
    assert "0 of 2 files read…" in " ".join(progress)
    assert len([m for m in slack.messages_in("C3") if m.get("bot_id")]) == 1, "one message"

    doc = bot.deps.kb.document("FOLD1")
    assert doc is not None
    assert doc.scopes == ("C3",)
    assert bot.deps.kb.document("FOLD4") is None, "only this channel's files"
    answer = bot.wait_answer("C3", bot.mention("How many vacation days do we get?", "C3"))
    assert "handbook.md" in block_text(answer)


def test_someone_else_joining_offers_nothing(tmp_path: Path) -> None:
    deps = mock_deps(tmp_path)
    context = BoltContext({"bot_user_id": BOT_USER_ID})
    handle_member_joined_channel(
        member_joined_channel_event("U2", "C3"), deps.client, context, deps
    )
    deps.client.files_list.assert_not_called()
    deps.client.chat_postMessage.assert_not_called()
