"""Conversion on Docling Serve (``RAGBOT_DOCLING_URL``), through Docling's own HTTP client.

The service is `FakeDoclingServe`, a local stand-in of the Docling Serve API that converts with
real in-process Docling (native PDF pipeline); the real ``docling-serve`` needs torch and the
layout/OCR models. What is real here: Docling's ``DoclingServiceClient`` and its HTTP traffic,
our adapter, the pre-flight checks, the returned ``DoclingDocument``, the chunker, Milvus Lite
and the embedding model. What is not: the server, and so OCR and the layout model.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import pytest
from docling.datamodel.base_models import FailureCategory
from docling.datamodel.service.responses import FailurePhase, PublicFailureInfo
from pydantic import SecretStr, ValidationError

from rag.chunking import Chunker, make_tokenizer
from rag.convert import Converter
from rag.embeddings import Embedder
from rag.errors import (
    ConfigurationError,
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
from rag.knowledge_base import KnowledgeBase
from rag.remote_convert import (
    HTTP_RETRIES,
    REJECTED_CREDENTIALS,
    SERVICE_REFUSED,
    UNAVAILABLE,
    ConverterUnavailableError,
)
from rag.settings import DEFAULT_LOCAL_EMBEDDING_MODEL, Settings
from tests.conftest import SAMPLES
from tests.fakes.docling_serve import FakeDoclingServe, Fault
from tests.net import free_port
from tests.rag.badfiles import text_pdf, zip_bomb

API_KEY = "docling-test-key"


def make_settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def service() -> Iterator[FakeDoclingServe]:
    with FakeDoclingServe(api_key=API_KEY) as fake:
        yield fake


@pytest.fixture
def fake(service: FakeDoclingServe) -> Iterator[FakeDoclingServe]:
    service.reset()
    yield service
    service.reset()


def remote(fake: FakeDoclingServe, **values: object) -> Converter:
    return Converter(make_settings(docling_url=fake.base_url, docling_api_key=API_KEY, **values))


@pytest.fixture(scope="module")
def local() -> Converter:
    return Converter(make_settings(pdf_pipeline="native"))


@pytest.fixture(scope="module")
def chunker() -> Chunker:
    return Chunker(make_tokenizer(DEFAULT_LOCAL_EMBEDDING_MODEL, 256))


# --- the same documents as local conversion ------------------------------------------------
@pytest.mark.parametrize("name", ["product-specs.pdf", "onboarding.docx"])
def test_samples_convert_remotely_like_locally(
    fake: FakeDoclingServe, local: Converter, chunker: Chunker, name: str
) -> None:
    data = (SAMPLES / name).read_bytes()

    here = local.convert(name, data)
    there = remote(fake).convert(name, data)

    assert there.document.export_to_markdown() == here.document.export_to_markdown()
    assert (there.pages, there.tables) == (here.pages, here.tables)
    remote_chunks = chunker.chunk(there.document)
    local_chunks = chunker.chunk(here.document)
    assert [(c.text, c.pages, c.headings) for c in remote_chunks] == [
        (c.text, c.pages, c.headings) for c in local_chunks
    ]
    assert len(fake.uploads) == 1


def test_pdf_pages_survive_the_round_trip(fake: FakeDoclingServe, chunker: Chunker) -> None:
    pdf = SAMPLES / "product-specs.pdf"

    converted = remote(fake).convert(pdf.name, pdf.read_bytes())

    assert converted.pages == 3
    assert converted.pipeline == "pdf-remote-standard"
    assert "1,200 kg" in converted.document.export_to_markdown()
    assert {page for chunk in chunker.chunk(converted.document) for page in chunk.pages} == {
        1,
        2,
        3,
    }


# --- what goes over the wire -----------------------------------------------------------------
def test_the_request_carries_our_options_and_the_file(fake: FakeDoclingServe) -> None:
    pdf = SAMPLES / "product-specs.pdf"

    remote(fake, max_pages=40, convert_timeout_s=90).convert(pdf.name, pdf.read_bytes())

    (upload,) = fake.uploads
    options = upload.options()
    assert [f.value for f in options.from_formats] == ["pdf"]
    assert [f.value for f in options.to_formats] == ["json"]
    assert options.pipeline.value == "standard"
    assert options.do_ocr is True
    assert options.do_table_structure is True
    assert options.page_range == (1, 40)
    assert options.document_timeout == 90
    assert options.include_images is False
    assert options.image_export_mode.value == "placeholder"
    assert upload.fields["target_type"] == ["inbody"]
    assert [(f.filename, f.content_type, f.data) for f in upload.files] == [
        (pdf.name, "application/pdf", pdf.read_bytes())
    ]
    assert upload.headers["x-api-key"] == API_KEY
    assert upload.headers["accept-docling-document-version"]


def test_the_client_polls_then_fetches_the_result(fake: FakeDoclingServe) -> None:
    remote(fake).convert("handbook.md", (SAMPLES / "handbook.md").read_bytes())

    routes = [(r.method, r.path.rsplit("/", 1)[0]) for r in fake.requests]
    (task_id,) = fake.tasks
    assert routes[0] == ("POST", "/v1/convert/file")
    assert set(routes[1:-1]) == {("GET", "/v1/status/poll")}
    assert routes[-1] == ("GET", "/v1/result")
    assert fake.requests[-1].path == f"/v1/result/{task_id}"
    assert float(fake.requests[1].query["wait"][0]) > 0  # long polling, not a busy loop


def test_native_pipeline_setting_asks_for_no_ocr(fake: FakeDoclingServe) -> None:
    converter = remote(fake, pdf_pipeline="native")
    pdf = SAMPLES / "product-specs.pdf"

    converter.convert(pdf.name, pdf.read_bytes())

    options = fake.uploads[0].options()
    assert (options.pipeline.value, options.do_ocr, options.do_table_structure) == (
        "native",
        False,
        False,
    )
    assert converter.pdf_pipeline == "remote-native"
    with pytest.raises(ScannedDocumentError):  # images need OCR: refused before sending
        converter.convert("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    assert len(fake.uploads) == 1


def test_text_is_normalised_before_it_is_sent(fake: FakeDoclingServe) -> None:
    data = "Café policy: crème brûlée on Fridays.".encode("cp1252")

    converted = remote(fake).convert("menu.txt", data)

    (upload,) = fake.uploads
    assert upload.files[0].filename == "menu.md"
    assert upload.files[0].data == "Café policy: crème brûlée on Fridays.".encode()
    assert "crème brûlée" in converted.document.export_to_markdown()


# --- pre-flight checks stay local ------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("empty.md", b"", EmptyDocumentError),
        ("blank.txt", b"  \n\n  ", EmptyDocumentError),
        ("truncated.pdf", text_pdf(3)[:400], CorruptDocumentError),
        ("lying.pdf", b"This is plain text pretending to be a PDF.", CorruptDocumentError),
        ("broken.docx", b"PK\x03\x04 definitely not a zip archive", CorruptDocumentError),
        ("bomb.docx", zip_bomb(), CorruptDocumentError),
        ("locked.pdf", text_pdf(1, encrypt="secret"), EncryptedDocumentError),
        ("long.pdf", text_pdf(3), TooManyPagesError),
        ("big.md", b"# Big\n\n" + b"word " * 30_000, FileTooLargeError),
        ("program.exe", b"MZ\x90\x00", UnsupportedFormatError),
        ("noextension", b"hello", UnsupportedFormatError),
    ],
)
def test_bad_files_are_refused_before_anything_is_sent(
    fake: FakeDoclingServe, name: str, data: bytes, error: type[IngestError]
) -> None:
    converter = remote(fake, max_file_mb=0.1, max_pages=2)

    with pytest.raises(error) as caught:
        converter.convert(name, data)

    assert caught.value.user_message
    assert fake.requests == []


def test_returned_documents_get_the_same_checks(fake: FakeDoclingServe) -> None:
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawImage(ImageReader(Image.new("RGB", (60, 20), "white")), 50, 500)
    pdf.showPage()
    pdf.save()

    with pytest.raises(ScannedDocumentError):  # passes pre-flight; no text comes back
        remote(fake).convert("scan.pdf", buffer.getvalue())
    assert len(fake.uploads) == 1


# --- service failures ------------------------------------------------------------------------
def _assert_user_facing(error: IngestError) -> None:
    assert error.user_message
    assert "Traceback" not in error.user_message
    assert API_KEY not in str(error)


def test_503_means_the_service_is_unavailable(fake: FakeDoclingServe) -> None:
    fake.add_fault("submit", Fault(status=503))

    with pytest.raises(ConverterUnavailableError) as caught:
        remote(fake).convert("handbook.md", b"# Handbook\n\nHello.")

    assert caught.value.user_message == UNAVAILABLE
    assert "converter service is unavailable" in caught.value.user_message
    _assert_user_facing(caught.value)


def test_503_with_retry_after_is_retried(fake: FakeDoclingServe) -> None:
    fake.add_fault("submit", Fault(status=503, retry_after="0"))

    converted = remote(fake).convert("handbook.md", b"# Handbook\n\nTwenty-five days.")

    assert "Twenty-five days" in converted.document.export_to_markdown()
    assert len(fake.uploads) == 2


def test_503_that_persists_gives_up_after_the_retries(fake: FakeDoclingServe) -> None:
    for _ in range(HTTP_RETRIES + 1):
        fake.add_fault("submit", Fault(status=503, retry_after="0"))

    with pytest.raises(ConverterUnavailableError):
        remote(fake).convert("handbook.md", b"# Handbook\n\nHello.")

    assert len(fake.uploads) == HTTP_RETRIES + 1


def test_unreachable_service() -> None:
    converter = Converter(make_settings(docling_url=f"http://127.0.0.1:{free_port()}"))

    started = time.monotonic()
    with pytest.raises(ConverterUnavailableError) as caught:
        converter.convert("handbook.md", b"# Handbook\n\nHello.")

    assert time.monotonic() - started < 5
    assert caught.value.user_message == UNAVAILABLE
    _assert_user_facing(caught.value)


def test_wrong_api_key(fake: FakeDoclingServe) -> None:
    converter = Converter(make_settings(docling_url=fake.base_url, docling_api_key="wrong"))

    with pytest.raises(ConverterUnavailableError) as caught:
        converter.convert("handbook.md", b"# Handbook\n\nHello.")

    assert caught.value.user_message == REJECTED_CREDENTIALS
    assert "wrong" not in str(caught.value)


@pytest.mark.parametrize(
    ("category", "retryable", "error"),
    [
        (FailureCategory.BACKEND_FAILURE, False, CorruptDocumentError),
        (FailureCategory.CAPACITY, True, ConverterUnavailableError),
        (FailureCategory.INTERNAL, False, ConverterUnavailableError),
        (FailureCategory.TIMEOUT, False, ConversionTimeoutError),
        (FailureCategory.POLICY, False, IngestError),
    ],
)
def test_task_failures_are_typed(
    fake: FakeDoclingServe, category: FailureCategory, retryable: bool, error: type[IngestError]
) -> None:
    fake.task_failure = PublicFailureInfo(
        category=category,
        message="worker said no",
        retryable=retryable,
        phase=FailurePhase.EXECUTION,
    )

    with pytest.raises(error) as caught:
        remote(fake).convert("handbook.md", b"# Handbook\n\nHello.")

    assert type(caught.value) is error
    assert "worker said no" in str(caught.value)
    _assert_user_facing(caught.value)
    if category == FailureCategory.POLICY:
        assert caught.value.user_message == SERVICE_REFUSED


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault(status=413, detail="Request Entity Too Large"), FileTooLargeError),
        (Fault(status=422, detail="page_range is invalid"), IngestError),
        (Fault(status=402, detail="usage limit"), ConverterUnavailableError),
    ],
)
def test_refused_submissions_are_typed(
    fake: FakeDoclingServe, fault: Fault, error: type[IngestError]
) -> None:
    fake.add_fault("submit", fault)

    with pytest.raises(error) as caught:
        remote(fake).convert("handbook.md", b"# Handbook\n\nHello.")

    assert type(caught.value) is error
    _assert_user_facing(caught.value)


def test_a_lost_task_means_the_service_is_unavailable(fake: FakeDoclingServe) -> None:
    fake.task_delay_s = 0.5
    fake.add_fault("poll", Fault(status=404, detail="Task not found."))  # e.g. it restarted

    with pytest.raises(ConverterUnavailableError):
        remote(fake).convert("handbook.md", b"# Handbook\n\nHello.")


def test_a_task_that_runs_too_long_times_out(fake: FakeDoclingServe) -> None:
    fake.task_delay_s = 10

    started = time.monotonic()
    with pytest.raises(ConversionTimeoutError) as caught:
        remote(fake, convert_timeout_s=1).convert("handbook.md", b"# Handbook\n\nHello.")

    assert time.monotonic() - started < 3
    _assert_user_facing(caught.value)


def test_a_service_that_does_not_answer_times_out(fake: FakeDoclingServe) -> None:
    fake.add_fault("submit", Fault(delay_s=10))

    started = time.monotonic()
    with pytest.raises(ConversionTimeoutError):
        remote(fake, convert_timeout_s=1).convert("handbook.md", b"# Handbook\n\nHello.")

    assert time.monotonic() - started < 3


def test_the_stand_in_refuses_presigned_targets_like_a_server_without_storage(
    fake: FakeDoclingServe,
) -> None:
    """Docling's high-level ``convert()`` asks for presigned URLs first; we ask for in-body."""
    from docling.service_client import DoclingServiceClient, StatusWatcherKind

    watcher = StatusWatcherKind.POLLING
    with DoclingServiceClient(fake.base_url, api_key=API_KEY, status_watcher=watcher) as client:
        result = client.convert(SAMPLES / "handbook.md")

    targets = [r.fields["target_type"] for r in fake.uploads]
    assert targets == [["presigned_url"], ["inbody"]]  # refused with NO_ARTIFACT_STORAGE, then
    assert "25 days" in result.document.export_to_markdown()


# --- configuration -----------------------------------------------------------------------------
def test_without_a_url_nothing_changes(
    fake: FakeDoclingServe, local: Converter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAGBOT_DOCLING_URL", "  ")
    settings = make_settings(pdf_pipeline="native")

    converter = Converter(settings)
    converted = converter.convert("handbook.md", (SAMPLES / "handbook.md").read_bytes())

    assert settings.docling_url is None
    assert converter.remote is None
    assert converter.pdf_pipeline == "native"
    assert converted.pipeline == "md"
    assert fake.requests == []


def test_the_url_and_key_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGBOT_DOCLING_URL", "http://docling:5001/v1/")
    monkeypatch.setenv("RAGBOT_DOCLING_API_KEY", "s3cret")

    settings = make_settings()
    converter = Converter(settings)

    assert settings.docling_url == "http://docling:5001"
    assert settings.docling_api_key is not None
    assert "s3cret" not in repr(settings)
    assert converter.remote is not None
    assert converter.pdf_pipeline == "remote-standard"


def test_a_url_that_is_not_http_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGBOT_DOCLING_URL", "docling:5001")

    with pytest.raises(ValidationError, match="docling_url"):
        make_settings()
    with pytest.raises(ConfigurationError, match="RAGBOT_DOCLING_URL"):
        Converter(make_settings(docling_url="http://docling:5001?x=1"))


# --- end to end --------------------------------------------------------------------------------
def test_knowledge_base_ingests_through_the_service_and_finds_it(
    fake: FakeDoclingServe, settings: Settings, embedder: Embedder
) -> None:
    settings = settings.model_copy(
        update={"docling_url": fake.base_url, "docling_api_key": SecretStr(API_KEY)}
    )
    kb = KnowledgeBase(settings, embedder=embedder)
    try:
        receipt = kb.ingest_path(SAMPLES / "product-specs.pdf")
        hits = kb.search("What payload can the robot lift?", None, k=3)
        stats = kb.stats()
    finally:
        kb.close()

    assert receipt.outcome == "added"
    assert receipt.chunks >= 1
    assert any("1,200 kg" in hit.text and hit.pages for hit in hits)
    assert hits[0].source == "product-specs.pdf"
    assert stats["pdf_pipeline"] == "remote-standard"
    assert len(fake.uploads) == 1
