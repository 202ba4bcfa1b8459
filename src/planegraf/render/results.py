"""Query results for people and programs: a terminal table, CSV, JSON or Markdown.

A column ``xLabel`` labels the IRI column ``x``: tables show the label under the name ``x``
and hide the IRI unless asked (``show_iris``); CSV and JSON keep both. Columns that only
echo a parameter are left out everywhere.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Literal

import pyoxigraph as ox

from planegraf.render.safe_csv import SpreadsheetSafeWriter
from planegraf.sparql.engines import Solutions, Term

Format = Literal["table", "csv", "json", "md"]
FORMATS: tuple[Format, ...] = ("table", "csv", "json", "md")
XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMERIC = {XSD + t for t in ("integer", "int", "long", "short", "decimal", "double", "float",
                              "nonNegativeInteger", "positiveInteger", "unsignedInt")}
_CELL_WIDTH = 60


def plain(term: Term | None) -> str:
    """The text of a term: a literal's value, an IRI as written, nothing for unbound."""
    if term is None:
        return ""
    return term.value


def json_value(term: Term | None) -> str | int | float | bool | None:
    """A term as the JSON value a program expects (numbers as numbers)."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype in _NUMERIC:
            number = float(term.value)
            return int(number) if number.is_integer() and "." not in term.value else number
        if datatype == XSD + "boolean":
            return term.value in ("true", "1")
    return term.value


def _is_numeric(term: Term | None) -> bool:
    return isinstance(term, ox.Literal) and term.datatype.value in _NUMERIC


def columns(solutions: Solutions, hidden: Iterable[str] = (), *, show_iris: bool = False,
            for_people: bool = True) -> list[tuple[str, str]]:
    """(variable, header) pairs to show, in projection order.

    >>> s = Solutions(("lang", "org", "orgLabel", "n"), ())
    >>> columns(s, hidden=["lang"])
    [('orgLabel', 'org'), ('n', 'n')]
    >>> columns(s, hidden=["lang"], show_iris=True)
    [('org', 'org'), ('orgLabel', 'orgLabel'), ('n', 'n')]
    """
    names = [v for v in solutions.variables if v not in set(hidden)]
    shown: list[tuple[str, str]] = []
    for name in names:
        labelled = name.endswith("Label") and name[: -len("Label")] in names
        if for_people and not show_iris:
            if f"{name}Label" in names:
                continue  # the label column stands in for this IRI
            shown.append((name, name[: -len("Label")] if labelled else name))
        else:
            shown.append((name, name))
    return shown


def render(solutions: Solutions, fmt: Format = "table", hidden: Iterable[str] = (), *,
           show_iris: bool = False) -> str:
    """The solutions as text in ``fmt``.

    >>> s = Solutions(("org", "orgLabel", "n"), (
    ...     {"org": ox.NamedNode("https://w3id.org/planegraf/id/org/a"),
    ...      "orgLabel": ox.Literal("Sektion | Folkhälsa", language="sv"),
    ...      "n": ox.Literal("12", datatype=ox.NamedNode(XSD + "integer"))},))
    >>> print(render(s, "md"))
    | org | n |
    |---|---|
    | Sektion \\| Folkhälsa | 12 |
    >>> print(render(s, "csv"), end="")
    org,orgLabel,n
    https://w3id.org/planegraf/id/org/a,Sektion | Folkhälsa,12
    """
    hidden = list(hidden)
    if fmt in ("csv", "json"):
        picked = columns(solutions, hidden, show_iris=True, for_people=False)
    else:
        picked = columns(solutions, hidden, show_iris=show_iris)
    if fmt == "json":
        rows = [{header: json_value(row.get(name)) for name, header in picked}
                for row in solutions.rows]
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = SpreadsheetSafeWriter(buffer, lineterminator="\n")
        writer.writerow([header for _, header in picked])
        writer.writerows([plain(row.get(name)) for name, _ in picked] for row in solutions.rows)
        return buffer.getvalue()
    if fmt == "md":
        lines = ["| " + " | ".join(h for _, h in picked) + " |",
                 "|" + "---|" * len(picked)]
        for row in solutions.rows:
            cells = [_markdown_cell(plain(row.get(name))) for name, _ in picked]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)
    return _table(solutions, picked)


def _markdown_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(solutions: Solutions, picked: list[tuple[str, str]]) -> str:
    def cell(term: Term | None) -> str:
        text = " ".join(plain(term).split())
        return text if len(text) <= _CELL_WIDTH else text[: _CELL_WIDTH - 1] + "…"

    grid = [[cell(row.get(name)) for name, _ in picked] for row in solutions.rows]
    numeric = [bool(solutions.rows) and all(_is_numeric(row.get(name)) or row.get(name) is None
                                            for row in solutions.rows)
               for name, _ in picked]
    widths = [max([len(header)] + [len(r[i]) for r in grid]) for i, (_, header) in
              enumerate(picked)]

    def line(cells: list[str]) -> str:
        parts = [c.rjust(w) if right else c.ljust(w)
                 for c, w, right in zip(cells, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    out = [line([h for _, h in picked]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in grid]
    return "\n".join(out)
