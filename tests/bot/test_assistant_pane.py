"""The assistant pane through Bolt: greeting, suggested prompts, status, answer in the thread."""

from __future__ import annotations

import pytest

from tests.bot.harness import SAMPLES, Bot, block_text

pytestmark = pytest.mark.slow


def test_assistant_thread_gets_prompts_and_answers(running_bot: Bot) -> None:
    bot, slack = running_bot, running_bot.slack
    started = {
        "type": "assistant_thread_started",
        "assistant_thread": {
            "user_id": "U1",
            "channel_id": "D9",
            "thread_ts": "1700000001.000100",
            "context": {"channel_id": "C1", "team_id": "T1"},
        },
        "event_ts": "1700000001.000200",
    }
    assert bot.send_event(started) == 200
    prompts = slack.wait_for("assistant.threads.setSuggestedPrompts")[0]
    assert prompts.params["channel_id"] == "D9"

    bot.share_file(SAMPLES / "handbook.md", "D9")
    bot.wait_receipt("D9", "handbook.md")
    thread = "1700000001.000100"
    slack.add_message("D9", thread, "UBOT", "Hi!", bot_id="BBOT")
    ts = bot.say("How many vacation days do we get?", "D9", thread_ts=thread, channel_type="im")
    answer = bot.wait_answer("D9", thread, after=1)
    assert answer["ts"] > ts
    assert "handbook.md" in block_text(answer)
    statuses = slack.calls_to("assistant.threads.setStatus")
    assert any(c.params.get("status") == "thinking…" for c in statuses)
