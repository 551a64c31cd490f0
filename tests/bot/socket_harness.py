"""The bot in Socket Mode for end-to-end tests: same helpers as `Bot`, payloads over the
WebSocket stand-in (`FakeSocketMode`) instead of signed HTTP requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl

from pydantic import SecretStr

from bot.app import build_app
from bot.bootstrap import start_runtime, stop_runtime
from bot.settings import BotSettings
from bot.socket_mode import SocketModeServer
from rag.embeddings import Embedder
from tests.bot.harness import Bot, bot_settings
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_requests import block_action_body, slash_command_body
from tests.fakes.slack_server import FakeSlack
from tests.fakes.socket_mode_server import APP_TOKEN, FakeSocketMode

ACKED = 200  # what the HTTP helpers return for a request Slack saw acknowledged
MODES = ("http", "socket_mode")


def socket_mode_settings(settings: BotSettings) -> BotSettings:
    """Socket Mode as the README sets it up: an app-level token, no signing secret."""
    return settings.model_copy(
        update={"slack_app_token": SecretStr(APP_TOKEN), "slack_signing_secret": None}
    )


class SocketModeTransport(Bot):
    """`Bot`'s helpers for a bot connected to `FakeSocketMode` (in this process or another):
    events, commands and clicks arrive as envelopes, and each helper waits for the bot's
    acknowledgement (Slack re-delivers events without one)."""

    def __init__(self, slack: FakeSlack, openai: FakeOpenAI, socket_mode: FakeSocketMode) -> None:
        self.slack, self.openai, self.socket_mode = slack, openai, socket_mode
        self.last_response_url = ""

    def stop(self) -> None:
        return None

    def send_event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None
    ) -> int:
        """Deliver an Events API envelope; Slack's own retries (``retry_num``) are the
        stand-in's business in Socket Mode."""
        key = self.socket_mode.deliver_event(event, event_id=event_id)
        self.socket_mode.wait_ack(key)
        return ACKED

    def command(
        self,
        command: str,
        text: str,
        channel: str = "C1",
        user: str = "U1",
        response_url: str | None = None,
    ) -> Any:
        """As `Bot.command`: the ack's payload, else the first reply to the ``response_url``."""
        self.last_response_url = response_url or self.slack.response_url()
        body = slash_command_body(
            command, text, channel_id=channel, user_id=user, response_url=self.last_response_url
        )
        form = dict(parse_qsl(body))
        ack = self.socket_mode.wait_ack(self.socket_mode.deliver("slash_commands", form))
        if ack.payload:
            return ack.payload
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
        )
        payload = json.loads(parse_qs(body)["payload"][0])
        self.socket_mode.wait_ack(self.socket_mode.deliver("interactive", payload))
        return ACKED


class SocketModeBot(SocketModeTransport):
    """The app in this process, connected to `FakeSocketMode` by `SocketModeServer`."""

    def __init__(
        self,
        settings: BotSettings,
        slack: FakeSlack,
        openai: FakeOpenAI,
        embedder: Embedder,
        socket_mode: FakeSocketMode,
    ) -> None:
        super().__init__(slack, openai, socket_mode)
        self.deps = start_runtime(settings, embedder=embedder)
        self.socket_server = SocketModeServer(
            build_app(self.deps), APP_TOKEN, ping_interval_s=settings.socket_mode_ping_s
        ).start()
        socket_mode.wait_connected()

    def stop(self) -> None:
        self.socket_server.stop()
        stop_runtime(self.deps)


@contextmanager
def bot_in_mode(
    mode: str, data_dir: Path, slack: FakeSlack, openai: FakeOpenAI, embedder: Embedder
) -> Iterator[Bot]:
    """A running bot, over HTTP or in Socket Mode (with its own `FakeSocketMode`)."""
    settings = bot_settings(data_dir, slack, openai)
    if mode == "http":
        bot = Bot(settings, slack, openai, embedder)
        try:
            yield bot
        finally:
            bot.stop()
        return
    if mode != "socket_mode":
        raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
    with FakeSocketMode(slack) as socket_mode:
        bot = SocketModeBot(socket_mode_settings(settings), slack, openai, embedder, socket_mode)
        try:
            yield bot
        finally:
            bot.stop()
