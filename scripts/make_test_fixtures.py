"""Generate the small format-coverage fixtures in ``tests/fixtures/formats/``.

Every supported input format gets one tiny file with a unique term that the tests can search
for, and a handful of broken or unusual files exercise the error paths:

* ``sheet.xlsx`` (openpyxl): sheet "Inventory", header row and five rows; term ``sprocket-X99``.
* ``deck.pptx`` (python-pptx): two slides with titles and bullets; term ``quarterly-kaizen``.
* ``notes.adoc``: AsciiDoc with a ``=`` title and ``==`` sections; term ``asciidoc-zebra``.
* ``table.csv``: header and five rows; term ``csv-walrus``.
* ``plain.txt``: a few paragraphs of plain text; term ``plaintext-otter``.
* ``meeting.vtt``: a WebVTT meeting transcript with two speakers; term ``vtt-heron``.
* ``paper.tex``: a LaTeX article with sections and a table; term ``latex-lynx``.
* ``message.eml``: a plain-text e-mail (RFC 5322) with a subject; term ``email-puffin``.
* ``scanned.pdf``: one page holding only an image of text, no text layer (needs OCR).
* ``encrypted.pdf``: a PDF encrypted with the user password ``secret``.
* ``corrupt.pdf``: the first 40% of the bytes of a valid PDF.
* ``corrupt.docx``: deterministic pseudo-random bytes that are not a zip archive.
* ``empty.md``: zero bytes.
* ``fake.pdf``: plain text with a ``.pdf`` extension.

The output is deterministic: no network, no randomness (the "random" bytes come from a
SHA-256 chain over a fixed seed), fixed document metadata and zip timestamps, and
reportlab's invariant mode for the PDFs.

Usage::

    python scripts/make_test_fixtures.py [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from PIL import Image, ImageDraw, ImageFont
from pptx import Presentation
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "tests" / "fixtures" / "formats"

FIXED_DATETIME = dt.datetime(2024, 3, 1, 9, 0, 0)
FIXED_W3CDTF = "2024-03-01T09:00:00Z"
ZIP_DATE_TIME = (2024, 3, 1, 9, 0, 0)
AUTHOR = "Northwind Robotics QA"
ENCRYPTED_PDF_PASSWORD = "secret"

_MODIFIED_RE = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def normalize_zip(data: bytes) -> bytes:
    """Rewrite an OOXML zip with fixed timestamps, attributes and modification date."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the current time on save; pin it.
                payload = _MODIFIED_RE.sub(rb"\g<1>" + FIXED_W3CDTF.encode() + rb"\g<2>", payload)
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 0
            fixed.external_attr = 0
            dst.writestr(fixed, payload)
    return out.getvalue()


def deterministic_bytes(seed: bytes, size: int) -> bytes:
    """Return ``size`` pseudo-random bytes from a SHA-256 chain over ``seed``."""
    chunks: list[bytes] = []
    block = hashlib.sha256(seed).digest()
    while sum(len(c) for c in chunks) < size:
        chunks.append(block)
        block = hashlib.sha256(block + seed).digest()
    return b"".join(chunks)[:size]


def _text_pdf(lines: Sequence[str], title: str, encrypt: str | None = None) -> bytes:
    """Return a one-page PDF with a real text layer holding ``lines``."""
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4, invariant=1, encrypt=encrypt)
    canvas.setTitle(title)
    canvas.setAuthor(AUTHOR)
    canvas.setCreator("scripts/make_test_fixtures.py")
    canvas.setFont("Helvetica-Bold", 16)
    y = A4[1] - 3 * cm
    canvas.drawString(2 * cm, y, title)
    canvas.setFont("Helvetica", 11)
    for line in lines:
        y -= 16
        canvas.drawString(2 * cm, y, line)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Office formats
# --------------------------------------------------------------------------------------------

INVENTORY: Sequence[tuple[str, str, int, str, float]] = (
    ("NW-1001", "Drive wheel tread", 48, "Rotterdam A3", 34.50),
    ("NW-1002", "Caster tyre", 120, "Rotterdam A4", 12.75),
    ("NW-1003", "sprocket-X99 lift sprocket", 16, "Tilburg B1", 89.00),
    ("NW-1004", "Bumper strip", 30, "Rotterdam A3", 22.10),
    ("NW-1005", "ChargePad contact set", 12, "Tilburg B2", 145.00),
)


def build_sheet_xlsx() -> bytes:
    """Return a workbook with one sheet titled "Inventory"."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Inventory"
    ws.append(["SKU", "Item", "Quantity", "Location", "Unit price (EUR)"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in INVENTORY:
        ws.append(list(row))
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["D"].width = 14
    ws.column_dimensions["E"].width = 16

    props = wb.properties
    props.creator = AUTHOR
    props.lastModifiedBy = AUTHOR
    props.title = "Spare parts inventory"
    props.created = FIXED_DATETIME
    props.modified = FIXED_DATETIME

    buf = io.BytesIO()
    wb.save(buf)
    return normalize_zip(buf.getvalue())


SLIDES: Sequence[tuple[str, Sequence[str]]] = (
    (
        "Warehouse Operations Review",
        (
            "Robot uptime reached 98.7% across all customer sites",
            "Average mission time fell from 4.1 to 3.6 minutes",
            "Next step: the quarterly-kaizen workshop in Rotterdam",
        ),
    ),
    (
        "Quarterly-Kaizen Actions",
        (
            "Move ChargePad docks closer to the outbound lanes",
            "Shorten the weekly inspection checklist to ten items",
            "Pilot night-shift maintenance windows at two sites",
        ),
    ),
)


def build_deck_pptx() -> bytes:
    """Return a two-slide presentation with titles and bullets."""
    prs = Presentation()
    layout = prs.slide_layouts[1]  # "Title and Content"
    for title, bullets in SLIDES:
        slide = prs.slides.add_slide(layout)
        assert slide.shapes.title is not None
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = bullets[0]
        for bullet in bullets[1:]:
            body.add_paragraph().text = bullet

    props = prs.core_properties
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.title = "Warehouse Operations Review"
    props.revision = 1
    props.created = FIXED_DATETIME
    props.modified = FIXED_DATETIME

    buf = io.BytesIO()
    prs.save(buf)
    return normalize_zip(buf.getvalue())


# --------------------------------------------------------------------------------------------
# Text formats
# --------------------------------------------------------------------------------------------

NOTES_ADOC = """\
= Fleet Retrospective Notes
Northwind Robotics Fleet Reliability Team

These notes summarise the spring fleet retrospective. The team code name for the new alert
triage process is asciidoc-zebra.

== What Went Well

* Alert volume dropped by a third after the noisy battery alerts were tuned.
* Every page was acknowledged within the 15-minute target.

== What To Improve

The handover notes in the on-call channel are often too short. From now on each handover
lists open incidents, muted alerts and customer promises.

=== Action Items

. Write a handover template before the next rotation.
. Review the asciidoc-zebra triage rules after one month.
"""

TABLE_CSV = """\
site,city,robots,uptime_percent,notes
RTM-01,Rotterdam,42,98.9,Flagship site
TLB-02,Tilburg,18,97.4,csv-walrus pilot for night shifts
VNL-03,Venlo,25,99.1,New ChargePad docks
EHV-04,Eindhoven,9,96.8,Firmware update pending
ZWL-05,Zwolle,14,98.2,Opened in January
"""

PLAIN_TXT = """\
Northwind Robotics - Facilities Notice

The cafeteria on the second floor will be closed for renovation during the first two weeks
of April. Coffee and sandwiches will be available from a temporary counter next to the
reception desk.

The meeting room formerly known as Harbour has been renamed plaintext-otter after the staff
vote last month. Calendar bookings move over automatically; no action is needed.

Bicycles parked outside the racks will be moved to the basement storage on Fridays. Please
use the new racks behind the test warehouse instead.
"""

MEETING_VTT = """\
WEBVTT

00:00:00.000 --> 00:00:05.000
<v Alice>Welcome to the fleet review. First item: the vtt-heron firmware rollout.

00:00:05.000 --> 00:00:11.000
<v Bob>The rollout reached all forty-two robots in Rotterdam without a single rollback.

00:00:11.000 --> 00:00:16.000
<v Alice>Good. Next review is on the first Monday of May.
"""

PAPER_TEX = r"""\documentclass{article}
\title{Battery Ageing in Warehouse Robots}
\begin{document}
\maketitle

\section{Introduction}
We measured capacity loss of the latex-lynx battery pack over two years of daily use.

\section{Results}
Capacity fell by 11 percent in the first year and 6 percent in the second.

\begin{tabular}{lr}
Year & Capacity loss \\
1 & 11\% \\
2 & 6\% \\
\end{tabular}

\end{document}
"""

MESSAGE_EML = """\
From: Alice Jansen <alice@northwind.example>
To: Fleet Team <fleet@northwind.example>
Subject: Dock maintenance window
Date: Mon, 01 Dec 2025 10:00:00 +0000
Message-ID: <dock-maintenance@northwind.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hi all,

The ChargePad docks in Venlo go offline for maintenance on Saturday from 06:00 to 10:00.
Robots will use the spare docks in hall B. Reference for the work order: email-puffin.

Alice
"""

FAKE_PDF = """\
This is not a PDF file. It is plain text that was saved with a .pdf extension by mistake,
so a PDF parser should reject it instead of indexing it.
"""


# --------------------------------------------------------------------------------------------
# PDFs
# --------------------------------------------------------------------------------------------

SCANNED_LINES: Sequence[str] = (
    "NORTHWIND ROBOTICS - SCANNED MEMO",
    "",
    "Forklift bay 7 was inspected on 4 March.",
    "All emergency stops worked as expected.",
    "Reference: scanned-heron",
)


def build_scanned_pdf() -> bytes:
    """Return a one-page PDF whose only content is a raster image of text (no text layer)."""
    width, height = 1240, 700
    image = Image.new("L", (width, height), color=255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=44)
    y = 60
    for line in SCANNED_LINES:
        draw.text((70, y), line, fill=0, font=font)
        y += 90
    # A slight grey frame, as a scanner would leave around the paper.
    draw.rectangle((10, 10, width - 11, height - 11), outline=170, width=4)

    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4, invariant=1)
    canvas.setTitle("Scanned memo")
    canvas.setAuthor(AUTHOR)
    canvas.setCreator("scripts/make_test_fixtures.py")
    draw_width = A4[0] - 4 * cm
    draw_height = draw_width * height / width
    canvas.drawImage(
        ImageReader(image), 2 * cm, A4[1] - 2 * cm - draw_height, draw_width, draw_height
    )
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def build_encrypted_pdf() -> bytes:
    """Return a PDF that needs the user password ``secret`` to open."""
    return _text_pdf(
        (
            "This document is encrypted with the user password given in the test suite.",
            "Its unique term is encrypted-lynx.",
        ),
        "Confidential Salary Bands",
        encrypt=ENCRYPTED_PDF_PASSWORD,
    )


def build_corrupt_pdf() -> bytes:
    """Return the first 40% of the bytes of a valid PDF."""
    valid = _text_pdf(
        (
            "This file is cut off after 40% of its bytes.",
            "The cross-reference table and trailer are missing.",
        ),
        "Truncated Report",
    )
    return valid[: len(valid) * 40 // 100]


def build_corrupt_docx() -> bytes:
    """Return deterministic bytes that are not a zip archive."""
    data = b"NOTAZIP\x00" + deterministic_bytes(b"ragbot corrupt.docx fixture", 2040)
    assert not data.startswith(b"PK")
    return data


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------

FIXTURES: Sequence[tuple[str, Callable[[], bytes]]] = (
    ("sheet.xlsx", build_sheet_xlsx),
    ("deck.pptx", build_deck_pptx),
    ("notes.adoc", NOTES_ADOC.encode),
    ("table.csv", TABLE_CSV.encode),
    ("plain.txt", PLAIN_TXT.encode),
    ("meeting.vtt", MEETING_VTT.encode),
    ("paper.tex", PAPER_TEX.encode),
    ("message.eml", MESSAGE_EML.encode),
    ("scanned.pdf", build_scanned_pdf),
    ("encrypted.pdf", build_encrypted_pdf),
    ("corrupt.pdf", build_corrupt_pdf),
    ("corrupt.docx", build_corrupt_docx),
    ("empty.md", lambda: b""),
    ("fake.pdf", FAKE_PDF.encode),
)


def make_fixtures(out_dir: Path) -> list[Path]:
    """Write every fixture into ``out_dir`` and return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, build in FIXTURES:
        path = out_dir / name
        path.write_bytes(build())
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and write the fixtures."""
    parser = argparse.ArgumentParser(
        description="Generate the format-coverage fixtures in tests/fixtures/formats/."
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output directory (default: tests/fixtures/formats/)",
    )
    args = parser.parse_args(argv)
    for path in make_fixtures(args.out):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
