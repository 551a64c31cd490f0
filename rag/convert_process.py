"""Docling conversions that can be stopped: each in a child process, killed at its deadline.

Docling stops a PDF or image conversion itself at ``document_timeout`` (after a page). Every
other format is read in one call that nothing in the process can interrupt, so it runs in a child
process with a process group of its own: one still running at the deadline is killed with all it
started (LibreOffice, for legacy Office files), and its CPU and memory are freed at once.

Children are forked from a small server process (``python -m rag.convert_process``) that has
Docling imported and its common pipelines built (``rag.warm_docling``), so a child converts in
milliseconds, not after the seconds a fresh Docling import takes. The server is this module's
own: unlike ``multiprocessing``'s forkserver it never re-imports the caller's main module, so a
script using the library needs no ``if __name__ == "__main__"`` guard. It starts on first use
(or at the knowledge base's warm-up) and exits when this process closes its end.

Each conversion gets a socket pair: one end is passed to the server (``SCM_RIGHTS``), which forks
a child to serve it; the child sends its pid, receives the file, converts and sends the result.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle, send_handle
from typing import Any

from docling_core.types.doc import DoclingDocument

from rag.errors import ConversionTimeoutError, CorruptDocumentError, IngestError

logger = logging.getLogger(__name__)

READY = b"ready"
START_TIMEOUT_S = 120.0  # importing Docling and building its pipelines, on a slow machine
CHILD_START_TIMEOUT_S = 30.0  # a fork answering with its pid


class ConversionServerError(IngestError):
    """The conversion server could not be started or keeps dying; the file may be fine."""

    user_message = "I couldn't read this file just now: my document reader didn't start. Try again."


class ChildConversionError(Exception):
    """Docling raised in the child; the message names its exception."""


@dataclass(frozen=True)
class ChildConversion:
    """What the caller reads of Docling's ``ConversionResult``, as the child sent it."""

    status: Any  # docling's ConversionStatus
    errors: list[Any]  # docling's ErrorItem
    document: DoclingDocument
    seconds: float


def available() -> bool:
    """Whether this platform can fork and pass sockets (not Windows)."""
    return hasattr(os, "fork") and hasattr(socket, "AF_UNIX")


class ConversionServer:
    """This process's end of the server: started once, restarted if it died."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._control: Connection | None = None
        self._ready = False

    def start(self) -> None:
        """Start the server now (it imports Docling in the background); don't wait for it."""
        with self._lock:
            self._spawn_if_needed()

    def convert(
        self, name: str, data: bytes, *, timeout_s: float, max_pages: int, max_bytes: int
    ) -> ChildConversion:
        """Docling's conversion of ``data`` in a child process, killed if it outlives
        ``timeout_s``.

        Raises ``ConversionTimeoutError`` when it was killed, ``CorruptDocumentError`` when the
        child died without an answer (out of memory, a crash in native code),
        ``ChildConversionError`` (Docling's exception type and message) when Docling raised,
        ``ConversionServerError`` when no server could be started.
        """
        ours, theirs = socket.socketpair()
        try:
            with self._lock:
                self._hand_over(theirs)
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        try:
            if not conn.poll(CHILD_START_TIMEOUT_S):
                raise ConversionServerError("the conversion server did not start a child")
            pid = conn.recv()
            deadline = time.monotonic() + timeout_s
            conn.send((name, data, max_pages, max_bytes))
            if not conn.poll(max(0.0, deadline - time.monotonic())):
                _kill(pid)
                raise ConversionTimeoutError(f"conversion exceeded {timeout_s:g}s; killed")
            message = conn.recv()
        except (EOFError, OSError) as exc:
            raise CorruptDocumentError(
                f"the conversion process ended without a result ({type(exc).__name__})"
            ) from None
        finally:
            conn.close()
        if message[0] == "raised":
            raise ChildConversionError(f"{message[1]}: {message[2]}")
        _, status, errors, document, seconds = message
        return ChildConversion(status, errors, document, seconds)

    def _hand_over(self, end: socket.socket) -> None:
        """Pass one end of a conversion's socket pair to the server (restarted once if gone)."""
        for attempt in (1, 2):
            self._spawn_if_needed()
            assert self._process is not None
            assert self._control is not None
            try:
                if not self._ready:
                    if not self._control.poll(START_TIMEOUT_S):
                        raise ConversionServerError("the conversion server did not start")
                    self._ready = self._control.recv_bytes() == READY
                send_handle(self._control, end.fileno(), self._process.pid)
                return
            except (EOFError, OSError):
                logger.warning("the conversion server is gone; starting it again")
                self._stop()
                if attempt == 2:
                    raise ConversionServerError("the conversion server keeps failing") from None

    def _spawn_if_needed(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        self._stop()
        ours, theirs = socket.socketpair()
        level = _docling_level_shown()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "rag.convert_process", str(theirs.fileno()), str(level)],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self._control = Connection(ours.detach())
        self._ready = False

    def _stop(self) -> None:
        if self._control is not None:
            self._control.close()  # the server exits when it reads the end of its socket
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process, self._control, self._ready = None, None, False


def _docling_level_shown() -> int:
    """The lowest level of Docling's log records this process would print: the server and its
    children log from there (a quiet CLI stays quiet, ``-v`` shows Docling's progress)."""
    handlers = logging.getLogger().handlers
    printed = min((h.level for h in handlers), default=logging.WARNING)  # else: lastResort
    return max(logging.getLogger("docling").getEffectiveLevel(), printed)


def _kill(pid: int) -> None:
    """Stop a conversion child and everything it started (its process group)."""
    with contextlib.suppress(ProcessLookupError):  # it finished at the last moment
        os.killpg(pid, signal.SIGKILL)


_server = ConversionServer()


def start() -> None:
    _server.start()


def convert_in_child(
    name: str, data: bytes, *, timeout_s: float, max_pages: int, max_bytes: int
) -> ChildConversion:
    return _server.convert(
        name, data, timeout_s=timeout_s, max_pages=max_pages, max_bytes=max_bytes
    )


# --- the server process --------------------------------------------------------------------
def serve(control_fd: int) -> None:
    """Warm Docling, then fork one child per socket end received, until the parent leaves."""
    import rag.warm_docling  # noqa: F401  (Docling imported, pipelines built, before forking)

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished children
    with Connection(control_fd) as control:
        try:
            control.send_bytes(READY)
        except OSError:
            return  # the parent left while Docling was warming up (a short CLI run)
        while True:
            try:
                handle = recv_handle(control)
            except (EOFError, OSError):
                return  # the parent closed its end (or exited)
            if os.fork() == 0:
                control.close()
                _serve_one(handle)
            os.close(handle)


def _serve_one(handle: int) -> None:
    """In a child: send the pid, convert the file received, send the result, exit."""
    os.setsid()  # a process group of its own, so a kill takes LibreOffice with it
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # Docling waits on its own subprocesses
    conn = Connection(handle)
    try:
        conn.send(os.getpid())
        name, data, max_pages, max_bytes = conn.recv()
        from rag.warm_docling import convert

        started = time.perf_counter()
        result = convert(name, data, max_pages=max_pages, max_bytes=max_bytes)
        seconds = time.perf_counter() - started
        conn.send(("done", result.status, list(result.errors), result.document, seconds))
    except BaseException as exc:  # reported to the parent, which classifies it
        with contextlib.suppress(OSError):
            conn.send(("raised", type(exc).__name__, str(exc)[:300]))
    finally:
        os._exit(0)


if __name__ == "__main__":
    logging.basicConfig(level=int(sys.argv[2]) if len(sys.argv) > 2 else logging.WARNING)
    serve(int(sys.argv[1]))
