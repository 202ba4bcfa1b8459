"""Text laid out for the plan-document parser from a PDF or a Word file, with where each line
came from, so that rows keep their page, paragraph or table as provenance.

The readers of binary formats (``pdf``, ``docx``) do not parse plans themselves: they write
the document as the text layout the parser reads (headings, blank lines between paragraphs,
tab-separated table rows, a leading tab for a cell that continues the row above) and record
a locator per line. One parser, so a plan reads the same from every format.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from planegraf.errors import InputError
from planegraf.i18n import Message
from planegraf.ingest.document import parse_plan_document
from planegraf.ingest.model import LocatorKind, Note, PlanSource

_LINE_WORD = re.compile(r"\b([Rr]ad|[Ll]ine) (\d+)\b")


@dataclass(frozen=True)
class Where:
    """The page of a PDF, or the paragraph (from 1) of a Word file; ``None`` for a table row
    of a Word file (its table and row are the excerpt's locator)."""

    page: int | None = None
    paragraph: int | None = None


@dataclass
class LaidOut:
    """Lines for the parser and where each came from (index = line number - 1)."""

    kind: LocatorKind
    lines: list[str] = field(default_factory=list)
    where: list[Where] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def add(self, text: str, where: Where) -> None:
        self.lines.append(unicodedata.normalize("NFC", text.replace("\n", " ")))
        self.where.append(where)

    def extend(self, text: str) -> None:
        """Continue the last line (a heading wrapped over two lines)."""
        if not self.lines or self.lines[-1] == "":
            while self.lines and self.lines[-1] == "":
                self.lines.pop()
                self.where.pop()
        self.lines[-1] = f"{self.lines[-1]} {unicodedata.normalize('NFC', text)}"

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.add("", self.where[-1])

    def place(self, line: int | None) -> str | None:
        if line is None or not 1 <= line <= len(self.where):
            return None
        where = self.where[line - 1]
        if where.page is not None:
            return Message("doc_page", number=where.page)
        if where.paragraph is not None:
            return Message("doc_paragraph", number=where.paragraph)
        return None

    def parse(self, path: Path) -> PlanSource:
        """Parse the lines and give every row, and every note, its page or paragraph."""
        try:
            source = parse_plan_document("\n".join(self.lines), path.name, path=path)
        except InputError as err:
            place = self.place(err.line)
            text = self.lines[err.line - 1].strip() if err.line else ""
            raise InputError(
                path, Message("doc_at_place", message=err.message, place=place,
                              text=repr(text[:80])) if place else err.message,
                hint=err.hint) from None
        source.locator = self.kind
        for row in source.rows:
            first, last = self.where[row.line - 1], self.where[row.end_line - 1]
            row.page, row.end_page = first.page, last.page
            row.paragraph = first.paragraph
        source.notes = self.notes + [self._renumber(note) for note in source.notes]
        return source

    def _renumber(self, note: Note) -> Note:
        """A note about "line 12" of the laid-out text names the page or paragraph instead."""
        if note.line is None:
            return note
        where = self.where[note.line - 1] if 1 <= note.line <= len(self.where) else Where()
        if where.page is not None:
            sv, en = f"sidan {where.page}", f"page {where.page}"
        elif where.paragraph is not None:
            sv, en = f"stycke {where.paragraph}", f"paragraph {where.paragraph}"
        else:
            sv, en = "en tabell", "a table"

        def swap(words: tuple[str, str], text: str) -> str:
            def one(match: re.Match[str]) -> str:
                if int(match[2]) != note.line:
                    return match[0]
                word = words[0] if match[1][0] in "Rr" else words[1]
                return word[0].upper() + word[1:] if match[1][0].isupper() else word
            return _LINE_WORD.sub(one, text)

        return replace(note, sv=swap((sv, en), note.sv), en=swap((sv, en), note.en))
