"""Tables of native (model-free) PDFs rebuilt from text positions, and serialized row by row."""

from __future__ import annotations

from pathlib import Path

import pytest
from docling_core.types.doc import TableItem

from rag.chunking import Chunker, make_tokenizer
from rag.convert import Converter
from rag.settings import DEFAULT_LOCAL_EMBEDDING_MODEL, Settings
from rag.table_serializer import table_lines

ROWS = [
    ("Net income", ["$ 5,363", "$ 4,869"]),
    ("Depreciation and amortization", ["1,488", "1,544"]),
    ("Purchases of property, plant and equipment (PP&E)", ["(1,577)", "(1,373)"]),
    ("Proceeds from sale of PP&E and other assets", ["262", "49"]),
    ("Dividends paid to shareholders", ["(3,193)", "(2,803)"]),
]


def statement_pdf(path: Path, extra_rows: int = 0) -> Path:
    """A page like a 10-K's: prose, a titled statement with right-aligned figures, prose."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=letter)
    pdf.setFont("Helvetica", 9)
    y = 740.0
    for line in (
        "The Company generated strong cash flows from operations in the year, which funded",
        "capital spending, dividends and share repurchases as described below in this report.",
    ):
        pdf.drawString(57, y, line)
        y -= 11
    y -= 14
    for title in ("Acme Company and Subsidiaries", "Consolidated Statement of Cash Flows"):
        pdf.drawString(57, y, title)
        y -= 11
    pdf.drawString(57, y, "(Millions)")
    pdf.drawRightString(420, y, "2018")
    pdf.drawRightString(500, y, "2017")
    y -= 11
    pdf.drawString(57, y, "Cash Flows from Operating Activities")
    y -= 11
    rows = ROWS + [(f"Other item {n}", [f"{n},001", f"{n},002"]) for n in range(extra_rows)]
    for label, figures in rows:
        pdf.drawString(66, y, label)
        for right, figure in zip((420, 500), figures, strict=True):
            pdf.drawRightString(right, y, figure)
        y -= 11
        if y < 80:
            pdf.showPage()
            pdf.setFont("Helvetica", 9)
            y = 740.0
    y -= 14
    pdf.drawString(
        57, y, "The accompanying notes are an integral part of this statement and should"
    )
    pdf.drawString(
        57, y - 11, "be read together with it, as they explain the figures in some detail."
    )
    pdf.save()
    return path


@pytest.fixture
def native_settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", pdf_pipeline="native")  # type: ignore[call-arg]


def only_table(converted_document: object) -> TableItem:
    tables = list(converted_document.tables)  # type: ignore[attr-defined]
    assert len(tables) == 1
    return tables[0]


def test_a_statement_becomes_one_table_with_title_header_and_rows(
    tmp_path: Path, native_settings: Settings
) -> None:
    pdf = statement_pdf(tmp_path / "acme.pdf")
    converted = Converter(native_settings).convert(pdf.name, pdf.read_bytes())

    assert converted.tables == 1
    table = only_table(converted.document)
    assert "Consolidated Statement of Cash Flows" in table.caption_text(converted.document)
    header, rows = table_lines(table, converted.document)
    assert header == ["Columns ((Millions)): 2018 | 2017"]
    assert "Cash Flows from Operating Activities" in rows
    assert "Net income: 2018 = 5,363; 2017 = 4,869" in rows
    assert (
        "Purchases of property, plant and equipment (PP&E): 2018 = (1,577); 2017 = (1,373)" in rows
    )
    prose = " ".join(t.text for t in converted.document.texts if t.label == "text")
    assert "strong cash flows from operations" in prose
    assert "accompanying notes are an integral part" in prose
    assert "1,577" not in prose  # the figure lives in the table only


def test_without_table_rows_the_native_pipeline_output_is_kept(
    tmp_path: Path, native_settings: Settings
) -> None:
    pdf = statement_pdf(tmp_path / "acme.pdf")
    settings = native_settings.model_copy(update={"table_rows": False})
    converted = Converter(settings).convert(pdf.name, pdf.read_bytes())

    assert converted.tables == 0
    assert any(t.text.strip() == "(1,577)" for t in converted.document.texts)


def test_every_chunk_of_a_long_table_repeats_its_title_and_header(
    tmp_path: Path, native_settings: Settings
) -> None:
    pdf = statement_pdf(tmp_path / "acme.pdf", extra_rows=40)
    converted = Converter(native_settings).convert(pdf.name, pdf.read_bytes())
    chunker = Chunker(make_tokenizer(DEFAULT_LOCAL_EMBEDDING_MODEL, 96))

    assert converted.rebuilt_tables
    chunks = [c for c in chunker.chunk(converted.document, table_rows=True) if "= " in c.text]

    assert len(chunks) >= 3
    for chunk in chunks:
        assert "Consolidated Statement of Cash Flows" in chunk.text
        assert "Columns ((Millions)): 2018 | 2017" in chunk.text
    assert any("Other item 39: 2018 = 39,001; 2017 = 39,002" in c.text for c in chunks)


def test_docling_tables_keep_doclings_serializer_and_rows_are_on_request(
    native_settings: Settings,
) -> None:
    html = (
        b"<html><body><h1>Revenue</h1><table>"
        b"<tr><th>Segment</th><th>2019</th><th>2018</th></tr>"
        b"<tr><td>Cloud</td><td>1,200</td><td>950</td></tr>"
        b"<tr><td>Devices</td><td>300</td><td>410</td></tr>"
        b"</table></body></html>"
    )
    converted = Converter(native_settings).convert("revenue.html", html)
    chunker = Chunker(make_tokenizer(DEFAULT_LOCAL_EMBEDDING_MODEL, 256))

    assert not converted.rebuilt_tables  # Docling read this table itself
    docling = "\n".join(c.text for c in chunker.chunk(converted.document))
    text = "\n".join(c.text for c in chunker.chunk(converted.document, table_rows=True))

    assert "Cloud, 2019 = 1,200" in docling  # Docling's triplets: every cell with its row
    assert "Columns (Segment): 2019 | 2018" not in docling
    assert "Columns (Segment): 2019 | 2018" in text
    assert "Cloud: 2019 = 1,200; 2018 = 950" in text
    assert "Devices: 2019 = 300; 2018 = 410" in text
