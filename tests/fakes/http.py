"""What the local HTTP stand-ins share: a threaded server on 127.0.0.1 and its request handler.

A stand-in subclasses `FakeHTTPServer`, names its handler class in ``handler_class`` (a
`FakeRequestHandler`, or a subclass adding its own writers) and implements ``_handle(handler)``,
which reads the request from the handler and answers through it.
"""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self

HOST = "127.0.0.1"


class FakeRequestHandler(BaseHTTPRequestHandler):
    """Hands every GET/POST to ``fake._handle(self)``; helpers to read the body and answer."""

    protocol_version = "HTTP/1.1"
    json_content_type = "application/json"

    def __init__(self, *args: Any, fake: FakeHTTPServer, **kwargs: Any) -> None:
        self.fake = fake
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        try:
            self.fake._handle(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def read_body(self) -> bytes:
        """The request body (``Content-Length`` or chunked transfer encoding)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            body += self.rfile.read(size)
            self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return bytes(body)

    def default_headers(self) -> dict[str, str]:
        """Headers added to every JSON answer (before the caller's own)."""
        return {}

    def send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        """Answer ``status`` with ``body`` (no body for HEAD)."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        """Answer with ``payload`` as JSON; a ``str`` payload is taken as JSON text already."""
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        self.send(
            status, data, self.json_content_type, {**self.default_headers(), **(headers or {})}
        )


class FakeHTTPServer:
    """A stand-in served on 127.0.0.1 (random port) from a daemon thread.

    Use as a context manager or call `start()` / `stop()`. Subclasses set ``handler_class``,
    implement ``_handle`` and call ``super().__init__()``; ``_stopping`` is set while stopping,
    so delays that wait on it are cut short.
    """

    handler_class: ClassVar[type[FakeRequestHandler]] = FakeRequestHandler

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _handle(self, h: Any) -> None:
        """Answer one request through the handler ``h``."""
        raise NotImplementedError

    def start(self) -> Self:
        """Bind 127.0.0.1:0 and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = ThreadingHTTPServer((HOST, 0), partial(self.handler_class, fake=self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"{type(self).__name__}:{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket; pending delays are cut short."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Server root, ``http://127.0.0.1:PORT``."""
        return f"http://{HOST}:{self.port}"
