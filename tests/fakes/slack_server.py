"""A local stand-in for the Slack Web API and Slack's private file downloads, for tests.

`FakeSlack` answers ``POST|GET /api/<method>`` the way ``https://slack.com/api/`` does (JSON
``{"ok": ...}`` bodies, HTTP 200 even for errors, 429 + ``Retry-After`` when rate limited), with
a small in-memory workspace: messages per channel and thread, chat streaming
(``chat.startStream``/``appendStream``/``stopStream``), reactions, channels, users and files.
Files are served at ``/files/<id>/<name>`` (their ``url_private[_download]``) and, like Slack,
need an ``Authorization: Bearer xoxb-...`` header.

Parameters are parsed from the query string plus a form-encoded, JSON or multipart body (the
slack_sdk ``WebClient`` uses all of them); JSON-valued form fields such as ``blocks`` are decoded.

slack_sdk quirks seen with this fake (checked in ``test_fakes.py``):

* ``WebClient(base_url=...)`` adds a missing trailing slash itself, then ``urljoin``s the method
  name, so ``http://127.0.0.1:PORT/api`` and ``.../api/`` both work.
* A 429 raises ``SlackApiError`` unless ``RateLimitErrorRetryHandler`` is in ``retry_handlers``
  (the default handlers only retry connection errors). The handler sleeps
  ``int(Retry-After) + random()`` seconds, so ``Retry-After: 0`` still waits up to 1 s, and a
  non-integer value such as ``"1.5"`` makes it raise ``ValueError``.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import mimetypes
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from tests.fakes.http import FakeHTTPServer, FakeRequestHandler
from tests.fakes.slack_oauth import FakeOAuth, OAuthError
from tests.fakes.slack_rules import (
    VIEW_BYTES_LIMIT,
    block_errors,
    conversation_type_scopes,
    home_view_errors,
    manifest_home_tab,
    manifest_scopes,
    needed_scopes,
    too_long,
)

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T1"
TEAM_NAME = "Test"
TEAM_URL = "https://test.slack.com/"
_JSON_FIELDS = frozenset(
    {
        "blocks",
        "attachments",
        "metadata",
        "chunks",
        "view",
        "prompts",
        "unfurls",
        "user_auth_blocks",
    }
)
_MIME_BY_FILETYPE = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "html": "text/html",
    "markdown": "text/plain",
    "text": "text/plain",
    "csv": "text/csv",
    "json": "application/json",
    "png": "image/png",
    "jpg": "image/jpeg",
}
# files.list ``types`` (method reference); "all" does not filter
_FILE_LIST_TYPES = frozenset({"all", "spaces", "snippets", "images", "gdocs", "zips", "pdfs"})
_TOKENLESS_METHODS = frozenset({"api.test", "oauth.v2.access", "oauth.access"})
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})  # app-level (xapp-) tokens only
_LOGIN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>"
)

Params = dict[str, Any]
Payload = dict[str, Any]


@dataclass(frozen=True)
class SlackCall:
    """One Web API call: ``method`` like ``"chat.postMessage"``, merged ``params``.

    ``headers`` (lower-cased names, includes ``authorization``) are kept out of the repr so
    tokens never show up in assertion messages.
    """

    method: str
    params: Params
    headers: dict[str, str] = field(repr=False)
    http_method: str = "POST"

    @property
    def token(self) -> str | None:
        """The token used, from the ``Authorization`` header or a ``token`` param."""
        auth = self.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            return auth.removeprefix("Bearer ")
        token = self.params.get("token")
        return token if isinstance(token, str) else None


@dataclass(frozen=True)
class SlackDownload:
    """One request for a file URL and the HTTP status the fake answered."""

    file_id: str
    path: str
    headers: dict[str, str] = field(repr=False)
    status: int


@dataclass(frozen=True)
class SlackFault:
    """A one-shot failure for the next call of a method (see `FakeSlack.add_fault`)."""

    status: int = 200
    error: str | None = None
    retry_after: str | None = None
    delay_s: float = 0.0


@dataclass(frozen=True)
class ResponsePost:
    """One POST to a ``response_url`` (slash command or interactive payload)."""

    path: str
    payload: Payload


@dataclass
class StoredFile:
    """A file the test registered with `FakeSlack.add_file`."""

    id: str
    name: str
    content: bytes
    filetype: str
    mimetype: str
    channels: list[str]
    size: int
    user: str
    title: str
    created: int
    share_ts: str
    deleted: bool = False
    thread_ts: str | None = None  # shared as a reply in this thread
    slack_connect: bool = False  # events carry a ``file_access: check_file_info`` stub


@dataclass
class _Workspace:
    """One team's messages, streams, reactions and files."""

    messages: dict[str, dict[str, Payload]] = field(default_factory=dict)
    streaming: set[tuple[str, str]] = field(default_factory=set)
    reactions: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)


class SlackError(Exception):
    """Raised by method handlers to answer ``{"ok": false, "error": <code>}`` (plus ``extra``)."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.extra = extra


class _Handler(FakeRequestHandler):
    """Parses requests and writes responses; `FakeSlack` decides what to answer."""

    json_content_type = "application/json; charset=utf-8"

    def default_headers(self) -> dict[str, str]:
        return {"X-Slack-Req-Id": "fake"}


def parse_params(query: str, body: bytes, content_type: str) -> Params:
    """Merge query-string and body parameters as Slack does; decode JSON-valued form fields."""
    params: Params = _flatten(parse_qs(query, keep_blank_values=True))
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "application/json" and body:
        parsed = json.loads(body)
        params.update(parsed if isinstance(parsed, dict) else {})
    elif ctype == "multipart/form-data" and body:
        params.update(_parse_multipart(body, content_type))
    elif body:
        params.update(_flatten(parse_qs(body.decode("utf-8"), keep_blank_values=True)))
    return {k: _maybe_json(k, v) for k, v in params.items()}


def _flatten(values: dict[str, list[str]]) -> Params:
    return {k: v[0] if len(v) == 1 else v for k, v in values.items()}


def _maybe_json(name: str, value: Any) -> Any:
    if name in _JSON_FIELDS and isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _parse_multipart(body: bytes, content_type: str) -> Params:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    params: Params = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            is_file = part.get_filename() is not None
            params[name] = payload if is_file else payload.decode("utf-8")
    return params


def _ts_string(micros: int) -> str:
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def _ts_micros(ts: str) -> int:
    seconds, _, frac = ts.partition(".")
    return int(seconds) * 1_000_000 + int((frac + "000000")[:6])


def _require(params: Params, name: str, error: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise SlackError(error)
    return value


def streamed_text(params: Params) -> str:
    """Text carried by ``markdown_text`` and/or ``markdown_text`` chunks of a stream call."""
    text = params.get("markdown_text") or ""
    chunks = params.get("chunks") or []
    pieces = [
        c.get("text", "")
        for c in chunks
        if isinstance(c, dict) and c.get("type") == "markdown_text"
    ]
    return str(text) + "".join(str(p) for p in pieces)


def _paginate(items: list[Any], params: Params, default_limit: int = 100) -> tuple[list[Any], str]:
    """Cursor pagination as in ``conversations.*``: the cursor is the offset as a string."""
    limit = int(params.get("limit") or default_limit) or default_limit
    start = int(params.get("cursor") or 0)
    end = start + limit
    return items[start:end], (str(end) if end < len(items) else "")


class FakeSlack(FakeHTTPServer):
    """Slack Web API stand-in on 127.0.0.1 (random port), served from a daemon thread.

    Use as a context manager or `start()` / `stop()`; give `base_url` to
    ``slack_sdk.WebClient(base_url=...)``. Attributes tests may set: ``channels`` (id -> info
    overrides such as ``{"is_private": True, "name": "secret", "members": [...]}``), ``users``
    (id -> user overrides), ``fail_methods`` (method -> error code, answered every time),
    ``unauthorized_download_status`` (403 default; 302 redirects to an HTML login page and 200
    answers that page directly, as Slack does for a missing token), ``require_token``,
    ``scopes`` (the bot token's scopes; ``manifest.yml``'s by default).

    As strict as Slack: unknown methods answer ``unknown_method``; a method whose scope the
    token lacks answers ``missing_scope`` (with ``needed``/``provided``); posting or reading in
    a conversation the bot is not a member of answers ``not_in_channel`` (public channels) or
    ``channel_not_found`` (private channels, DMs); ``files.info`` on a file shared only where the
    bot is not answers ``file_not_found``; blocks are validated (``invalid_blocks``) and sizes
    checked (``msg_too_long``); ``chat.update`` of another author's message answers
    ``cant_update_message``; ``chat.startStream`` needs ``thread_ts`` and, outside a DM,
    ``recipient_user_id`` + ``recipient_team_id``. Conversations are members ``["U1", "UBOT"]``
    unless ``channels[id]["members"]`` says otherwise.
    """

    handler_class = _Handler

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[SlackCall] = []
        self.downloads: list[SlackDownload] = []
        self.channels: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.fail_methods: dict[str, str] = {}
        self.unauthorized_download_status = 403
        self.require_token = True
        # Answers apps.connections.open; set by tests.fakes.socket_mode_server.FakeSocketMode.
        self.connections_open: Callable[[str | None], Payload] | None = None
        self.scopes: set[str] = set(manifest_scopes())
        self.home_tab_enabled = manifest_home_tab()
        self.home_views: dict[str, Payload] = {}  # user id -> the Home tab last published
        self.responses: list[ResponsePost] = []
        self._response_seq = 0
        self._workspaces: dict[str, _Workspace] = {}
        self._current = threading.local()  # the team of the call being answered, or set by tests
        self.oauth = FakeOAuth(self)
        self._faults: dict[str, deque[SlackFault]] = {}
        self._download_faults: dict[str, deque[int]] = {}
        self._last_ts = 0  # microseconds of the newest ts handed out or injected
        self._view_seq = 0
        self._lock = threading.RLock()
        self._methods: dict[str, Callable[[Params], Payload]] = self._method_table()

    @property
    def base_url(self) -> str:
        """What ``slack_sdk.WebClient(base_url=...)`` takes (trailing slash included)."""
        return f"{self.url}/api/"

    # ------------------------------------------------------- workspaces (teams)

    @property
    def team_id(self) -> str:
        """The workspace being served: the calling token's team, else ``as_team``'s, else T1."""
        return getattr(self._current, "team", None) or TEAM_ID

    @contextmanager
    def as_team(self, team_id: str) -> Iterator[None]:
        """Test helpers (``add_file``, ``messages_in``…) act in ``team_id``'s workspace."""
        previous = getattr(self._current, "team", None)
        self._current.team = team_id
        try:
            yield
        finally:
            self._current.team = previous

    def _workspace(self) -> _Workspace:
        with self._lock:
            return self._workspaces.setdefault(self.team_id, _Workspace())

    @property
    def _messages(self) -> dict[str, dict[str, Payload]]:
        return self._workspace().messages

    @property
    def _streaming(self) -> set[tuple[str, str]]:
        return self._workspace().streaming

    @property
    def _reactions(self) -> dict[tuple[str, str], list[str]]:
        return self._workspace().reactions

    @property
    def _files(self) -> dict[str, StoredFile]:
        return self._workspace().files

    # ------------------------------------------------------- inspecting calls

    def calls_to(self, method: str) -> list[SlackCall]:
        """Recorded calls of one Web API method, oldest first."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[SlackCall]:
        """Poll until ``method`` was called ``count`` times; return those calls.

        Raises AssertionError listing every recorded call (without tokens) on timeout.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(self._wait_failure(method, count, len(found), timeout))
            time.sleep(0.01)

    def _wait_failure(self, method: str, count: int, got: int, timeout: float) -> str:
        with self._lock:
            listing = [
                f"  {c.method} { ({k: v for k, v in c.params.items() if k != 'token'})!r}"
                for c in self.calls
            ]
        summary = "\n".join(listing) or "  (none)"
        return (
            f"expected {count} call(s) to {method} within {timeout}s, got {got}. "
            f"Recorded calls:\n{summary}"
        )

    # ------------------------------------------------------------ test controls

    def add_fault(
        self,
        method: str,
        status: int = 200,
        *,
        error: str | None = None,
        retry_after: str | None = None,
        delay_s: float = 0.0,
    ) -> None:
        """Queue a one-shot failure for the next call of ``method`` (FIFO per method).

        ``status=429`` answers ``{"ok": false, "error": "ratelimited"}`` with ``Retry-After``
        (``retry_after``, default ``"1"`` as Slack always sends one); other non-200 statuses
        answer that status with ``error`` (default ``"internal_error"``); ``status=200`` with
        ``error`` answers ``{"ok": false, "error": error}``. ``delay_s`` sleeps first; a
        delay-only fault then answers normally.
        """
        if status == 200 and error is None and delay_s <= 0:
            raise ValueError("a fault needs a non-200 status, an error or a delay")
        with self._lock:
            self._faults.setdefault(method, deque()).append(
                SlackFault(status, error, retry_after, delay_s)
            )

    def fail_download(self, file_id: str, status: int = 500, times: int = 1) -> None:
        """Make the next ``times`` downloads of ``file_id`` answer ``status``."""
        with self._lock:
            self._download_faults.setdefault(file_id, deque()).extend([status] * times)

    def add_message(
        self,
        channel: str,
        ts: str | None,
        user: str,
        text: str,
        thread_ts: str | None = None,
        bot_id: str | None = None,
        files: list[str] | None = None,
    ) -> str:
        """Store a message as if it had been posted; returns its ts (new one when None).

        ``files`` are ids registered with `add_file`; their objects are attached.
        """
        with self._lock:
            ts = ts or self._next_ts()
            self._last_ts = max(self._last_ts, _ts_micros(ts))
            message: Payload = {
                "type": "message",
                "ts": ts,
                "user": user,
                "text": text,
                "team": self.team_id,
            }
            if thread_ts:
                message["thread_ts"] = thread_ts
            if bot_id:
                message["bot_id"] = bot_id
            if files:
                message["files"] = [self._file_object(self._files[f]) for f in files]
            self._messages.setdefault(channel, {})[ts] = message
            return ts

    def edit_message(self, channel: str, ts: str, text: str) -> Payload:
        """A person edits their message; returns the ``message_changed`` event Slack sends."""
        with self._lock:
            message = self._stored(channel, ts)
            previous = dict(message)
            edited_ts = self._next_ts()
            message["text"] = text
            message["edited"] = {"user": message.get("user", ""), "ts": edited_ts}
            current = dict(message)
        event: Payload = {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": channel,
            "channel_type": "im" if self._channel_kind(channel) == "im" else "channel",
            "ts": edited_ts,
            "event_ts": edited_ts,
            "message": current,
            "previous_message": previous,
        }
        return event

    def delete_message(self, channel: str, ts: str) -> Payload:
        """A person deletes their message; returns the ``message_deleted`` event Slack sends."""
        with self._lock:
            previous = dict(self._stored(channel, ts))
            del self._messages[channel][ts]
            event_ts = self._next_ts()
        return {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "channel": channel,
            "channel_type": "im" if self._channel_kind(channel) == "im" else "channel",
            "ts": event_ts,
            "event_ts": event_ts,
            "deleted_ts": ts,
            "previous_message": previous,
        }

    def has_message(self, channel: str, ts: str) -> bool:
        with self._lock:
            return ts in self._messages.get(channel, {})

    def add_event_message(self, event: dict[str, Any]) -> str:
        """Store the message behind an ``app_mention``/``message`` event the test sends.

        Slack already holds the message that triggered an event, so ``conversations.replies``
        on its ts finds it; call this to get the same here. Returns the event's ts.
        """
        return self.add_message(
            event["channel"],
            event["ts"],
            event.get("user", ""),
            event.get("text", ""),
            thread_ts=event.get("thread_ts"),
            bot_id=event.get("bot_id"),
        )

    def add_file(
        self,
        file_id: str,
        name: str,
        content: bytes,
        filetype: str,
        mimetype: str | None = None,
        channels: list[str] | None = None,
        size: int | None = None,
        *,
        user: str = "U1",
        title: str | None = None,
        thread_ts: str | None = None,
        slack_connect: bool = False,
    ) -> Payload:
        """Register a downloadable file; returns its Slack file object.

        ``thread_ts``: shared as a reply in that thread (its shares carry ``thread_ts``);
        ``slack_connect``: shared from another organisation (see `message_file`).
        """
        mime = (
            mimetype
            or _MIME_BY_FILETYPE.get(filetype)
            or mimetypes.guess_type(name)[0]
            or "application/octet-stream"
        )
        with self._lock:
            stored = StoredFile(
                id=file_id,
                name=name,
                content=content,
                filetype=filetype,
                mimetype=mime,
                channels=list(channels or []),
                size=len(content) if size is None else size,
                user=user,
                title=title or name,
                created=int(time.time()),
                share_ts=self._next_ts(),
                thread_ts=thread_ts,
                slack_connect=slack_connect,
            )
            self._files[file_id] = stored
            return self._file_object(stored)

    def response_url(self, kind: str = "commands") -> str:
        """A fresh ``response_url`` served here (POSTs are recorded in ``responses``)."""
        with self._lock:
            self._response_seq += 1
            return f"{self.url}/response/{kind}/{self.team_id}/{self._response_seq}"

    def responses_to(self, url: str) -> list[Payload]:
        """Payloads POSTed to one ``response_url``, oldest first."""
        path = urlsplit(url).path
        with self._lock:
            return [r.payload for r in self.responses if r.path == path]

    def wait_response(self, url: str, count: int = 1, timeout: float = 30.0) -> list[Payload]:
        """Poll until ``url`` received ``count`` POSTs; return them."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.responses_to(url)
            if len(found) >= count or time.monotonic() >= deadline:
                if len(found) < count:
                    raise AssertionError(f"{len(found)} response(s) to {url}: {found}")
                return found
            time.sleep(0.01)

    def message_file(self, file_id: str) -> Payload:
        """The file object a ``message`` event carries: a ``check_file_info`` stub for Slack
        Connect files (the real object only comes from ``files.info``), else the full one."""
        with self._lock:
            stored = self._files[file_id]
            if stored.slack_connect:
                return {
                    "id": stored.id,
                    "mode": "file_access",
                    "file_access": "check_file_info",
                    "created": 0,
                    "timestamp": 0,
                    "user": "",
                }
            return self._file_object(stored)

    def has_file(self, file_id: str) -> bool:
        with self._lock:
            return file_id in self._files and not self._files[file_id].deleted

    def share_file(self, file_id: str, channel: str) -> Payload:
        """Share a registered file in one more conversation; returns its file object."""
        with self._lock:
            stored = self._files[file_id]
            if channel not in stored.channels:
                stored.channels.append(channel)
            return self._file_object(stored)

    def unshare_file(self, file_id: str, channel: str) -> None:
        """Remove a file from one conversation (what a user's "remove from channel" does)."""
        with self._lock:
            self._files[file_id].channels.remove(channel)

    def delete_file(self, file_id: str) -> None:
        """Mark a file deleted: ``files.info`` then answers ``file_not_found``, downloads 404."""
        with self._lock:
            self._files[file_id].deleted = True

    def file_object(self, file_id: str) -> Payload:
        """The Slack file object ``files.info`` returns for ``file_id``."""
        with self._lock:
            return self._file_object(self._files[file_id])

    # ------------------------------------------------------------ reading state

    def message(self, channel: str, ts: str) -> Payload:
        """A stored message (posted by the app or added by the test)."""
        with self._lock:
            try:
                return dict(self._messages[channel][ts])
            except KeyError:
                known = sorted(self._messages.get(channel, {}))
                raise KeyError(f"no message {ts} in {channel}; known: {known}") from None

    def message_text(self, channel: str, ts: str) -> str:
        """Current text of a message; for streamed messages, everything streamed so far."""
        return str(self.message(channel, ts).get("text", ""))

    def is_streaming(self, channel: str, ts: str) -> bool:
        """True between ``chat.startStream`` and ``chat.stopStream`` of that message."""
        with self._lock:
            return (channel, ts) in self._streaming

    def thread(self, channel: str, thread_ts: str) -> list[Payload]:
        """Parent message and replies of a thread, in ts order."""
        with self._lock:
            return self._thread_messages(channel, thread_ts)

    def messages_in(self, channel: str) -> list[Payload]:
        """All stored messages of a channel (threads included), in ts order."""
        with self._lock:
            stored = self._messages.get(channel, {})
            return [dict(stored[ts]) for ts in sorted(stored, key=_ts_micros)]

    def reactions(self, channel: str, ts: str) -> list[str]:
        """Reaction names the app currently has on a message."""
        with self._lock:
            return list(self._reactions.get((channel, ts), []))

    # ------------------------------------------------------------------ routing

    def _handle(self, h: _Handler) -> None:
        split = urlsplit(h.path)
        body = h.read_body()
        if split.path.startswith("/api/"):
            self._api(h, split.path.removeprefix("/api/"), split.query, body)
        elif split.path.startswith("/files/"):
            self._download(h, split.path)
        elif split.path.startswith("/response/"):
            self._response(h, split.path, body)
        elif split.path == "/login":
            h.send(200, _LOGIN_PAGE, "text/html; charset=utf-8")
        else:
            h.send_json(
                404,
                {
                    "ok": False,
                    "error": "unknown_url",
                    "detail": "Web API calls go to /api/<method>",
                },
            )

    def _api(self, h: _Handler, method: str, query: str, body: bytes) -> None:
        headers = {k.lower(): v for k, v in h.headers.items()}
        try:
            params = parse_params(query, body, headers.get("content-type", ""))
        except ValueError:
            params = {}
        call = SlackCall(method, params, headers, h.command)
        with self._lock:
            self.calls.append(call)
        # a token issued by oauth.v2.access works in its own team's workspace only
        with self.as_team(self.oauth.team_of(call.token) or self.team_id):
            status, payload, extra = self._answer(call)
        h.send_json(status, payload, extra)

    def _response(self, h: _Handler, path: str, body: bytes) -> None:
        """A ``response_url`` POST: JSON with text/blocks (or ``delete_original``)."""
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            h.send(400, b"invalid_payload", "text/plain")
            return
        if not isinstance(payload, dict):
            h.send(400, b"invalid_payload", "text/plain")
            return
        errors = block_errors(payload["blocks"]) if "blocks" in payload else []
        if errors:
            h.send(400, b"invalid_blocks", "text/plain")
            return
        if not (payload.get("text") or payload.get("blocks") or payload.get("delete_original")):
            h.send(400, b"no_text", "text/plain")
            return
        with self._lock:
            self.responses.append(ResponsePost(path, payload))
        h.send(200, b"ok", "text/plain")

    def _answer(self, call: SlackCall) -> tuple[int, Payload, dict[str, str]]:
        if self.require_token and call.method not in _TOKENLESS_METHODS:
            token = call.token
            if not token:
                return 200, {"ok": False, "error": "not_authed"}, {}
            if not token.startswith(("xox", "xapp-")):
                return 200, {"ok": False, "error": "invalid_auth"}, {}
            if token.startswith("xapp-") != (call.method in _APP_TOKEN_METHODS):
                return 200, {"ok": False, "error": "not_allowed_token_type"}, {}
            refused = self.oauth.refusal(token)  # revoked (uninstalled) or expired (rotation)
            if refused is not None:
                return 200, {"ok": False, "error": refused}, {}
        fault = self._next_fault(call.method)
        if fault is not None:
            if fault.delay_s > 0:
                self._stopping.wait(fault.delay_s)
            if fault.status != 200 or fault.error is not None:
                return _fault_response(fault)
        with self._lock:
            error = self.fail_methods.get(call.method)
            if error is not None:
                return 200, {"ok": False, "error": error}, {}
            if call.method in _APP_TOKEN_METHODS:  # no Socket Mode app: the token is unknown
                opened = self.connections_open
                return (
                    200,
                    opened(call.token) if opened else {"ok": False, "error": "invalid_auth"},
                    {},
                )
            if call.method == "oauth.v2.access":
                try:
                    return 200, self.oauth.access(call), {}
                except OAuthError as err:
                    return 200, {"ok": False, "error": str(err)}, {}
            handler = self._methods.get(call.method)
            if handler is None:
                return 200, {"ok": False, "error": "unknown_method"}, {}
            if call.method == "auth.test":
                return 200, self._auth_test_for(call.token), {}
            try:
                self._check_scope(call)
                return 200, handler(call.params), {}
            except SlackError as err:
                return 200, {"ok": False, "error": str(err), **err.extra}, {}

    def _check_scope(self, call: SlackCall) -> None:
        if call.method == "users.conversations":
            return  # every requested type needs its own scope: checked by the method
        needed = needed_scopes(call.method, call.params, self._channel_kind)
        if needed and not self.scopes.intersection(needed):
            raise SlackError(
                "missing_scope", needed=",".join(needed), provided=",".join(sorted(self.scopes))
            )

    def _next_fault(self, method: str) -> SlackFault | None:
        with self._lock:
            queue = self._faults.get(method)
            return queue.popleft() if queue else None

    def _download(self, h: _Handler, path: str) -> None:
        parts = path.split("/")
        file_id = unquote(parts[2]) if len(parts) > 2 else ""
        status, body, ctype, extra = self._download_answer(h, file_id, path)
        with self._lock:
            self.downloads.append(
                SlackDownload(file_id, path, {k.lower(): v for k, v in h.headers.items()}, status)
            )
        h.send(status, body, ctype, extra)

    def _download_answer(
        self, h: _Handler, file_id: str, path: str
    ) -> tuple[int, bytes, str, dict[str, str]]:
        auth = h.headers.get("Authorization", "")
        if not auth.startswith(("Bearer xoxb-", "Bearer xoxp-", "Bearer xoxe.xoxb-")):
            return self._unauthorized_download(path)
        token = auth.removeprefix("Bearer ")
        if self.oauth.refusal(token) is not None:
            return self._unauthorized_download(path)
        with self._lock, self.as_team(self.oauth.team_of(token) or self.team_id):
            stored = self._files.get(file_id)
            faults = self._download_faults.get(file_id)
            fault_status = faults.popleft() if faults else None
        if stored is None or stored.deleted:
            return 404, b"File not found", "text/plain", {}
        if fault_status is not None:
            return fault_status, b"Download failed (fake fault)", "text/plain", {}
        disposition = f'attachment; filename="{quote(stored.name)}"'
        return 200, stored.content, stored.mimetype, {"Content-Disposition": disposition}

    def _unauthorized_download(self, path: str) -> tuple[int, bytes, str, dict[str, str]]:
        status = self.unauthorized_download_status
        if status == 302:
            location = f"{self.url}/login?redir={quote(path)}"
            return 302, b"", "text/html", {"Location": location}
        if status == 200:
            return 200, _LOGIN_PAGE, "text/html; charset=utf-8", {}
        return status, b"Forbidden", "text/plain", {}

    # ------------------------------------------------------------ state helpers

    def _next_ts(self) -> str:
        """A unique ts like ``"1700000000.000100"``: wall-clock time, strictly increasing."""
        with self._lock:
            self._last_ts = max(self._last_ts + 100, int(time.time() * 1_000_000))
            return _ts_string(self._last_ts)

    def _stored(self, channel: str, ts: str) -> Payload:
        message = self._messages.get(channel, {}).get(ts)
        if message is None:
            raise SlackError("message_not_found")
        return message

    def _thread_messages(self, channel: str, thread_ts: str) -> list[Payload]:
        stored = self._messages.get(channel, {})
        items = [m for ts, m in stored.items() if thread_ts in (ts, m.get("thread_ts"))]
        items.sort(key=lambda m: _ts_micros(m["ts"]))
        out = [dict(m) for m in items]
        replies = [m for m in out if m["ts"] != thread_ts]
        if out and out[0]["ts"] == thread_ts and replies:
            out[0].update(
                thread_ts=thread_ts,
                reply_count=len(replies),
                reply_users=sorted({m.get("user", "") for m in replies}),
                latest_reply=replies[-1]["ts"],
            )
        return out

    def _channel_kind(self, channel: str) -> str:
        """Scope family of a conversation: channels, groups (private), im or mpim."""
        overrides = self.channels.get(channel, {})
        if channel.startswith("D") or overrides.get("is_im"):
            return "im"
        if overrides.get("is_mpim"):
            return "mpim"
        if channel.startswith("G") or overrides.get("is_private"):
            return "groups"
        return "channels"

    def _require_member(self, channel: str) -> None:
        """Slack's answer when the bot is not in ``channel``: private ones don't exist for it."""
        if BOT_USER_ID in self._members(channel):
            return
        if self._channel_kind(channel) == "channels":
            raise SlackError("not_in_channel")
        raise SlackError("channel_not_found")

    def _channel_info(self, channel: str) -> Payload:
        overrides = self.channels.get(channel, {})
        kind = self._channel_kind(channel)
        is_im = kind == "im"
        info: Payload = {
            "id": channel,
            "name": channel.lower(),
            "is_channel": kind == "channels",
            "is_group": kind == "groups",
            "is_im": is_im,
            "is_mpim": kind == "mpim",
            "is_private": kind != "channels",
            "is_archived": False,
            "is_general": False,
            "is_member": BOT_USER_ID in self._members(channel),
            "is_ext_shared": False,
            "is_shared": False,
            "created": 1700000000,
            "creator": "U1",
            "context_team_id": self.team_id,
        }
        info.update({k: v for k, v in overrides.items() if k != "members"})
        if not is_im:
            info["num_members"] = len(self._members(channel))
        return info

    def _members(self, channel: str) -> list[str]:
        return list(self.channels.get(channel, {}).get("members", ["U1", BOT_USER_ID]))

    def _file_object(self, f: StoredFile) -> Payload:
        url = f"{self.url}/files/{quote(f.id)}/{quote(f.name)}"
        groups: dict[str, list[str]] = {"public": [], "private": [], "ims": []}
        shares: dict[str, dict[str, list[Payload]]] = {}
        for channel in f.channels:
            info = self._channel_info(channel)
            kind = "ims" if info["is_im"] else "private" if info["is_private"] else "public"
            groups[kind].append(channel)
            share: Payload = {
                "ts": f.share_ts,
                "channel_name": info["name"],
                "team_id": self.team_id,
                "share_user_id": f.user,
                "reply_users": [],
                "reply_count": 0,
            }
            if f.thread_ts:
                share["thread_ts"] = f.thread_ts
            shares.setdefault("public" if kind == "public" else "private", {})[channel] = [share]
        return {
            "id": f.id,
            "created": f.created,
            "timestamp": f.created,
            "name": f.name,
            "title": f.title,
            "mimetype": f.mimetype,
            "filetype": f.filetype,
            "pretty_type": f.filetype.upper(),
            "user": f.user,
            "user_team": self.team_id,
            "editable": False,
            "size": f.size,
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": bool(groups["public"]),
            "public_url_shared": False,
            "url_private": url,
            "url_private_download": f"{url}?download=1",
            "permalink": f"{TEAM_URL}files/{f.user}/{f.id}/{quote(f.name)}",
            "channels": groups["public"],
            "groups": groups["private"],
            "ims": groups["ims"],
            "shares": shares,
            "comments_count": 0,
        }

    def _permalink(self, channel: str, ts: str) -> str:
        link = f"{TEAM_URL}archives/{channel}/p{ts.replace('.', '')}"
        parent = self._messages.get(channel, {}).get(ts, {}).get("thread_ts")
        if parent and parent != ts:
            link += f"?thread_ts={parent}&cid={channel}"
        return link

    # ------------------------------------------------------------- Web API methods

    def _method_table(self) -> dict[str, Callable[[Params], Payload]]:
        return {
            "api.test": lambda params: {"ok": True, "args": params},
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.getPermalink": self._get_permalink,
            "chat.startStream": self._start_stream,
            "chat.appendStream": self._append_stream,
            "chat.stopStream": self._stop_stream,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "assistant.threads.setStatus": self._assistant_status,
            "assistant.threads.setSuggestedPrompts": self._assistant_prompts,
            "assistant.threads.setTitle": self._assistant_title,
            "views.open": self._view,
            "views.push": self._view,
            "views.update": self._view,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "users.conversations": self._users_conversations,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.replies": self._conversations_replies,
            "conversations.history": self._conversations_history,
            "conversations.open": self._conversations_open,
            "files.info": self._files_info,
            "files.list": self._files_list,
            "files.delete": self._files_delete,
        }

    def _auth_test(self, _params: Params) -> Payload:
        return self._auth_test_for(None)

    def _auth_test_for(self, token: str | None) -> Payload:
        """Who a token is: its installation's team (and organisation), else the default team."""
        grant = self.oauth.identity(token)
        if grant is None:
            return {
                "ok": True,
                "url": TEAM_URL,
                "team": TEAM_NAME,
                "user": "ragbot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        answer: Payload = {
            "ok": True,
            "url": f"https://{grant.team_id.lower()}.slack.com/",
            "team": grant.team_name,
            "user": "ragbot",
            "team_id": grant.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": grant.org_wide,
        }
        if grant.enterprise_id:
            answer["enterprise_id"] = grant.enterprise_id
        return answer

    def _bot_message(self, params: Params, ts: str) -> Payload:
        message: Payload = {
            "type": "message",
            "ts": ts,
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": "A1",
            "team": self.team_id,
            "text": params.get("text") or "",
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if params.get(key):
                message[key] = params[key]
        return message

    def _writable(self, params: Params) -> str:
        """The checks every message-writing method shares; returns the channel."""
        channel = _require(params, "channel", "channel_not_found")
        self._require_member(channel)
        if too_long(params):
            raise SlackError("msg_too_long")
        if "blocks" in params:
            errors = block_errors(params["blocks"])
            if errors:
                raise SlackError("invalid_blocks", errors=errors)
        return channel

    def _post_message(self, params: Params) -> Payload:
        channel = self._writable(params)
        if not params.get("text") and not params.get("blocks") and not params.get("attachments"):
            raise SlackError("no_text")
        ts = self._next_ts()
        message = self._bot_message(params, ts)
        self._messages.setdefault(channel, {})[ts] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": dict(message)}

    def _update(self, params: Params) -> Payload:
        channel = self._writable(params)
        ts = _require(params, "ts", "message_not_found")
        message = self._stored(channel, ts)
        if message.get("bot_id") != BOT_ID:
            raise SlackError("cant_update_message")
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in params:
                message[key] = params[key]
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message.get("text", ""),
            "message": dict(message),
        }

    def _delete(self, params: Params) -> Payload:
        channel = _require(params, "channel", "channel_not_found")
        self._require_member(channel)
        ts = _require(params, "ts", "message_not_found")
        if self._stored(channel, ts).get("bot_id") != BOT_ID:
            raise SlackError("cant_delete_message")
        del self._messages[channel][ts]
        return {"ok": True, "channel": channel, "ts": ts}

    def _post_ephemeral(self, params: Params) -> Payload:
        channel = self._writable(params)
        user = _require(params, "user", "user_not_in_channel")
        if user not in self._members(channel):
            raise SlackError("user_not_in_channel")
        if not params.get("text") and not params.get("blocks"):
            raise SlackError("no_text")
        return {"ok": True, "message_ts": self._next_ts()}

    def _get_permalink(self, params: Params) -> Payload:
        channel = _require(params, "channel", "channel_not_found")
        ts = _require(params, "message_ts", "message_not_found")
        return {"ok": True, "channel": channel, "permalink": self._permalink(channel, ts)}

    def _start_stream(self, params: Params) -> Payload:
        channel = self._writable(params)
        _require(params, "thread_ts", "invalid_arguments")
        if self._channel_kind(channel) != "im":
            # "Required when streaming to channels" (chat.startStream reference)
            _require(params, "recipient_user_id", "invalid_arguments")
            _require(params, "recipient_team_id", "invalid_arguments")
        ts = self._next_ts()
        message = self._bot_message({**params, "text": streamed_text(params)}, ts)
        self._messages.setdefault(channel, {})[ts] = message
        self._streaming.add((channel, ts))
        return {"ok": True, "channel": channel, "ts": ts}

    def _streaming_message(self, params: Params) -> tuple[str, str, Payload]:
        channel = _require(params, "channel", "channel_not_found")
        ts = _require(params, "ts", "message_not_found")
        message = self._stored(channel, ts)
        if (channel, ts) not in self._streaming:
            raise SlackError("message_not_in_streaming_state")
        return channel, ts, message

    def _append_stream(self, params: Params) -> Payload:
        self._writable(params)
        channel, ts, message = self._streaming_message(params)
        message["text"] = message.get("text", "") + streamed_text(params)
        return {"ok": True, "channel": channel, "ts": ts}

    def _stop_stream(self, params: Params) -> Payload:
        self._writable(params)
        channel, ts, message = self._streaming_message(params)
        message["text"] = message.get("text", "") + streamed_text(params)
        for key in ("blocks", "metadata"):
            if params.get(key):
                message[key] = params[key]
        self._streaming.discard((channel, ts))
        return {"ok": True, "channel": channel, "ts": ts, "message": dict(message)}

    @staticmethod
    def _assistant_thread(params: Params) -> None:
        _require(params, "channel_id", "invalid_arguments")
        _require(params, "thread_ts", "invalid_arguments")

    def _assistant_status(self, params: Params) -> Payload:
        self._assistant_thread(params)
        if not isinstance(params.get("status"), str):
            raise SlackError("invalid_arguments")
        return {"ok": True}

    def _assistant_prompts(self, params: Params) -> Payload:
        self._assistant_thread(params)
        prompts = params.get("prompts")
        if not isinstance(prompts, list) or not prompts:
            raise SlackError("invalid_arguments")
        return {"ok": True}

    def _assistant_title(self, params: Params) -> Payload:
        self._assistant_thread(params)
        _require(params, "title", "invalid_arguments")
        return {"ok": True}

    def _reaction_key(self, params: Params) -> tuple[tuple[str, str], str]:
        channel = _require(params, "channel", "channel_not_found")
        ts = _require(params, "timestamp", "message_not_found")
        name = _require(params, "name", "invalid_name")
        return (channel, ts), name

    def _reactions_add(self, params: Params) -> Payload:
        key, name = self._reaction_key(params)
        names = self._reactions.setdefault(key, [])
        if name in names:
            raise SlackError("already_reacted")
        names.append(name)
        return {"ok": True}

    def _reactions_remove(self, params: Params) -> Payload:
        key, name = self._reaction_key(params)
        names = self._reactions.get(key, [])
        if name not in names:
            raise SlackError("no_reaction")
        names.remove(name)
        return {"ok": True}

    def _view(self, params: Params) -> Payload:
        view = params.get("view")
        self._view_seq += 1
        base = view if isinstance(view, dict) else {}
        return {
            "ok": True,
            "view": {
                **base,
                "id": f"VFAKE{self._view_seq}",
                "team_id": self.team_id,
                "hash": f"hash{self._view_seq}",
                "state": {"values": {}},
            },
        }

    def _views_publish(self, params: Params) -> Payload:
        """Home tabs: ``user_id`` and a valid ``view`` required; ``not_enabled`` unless the
        manifest enables the Home tab; ``hash`` must match the published view's."""
        user = _require(params, "user_id", "invalid_arguments")
        view = params.get("view")
        if isinstance(view, str):  # not JSON: Slack can't read it
            raise SlackError("invalid_arguments")
        if view is None:
            raise SlackError("invalid_arguments")
        errors = home_view_errors(view)
        if errors:
            raise SlackError("invalid_arguments", response_metadata={"messages": errors})
        if len(json.dumps(view).encode()) > VIEW_BYTES_LIMIT:
            raise SlackError("view_too_large")
        if not self.home_tab_enabled:
            raise SlackError("not_enabled")
        current = self.home_views.get(user)
        if params.get("hash") and (current is None or current["hash"] != params["hash"]):
            raise SlackError("hash_conflict")
        published = self._view({"view": view})["view"]
        self.home_views[user] = published
        return {"ok": True, "view": published}

    def _users_conversations(self, params: Params) -> Payload:
        """What ``user`` (default: the bot) is a member of, of the requested ``types``;
        private conversations only where the bot is a member too."""
        needed = conversation_type_scopes(params.get("types"))
        if needed is None:
            raise SlackError("invalid_types")
        missing = [scope for scope in needed if scope not in self.scopes]
        if missing:
            raise SlackError(
                "missing_scope", needed=",".join(missing), provided=",".join(sorted(self.scopes))
            )
        limit = params.get("limit")
        if limit is not None and (not str(limit).isdigit() or not 0 < int(limit) <= 1000):
            raise SlackError("invalid_limit")
        cursor = params.get("cursor")
        if cursor and not str(cursor).isdigit():
            raise SlackError("invalid_cursor")
        user = str(params.get("user") or BOT_USER_ID)
        kinds = {
            {"public_channel": "channels", "private_channel": "groups"}.get(t.strip(), t.strip())
            for t in str(params.get("types") or "public_channel").split(",")
        }
        known = dict.fromkeys([*self.channels, *self._messages])
        found = [
            self._channel_info(channel)
            for channel in known
            if user in self._members(channel)
            and self._channel_kind(channel) in kinds
            and (self._channel_kind(channel) == "channels" or BOT_USER_ID in self._members(channel))
        ]
        if params.get("exclude_archived") in (True, "true", "1"):
            found = [c for c in found if not c.get("is_archived")]
        page, next_cursor = _paginate(found, params)
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": next_cursor}}

    def _users_info(self, params: Params) -> Payload:
        user_id = _require(params, "user", "user_not_found")
        name = user_id.lower()
        user: Payload = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": f"User {user_id}",
            "deleted": False,
            "is_bot": user_id == BOT_USER_ID,
            "is_admin": False,
            "tz": "Europe/London",
            "tz_offset": 0,
            "profile": {
                "display_name": name,
                "real_name": f"User {user_id}",
                "email": f"{name}@example.com",
            },
        }
        user.update(self.users.get(user_id, {}))
        return {"ok": True, "user": user}

    def _conversations_info(self, params: Params) -> Payload:
        channel = _require(params, "channel", "channel_not_found")
        if self._channel_kind(channel) != "channels":
            self._require_member(channel)
        return {"ok": True, "channel": self._channel_info(channel)}

    def _conversations_members(self, params: Params) -> Payload:
        channel = _require(params, "channel", "channel_not_found")
        if self._channel_kind(channel) != "channels":
            self._require_member(channel)
        page, cursor = _paginate(self._members(channel), params)
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}

    def _conversations_replies(self, params: Params) -> Payload:
        """Parent first, then replies oldest first, ``limit`` (default 1000) per page."""
        channel = _require(params, "channel", "channel_not_found")
        self._require_member(channel)
        ts = _require(params, "ts", "thread_not_found")
        messages = self._thread_messages(channel, ts)
        if not messages:
            raise SlackError("thread_not_found")
        messages = _with_metadata(messages, params)
        page, cursor = _paginate(messages, params, default_limit=1000)
        return {
            "ok": True,
            "messages": page,
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    def _conversations_history(self, params: Params) -> Payload:
        channel = _require(params, "channel", "channel_not_found")
        self._require_member(channel)
        stored = self._messages.get(channel, {})
        top = [ts for ts, m in stored.items() if m.get("thread_ts") in (None, ts)]
        top.sort(key=_ts_micros, reverse=True)
        messages = _with_metadata([self._thread_messages(channel, ts)[0] for ts in top], params)
        page, cursor = _paginate(messages, params)
        return {
            "ok": True,
            "messages": page,
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    def _conversations_open(self, params: Params) -> Payload:
        users = str(params.get("users") or params.get("channel") or "")
        return {"ok": True, "channel": {"id": "D" + users.split(",")[0].lstrip("UW")}}

    def _live_file(self, params: Params) -> StoredFile:
        """A file the bot can see: not deleted, shared where the bot is (or by the bot)."""
        stored = self._files.get(str(params.get("file") or ""))
        if stored is None or stored.deleted:
            raise SlackError("file_not_found")
        if not self._bot_sees(stored):
            raise SlackError("file_not_found")
        return stored

    def _files_info(self, params: Params) -> Payload:
        stored = self._live_file(params)
        return {
            "ok": True,
            "file": self._file_object(stored),
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    def _files_list(self, params: Params) -> Payload:
        """Files the bot can see (shared where it is a member), newest first, page by page.

        ``types`` must be known kinds (else ``unknown_type``), ``user`` a user id (else
        ``user_not_found``); ``ts_from``/``ts_to`` filter on ``created`` (files.list reference).
        """
        types = {t.strip() for t in str(params.get("types") or "all").split(",") if t.strip()}
        if not types or not types <= _FILE_LIST_TYPES:
            raise SlackError("unknown_type")
        user = params.get("user")
        if user is not None and not (isinstance(user, str) and user[:1] in ("U", "W")):
            raise SlackError("user_not_found")
        files = [f for f in self._files.values() if not f.deleted and self._bot_sees(f)]
        if params.get("channel"):
            files = [f for f in files if params["channel"] in f.channels]
        if user:
            files = [f for f in files if f.user == user]
        if "all" not in types:
            files = [f for f in files if _file_list_type(f) in types]
        low, high = int(params.get("ts_from") or 0), int(params.get("ts_to") or 2**62)
        files = [f for f in files if low <= f.created <= high]
        files.sort(key=lambda f: (f.created, _ts_micros(f.share_ts)), reverse=True)
        count = int(params.get("count") or 100)
        page = max(1, int(params.get("page") or 1))
        chosen = files[(page - 1) * count : page * count]
        pages = max(1, -(-len(files) // count))
        return {
            "ok": True,
            "files": [self._file_object(f) for f in chosen],
            "paging": {"count": count, "total": len(files), "page": page, "pages": pages},
        }

    def _bot_sees(self, stored: StoredFile) -> bool:
        return stored.user == BOT_USER_ID or any(
            BOT_USER_ID in self._members(c) for c in stored.channels
        )

    def _files_delete(self, params: Params) -> Payload:
        self._live_file(params).deleted = True
        return {"ok": True}


def _file_list_type(stored: StoredFile) -> str:
    """The ``files.list`` ``types`` kind a stored file falls under."""
    if stored.mimetype.startswith("image/"):
        return "images"
    kinds = {"pdf": "pdfs", "zip": "zips", "post": "spaces", "gdoc": "gdocs"}
    return kinds.get(stored.filetype, "snippets" if stored.filetype == "snippet" else "")


def _with_metadata(messages: list[Payload], params: Params) -> list[Payload]:
    """Message ``metadata`` is only returned with ``include_all_metadata`` (history methods)."""
    if params.get("include_all_metadata") in (True, "true", "1", 1):
        return messages
    return [{k: v for k, v in m.items() if k != "metadata"} for m in messages]


def _fault_response(fault: SlackFault) -> tuple[int, Payload, dict[str, str]]:
    if fault.status == 429:
        retry_after = fault.retry_after if fault.retry_after is not None else "1"
        return (
            429,
            {"ok": False, "error": fault.error or "ratelimited"},
            {"Retry-After": retry_after},
        )
    if fault.status != 200:
        return fault.status, {"ok": False, "error": fault.error or "internal_error"}, {}
    return 200, {"ok": False, "error": fault.error}, {}
