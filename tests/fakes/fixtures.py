"""Pytest fixtures for the local OpenAI and Slack stand-ins.

Import them into a conftest or test module with
``from tests.fakes.fixtures import fake_openai, fake_slack  # noqa: F401``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A running `FakeOpenAI` (fresh per test); point the SDK at ``fake_openai.base_url``."""
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A running `FakeSlack` (fresh per test); give ``fake_slack.base_url`` to ``WebClient``."""
    with FakeSlack() as fake:
        yield fake
