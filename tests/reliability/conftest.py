"""Reliability fixtures: the e2e harness of ``tests/bot`` (one running bot per test), plus a
factory for bots with other settings and a recorder of every log record."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from rag.embeddings import Embedder
from tests.bot.conftest import openai_fake, running_bot, slack  # noqa: F401
from tests.bot.harness import Bot, bot_settings
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack

MakeBot = Callable[..., Bot]


@pytest.fixture
def make_bot(
    tmp_path: Path,
    slack: FakeSlack,  # noqa: F811
    openai_fake: FakeOpenAI,  # noqa: F811
    embedder: Embedder,
) -> Iterator[MakeBot]:
    """``make_bot(**settings)``: a running bot whose settings differ from the harness defaults."""
    bots: list[Bot] = []

    def make(**extra: Any) -> Bot:
        secrets = {
            k: SecretStr(v)
            for k, v in extra.items()
            if (isinstance(v, str) and "_key" in k)
            or k in ("slack_bot_token", "slack_signing_secret")
        }
        base = bot_settings(tmp_path / "data", slack, openai_fake)
        settings = base.model_copy(update={**extra, **secrets})
        bots.append(Bot(settings, slack, openai_fake, embedder))
        return bots[-1]

    yield make
    for bot in bots:
        bot.stop()


class LogRecorder(logging.Handler):
    """Keeps every record (DEBUG and up) with its fully formatted text and traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        return "\n".join(self.format(r) for r in self.records)

    def errors(self) -> list[str]:
        return [self.format(r) for r in self.records if r.levelno >= logging.ERROR]


@pytest.fixture
def all_logs() -> Iterator[LogRecorder]:
    """Every log record of every logger, at DEBUG, for the duration of the test."""
    recorder = LogRecorder()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(recorder)
    root.setLevel(logging.DEBUG)
    yield recorder
    root.removeHandler(recorder)
    root.setLevel(old_level)
