"""Docling conversion of every supported format, and clear errors for bad files."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import rag.convert
from rag.chunking import Chunker, make_tokenizer
from rag.convert import Converter, resolve_pdf_pipeline
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
from rag.settings import DEFAULT_LOCAL_EMBEDDING_MODEL, Settings
from tests.conftest import FORMATS, SAMPLES
from tests.rag.badfiles import image_only_pdf, text_pdf, zip_bomb


@pytest.fixture(scope="module")
def converter() -> Converter:
    return Converter(Settings(_env_file=None, pdf_pipeline="native"))  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def chunker() -> Chunker:
    return Chunker(make_tokenizer(DEFAULT_LOCAL_EMBEDDING_MODEL, 256))


def text_of(converter: Converter, path: Path) -> str:
    return converter.convert(path.name, path.read_bytes()).document.export_to_markdown()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("handbook.md", "25 days"),
        ("onboarding.docx", "NW-LAP-0042"),
        ("security.html", "4242"),
        ("product-specs.pdf", "1,200 kg"),
    ],
)
def test_samples_convert(converter: Converter, name: str, expected: str) -> None:
    assert expected in text_of(converter, SAMPLES / name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sheet.xlsx", "sprocket-X99"),
        ("deck.pptx", "quarterly-kaizen"),
        ("notes.adoc", "asciidoc-zebra"),
        ("table.csv", "csv-walrus"),
        ("plain.txt", "plaintext-otter"),
        ("meeting.vtt", "vtt-heron"),
        ("paper.tex", "latex-lynx"),
        ("message.eml", "email-puffin"),
    ],
)
def test_other_formats_convert(converter: Converter, name: str, expected: str) -> None:
    assert expected in text_of(converter, FORMATS / name)


def test_pdf_chunks_carry_pages_and_docx_chunks_carry_headings(
    converter: Converter, chunker: Chunker
) -> None:
    pdf = SAMPLES / "product-specs.pdf"
    pdf_chunks = chunker.chunk(converter.convert(pdf.name, pdf.read_bytes()).document)
    docx = SAMPLES / "onboarding.docx"
    docx_chunks = chunker.chunk(converter.convert(docx.name, docx.read_bytes()).document)

    assert {page for chunk in pdf_chunks for page in chunk.pages} == {1, 2, 3}
    assert all(chunk.pages for chunk in pdf_chunks)
    assert all(chunk.headings for chunk in docx_chunks[1:])
    assert all(chunk.search_text.endswith(chunk.text) for chunk in docx_chunks)
    assert [chunk.index for chunk in docx_chunks] == list(range(len(docx_chunks)))


def test_non_utf8_text_is_decoded(converter: Converter) -> None:
    data = "Café policy: crème brûlée on Fridays.".encode("cp1252")

    assert "crème brûlée" in converter.convert("menu.txt", data).document.export_to_markdown()


def test_auto_pdf_pipeline_is_native_without_local_models() -> None:
    assert resolve_pdf_pipeline("auto") == "native"
    assert resolve_pdf_pipeline("standard") == "standard"


# --- bad files ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("empty.md", b"", EmptyDocumentError),
        ("blank.txt", b"  \n\n  ", EmptyDocumentError),
        ("truncated.pdf", text_pdf(3)[:400], CorruptDocumentError),
        ("lying.pdf", b"This is plain text pretending to be a PDF.", CorruptDocumentError),
        ("broken.docx", b"PK\x03\x04 definitely not a zip archive", CorruptDocumentError),
        ("broken.xlsx", b"\x00\x01\x02 not a spreadsheet", CorruptDocumentError),
        ("bomb.docx", zip_bomb(), CorruptDocumentError),
        ("locked.pdf", text_pdf(1, encrypt="secret"), EncryptedDocumentError),
        ("scan.pdf", image_only_pdf(), ScannedDocumentError),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, ScannedDocumentError),
        ("program.exe", b"MZ\x90\x00", UnsupportedFormatError),
        ("noextension", b"hello", UnsupportedFormatError),
    ],
)
def test_bad_files_raise_clear_errors(
    converter: Converter, name: str, data: bytes, error: type[IngestError]
) -> None:
    with pytest.raises(error) as caught:
        converter.convert(name, data)

    assert caught.value.user_message
    assert "Traceback" not in caught.value.user_message


def test_size_and_page_limits() -> None:
    strict = Converter(
        Settings(_env_file=None, pdf_pipeline="native", max_file_mb=0.01, max_pages=2)  # type: ignore[call-arg]
    )

    with pytest.raises(FileTooLargeError, match="bytes"):
        strict.convert("big.md", b"# Big\n\n" + b"word " * 5000)
    with pytest.raises(TooManyPagesError) as caught:
        strict.convert("long.pdf", text_pdf(3))
    assert "3 pages" in caught.value.user_message


# --- timeouts and concurrency --------------------------------------------------------------
def test_a_conversion_past_its_timeout_stops_and_is_refused() -> None:
    hasty = Converter(
        Settings(_env_file=None, pdf_pipeline="native", convert_timeout_s=0.001)  # type: ignore[call-arg]
    )

    with pytest.raises(ConversionTimeoutError) as caught:
        hasty.convert("long.pdf", text_pdf(40))  # Docling stops after its first page

    assert caught.value.user_message
    # stopped, not left running in the background: its thread (and memory) is gone
    assert [t for t in threading.enumerate() if t.name == "docling-convert"] == []


def test_the_docling_converter_is_built_once_under_concurrent_first_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    converter = Converter(Settings(_env_file=None, pdf_pipeline="native"))  # type: ignore[call-arg]
    building, finish, second_asks = threading.Event(), threading.Event(), threading.Event()
    built: list[object] = []

    def slow_build(**options: object) -> object:
        building.set()
        assert finish.wait(60)
        built.append(object())
        return built[-1]

    class ObservedLock:
        """The converter's build lock, noting when a second thread asks for it."""

        def __init__(self, lock: Any) -> None:
            self.lock = lock

        def __enter__(self) -> None:
            if building.is_set():
                second_asks.set()
            self.lock.acquire()

        def __exit__(self, *exc: object) -> None:
            self.lock.release()

    monkeypatch.setattr(rag.convert, "DocumentConverter", slow_build)
    monkeypatch.setattr(converter, "_build_lock", ObservedLock(converter._build_lock))
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(lambda: converter._docling)
        assert building.wait(60)
        second = pool.submit(lambda: converter._docling)
        assert second_asks.wait(60), "the second caller did not wait for the first build"
        finish.set()
        results = [first.result(60), second.result(60)]

    assert len(built) == 1
    assert results == [built[0], built[0]]
