"""Installed by many teams: OAuth install, each team's token, isolation, uninstall, rotation.

Real Bolt OAuth flow and listeners over HTTP, the stand-in Slack telling teams apart by token,
real knowledge base; answers are extractive (no chat model) so the sources shown are the search's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.jobs.files import ingest_file_job
from bot.state import BotBase
from rag.embeddings import Embedder
from tests.bot.harness import block_text
from tests.bot.teams_harness import CLIENT_ID, TeamsBot, teams_bot
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack
from tests.waiting import wait_until

pytestmark = pytest.mark.slow

ALPHA_POLICY = b"# Travel policy\n\nTeam Alpha books economy flights; hotels up to 120 euros.\n"
BETA_POLICY = b"# Travel policy\n\nTeam Beta books business flights; hotels up to 300 euros.\n"
QUESTION = "What does the travel policy say about hotels and flights?"


@pytest.fixture
def two_teams(
    tmp_path: Path, slack: FakeSlack, openai_fake: FakeOpenAI, embedder: Embedder
) -> Iterator[TeamsBot]:
    with teams_bot(tmp_path / "data", slack, openai_fake, embedder, openai_api_key=None) as bot:
        bot.install("T1")
        bot.install("T2", user="U9")
        yield bot


def share(bot: TeamsBot, team: str, content: bytes, channel: str = "C1") -> str:
    with bot.acting_as(team):
        file_id = bot.share_file("policy.md", channel, content=content, filetype="markdown")
        assert "Added" in bot.wait_receipt(channel, "policy.md")["text"]
    return file_id


def ask(bot: TeamsBot, team: str, question: str, channel: str = "C1") -> str:
    with bot.acting_as(team):
        answer = bot.wait_answer(channel, bot.mention(question, channel))
    return answer["text"] + block_text(answer)


def test_two_teams_install_share_and_ask_without_seeing_each_other(two_teams: TeamsBot) -> None:
    bot, slack = two_teams, two_teams.slack
    assert bot.deps.installations is not None
    assert [t.key for t in bot.deps.installations.teams()] == ["T1", "T2"]
    alpha_file = share(bot, "T1", ALPHA_POLICY)
    beta_file = share(bot, "T2", BETA_POLICY)  # the same channel id, file name and question

    alpha_answer, beta_answer = ask(bot, "T1", QUESTION), ask(bot, "T2", QUESTION)
    assert "120 euros" in alpha_answer
    assert "300 euros" not in alpha_answer
    assert "300 euros" in beta_answer
    assert "120 euros" not in beta_answer
    assert [d.doc_id for d in bot.deps.kb.for_tenant("T1").documents()] == [alpha_file]
    assert [d.doc_id for d in bot.deps.kb.for_tenant("T2").documents()] == [beta_file]
    assert bot.deps.kb.documents() == []  # nothing landed in the default tenant

    # every call and download for a team used that team's own bot token
    tokens = {team: set(slack.oauth.live_tokens(team)) for team in ("T1", "T2")}
    assert all(len(t) == 1 for t in tokens.values())
    downloads = {
        d.file_id: d.headers["authorization"].removeprefix("Bearer ") for d in slack.downloads
    }
    assert downloads[alpha_file] in tokens["T1"]
    assert downloads[beta_file] in tokens["T2"]
    used = {call.token for call in slack.calls if call.method != "oauth.v2.access"}
    assert used <= tokens["T1"] | tokens["T2"]
    posted = {call.token for call in slack.calls_to("chat.postMessage")}
    assert posted == tokens["T1"] | tokens["T2"]


def test_an_org_wide_install_serves_the_whole_organisation(
    tmp_path: Path, slack: FakeSlack, openai_fake: FakeOpenAI, embedder: Embedder
) -> None:
    """Enterprise Grid: installed once for organisation E1, documents are the organisation's."""
    with teams_bot(tmp_path / "data", slack, openai_fake, embedder, openai_api_key=None) as bot:
        bot.install("T5", enterprise="E1", org_wide=True)
        assert bot.deps.installations is not None
        assert [t.key for t in bot.deps.installations.teams()] == ["E1"]
        with bot.acting_as("T5", enterprise="E1", org_wide=True):
            bot.share_file("policy.md", "C7", content=ALPHA_POLICY, filetype="markdown")
            assert "Added" in bot.wait_receipt("C7", "policy.md")["text"]
        with bot.acting_as("T6", enterprise="E1", org_wide=True):  # another workspace of E1
            answer = bot.wait_answer("C7", bot.mention(QUESTION, "C7"))
        assert "120 euros" in answer["text"] + block_text(answer)
        assert len(bot.deps.kb.for_tenant("E1").documents()) == 1
        assert bot.deps.kb.for_tenant("T5").documents() == []


def test_feedback_and_answers_belong_to_their_team(two_teams: TeamsBot) -> None:
    bot = two_teams
    share(bot, "T1", ALPHA_POLICY)
    with bot.acting_as("T1"):
        answer = bot.wait_answer("C1", bot.mention(QUESTION, "C1"))
    answer_id = next(
        str(b["elements"][0]["value"]) for b in answer["blocks"] if b.get("type") == "actions"
    )
    assert bot.deps.state.for_team("T1").answer(answer_id) is not None
    assert bot.deps.state.for_team("T2").answer(answer_id) is None
    assert bot.deps.state.answer(answer_id) is None


def test_the_install_page_state_is_checked(
    tmp_path: Path, slack: FakeSlack, openai_fake: FakeOpenAI, embedder: Embedder
) -> None:
    with teams_bot(tmp_path / "data", slack, openai_fake, embedder) as bot:
        state, cookie = bot.open_install_page()
        code = slack.oauth.authorize(CLIENT_ID, "T1")
        forged, _ = bot.oauth_redirect({"code": code, "state": "not-the-state"}, cookie)
        no_cookie, _ = bot.oauth_redirect({"code": code, "state": state}, None)
        assert forged >= 400
        assert no_cookie >= 400
        assert slack.calls_to("oauth.v2.access") == []  # the code was never exchanged
        assert bot.deps.installations is not None
        assert bot.deps.installations.teams() == []

        status, _ = bot.oauth_redirect({"code": code, "state": state}, cookie)
        assert status == 200
        again, _ = bot.oauth_redirect({"code": code, "state": state}, cookie)
        assert again >= 400  # a state is used once
        assert [t.key for t in bot.deps.installations.teams()] == ["T1"]


def test_uninstall_deletes_the_teams_tokens_and_documents(
    tmp_path: Path, slack: FakeSlack, openai_fake: FakeOpenAI, embedder: Embedder
) -> None:
    with teams_bot(
        tmp_path / "data",
        slack,
        openai_fake,
        embedder,
        openai_api_key=None,
        forget_documents_on_uninstall=True,
    ) as bot:
        bot.install("T1")
        bot.install("T2")
        share(bot, "T1", ALPHA_POLICY)
        beta_file = share(bot, "T2", BETA_POLICY)
        slack.oauth.uninstall("T2")
        with bot.acting_as("T2"):
            assert bot.send_event({"type": "app_uninstalled"}) == 200
        installations = bot.deps.installations
        assert installations is not None

        wait_until(lambda: [t.key for t in installations.teams()] == ["T1"], 120)
        wait_until(lambda: bot.deps.kb.for_tenant("T2").documents() == [], 120)
        assert installations.find("T2") is None
        assert len(bot.deps.kb.for_tenant("T1").documents()) == 1
        assert "120 euros" in ask(bot, "T1", QUESTION)

        # work queued for the team before it left is dropped, saying why
        with _Captured("bot.runtime") as records:
            ingest_file_job(beta_file, "C1", team="T2")
        assert any("no longer installed" in r.getMessage() for r in records)
        assert bot.deps.kb.for_tenant("T2").documents() == []


def test_rotating_tokens_are_refreshed_before_use(
    tmp_path: Path, slack: FakeSlack, openai_fake: FakeOpenAI, embedder: Embedder
) -> None:
    """Tokens that expire within RAGBOT_TOKEN_ROTATION_MINUTES are refreshed first: by Bolt
    for a request, by the installations for a durable job."""
    with teams_bot(
        tmp_path / "data",
        slack,
        openai_fake,
        embedder,
        token_rotation=True,
        token_ttl_s=600,  # inside the 120-minute window: every use refreshes first
        openai_api_key=None,
    ) as bot:
        bot.install("T1")
        installations = bot.deps.installations
        assert installations is not None
        (installed,) = slack.oauth.tokens
        assert installed.startswith("xoxe.xoxb-")
        assert installations.teams()[0].token_rotation
        slack.oauth.expire_tokens("T1")  # and the first token runs out meanwhile

        share(bot, "T1", ALPHA_POLICY)
        assert "120 euros" in ask(bot, "T1", QUESTION)

        refreshes = [c for c in slack.calls_to("oauth.v2.access") if c.params.get("grant_type")]
        assert refreshes, "the expiring token was refreshed"
        assert {c.params["grant_type"] for c in refreshes} == {"refresh_token"}
        used_expired = [
            c.method for c in slack.calls if c.token == installed and c.method != "auth.test"
        ]
        assert used_expired == []  # only the install's own auth.test used the first token
        refused = [c for c in slack.calls if c.method != "oauth.v2.access"]
        assert all(slack.oauth.identity(c.token) is not None for c in refused)


def test_migrations_create_slack_sdks_tables_and_the_bots(two_teams: TeamsBot) -> None:
    engine = two_teams.deps.kb.registry.engine
    metadata = SQLAlchemyInstallationStore(CLIENT_ID, engine).metadata
    for table in SQLAlchemyOAuthStateStore(60, engine).metadata.tables.values():
        table.to_metadata(metadata)
    for table in BotBase.metadata.tables.values():
        table.to_metadata(metadata)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    ours = set(metadata.tables)
    unexpected = [d for d in differences if _table_of(d) in ours]
    assert unexpected == []


def _table_of(difference: tuple[object, ...]) -> str | None:
    """The table an Alembic difference is about (the registry's and the job store's are not
    the bot's migrations' business)."""
    item = difference[1]
    table = getattr(item, "table", item)
    return getattr(table, "name", None)


def test_teams_list_shows_installations_without_tokens(
    two_teams: TeamsBot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    settings = two_teams.deps.settings
    monkeypatch.setenv("RAGBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "test-client-secret")

    assert main(["teams", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [t["key"] for t in listed] == ["T1", "T2"]
    assert main(["teams", "list"]) == 0
    table = capsys.readouterr().out
    assert "T2" in table
    for token in two_teams.slack.oauth.tokens:
        assert token not in table
        assert token not in json.dumps(listed)


class _Captured:
    """Log records of one logger, without pytest's caplog (which the bot's threads share)."""

    def __init__(self, name: str) -> None:
        self.logger = logging.getLogger(name)
        self.records: list[logging.LogRecord] = []
        self.handler = logging.Handler()
        self.handler.emit = self.records.append  # type: ignore[method-assign]

    def __enter__(self) -> list[logging.LogRecord]:
        self.logger.addHandler(self.handler)
        return self.records

    def __exit__(self, *_: object) -> None:
        self.logger.removeHandler(self.handler)
