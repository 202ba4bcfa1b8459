"""What the readers produce and the RDF writer consumes: a plan's rows, objectives and notes,
each with the lines or spreadsheet row it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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

    ``line``/``end_line`` are 1-based lines of a text document, or the spreadsheet row.
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
    encoding: str = "utf-8"
