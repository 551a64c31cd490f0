"""The assistant pane beside a channel, through Bolt: that channel's documents are searched too
when both the person and the bot are in it; the thread is titled after its first question."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.assistant_thread import CONTEXT_EVENT_TYPE, viewed_channel_scopes
from tests.bot.harness import SAMPLES, Bot, block_text

pytestmark = pytest.mark.slow

THREAD = "1700000001.000100"
SECRET = b"# Merger\n\n## Plan\n\nProject Falcon: we acquire Initech on 1 March for 40 million.\n"


def assistant_event(kind: str, viewed: str) -> dict[str, Any]:
    return {
        "type": kind,
        "assistant_thread": {
            "user_id": "U1",
            "channel_id": "D9",
            "thread_ts": THREAD,
            "context": {"channel_id": viewed, "team_id": "T1", "enterprise_id": None},
        },
        "event_ts": "1700000001.000200",
    }


def test_the_viewed_channel_is_searched_only_when_both_are_members(running_bot: Bot) -> None:
    bot, slack = running_bot, running_bot.slack
    slack.channels["C2"] = {"members": ["U2", "UBOT"]}  # the person is not in it
    slack.channels["C3"] = {"members": ["U1"]}  # the bot is not in it
    bot.share_file(SAMPLES / "handbook.md", "C1")
    bot.wait_receipt("C1", "handbook.md")
    bot.share_file(Path("merger.md"), "C2", content=SECRET, filetype="md", user="U2")
    bot.wait_receipt("C2", "merger.md")

    assert bot.send_event(assistant_event("assistant_thread_started", "C1")) == 200
    greeting = bot.wait_answer("D9", THREAD)
    question = "How many vacation days do we get?"
    bot.say(question, "D9", thread_ts=THREAD, channel_type="im")
    answer = bot.wait_answer("D9", THREAD, after=1)

    assert "handbook.md" in block_text(answer)  # shared in C1, asked in the DM beside it
    assert [c.params["title"] for c in slack.calls_to("assistant.threads.setTitle")] == [question]

    updates = len(slack.calls_to("chat.update"))  # the receipts were updates too
    assert bot.send_event(assistant_event("assistant_thread_context_changed", "C2")) == 200
    assert slack.wait_for("chat.update", updates + 1)[-1].params["channel"] == "D9"
    stored = slack.message("D9", greeting["ts"])["metadata"]
    assert stored == {
        "event_type": CONTEXT_EVENT_TYPE,
        "event_payload": {"channel_id": "C2", "team_id": "T1", "enterprise_id": None},
    }
    bot.say("When do we acquire Initech?", "D9", thread_ts=THREAD, channel_type="im")
    second = bot.wait_answer("D9", THREAD, after=2)

    assert "merger.md" not in block_text(second)
    prompts = [str(r.json) for r in bot.openai.requests_to("/chat/completions")]
    assert not any("Falcon" in p for p in prompts)
    assert len(slack.calls_to("assistant.threads.setTitle")) == 1  # titled once
    assert viewed_channel_scopes(bot.deps, bot.deps.client, "U1", "D9", "C2") == []
    assert viewed_channel_scopes(bot.deps, bot.deps.client, "U1", "D9", "C3") == []
    assert viewed_channel_scopes(bot.deps, bot.deps.client, "U1", "D9", "C1") == ["C1"]
