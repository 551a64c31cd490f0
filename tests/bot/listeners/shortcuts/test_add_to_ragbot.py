""" "Add to ragbot" (message shortcut) through Bolt against the strict Slack stand-in."""

from __future__ import annotations

import pytest

from bot.constants import ADD_TO_RAGBOT
from tests.bot.harness import SAMPLES, Bot

pytestmark = pytest.mark.slow


def test_add_to_ragbot_reads_a_messages_files_and_says_what_it_cannot(running_bot: Bot) -> None:
    bot, slack = running_bot, running_bot.slack
    handbook = (SAMPLES / "handbook.md").read_bytes()
    slack.add_file("FSC1", "handbook.md", handbook, "markdown", channels=["C2"])
    slack.add_file("FSC2", "tool.exe", b"MZ\x90\x00", "binary", channels=["C2"])
    share_ts = slack.file_object("FSC1")["shares"]["public"]["C2"][0]["ts"]
    slack.add_message("C2", share_ts, "U1", "older files", files=["FSC1", "FSC2"])
    plain_ts = slack.add_message("C2", None, "U1", "no files here")

    assert bot.message_shortcut(ADD_TO_RAGBOT, "C2", share_ts, user="U2") == 200
    said = slack.wait_response(bot.last_response_url)[-1]
    assert said["response_type"] == "ephemeral"
    assert "Reading *handbook.md*" in said["text"]
    assert "can't read *tool.exe*" in said["text"]
    receipt = bot.wait_receipt("C2", "handbook.md")
    assert "Added" in receipt["text"]
    assert receipt.get("thread_ts") == share_ts
    doc = bot.deps.kb.document("FSC1")
    assert doc is not None
    assert "C2" in doc.scopes

    assert bot.message_shortcut(ADD_TO_RAGBOT, "C2", plain_ts) == 200
    assert "has no files" in slack.wait_response(bot.last_response_url)[-1]["text"]

    slack.channels["G5"] = {"is_private": True, "members": ["U1"]}  # ragbot isn't in it
    slack.add_file("FSC3", "secret.md", handbook, "markdown", channels=["G5"])
    secret_ts = slack.file_object("FSC3")["shares"]["private"]["G5"][0]["ts"]
    slack.add_message("G5", secret_ts, "U1", "", files=["FSC3"])
    assert bot.message_shortcut(ADD_TO_RAGBOT, "G5", secret_ts) == 200
    assert "/invite @ragbot" in slack.wait_response(bot.last_response_url)[-1]["text"]
