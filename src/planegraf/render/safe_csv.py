"""The one CSV writer planegraf uses: cells a spreadsheet would run as a formula are written
as text, so an activity named ``=HYPERLINK(…)`` is shown, never run.

The rule is OWASP's (CSV injection): a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return gets a ``'`` in front, which spreadsheets take as "this is text" and do
not show. A cell that is a plain number in its entirety (``-3``, ``+2.5``, ``1e-3``) is left
as it is: a spreadsheet reads it as that number, and a number runs nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make Excel, LibreOffice or Google Sheets read a cell as a formula."""

# A Swedish table's decimal comma ("-1,5") is a number too.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")


class _TextOut(Protocol):
    def write(self, text: str, /) -> Any: ...


def spreadsheet_safe(value: object) -> object:
    """``value`` as a CSV cell that no spreadsheet runs as a formula.

    >>> spreadsheet_safe('=HYPERLINK("http://example.org","klicka")')
    '\\'=HYPERLINK("http://example.org","klicka")'
    >>> spreadsheet_safe("@SUM(A1:A2)"), spreadsheet_safe("-3"), spreadsheet_safe(-3)
    ("'@SUM(A1:A2)", '-3', -3)
    >>> spreadsheet_safe("-1,5"), spreadsheet_safe("-1,5+A1")
    ('-1,5', "'-1,5+A1")
    >>> spreadsheet_safe("-2+3+cmd|' /C calc'!A0")
    "'-2+3+cmd|' /C calc'!A0"
    >>> spreadsheet_safe(None), spreadsheet_safe("Region Jönköpings län")
    ('', 'Region Jönköpings län')
    """
    if value is None:
        return ""
    if isinstance(value, bool | int):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return value if isinstance(value, float) else text


class SpreadsheetSafeWriter:
    """A ``csv.writer`` whose every cell passes through :func:`spreadsheet_safe`.

    >>> import io
    >>> out = io.StringIO()
    >>> writer = SpreadsheetSafeWriter(out)
    >>> writer.writerow(["name", "value"])
    >>> writer.writerow(["+46 36 32 40 00", -3])
    >>> print(out.getvalue(), end="")
    name,value
    '+46 36 32 40 00,-3
    """

    def __init__(self, out: _TextOut, *, lineterminator: str = "\n", delimiter: str = ",") -> None:
        # Python 3.11's writer quotes a cell only for the characters of its own line end, so
        # with "\n" a cell holding "\r" would be written bare and split the row in a reader.
        # Rows are written with "\r\n" (every line break quoted) and given ``lineterminator``.
        self._out, self._end = out, lineterminator
        self._row = io.StringIO()
        self._writer = csv.writer(self._row, lineterminator="\r\n", delimiter=delimiter)

    def writerow(self, row: Iterable[object]) -> None:
        """Write one row, every cell through :func:`spreadsheet_safe`.

        >>> out = io.StringIO()
        >>> SpreadsheetSafeWriter(out).writerow(["a\\rb", "c"])
        >>> out.getvalue()
        '"a\\rb",c\\n'
        """
        self._row.seek(0)
        self._row.truncate()
        self._writer.writerow([spreadsheet_safe(cell) for cell in row])
        self._out.write(self._row.getvalue()[:-2] + self._end)

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)
