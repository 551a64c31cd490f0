"""Tables rebuilt from text positions, for PDFs read without layout models.

Docling's model-free ``NativePdfPipeline`` emits a financial statement as loose text fragments: the
row label, each figure and each column header are separate items, so a chunk can hold "1,577"
far from "Purchases of property, plant and equipment" and "2018". This module rebuilds the table
from where the fragments sit on the page (a PDF's visual lines and right-aligned figure columns)
and returns a new ``DoclingDocument`` in which each such region is a real ``TableItem`` with
column headers, row labels and the statement's title as its caption. Docling's chunker and our
table serializer (``rag.table_serializer``) then keep "label — column — value" together and repeat
the title and header in every chunk cut from a long table.

With layout models installed (the ``standard`` pipeline) Docling finds tables itself and this
module is not used.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from docling_core.types.doc import (
    BoundingBox,
    CoordOrigin,
    DocItemLabel,
    DoclingDocument,
    ProvenanceItem,
    TableCell,
    TableData,
    TextItem,
)

VALUE = re.compile(
    r"^[(\[]?\s*[-–—+]?\s*[$€£¥]?\s*[-–—+]?\s*"
    r"(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?\s*%?\s*[)\]]?\s*(?:pts?|bps|x)?\s*[$€£¥]?$"
)
DASHES = {"-", "–", "—", "--", "$ -", "$ —", "$—", "$-"}
CURRENCY = re.compile(r"^\s*[$€£¥]\s*|\s*[$€£¥]\s*$")
YEAR = re.compile(r"^(?:19|20)\d{2}$")
HEADING = re.compile(r"^(?:PART\s+[IVX]+\b|Item\s+\d{1,2}[A-C]?\.)", re.IGNORECASE)
MIN_ROWS = 3  # fewer figure rows than this is prose with numbers in it, not a table
MAX_GAP_LINES = 3  # label-only lines (sections, wrapped labels) allowed inside a table
MAX_TITLE_LINES = 3
COLUMN_GAP = 12.0  # points between right edges of two figure columns


@dataclass
class Fragment:
    """One text item of the native pipeline, with its place on the page (top-left origin)."""

    item: TextItem
    page: int
    left: float
    top: float
    right: float
    bottom: float

    @property
    def text(self) -> str:
        return self.item.text.strip()

    @property
    def is_value(self) -> bool:
        return is_value(self.text)


@dataclass
class Line:
    fragments: list[Fragment] = field(default_factory=list)

    @property
    def top(self) -> float:
        return min(f.top for f in self.fragments)

    @property
    def bottom(self) -> float:
        return max(f.bottom for f in self.fragments)

    @property
    def left(self) -> float:
        return min(f.left for f in self.fragments)

    @property
    def right(self) -> float:
        return max(f.right for f in self.fragments)

    @property
    def values(self) -> list[Fragment]:
        return [f for f in self.fragments if f.is_value and _has_digit_or_dash(f.text)]

    @property
    def label(self) -> str:
        return " ".join(f.text for f in self.fragments if not f.is_value).strip(" .:")

    @property
    def is_header_row(self) -> bool:
        """Column titles: years or words above figures, no figures of their own."""
        values = self.values
        return bool(values) and all(YEAR.match(_clean(v.text)) for v in values)

    @property
    def is_figure_row(self) -> bool:
        return bool(self.values) and not self.is_header_row

    def overlaps(self, fragment: Fragment) -> bool:
        top, bottom = max(self.top, fragment.top), min(self.bottom, fragment.bottom)
        smaller = min(self.bottom - self.top, fragment.bottom - fragment.top) or 1.0
        return bottom - top >= 0.5 * smaller


def is_value(text: str) -> bool:
    flat = text.strip()
    if not flat:
        return False
    if flat in DASHES or flat in {"$", "%", "€", "£"}:
        return True
    return bool(VALUE.match(flat)) and _has_digit_or_dash(flat)


def _has_digit_or_dash(text: str) -> bool:
    return any(c.isdigit() for c in text) or text.strip() in DASHES


def _clean(text: str) -> str:
    """A figure as shown in the table: stray currency signs of neighbouring cells removed."""
    flat = text.strip()
    while True:
        cleaned = CURRENCY.sub("", flat).strip()
        if cleaned == flat:
            break
        flat = cleaned
    return flat or text.strip()


# --- the whole document ---------------------------------------------------------------------
def rebuild_tables(document: DoclingDocument) -> tuple[DoclingDocument, int]:
    """A copy of ``document`` with figure tables rebuilt; returns it and the number of tables.

    Only documents without tables, made of positioned text items (what the native PDF pipeline
    produces), are rebuilt; pictures (text-less in that pipeline) are left out. Any other
    document is returned unchanged.
    """
    if document.tables:
        return document, 0
    items = [item for item, _ in document.iterate_items(with_groups=False)]
    texts = [i for i in items if isinstance(i, TextItem) and i.prov]
    if not texts or any(getattr(i, "children", None) for i in texts):
        return document, 0
    fragments = [_fragment(item, document) for item in texts]
    out = DoclingDocument(name=document.name, origin=document.origin)
    out.pages = document.pages
    tables = 0
    for page_fragments in _by_page(fragments):
        lines = _lines(page_fragments)
        for block in _blocks(lines):
            if isinstance(block, TableRegion):
                _add_table(out, block)
                tables += 1
            else:
                for fragment in block.fragments:
                    _copy_text(out, fragment)
    return out, tables


def _fragment(item: TextItem, document: DoclingDocument) -> Fragment:
    prov = item.prov[0]
    page = document.pages.get(prov.page_no)
    height = page.size.height if page else 792.0
    box = prov.bbox.to_top_left_origin(height)
    return Fragment(item, prov.page_no, box.l, box.t, box.r, box.b)


def _by_page(fragments: Sequence[Fragment]) -> Iterable[list[Fragment]]:
    current: list[Fragment] = []
    for fragment in fragments:
        if current and fragment.page != current[-1].page:
            yield current
            current = []
        current.append(fragment)
    if current:
        yield current


def _lines(fragments: Sequence[Fragment]) -> list[Line]:
    """Fragments in reading order grouped into visual lines (consecutive, vertically aligned)."""
    lines: list[Line] = []
    for fragment in fragments:
        if lines and lines[-1].overlaps(fragment) and fragment.left >= lines[-1].left:
            lines[-1].fragments.append(fragment)
        else:
            lines.append(Line([fragment]))
    return lines


# --- finding tables -------------------------------------------------------------------------
@dataclass
class TextBlock:
    lines: list[Line]

    @property
    def fragments(self) -> list[Fragment]:
        return [f for line in self.lines for f in line.fragments]


@dataclass
class TableRegion:
    title: list[Line]
    header: list[Line]
    rows: list[Line]


def _blocks(lines: list[Line]) -> list[TextBlock | TableRegion]:
    """Split a page's lines into text blocks and table regions, in reading order."""
    width = max((line.right for line in lines), default=0.0) - min(
        (line.left for line in lines), default=0.0
    )
    out: list[TextBlock | TableRegion] = []
    i = 0
    pending: list[Line] = []
    while i < len(lines):
        end = _table_end(lines, i, width)
        if end is None:
            pending.append(lines[i])
            i += 1
            continue
        header_start, header_end = _header_start(pending, lines[i])
        header = pending[header_start:header_end]
        section_rows = pending[header_end:]
        before = pending[:header_start]
        title_start = _title_start(before, width)
        title = before[title_start:]
        if before[:title_start]:
            out.append(TextBlock(before[:title_start]))
        out.append(TableRegion(title, header, [*section_rows, *lines[i:end]]))
        pending = []
        i = end
    if pending:
        out.append(TextBlock(pending))
    return out


def _table_end(lines: list[Line], start: int, width: float) -> int | None:
    """If a table's body starts at ``lines[start]``, the index just past its last row."""
    if not lines[start].is_figure_row:
        return None
    rows, gap, end = 0, 0, start
    for j in range(start, len(lines)):
        line = lines[j]
        if line.is_figure_row:
            rows += 1
            gap = 0
            end = j + 1
        elif _is_prose(line, width) or gap >= MAX_GAP_LINES:
            break
        else:
            gap += 1
    return end if rows >= MIN_ROWS else None


def _is_prose(line: Line, width: float) -> bool:
    return not line.values and (line.right - line.left) > 0.6 * width


def _header_start(before: list[Line], first_row: Line) -> tuple[int, int]:
    """Where the column header starts above a table's first figure row, and where it ends.

    Label-only lines between the header and the first figure row ("Cash Flows from Operating
    Activities") are section rows of the table; header lines sit over the figure columns.
    """
    columns_left = first_row.values[0].left - 2

    def over_columns(line: Line) -> bool:
        short = all(len(f.text) <= 60 for f in line.fragments)
        return line.is_header_row or (short and line.right > columns_left)

    window = range(len(before) - 1, max(-1, len(before) - 9), -1)
    end = next((j + 1 for j in window if over_columns(before[j])), None)
    if end is None:  # no header: the pending lines stay text
        return len(before), len(before)
    start, limit = end, (before[end].top if end < len(before) else first_row.top)
    for j in range(end - 1, max(-1, end - 7), -1):
        line = before[j]
        if limit - line.bottom > 30 or not over_columns(line):
            break
        start, limit = j, line.top
    return start, end


def _title_start(before: list[Line], width: float) -> int:
    """Short lines right above a table (its statement title and unit), not prose."""
    start = len(before)
    for j in range(len(before) - 1, max(-1, len(before) - 1 - MAX_TITLE_LINES), -1):
        line = before[j]
        if _is_prose(line, width) or line.label.lower() in {"table of contents", ""}:
            break
        if len(line.label) > 120:
            break
        start = j
    return start


# --- building the TableItem -----------------------------------------------------------------
def _columns(rows: Sequence[Line]) -> list[float]:
    """Right edges of the figure columns (figures are right-aligned), left to right."""
    edges = sorted(_clean_right(v) for row in rows for v in row.values if _clean(v.text))
    columns: list[list[float]] = []
    for edge in edges:
        if columns and edge - columns[-1][-1] <= COLUMN_GAP:
            columns[-1].append(edge)
        else:
            columns.append([edge])
    return [statistics.median(c) for c in columns if c]


def _clean_right(fragment: Fragment) -> float:
    """Right edge of a figure without a trailing '$' that belongs to the next column."""
    text = fragment.text
    if text.endswith("$") and len(text) > 1:
        share = (len(text) - len(text.rstrip(" $"))) / len(text)
        return fragment.right - share * (fragment.right - fragment.left)
    return fragment.right


def _nearest(columns: Sequence[float], x: float) -> int:
    return min(range(len(columns)), key=lambda i: abs(columns[i] - x))


def _add_table(doc: DoclingDocument, region: TableRegion) -> None:
    columns = _columns(region.rows)
    if not columns:
        for line in [*region.title, *region.header, *region.rows]:
            for fragment in line.fragments:
                _copy_text(doc, fragment)
        return
    headers = _column_headers(region.header, columns)
    stub = " ".join(
        f.text for line in region.header for f in line.fragments if f.right < columns[0] - 40
    )
    cells: list[TableCell] = []
    grid_rows: list[tuple[str, list[str]]] = []
    for line in region.rows:
        if line.fragments and not line.values and grid_rows and not grid_rows[-1][1]:
            grid_rows[-1] = (f"{grid_rows[-1][0]} {line.label}".strip(), [])
            continue
        figures = [""] * len(columns)
        for value in line.values:
            text = _clean(value.text)
            if text in {"$", "%"}:
                continue
            index = _nearest(columns, _clean_right(value))
            figures[index] = f"{figures[index]} {text}".strip()
        grid_rows.append((line.label, figures))
    cells.append(_cell(stub, 0, 0, column_header=True))
    for c, header in enumerate(headers, start=1):
        cells.append(_cell(header, 0, c, column_header=True))
    for r, (label, figures) in enumerate(grid_rows, start=1):
        cells.append(_cell(label, r, 0, row_header=True))
        for c, figure in enumerate(figures, start=1):
            cells.append(_cell(figure, r, c))
    data = TableData(num_rows=len(grid_rows) + 1, num_cols=len(columns) + 1, table_cells=cells)
    all_lines = [*region.title, *region.header, *region.rows]
    table = doc.add_table(data=data, prov=_union_prov(all_lines, doc))
    title = " ".join(line_text(line) for line in region.title).strip()
    if title:
        caption = doc.add_text(
            DocItemLabel.CAPTION, title, prov=_union_prov(region.title, doc), parent=table
        )
        table.captions.append(caption.get_ref())


def line_text(line: Line) -> str:
    return " ".join(f.text for f in line.fragments)


def _column_headers(header: Sequence[Line], columns: Sequence[float]) -> list[str]:
    """Header words stacked above each figure column, top to bottom."""
    parts: list[list[str]] = [[] for _ in columns]
    left_edge = columns[0] - 60
    for line in header:
        for fragment in line.fragments:
            if fragment.right < left_edge:
                continue
            centre = (fragment.left + fragment.right) / 2
            # a header word is centred or right-aligned over its figures
            index = min(
                range(len(columns)),
                key=lambda i: min(abs(columns[i] - fragment.right), abs(columns[i] - 20 - centre)),
            )
            parts[index].append(fragment.text)
    return [" ".join(p) for p in parts]


def _cell(
    text: str, row: int, col: int, *, column_header: bool = False, row_header: bool = False
) -> TableCell:
    return TableCell(
        text=text,
        start_row_offset_idx=row,
        end_row_offset_idx=row + 1,
        start_col_offset_idx=col,
        end_col_offset_idx=col + 1,
        column_header=column_header,
        row_header=row_header,
    )


def _union_prov(lines: Sequence[Line], doc: DoclingDocument) -> ProvenanceItem:
    fragments = [f for line in lines for f in line.fragments]
    page = fragments[0].page
    height = doc.pages[page].size.height if page in doc.pages else 792.0
    box = BoundingBox(
        l=min(f.left for f in fragments),
        t=min(f.top for f in fragments),
        r=max(f.right for f in fragments),
        b=max(f.bottom for f in fragments),
        coord_origin=CoordOrigin.TOPLEFT,
    ).to_bottom_left_origin(height)
    return ProvenanceItem(page_no=page, bbox=box, charspan=(0, 0))


def _copy_text(doc: DoclingDocument, fragment: Fragment) -> None:
    item = fragment.item
    text = item.text
    if HEADING.match(text.strip()) and len(text) < 100:
        doc.add_heading(text.strip(), prov=item.prov[0], level=1)
    else:
        doc.add_text(item.label, text, orig=item.orig, prov=item.prov[0])
