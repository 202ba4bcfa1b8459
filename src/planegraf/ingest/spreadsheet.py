"""Activity spreadsheets (CSV and XLSX): one row per activity, read into the same rows a plan
document gives; bad rows are set aside with their row number, good rows still import.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

from ..atomic import write_bytes
from ..errors import InputError
from ..safe_csv import SpreadsheetSafeWriter
from .document import clean_cell, decode_document
from .model import ActivityRow, AreaHeading, Note, PlanSource

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
EXAMPLE_ROW = (
    "rjl-hp-2018-2020", "6",
    "Samverkan för spridning av evidensbaserat universellt föräldrastöd.",
    "Uppföljning av genomförda föräldrastödsprogram.",
    "Länsstyrelsen i Jönköpings län",
    "Sektion Folkhälsa, Barnhälsovården, Region Jönköpings län, länets kommuner",
    "2018-2020",
)
_PERIOD = re.compile(r"^\s*(\d{4})\s*(?:[-–]\s*(\d{4}))?\s*$")


def read_spreadsheet(path: Path) -> PlanSource:
    """Read a CSV or XLSX activity sheet (header row first, columns as in the template)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        table = _xlsx_rows(path)
    else:
        raise InputError(path, f"unknown spreadsheet type {suffix or '(none)'!r}",
                         hint="use a .csv or .xlsx file (planegraf template writes one)")
    return rows_to_source(table, path)


def _csv_rows(path: Path) -> list[list[str]]:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(path, f"cannot read the file: {err.strerror or err}") from None
    text, _ = decode_document(raw, path)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx_rows(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        # read_only streams the sheet; data_only takes stored values, never evaluating formulas
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for a damaged file
        raise InputError(path, f"not a readable XLSX workbook ({err})",
                         hint="save it from the spreadsheet program as .xlsx") from None
    try:
        sheet = book.worksheets[0]
        return [["" if v is None else _cell_text(v) for v in row]
                for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # Composed letters, as decode_document gives for text files: a name typed with a
    # combining diaeresis must not become a second spelling (or IRI) of the same name.
    return unicodedata.normalize("NFC", str(value))


def rows_to_source(table: list[list[str]], path: Path) -> PlanSource:
    """Turn a header row and data rows into a PlanSource; a bad row becomes a rejected note."""
    source = PlanSource(file_name=path.name)
    if not table:
        raise InputError(path, "the spreadsheet is empty", hint="start from planegraf template")
    columns = _columns(table[0], path)
    per_area: dict[int, int] = {}
    for number, cells in enumerate(table[1:], start=2):
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
        per_area[area] = per_area.get(area, 0) + 1
        source.areas.setdefault(area, AreaHeading(area, "", None, number))
        source.rows.append(ActivityRow(
            area=area, table=None, row=per_area[area], activity=values["activity"],
            follow_up=values.get("follow_up", ""), participants="", line=number,
            end_line=number, coordinators=values.get("coordinators", ""),
            partners=values.get("partners", ""), period=period,
            plan_key=values.get("plan") or None))
    if not source.rows and not source.rejected:
        raise InputError(path, "the spreadsheet has a header but no activity rows",
                         line=1, hint="add one row per activity below the header")
    return source


def _columns(header: list[str], path: Path) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _ALIASES.get(clean_cell(name).casefold())
        if key is None and clean_cell(name):
            raise InputError(path, f"unknown column {name!r}", line=1,
                             hint=f"use the columns {', '.join(HEADERS_SV)}")
        if key:
            columns[key] = index
    missing = [HEADERS_SV[COLUMNS.index(c)] for c in ("area", "activity", "coordinators")
               if c not in columns]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)}", line=1,
                         hint=f"the header row needs {', '.join(HEADERS_SV)}")
    return columns


def _check(values: dict[str, str]
           ) -> tuple[tuple[str, str] | None, int | None, tuple[int, int] | None]:
    area_text = values.get("area", "")
    if not area_text.isdigit():
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
        raise InputError(path, f"unknown spreadsheet type {suffix or '(none)'!r}",
                         hint="name the template .csv or .xlsx")
