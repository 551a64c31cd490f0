"""Generated test documents: long text PDFs (reportlab), DOCX (python-docx), HTML and Markdown.

Each builder returns bytes of a document with headings and ``sections`` sections of synthetic
paragraphs, so formats can be compared at a similar amount of text.
"""

from __future__ import annotations

import html
import io
import random

from bench.common import paragraph

PARAS_PER_SECTION = 4


def _sections(sections: int, seed: int) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    return [
        (
            f"Section {n + 1}: policy area {n % 17}",
            [paragraph(rng, rng.randint(4, 8)) for _ in range(PARAS_PER_SECTION)],
        )
        for n in range(sections)
    ]


def markdown_doc(sections: int, seed: int = 1) -> bytes:
    parts = ["# Generated handbook"]
    for title, paras in _sections(sections, seed):
        parts += [f"## {title}", *paras]
    return "\n\n".join(parts).encode()


def html_doc(sections: int, seed: int = 1) -> bytes:
    parts = [
        "<html><head><title>Generated handbook</title></head><body>",
        "<h1>Generated handbook</h1>",
    ]
    for title, paras in _sections(sections, seed):
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts += [f"<p>{html.escape(p)}</p>" for p in paras]
    parts.append("</body></html>")
    return "\n".join(parts).encode()


def docx_doc(sections: int, seed: int = 1) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading("Generated handbook", level=1)
    for title, paras in _sections(sections, seed):
        document.add_heading(title, level=2)
        for para in paras:
            document.add_paragraph(para)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_doc(pages: int, seed: int = 1) -> bytes:
    """A text PDF of exactly ``pages`` pages: one heading and enough paragraphs per page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    rng = random.Random(seed)
    story = []
    for page in range(pages):
        story.append(Paragraph(f"Section {page + 1}: policy area {page % 17}", styles["Heading2"]))
        story += [Paragraph(paragraph(rng, 6), styles["BodyText"]) for _ in range(5)]
        if page < pages - 1:
            story.append(PageBreak())
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    return buffer.getvalue()
