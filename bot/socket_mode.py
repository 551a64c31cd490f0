"""Socket Mode: Slack delivers events, commands and clicks over a WebSocket the bot opens.

Bolt's built-in Socket Mode client (``slack_sdk.socket_mode.builtin``) does not notice a
connection cut without a close frame (a network failure, a load balancer going away): its
receive loop spins at full CPU on the dead socket until a ping fails, about six ping
intervals later (a minute with Bolt's defaults), and the bot hears nothing meanwhile. This
client, on the ``websockets`` library's synchronous client and slack_sdk's
``BaseSocketModeClient`` (URL issuing, message queue and workers, envelope acknowledgements),
sees a connection end at once and opens a new one. It also reconnects when Slack sends a
``disconnect`` message (``refresh_requested``, ``warning``, ``link_disabled``), and keeps trying,
with backoff, when Slack can't be reached. A payload whose acknowledgement was lost in a
reconnect comes again (Slack retries Events API envelopes); ``bot.middleware.dedupe_events``
drops the repeat.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from queue import Queue
from typing import Self

from slack_bolt import App
from slack_bolt.adapter.socket_mode.base_handler import BaseSocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientNotConnectedError
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.interval_runner import IntervalRunner
from slack_sdk.socket_mode.request import SocketModeRequest
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State
from websockets.sync.client import ClientConnection, connect

logger = logging.getLogger(__name__)

MAX_RECONNECT_DELAY_S = 30.0


class SocketModeClient(BaseSocketModeClient):
    """One current WebSocket; a new one as soon as it ends or Slack asks for a refresh."""

    def __init__(
        self,
        app_token: str,
        web_client: WebClient,
        *,
        ping_interval_s: float = 10.0,
        concurrency: int = 10,
    ) -> None:
        self.app_token = app_token
        self.web_client = web_client
        self.logger = logger
        self.ping_interval_s = ping_interval_s
        self.wss_uri = ""
        self.message_queue = Queue()
        self.message_listeners = []
        self.socket_mode_request_listeners = []
        self.closed = False
        self.connect_operation_lock = threading.Lock()
        self.message_workers = ThreadPoolExecutor(
            max_workers=concurrency, thread_name_prefix="socket-mode"
        )
        self.message_processor = IntervalRunner(self.process_messages, 0.001).start()
        self._ws: ClientConnection | None = None
        self._send_lock = threading.Lock()
        self._closing = threading.Event()

    # --- connections ----------------------------------------------------------------------
    def is_connected(self) -> bool:
        ws = self._ws
        return ws is not None and ws.state is State.OPEN

    def connect(self) -> None:
        """Open a connection on a fresh URL (each is single-use) and make it the current one."""
        self.wss_uri = self.issue_new_wss_url()
        ssl = self.web_client.ssl if self.wss_uri.startswith("wss:") else None
        ws = connect(
            self.wss_uri,
            ssl=ssl,
            compression=None,
            ping_interval=self.ping_interval_s,
            ping_timeout=self.ping_interval_s,
            max_size=None,  # Slack decides how large a payload is
        )
        previous, self._ws = self._ws, ws
        threading.Thread(
            target=self._receive, args=(ws,), daemon=True, name="socket-mode-receive"
        ).start()
        if previous is not None:  # its close handshake must not hold up the caller
            threading.Thread(target=previous.close, daemon=True, name="socket-mode-close").start()
        logger.info("Socket Mode: connected")

    def connect_to_new_endpoint(self, force: bool = False) -> None:
        with self.connect_operation_lock:
            if self.closed or (self.is_connected() and not force):
                return
            self.connect()

    def disconnect(self) -> None:
        if self._ws is not None:
            self._ws.close()

    def close(self) -> None:
        self.closed = True
        self._closing.set()
        self.disconnect()
        self.message_processor.shutdown()
        self.message_workers.shutdown(wait=False, cancel_futures=True)

    def _receive(self, ws: ClientConnection) -> None:
        """Read ``ws`` until it ends; Slack's ``disconnect`` messages and the end itself
        bring a new connection (once per connection, whichever comes first)."""
        try:
            for message in ws:
                if not isinstance(message, str):
                    continue
                reason = _disconnect_reason(message)
                if reason is None:
                    self.enqueue_message(message)
                    continue
                _log_disconnect(reason)
                self._replace(ws)
        except (ConnectionClosed, OSError):
            pass
        if ws is self._ws and not self.closed:
            logger.warning("Socket Mode: the connection was lost; reconnecting")
            self._replace(ws)

    def _replace(self, ws: ClientConnection) -> None:
        """Connect again unless ``ws`` was already replaced; retry with backoff until it works
        or the client is closed."""
        delay = 1.0
        while not self.closed:
            try:
                with self.connect_operation_lock:
                    if ws is not self._ws or self.closed:
                        return
                    self.connect()
                return
            except Exception as err:  # network or Slack errors: keep trying
                logger.warning(
                    "Socket Mode: reconnecting failed (%s); next try in %.0f s",
                    type(err).__name__,
                    delay,
                )
            if self._closing.wait(delay):
                return
            delay = min(delay * 2, MAX_RECONNECT_DELAY_S)

    # --- messages ---------------------------------------------------------------------------
    def send_message(self, message: str) -> None:
        """Send an acknowledgement; if the connection just went away, on the next one."""
        for attempt in (1, 2):
            ws = self._ws
            try:
                if ws is None:
                    raise SlackClientNotConnectedError("Socket Mode is not connected")
                with self._send_lock:
                    ws.send(message)
                return
            except (ConnectionClosed, SlackClientNotConnectedError) as err:
                if attempt == 2:
                    raise SlackClientNotConnectedError(f"Socket Mode send failed: {err}") from err
            with self.connect_operation_lock:  # a reconnect in progress finishes first
                pass


def _disconnect_reason(message: str) -> str | None:
    """The ``reason`` of a ``{"type": "disconnect"}`` message; None for anything else."""
    if '"disconnect"' not in message:  # cheap test first: envelopes are most messages
        return None
    try:
        parsed = json.loads(message)
    except ValueError:
        return None
    if not isinstance(parsed, dict) or parsed.get("type") != "disconnect":
        return None
    return str(parsed.get("reason") or "unknown")


def _log_disconnect(reason: str) -> None:
    if reason == "link_disabled":
        logger.warning(
            "Socket Mode: Slack disabled this connection (link_disabled); check that Socket Mode "
            "is still on in the app's settings. Reconnecting."
        )
    else:
        logger.info("Socket Mode: Slack asked for a new connection (%s)", reason)


class SocketModeHandler(BaseSocketModeHandler):
    """Bolt's Socket Mode adapter on `SocketModeClient`."""

    def __init__(
        self, app: App, app_token: str, *, ping_interval_s: float = 10.0, concurrency: int = 10
    ) -> None:
        self.app = app
        self.client = SocketModeClient(
            app_token, app.client, ping_interval_s=ping_interval_s, concurrency=concurrency
        )
        self.client.socket_mode_request_listeners.append(self.handle)

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        start = time.time()
        send_response(client, req, run_bolt_app(self.app, req), start)


class SocketModeServer:
    """The app on a Socket Mode connection, in the background (``start`` / ``stop``)."""

    def __init__(self, app: App, app_token: str, *, ping_interval_s: float = 10.0) -> None:
        self.handler = SocketModeHandler(app, app_token, ping_interval_s=ping_interval_s)

    def start(self) -> Self:
        """Connect (raises ``SlackApiError`` when Slack refuses the app token)."""
        self.handler.connect()
        return self

    def stop(self) -> None:
        self.handler.close()
