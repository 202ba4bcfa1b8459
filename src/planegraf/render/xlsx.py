"""Tables as Excel workbooks (.xlsx), for people who open answers in a spreadsheet.

A comma CSV opens as one column of text in Swedish Excel, whose list separator is ``;``; a
workbook opens as a table everywhere. One sheet: a bold, frozen header row with an
autofilter, column widths from the first rows, numbers as numbers and everything else as
text.

Nothing written here can run in a spreadsheet: every text cell is stored as a string
(``t="inlineStr"``), never as a formula, whatever it starts with (``=HYPERLINK(…)``,
``=cmd|…`` stay text), and no cell is a hyperlink. What a workbook cannot hold is changed
visibly, never dropped and never a crash: control characters become ``�`` (U+FFFD), and a
text longer than Excel's 32 767 characters is cut with a mark saying how long it was.

The sheet is written in openpyxl's write-only mode, row by row, into a file moved over the
target only when complete (:func:`planegraf.rdf.atomic.writing`): a 100 000-row answer is
never held as cell objects, and a failed write leaves the last good file.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from planegraf import i18n
from planegraf.errors import PlanegrafError
from planegraf.rdf import atomic
from planegraf.render.results import boolean_word

Value = str | int | float | None
"""What a cell holds: text, a number, or nothing (an unbound value)."""

MAX_CELL = 32_767
"""The most characters an Excel cell holds."""
MAX_SHEET_NAME = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# What XML 1.0 (and so a workbook) cannot hold: C0 controls other than tab, LF and CR,
# lone surrogates and the two non-characters U+FFFE and U+FFFF.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"
_WIDTH_SAMPLE = 1000  # rows looked at for the column widths (write-only: set before rows)
_MIN_WIDTH, _MAX_WIDTH = 6, 60


def sheet_name(name: str, lang: str = "sv") -> str:
    """A valid sheet name for ``name``: at most 31 characters, none of ``[]:*?/\\``, no
    apostrophe at either end; the catalogue's word for "answer" when nothing is left.

    >>> sheet_name("coordinators-ranked")
    'coordinators-ranked'
    >>> sheet_name("[utkast] vad: är *detta*? a/b\\\\c")
    '_utkast_ vad_ är _detta__ a_b_c'
    >>> len(sheet_name("x" * 40)), sheet_name("''"), sheet_name("", "en")
    (31, 'Svar', 'Answer')
    """
    cleaned = _ILLEGAL.sub("", _SHEET_FORBIDDEN.sub("_", name)).strip().strip("'")
    cleaned = cleaned[:MAX_SHEET_NAME].strip().strip("'")
    if not cleaned or cleaned.lower() == "history":  # Excel keeps "History" for itself
        return i18n.text("xlsx_sheet_fallback", lang if lang in i18n.LANGUAGES else "en")
    return cleaned


def cell_text(text: str, lang: str = "sv") -> str:
    """``text`` as a workbook can hold it: control characters as ``�``; past 32 767
    characters cut, ending in a mark that says so and how long the text was.

    >>> cell_text("a\\x00b\\x1fc\\td\\ne")
    'a�b�c\\td\\ne'
    >>> cut = cell_text("x" * 40_000, "en")
    >>> len(cut), cut[-40:]
    (32767, 'xxxxxxxx… [cut: 40000 characters in all]')
    """
    text = _ILLEGAL.sub(REPLACEMENT, text)
    if len(text) > MAX_CELL:
        mark = i18n.text("xlsx_cut", lang if lang in i18n.LANGUAGES else "en", n=len(text))
        text = text[: MAX_CELL - len(mark)] + mark
    return text


def _width(value: Value) -> int:
    if value is None:
        return 0
    text = value if isinstance(value, str) else str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def _widths(header: Sequence[str], sample: Sequence[Sequence[Value]]) -> list[float]:
    widths = [max(_MIN_WIDTH, _width(h)) for h in header]
    for row in sample:
        for i, value in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], _width(value))
    return [min(_MAX_WIDTH, w + 2) for w in widths]


def _cells(sheet: WriteOnlyWorksheet, row: Sequence[Value], lang: str) -> list[object]:
    cells: list[object] = []
    for value in row:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=cell_text(value, lang))
            cell.data_type = "s"  # text, whatever it starts with: never a formula
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def _discard(ws: WriteOnlyWorksheet) -> None:
    """Finish and remove the half-written sheet openpyxl streams into a temporary file (it
    would otherwise stay until the interpreter exits)."""
    with contextlib.suppress(Exception):
        ws.close()
    writer = getattr(ws, "_writer", None)
    if writer is not None:
        with contextlib.suppress(Exception):
            writer.cleanup()


def write_table(path: Path, sheet: str, header: Sequence[str],
                rows: Iterable[Sequence[Value]], lang: str = "sv") -> int:
    """Write one table as a workbook at ``path``, atomically; the number of rows written.

    ``sheet`` is made a valid sheet name (:func:`sheet_name`). Text is written as text,
    ``int`` and ``float`` as numbers, ``None`` as an empty cell.
    """
    book, count = _book(sheet, header, rows, lang)
    with atomic.writing(path) as handle:
        book.save(handle)
    return count


def table_bytes(sheet: str, header: Sequence[str], rows: Iterable[Sequence[Value]],
                lang: str = "sv") -> bytes:
    """The workbook :func:`write_table` writes, as bytes (what a server sends).

    >>> table_bytes("svar", ["Antal"], [[1]])[:2]
    b'PK'
    """
    book, _ = _book(sheet, header, rows, lang)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _book(sheet: str, header: Sequence[str], rows: Iterable[Sequence[Value]], lang: str
          ) -> tuple[Workbook, int]:
    rows = iter(rows)
    sample = list(itertools.islice(rows, _WIDTH_SAMPLE))
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet_name(sheet, lang))
    for i, width in enumerate(_widths(header, sample), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for title in header:
        cell = WriteOnlyCell(ws, value=cell_text(title, lang))
        cell.data_type = "s"
        cell.font = bold
        heading.append(cell)
    ws.append(heading)
    count = 0
    try:
        for row in itertools.chain(sample, rows):
            ws.append(_cells(ws, row, lang))
            count += 1
    except BaseException:
        _discard(ws)
        raise
    if header:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    return book, count


def refuse_terminal(fmt: str, output: Path | None) -> None:
    """Refuse a workbook asked for without ``-o``: its bytes on a terminal help no one."""
    if fmt == "xlsx" and output is None:
        raise PlanegrafError(i18n.Message("xlsx_needs_file"))


def _language(lang: str) -> str:
    return lang if lang in i18n.LANGUAGES else "en"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def column_heading(column: str, lang: str, report: str = "") -> str:
    """The heading people read for a report's CSV column ``column`` (``degree_before``,
    ``brokerage_liaison`` …) in ``lang``; the column's name when the catalogue has none.

    >>> column_heading("degree_before", "sv"), column_heading("brokerage_liaison", "en")
    ('Grad (före)', 'Brokerage: liaison')
    >>> column_heading("activities", "sv"), column_heading("activities", "sv", "gaps")
    ('Aktiviteter', 'Aktiviteter (IRI)')
    """
    lang = _language(lang)
    words = i18n.strings(lang)
    for key in (f"xlsx_{report}_{column}", f"xlsx_column_{column}"):
        if key in words:
            return words[key]
    if f"metric_column_{column}" in words:
        return _capitalised(words[f"metric_column_{column}"])
    role = column.removeprefix("brokerage_")
    if role != column and f"metric_column_{role}" in words:
        return i18n.text("xlsx_brokerage", lang, role=words[f"metric_column_{role}"])
    for side in ("before", "after"):
        base = column.removesuffix(f"_{side}")
        if base != column:
            return i18n.text(f"xlsx_column_{side}", lang,
                             column=column_heading(base, lang, report))
    return column


def report_value(value: object, lang: str) -> Value:
    """A report's value as a cell: numbers as numbers, truth values as the language's words
    (ja/nej), an empty text as an empty cell, anything else as its text.

    >>> [report_value(v, "sv") for v in (True, 3, 0.5, "", None, "Qulturum")]
    ['ja', 3, 0.5, None, None, 'Qulturum']
    """
    if isinstance(value, bool):
        return boolean_word(value, lang)
    if isinstance(value, int | float):
        return value if math.isfinite(value) else str(value)
    if value is None or value == "":
        return None
    return str(value)


def write_report(path: Path, sheet: str, report: str, columns: Sequence[str],
                 rows: Iterable[Sequence[object]], lang: str = "sv",
                 named: Mapping[str, Mapping[str, str]] | None = None) -> int:
    """Write a report's table (``metrics``, ``gaps``, ``compare``: the rows of its CSV) as a
    workbook: headings in ``lang`` (:func:`column_heading`), values by :func:`report_value`.

    ``named`` gives, by column, the names in ``lang`` of the codes the CSV writes there
    (``municipality``, ``new`` …): a workbook is read by people, in their language.
    """
    header = [column_heading(column, lang, report) for column in columns]
    names = [(named or {}).get(column, {}) for column in columns]
    values = ([report_value(names[i].get(value, value) if isinstance(value, str) else value,
                            lang) for i, value in enumerate(row)] for row in rows)
    return write_table(path, sheet, header, values, lang)
