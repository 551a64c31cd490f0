"""Small files in the formats Docling reads without models, built in memory (no fixture needed):
EPUB, MHTML and Apple iWork '09 documents (Pages, Keynote, Numbers keep plain XML in a zip)."""

from __future__ import annotations

import io
import zipfile
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

IWORK_NAMESPACES = (
    'xmlns:sl="http://developer.apple.com/namespaces/sl" '
    'xmlns:sf="http://developer.apple.com/namespaces/sf" '
    'xmlns:sfa="http://developer.apple.com/namespaces/sfa" '
    'xmlns:key="http://developer.apple.com/namespaces/keynote2" '
    'xmlns:ls="http://developer.apple.com/namespaces/ls"'
)


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def epub(marker: str) -> bytes:
    """A one-chapter EPUB 3 book that mentions ``marker``."""
    container = (
        '<?xml version="1.0"?><container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    package = (
        '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
        'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<dc:identifier id="id">guide-1</dc:identifier><dc:title>Field guide</dc:title>'
        '<dc:language>en</dc:language></metadata><manifest><item id="c1" href="c1.xhtml" '
        'media-type="application/xhtml+xml"/></manifest><spine><itemref idref="c1"/></spine>'
        "</package>"
    )
    chapter = (
        '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>One'
        f"</title></head><body><h1>Chapter one</h1><p>The {marker} nests by the river.</p>"
        "</body></html>"
    )
    return _zip(
        {
            "mimetype": "application/epub+zip",
            "META-INF/container.xml": container,
            "OEBPS/content.opf": package,
            "OEBPS/c1.xhtml": chapter,
        }
    )


def mhtml(marker: str) -> bytes:
    """A web page saved as one MIME file ("Save as… single file"), mentioning ``marker``."""
    message = MIMEMultipart("related", type="text/html")
    message["Subject"] = "Door codes"
    page = MIMEText(
        f"<html><body><h1>Door codes</h1><p>Hall B: {marker}.</p></body></html>", "html"
    )
    page["Content-Location"] = "https://intranet.example/doors.html"
    message.attach(page)
    return message.as_bytes()


def pages(marker: str) -> bytes:
    """An iWork '09 Pages document: ``index.xml`` in a zip."""
    body = f"<sf:p>Minutes: the {marker} budget was approved.</sf:p>"
    index = (
        f'<?xml version="1.0"?><sl:document {IWORK_NAMESPACES}><sf:text-storage>'
        f"<sf:text-body>{body}</sf:text-body></sf:text-storage></sl:document>"
    )
    return _zip({"index.xml": index})


def keynote(marker: str) -> bytes:
    """An iWork '09 Keynote presentation of two slides: ``index.apxl`` in a zip."""
    slides = "".join(
        f'<key:slide><key:title-placeholder sfa:ID="title-{number}"><sf:text-body>'
        f"<sf:p>{title}</sf:p></sf:text-body></key:title-placeholder></key:slide>"
        for number, title in enumerate(["Roadmap", f"Launch of the {marker}"], start=1)
    )
    index = (
        f'<?xml version="1.0"?><key:presentation {IWORK_NAMESPACES}>'
        f"<key:slide-list>{slides}</key:slide-list></key:presentation>"
    )
    return _zip({"index.apxl": index})


def numbers(marker: str) -> bytes:
    """An iWork '09 Numbers spreadsheet: one sheet, one 2x2 table with a header row."""
    cells = "".join(
        f'<sf:t><sf:ct sfa:s="{text}"/></sf:t>' for text in ("Item", "Owner", marker, "Dana")
    )
    grid = (
        '<sf:grid sf:numrows="2" sf:numcols="2"><sf:columns><sf:grid-column sf:nc="2"/>'
        '<sf:grid-column sf:nc="2"/></sf:columns><sf:rows><sf:grid-row sf:nc="2"/>'
        f'<sf:grid-row sf:nc="2"/></sf:rows><sf:datasource>{cells}</sf:datasource></sf:grid>'
    )
    index = (
        f'<?xml version="1.0"?><ls:document {IWORK_NAMESPACES}><ls:workspace-array>'
        '<ls:workspace ls:workspace-name="Stock"><sf:tabular-info><sf:tabular-model '
        f'sf:name="Inventory" sf:num-header-rows="1">{grid}</sf:tabular-model></sf:tabular-info>'
        "</ls:workspace></ls:workspace-array></ls:document>"
    )
    return _zip({"index.xml": index})
