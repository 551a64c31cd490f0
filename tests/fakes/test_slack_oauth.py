"""The stand-in's OAuth and teams: as strict as Slack's oauth.v2.access and token handling."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.slack_server import FakeSlack

CLIENT_ID, SECRET = "1.2", "s3cret"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        slack.oauth.register_app(CLIENT_ID, SECRET)
        yield slack


def client(fake: FakeSlack, token: str | None = None) -> WebClient:
    return WebClient(token=token, base_url=fake.base_url)


def exchange(fake: FakeSlack, code: str, **extra: str) -> dict[str, object]:
    params = {"client_id": CLIENT_ID, "client_secret": SECRET, "code": code, **extra}
    return client(fake).oauth_v2_access(**params).data  # type: ignore[arg-type, return-value]


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()  # type: ignore[operator]
    return str(raised.value.response["error"])


def test_a_code_becomes_a_bot_token_for_its_team(fake: FakeSlack) -> None:
    answer = exchange(fake, fake.oauth.authorize(CLIENT_ID, "T2", team_name="Beta", user="U7"))

    assert answer["token_type"] == "bot"
    assert answer["team"] == {"id": "T2", "name": "Beta"}
    assert answer["enterprise"] is None
    assert answer["is_enterprise_install"] is False
    assert answer["authed_user"] == {"id": "U7"}
    assert "files:read" in str(answer["scope"]).split(",")
    token = str(answer["access_token"])
    assert token.startswith("xoxb-")
    identity = client(fake, token).auth_test()
    assert identity["team_id"] == "T2"
    assert identity["bot_id"]


def test_oauth_errors(fake: FakeSlack) -> None:
    code = fake.oauth.authorize(CLIENT_ID, "T2", redirect_uri="https://x/slack/oauth_redirect")
    api = client(fake)

    assert error_of(
        lambda: api.oauth_v2_access(client_id="9.9", client_secret=SECRET, code=code)
    ) == ("invalid_client_id")
    assert error_of(
        lambda: api.oauth_v2_access(client_id=CLIENT_ID, client_secret="x", code=code)
    ) == ("bad_client_secret")
    assert error_of(lambda: exchange(fake, code)) == "bad_redirect_uri"  # and the code is spent
    assert error_of(
        lambda: exchange(fake, code, redirect_uri="https://x/slack/oauth_redirect")
    ) == ("invalid_code")
    assert error_of(lambda: exchange(fake, "made-up")) == "invalid_code"
    assert error_of(lambda: exchange(fake, "c", grant_type="password")) == "invalid_grant_type"
    assert error_of(lambda: exchange(fake, "c", grant_type="refresh_token", refresh_token="r")) == (
        "invalid_refresh_token"
    )


def test_enterprise_install(fake: FakeSlack) -> None:
    code = fake.oauth.authorize(CLIENT_ID, "T5", enterprise_id="E1", org_wide=True)
    answer = exchange(fake, code)

    assert answer["team"] is None
    assert answer["enterprise"] == {"id": "E1", "name": None}
    assert answer["is_enterprise_install"] is True
    identity = client(fake, str(answer["access_token"])).auth_test()
    assert identity["enterprise_id"] == "E1"
    assert identity["is_enterprise_install"] is True


def test_rotating_tokens_refresh_once_and_expire(fake: FakeSlack) -> None:
    fake.oauth.register_app(CLIENT_ID, SECRET, token_rotation=True)
    first = exchange(fake, fake.oauth.authorize(CLIENT_ID, "T2"))
    assert str(first["access_token"]).startswith("xoxe.xoxb-")
    assert first["expires_in"] == 12 * 3600
    refresh = str(first["refresh_token"])

    second = exchange(fake, "", grant_type="refresh_token", refresh_token=refresh)
    assert second["access_token"] != first["access_token"]
    assert error_of(
        lambda: exchange(fake, "", grant_type="refresh_token", refresh_token=refresh)
    ) == (
        "invalid_refresh_token"  # a refresh token works once
    )
    fake.oauth.expire_tokens("T2")
    assert error_of(lambda: client(fake, str(second["access_token"])).auth_test()) == (
        "token_expired"
    )


def test_teams_are_told_apart_by_token(fake: FakeSlack) -> None:
    alpha = str(exchange(fake, fake.oauth.authorize(CLIENT_ID, "T1"))["access_token"])
    beta = str(exchange(fake, fake.oauth.authorize(CLIENT_ID, "T2"))["access_token"])
    with fake.as_team("T2"):
        fake.add_file("F1", "beta.md", b"# Beta only", "markdown", channels=["C1"])
        fake.add_message("C1", None, "U1", "hello beta")
        url = fake.file_object("F1")["url_private_download"]

    assert client(fake, beta).files_info(file="F1")["file"]["name"] == "beta.md"
    assert error_of(lambda: client(fake, alpha).files_info(file="F1")) == "file_not_found"
    assert httpx.get(url, headers={"Authorization": f"Bearer {beta}"}).status_code == 200
    assert httpx.get(url, headers={"Authorization": f"Bearer {alpha}"}).status_code == 404
    history = client(fake, beta).conversations_history(channel="C1")["messages"]
    assert [m["text"] for m in history] == ["hello beta"]
    assert client(fake, alpha).conversations_history(channel="C1")["messages"] == []

    fake.oauth.uninstall("T2")
    assert error_of(lambda: client(fake, beta).auth_test()) == "token_revoked"
    assert httpx.get(url, headers={"Authorization": f"Bearer {beta}"}).status_code == 403
    assert client(fake, alpha).auth_test()["team_id"] == "T1"
