"""Questions about whole documents through Bolt, without a chat model: an outline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.blocks.answer import OUTLINE_HEADER
from rag.embeddings import Embedder
from tests.bot.harness import SAMPLES, Bot, bot_settings
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack

pytestmark = pytest.mark.slow


@pytest.fixture
def bot_without_model(
    tmp_path: Path, slack: FakeSlack, openai_fake: FakeOpenAI, embedder: Embedder
) -> Iterator[Bot]:
    settings = bot_settings(tmp_path / "data", slack, openai_fake, openai_api_key=None)
    bot = Bot(settings, slack, openai_fake, embedder)
    try:
        yield bot
    finally:
        bot.stop()


def test_what_is_in_a_named_file_is_answered_with_its_outline(bot_without_model: Bot) -> None:
    bot = bot_without_model
    bot.share_file(SAMPLES / "handbook.md", "C1")
    bot.wait_receipt("C1", "handbook.md")
    bot.share_file(SAMPLES / "security.html", "C1")
    bot.wait_receipt("C1", "security.html")

    ts = bot.mention("what is in handbook.md?", "C1")
    answer = bot.wait_answer("C1", ts)

    text = answer["text"]  # the streamed Markdown
    assert text.startswith(OUTLINE_HEADER)
    assert "**handbook.md**" in text
    assert "**Vacation Policy** — Every full-time employee receives" in text
    assert "security.html" not in text
    assert bot.openai.requests_to("/chat/completions") == []
