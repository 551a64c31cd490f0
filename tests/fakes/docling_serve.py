"""A local stand-in for the Docling Serve HTTP API, for tests.

The real ``docling-serve`` (1.38) depends on ``docling-slim[standard]`` (torch, layout/table/OCR
models), ``docling-jobkit[ray,rq,vlm]``, FastAPI and uvicorn, so it is not run in the test
suite. `FakeDoclingServe` implements the routes Docling's own client
(``docling.service_client.DoclingServiceClient``) calls for a file conversion with an in-body
result and polling, with the request and response shapes of ``docling.datamodel.service``:

* ``POST /v1/convert/file/async``: multipart ``files`` + one form field per option (list options
  repeat the field) + ``target_type``; answers ``TaskStatusResponse`` (``pending``). Like a
  server without artifact storage it answers 422 to ``target_type=presigned_url``, with the
  real server's message (the client's cue to fall back to ``inbody``).
* ``GET /v1/status/poll/{task_id}?wait=S``: waits up to S seconds for the task to end, then
  answers ``TaskStatusResponse``; 404 ``{"detail": "Task not found."}`` for unknown ids.
* ``GET /v1/result/{task_id}``: ``ConvertDocumentResponse`` (the ``DoclingDocument`` in
  ``document.json_content`` when ``json`` was asked for and the conversion succeeded),
  ``TaskFailureResult`` for a failed task, 404 ``Task result not found...`` before the end.
* ``GET /health``: ``{"status": "ok"}``. ``X-Api-Key`` is checked when ``api_key`` is given.

Documents are converted by real, in-process Docling: ``DocumentConverter`` with the model-free
native PDF pipeline (as ``rag.convert.Converter`` configures it when no models are installed),
one conversion at a time, honouring ``from_formats``, ``page_range``, ``document_timeout``,
``to_formats`` and ``image_export_mode``. The ``pipeline``, ``do_ocr`` and
``do_table_structure`` options are recorded but not executed: there is no OCR or layout model.

Fault injection: `Fault` objects queued per route (``submit``, ``poll``, ``result``, ``health``;
one consumed per request): an HTTP error status (with ``Retry-After``) and/or a delay before
answering. ``task_delay_s`` keeps every task ``started`` that long; ``task_failure`` makes
tasks fail with that ``PublicFailureInfo``.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin
from urllib.parse import parse_qs, urlsplit

from docling.datamodel.base_models import (
    ConversionStatus,
    DocumentStream,
    FailureCategory,
    OutputFormat,
)
from docling.datamodel.service.options import ConvertDocumentsOptions
from docling.datamodel.service.responses import (
    ConvertDocumentResponse,
    ExportDocumentResponse,
    FailurePhase,
    PublicFailureInfo,
    TaskFailureResult,
    TaskStatusResponse,
)
from docling.datamodel.service.tasks import TaskType
from docling.document_converter import DocumentConverter
from pydantic import ValidationError

from tests.fakes.http import FakeHTTPServer, FakeRequestHandler

ROUTES = ("submit", "poll", "result", "health")
NO_ARTIFACT_STORAGE = (
    "Presigned URL target requires artifact storage to be configured and enabled on the server."
)
_EXPORTABLE = {ConversionStatus.SUCCESS, ConversionStatus.PARTIAL_SUCCESS}


@dataclass(frozen=True)
class UploadedFile:
    """One ``files`` part of a multipart upload."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request the stand-in received. Header names are lower-cased."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str] = field(repr=False)
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)

    def options(self) -> ConvertDocumentsOptions:
        """The conversion options of an upload, parsed as Docling Serve parses its form."""
        return ConvertDocumentsOptions.model_validate(_form_to_options(self.fields))


@dataclass(frozen=True)
class Fault:
    """A one-shot failure: sleep ``delay_s``, then answer ``status`` (when given)."""

    status: int | None = None
    retry_after: str | None = None
    delay_s: float = 0.0
    detail: str = "Service temporarily unavailable."


class HTTPError(Exception):
    """Raised inside the stand-in to answer with FastAPI's ``{"detail": ...}`` body."""

    def __init__(self, status: int, detail: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(str(detail))
        self.status = status
        self.detail = detail
        self.headers = headers or {}


@dataclass
class _Task:
    task_id: str
    upload: UploadedFile
    options: ConvertDocumentsOptions
    status: ConversionStatus = ConversionStatus.PENDING
    result: ConvertDocumentResponse | None = None
    failure: PublicFailureInfo | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def status_response(self) -> TaskStatusResponse:
        return TaskStatusResponse(
            task_id=self.task_id,
            task_type=TaskType.CONVERT,
            task_status=self.status,
            task_position=0 if self.status == ConversionStatus.PENDING else None,
            error_message=self.failure.message if self.failure else None,
            failure=self.failure,
        )


class FakeDoclingServe(FakeHTTPServer):
    """Docling Serve stand-in on 127.0.0.1 (random port), served from a daemon thread.

    Use as a context manager or call `start()` / `stop()`; give `base_url` to the client.
    """

    def __init__(self, *, api_key: str | None = None) -> None:
        super().__init__()
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self.task_delay_s = 0.0
        self.task_failure: PublicFailureInfo | None = None
        self.tasks: dict[str, _Task] = {}
        self._faults: dict[str, deque[Fault]] = {route: deque() for route in ROUTES}
        self._converters: dict[tuple[Any, ...], DocumentConverter] = {}
        self._lock = threading.Lock()
        self._convert_lock = threading.Lock()  # one worker: one conversion at a time

    @property
    def base_url(self) -> str:
        """The service root, what ``RAGBOT_DOCLING_URL`` takes: ``http://127.0.0.1:PORT``."""
        return self.url

    # ------------------------------------------------------------ test controls

    def add_fault(self, route: str, fault: Fault) -> None:
        """Queue a one-shot fault for ``"submit"``, ``"poll"``, ``"result"`` or ``"health"``."""
        if route not in self._faults:
            raise ValueError(f"unknown route {route!r}; expected one of {ROUTES}")
        with self._lock:
            self._faults[route].append(fault)

    def requests_to(self, path_prefix: str) -> list[RecordedRequest]:
        """Recorded requests whose path starts with ``path_prefix`` (e.g. ``"/v1/convert"``)."""
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

    @property
    def uploads(self) -> list[RecordedRequest]:
        """Recorded conversion uploads (``POST /v1/convert/file/async``)."""
        return self.requests_to("/v1/convert/file/async")

    def reset(self) -> None:
        """Forget recorded requests, tasks, queued faults and injected task behaviour."""
        with self._lock:
            self.requests.clear()
            self.tasks.clear()
            for queue in self._faults.values():
                queue.clear()
        self.task_delay_s = 0.0
        self.task_failure = None

    # ------------------------------------------------------------------ routing

    def _handle(self, h: FakeRequestHandler) -> None:
        parts = urlsplit(h.path)
        request = self._record(h, parts.path, parse_qs(parts.query))
        try:
            route, arg = self._route(h.command, parts.path)
            self._check_auth(request)
            self._apply_fault(route)
            status, payload = self._dispatch(route, arg, request)
            h.send_json(status, payload)
        except HTTPError as err:
            h.send_json(err.status, {"detail": err.detail}, err.headers)

    def _record(
        self, h: FakeRequestHandler, path: str, query: dict[str, list[str]]
    ) -> RecordedRequest:
        body = h.read_body()
        content_type = h.headers.get("Content-Type", "")
        fields, files = _parse_multipart(body, content_type) if body else ({}, [])
        headers = {name.lower(): value for name, value in h.headers.items()}
        request = RecordedRequest(h.command, path, query, headers, fields, files)
        with self._lock:
            self.requests.append(request)
        return request

    @staticmethod
    def _route(method: str, path: str) -> tuple[str, str]:
        if method == "POST" and path == "/v1/convert/file/async":
            return "submit", ""
        if method == "GET" and path.startswith("/v1/status/poll/"):
            return "poll", path.removeprefix("/v1/status/poll/")
        if method == "GET" and path.startswith("/v1/result/"):
            return "result", path.removeprefix("/v1/result/")
        if method == "GET" and path == "/health":
            return "health", ""
        raise HTTPError(404, "Not Found")

    def _check_auth(self, request: RecordedRequest) -> None:
        if self.api_key and request.headers.get("x-api-key", "").strip() != self.api_key:
            raise HTTPError(401, None)

    def _apply_fault(self, route: str) -> None:
        with self._lock:
            fault = self._faults[route].popleft() if self._faults[route] else None
        if fault is None:
            return
        self._stopping.wait(fault.delay_s)
        if fault.status is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            raise HTTPError(fault.status, fault.detail, headers)

    def _dispatch(self, route: str, arg: str, request: RecordedRequest) -> tuple[int, Any]:
        if route == "submit":
            return 200, self._submit(request).status_response().model_dump_json()
        if route == "poll":
            return 200, self._poll(arg, request).status_response().model_dump_json()
        if route == "result":
            return 200, self._result(arg)
        return 200, {"status": "ok"}

    # -------------------------------------------------------------------- tasks

    def _submit(self, request: RecordedRequest) -> _Task:
        if not request.files:
            missing = {"type": "missing", "loc": ["body", "files"], "msg": "Field required"}
            raise HTTPError(422, [missing])
        target = (request.fields.get("target_type") or ["inbody"])[0]
        if target == "presigned_url":
            raise HTTPError(422, NO_ARTIFACT_STORAGE)
        if target != "inbody":
            raise HTTPError(422, f"target_type {target!r} is not supported by the stand-in")
        try:
            options = request.options()
        except ValidationError as exc:
            raise HTTPError(422, json.loads(exc.json())) from exc
        task = _Task(uuid.uuid4().hex, request.files[0], options)
        with self._lock:
            self.tasks[task.task_id] = task
        threading.Thread(target=self._work, args=(task,), daemon=True, name="fake-docling").start()
        return task

    def _task(self, task_id: str) -> _Task:
        with self._lock:
            task = self.tasks.get(task_id)
        if task is None:
            raise HTTPError(404, "Task not found.")
        return task

    def _poll(self, task_id: str, request: RecordedRequest) -> _Task:
        task = self._task(task_id)
        wait = float((request.query.get("wait") or ["0"])[0])
        task.done.wait(min(wait, 30.0))
        return task

    def _result(self, task_id: str) -> str:
        task = self._task(task_id)
        if not task.done.is_set():
            raise HTTPError(404, "Task result not found. Please wait for a completion status.")
        if task.failure is not None:
            return TaskFailureResult(failure=task.failure).model_dump_json()
        assert task.result is not None
        return task.result.model_dump_json(by_alias=True)

    def _work(self, task: _Task) -> None:
        task.status = ConversionStatus.STARTED
        if self._stopping.wait(self.task_delay_s):
            return
        try:
            if self.task_failure is not None:
                task.failure = self.task_failure
            else:
                task.result = self._convert(task)
        except Exception as exc:  # a crashed worker: the task fails, as on the real server
            task.failure = PublicFailureInfo(
                category=FailureCategory.INTERNAL,
                message=type(exc).__name__,
                retryable=False,
                phase=FailurePhase.EXECUTION,
            )
        task.status = ConversionStatus.FAILURE if task.failure else ConversionStatus.SUCCESS
        task.done.set()

    def _convert(self, task: _Task) -> ConvertDocumentResponse:
        options = task.options
        stream = DocumentStream(name=task.upload.filename, stream=io.BytesIO(task.upload.data))
        started = time.monotonic()
        first_page, last_page = options.page_range
        with self._convert_lock:
            result = self._converter(options).convert(
                stream, raises_on_error=False, page_range=(first_page, last_page)
            )
        document = ExportDocumentResponse(filename=task.upload.filename)
        if result.status in _EXPORTABLE and OutputFormat.JSON in options.to_formats:
            document.json_content = result.document._make_copy_with_refmode(
                Path(), options.image_export_mode, page_no=None
            )
        return ConvertDocumentResponse(
            document=document,
            status=result.status,
            errors=result.errors,
            processing_time=time.monotonic() - started,
        )

    def _converter(self, options: ConvertDocumentsOptions) -> DocumentConverter:
        """Real Docling, model-free native PDF pipeline; one converter per option set."""
        from docling.datamodel.base_models import InputFormat
        from docling.datamodel.pipeline_options import NativePdfPipelineOptions
        from docling.document_converter import NativePdfFormatOption

        key = (tuple(options.from_formats), options.document_timeout)
        with self._lock:
            if key not in self._converters:
                pdf = NativePdfPipelineOptions(generate_picture_images=False)
                pdf.document_timeout = options.document_timeout
                self._converters[key] = DocumentConverter(
                    allowed_formats=list(options.from_formats),
                    format_options={InputFormat.PDF: NativePdfFormatOption(pipeline_options=pdf)},
                )
            return self._converters[key]


# --------------------------------------------------------------------- multipart


def _parse_multipart(
    body: bytes, content_type: str
) -> tuple[dict[str, list[str]], list[UploadedFile]]:
    """Split a ``multipart/form-data`` body into form fields and uploaded files."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not content_type.startswith("multipart/form-data") or match is None:
        return {}, []
    fields: dict[str, list[str]] = {}
    files: list[UploadedFile] = []
    for part in body.split(b"--" + match.group(1).encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, value = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        value = value.removesuffix(b"\r\n")
        headers = _part_headers(head)
        disposition = headers.get("content-disposition", "")
        name = _header_param(disposition, "name")
        filename = _header_param(disposition, "filename")
        if filename is not None:
            content = headers.get("content-type", "application/octet-stream")
            files.append(UploadedFile(filename, content, value))
        elif name is not None:
            fields.setdefault(name, []).append(value.decode())
    return fields, files


def _part_headers(head: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in head.decode("utf-8", "replace").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers


def _header_param(header: str, param: str) -> str | None:
    match = re.search(rf'(?:^|;)\s*{param}="([^"]*)"', header)
    return match.group(1) if match else None


def _form_to_options(fields: dict[str, list[str]]) -> dict[str, Any]:
    """Form fields to option values: list-typed options keep every value, others the first.

    Nested options arrive JSON-encoded; the options model decodes those itself.
    """
    values: dict[str, Any] = {}
    for name, raw in fields.items():
        info = ConvertDocumentsOptions.model_fields.get(name)
        if info is not None:
            values[name] = raw if _is_sequence(info.annotation) else raw[0]
    return values


def _is_sequence(annotation: Any) -> bool:
    """``list[...]``, ``tuple[...]`` or an optional one."""
    candidates = [annotation, *get_args(annotation)]
    return any(get_origin(candidate) in (list, tuple) for candidate in candidates)
