"""Build and send HTTP requests exactly as Slack sends them to an app's Request URL.

Slack signs every request: ``X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{ts}:{body}">`` with the
app's signing secret, plus ``X-Slack-Request-Timestamp``. Events API payloads are JSON
(``application/json``); slash commands and interactivity payloads are form-encoded
(``application/x-www-form-urlencoded``, interactivity as a single ``payload=<json>`` field).
Redeliveries carry ``X-Slack-Retry-Num`` and ``X-Slack-Retry-Reason``.

`serve_wsgi` runs any WSGI app (e.g. ``slack_bolt.adapter.wsgi.SlackRequestHandler(app)``) on
127.0.0.1 in a daemon thread so these requests can be posted to it.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import WSGIApplication

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"

_seq = itertools.count(1)


DEFAULT_RESPONSE_URL = "https://hooks.slack.com/commands/T1/1/fake"  # unreachable in tests


def _next_id(prefix: str) -> str:
    return f"{prefix}{int(time.time())}{next(_seq):06d}"


def sign(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers for ``body`` (timestamp defaults to now)."""
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def event_callback_body(
    event: dict[str, Any],
    team_id: str = "T1",
    api_app_id: str = "A1",
    event_id: str | None = None,
    event_time: int | None = None,
) -> dict[str, Any]:
    """The Events API envelope (``type: event_callback``) around ``event``."""
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or _next_id("Ev"),
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": "UBOT",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": _next_id("4-ctx-"),
    }


def message_ts() -> str:
    """A fresh, unique Slack-style ts for events built by these helpers."""
    now = time.time()
    return f"{int(now)}.{(int(now * 1_000_000) + next(_seq)) % 1_000_000:06d}"


def app_mention_event(
    text: str,
    channel: str = "C1",
    user: str = "U1",
    ts: str | None = None,
    thread_ts: str | None = None,
    files: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An ``app_mention`` event as Slack delivers it (``text`` should contain ``<@UBOT>``)."""
    ts = ts or message_ts()
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": "T1",
        "client_msg_id": _next_id("msg-"),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    if files:
        event["files"] = files
    return event


def message_event(
    text: str,
    channel: str = "C1",
    user: str = "U1",
    ts: str | None = None,
    thread_ts: str | None = None,
    channel_type: str = "channel",
    subtype: str | None = None,
    files: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A ``message`` event (``channel_type`` ``"im"`` for DMs; ``subtype`` e.g. ``file_share``)."""
    ts = ts or message_ts()
    event: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
        "team": "T1",
    }
    for key, value in (("thread_ts", thread_ts), ("subtype", subtype), ("files", files)):
        if value:
            event[key] = value
    return event


def slash_command_body(
    command: str,
    text: str,
    channel_id: str = "C1",
    user_id: str = "U1",
    response_url: str = DEFAULT_RESPONSE_URL,
    trigger_id: str | None = None,
    *,
    team_id: str = "T1",
    team_domain: str = "test",
    channel_name: str = "general",
    user_name: str = "user",
    api_app_id: str = "A1",
) -> str:
    """Form-encoded body of a slash command invocation."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team_id,
            "team_domain": team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or _next_id("trig."),
        }
    )


def interactive_body(payload: dict[str, Any]) -> str:
    """Form-encoded interactivity body: one ``payload`` field holding JSON."""
    return urlencode({"payload": json.dumps(payload)})


def block_action_body(
    action_id: str,
    value: str | None = None,
    *,
    block_id: str = "b1",
    action_type: str = "button",
    user_id: str = "U1",
    channel_id: str = "C1",
    message_ts: str | None = None,
    thread_ts: str | None = None,
    message: dict[str, Any] | None = None,
    response_url: str | None = None,
    trigger_id: str | None = None,
    team_id: str = "T1",
    api_app_id: str = "A1",
) -> str:
    """Form-encoded ``block_actions`` payload for a click on a message's block element."""
    ts = message_ts or "1700000000.000100"
    msg = message or {"type": "message", "ts": ts, "text": "", "user": "UBOT", "bot_id": "BBOT"}
    if thread_ts and "thread_ts" not in msg:
        msg = {**msg, "thread_ts": thread_ts}
    action: dict[str, Any] = {
        "type": action_type,
        "action_id": action_id,
        "block_id": block_id,
        "action_ts": f"{time.time():.6f}",
    }
    if value is not None:
        action["value"] = value
    return interactive_body(
        {
            "type": "block_actions",
            "user": {"id": user_id, "username": "user", "name": "user", "team_id": team_id},
            "api_app_id": api_app_id,
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            "trigger_id": trigger_id or _next_id("trig."),
            "team": {"id": team_id, "domain": "test"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": "general"},
            "message": msg,
            "state": {"values": {}},
            "response_url": response_url or "https://hooks.slack.com/actions/T1/1/fake",
            "actions": [action],
        }
    )


def home_action_body(
    action_id: str, value: str, view: dict[str, Any], *, user_id: str = "U1", team_id: str = "T1"
) -> str:
    """Form-encoded ``block_actions`` payload for a click on the App Home tab (``view``, as
    published): a view container, no channel, message or response_url."""
    action = {
        "type": "button",
        "action_id": action_id,
        "block_id": "b1",
        "value": value,
        "action_ts": f"{time.time():.6f}",
    }
    return interactive_body(
        {
            "type": "block_actions",
            "user": {"id": user_id, "username": "user", "name": "user", "team_id": team_id},
            "api_app_id": "A1",
            "token": "legacy-verification-token",
            "container": {"type": "view", "view_id": view.get("id", "V1")},
            "trigger_id": _next_id("trig."),
            "team": {"id": team_id, "domain": "test"},
            "enterprise": None,
            "is_enterprise_install": False,
            "view": view,
            "actions": [action],
        }
    )


def post_to_app(
    url: str,
    body: str | dict[str, Any],
    content_type: str,
    secret: str,
    retry_num: int | None = None,
    retry_reason: str | None = None,
    timestamp: int | None = None,
    *,
    signed: bool = True,
    extra_headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, str]:
    """POST a signed Slack request to ``url``; returns ``(status, response body)``.

    A dict ``body`` is JSON-encoded. ``signed=False`` omits the signature headers; a
    ``timestamp`` more than 5 minutes old makes a stale request.
    """
    text = json.dumps(body) if isinstance(body, dict) else body
    headers = {"Content-Type": content_type, "User-Agent": _USER_AGENT}
    if signed:
        headers.update(sign(text, secret, timestamp))
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    headers.update(extra_headers or {})
    request = urllib.request.Request(url, data=text.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return int(err.code), err.read().decode("utf-8", "replace")


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""


@contextmanager
def serve_wsgi(app: WSGIApplication, path: str = "/slack/events") -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (random port) in a daemon thread; yields ``http://.../path``."""
    server = make_server(
        "127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name="serve_wsgi"
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def member_joined_channel_event(
    user: str, channel: str = "C1", inviter: str | None = "U1", channel_type: str = "C"
) -> dict[str, Any]:
    """``member_joined_channel`` (``channel_type`` ``C`` public, ``G`` private)."""
    event: dict[str, Any] = {
        "type": "member_joined_channel",
        "user": user,
        "channel": channel,
        "channel_type": channel_type,
        "team": "T1",
        "event_ts": message_ts(),
    }
    if inviter:
        event["inviter"] = inviter
    return event


def message_shortcut_body(
    callback_id: str,
    message: dict[str, Any],
    *,
    channel_id: str = "C1",
    user_id: str = "U1",
    response_url: str = DEFAULT_RESPONSE_URL,
    team_id: str = "T1",
) -> str:
    """Form-encoded ``message_action`` payload: a message shortcut used on ``message``."""
    return interactive_body(
        {
            "type": "message_action",
            "token": "legacy-verification-token",
            "action_ts": f"{time.time():.6f}",
            "team": {"id": team_id, "domain": "test"},
            "user": {"id": user_id, "username": "user", "name": "user", "team_id": team_id},
            "channel": {"id": channel_id, "name": "general"},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": _next_id("trig."),
            "response_url": response_url,
            "message_ts": message["ts"],
            "message": message,
        }
    )
