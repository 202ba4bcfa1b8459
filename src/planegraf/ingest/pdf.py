"""Plan documents as PDF: text and ruled tables read with pypdfium2 (Apache-2.0 or
BSD-3-Clause, on Google's PDFium, BSD-3-Clause), laid out for the plan parser with the page of
every line.

pdfplumber (MIT, on pdfminer.six) was measured first: it reads tables well but interprets
every character in Python, about 0.23 s of CPU per page of a dense table (156 rows/s); PDFium
does it in C++, about 25 times faster. Tables are found from their ruling lines (the path
segments of the page), cells read with PDFium's text-in-a-rectangle.

What PDFs do to a plan, and what is done about it:

- a table continues on the next page and repeats its header row there: the repeated header
  is dropped, and so are the running header and footer lines between the two parts (page
  numbers, the document's name), so the parts stay one table;
- a row breaks across the page: its second part has an empty first cell (or starts in lower
  case) and continues the row above, as in the extracted text;
- a cell wraps over several lines: they are joined with spaces;
- headings are set in a larger font: they become paragraphs of their own, and a wider gap
  between lines starts a new paragraph;
- a scanned PDF has no text layer: refused with a clear error (planegraf does no OCR).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planegraf.errors import InputError
from planegraf.i18n import Message
from planegraf.ingest.layout_text import LaidOut, Where
from planegraf.ingest.model import Note, PlanSource

# A line between two parts of a table that only a page has: a page number, "Sida 3 av 12".
_FURNITURE_MAX = 100
_TOLERANCE = 1.0  # points: ruling lines closer than this are one line
_PAGE_NUMBER = re.compile(r"^(?:(?:Sida|Sid|Page|s\.)\s*)?\d+(?:\s*(?:av|/|of)\s*\d+)?$",
                          re.IGNORECASE)
_STRUCTURAL = re.compile(r"^(?:Handlingsområde|Strategiskt mål|Tabell|Mål)\b")
_HEADER_WORD = re.compile(r"^\s*Aktivitet", re.IGNORECASE)


def read_pdf(path: Path) -> PlanSource:
    """Read a plan from a PDF file."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as err:
        raise InputError(path, Message("doc_not_pdf", reason=err),
                         hint=Message("doc_not_pdf_hint")) from None
    try:
        laid = _lay_out((_read_page(document[i]) for i in range(len(document))), path)
    finally:
        document.close()
    return laid.parse(path)


@dataclass
class _Line:
    top: float
    bottom: float
    text: str

    @property
    def size(self) -> float:
        return self.bottom - self.top


@dataclass
class _Table:
    top: float
    rows: list[list[str]]


@dataclass
class _Page:
    lines: list[_Line]
    tables: list[_Table]
    chars: int
    body: float


def _read_page(page: Any) -> _Page:
    """A page's ruled tables (cells on the table's grid) and its other text lines, top down."""
    height = page.get_size()[1]
    text = page.get_textpage()
    try:
        tables, boxes = _tables(page, text, height)
        lines: list[_Line] = []
        sizes: Counter[int] = Counter()
        for index in range(text.count_rects(0, -1)):
            left, bottom, right, top = text.get_rect(index)
            sizes[round(top - bottom)] += 1  # the body text's size: the most common one
            line = _Line(height - top, height - bottom,
                         _cell(text.get_text_bounded(left, bottom, right, top)))
            middle = (line.top + line.bottom) / 2
            centre = (left + right) / 2
            if not line.text or any(x0 <= centre <= x1 and t <= middle <= b
                                    for x0, t, x1, b in boxes):
                continue
            if lines and abs(lines[-1].top - line.top) < line.size / 2 \
                    and abs(lines[-1].bottom - line.bottom) < line.size / 2:
                lines[-1].text += " " + line.text  # another run of the same line
            else:
                lines.append(line)
        body = float(sizes.most_common(1)[0][0]) if sizes else 10.0
        return _Page(lines, tables, text.count_chars(), body)
    finally:
        text.close()
        page.close()


def _edges(page: Any) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    """Horizontal (x0, x1, y) and vertical (y0, y1, x) ruling lines, in PDF coordinates."""
    import ctypes

    import pypdfium2.raw as raw

    across: list[tuple[float, float, float]] = []
    down: list[tuple[float, float, float]] = []
    x, y = ctypes.c_float(), ctypes.c_float()

    def edge(a: tuple[float, float], b: tuple[float, float]) -> None:
        if abs(a[1] - b[1]) < _TOLERANCE and abs(a[0] - b[0]) >= _TOLERANCE:
            across.append((min(a[0], b[0]), max(a[0], b[0]), (a[1] + b[1]) / 2))
        elif abs(a[0] - b[0]) < _TOLERANCE and abs(a[1] - b[1]) >= _TOLERANCE:
            down.append((min(a[1], b[1]), max(a[1], b[1]), (a[0] + b[0]) / 2))

    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=4):
        m = obj.get_matrix().get()
        points: list[tuple[float, float]] = []
        for index in range(raw.FPDFPath_CountSegments(obj.raw)):
            segment = raw.FPDFPath_GetPathSegment(obj.raw, index)
            raw.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y))
            point = (m[0] * x.value + m[2] * y.value + m[4],
                     m[1] * x.value + m[3] * y.value + m[5])
            if raw.FPDFPathSegment_GetType(segment) == raw.FPDF_SEGMENT_MOVETO:
                points = [point]
                continue
            if points:
                edge(points[-1], point)
            points.append(point)
            if raw.FPDFPathSegment_GetClose(segment) and len(points) > 2:
                edge(point, points[0])
    return across, down


def _tables(page: Any, text: Any, height: float
            ) -> tuple[list[_Table], list[tuple[float, float, float, float]]]:
    """Ruled tables: groups of crossing ruling lines; a cell is a band between two
    horizontal lines and two vertical lines that cross it (a merged cell lacks the line
    between: its text goes to its first column)."""
    across, down = _edges(page)
    if len(across) < 2 or len(down) < 2:
        return [], []
    groups = _connected(across, down)
    tables: list[_Table] = []
    boxes: list[tuple[float, float, float, float]] = []
    for group_across, group_down in groups:
        ys = _distinct(sorted((y for _, _, y in group_across), reverse=True))
        xs = _distinct(sorted(x for _, _, x in group_down))
        if len(ys) < 2 or len(xs) < 2:
            continue
        rows: list[list[str]] = []
        for top, bottom in zip(ys, ys[1:], strict=False):
            middle = (top + bottom) / 2
            cuts = [x for x in xs if any(abs(x - vx) < _TOLERANCE and y0 - _TOLERANCE <= middle
                                         <= y1 + _TOLERANCE for y0, y1, vx in group_down)]
            cells = [""] * (len(xs) - 1)
            for left, right in zip(cuts, cuts[1:], strict=False):
                column = _nearest(xs, left)
                if column < len(cells):
                    cells[column] = _cell(text.get_text_bounded(left, bottom, right, top))
            rows.append(cells)
        tables.append(_Table(height - ys[0], rows))
        boxes.append((xs[0], height - ys[0], xs[-1], height - ys[-1]))
    return tables, boxes


def _connected(across: list[tuple[float, float, float]], down: list[tuple[float, float, float]]
               ) -> list[tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]]:
    """The ruling lines grouped by which cross or touch (one group per table)."""
    parent = list(range(len(across) + len(down)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Sorted by y, a vertical line can only meet the horizontal lines within its span.
    order = sorted(range(len(across)), key=lambda i: across[i][2])
    ys = [across[i][2] for i in order]
    for j, (y0, y1, x) in enumerate(down):
        for k in range(bisect_left(ys, y0 - _TOLERANCE), bisect_right(ys, y1 + _TOLERANCE)):
            i = order[k]
            x0, x1, _ = across[i]
            if x0 - _TOLERANCE <= x <= x1 + _TOLERANCE:
                parent[find(i)] = find(len(across) + j)
    groups: dict[int, tuple[list[tuple[float, float, float]],
                            list[tuple[float, float, float]]]] = {}
    for i, line in enumerate(across):
        groups.setdefault(find(i), ([], []))[0].append(line)
    for j, line in enumerate(down):
        groups.setdefault(find(len(across) + j), ([], []))[1].append(line)
    return list(groups.values())


def _nearest(values: list[float], value: float) -> int:
    return min(range(len(values)), key=lambda i: abs(values[i] - value))


def _distinct(values: list[float]) -> list[float]:
    out: list[float] = []
    for value in values:
        if not out or abs(value - out[-1]) >= _TOLERANCE * 2:
            out.append(value)
    return out


def _lay_out(pages: Iterable[_Page], path: Path) -> LaidOut:
    laid = LaidOut("page")
    header: list[str] | None = None   # header row of the table that is open
    columns = 0
    table_page = 0
    seen: set[str] = set()       # text lines of earlier pages (running headers, footers)
    held: list[tuple[str, int]] = []  # text after an open table: footer, or the end of it
    any_text = False
    for number, page in enumerate(pages, start=1):
        if not page.chars:
            continue
        any_text = True
        body = page.body
        items: list[tuple[float, int, _Line | _Table]] = [(x.top, 0, x) for x in page.lines]
        items += [(t.top, 1, t) for t in page.tables]
        items.sort(key=lambda item: (item[0], item[1]))
        previous_bottom: float | None = None
        heading_open = False
        for _, _, item in items:
            if isinstance(item, _Line):
                text = item.text
                if _PAGE_NUMBER.match(text):
                    continue  # "Sida 3", "3 av 12": the page's, not the plan's
                if header is not None:
                    held.append((text, number))
                    continue
                gap = item.top - previous_bottom if previous_bottom is not None else 0.0
                if item.size >= body * 1.15:  # a heading: a paragraph of its own
                    if heading_open and gap <= 0.5 * item.size and not _STRUCTURAL.match(text):
                        laid.extend(text)  # a heading wrapped over two lines
                    else:
                        laid.blank()
                        laid.add(text, Where(page=number))
                        laid.blank()
                    heading_open = True
                else:
                    if previous_bottom is not None and gap > 0.9 * body:
                        laid.blank()
                    heading_open = False
                    laid.add(text, Where(page=number))
                previous_bottom = item.bottom
                continue
            rows = [row for row in item.rows if any(row)]
            if not rows:
                continue
            continues = (header is not None and number > table_page
                         and _may_be_furniture(held, seen)
                         and (rows[0] == header
                              or (len(rows[0]) == columns and not rows[0][0])))
            if continues:
                if held:
                    laid.notes.append(Note(
                        None, f"Tabellen fortsätter på sidan {number}; "
                        f"{len(held)} rader sidhuvud eller sidfot däremellan lästes inte.",
                        f"The table continues on page {number}; {len(held)} running "
                        "header or footer lines between its parts were not read."))
                held = []
                if rows[0] == header:
                    rows = rows[1:]
            else:
                _release(laid, held)
                held = []
                laid.blank()
                if _HEADER_WORD.match(rows[0][0]):
                    header, columns = rows[0], len(rows[0])
                else:
                    header, columns = None, 0
            heading_open = False
            for row in rows:
                laid.add("\t".join(row), Where(page=number))
            previous_bottom = item.top + 1
            table_page = number
        # Text after a table that is not followed by its continuation is the document's.
        if header is not None and held and not _may_be_furniture(held, seen):
            _release(laid, held)
            held, header = [], None
        seen |= {line.text for line in page.lines}
    _release(laid, held)
    if not any_text:
        raise InputError(path, Message("doc_no_text_layer"),
                         hint=Message("doc_no_text_layer_hint"))
    return laid


def _release(laid: LaidOut, held: list[tuple[str, int]]) -> None:
    if held:
        laid.blank()
    for text, page in held:
        laid.add(text, Where(page=page))


def _may_be_furniture(held: list[tuple[str, int]], seen: set[str]) -> bool:
    """Only a page has these lines: page numbers, and running headers or footers (a short
    line that other pages have too)."""
    return all(_PAGE_NUMBER.match(text) or (len(text) <= _FURNITURE_MAX and text in seen)
               for text, _ in held)


def _cell(value: str | None) -> str:
    """A cell's lines joined: a wrapped cell is one text (PDFium marks a hyphen it broke a
    word at with \\x02; such a word is joined again)."""
    if not value:
        return ""
    value = re.sub(r"[\x02\xad]\s*", "", value)
    return re.sub(r"\s+", " ", value).strip()
