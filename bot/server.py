"""Run the app: Socket Mode when an app token is set, else HTTP on ``/slack/events``.

HTTP mode serves Bolt's WSGI adapter with ``waitress`` when it is installed, else with the standard
library's threaded ``wsgiref`` server (fine for one workspace's traffic). ``GET /healthz`` answers
``ok`` for load balancers.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from types import FrameType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.errors import SlackApiError

from bot.app import build_app
from bot.bootstrap import start_runtime, stop_runtime
from bot.settings import BotSettings

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wsgi_app(app: App) -> WsgiApp:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok"]
        try:
            return slack(environ, start_response)
        except Exception:  # Bolt can't even build a request from some malformed bodies
            logger.warning("rejected a Slack request that could not be parsed")
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"bad request"]

    return application


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128  # listen backlog; the default 5 resets connections in a burst


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("http: %s", format % args)


class HttpServer:
    """A threaded stdlib WSGI server running in the background (used by tests and fallback)."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = make_server(
            host, port, wsgi_app(app), server_class=_ThreadingServer, handler_class=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name="ragbot-http"
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HttpServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_http(app: App, host: str, port: int) -> None:
    try:
        import waitress
    except ImportError:
        server = HttpServer(app, host, port)
        logger.info("HTTP mode (wsgiref) on %s:%d%s", host, server.port, EVENTS_PATH)
        server._server.serve_forever()
        return
    logger.info("HTTP mode (waitress) on %s:%d%s", host, port, EVENTS_PATH)
    waitress.serve(wsgi_app(app), host=host, port=port)


def serve_socket_mode(app: App, settings: BotSettings) -> None:
    from bot.socket_mode import SocketModeServer

    assert settings.slack_app_token is not None
    logger.info("Socket Mode: connecting to Slack")
    server = SocketModeServer(
        app,
        settings.slack_app_token.get_secret_value(),
        ping_interval_s=settings.socket_mode_ping_s,
    ).start()
    try:
        threading.Event().wait()  # until SIGTERM / Ctrl-C
    finally:
        server.stop()


def serve(settings: BotSettings) -> int:
    """Run until interrupted; the caller has checked the tokens (``settings.require_slack``)."""
    fatal: list[str] = []

    def stop_on_fatal(message: str) -> None:
        fatal.append(message)
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    deps = start_runtime(settings, on_fatal=stop_on_fatal)
    try:
        app = build_app(deps)
        if settings.slack_app_token is not None:
            serve_socket_mode(app, settings)
        else:
            serve_http(app, settings.host, settings.port)
    except KeyboardInterrupt:
        logger.info("stopping")
    except SlackApiError as err:  # apps.connections.open refused the app-level token
        fatal.append(f"Slack refused SLACK_APP_TOKEN: {err.response.get('error')}")
    finally:
        stop_runtime(deps, wait=not fatal)
    if fatal:
        sys.stderr.write(f"ragbot serve: {fatal[0]}\n")
        return 3
    return 0


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
