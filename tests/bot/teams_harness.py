"""The bot installed by many teams through "Add to Slack": real Bolt OAuth flow over HTTP.

`TeamsBot` installs itself into stand-in teams the way a person does (``/slack/install`` sets the
state cookie and links to Slack; Slack redirects back with a code; ``/slack/oauth_redirect``
checks the state and calls ``oauth.v2.access``), then sends each team's events, commands and
clicks signed as Slack does, with that team's ids. ``with bot.acting_as("T2"):`` makes the
helpers (and the stand-in's own helpers) act in team T2's workspace.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bot.settings import BotSettings
from rag.embeddings import Embedder
from tests.bot.harness import SECRET, Bot, bot_settings
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_requests import (
    FORM,
    JSON,
    block_action_body,
    event_callback_body,
    post_to_app,
    slash_command_body,
)
from tests.fakes.slack_server import FakeSlack

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "test-client-secret"
STATE = re.compile(r"state=([0-9a-f-]+)")


def teams_settings(
    data_dir: Path, slack: FakeSlack, openai: FakeOpenAI, **extra: Any
) -> BotSettings:
    """OAuth mode: client id and secret, signing secret, no bot token."""
    values = {
        "slack_bot_token": None,
        "slack_client_id": CLIENT_ID,
        "slack_client_secret": CLIENT_SECRET,
        **extra,
    }
    return bot_settings(data_dir, slack, openai, **values)


@contextmanager
def teams_bot(
    data_dir: Path,
    slack: FakeSlack,
    openai: FakeOpenAI,
    embedder: Embedder,
    *,
    token_rotation: bool = False,
    token_ttl_s: int = 12 * 3600,
    **extra: Any,
) -> Iterator[TeamsBot]:
    """``token_rotation``: Slack issues expiring tokens (living ``token_ttl_s``)."""
    slack.oauth.register_app(
        CLIENT_ID, CLIENT_SECRET, token_rotation=token_rotation, token_ttl_s=token_ttl_s
    )
    bot = TeamsBot(teams_settings(data_dir, slack, openai, **extra), slack, openai, embedder)
    try:
        yield bot
    finally:
        bot.stop()


class TeamsBot(Bot):
    def __init__(
        self, settings: BotSettings, slack: FakeSlack, openai: FakeOpenAI, embedder: Embedder
    ) -> None:
        super().__init__(settings, slack, openai, embedder)
        self.team = "T1"
        self.enterprise: str | None = None
        self.org_wide = False

    @contextmanager
    def acting_as(
        self, team: str, *, enterprise: str | None = None, org_wide: bool = False
    ) -> Iterator[None]:
        saved = (self.team, self.enterprise, self.org_wide)
        self.team, self.enterprise, self.org_wide = team, enterprise, org_wide
        try:
            with self.slack.as_team(enterprise if org_wide and enterprise else team):
                yield
        finally:
            self.team, self.enterprise, self.org_wide = saved

    # --- "Add to Slack" -------------------------------------------------------------------
    def open_install_page(self) -> tuple[str, str]:
        """GET /slack/install: the authorize link's state and the state cookie."""
        with urllib.request.urlopen(f"{self.server.url}/slack/install", timeout=10) as response:
            html = response.read().decode()
            cookie = response.headers.get("Set-Cookie", "").split(";", 1)[0]
        found = STATE.search(html)
        assert found is not None, html
        return found.group(1), cookie

    def oauth_redirect(self, query: dict[str, str], cookie: str | None) -> tuple[int, str]:
        """GET /slack/oauth_redirect as the installer's browser does after Slack."""
        request = urllib.request.Request(
            f"{self.server.url}/slack/oauth_redirect?{urlencode(query)}",
            headers={"Cookie": cookie} if cookie else {},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return int(response.status), response.read().decode()
        except urllib.error.HTTPError as err:
            return int(err.code), err.read().decode()

    def install(
        self,
        team: str,
        *,
        user: str = "U1",
        enterprise: str | None = None,
        org_wide: bool = False,
    ) -> None:
        state, cookie = self.open_install_page()
        code = self.slack.oauth.authorize(
            CLIENT_ID, team, user=user, enterprise_id=enterprise, org_wide=org_wide
        )
        status, page = self.oauth_redirect({"code": code, "state": state}, cookie)
        assert status == 200, page

    # --- requests signed as Slack sends them, from the current team -----------------------
    def send_event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None
    ) -> int:
        if "team" in event:
            event = {**event, "team": self.team}
        body = event_callback_body(event, team_id=self.team, event_id=event_id)
        if self.enterprise is not None:
            body["enterprise_id"] = body["context_enterprise_id"] = self.enterprise
            body["authorizations"][0].update(
                enterprise_id=self.enterprise, is_enterprise_install=self.org_wide
            )
            if self.org_wide:
                body["authorizations"][0]["team_id"] = None
        status, _ = post_to_app(self.url, body, JSON, SECRET, retry_num=retry_num)
        return status

    def command(
        self,
        command: str,
        text: str,
        channel: str = "C1",
        user: str = "U1",
        response_url: str | None = None,
    ) -> Any:
        self.last_response_url = response_url or self.slack.response_url()
        body = slash_command_body(
            command,
            text,
            channel_id=channel,
            user_id=user,
            response_url=self.last_response_url,
            team_id=self.team,
        )
        status, reply = post_to_app(self.url, body, FORM, SECRET)
        assert status == 200, reply
        if reply:
            return {"text": reply}
        return self.slack.wait_response(self.last_response_url)[-1]

    def click(
        self,
        action_id: str,
        value: str,
        channel: str,
        user: str = "U1",
        message_ts: str | None = None,
    ) -> int:
        body = block_action_body(
            action_id,
            value,
            channel_id=channel,
            user_id=user,
            message_ts=message_ts,
            response_url=self.slack.response_url("actions"),
            team_id=self.team,
        )
        status, _ = post_to_app(self.url, body, FORM, SECRET)
        return status
