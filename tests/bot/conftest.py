"""End-to-end fixtures: FakeSlack, FakeOpenAI, and a running bot sharing one loaded embedder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.embeddings import Embedder
from tests.bot.harness import Bot, bot_settings
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def openai_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def running_bot(
    tmp_path: Path, slack: FakeSlack, openai_fake: FakeOpenAI, embedder: Embedder
) -> Iterator[Bot]:
    bot = Bot(bot_settings(tmp_path / "data", slack, openai_fake), slack, openai_fake, embedder)
    yield bot
    bot.stop()
