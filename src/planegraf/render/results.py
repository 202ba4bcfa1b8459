"""Query results for people and programs: a terminal table, CSV, JSON or Markdown.

A column ``xLabel`` labels the IRI column ``x``: tables show the label under ``x``'s heading
and hide the IRI unless asked (``show_iris``); CSV and JSON keep both. Columns that only
echo a parameter are left out everywhere.

Tables and Markdown are for people: headings from the query's header in the chosen
language, booleans as ja/nej (yes/no), decimal commas in Swedish. JSON and CSV are data:
variable names and values as written (decimal point, true/false), the same whatever the
language; ``headings=True`` gives a CSV for people instead, as the site's downloads are: the
headings, and the values as the table shows them, with each label's IRI beside it
(:func:`display` and :func:`headed_columns` are what the pages use too).
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import Literal, Protocol

import pyoxigraph as ox

from planegraf import i18n
from planegraf.render.escape import markdown
from planegraf.render.safe_csv import SpreadsheetSafeWriter
from planegraf.sparql.engines import Solutions, Term

Format = Literal["table", "csv", "json", "md"]
FORMATS: tuple[Format, ...] = ("table", "csv", "json", "md")
XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMERIC = {XSD + t for t in ("integer", "int", "long", "short", "decimal", "double", "float",
                              "nonNegativeInteger", "positiveInteger", "unsignedInt")}
_DECIMAL = {XSD + t for t in ("decimal", "double", "float")}
_CELL_WIDTH = 60


def boolean_word(value: bool, lang: str) -> str:
    """A truth value as people read it: ja/nej, yes/no (the text catalogue's results_yes and
    results_no; English for a language the catalogue lacks).

    >>> boolean_word(True, "sv"), boolean_word(False, "en")
    ('ja', 'no')
    """
    return i18n.text("results_yes" if value else "results_no",
                     lang if lang in i18n.LANGUAGES else "en")


class Headed(Protocol):
    """What gives a variable its heading: a :class:`~planegraf.sparql.queries.QueryFile`."""

    def heading(self, variable: str, lang: str = "sv") -> str: ...


def display(term: Term | None, lang: str = "sv") -> str:
    """A value as people read it in ``lang``: booleans as words, decimals with the
    language's decimal sign; labels and IRIs as written.

    >>> b = ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))
    >>> d = ox.Literal("2.50", datatype=ox.NamedNode(XSD + "decimal"))
    >>> display(b, "sv"), display(b, "en"), display(d, "sv"), display(d, "en")
    ('ja', 'yes', '2,50', '2.50')
    >>> display(ox.Literal("-1.5E0", datatype=ox.NamedNode(XSD + "double")), "sv")
    '-1,5'
    """
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype == XSD + "boolean" and term.value in ("true", "false", "1", "0"):
            return boolean_word(term.value in ("true", "1"), lang)
        if datatype in _DECIMAL:
            text = term.value
            if datatype != XSD + "decimal":
                try:
                    text = f"{float(term.value):.6g}"
                except ValueError:
                    return term.value
            if lang == "sv":  # Swedish writes a decimal comma
                text = text.replace(".", ",")
            return text
    return term.value


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


_INTEGER = _NUMERIC - _DECIMAL
_GYEAR = XSD + "gYear"
_YEAR = re.compile(r"-?[0-9]{4}")
_SIGNIFICANT = 15  # digits a spreadsheet's number (a double) keeps
_DECIMAL_TYPE = XSD + "decimal"


def spreadsheet_value(term: Term | None, lang: str = "sv") -> str | int | float | None:
    """A value as a spreadsheet cell: integers, decimals and years as numbers; anything
    else as the table shows it (:func:`display`), and nothing for unbound. An integer a
    spreadsheet cannot hold exactly (more than 15 digits: an identifier, say), NaN and INF
    stay text, as shown. A decimal's digits past the 15th are rounded, as a spreadsheet
    rounds them: an average (``AVG``, ``7/3``: 2.333333333333333333) is a number that sums
    and sorts, not text that looks like one.

    >>> def lit(v, t): return ox.Literal(v, datatype=ox.NamedNode(XSD + t))
    >>> [spreadsheet_value(lit(v, t), "sv") for v, t in [("12", "integer"),
    ...  ("2.50", "decimal"), ("2018", "gYear"), ("true", "boolean"), ("NaN", "double"),
    ...  ("12345678901234567890", "integer"), ("2.333333333333333333", "decimal"),
    ...  ("12345678901234567.5", "decimal")]]
    [12, 2.5, 2018, 'ja', 'nan', '12345678901234567890', 2.3333333333333335, '12345678901234567,5']
    """
    if isinstance(term, ox.Literal):
        datatype, written = term.datatype.value, term.value
        try:
            if datatype in _NUMERIC and _digits(written, datatype) <= _SIGNIFICANT:
                number = int(written) if datatype in _INTEGER else float(written)
                if math.isfinite(number):
                    return number
            elif datatype == _GYEAR and _YEAR.fullmatch(written):
                return int(written)
        except ValueError:
            pass  # not a valid lexical form: shown as written
        return display(term, lang)
    return None if term is None else term.value


def _digits(written: str, datatype: str) -> int:
    """The digits of a number that a spreadsheet must keep, at most: every digit of an
    integer's, those before the point of a decimal's (a double is one already: none)."""
    if datatype in _INTEGER:
        return len(written) - written.count("+") - written.count("-")
    if datatype != _DECIMAL_TYPE:
        return 0
    whole = written.partition(".")[0].lstrip("+-")
    return len(whole)


def spreadsheet_table(solutions: Solutions, query: Headed | None, lang: str,
                      hidden: Iterable[str] = ()
                      ) -> tuple[list[str], Iterator[list[str | int | float | None]]]:
    """The headings and the rows of the answer as a spreadsheet shows it: the columns and
    headings of the CSV for people (``headings=True``, IRIs beside their labels), values
    as :func:`spreadsheet_value` gives them. The rows are made as they are read."""
    picked = headed_columns(solutions, query, lang, list(hidden), for_people=False)
    names = [name for name, _ in picked]
    rows = ([spreadsheet_value(row.get(name), lang) for name in names]
            for row in solutions.rows)
    return [heading for _, heading in picked], rows


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


def headed_columns(solutions: Solutions, query: Headed | None, lang: str,
                   hidden: Iterable[str] = (), *, show_iris: bool = False,
                   for_people: bool = True) -> list[tuple[str, str]]:
    """(variable, heading) pairs in ``lang`` to show, in projection order: a label column
    under its IRI's heading; with the IRIs shown too (CSV), each IRI column is marked.

    >>> from planegraf.sparql.queries import catalogue_query
    >>> q = catalogue_query("coordinators-ranked")
    >>> s = Solutions(("lang", "agent", "agentLabel", "stated"), ())
    >>> headed_columns(s, q, "sv", ["lang"])
    [('agentLabel', 'Organisation'), ('stated', 'Angivna')]
    >>> headed_columns(s, q, "en", ["lang"], show_iris=True, for_people=False)
    [('agent', 'Organisation (IRI)'), ('agentLabel', 'Organisation'), ('stated', 'Stated')]
    """
    picked = columns(solutions, hidden, show_iris=show_iris, for_people=for_people)
    if query is None:
        return picked
    names = set(solutions.variables)
    headed = []
    for name, _ in picked:
        heading = query.heading(name, lang)
        if f"{name}Label" in names and (show_iris or not for_people):
            heading = f"{heading} (IRI)"
        headed.append((name, heading))
    return headed


def render(solutions: Solutions, fmt: Format = "table", hidden: Iterable[str] = (), *,
           show_iris: bool = False, query: Headed | None = None, lang: str = "sv",
           headings: bool = False) -> str:
    """The solutions as text in ``fmt``; ``query`` gives the headings in ``lang`` for the
    table and Markdown (and, with ``headings``, for CSV).

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
    if fmt == "json" or (fmt == "csv" and not headings):
        picked = columns(solutions, hidden, show_iris=True, for_people=False)
    elif fmt == "csv":
        picked = headed_columns(solutions, query, lang, hidden, for_people=False)
    else:
        picked = headed_columns(solutions, query, lang, hidden, show_iris=show_iris)
    if fmt == "json":
        rows = [{header: json_value(row.get(name)) for name, header in picked}
                for row in solutions.rows]
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = SpreadsheetSafeWriter(buffer, lineterminator="\n")
        writer.writerow([header for _, header in picked])
        # With headings it is the table people read (ja/nej, decimal commas), IRIs beside.
        value = (lambda t: display(t, lang)) if headings else plain
        writer.writerows([value(row.get(name)) for name, _ in picked] for row in solutions.rows)
        return buffer.getvalue()
    if fmt == "md":
        lines = ["| " + " | ".join(_markdown_cell(h) for _, h in picked) + " |",
                 "|" + "---|" * len(picked)]
        for row in solutions.rows:
            cells = [_markdown_cell(display(row.get(name), lang)) for name, _ in picked]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)
    return _table(solutions, picked, lang)


def _markdown_cell(text: str) -> str:
    return markdown(text)


def _table(solutions: Solutions, picked: list[tuple[str, str]], lang: str) -> str:
    def cell(term: Term | None) -> str:
        text = " ".join(display(term, lang).split())
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
