"""Secrets: requests must be signed and fresh in HTTP mode, and logs hold no token and no
message text, even at DEBUG across a whole question-and-answer run."""

from __future__ import annotations

import time

from tests.bot.harness import SECRET, Bot, block_text
from tests.fakes.slack_requests import (
    FORM,
    JSON,
    app_mention_event,
    event_callback_body,
    post_to_app,
    slash_command_body,
)
from tests.reliability.badfiles import SAMPLES
from tests.reliability.conftest import LogRecorder, MakeBot

BOT_TOKEN = "xoxb-1234567890-0987654321-RealLookingBotToken42"
APP_TOKEN = "xapp-1-A0123456789-1234567890123-abcdefRealLookingAppToken"
OPENAI_KEY = "sk-proj-RealLookingOpenAIKey0123456789abcdefABCDEF"
QUESTION = "Zanzibar-quokka: how many vacation days do we get?"


def test_unsigned_stale_and_forged_requests_are_rejected(running_bot: Bot) -> None:
    bot = running_bot
    event = event_callback_body(app_mention_event("<@UBOT> how many vacation days?"))
    command = slash_command_body("/ask", "how many vacation days?")
    stale = int(time.time()) - 6 * 60
    for body, kind in ((event, JSON), (command, FORM)):
        assert post_to_app(bot.url, body, kind, SECRET, signed=False)[0] == 401
        assert post_to_app(bot.url, body, kind, SECRET, timestamp=stale)[0] == 401
        assert post_to_app(bot.url, body, kind, "not-the-secret")[0] == 401
    assert post_to_app(bot.url, command, FORM, SECRET)[0] == 200
    bot.wait_idle()  # the signed command handled to the end; the others were never let in
    assert bot.slack.calls_to("assistant.threads.setStatus") == []
    assert bot.openai.requests_to("/chat/completions") == []


def test_logs_hold_no_token_and_no_message_text(make_bot: MakeBot, all_logs: LogRecorder) -> None:
    bot = make_bot(slack_bot_token=BOT_TOKEN, openai_api_key=OPENAI_KEY, slack_app_token=None)
    bot.share_file(SAMPLES / "handbook.md", "C1")
    bot.wait_receipt("C1", "handbook.md")
    answer = bot.wait_answer("C1", bot.mention(QUESTION, "C1"))
    assert "handbook.md" in block_text(answer)
    reply = bot.command("/ask", QUESTION, channel="C1")
    assert "Looking" in reply["text"]
    bot.slack.wait_response(bot.last_response_url)
    assert any(
        r.headers.get("authorization") == f"Bearer {OPENAI_KEY}" for r in bot.openai.requests
    ), "the real-looking key was in use"
    assert bot.slack.downloads[0].headers["authorization"] == f"Bearer {BOT_TOKEN}"

    logged = all_logs.text()
    assert len(all_logs.records) > 50, "DEBUG records were captured"
    for secret in (BOT_TOKEN, APP_TOKEN, OPENAI_KEY, SECRET):
        assert secret not in logged
    for prefix in ("xoxb-", "xapp-", "sk-proj", "sk-"):
        assert prefix not in logged, prefix
    leaks = sorted(
        {
            r.name
            for r in all_logs.records
            if "zanzibar" in all_logs.format(r).lower() or "vacation" in all_logs.format(r).lower()
        }
    )
    assert leaks == [], "loggers that wrote message or document text"
    assert "Zanzibar" not in logged, "question text was logged"
    assert "vacation" not in logged.lower(), "message or document text was logged"
