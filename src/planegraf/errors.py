"""The errors planegraf raises on purpose, each one telling the user where and what to do."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from planegraf.i18n import in_language


class PlanegrafError(Exception):
    """Base class: a problem the user can act on. The CLI prints it and exits with 2.

    Its message is a :class:`~planegraf.i18n.Message` of the catalogue (an ``error_`` key),
    so that the CLI can show it in the run's language; ``str(err)`` is the English text,
    for logs and for whoever catches it in Python.

    >>> from planegraf.i18n import Message
    >>> err = PlanegrafError(Message("error_period", period="'2024'"))
    >>> str(err) == err.in_language("en"), err.in_language("sv").startswith("--period '2024'")
    (True, True)
    """

    exit_code = 2

    def in_language(self, lang: str) -> str:
        """The message in ``lang`` (a text given as a plain string stays as it is)."""
        return in_language(self.said(), lang)

    def said(self) -> str:
        """The message as given, a Message still to be put in a language where it is one:
        what goes into another error's message, or back from a query worker."""
        if len(self.args) == 1 and isinstance(self.args[0], str):
            return self.args[0]
        return str(self)


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
        return self._said(str(self.message), str(self.hint) if self.hint else None)

    def in_language(self, lang: str) -> str:
        """The error in ``lang``: its message and hint put in it where they are Messages."""
        return self._said(in_language(self.message, lang),
                          in_language(self.hint, lang) if self.hint else None)

    def _said(self, message: str, hint: str | None) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {message}"
        if hint:
            text += f" ({hint})"
        return text


class RefusedQueryError(PlanegrafError):
    """A query that would reach outside the local data (SERVICE, LOAD …) without being asked."""
