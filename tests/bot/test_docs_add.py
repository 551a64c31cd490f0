"""``/docs add <url>`` end to end: a page served on 127.0.0.1 is fetched, ingested and cited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.embeddings import Embedder
from tests.bot.harness import SAMPLES, Bot, bot_settings
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack
from tests.net import static_site

pytestmark = pytest.mark.slow


@pytest.fixture
def intranet_page() -> Iterator[str]:
    """samples/ served over HTTP on 127.0.0.1, like an intranet wiki."""
    with static_site(SAMPLES) as site:
        yield f"{site}/security.html"


def _ephemeral_texts(slack: FakeSlack) -> list[str]:
    return [str(call.params.get("text", "")) for call in slack.calls_to("chat.postEphemeral")]


def test_an_allowed_intranet_page_is_added_and_cited(
    tmp_path: Path,
    slack: FakeSlack,
    openai_fake: FakeOpenAI,
    embedder: Embedder,
    intranet_page: str,
) -> None:
    settings = bot_settings(tmp_path / "data", slack, openai_fake, url_allow_private=True)
    bot = Bot(settings, slack, openai_fake, embedder)
    try:
        reply = bot.command("/docs", f"add <{intranet_page}>", channel="C7")
        slack.wait_for("chat.postEphemeral", timeout=60)

        assert "security.html" in str(reply)
        assert any("Added" in text for text in _ephemeral_texts(slack)), _ephemeral_texts(slack)
        [doc] = bot.deps.kb.documents(["C7"])
        assert doc.url == intranet_page
        assert bot.deps.kb.documents(["C8"]) == []
        assert f"refresh:{doc.doc_id}" in bot.deps.jobs.pending()

        openai_fake.queue_chat_reply("Passwords rotate every 90 days [1].")
        asked = bot.mention("How often do passwords rotate?", "C7")
        answer = bot.wait_answer("C7", asked)
        assert "90 days" in answer["text"]
    finally:
        bot.stop()


def test_private_addresses_are_refused_by_default(running_bot: Bot, intranet_page: str) -> None:
    running_bot.command("/docs", f"add {intranet_page}", channel="C7")
    running_bot.slack.wait_for("chat.postEphemeral", timeout=60)

    assert any("private or internal" in t for t in _ephemeral_texts(running_bot.slack))
    assert running_bot.deps.kb.documents(["C7"]) == []
