"""Docling conversion of every supported format, and clear errors for bad files."""

from __future__ import annotations

import gzip
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import rag.convert
import rag.convert_process
from rag.chunking import Chunker, make_tokenizer
from rag.convert import Converter, libreoffice_available, resolve_pdf_pipeline
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
from tests.rag import formatfiles
from tests.rag.badfiles import image_only_pdf, text_pdf, zip_bomb
from tests.waiting import wait_until


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
        ("handover.odt", "office-walrus"),
        ("stock.ods", "office-gecko"),
        ("review.odp", "office-puffin"),
        ("article.nxml", "jats-pelican"),
        ("patent.xml", "uspto-otter"),
    ],
)
def test_other_formats_convert(converter: Converter, name: str, expected: str) -> None:
    assert expected in text_of(converter, FORMATS / name)


@pytest.mark.parametrize(
    ("name", "build", "pipeline"),
    [
        ("guide.epub", formatfiles.epub, "epub"),
        ("doors.mhtml", formatfiles.mhtml, "mhtml"),
        ("minutes.pages", formatfiles.pages, "iwork_pages"),
        ("launch.key", formatfiles.keynote, "iwork_keynote"),
        ("inventory.numbers", formatfiles.numbers, "iwork_numbers"),
    ],
)
def test_built_formats_convert(
    converter: Converter, name: str, build: Callable[[str], bytes], pipeline: str
) -> None:
    converted = converter.convert(name, build("format-kingfisher"))

    assert "format-kingfisher" in converted.document.export_to_markdown()
    assert converted.pipeline == pipeline


def test_pages_slides_and_sheets_are_counted(converter: Converter) -> None:
    keynote = converter.convert("launch.key", formatfiles.keynote("x"))
    numbers = converter.convert("inventory.numbers", formatfiles.numbers("x"))
    xlsm = converter.convert("sheet.xlsm", (FORMATS / "sheet.xlsx").read_bytes())

    assert (keynote.pages, keynote.tables) == (2, 0)
    assert (numbers.pages, numbers.tables) == (1, 1)
    assert xlsm.pipeline == "xlsx"
    assert "sprocket-X99" in xlsm.document.export_to_markdown()


def test_xml_is_read_as_the_kind_its_doctype_names(converter: Converter) -> None:
    article = FORMATS / "article.nxml"
    patent = FORMATS / "patent.xml"

    assert converter.convert("article.xml", article.read_bytes()).pipeline == "xml_jats"
    assert converter.convert(patent.name, patent.read_bytes()).pipeline == "xml_uspto"
    with pytest.raises(UnsupportedFormatError) as caught:
        converter.convert("pom.xml", b'<?xml version="1.0"?><project><name>x</name></project>')
    assert "JATS" in caught.value.user_message


@pytest.fixture
def without_libreoffice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DOCLING_LIBREOFFICE_CMD", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice, no libreoffice
    assert not libreoffice_available()


@pytest.mark.parametrize(
    ("name", "modern"),
    [("handover.doc", ".docx"), ("handover.rtf", ".docx"), ("stock.xls", ".xlsx")],
)
def test_legacy_office_without_libreoffice_is_refused_in_one_sentence(
    converter: Converter, without_libreoffice: None, name: str, modern: str
) -> None:
    with pytest.raises(UnsupportedFormatError) as caught:
        converter.convert(name, (FORMATS / name).read_bytes())

    message = caught.value.user_message
    assert "LibreOffice" in message
    assert modern in message
    assert "\n" not in message


needs_libreoffice = pytest.mark.skipif(
    not libreoffice_available(), reason="LibreOffice (soffice) is not installed"
)


@needs_libreoffice
@pytest.mark.parametrize(
    ("name", "expected", "pages"),
    [
        ("handover.doc", "office-walrus", 0),
        ("handover.rtf", "rtf-walrus", 0),
        ("stock.xls", "office-gecko", 1),
        ("review.ppt.gz", "office-puffin", 1),
    ],
)
def test_legacy_office_files_convert_through_libreoffice(
    converter: Converter, name: str, expected: str, pages: int
) -> None:
    data = (FORMATS / name).read_bytes()
    if name.endswith(".gz"):  # LibreOffice writes a 600 kB .ppt for one slide
        data, name = gzip.decompress(data), name.removesuffix(".gz")
    converted = converter.convert(name, data)

    assert expected in converted.document.export_to_markdown()
    assert converted.pages == pages


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
        ("bomb.odt", zip_bomb(), CorruptDocumentError),
        ("bomb.epub", zip_bomb(), CorruptDocumentError),
        ("broken.numbers", b"PK\x03\x04 not an archive", CorruptDocumentError),
        ("binary.xml", b"\x7fELF\x02\x01\x01" + b"\0" * 64, CorruptDocumentError),
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


def test_a_non_paginated_conversion_past_its_timeout_is_killed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Docling reads Markdown in one call it can't interrupt: the child doing it is killed."""
    killed: list[int] = []
    kill = rag.convert_process._kill

    def observed_kill(pid: int) -> None:
        killed.append(pid)
        kill(pid)

    monkeypatch.setattr(rag.convert_process, "_kill", observed_kill)
    hasty = Converter(Settings(_env_file=None, convert_timeout_s=0.5))  # type: ignore[call-arg]
    hasty.convert("warm.md", b"# Warm\n\nThe server is up, so the deadline times the conversion.")
    table = b"| a | b | c |\n|---|---|---|\n" + b"| 1 | 2 | 3 |\n" * 50
    many_tables = b"# Tables\n\n" + b"\n\n".join([table] * 400)

    with pytest.raises(ConversionTimeoutError) as caught:
        hasty.convert("tables.md", many_tables)

    assert caught.value.user_message
    assert len(killed) == 1
    wait_until(lambda: not _running(killed[0]))  # gone, not left converting in the background
    assert hasty.convert("small.md", b"# Small\n\nText.").pages == 0  # the next one works


def test_a_forked_process_gets_its_own_conversion_server_and_leaves_ours_alone() -> None:
    converter = Converter(Settings(_env_file=None))  # type: ignore[call-arg]
    converter.convert("first.md", b"# First\n\nText.")
    server = rag.convert_process._server._process
    assert server is not None

    child = multiprocessing.get_context("fork").Process(target=_convert_one_file)
    child.start()
    child.join(120)

    assert child.exitcode == 0
    assert rag.convert_process._server._process is server
    assert server.poll() is None  # still running: the copy did not stop it
    assert converter.convert("again.md", b"# Again\n\nText.").pages == 0


def _convert_one_file() -> None:
    Converter(Settings(_env_file=None)).convert("child.md", b"# Child\n\nText.")  # type: ignore[call-arg]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


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


def test_the_conversion_server_logs_only_what_this_process_would_print(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    docling = logging.getLogger("docling")
    monkeypatch.setattr(docling, "level", logging.INFO)
    shown = rag.convert_process._docling_level_shown

    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # Python's last resort: warnings
    assert shown() == logging.WARNING
    monkeypatch.setattr(logging.getLogger(), "handlers", [logging.NullHandler(logging.NOTSET)])
    assert shown() == logging.INFO  # a configured handler prints what Docling's logger passes
    monkeypatch.setattr(docling, "level", logging.ERROR)  # a quiet CLI
    assert shown() == logging.ERROR


def test_the_conversion_server_leaves_quietly_when_its_parent_left_during_warm_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A short CLI run can exit before the server has imported Docling: the server's "ready"
    then meets a closed socket, and it must end without a traceback on the CLI's terminal."""
    import signal
    import socket

    monkeypatch.setattr(signal, "signal", lambda *args: None)  # the server's, not this process's
    ours, theirs = socket.socketpair()
    ours.close()

    rag.convert_process.serve(theirs.detach())  # returns; raised BrokenPipeError before
