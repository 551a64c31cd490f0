"""The file formats ragbot reads, by extension. Cheap to import: no Docling here.

Values are Docling ``InputFormat`` values (``rag.convert`` turns them into the enum), so callers
that only need to check a name (the Slack side, the CLI's folder walk) don't import Docling.
"""

from __future__ import annotations

from pathlib import Path

from rag.errors import UnsupportedFormatError

EXTENSION_FORMATS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".pptx": "pptx",
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
    ".txt": "md",  # plain text is valid Markdown: paragraphs stay paragraphs
    ".text": "md",
    ".adoc": "asciidoc",
    ".asciidoc": "asciidoc",
    ".csv": "csv",
    ".vtt": "vtt",  # WebVTT meeting transcripts
    ".tex": "latex",
    ".eml": "email",
    ".latex": "latex",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
    ".bmp": "image",
    ".webp": "image",
}


# What a "page" is called in formats that have them; other formats have no pages worth counting.
PAGE_UNITS = {"pdf": "page", "pptx": "slide", "xlsx": "sheet"}


def page_unit(name: str) -> str | None:
    """The unit pages are counted in for a paginated file (by name or URL): "page", "slide"…"""
    fmt = EXTENSION_FORMATS.get(Path(name.split("?")[0]).suffix.lower())
    return PAGE_UNITS.get(fmt or "")


def supported_extensions() -> list[str]:
    return sorted(EXTENSION_FORMATS)


def format_of(name: str) -> str:
    """The format named by the file's extension; ``UnsupportedFormatError`` if there is none."""
    suffix = Path(name).suffix.lower()
    fmt = EXTENSION_FORMATS.get(suffix)
    if fmt is None:
        raise UnsupportedFormatError(
            f"unsupported extension {suffix or '(none)'}",
            user_message=f"I can't read {suffix or 'files without an extension'} files. "
            f"I can read: {', '.join(s.lstrip('.') for s in supported_extensions())}.",
        )
    return fmt
