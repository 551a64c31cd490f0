"""Turn a file into a ``DoclingDocument`` with Docling, checking limits and classifying failures.

PDF pipeline (``RAGBOT_PDF_PIPELINE``):

* ``native``: Docling's model-free ``NativePdfPipeline`` (text layer only; no OCR, no layout).
* ``standard``: Docling's layout/table/OCR pipeline (the ``pdf-models`` extra).
* ``auto`` (default): ``standard`` when its packages are installed *and* its layout model is
  already in the local Hugging Face cache (checked with ``local_files_only``, so it never waits
  on the network), else ``native``.

With ``RAGBOT_DOCLING_URL`` set, the checks below still run here, then the file is converted by
that Docling Serve instance (``rag.remote_convert``): its ``standard`` pipeline with OCR, or its
``native`` one when ``RAGBOT_PDF_PIPELINE=native``.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docling.datamodel.base_models import DocumentStream, InputFormat
from docling.datamodel.document import ConversionResult
from docling.document_converter import DocumentConverter, FormatOption
from docling_core.types.doc import DoclingDocument

from rag.components import component
from rag.convert_process import ChildConversion, ChildConversionError, convert_in_child
from rag.convert_process import available as conversion_server_available
from rag.convert_process import start as start_conversion_server
from rag.errors import (
    ConversionTimeoutError,
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    FileTooLargeError,
    IngestError,
    ScannedDocumentError,
    TooManyPagesError,
    UnsupportedFormatError,
)
from rag.formats import format_of
from rag.model_files import downloaded_layout_model, standard_pdf_models_available
from rag.remote_convert import RemoteConverter
from rag.settings import PdfPipeline, Settings

logger = logging.getLogger(__name__)
if logging.getLogger("docling").level == logging.NOTSET:
    # Docling's backends log document text at DEBUG; documents never belong in logs.
    logging.getLogger("docling").setLevel(logging.INFO)

TEXT_FORMATS = {
    InputFormat.MD,
    InputFormat.HTML,
    InputFormat.ASCIIDOC,
    InputFormat.CSV,
    InputFormat.VTT,
    InputFormat.LATEX,
}
# Formats that are zip archives: checked for zip bombs before Docling opens them.
ZIP_FORMATS = {
    InputFormat.DOCX,
    InputFormat.PPTX,
    InputFormat.XLSX,
    InputFormat.ODT,
    InputFormat.ODS,
    InputFormat.ODP,
    InputFormat.EPUB,
    InputFormat.IWORK_PAGES,
    InputFormat.IWORK_KEYNOTE,
    InputFormat.IWORK_NUMBERS,
}
# Text-based formats Docling parses as they are (their own encoding declarations stay valid).
MARKUP_FORMATS = {InputFormat.RTF, InputFormat.MHTML, InputFormat.XML_JATS, InputFormat.XML_USPTO}
# Docling has LibreOffice turn these into DOCX/XLSX/PPTX first.
# Formats Docling converts page by page, stopping itself at its ``document_timeout``.
PAGINATED_FORMATS = {InputFormat.PDF, InputFormat.IMAGE}
LIBREOFFICE_FORMATS = {InputFormat.DOC, InputFormat.RTF, InputFormat.XLS, InputFormat.PPT}
# What the DOCTYPE of an XML file says it is (Docling reads these two kinds of XML).
XML_DOCTYPES = {
    "jats-journalpublishing": InputFormat.XML_JATS,
    "jats-archive": InputFormat.XML_JATS,
    "us-patent-application-v4": InputFormat.XML_USPTO,
    "us-patent-grant-v4": InputFormat.XML_USPTO,
    "us-grant-025": InputFormat.XML_USPTO,
    "patent-application-publication": InputFormat.XML_USPTO,
}
MAX_UNZIPPED_RATIO = 100  # office files compress text well, but not this well: zip bombs do
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
# Docling stops a paginated conversion at its first page (batch) boundary after
# ``document_timeout``; this is how long that last page may take before we stop waiting.
TIMEOUT_GRACE_S = 60.0
# PDF, zip (Office), PNG, JPEG, GIF, Windows and Linux executables: never text, whatever the name
BINARY_SIGNATURES = (
    b"%PDF",
    b"PK\x03\x04",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"MZ",
    b"\x7fELF",
)


@dataclass(frozen=True)
class Converted:
    document: DoclingDocument
    pages: int
    tables: int
    seconds: float
    pipeline: str
    rebuilt_tables: bool = False  # tables rebuilt by rag.pdf_tables (written row by row)


def detect_format(name: str) -> InputFormat:
    return InputFormat(format_of(name))


def resolve_pdf_pipeline(choice: PdfPipeline) -> str:
    if choice != "auto":
        return choice
    return "standard" if standard_pdf_models_available() else "native"


class Converter:
    """A reusable Docling converter (pipelines are built once, on first use)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._build_lock = threading.RLock()
        self.remote = RemoteConverter(settings) if settings.docling_url else None
        if self.remote is not None:
            self.pdf_pipeline = self.remote.label
            self.ocr = self.remote.ocr
        else:
            self.pdf_pipeline = resolve_pdf_pipeline(settings.pdf_pipeline)
            self.ocr = self.pdf_pipeline == "standard"

    def warm_up(self) -> None:
        """Start the process conversions of non-paginated formats are forked from."""
        if self.remote is None and conversion_server_available():
            start_conversion_server()

    @component
    def _docling(self) -> DocumentConverter:
        """Built once, even when several ingestions start at the same time."""
        return DocumentConverter(format_options=self._format_options())

    def _format_options(self) -> dict[InputFormat, FormatOption]:
        from docling.datamodel.pipeline_options import (
            NativePdfPipelineOptions,
            PdfPipelineOptions,
        )
        from docling.document_converter import (
            ImageFormatOption,
            NativePdfFormatOption,
            PdfFormatOption,
        )

        # Docling's own timeout: past it, the pipeline stops at the next page and frees it.
        timeout = self.settings.convert_timeout_s
        if self.pdf_pipeline == "standard":
            options = PdfPipelineOptions(do_ocr=True, do_table_structure=True)
            if layout := downloaded_layout_model():  # ``ragbot models download`` put them there
                options.artifacts_path = layout.parent
            options.document_timeout = timeout
            return {
                InputFormat.PDF: PdfFormatOption(pipeline_options=options),
                InputFormat.IMAGE: ImageFormatOption(pipeline_options=options),
            }
        native = NativePdfPipelineOptions(generate_picture_images=False)
        native.document_timeout = timeout
        return {InputFormat.PDF: NativePdfFormatOption(pipeline_options=native)}

    def check_format(self, name: str) -> InputFormat:
        """The format of a file named ``name`` if it can be read here, else an ``IngestError``
        that says why. Cheap (no Docling run, no bytes): callers use it before fetching a file."""
        fmt = detect_format(name)
        if fmt == InputFormat.IMAGE and not self.ocr:
            raise ScannedDocumentError(
                "image without OCR",
                user_message="I can't read images here: text recognition (OCR) isn't enabled.",
            )
        if fmt in LIBREOFFICE_FORMATS and self.remote is None and not libreoffice_available():
            suffix = Path(name).suffix.lower()
            modern = {"xls": ".xlsx", "ppt": ".pptx"}.get(fmt.value, ".docx")
            raise UnsupportedFormatError(
                f"{suffix} needs LibreOffice (soffice), which is not installed",
                user_message=f"I can't read {suffix} files here: they need LibreOffice, which "
                f"isn't installed. Save the file as {modern} and try again.",
            )
        return fmt

    def convert(self, name: str, data: bytes) -> Converted:
        """Convert bytes named ``name``; raises an ``IngestError`` subclass on any failure."""
        fmt = self.check_format(name)
        self.check_size(len(data))
        if not data.strip():
            raise EmptyDocumentError("zero-byte or blank file", user_message="This file is empty.")
        if fmt in ZIP_FORMATS:
            _check_zip(data)
        page_count = _pdf_preflight(data) if fmt == InputFormat.PDF else 0
        if page_count > self.settings.max_pages:
            raise TooManyPagesError(
                f"{page_count} pages > {self.settings.max_pages}",
                user_message=f"This PDF has {page_count} pages; I read at most "
                f"{self.settings.max_pages}.",
            )
        if fmt in TEXT_FORMATS | MARKUP_FORMATS and _looks_binary(data):
            raise CorruptDocumentError(f"binary data in a {fmt.value} file")
        if fmt in TEXT_FORMATS:
            data = _as_utf8(data)
            name = _normalized_text_name(name, fmt)
        if fmt == InputFormat.XML_JATS:
            fmt = _xml_kind(data)
        return self._with_table_rows(self.read(name, data, fmt), fmt)

    def read(self, name: str, data: bytes, fmt: InputFormat) -> Converted:
        """Docling's conversion of checked bytes (here or on Docling Serve), as Docling gives it."""
        result: ConversionResult | ChildConversion
        if self.remote is not None:
            result, seconds = self.remote.convert(name, data, fmt)
        else:
            result, seconds = self._run_with_timeout(name, data, fmt)
        return self._check_result(result, fmt, seconds)

    def _with_table_rows(self, converted: Converted, fmt: InputFormat) -> Converted:
        """Native PDFs: tables rebuilt from text positions (``rag.pdf_tables``)."""
        if fmt != InputFormat.PDF or not self.settings.table_rows or self.ocr:
            return converted
        from rag.pdf_tables import rebuild_tables

        document, tables = rebuild_tables(converted.document)
        if document is converted.document:  # Docling's own tables, or nothing to rebuild
            return converted
        return dataclasses.replace(
            converted, document=document, tables=tables, rebuilt_tables=tables > 0
        )

    def check_size(self, size: int) -> None:
        limit = self.settings.max_file_bytes
        if size > limit:
            raise FileTooLargeError(
                f"{size} bytes > {limit}",
                user_message=f"This file is {size / 1048576:.1f} MB; I read files up to "
                f"{self.settings.max_file_mb:g} MB.",
            )

    def _run_with_timeout(
        self, name: str, data: bytes, fmt: InputFormat
    ) -> tuple[ConversionResult | ChildConversion, float]:
        """Run Docling where a conversion past its deadline stops using CPU and memory.

        PDFs and images stop themselves at Docling's ``document_timeout`` (checked after each
        page): they run in a worker thread here, with the pipelines built once, and the thread
        has ended, its memory freed, when their timeout is reported. Every other format is read
        in one call Docling can't interrupt: it runs in a child process that is killed at the
        deadline (``rag.convert_process``; where processes can't be forked, Windows, in a thread
        left to finish).
        """
        if fmt not in PAGINATED_FORMATS and conversion_server_available():
            try:
                child = convert_in_child(
                    name,
                    data,
                    timeout_s=self.settings.convert_timeout_s,
                    max_pages=self.settings.max_pages,
                    max_bytes=self.settings.max_file_bytes,
                )
            except ChildConversionError as exc:
                raise _classify(exc) from exc
            return child, child.seconds
        import time

        outcome: dict[str, Any] = {}

        def work() -> None:
            started = time.perf_counter()
            try:
                stream = DocumentStream(name=name, stream=io.BytesIO(data))
                outcome["result"] = self._docling.convert(
                    stream,
                    raises_on_error=False,
                    max_num_pages=self.settings.max_pages,
                    max_file_size=self.settings.max_file_bytes,
                )
            except BaseException as exc:  # surfaced to the caller below
                outcome["error"] = exc
            outcome["seconds"] = time.perf_counter() - started

        thread = threading.Thread(target=work, name="docling-convert", daemon=True)
        thread.start()
        thread.join(self.settings.convert_timeout_s + TIMEOUT_GRACE_S)
        if thread.is_alive():
            logger.warning("a conversion is still running after its timeout; left to finish")
            raise ConversionTimeoutError(f"conversion exceeded {self.settings.convert_timeout_s}s")
        if "error" in outcome:
            raise _classify(outcome["error"]) from outcome["error"]
        return outcome["result"], outcome["seconds"]

    def _check_result(
        self, result: ConversionResult | ChildConversion, fmt: InputFormat, seconds: float
    ) -> Converted:
        from docling.datamodel.base_models import ConversionStatus, FailureCategory

        messages = "; ".join(e.error_message for e in result.errors)[:500]
        if any(e.category == FailureCategory.TIMEOUT for e in result.errors):
            raise ConversionTimeoutError(messages)  # stopped part-way: never a truncated document
        if result.status not in (ConversionStatus.SUCCESS, ConversionStatus.PARTIAL_SUCCESS):
            if "timeout" in messages.lower():
                raise ConversionTimeoutError(messages)
            raise CorruptDocumentError(f"docling status {result.status.value}: {messages}")
        document = result.document
        pages = len(document.pages)
        has_text = any(getattr(item, "text", "").strip() for item, _ in document.iterate_items())
        if not has_text and not document.tables:
            if fmt == InputFormat.PDF and pages:
                raise ScannedDocumentError("PDF pages have no text layer")
            raise EmptyDocumentError("no text found")
        return Converted(document, pages, len(document.tables), seconds, self._pipeline_for(fmt))

    def _pipeline_for(self, fmt: InputFormat) -> str:
        return f"pdf-{self.pdf_pipeline}" if fmt == InputFormat.PDF else fmt.value


def libreoffice_available() -> bool:
    """True when Docling finds LibreOffice (``DOCLING_LIBREOFFICE_CMD``, ``libreoffice`` or
    ``soffice`` on the PATH) to convert legacy Office files and RTF with."""
    from docling.backend.docx.drawingml.utils import get_libreoffice_cmd

    return get_libreoffice_cmd() is not None


def _xml_kind(data: bytes) -> InputFormat:
    """JATS article or USPTO patent, by the DOCTYPE; other XML is refused."""
    head = data[:8192].decode("utf-8", errors="replace")
    doctype = re.search(r"<!DOCTYPE[^>\[]+", head, flags=re.IGNORECASE)
    declared = doctype.group().lower() if doctype else ""
    for marker, fmt in XML_DOCTYPES.items():
        if marker in declared:
            return fmt
    raise UnsupportedFormatError(
        "XML that is neither a JATS article nor a USPTO patent",
        user_message="I can read XML files only when they are scientific articles (JATS) or "
        "US patents (USPTO).",
    )


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise CorruptDocumentError("not a valid Office (zip) file") from exc
    if unpacked > MAX_UNZIPPED_BYTES or unpacked > MAX_UNZIPPED_RATIO * max(len(data), 1):
        raise CorruptDocumentError(
            f"archive expands to {unpacked} bytes from {len(data)}",
            user_message="This file expands to far more data than a real document would "
            "(a possible zip bomb), so I won't open it.",
        )


def _pdf_preflight(data: bytes) -> int:
    """Open the PDF with pdfium to count pages and spot encryption or damage early."""
    import pypdfium2 as pdfium

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise CorruptDocumentError("no PDF header")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text or "security" in text:
            raise EncryptedDocumentError(str(exc)) from exc
        raise CorruptDocumentError(str(exc)) from exc
    try:
        return len(pdf)
    finally:
        pdf.close()


def _looks_binary(data: bytes) -> bool:
    """A known binary signature, NUL bytes or many control characters: not text, whatever the
    extension says."""
    head = data[:8192]
    if head.lstrip()[:4].startswith(BINARY_SIGNATURES):
        return True
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with a byte order mark
        return False
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\f\r")
    return b"\x00" in head or controls > len(head) // 10


def _as_utf8(data: bytes) -> bytes:
    """Text formats in any common encoding become UTF-8 (Docling expects UTF-8)."""
    encodings = ["utf-16"] if data[:2] in (b"\xff\xfe", b"\xfe\xff") else []
    for encoding in [*encodings, "utf-8-sig"]:
        try:
            return data.decode(encoding).encode("utf-8")
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace").encode("utf-8")


def _normalized_text_name(name: str, fmt: InputFormat) -> str:
    if fmt == InputFormat.MD and not name.lower().endswith((".md", ".markdown")):
        return f"{Path(name).stem}.md"
    return name


def _classify(exc: BaseException) -> IngestError:
    if isinstance(exc, IngestError):
        return exc
    text = str(exc).lower()
    if "password" in text or "encrypt" in text:
        return EncryptedDocumentError(f"{type(exc).__name__}")
    logger.warning("docling failed: %s", type(exc).__name__, exc_info=exc)
    return CorruptDocumentError(f"{type(exc).__name__}: {str(exc)[:300]}")
