"""Docling conversions that can be stopped: each in a child process, killed at its deadline.

Docling stops a PDF or image conversion itself at ``document_timeout`` (after a page). Every
other format is read in one call that nothing in the process can interrupt, so it runs in a child
process with a process group of its own: one still running at the deadline is killed with all it
started (LibreOffice, for legacy Office files), and its CPU and memory are freed at once.

Children are forked from a server process (``forkserver``) that has Docling imported and its
common pipelines built (``rag.warm_docling``): a child starts in milliseconds, not the seconds a
fresh Docling import takes. The server starts on first use (``start``; the knowledge base's
warm-up calls it).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from typing import Any

from docling_core.types.doc import DoclingDocument

from rag.errors import ConversionTimeoutError, CorruptDocumentError

logger = logging.getLogger(__name__)

_context: BaseContext | None = None
_context_lock = threading.Lock()


class ChildConversionError(Exception):
    """Docling raised in the child; the message names its exception."""


@dataclass(frozen=True)
class ChildConversion:
    """What the caller reads of Docling's ``ConversionResult``, as the child sent it."""

    status: Any  # docling's ConversionStatus
    errors: list[Any]  # docling's ErrorItem
    document: DoclingDocument
    seconds: float


def context() -> BaseContext:
    """The multiprocessing context children start from (forkserver where the OS has it)."""
    global _context
    with _context_lock:
        if _context is None:
            if "forkserver" in multiprocessing.get_all_start_methods():
                forkserver = multiprocessing.get_context("forkserver")
                forkserver.set_forkserver_preload(["rag.warm_docling"])
                _context = forkserver
            else:  # Windows: each child imports Docling itself
                _context = multiprocessing.get_context("spawn")
        return _context


def start() -> None:
    """Start the server process now (it imports Docling), not on the first conversion."""
    ctx = context()
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def convert_in_child(
    name: str, data: bytes, *, timeout_s: float, max_pages: int, max_bytes: int
) -> ChildConversion:
    """Docling's conversion of ``data`` in a child process, killed if it outlives ``timeout_s``.

    Raises ``ConversionTimeoutError`` when it was killed, ``CorruptDocumentError`` when the child
    died without an answer (out of memory, a crash in native code), ``ChildConversionError``
    (with Docling's exception type and message) when Docling raised.
    """
    ctx = context()
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(  # type: ignore[attr-defined]
        target=_convert,
        args=(sender, name, data, max_pages, max_bytes),
        name="docling-convert",
        daemon=True,
    )
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout_s):
            raise ConversionTimeoutError(f"conversion exceeded {timeout_s:g}s; its process killed")
        try:
            message = receiver.recv()
        except EOFError:
            child.join(5)
            raise CorruptDocumentError(
                f"the conversion process ended without a result (exit code {child.exitcode})"
            ) from None
    finally:
        _kill(child)
        receiver.close()
    if message[0] == "raised":
        raise ChildConversionError(f"{message[1]}: {message[2]}")
    _, status, errors, document, seconds = message
    return ChildConversion(status, errors, document, seconds)


def _kill(child: Any) -> None:
    """Stop the child and everything it started, and reap it."""
    if child.is_alive():
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except (AttributeError, ProcessLookupError, PermissionError):
            child.kill()  # no process groups here, or it had not made its own yet
    child.join()


def _convert(sender: Connection, name: str, data: bytes, max_pages: int, max_bytes: int) -> None:
    """In the child: convert, send the outcome back, exit."""
    if hasattr(os, "setsid"):
        os.setsid()  # a process group of its own, so a kill takes LibreOffice with it
    try:
        from rag.warm_docling import convert

        started = time.perf_counter()
        result = convert(name, data, max_pages=max_pages, max_bytes=max_bytes)
        seconds = time.perf_counter() - started
        sender.send(("done", result.status, list(result.errors), result.document, seconds))
    except Exception as exc:  # reported to the parent, which classifies it
        sender.send(("raised", type(exc).__name__, str(exc)[:300]))
    finally:
        sender.close()
