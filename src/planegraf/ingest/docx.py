"""Plan documents as Word files (.docx): paragraphs and tables read with python-docx (MIT), in
document order, laid out for the plan parser with the paragraph of every line.

Tables are read from their XML directly (python-docx's ``row.cells`` recomputes the whole
table's grid for every row, quadratic in a 10 000-row table). Merged cells:

- across columns (``w:gridSpan``): the text belongs to the first column it spans; the others
  are empty ("an activity written across the activity and follow-up columns");
- down rows (``w:vMerge``): a merged participants or follow-up cell applies to every row it
  spans, so its text is repeated in each; a merged first cell makes the rows one activity
  (the later rows continue the first, as a row broken across a page does).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

from planegraf.errors import InputError
from planegraf.i18n import Message
from planegraf.ingest.layout_text import LaidOut, Where
from planegraf.ingest.model import PlanSource

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _TR, _TC, _T = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc", f"{_W}t"
_TAB, _BR, _TCPR, _SPAN, _VMERGE = f"{_W}tab", f"{_W}br", f"{_W}tcPr", f"{_W}gridSpan", \
    f"{_W}vMerge"
_PPR, _NUMPR, _PSTYLE, _VAL = f"{_W}pPr", f"{_W}numPr", f"{_W}pStyle", f"{_W}val"
_NAMESPACES = {"w": _W[1:-1]}
_SPECIAL = etree.XPath(
    "boolean(.//w:gridSpan | .//w:vMerge | .//w:tc[count(w:p) > 1] | .//w:r/w:tab | .//w:br"
    " | .//w:delText | .//w:instrText | .//w:tbl)", namespaces=_NAMESPACES)
_PIECES = etree.XPath(".//w:t/text() | .//w:tab | .//w:br | .//w:p[preceding-sibling::w:p]",
                      namespaces=_NAMESPACES)


def read_docx(path: Path) -> PlanSource:
    """Read a plan from a Word (.docx) file."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as err:
        raise InputError(path, Message("doc_not_docx", reason=err),
                         hint=Message("doc_not_docx_hint")) from None
    headings = _heading_styles(document)
    laid = LaidOut("paragraph")
    paragraph = 0
    for child in document.element.body.iterchildren():
        if child.tag == _P:
            paragraph += 1
            text = _text(child).strip()
            if not text:
                laid.blank()
                continue
            style = _style(child)
            where = Where(paragraph=paragraph)
            if style in headings:
                laid.blank()
                laid.add(text, where)
                laid.blank()
            elif _is_list_item(child, style):
                laid.add(f"- {text}", where)
            else:
                laid.blank()
                laid.add(text, where)
                laid.blank()
        elif child.tag == _TBL:
            laid.blank()
            for cells in _table_rows(child):
                laid.add("\t".join(cells), Where())
            laid.blank()
    return laid.parse(path)


def _text(element: Any) -> str:
    """Text of a paragraph or cell: runs' text, tabs and breaks as spaces, paragraphs apart.
    One compiled XPath per element (a Python loop over the runs costs a third of the time
    of a 10 000-row table)."""
    return "".join(part if isinstance(part, str) else " " for part in _PIECES(element))


def _style(paragraph: Any) -> str | None:
    ppr = paragraph.find(_PPR)
    if ppr is None:
        return None
    style = ppr.find(_PSTYLE)
    return None if style is None else str(style.get(_VAL))


def _is_list_item(paragraph: Any, style: str | None) -> bool:
    ppr = paragraph.find(_PPR)
    if ppr is not None and ppr.find(_NUMPR) is not None:
        return True
    return bool(style) and "list" in (style or "").casefold()


def _heading_styles(document: Any) -> set[str]:
    """Style ids of headings and titles ("Heading1", "Rubrik1", "Title")."""
    ids: set[str] = set()
    for style in document.styles:
        name = (getattr(style, "name", "") or "").casefold()
        if name.startswith(("heading", "rubrik", "title", "rubrik")):
            ids.add(style.style_id)
    return ids


def _table_rows(table: Any) -> list[list[str]]:
    """The rows of a table as cell texts on the table's grid, merged cells resolved."""
    if not _SPECIAL(table):
        # Nothing merged, one paragraph per cell, no tabs, breaks, fields or tracked
        # deletions: each cell's text is all its text (read in C, a fifth of the time).
        return [[" ".join(etree.tostring(tc, method="text", encoding="unicode").split())
                 for tc in tr.iterchildren(_TC)] for tr in table.iterchildren(_TR)]
    rows: list[list[str]] = []
    above: dict[int, str] = {}  # text of the cell a vertical merge continues, per column
    for tr in table.iterchildren(_TR):
        cells: list[str] = []
        column = 0
        for tc in tr.iterchildren(_TC):
            span, merge = 1, None
            tcpr = tc.find(_TCPR)
            if tcpr is not None:
                grid = tcpr.find(_SPAN)
                if grid is not None:
                    span = int(grid.get(_VAL) or 1)
                vmerge = tcpr.find(_VMERGE)
                if vmerge is not None:
                    merge = vmerge.get(_VAL) or "continue"
            text = " ".join(_text(tc).split())
            if merge == "continue":
                # The first column merged down: the rows are one activity (continuation).
                text = "" if column == 0 else above.get(column, "")
            else:
                above[column] = text
            cells.append(text)
            cells.extend("" for _ in range(span - 1))
            column += span
        rows.append(cells)
    return rows
