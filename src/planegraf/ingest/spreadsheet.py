"""Activity spreadsheets (CSV and XLSX): one row per activity, read into the same rows a plan
document gives; bad rows are set aside with their row number, good rows still import.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from planegraf.errors import InputError
from planegraf.i18n import Message, suffix_named
from planegraf.ingest.document import clean_cell, decode_document
from planegraf.ingest.model import ActivityRow, AreaHeading, Note, PlanSource
from planegraf.rdf.atomic import write_bytes
from planegraf.rdf.safe_input import InputLimits, check_xlsx_archive, plan_key_problem
from planegraf.render.safe_csv import SpreadsheetSafeWriter

COLUMNS = ("plan", "area", "activity", "follow_up", "coordinators", "partners", "period")
HEADERS_SV = ("Plan", "Handlingsområde", "Aktivitet", "Uppföljning", "Samordningsansvariga",
              "Samverkansparter", "Period")
_ALIASES = {
    "plan": "plan", "handlingsplan": "plan",
    "handlingsområde": "area", "område": "area", "area": "area", "action area": "area",
    "aktivitet": "activity", "activity": "activity",
    "uppföljning": "follow_up", "follow-up": "follow_up", "follow up": "follow_up",
    "samordningsansvarig": "coordinators", "samordningsansvariga": "coordinators",
    "coordinator": "coordinators", "coordinators": "coordinators",
    "samverkansparter": "partners", "samverkanspart": "partners", "partners": "partners",
    "partner": "partners",
    "period": "period", "tidsperiod": "period",
}
# Tied to no region: "Länsstyrelsen", "Regionen" and "länets kommuner" resolve to the
# county of the project (or --county), and the plan takes the project's strategy.
EXAMPLE_ROW = (
    "handlingsplan-2025-2026", "1",
    "Samverkan för spridning av evidensbaserat universellt föräldrastöd.",
    "Uppföljning av genomförda föräldrastödsprogram.",
    "Länsstyrelsen",
    "Regionen, länets kommuner",
    "2025-2026",
)
_PERIOD = re.compile(r"^\s*(\d{4})\s*(?:[-–]\s*(\d{4}))?\s*$")


def read_spreadsheet(path: Path, limits: InputLimits | None = None) -> PlanSource:
    """Read a CSV or XLSX activity sheet (header row first, columns as in the template).

    The file is held to ``limits`` (by default :meth:`InputLimits.from_environment`): size,
    rows, columns and characters in a cell; over a limit it is refused (exit 2) with the
    limit and how to raise it, before it can take the machine's memory.
    """
    limits = limits or InputLimits.from_environment()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = _csv_rows(path, limits)
    elif suffix in (".xlsx", ".xlsm"):
        table = _xlsx_rows(path, limits)
    else:
        raise InputError(path, Message("sheet_unknown_type", suffix=suffix_named(suffix)),
                         hint=Message("sheet_unknown_type_hint"))
    return rows_to_source(table.rows, path, table.lines, table.rejected)


@dataclass
class _Table:
    """Rows as read, the line (CSV) or row number (XLSX) each starts on, and rows set aside."""

    rows: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    rejected: list[Note] = field(default_factory=list)

    def add(self, line: int, cells: list[str], path: Path, limits: InputLimits) -> None:
        if len(self.rows) >= limits.max_rows:
            raise limits.refuse(path, Message("limit_too_many_rows"),
                                "max_rows", line=line)
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) > limits.max_columns:
            raise limits.refuse(path, Message("limit_row_columns", line=line, count=len(cells)),
                                "max_columns",
                                line=line)
        for column, cell in enumerate(cells, start=1):
            if len(cell) > limits.max_cell:
                raise limits.refuse(path, Message("limit_cell_characters", column=column,
                                                  count=len(cell)),
                                    "max_cell", line=line, column=column)
        self.rows.append(cells)
        self.lines.append(line)


_NEWLINE = re.compile(r"\r\n|\n|\r")


def _csv_rows(path: Path, limits: InputLimits) -> _Table:
    try:
        size = path.stat().st_size
        if size > limits.max_mib * 1024 * 1024:
            raise limits.refuse(path, Message("limit_file_size", size=size // (1 << 20)),
                                "max_mib")
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(path, Message("load_unreadable", reason=err.strerror or err)) from None
    text, _ = decode_document(raw, path)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    # Physical lines with their ends, as the csv module reads them: a record may span
    # several (a cell with a line break), and an unclosed quote is found by its lines.
    ends = [m.end() for m in _NEWLINE.finditer(text)]
    lines = [text[a:b] for a, b in zip([0, *ends], [*ends, len(text)], strict=True)
             if a < b]
    table = _Table()
    previous = csv.field_size_limit(max(limits.max_cell + 1, 131_072))
    try:
        _read_csv_lines(lines, delimiter, path, limits, table)
    finally:
        csv.field_size_limit(previous)
    return table


def _read_csv_lines(lines: list[str], delimiter: str, path: Path, limits: InputLimits,
                    table: _Table) -> None:
    """Read ``lines`` into ``table``. A quote that opens and never closes would swallow the
    rows after it into one cell: when the line after such a record reads as a whole row on
    its own (as many cells as the header, its quotes in pairs), the record's first line is
    set aside (reported) and reading starts again on the next line, so the good rows are
    kept. A cell with a line break in it leaves its next line with an odd quote, so it is
    read as one row as before."""
    start = 0
    width: int | None = None
    while start < len(lines):
        reader = csv.reader(iter(lines[start:]), delimiter=delimiter)
        consumed = 0
        restart = None
        try:
            for cells in reader:
                first, last = start + consumed + 1, start + reader.line_num
                consumed = reader.line_num
                if (width is not None and last > first
                        and _reads_as_a_row(lines[first], delimiter, width)):
                    table.rejected.append(Note(
                        first, f"Rad {first}: ett citattecken öppnas men stängs aldrig; "
                        "raden importerades inte.",
                        f"Row {first}: a quote opens and never closes; the row was not "
                        "imported."))
                    restart = first  # the 0-based index of the line after the bad one
                    break
                if width is None:
                    width = len(cells)
                table.add(first, cells, path, limits)
        except csv.Error as err:
            line = start + reader.line_num
            if "field larger than field limit" in str(err):
                raise limits.refuse(path, Message("limit_cell_too_long"), "max_cell",
                                    line=line) from None
            raise InputError(path, Message("sheet_not_csv", reason=err), line=line,
                             hint=Message("sheet_not_csv_hint")) from None
        if restart is None:
            return
        start = restart


def _reads_as_a_row(line: str, delimiter: str, width: int) -> bool:
    try:
        rows = list(csv.reader([line], delimiter=delimiter))
    except csv.Error:
        return False
    # A whole row has its quotes in pairs; the rest of a cell with a line break has one over.
    return len(rows) == 1 and len(rows[0]) == width and line.count('"') % 2 == 0


def _xlsx_rows(path: Path, limits: InputLimits) -> _Table:
    from openpyxl import load_workbook

    # The archive is checked first: openpyxl unpacks the shared strings whole when it opens
    # the workbook. defusedxml (a dependency) makes openpyxl refuse XML entity tricks.
    check_xlsx_archive(path, limits)
    try:
        # read_only streams the sheet; data_only takes stored values, never evaluating formulas
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for a damaged file
        raise InputError(path, Message("sheet_not_xlsx", reason=err),
                         hint=Message("sheet_not_xlsx_hint")) from None
    table = _Table()
    try:
        sheet = book.worksheets[0]
        # The sheet's own claim of its size (<dimension ref="A1:XFD1048576"/>) is not
        # trusted: openpyxl would pad every row and column up to it.
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            table.add(number, ["" if v is None else _cell_text(v) for v in row], path, limits)
    finally:
        book.close()
    return table


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # Composed letters, as decode_document gives for text files: a name typed with a
    # combining diaeresis must not become a second spelling (or IRI) of the same name.
    return unicodedata.normalize("NFC", str(value))


def rows_to_source(table: list[list[str]], path: Path, lines: Sequence[int] | None = None,
                   rejected: Sequence[Note] = ()) -> PlanSource:
    """Turn a header row and data rows into a PlanSource; a bad row becomes a rejected note.

    ``lines`` gives the line each row starts on (default: its position, header = 1);
    ``rejected`` are rows the reader already set aside.
    """
    source = PlanSource(file_name=path.name)
    source.rejected.extend(rejected)
    if not table:
        raise InputError(path, Message("sheet_empty"), hint=Message("sheet_empty_hint"))
    numbers = list(lines) if lines is not None else list(range(1, len(table) + 1))
    columns = _columns(table[0], path)
    per_area: dict[int, int] = {}
    for number, cells in zip(numbers[1:], table[1:], strict=True):
        values = {name: clean_cell(cells[i]) if i < len(cells) else ""
                  for name, i in columns.items()}
        if not any(values.values()):
            continue
        problem, area, period = _check(values)
        if problem:
            source.rejected.append(Note(
                number, f"Rad {number}: {problem[0]}; raden importerades inte.",
                f"Row {number}: {problem[1]}; the row was not imported."))
            continue
        assert area is not None
        if values.get("activity") == EXAMPLE_ROW[2]:
            # Imported like any row (it shows the sheet works), but a filled-in sheet that
            # kept it would publish the template's invented activity as the region's own.
            source.checks.append(Note(
                number, f"Rad {number} är mallens exempelrad (planegraf template); den "
                        "importerades som en aktivitet: ta bort raden om den inte är er.",
                f"Row {number} is the template's example row (planegraf template); it was "
                "imported as an activity: delete the row unless it is yours."))
        per_area[area] = per_area.get(area, 0) + 1
        source.areas.setdefault(area, AreaHeading(area, "", None, number))
        source.rows.append(ActivityRow(
            area=area, table=None, row=per_area[area], activity=values["activity"],
            follow_up=values.get("follow_up", ""), participants="", line=number,
            end_line=number, coordinators=values.get("coordinators", ""),
            partners=values.get("partners", ""), period=period,
            plan_key=values.get("plan") or None))
    source.rejected.sort(key=lambda note: note.line or 0)
    if not source.rows and not source.rejected:
        raise InputError(path, Message("sheet_no_rows"), line=1,
                         hint=Message("sheet_no_rows_hint"))
    return source


def _columns(header: list[str], path: Path) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _ALIASES.get(clean_cell(name).casefold())
        if key is None and clean_cell(name):
            raise InputError(path, Message("sheet_unknown_column", name=repr(name)), line=1,
                             hint=Message("sheet_columns_hint", columns=", ".join(HEADERS_SV)))
        if key:
            columns[key] = index
    missing = [HEADERS_SV[COLUMNS.index(c)] for c in ("area", "activity", "coordinators")
               if c not in columns]
    if missing:
        raise InputError(path, Message("sheet_missing_columns", columns=", ".join(missing)),
                         line=1, hint=Message("sheet_header_hint", columns=", ".join(HEADERS_SV)))
    return columns


def _check(values: dict[str, str]
           ) -> tuple[tuple[str, str] | None, int | None, tuple[int, int] | None]:
    area_text = values.get("area", "")
    if values.get("plan") and (key_problem := plan_key_problem(values["plan"])):
        return (f"planen {values['plan']!r}: {key_problem[0]}",
                f"the plan {values['plan']!r}: {key_problem[1]}"), None, None
    if not area_text.isdecimal():  # what int() reads: "²" is a digit, not a number
        return (f"handlingsområdet {area_text!r} är inget nummer",
                f"the action area {area_text!r} is not a number"), None, None
    if not values.get("activity"):
        return ("aktiviteten saknas", "the activity is missing"), None, None
    if not values.get("coordinators"):
        return ("samordningsansvarig saknas", "the coordinator is missing"), None, None
    period = None
    if values.get("period"):
        match = _PERIOD.match(values["period"])
        if not match:
            return (f"perioden {values['period']!r} är inte 'ÅÅÅÅ' eller 'ÅÅÅÅ-ÅÅÅÅ'",
                    f"the period {values['period']!r} is not 'YYYY' or 'YYYY-YYYY'"), None, None
        start = int(match[1])
        end = int(match[2] or match[1])
        if end < start:
            return (f"perioden {values['period']!r} slutar före den börjar",
                    f"the period {values['period']!r} ends before it starts"), None, None
        period = (start, end)
    return None, int(area_text), period


def write_template(path: Path) -> None:
    """Write an empty activity sheet (CSV or XLSX) with the header and one example row."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        buffer = io.StringIO()
        writer = SpreadsheetSafeWriter(buffer, lineterminator="\n")
        writer.writerow(HEADERS_SV)
        writer.writerow(EXAMPLE_ROW)
        write_bytes(path, buffer.getvalue().encode("utf-8"))
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "Aktiviteter"
        sheet.append(list(HEADERS_SV))
        sheet.append(list(EXAMPLE_ROW))
        data = io.BytesIO()
        book.save(data)
        write_bytes(path, data.getvalue())
    else:
        raise InputError(path, Message("sheet_unknown_type", suffix=suffix_named(suffix)),
                         hint=Message("sheet_template_type_hint"))
