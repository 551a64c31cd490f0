"""Tables serialized for retrieval: one line per row, "label: column = value; ...".

Docling's chunker asks a serializer provider how to write each item. Ours keeps Docling's
chunking serializer for everything but tables, which it writes as

    Consolidated Statement of Cash Flows Years ended December 31      <- the table's caption
    Columns (Millions): 2018 | 2017 | 2016                            <- its header
    Depreciation and amortization: 2018 = 1,488; 2017 = 1,544; 2016 = 1,474

so a figure stays next to its row label and column, and (through ``get_header_and_body_lines``)
Docling's ``HybridChunker`` repeats the caption and header at the top of every chunk it cuts from a
long table. Works for any ``TableItem``: Docling's own (HTML, Office, the standard PDF pipeline)
and the ones ``rag.pdf_tables`` rebuilds for native PDFs.
"""

from __future__ import annotations

from typing import Any

from docling_core.transforms.chunker.hierarchical_chunker import (
    ChunkingDocSerializer,
    ChunkingSerializerProvider,
)
from docling_core.transforms.serializer.base import (
    BaseDocSerializer,
    BaseTableSerializer,
    SerializationResult,
)
from docling_core.transforms.serializer.common import create_ser_result
from docling_core.types.doc import DoclingDocument, TableItem
from typing_extensions import override

COLUMNS_PREFIX = "Columns"


def _text(value: object) -> str:
    return " ".join(str(value).split())


def table_lines(item: TableItem, doc: DoclingDocument) -> tuple[list[str], list[str]]:
    """(header lines, row lines) of a table, without its caption."""
    grid = item.data.grid
    if not grid:
        return [], []
    flagged = [i for i, row in enumerate(grid) if row and all(c.column_header for c in row)]
    header_rows = flagged if flagged else [0]
    header_rows = [i for i in header_rows if i < len(grid)]
    width = max(len(row) for row in grid)
    columns = [
        " ".join(
            dict.fromkeys(
                _text(grid[i][c].text) for i in header_rows if c < len(grid[i]) and grid[i][c].text
            )
        )
        for c in range(width)
    ]
    stub, names = columns[0], columns[1:]
    header: list[str] = []
    if any(names):
        label = f"{COLUMNS_PREFIX} ({stub})" if stub else COLUMNS_PREFIX
        header.append(f"{label}: " + " | ".join(n or "-" for n in names))
    rows = []
    for i, row in enumerate(grid):
        if i in header_rows or not row:
            continue
        label = _text(row[0].text)
        values = []
        for c, cell in enumerate(row[1:], start=1):
            value = _text(cell.text)
            if not value or value == label:
                continue
            name = names[c - 1] if c - 1 < len(names) else ""
            values.append(f"{name} = {value}" if name else value)
        values = list(dict.fromkeys(values))  # spanning cells repeat in every column they cover
        if label and values:
            rows.append(f"{label}: " + "; ".join(values))
        elif label or values:
            rows.append(label or "; ".join(values))
    return header, rows


class RowTableSerializer(BaseTableSerializer):
    """A table as its caption, a header line and one "label: column = value" line per row."""

    @override
    def serialize(
        self,
        *,
        item: TableItem,
        doc_serializer: BaseDocSerializer,
        doc: DoclingDocument,
        **kwargs: Any,
    ) -> SerializationResult:
        parts: list[SerializationResult] = []
        caption = doc_serializer.serialize_captions(item=item, **kwargs)
        header, rows = table_lines(item, doc)
        lines = [" ".join(caption.text.split())] if caption.text.strip() else []
        lines += header + rows
        if caption.text:
            parts.append(caption)
        if lines:
            parts.append(create_ser_result(text="\n".join(lines), span_source=item))
        return create_ser_result(text="\n".join(lines), span_source=parts)

    @override
    def get_header_and_body_lines(
        self, *, table_text: str, **kwargs: Any
    ) -> tuple[list[str], list[str]]:
        """The caption and header lines repeat at the top of every chunk of a long table."""
        lines = table_text.splitlines(True)
        for index, line in enumerate(lines[:3]):
            if line.startswith(COLUMNS_PREFIX):
                return lines[: index + 1], lines[index + 1 :]
        if len(lines) > 1 and ":" not in lines[0]:
            return lines[:1], lines[1:]  # a caption without a header
        return [], lines


class RowTableSerializerProvider(ChunkingSerializerProvider):
    """Docling's chunking serializer, with tables written by ``RowTableSerializer``."""

    @override
    def get_serializer(self, doc: DoclingDocument) -> BaseDocSerializer:
        return ChunkingDocSerializer(doc=doc, table_serializer=RowTableSerializer())
