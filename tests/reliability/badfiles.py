"""Hostile and broken files, built in memory, each with what the user should be told."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
FORMATS = REPO / "tests" / "fixtures" / "formats"
MAX_PAGES = 5
JUNK_HTML_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class BadFile:
    name: str
    content: bytes
    says: str  # part of the message the user must get


def zip_bomb_docx() -> bytes:
    """A real DOCX plus 20 MB of zeros that deflate to ~20 KB (ratio far above any document)."""
    buffer = io.BytesIO()
    source = (SAMPLES / "onboarding.docx").read_bytes()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as src,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in src.infolist():
            out.writestr(item, src.read(item))
        out.writestr("word/media/image1.bin", b"\0" * (20 * 1024 * 1024))
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in range(200):
        sheet.append([f"item {row}", row, row * 2.5])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def pdf_with_pages(pages: int) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for page in range(pages):
        pdf.drawString(72, 720, f"Page {page + 1} of the long report about turbines.")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def junk_html(visible: str = "") -> bytes:
    """10 MB of scripts, styles and comments around ``visible`` (the only readable text)."""
    line = "var tracker = '" + "A" * 1000 + "';\n"
    scripts = "<script>" + line * (JUNK_HTML_BYTES // len(line)) + "</script>"
    body = f"<p>{visible}</p>" if visible else ""
    return (
        f"<html><head>{scripts}<style>p {{ color: red }}</style></head><body>"
        f"<!-- {'z' * 10000} -->{body}<script>document.write('injected')</script></body></html>"
    ).encode()


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def bad_files() -> list[BadFile]:
    pdf = (SAMPLES / "product-specs.pdf").read_bytes()
    docx = (SAMPLES / "onboarding.docx").read_bytes()
    damaged = "damaged or isn't what its extension says"
    return [
        BadFile("zero-bytes.pdf", b"", "This file is empty"),
        BadFile("half.pdf", truncated(pdf), damaged),
        BadFile("half.docx", truncated(docx), damaged),
        BadFile("half.xlsx", truncated(xlsx_bytes()), damaged),
        BadFile("broken.pdf", (FORMATS / "corrupt.pdf").read_bytes(), damaged),
        BadFile("broken.docx", (FORMATS / "corrupt.docx").read_bytes(), damaged),
        BadFile("words-not-pdf.pdf", (FORMATS / "fake.pdf").read_bytes(), damaged),
        BadFile("really-a-docx.pdf", docx, damaged),
        BadFile("really-a-pdf.xlsx", pdf, damaged),
        BadFile("really-a-pdf.txt", pdf, damaged),
        BadFile("locked.pdf", (FORMATS / "encrypted.pdf").read_bytes(), "password-protected"),
        BadFile("scan.pdf", (FORMATS / "scanned.pdf").read_bytes(), "scanned document"),
        BadFile("bomb.docx", zip_bomb_docx(), "zip bomb"),
        BadFile("long-report.pdf", pdf_with_pages(MAX_PAGES + 1), f"I read at most {MAX_PAGES}"),
        BadFile("tracker.html", junk_html(), "no text I could read"),
    ]
