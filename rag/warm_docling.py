"""Docling ready to convert, for the conversion server process only (``rag.convert_process``).

The server imports this module once; every conversion child is forked from it with Docling
imported and the pipelines of the common formats built, so a child converts in milliseconds
instead of importing Docling for seconds. No other module of ragbot imports it.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from docling.datamodel.base_models import DocumentStream
from docling.document_converter import DocumentConverter

if TYPE_CHECKING:
    from docling.datamodel.document import ConversionResult

_converter: DocumentConverter | None = None
# Tiny documents whose conversion builds a pipeline (and its backends) ahead of the children.
WARM_UP = (
    ("warm-up.md", b"# Warm-up\n\nText.\n"),
    ("warm-up.html", b"<html><body><h1>Warm-up</h1><p>Text.</p></body></html>"),
    ("warm-up.csv", b"a,b\n1,2\n"),
)


def converter() -> DocumentConverter:
    """The process's one converter (Docling's defaults: pipelines are set for PDFs only)."""
    global _converter
    if _converter is None:
        _converter = DocumentConverter()
    return _converter


def convert(name: str, data: bytes, *, max_pages: int, max_bytes: int) -> ConversionResult:
    return converter().convert(
        DocumentStream(name=name, stream=io.BytesIO(data)),
        raises_on_error=False,
        max_num_pages=max_pages,
        max_file_size=max_bytes,
    )


def _warm_up() -> None:
    for name, data in WARM_UP:
        convert(name, data, max_pages=1, max_bytes=len(data) + 1)


_warm_up()
