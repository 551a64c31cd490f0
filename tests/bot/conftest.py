"""End-to-end fixtures: FakeSlack, FakeOpenAI, and a running bot sharing one loaded embedder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.embeddings import Embedder
from tests.bot.harness import Bot
from tests.bot.socket_harness import bot_in_mode
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
    request: pytest.FixtureRequest,
    tmp_path: Path,
    slack: FakeSlack,
    openai_fake: FakeOpenAI,
    embedder: Embedder,
) -> Iterator[Bot]:
    """Over HTTP; ``parametrize("running_bot", MODES, indirect=True)`` adds Socket Mode."""
    mode = getattr(request, "param", "http")
    with bot_in_mode(mode, tmp_path / "data", slack, openai_fake, embedder) as bot:
        yield bot
