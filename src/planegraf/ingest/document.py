"""The plan-document reader: bytes → text (encoding, line ends) → headings, "Mål" lists and
activity tables → rows with the lines they span, coping with what PDF extraction leaves.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from planegraf.errors import InputError
from planegraf.i18n import Message
from planegraf.ingest.model import ActivityRow, AreaHeading, Note, Objective, PlanSource

_MARKUP = re.compile(r"</?(?:p|i|b|em|strong|u|span|br|div)\b[^>]*>", re.IGNORECASE)
_EMPHASIS = re.compile(r"\*{1,2}([^*\n]+?)\*{1,2}")
_SPACES = re.compile(r"\s+")

_AREA = re.compile(r"^Handlingsområde\s+(\d+)\s*:\s*(\S.*)$")
_GOAL = re.compile(r"^Strategiskt mål\s+(\d+)\s*:\s*(\S.*)$")
_TABLE = re.compile(r"^Tabell\s+(\d+)\b")
_LIST_HEADING = re.compile(r"^Handlingsområden?$")
_STRUCTURAL = re.compile(r"^(Handlingsområde|Strategiskt mål|Tabell)\b")
_NUMBERED = re.compile(r"^(\d+)\.\s+(\S.*)$")
_OBJECTIVES = re.compile(r"^Mål\s*:?$")
_BULLET = re.compile(r"^[-•–]\s+(\S.*)$")
_CONTACT = re.compile(r"^Kontakt(?:person(?:er)?|a oss|uppgifter)?\s*:?$", re.IGNORECASE)
_SEPARATOR_LINE = re.compile(r"^[\s|]*-{3,}[\s\-|]*$")
_IDENTIFIER = re.compile(r",\s*((?:[A-ZÅÄÖ]{2,}\s+)?\d{4}/\d+)\s*$")
_YEARS = re.compile(r"(\d{4})\s*[-–]\s*(\d{4})")
_SWEDISH_NON_ASCII = set("åäöÅÄÖéÉèüÜ–—’‘”“•…§°½´¹²³ ")
_COLUMNS = 3
# An activity table's header: a line whose first tab-separated cell starts "Aktivitet".
_HAS_TABLE = re.compile(r"^[^\S\n]*(?:<p>)?\**Aktivitet[^\t\n]*\t", re.MULTILINE)


def decode_document(raw: bytes, path: Path | str) -> tuple[str, str]:
    """Text of a document and the encoding it was read in.

    UTF-8 (a byte-order mark is dropped); else Windows-1252/Latin-1 when that gives
    plausible Swedish text; else an error naming the line of the first byte that is not
    UTF-8. Line ends become ``\\n`` and characters their composed form (NFC).

    >>> decode_document("Hälsa\\r\\n".encode("latin-1"), "x.txt")
    ('Hälsa\\n', 'latin-1')
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        text = _plausible_latin1(raw) or ""
        if not text:
            line = raw.count(b"\n", 0, err.start) + 1
            column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
            raise InputError(
                path, Message("doc_unreadable_byte", byte=f"0x{raw[err.start]:02x}"),
                line=line, column=column, hint=Message("doc_unreadable_byte_hint"),
            ) from None
        encoding = "latin-1"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text), encoding


def _plausible_latin1(raw: bytes) -> str | None:
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    unusual = [c for c in text if ord(c) > 127]
    if not unusual or any(unicodedata.category(c) == "Cc" for c in unusual):
        return None
    swedish = sum(1 for c in unusual if c in _SWEDISH_NON_ASCII)
    return text if swedish / len(unusual) >= 0.9 else None


def clean_cell(text: str) -> str:
    """A cell's text without HTML and emphasis remnants, whitespace collapsed.

    >>> clean_cell("<p>Uppföljning av <i>Hälsa för livet</i> .</p> ")
    'Uppföljning av Hälsa för livet .'
    """
    return _SPACES.sub(" ", _EMPHASIS.sub(r"\1", _MARKUP.sub("", text))).strip()


def read_plan_document(path: Path) -> PlanSource:
    """Read and parse a plan document file."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(path, Message("load_unreadable", reason=err.strerror or err)) from None
    text, encoding = decode_document(raw, path)
    source = parse_plan_document(text, path.name, path=path)
    source.encoding = encoding
    if encoding != "utf-8":
        source.notes.insert(0, Note(
            None, "Filen var inte UTF-8 utan Latin-1/Windows-1252; den lästes som sådan.",
            "The file was not UTF-8 but Latin-1/Windows-1252; it was read as such."))
    return source


class _Parser:
    def __init__(self, file_name: str, path: Path | str) -> None:
        self.path = path
        self.source = PlanSource(file_name=file_name)
        self.goal: int | None = None
        self.list_goal: int | None = None
        self.area_goals: dict[int, int] = {}
        self.area: AreaHeading | None = None
        self.pending_table: int | None = None
        self.table: int | None = None
        self.table_line = 0
        self.row_count = 0
        self.current: ActivityRow | None = None
        self.after_blank = False
        self.in_objectives = False
        self.in_contact = False

    def error(self, line: int, message: Message, hint: Message) -> InputError:
        return InputError(self.path, message, line=line, hint=hint)

    def feed(self, number: int, line: str) -> None:
        stripped = line.strip()
        if self.in_contact:
            if not (_AREA.match(stripped) or _GOAL.match(stripped) or _TABLE.match(stripped)):
                return  # contact persons' names and numbers are never read
            self.in_contact = False
        if self.table is not None:
            if not stripped:
                self.after_blank = True
                return
            if _SEPARATOR_LINE.match(line):
                return
            if "\t" in line:
                self.table_row(number, line)
                return
            self.end_table()
        self.text_line(number, line, stripped)

    def text_line(self, number: int, line: str, stripped: str) -> None:
        if not stripped:
            return
        if "\t" in line:
            first = clean_cell(line.split("\t", 1)[0]).casefold()
            if first.startswith("aktivitet"):
                self.start_table(number, line)
                return
            raise self.error(number, Message("doc_row_outside_table"),
                             Message("doc_row_outside_table_hint"))
        if self.in_objectives:
            bullet = _BULLET.match(stripped)
            if bullet and self.area is not None:
                count = sum(1 for o in self.source.objectives if o.area == self.area.number)
                self.source.objectives.append(Objective(
                    self.area.number, count + 1, clean_cell(bullet[1]), number))
                return
            self.in_objectives = False
        if self.source.title is None:
            self.read_title(stripped)
            return
        if _CONTACT.match(stripped):
            self.in_contact = True
            return
        if match := _GOAL.match(stripped):
            self.goal = self.list_goal = int(match[1])
            return
        if match := _AREA.match(stripped):
            self.start_area(number, int(match[1]), clean_cell(match[2]))
            return
        if match := _TABLE.match(stripped):
            if self.area is None:
                raise self.error(number, Message("doc_before_area", text=f"'{stripped}'"),
                                 Message("doc_area_heading_hint"))
            self.pending_table = int(match[1])
            return
        if _OBJECTIVES.match(stripped):
            self.in_objectives = self.area is not None
            return
        if _LIST_HEADING.match(stripped):
            return
        if (match := _NUMBERED.match(stripped)) and self.list_goal is not None:
            self.area_goals[int(match[1])] = self.list_goal
            return
        if _STRUCTURAL.match(stripped) and len(stripped) <= 120 and not stripped.endswith("."):
            raise self.error(number, Message("doc_unknown_heading", text=repr(stripped)),
                             Message("doc_unknown_heading_hint"))

    def read_title(self, stripped: str) -> None:
        title = clean_cell(stripped.lstrip("# "))
        if match := _IDENTIFIER.search(title):
            self.source.identifier = match[1]
            title = title[:match.start()].strip()
        self.source.title = title
        if years := _YEARS.search(title):
            self.source.start_year, self.source.end_year = int(years[1]), int(years[2])

    def start_area(self, line: int, number: int, name: str) -> None:
        self.end_table()
        self.in_objectives = False
        self.list_goal = None
        goal = self.area_goals.get(number, self.goal)
        if number in self.source.areas:
            first = self.source.areas[number].line
            raise self.error(line, Message("doc_area_twice", number=number, first=first),
                             Message("doc_area_twice_hint"))
        self.area = AreaHeading(number, name, goal, line)
        self.source.areas[number] = self.area

    def start_table(self, number: int, line: str) -> None:
        if self.area is None:
            raise self.error(number, Message("doc_table_before_area"),
                             Message("doc_area_heading_hint"))
        columns = [c for c in line.split("\t") if c.strip()]
        if len(columns) != _COLUMNS:
            raise self.error(number, Message("doc_header_columns", count=len(columns)),
                             Message("doc_header_columns_hint"))
        self.table = self.pending_table if self.pending_table is not None else self.area.number
        self.pending_table = None
        self.table_line = number
        self.row_count = 0
        self.current = None
        self.after_blank = False

    def table_row(self, number: int, line: str) -> None:
        assert self.area is not None and self.table is not None
        cells = [clean_cell(c) for c in line.split("\t")]
        if len(cells) > _COLUMNS and any(cells[_COLUMNS:]):
            raise self.error(number, Message("doc_row_columns", count=len(cells)),
                             Message("doc_row_columns_hint"))
        cells = (cells + ["", ""])[:_COLUMNS]
        first = cells[0]
        tab_started = line.startswith("\t") or not first
        continues = tab_started or first[:1].islower()
        if continues:
            if self.current is None:
                raise self.error(number, Message("doc_continuation"),
                                 Message("doc_continuation_hint"))
            row = self.current
            row.activity = _join(row.activity, cells[0])
            row.follow_up = _join(row.follow_up, cells[1])
            row.participants = _join(row.participants, cells[2])
            why = (("efter sidbrytning", "after a page break") if self.after_blank
                   else ("på rad som börjar med tabb", "on a line starting with a tab")
                   if tab_started else ("fortsatt mening", "a sentence continued"))
            self.source.notes.append(Note(
                number, f"Rad {number} fortsätter tabell {row.table} rad {row.row} ({why[0]}).",
                f"Line {number} continues table {row.table} row {row.row} ({why[1]})."))
            row.end_line = number
        else:
            self.row_count += 1
            self.current = ActivityRow(
                area=self.area.number, table=self.table, row=self.row_count,
                activity=cells[0], follow_up=cells[1], participants=cells[2],
                line=number, end_line=number)
            self.source.rows.append(self.current)
        self.after_blank = False

    def end_table(self) -> None:
        if self.table is not None and self.row_count == 0:
            self.source.notes.append(Note(
                self.table_line, f"Tabellen på rad {self.table_line} har inga rader.",
                f"The table at line {self.table_line} has no rows."))
        self.table = None
        self.current = None


def _join(before: str, after: str) -> str:
    if not after:
        return before
    return f"{before} {after}" if before else after


def parse_plan_document(text: str, file_name: str, path: Path | str | None = None) -> PlanSource:
    """Parse a plan document's text into areas, objectives and activity rows.

    >>> doc = "Handlingsplan 2019-2020\\n\\nHandlingsområde 1: Statistik\\n\\n" \\
    ...       "Aktivitet\\tUppföljning\\tSamordningsansvarig\\nTa fram\\tRapport\\tFuturum"
    >>> rows = parse_plan_document(doc, "x.txt").rows
    >>> [(r.area, r.row, r.activity, r.participants) for r in rows]
    [(1, 1, 'Ta fram', 'Futurum')]
    """
    if not _HAS_TABLE.search(text):
        from planegraf.ingest.prose import parse_prose_document

        prose = parse_prose_document(text, file_name, path or file_name)
        if prose is not None:
            return prose
    parser = _Parser(file_name, path or file_name)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        parser.feed(number, line)
    parser.end_table()
    if not parser.source.rows:
        raise InputError(path or file_name, Message("doc_no_table"),
                         hint=Message("doc_no_table_hint"))
    return parser.source
