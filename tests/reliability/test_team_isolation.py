"""Teams never see each other's documents, whatever is shared where and asked how.

Two teams install the bot through OAuth; random shares (the same channel ids in both teams, the
same documents' text) and random questions (mentions and ``/ask``) go through Bolt over HTTP.
Every source an answer shows must come from a file its own team shared in that very conversation:
zero cross-team (and cross-channel) hits. Answers are extractive, so what is shown is what the
search found.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.embeddings import Embedder
from tests.bot.harness import block_text
from tests.bot.teams_harness import TeamsBot, teams_bot
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack

pytestmark = pytest.mark.slow

TEAMS = ["TALPHA", "TBETA"]
CHANNELS = ["C1", "C2", "G3"]  # the same ids exist in both teams
TOPICS = {
    "parking": (
        "Parking permits are issued by the facilities desk and cost 40 euros a month.",
        "How much does a parking permit cost and who issues it?",
    ),
    "laptops": (
        "New laptops are ordered through the IT portal and arrive within five working days.",
        "How are new laptops ordered and how long do they take to arrive?",
    ),
    "expenses": (
        "Expense claims need a receipt and are reimbursed with the next monthly salary.",
        "When are expense claims reimbursed and what do they need?",
    ),
}
SHOWN_FILE = re.compile(r"\b(T[A-Z]+)-([a-z]+)-(\d+)\.md")
_numbers = itertools.count(1)


class World:
    """The bot and what each team shared where (the model the answers are checked against)."""

    def __init__(self, bot: TeamsBot) -> None:
        self.bot = bot
        self.shared: dict[tuple[str, str], set[str]] = defaultdict(set)

    def share(self, team: str, channel: str, topic: str) -> None:
        name = f"{team}-{topic}-{next(_numbers)}.md"
        text = f"# {topic.title()}\n\n{TOPICS[topic][0]}\n".encode()
        with self.bot.acting_as(team):
            self.bot.share_file(name, channel, content=text, filetype="markdown")
            assert "Added" in self.bot.wait_receipt(channel, name)["text"]
        self.shared[(team, channel)].add(name)

    def ask(self, team: str, channel: str, topic: str, how: str) -> set[str]:
        """The file names the answer shows."""
        question = TOPICS[topic][1]
        with self.bot.acting_as(team):
            if how == "/ask":  # acknowledged at once; the answer follows on the response_url
                self.bot.command("/ask", question, channel=channel)
                reply = self.bot.slack.wait_response(self.bot.last_response_url)[-1]
                shown = str(reply.get("text", "")) + block_text(reply)
            else:
                answer = self.bot.wait_answer(channel, self.bot.mention(question, channel))
                shown = answer["text"] + block_text(answer)
        return {match.group(0) for match in SHOWN_FILE.finditer(shown)}


@pytest.fixture
def world(
    tmp_path: Path, slack: FakeSlack, openai_fake: FakeOpenAI, embedder: Embedder
) -> Iterator[World]:
    with teams_bot(tmp_path / "data", slack, openai_fake, embedder, openai_api_key=None) as bot:
        for team in TEAMS:
            bot.install(team)
        yield World(bot)


team_channel_topic = st.tuples(
    st.sampled_from(TEAMS), st.sampled_from(CHANNELS), st.sampled_from(sorted(TOPICS))
)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    shares=st.lists(team_channel_topic, min_size=1, max_size=3),
    questions=st.lists(
        st.tuples(team_channel_topic, st.sampled_from(["mention", "/ask"])),
        min_size=1,
        max_size=3,
    ),
)
def test_no_answer_ever_shows_another_teams_document(
    world: World,
    shares: list[tuple[str, str, str]],
    questions: list[tuple[tuple[str, str, str], str]],
) -> None:
    for team, channel, topic in shares:
        world.share(team, channel, topic)
    for (team, channel, topic), how in questions:
        allowed = world.shared[(team, channel)]
        shown = world.ask(team, channel, topic, how)
        assert shown <= allowed, (team, channel, how, shown - allowed)
        if any(f"-{topic}-" in name for name in allowed):
            assert shown, f"{team}/{channel}: its own {topic} document is found ({how})"
