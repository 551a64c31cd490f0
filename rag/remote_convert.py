"""Convert documents on a Docling Serve instance (``RAGBOT_DOCLING_URL``) instead of in-process.

Heavy PDF work (layout, tables, OCR) can then run on its own, GPU-equipped machines. The
``Converter`` in ``rag.convert`` still runs every pre-flight check here (type, size, emptiness,
zip bombs, page count, encryption) before a byte is sent, and checks the returned
``DoclingDocument`` exactly as it checks a local one, so the chunker sees no difference.

The HTTP work is done by Docling's own client, ``docling.service_client.DoclingServiceClient``
(``pip install 'docling-slim[service-client]'``), used like this:

* ``POST /v1/convert/file/async``: multipart upload, one ``files`` part plus one form field per
  option we set (see `RemoteConverter.request_options`) and ``target_type=inbody``, so the
  document comes back in the result body (no artifact storage or presigned URLs needed);
  headers ``X-Api-Key`` (when configured) and ``Accept-Docling-Document-Version``.
  Answer: ``TaskStatusResponse``.
* ``GET /v1/status/poll/{task_id}?wait=S``: long-polls until the task is ``success`` or
  ``failure``. Polling, not the client's default websocket watcher: it works through any HTTP
  proxy and never puts the API key in a URL.
* ``GET /v1/result/{task_id}``: ``ConvertDocumentResponse`` whose ``document.json_content`` is
  the ``DoclingDocument``, or ``TaskFailureResult`` when the task failed.

The client retries 429/503 (honouring ``Retry-After``), 500/502 and failed GETs a few times;
what is left is mapped to ``rag.errors`` types, see `service_error`.
"""

from __future__ import annotations

import io
import logging
import time
from typing import TYPE_CHECKING

from docling.datamodel.base_models import (
    DocumentStream,
    FailureCategory,
    InputFormat,
    OutputFormat,
)
from docling.datamodel.document import ConversionResult
from docling.datamodel.pipeline_options import ProcessingPipeline
from docling.datamodel.service.options import ConvertDocumentsOptions
from docling.datamodel.service.targets import InBodyTarget
from docling_core.types.doc import ImageRefMode

from rag.errors import (
    ConfigurationError,
    ConversionTimeoutError,
    CorruptDocumentError,
    FileTooLargeError,
    IngestError,
)
from rag.settings import Settings

if TYPE_CHECKING:
    from docling.service_client import DoclingServiceClient, TaskExecutionError

logger = logging.getLogger(__name__)

HTTP_RETRIES = 2  # per request, on 429/503 with Retry-After, 500/502 and failed GETs
MAX_POLL_WAIT_S = 5.0  # server-side wait of one status poll
MAX_READ_TIMEOUT_S = 60.0  # longest silence tolerated on one HTTP response
CONNECT_TIMEOUT_S = 10.0
UNAVAILABLE = "The document converter service is unavailable right now. Please try again later."
REJECTED_CREDENTIALS = (
    "The document converter service rejected ragbot's credentials; an administrator must fix it."
)
SERVICE_REFUSED = "The document converter service refused this file."
_UNAVAILABLE_CATEGORIES = {
    FailureCategory.CAPACITY,
    FailureCategory.INTERNAL,
    FailureCategory.TARGET_UNAVAILABLE,
    FailureCategory.INFERENCE_FAILURE,
}


class ConverterUnavailableError(IngestError):
    """Docling Serve could not be reached or could not do the work; the file may be fine."""

    user_message = UNAVAILABLE


class RemoteConverter:
    """Sends one file at a time to Docling Serve and returns Docling's ``ConversionResult``."""

    def __init__(self, settings: Settings) -> None:
        if not settings.docling_url:
            raise ConfigurationError("RemoteConverter needs RAGBOT_DOCLING_URL")
        _require_service_client()
        self.settings = settings
        self.url = settings.docling_url
        self.ocr = settings.pdf_pipeline != "native"
        self.pipeline = ProcessingPipeline.STANDARD if self.ocr else ProcessingPipeline.NATIVE
        try:
            self._client().close()  # the client validates the URL: fail at start-up, not later
        except ValueError as exc:
            raise ConfigurationError(f"RAGBOT_DOCLING_URL: {exc}") from exc

    @property
    def label(self) -> str:
        """How ``Converter.pdf_pipeline`` reports this converter, e.g. ``remote-standard``."""
        return f"remote-{self.pipeline.value}"

    def request_options(self, fmt: InputFormat) -> ConvertDocumentsOptions:
        """The conversion options sent with every file (only these fields go on the wire)."""
        return ConvertDocumentsOptions(
            from_formats=[fmt],
            to_formats=[OutputFormat.JSON],
            pipeline=self.pipeline,
            do_ocr=self.ocr,
            do_table_structure=self.ocr,
            include_images=False,
            image_export_mode=ImageRefMode.PLACEHOLDER,
            page_range=(1, self.settings.max_pages),
            document_timeout=self.settings.convert_timeout_s,
            abort_on_error=False,
        )

    def convert(self, name: str, data: bytes, fmt: InputFormat) -> tuple[ConversionResult, float]:
        """Convert already-checked bytes; returns the result and the seconds it took.

        Raises an ``IngestError`` subclass when the service fails; a document-level failure
        comes back as the result's status, for the caller to check like a local one.
        """
        from docling.service_client import DoclingServiceClientError

        started = time.monotonic()
        try:
            with self._client() as client:
                job = client.submit(
                    DocumentStream(name=name, stream=io.BytesIO(data)),
                    options=self.request_options(fmt),
                    target=InBodyTarget(),
                )
                result = job.result(timeout=self._remaining(started))
        except DoclingServiceClientError as exc:
            logger.warning("docling-serve conversion failed: %s", exc)
            raise service_error(exc, self.settings.convert_timeout_s) from exc
        if not isinstance(result, ConversionResult):  # only other targets return other types
            raise ConverterUnavailableError(f"unexpected result type {type(result).__name__}")
        return result, time.monotonic() - started

    def _client(self) -> DoclingServiceClient:
        """A client for one conversion (a conversion takes seconds; a client costs nothing)."""
        from docling.service_client import DoclingServiceClient, StatusWatcherKind

        timeout = self.settings.convert_timeout_s
        key = self.settings.docling_api_key
        return DoclingServiceClient(
            url=self.url,
            api_key=key.get_secret_value() if key else "",
            status_watcher=StatusWatcherKind.POLLING,
            poll_server_wait=min(MAX_POLL_WAIT_S, timeout / 4),
            job_timeout=timeout,
            http_retries=HTTP_RETRIES,
            http_connect_timeout=min(CONNECT_TIMEOUT_S, timeout),
            http_read_timeout=min(MAX_READ_TIMEOUT_S, timeout),
        )

    def _remaining(self, started: float) -> float:
        return max(0.0, self.settings.convert_timeout_s - (time.monotonic() - started))


def service_error(exc: Exception, timeout_s: float) -> IngestError:
    """Map a ``docling.service_client`` exception to the ``rag.errors`` type to show users."""
    from docling.service_client import (
        ServiceError,
        ServiceUnavailableError,
        TaskExecutionError,
        TaskTimeoutError,
    )

    if isinstance(exc, TaskTimeoutError) or _timed_out(exc):
        return ConversionTimeoutError(f"docling-serve did not finish within {timeout_s:g}s")
    if isinstance(exc, TaskExecutionError):
        return _task_failure(exc)
    if isinstance(exc, ServiceError) and not isinstance(exc, ServiceUnavailableError):
        return _http_error(exc)
    # unreachable, 5xx after retries, or the task vanished (service restarted, result expired)
    return ConverterUnavailableError(f"docling-serve: {exc}")


def _http_error(exc: Exception) -> IngestError:
    """A non-retryable HTTP answer: bad credentials, quota, a file the service refuses."""
    from docling.service_client import ResponseSchemaMismatchError, ServiceError

    status = exc.status_code if isinstance(exc, ServiceError) else None
    detail = f"docling-serve: {exc}"
    if status in (401, 403):
        return ConverterUnavailableError(detail, user_message=REJECTED_CREDENTIALS)
    if status == 413:
        return FileTooLargeError(detail)
    if status == 402 or status == 429 or isinstance(exc, ResponseSchemaMismatchError):
        return ConverterUnavailableError(detail)
    return IngestError(detail, user_message=SERVICE_REFUSED)


def _task_failure(exc: TaskExecutionError) -> IngestError:
    """The service accepted the file but its task failed; the failure says why."""
    failure = exc.failure
    detail = f"docling-serve task failed: {exc}"
    if failure is None:
        return CorruptDocumentError(detail)
    if failure.category == FailureCategory.TIMEOUT:
        return ConversionTimeoutError(detail)
    if failure.retryable or failure.category in _UNAVAILABLE_CATEGORIES:
        return ConverterUnavailableError(detail)
    if failure.category == FailureCategory.POLICY:
        return IngestError(detail, user_message=SERVICE_REFUSED)
    return CorruptDocumentError(detail)


def _timed_out(exc: BaseException) -> bool:
    """True when an HTTP timeout (not a refused connection) is behind ``exc``."""
    import httpx

    cause = exc.__cause__
    return isinstance(cause, httpx.TimeoutException) and not isinstance(cause, httpx.ConnectTimeout)


def _require_service_client() -> None:
    try:
        import docling.service_client  # noqa: F401
    except ImportError as exc:
        raise ConfigurationError(
            "RAGBOT_DOCLING_URL is set but Docling's service client is not installed: "
            "pip install 'docling-slim[service-client]'"
        ) from exc
