"""Small broken or hostile files, built in memory, for the conversion tests (local and remote)."""

from __future__ import annotations

import io
import zipfile


def text_pdf(pages: int = 1, **canvas_options: object) -> bytes:
    """A text PDF of ``pages`` pages; ``canvas_options`` go to reportlab (``encrypt="pw"``...)."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    document = canvas.Canvas(buffer, **canvas_options)  # type: ignore[arg-type]
    for number in range(pages):
        document.drawString(72, 720, f"Page {number + 1} of the test document.")
        document.showPage()
    document.save()
    return buffer.getvalue()


def image_only_pdf(text: str = "A scanned page with no text layer") -> bytes:
    """A one-page PDF holding only an image (of ``text``): no text layer, like a scan."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(image).text((20, 80), text, fill="black")
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer)
    document.drawImage(ImageReader(image), 50, 500, width=500, height=160)
    document.showPage()
    document.save()
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A DOCX-looking zip whose ``word/document.xml`` inflates to 64 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (64 * 1024 * 1024))
    return buffer.getvalue()
