"""Socket Mode, the README's one-process setup: the bot on `FakeSocketMode` keeps its
connection through refreshes, dropped links and lost acknowledgements, and handles every
payload exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import BotSettings, MissingSlackConfigError
from bot.socket_mode import SocketModeServer
from rag.embeddings import Embedder
from tests.bot.harness import BOT_TOKEN, SAMPLES, bot_settings
from tests.bot.socket_harness import SocketModeBot, SocketModeTransport, socket_mode_settings
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_requests import app_mention_event
from tests.fakes.slack_server import FakeSlack
from tests.fakes.socket_mode_server import APP_TOKEN, FakeSocketMode

# Slack retries after 0 s, 1 min and 5 min; shortened so a test waits seconds, not minutes.
QUICK_RETRIES = (0.5, 1.0, 2.0)


@pytest.fixture
def socket_mode(slack: FakeSlack) -> Iterator[FakeSocketMode]:
    with FakeSocketMode(slack, retry_delays_s=QUICK_RETRIES) as fake:
        yield fake


def _counting_app(slack: FakeSlack, seen: list[str]) -> App:
    """A bare Bolt app that records each app_mention's text (no de-duplication)."""
    app = App(
        client=WebClient(token=BOT_TOKEN, base_url=slack.base_url),
        signing_secret="",
        request_verification_enabled=False,
    )

    @app.event("app_mention")
    def mention(event: dict[str, str]) -> None:
        seen.append(event["text"])

    return app


def test_client_reconnects_after_each_kind_of_disconnect(
    slack: FakeSlack, socket_mode: FakeSocketMode
) -> None:
    seen: list[str] = []
    server = SocketModeServer(_counting_app(slack, seen), APP_TOKEN).start()
    try:
        socket_mode.wait_connected(1)
        for number, cut in enumerate(
            (
                lambda: socket_mode.send_disconnect("refresh_requested"),
                lambda: socket_mode.send_disconnect("warning"),
                socket_mode.drop_connections,
                lambda: socket_mode.send_disconnect("link_disabled"),
            ),
            start=2,
        ):
            cut()
            socket_mode.wait_connected(number)
            key = socket_mode.deliver_event(app_mention_event(f"after cut {number}"))
            assert socket_mode.wait_ack(key).connection >= number
        socket_mode.wait(lambda: len(seen) == 4, what="listeners run")  # they run after the ack
    finally:
        server.stop()
    assert seen == [f"after cut {n}" for n in range(2, 6)]
    assert socket_mode.connections_opened == 5, "one new connection per cut"
    assert len(slack.calls_to("apps.connections.open")) == 5
    assert all(c.token == APP_TOKEN for c in slack.calls_to("apps.connections.open"))
    assert socket_mode.failed == []
    assert socket_mode.handshakes_refused == 0


def test_client_acknowledges_a_redelivery_and_sends_acks_on_the_new_connection(
    slack: FakeSlack, socket_mode: FakeSocketMode
) -> None:
    seen: list[str] = []
    server = SocketModeServer(_counting_app(slack, seen), APP_TOKEN).start()
    try:
        socket_mode.wait_connected(1)
        key = socket_mode.deliver_event(app_mention_event("lost ack"), lose_acks=1)
        ack = socket_mode.wait_ack(key)
        socket_mode.wait(lambda: len(seen) == 2, what="listeners run")  # they run after the ack
    finally:
        server.stop()
    assert [d.retry_attempt for d in socket_mode.deliveries_of(key)] == [0, 1]
    assert ack.envelope_id == socket_mode.deliveries_of(key)[1].envelope_id
    assert seen == ["lost ack", "lost ack"], "a bare app sees the retry: the bot must dedupe"


def test_refused_app_token_fails_at_start(slack: FakeSlack, socket_mode: FakeSocketMode) -> None:
    app = _counting_app(slack, [])
    with pytest.raises(SlackApiError) as refused:
        SocketModeServer(app, "xapp-1-A1-9-revoked").start()
    assert refused.value.response["error"] == "invalid_auth"
    assert socket_mode.connections_opened == 0


def test_a_bot_token_in_slack_app_token_is_named() -> None:
    settings = BotSettings(  # type: ignore[call-arg]
        _env_file=None, slack_bot_token=BOT_TOKEN, slack_app_token=BOT_TOKEN
    )
    with pytest.raises(MissingSlackConfigError, match="app-level token"):
        settings.require_slack()


@pytest.mark.slow
def test_bot_loses_nothing_across_reconnects_and_answers_each_question_once(
    tmp_path: Path,
    slack: FakeSlack,
    openai_fake: FakeOpenAI,
    embedder: Embedder,
    socket_mode: FakeSocketMode,
) -> None:
    settings = socket_mode_settings(bot_settings(tmp_path / "data", slack, openai_fake))
    bot = SocketModeBot(settings, slack, openai_fake, embedder, socket_mode)
    try:
        bot.share_file(SAMPLES / "handbook.md", "C1")
        bot.wait_receipt("C1", "handbook.md")
        questions: list[str] = [bot.mention("How many vacation days do we get? (1)", "C1")]

        socket_mode.send_disconnect("refresh_requested")
        socket_mode.wait_connected(2)
        questions.append(bot.mention("How many vacation days do we get? (2)", "C1"))

        # The acknowledgement is lost: Slack sends the event again, the bot must drop it.
        text = "<@UBOT> How many vacation days do we get? (3)"
        ts = slack.add_message("C1", None, "U1", text)
        lost = socket_mode.deliver_event(app_mention_event(text, channel="C1", ts=ts), lose_acks=1)
        socket_mode.wait_ack(lost)
        questions.append(ts)

        socket_mode.drop_connections()
        socket_mode.wait_connected(3)
        questions.append(bot.mention("How many vacation days do we get? (4)", "C1"))

        # Cut while a question is on the wire: it arrives (or comes again) exactly once.
        text = "<@UBOT> How many vacation days do we get? (5)"
        ts = slack.add_message("C1", None, "U1", text)
        in_flight = socket_mode.deliver_event(app_mention_event(text, channel="C1", ts=ts))
        socket_mode.drop_connections()
        socket_mode.wait_ack(in_flight)
        questions.append(ts)

        socket_mode.send_disconnect("link_disabled")
        questions.append(bot.mention("How many vacation days do we get? (6)", "C1"))
        assert "handbook.md" in json.dumps(bot.command("/docs", "", channel="C1"))

        answers = [bot.wait_answer("C1", ts) for ts in questions]
        assert all("handbook.md" in str(a.get("blocks")) for a in answers)
        for ts in questions:
            replies = [m for m in slack.thread("C1", ts) if m.get("bot_id") and m["ts"] != ts]
            assert len(replies) == 1, (ts, [m.get("text") for m in replies])
        chats = [r for r in openai_fake.requests if r.path.endswith("/chat/completions")]
        assert len(chats) == len(questions), "each question reached the model once"
    finally:
        bot.stop()
    assert [d.retry_attempt for d in socket_mode.deliveries_of(lost)] == [0, 1]
    assert socket_mode.lost_acks
    assert socket_mode.failed == []
    assert socket_mode.connections_opened >= 4


def _serve_env(
    tmp_path: Path, slack: FakeSlack, openai: FakeOpenAI, app_token: str
) -> dict[str, str]:
    """The README's one-process setup: two Slack tokens, nothing else required."""
    return {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": app_token,
        "SLACK_API_URL": slack.base_url,
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": openai.base_url,
        "RAGBOT_DATA_DIR": str(tmp_path / "data"),
        "RAGBOT_EMBEDDING_MODEL": "local:all-MiniLM-L6-v2",
        "RAGBOT_MAX_RETRIES": "0",
        "HF_HUB_OFFLINE": "1",
    }


def _ragbot() -> str:
    return str(Path(sys.executable).parent / "ragbot")


@pytest.mark.slow
def test_ragbot_serve_in_socket_mode_answers_reconnects_and_stops_cleanly(
    tmp_path: Path, slack: FakeSlack, openai_fake: FakeOpenAI, socket_mode: FakeSocketMode
) -> None:
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [_ragbot(), "serve"],
            env=_serve_env(tmp_path, slack, openai_fake, APP_TOKEN),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        socket_mode.wait_connected(1, timeout=180)
        bot = SocketModeTransport(slack, openai_fake, socket_mode)
        bot.share_file(SAMPLES / "handbook.md", "C1")
        bot.wait_receipt("C1", "handbook.md")
        socket_mode.send_disconnect("refresh_requested")
        socket_mode.wait_connected(2)
        answer = bot.wait_answer("C1", bot.mention("How many vacation days do we get?", "C1"))
        assert "handbook.md" in str(answer.get("blocks"))
        assert "[1]" in answer["text"]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            returncode = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    output = log.read_text()
    assert returncode == 0, output[-3000:]
    assert APP_TOKEN not in output, "no token in the log"
    assert BOT_TOKEN not in output


@pytest.mark.slow
def test_ragbot_serve_names_a_refused_app_token_in_one_line(
    tmp_path: Path, slack: FakeSlack, openai_fake: FakeOpenAI, socket_mode: FakeSocketMode
) -> None:
    result = subprocess.run(
        [_ragbot(), "serve"],
        env=_serve_env(tmp_path, slack, openai_fake, "xapp-1-A1-9-revoked"),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 3, result.stderr[-3000:]
    assert result.stderr.strip().splitlines()[-1] == (
        "ragbot serve: Slack refused SLACK_APP_TOKEN: invalid_auth"
    )
    assert "Traceback" not in result.stderr
