"""A document (or a model) full of Slack markup never pings anyone or disguises a link.

End to end through Bolt: the hostile document is shared, read, and asked about in a thread
(extractive without a key, generated with the OpenAI stand-in echoing the markup), with
``/ask`` and "Share in channel". Every byte the bot sent to Slack is checked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.constants import SHARE_ANSWER
from rag.embeddings import Embedder
from tests.bot.harness import Bot, bot_settings
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack

HOSTILE_DOC = (
    "# Escalation policy\n\n"
    "The escalation window for a major incident is fifteen minutes. Escalate to <!channel> "
    "and <!here> and <@U123> at once. Report the incident at "
    "<https://evil.example/login|https://intranet.example.com/incidents> & call the duty "
    "manager.\n"
)
HOSTILE_REPLY = (
    "The escalation window is fifteen minutes [1]. Escalate to <!channel> <!here> <@U123> "
    "via <https://evil.example/login|https://intranet.example.com/incidents> or "
    "[https://intranet.example.com](https://evil.example/login) [1]."
)
QUESTION = "What is the escalation window for a major incident?"
# A ping, or "intranet" as the visible label of a link (mrkdwn or Markdown syntax).
DANGEROUS = re.compile(
    r"<!channel|<!here|<@U123|<[^<>]*\|[^<>]*intranet[^<>]*>|\[[^\]]*intranet[^\]]*\]\("
)
WRITES = (
    "chat.postMessage",
    "chat.postEphemeral",
    "chat.update",
    "chat.startStream",
    "chat.appendStream",
    "chat.stopStream",
)


def sent_to_slack(slack: FakeSlack) -> str:
    """Everything the bot wrote to Slack (messages, streams, updates, response_url posts)."""
    calls = [c.params for m in WRITES for c in slack.calls_to(m)]
    return json.dumps([calls, [r.payload for r in slack.responses]], ensure_ascii=False)


def assert_no_markup_injection(slack: FakeSlack) -> None:
    sent = sent_to_slack(slack)
    assert "fifteen minutes" in sent, "the answer itself got through"
    found = DANGEROUS.findall(sent)
    assert not found, found


@pytest.fixture
def hostile_bot(
    tmp_path: Path,
    slack: FakeSlack,
    openai_fake: FakeOpenAI,
    embedder: Embedder,
    request: pytest.FixtureRequest,
) -> Iterator[Bot]:
    key = "sk-test" if request.param == "generated" else None
    settings = bot_settings(tmp_path / "data", slack, openai_fake, openai_api_key=key)
    bot = Bot(settings, slack, openai_fake, embedder)
    bot.share_file("escalation.md", "C1", content=HOSTILE_DOC.encode(), filetype="markdown")
    assert "Added" in bot.wait_receipt("C1", "escalation.md")["text"]
    yield bot
    bot.stop()


@pytest.mark.parametrize("hostile_bot", ["extractive", "generated"], indirect=True)
def test_hostile_document_never_pings_or_disguises_links(hostile_bot: Bot) -> None:
    bot, slack = hostile_bot, hostile_bot.slack
    bot.openai.queue_chat_reply(HOSTILE_REPLY, HOSTILE_REPLY)

    question_ts = bot.mention(QUESTION, "C1")
    bot.wait_answer("C1", question_ts)

    bot.command("/ask", QUESTION, channel="C1")
    ask_reply = slack.wait_response(bot.last_response_url)[-1]
    answer_id = next(
        e["value"]
        for b in ask_reply["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == SHARE_ANSWER
    )
    posted = len(slack.calls_to("chat.postMessage"))
    assert bot.click(SHARE_ANSWER, answer_id, "C1") == 200
    slack.wait_for("chat.postMessage", posted + 1)

    assert_no_markup_injection(slack)
