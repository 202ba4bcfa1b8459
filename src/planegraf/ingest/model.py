"""What the readers produce and the RDF writer consumes: a plan's rows, objectives and notes,
each with where it came from: the lines of a text, the page of a PDF, the paragraph or table
row of a Word file, or the row of a spreadsheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

LocatorKind = Literal["line", "page", "paragraph"]


@dataclass(frozen=True)
class Note:
    """Something the reader did that the user should know about (a joined continuation, an
    inferred role, a Latin-1 file), in Swedish and English, at a line or row."""

    line: int | None
    sv: str
    en: str

    def text(self, lang: str) -> str:
        return self.sv if lang == "sv" else self.en


@dataclass
class ActivityRow:
    """One activity as read: its area and position, its three cells and where it came from.

    ``line``/``end_line`` are 1-based lines of a text document, or the spreadsheet row. A PDF
    row also has its pages (``page``/``end_page``), a Word row the paragraph it starts at
    when it was read from paragraphs rather than a table (``paragraph``).
    """

    area: int
    table: int | None
    row: int
    activity: str
    follow_up: str
    participants: str
    line: int
    end_line: int
    coordinators: str | None = None
    partners: str | None = None
    period: tuple[int, int] | None = None
    plan_key: str | None = None
    page: int | None = None
    end_page: int | None = None
    paragraph: int | None = None
    description: str | None = None
    deadline: str | None = None
    # Rows read from prose (headings and bullets) name their participants in running text;
    # ``statements`` are further sentences about the activity that state a role
    # (("steering-group", "Styrgrupp för projektet är …")).
    prose: bool = False
    statements: list[tuple[str, str]] = field(default_factory=list)
    # Places the text says the work happens in ("i Högsby"): dct:spatial, not participants.
    places: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Objective:
    """A "Mål" bullet of an action area."""

    area: int
    number: int
    text: str
    line: int


@dataclass(frozen=True)
class AreaHeading:
    """A "Handlingsområde N: Namn" heading, with the strategic goal it sits under."""

    number: int
    name: str
    goal: int | None
    line: int


@dataclass
class PlanSource:
    """Everything read from one plan document or spreadsheet."""

    file_name: str
    title: str | None = None
    identifier: str | None = None
    start_year: int | None = None
    end_year: int | None = None
    areas: dict[int, AreaHeading] = field(default_factory=dict)
    objectives: list[Objective] = field(default_factory=list)
    rows: list[ActivityRow] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    rejected: list[Note] = field(default_factory=list)
    # Findings of the checks at import (an activity period outside the plan's period).
    checks: list[Note] = field(default_factory=list)
    encoding: str = "utf-8"
    # Where an excerpt points: lines of a text file, pages of a PDF, paragraphs and tables of
    # a Word file (a spreadsheet's rows are "line"s).
    locator: LocatorKind = "line"
    # The organisation that published the page, as its first line names it (2016–2017 page).
    publisher_mention: str | None = None
    # The layout the document was read in: "table", "themes" (Kalmar) or "titles" (2016–2017).
    layout: str = "table"
    # Text that may name the strategy when the title does not: the introduction before the
    # first theme, or the "En del av strategin: …" line.
    intro: str = ""
    strategy_hint: str | None = None
    # "Uppdaterad: 2016-08-04" of a web page (dct:modified of the document).
    modified: str | None = None
    # True when the period comes from the plan already in the data (a sheet states none): it
    # is used for the checks only, not written again.
    period_known: bool = False
    # The organisation that publishes the document, as resolved at import (prose layouts).
    publisher_agent: str | None = None
