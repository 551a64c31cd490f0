"""A local stand-in for Slack's Socket Mode WebSocket endpoint, for tests.

It behaves the way Slack documents Socket Mode (api.slack.com/apis/socket-mode and
/apis/connections/socket-implement), as strictly as a test needs:

* The app asks `FakeSlack` for a URL with ``apps.connections.open`` and its app-level token
  (``xapp-…`` with the ``connections:write`` scope; a bot token fails with
  ``not_allowed_token_type``). Each URL is a single-use ticket: a second handshake with the
  same ticket, or one with an unknown ticket, is refused with HTTP 403.
* On connect the server sends ``hello`` (``num_connections``, ``debug_info``,
  ``connection_info``). More than 10 connections at once get ``disconnect``
  (``too_many_websockets``) and are closed.
* Payloads arrive in envelopes: ``{"envelope_id", "type": "events_api" | "slash_commands" |
  "interactive", "payload", "accepts_response_payload"}``; Events API envelopes also carry
  ``retry_attempt`` (0 on the first delivery) and ``retry_reason`` (``""``, then ``"timeout"``).
  New envelopes go to the newest connection that was not asked to go away.
* The app acknowledges an envelope by sending ``{"envelope_id": …}`` (plus ``payload`` for
  a command's or an interaction's immediate response) within 3 s. An Events API envelope that
  is not acknowledged in time (or could not be sent: no connection) is delivered again, in a
  new envelope with ``retry_attempt`` 1, 2, 3 and ``retry_reason`` ``"timeout"``, after Slack's
  delays (immediately, 1 min, 5 min; tests shorten them with ``retry_delays_s``), then dropped
  (`FakeSocketMode.failed`). A slash command or interaction that is not acknowledged in time is
  not retried: the user sees it fail (`FakeSocketMode.timeouts`).
* ``disconnect`` messages: ``refresh_requested`` (the connection gets no new envelopes and is
  closed once the app has opened a new one, or after ``refresh_grace_s``), ``warning``,
  ``link_disabled`` (closed at once). `drop_connections` cuts TCP without a close frame, the
  way a network failure does; acknowledgements that were still on the wire are lost.

Assumption (not documented by Slack): an acknowledgement counts on any of the app's open
connections, not only the one the envelope went out on (slack_sdk sends it on its current one).

Use as a context manager around a running `FakeSlack`::

    with FakeSlack() as slack, FakeSocketMode(slack) as socket_mode:
        WebClient(base_url=slack.base_url).apps_connections_open(app_token=APP_TOKEN)
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from tests.fakes.slack_requests import event_callback_body
from tests.fakes.slack_server import FakeSlack

HOST = "127.0.0.1"
APP_ID = "A1"
APP_TOKEN = "xapp-1-A1-1000-fake"
SOCKET_MODE_SCOPE = "connections:write"
ACK_TIMEOUT_S = 3.0
SLACK_RETRY_DELAYS_S = (0.0, 60.0, 300.0)  # immediately, after 1 min, after 5 min
MAX_CONNECTIONS = 10
RETRY_REASON = "timeout"

Payload = dict[str, Any]


@dataclass(frozen=True)
class Delivery:
    """One envelope as sent (``connection`` is None when no connection could take it)."""

    envelope_id: str
    type: str
    payload: Payload
    retry_attempt: int
    retry_reason: str
    connection: int | None


@dataclass(frozen=True)
class Ack:
    """An acknowledgement the server accepted (``late`` when it came after the timeout)."""

    envelope_id: str
    payload: Payload | None
    connection: int
    late: bool = False
    after_s: float = 0.0  # since the envelope was sent


@dataclass
class _Outstanding:
    """A payload Slack is trying to get acknowledged; one per `deliver` call."""

    key: str  # the first envelope id: what `deliver` returned
    type: str
    payload: Payload
    attempt: int = 0
    envelope_id: str = ""
    sent_at: float = 0.0
    acks_to_lose: int = 0
    timer: asyncio.TimerHandle | None = None
    done: bool = False


@dataclass
class _Connection:
    number: int
    ws: ServerConnection
    leaving: bool = False  # sent a disconnect: no new envelopes
    lost: bool = False  # cut: nothing more is read from it
    closed: asyncio.Event = field(default_factory=asyncio.Event)


class FakeSocketMode:
    """Slack's Socket Mode endpoint on ``ws://127.0.0.1:PORT``, served from a daemon thread.

    ``slack`` (optional) is the `FakeSlack` whose ``apps.connections.open`` hands out this
    server's URLs. ``app_token`` and ``scopes`` describe the app-level token Slack knows.
    """

    def __init__(
        self,
        slack: FakeSlack | None = None,
        *,
        app_token: str = APP_TOKEN,
        app_id: str = APP_ID,
        scopes: Iterable[str] = (SOCKET_MODE_SCOPE,),
        ack_timeout_s: float = ACK_TIMEOUT_S,
        retry_delays_s: tuple[float, ...] = SLACK_RETRY_DELAYS_S,
        refresh_grace_s: float = 10.0,
    ) -> None:
        self.app_token, self.app_id, self.scopes = app_token, app_id, frozenset(scopes)
        self.ack_timeout_s, self.retry_delays_s = ack_timeout_s, retry_delays_s
        self.refresh_grace_s = refresh_grace_s
        self.deliveries: list[Delivery] = []
        self.acks: list[Ack] = []
        self.stray_acks: list[Payload] = []  # acknowledgements of no envelope we sent
        self.lost_acks: list[str] = []  # envelope ids whose acknowledgement `deliver` lost
        self.timeouts: list[Delivery] = []  # not acknowledged in time (or no connection)
        self.failed: list[Payload] = []  # Events API payloads given up on after all retries
        self.handshakes_refused = 0
        self.sent: list[tuple[int, Payload]] = []  # every message the server sent, in order
        self._slack = slack
        self._tickets: set[str] = set()
        self._connections: dict[int, _Connection] = {}
        self._opened = 0
        self._outstanding: dict[str, _Outstanding] = {}  # by current envelope id
        self._by_key: dict[str, _Outstanding] = {}
        self._tasks: set[asyncio.Future[Any]] = set()
        self._changed = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        if self._loop is not None:
            return self
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), daemon=True, name="FakeSocketMode"
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("FakeSocketMode did not start")
        if self._slack is not None:
            self._slack.connections_open = self.connections_open
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        if self._slack is not None:
            self._slack.connections_open = None
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._loop.close()
        self._loop, self._thread = None, None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self, ready: threading.Event) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(self._listen())
        ready.set()
        self._loop.run_forever()

    async def _listen(self) -> Server:
        return await serve(
            self._serve, HOST, 0, process_request=self._check_ticket, compression=None
        )

    async def _shutdown(self) -> None:
        for item in self._outstanding.values():
            if item.timer is not None:
                item.timer.cancel()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSocketMode is not running")
        return int(self._server.sockets[0].getsockname()[1])

    # ------------------------------------------------------ apps.connections.open

    def connections_open(self, token: str | None) -> Payload:
        """Answer ``apps.connections.open`` (FakeSlack has already refused non-app tokens)."""
        if token != self.app_token:
            return {"ok": False, "error": "invalid_auth"}
        if SOCKET_MODE_SCOPE not in self.scopes:
            return {
                "ok": False,
                "error": "missing_scope",
                "needed": SOCKET_MODE_SCOPE,
                "provided": ",".join(sorted(self.scopes)),
            }
        return {"ok": True, "url": self.new_url()}

    def new_url(self) -> str:
        """A fresh single-use WebSocket URL, as ``apps.connections.open`` returns."""
        ticket = uuid.uuid4().hex
        with self._changed:
            self._tickets.add(ticket)
        return f"ws://{HOST}:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        split = urlsplit(request.path)
        ticket = parse_qs(split.query).get("ticket", [""])[0]
        with self._changed:
            valid = split.path == "/link/" and ticket in self._tickets
            self._tickets.discard(ticket)
            if not valid:
                self.handshakes_refused += 1
        if valid:
            return None
        return Response(HTTPStatus.FORBIDDEN, "Forbidden", Headers({"Content-Length": "0"}), b"")

    # ---------------------------------------------------------------- connections

    async def _serve(self, ws: ServerConnection) -> None:
        with self._changed:
            self._opened += 1
            conn = _Connection(self._opened, ws)
            self._connections[conn.number] = conn
            self._changed.notify_all()
        try:
            if len(self._live()) > MAX_CONNECTIONS:
                await self._disconnect(conn, "too_many_websockets")
                await ws.close()
                return
            await self._send(conn, self._hello())
            self._retire_leaving_connections()
            async for raw in ws:
                if conn.lost:
                    break
                self._on_message(conn, raw)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self._connections.pop(conn.number, None)
                conn.closed.set()
                self._changed.notify_all()

    def _hello(self) -> Payload:
        return {
            "type": "hello",
            "num_connections": len(self._live()),
            "debug_info": {
                "host": "applink-fake-1",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    def _live(self) -> list[_Connection]:
        return [c for c in self._connections.values() if not c.lost]

    def _target(self) -> _Connection | None:
        ready = [c for c in self._live() if not c.leaving]
        return max(ready, key=lambda c: c.number) if ready else None

    async def _send(self, conn: _Connection, message: Payload) -> bool:
        try:
            await conn.ws.send(json.dumps(message))
        except ConnectionClosed:
            return False
        with self._changed:
            self.sent.append((conn.number, message))
            self._changed.notify_all()
        return True

    async def _disconnect(self, conn: _Connection, reason: str) -> None:
        conn.leaving = True
        await self._send(
            conn,
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake-1"}},
        )

    def _retire_leaving_connections(self) -> None:
        """A newer connection is up: close those that were asked to refresh."""
        for conn in list(self._connections.values()):
            if conn.leaving and conn is not self._target():
                self._spawn(conn.ws.close(1000, "refreshed"))

    # ------------------------------------------------------------------ envelopes

    def deliver(self, kind: str, payload: Payload, *, lose_acks: int = 0) -> str:
        """Send a payload in an envelope (``kind``: ``events_api``, ``slash_commands`` or
        ``interactive``); returns the first envelope's id, the key for `wait_ack`.

        ``lose_acks``: that many acknowledgements of it go missing on the way back, as they do
        when a connection fails (recorded in ``lost_acks``).
        """
        if kind not in ("events_api", "slash_commands", "interactive"):
            raise ValueError(f"unknown envelope type {kind!r}")
        key = self._new_envelope_id()
        item = _Outstanding(key, kind, payload, envelope_id=key, acks_to_lose=lose_acks)
        self._call(lambda: self._attempt(item))
        return key

    def deliver_event(self, event: Payload, *, lose_acks: int = 0, **body: Any) -> str:
        """An Events API envelope around ``event`` (``body``: `event_callback_body` options)."""
        return self.deliver("events_api", event_callback_body(event, **body), lose_acks=lose_acks)

    def _new_envelope_id(self) -> str:
        return str(uuid.uuid4())

    def _attempt(self, item: _Outstanding) -> None:
        """Send ``item`` on the newest connection and start its acknowledgement clock."""
        if item.attempt:
            item.envelope_id = self._new_envelope_id()
        with self._changed:
            self._outstanding[item.envelope_id] = item
            self._by_key[item.key] = item
        conn = self._target()
        message = self._envelope(item)
        delivery = Delivery(
            item.envelope_id,
            item.type,
            item.payload,
            item.attempt,
            message.get("retry_reason", ""),
            conn.number if conn else None,
        )
        with self._changed:
            self.deliveries.append(delivery)
            self._changed.notify_all()
        if conn is None:  # a failed attempt, as if the app had not answered
            if item.type != "events_api":
                with self._changed:
                    self.timeouts.append(delivery)
            self._give_up_or_retry(item)
            return
        item.sent_at = time.monotonic()
        self._spawn(self._send(conn, message))
        assert self._loop is not None
        item.timer = self._loop.call_later(self.ack_timeout_s, self._on_ack_timeout, item, delivery)

    def _envelope(self, item: _Outstanding) -> Payload:
        message: Payload = {
            "envelope_id": item.envelope_id,
            "payload": item.payload,
            "type": item.type,
            "accepts_response_payload": _accepts_response_payload(item.type, item.payload),
        }
        if item.type == "events_api":
            message["retry_attempt"] = item.attempt
            message["retry_reason"] = RETRY_REASON if item.attempt else ""
        return message

    def _on_ack_timeout(self, item: _Outstanding, delivery: Delivery) -> None:
        if item.done or item.envelope_id != delivery.envelope_id:
            return
        with self._changed:
            self.timeouts.append(delivery)
            self._changed.notify_all()
        self._give_up_or_retry(item)

    def _give_up_or_retry(self, item: _Outstanding) -> None:
        if item.type != "events_api" or item.attempt >= len(self.retry_delays_s):
            item.done = True
            if item.type == "events_api":
                with self._changed:
                    self.failed.append(item.payload)
                    self._changed.notify_all()
            return
        delay = self.retry_delays_s[item.attempt]
        item.attempt += 1
        assert self._loop is not None
        item.timer = self._loop.call_later(delay, self._attempt, item)

    def _on_message(self, conn: _Connection, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            message = None
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        with self._changed:
            item = self._outstanding.get(envelope_id) if isinstance(envelope_id, str) else None
            if item is None or not isinstance(message, dict):
                self.stray_acks.append(message if isinstance(message, dict) else {"raw": raw})
                self._changed.notify_all()
                return
            if item.acks_to_lose > 0:
                item.acks_to_lose -= 1
                self.lost_acks.append(envelope_id)
                self._changed.notify_all()
                return
            late = item.done or item.envelope_id != envelope_id
            payload = message.get("payload")
            body = payload if isinstance(payload, dict) else None
            after = time.monotonic() - item.sent_at
            self.acks.append(Ack(envelope_id, body, conn.number, late, after))
            if not late:
                item.done = True
                if item.timer is not None:
                    item.timer.cancel()
            self._changed.notify_all()

    # ------------------------------------------------------------ test controls

    def send_disconnect(self, reason: str = "refresh_requested") -> list[int]:
        """Send ``disconnect`` with ``reason`` on every open connection; returns their numbers.

        ``refresh_requested`` / ``warning``: no new envelopes there; closed once a newer
        connection is up (or after ``refresh_grace_s``). ``link_disabled``: closed at once.
        """
        return self._run_in_loop(self._disconnect_all(reason))

    async def _disconnect_all(self, reason: str) -> list[int]:
        targets = [c for c in self._live() if not c.leaving]
        for conn in targets:
            await self._disconnect(conn, reason)
            if reason == "link_disabled":
                await conn.ws.close(1000, "link disabled")
            else:
                self._spawn(self._close_after_grace(conn))
        return [c.number for c in targets]

    async def _close_after_grace(self, conn: _Connection) -> None:
        try:
            await asyncio.wait_for(conn.closed.wait(), self.refresh_grace_s)
        except TimeoutError:
            await conn.ws.close(1000, "refresh")

    def drop_connections(self) -> list[int]:
        """Cut every open connection's TCP stream without a close frame (a network failure);
        whatever the app sends on them afterwards is lost. Returns their numbers."""
        return self._run_in_loop(self._drop_all())

    async def _drop_all(self) -> list[int]:
        dropped = self._live()
        for conn in dropped:
            conn.lost = True
            conn.ws.transport.abort()
        return [c.number for c in dropped]

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _call(self, func: Callable[[], None]) -> None:
        if self._loop is None:
            raise RuntimeError("FakeSocketMode is not running")
        self._loop.call_soon_threadsafe(func)

    def _run_in_loop(self, coro: Any) -> Any:
        if self._loop is None:
            raise RuntimeError("FakeSocketMode is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    # ---------------------------------------------------------------- inspecting

    @property
    def connections_opened(self) -> int:
        """Connections accepted so far (open or closed)."""
        with self._changed:
            return self._opened

    def open_connections(self) -> list[int]:
        with self._changed:
            return sorted(c.number for c in self._connections.values() if not c.lost)

    def wait(self, condition: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
        """Block until ``condition()`` (checked whenever the server's state changes)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"Socket Mode: {what or 'condition'} not met in {timeout}s"
                    )
                self._changed.wait(min(left, 0.1))

    def wait_connected(self, count: int = 1, timeout: float = 30.0) -> None:
        """Until ``count`` connections have been opened and the newest one got ``hello``."""

        def ready() -> bool:
            return self._opened >= count and any(
                n == self._opened and m.get("type") == "hello" for n, m in self.sent
            )

        self.wait(ready, timeout, f"{count} connection(s) with hello")

    def wait_ack(self, key: str, timeout: float = 30.0) -> Ack:
        """The accepted acknowledgement of the payload `deliver` returned ``key`` for."""
        found: list[Ack] = []

        def acked() -> bool:
            item = self._by_key.get(key)
            ids = {d.envelope_id for d in self.deliveries if item and d.payload is item.payload}
            found[:] = [a for a in self.acks if a.envelope_id in ids and not a.late]
            return bool(found)

        self.wait(acked, timeout, f"ack of envelope {key}")
        return found[0]

    def deliveries_of(self, key: str) -> list[Delivery]:
        """Every delivery attempt of the payload `deliver` returned ``key`` for."""
        with self._changed:
            item = self._by_key.get(key)
            return [d for d in self.deliveries if item is not None and d.payload is item.payload]


def _accepts_response_payload(kind: str, payload: Payload) -> bool:
    if kind == "slash_commands":
        return True
    return kind == "interactive" and payload.get("type") in ("view_submission", "block_suggestion")
