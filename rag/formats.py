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
    ".docm": "docx",
    ".pptx": "pptx",
    ".pptm": "pptx",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",  # macro-enabled workbooks: the same sheets (macros are never run)
    # Legacy binary Office files and RTF: LibreOffice (``soffice``) converts them first.
    ".doc": "doc",
    ".rtf": "rtf",
    ".xls": "xls",
    ".ppt": "ppt",
    ".odt": "odt",
    ".ods": "ods",
    ".odp": "odp",
    ".pages": "iwork_pages",
    ".key": "iwork_keynote",
    ".numbers": "iwork_numbers",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".mhtml": "mhtml",  # a web page saved with its resources ("Save as single file")
    ".mht": "mhtml",
    ".epub": "epub",
    ".md": "md",
    ".markdown": "md",
    ".txt": "md",  # plain text is valid Markdown: paragraphs stay paragraphs
    ".text": "md",
    ".adoc": "asciidoc",
    ".asciidoc": "asciidoc",
    ".csv": "csv",
    ".vtt": "vtt",  # WebVTT meeting transcripts
    ".tex": "latex",
    ".latex": "latex",
    ".eml": "email",
    ".msg": "email",  # Outlook
    # Scientific articles (JATS, PubMed Central's .nxml) and US patents; ``rag.convert`` tells
    # the two apart by the file's DOCTYPE and refuses other XML.
    ".xml": "xml_jats",
    ".nxml": "xml_jats",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
    ".bmp": "image",
    ".webp": "image",
    ".gif": "image",
}


# What a "page" is called in formats that have them; other formats have no pages worth counting.
PAGE_UNITS = {
    "pdf": "page",
    "pptx": "slide",
    "ppt": "slide",
    "iwork_keynote": "slide",
    "xlsx": "sheet",
    "xls": "sheet",
    "ods": "sheet",
    "iwork_numbers": "sheet",
}

# What people call the formats above, for the sentence that says which files can be read.
READABLE_KINDS = (
    "PDF, Word, PowerPoint, Excel, OpenDocument and Apple iWork files, RTF, web pages (HTML, "
    "MHTML), EPUB, Markdown and plain text, AsciiDoc, CSV, e-mail (EML, MSG), WebVTT "
    "transcripts, LaTeX, scientific articles and patents (JATS, USPTO XML) and images"
)


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
            f"I can read {READABLE_KINDS}.",
        )
    return fmt
