"""Plan documents as PDF: text and ruled tables read with pdfplumber (MIT, on pdfminer.six),
laid out for the plan parser with the page of every line.

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
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import InputError
from .layout_text import LaidOut, Where
from .model import Note, PlanSource

# A line between two parts of a table that only a page has: a page number, "Sida 3 av 12".
_FURNITURE_MAX = 100
_PAGE_NUMBER = re.compile(r"^(?:(?:Sida|Sid|Page|s\.)\s*)?\d+(?:\s*(?:av|/|of)\s*\d+)?$",
                          re.IGNORECASE)
_STRUCTURAL = re.compile(r"^(?:Handlingsområde|Strategiskt mål|Tabell|Mål)\b")
_HEADER_WORD = re.compile(r"^\s*Aktivitet", re.IGNORECASE)


def read_pdf(path: Path) -> PlanSource:
    """Read a plan from a PDF file."""
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(path)
    except (PDFSyntaxError, OSError, ValueError) as err:
        raise InputError(path, f"not a readable PDF: {err}",
                         hint="export the plan again as PDF, or as Word (.docx)") from None
    except Exception as err:  # pdfminer raises its own types for damaged files
        raise InputError(path, f"not a readable PDF ({type(err).__name__}: {err})",
                         hint="export the plan again as PDF, or as Word (.docx)") from None
    with pdf:
        laid = _lay_out(pdf.pages, path)
    return laid.parse(path)


def _lay_out(pages: list[Any], path: Path) -> LaidOut:
    laid = LaidOut("page")
    header: list[str] | None = None   # header row of the table that is open
    columns = 0
    table_page = 0
    seen: set[str] = set()       # text lines of earlier pages (running headers, footers)
    page_lines: set[str] = set()
    held: list[tuple[str, int]] = []  # text after an open table: footer, or the end of it
    any_text = False
    for number, page in enumerate(pages, start=1):
        seen |= page_lines
        page_lines = set()
        if not page.chars:
            continue
        any_text = True
        tables = page.find_tables()
        boxes = [table.bbox for table in tables]
        body_size = _body_size(page.chars)
        outside = page.filter(lambda obj, boxes=boxes: obj.get("object_type") != "char"
                              or not _inside(obj, boxes))
        items: list[tuple[float, int, Any]] = []
        for line in outside.extract_text_lines(return_chars=True):
            items.append((line["top"], 0, line))
        for index, table in enumerate(tables):
            items.append((table.bbox[1], 1, (index, table)))
        items.sort(key=lambda item: (item[0], item[1]))
        previous_bottom: float | None = None
        heading_open = False
        for _, kind, item in items:
            if kind == 0:
                text = item["text"].strip()
                if not text:
                    continue
                page_lines.add(text)
                if header is not None:
                    held.append((text, number))
                    continue
                size = max((c.get("size", body_size) for c in item["chars"]), default=body_size)
                gap = item["top"] - previous_bottom if previous_bottom is not None else 0.0
                if (previous_bottom is not None and gap > 0.9 * body_size
                        and size < body_size * 1.15):
                    laid.blank()
                if size >= body_size * 1.15:  # a heading: a paragraph of its own
                    if (heading_open and gap <= 0.5 * size
                            and not _STRUCTURAL.match(text)):
                        laid.extend(text)  # a heading wrapped over two lines
                    else:
                        laid.blank()
                        laid.add(text, Where(page=number))
                        laid.blank()
                    heading_open = True
                    previous_bottom = item["bottom"]
                    continue
                heading_open = False
                laid.add(text, Where(page=number))
                previous_bottom = item["bottom"]
                continue
            _, table = item
            rows = [[_cell(c) for c in row] for row in table.extract()]
            rows = [row for row in rows if any(row)]
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
            previous_bottom = table.bbox[3]
            table_page = number
        # Text after a table that is not followed by its continuation is the document's.
        if header is not None and held and not _may_be_furniture(held, seen):
            _release(laid, held)
            held, header = [], None
    _release(laid, held)
    if not any_text:
        raise InputError(
            path, "the PDF has no text layer (it looks scanned: its pages are images), so "
            "there is no text to read", hint="run text recognition on it first (for example "
            "ocrmypdf plan.pdf plan-ocr.pdf), or export the plan from its original program "
            "as PDF with text or as Word (.docx)")
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
    """A cell's lines joined: a wrapped cell is one text."""
    if not value:
        return ""
    return re.sub(r"\s+", " ", value.replace("\t", " ")).strip()


def _inside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


def _body_size(chars: list[dict[str, Any]]) -> float:
    sizes = Counter(round(c.get("size", 10.0), 1) for c in chars)
    return float(sizes.most_common(1)[0][0]) if sizes else 10.0
