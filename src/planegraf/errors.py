"""The errors planegraf raises on purpose, each one telling the user where and what to do."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class PlanegrafError(Exception):
    """Base class: a problem the user can act on. The CLI prints it and exits with 2."""

    exit_code = 2


@dataclass
class InputError(PlanegrafError):
    """Unreadable input: names the file, the line and column where known, and the remedy.

    >>> print(InputError(Path("plan.ttl"), "Unexpected end of file", line=3, column=11,
    ...                  hint="close the string literal"))
    plan.ttl:3:11: Unexpected end of file (close the string literal)
    """

    path: Path | str
    message: str
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class RefusedQueryError(PlanegrafError):
    """A query that would reach outside the local data (SERVICE, LOAD …) without being asked."""
