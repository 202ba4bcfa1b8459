"""The query catalogue's pages for people: a contents page of the named questions by group,
and one page per question (its form, its answer as a table, a CSV download and its SPARQL),
rendered by one template (``question.html``) for the static site, which shows the answer
with the default values, and for ``planegraf serve``'s ``/questions/NAME``, which answers
the form.

The form's choices for an organisation, area, plan, goal or county come from the data by
the lookup queries (:mod:`planegraf.sparql.lookup`), in the page's language; an area is
labelled with its plan and the plan's county, since area numbers repeat across plans.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from planegraf import i18n
from planegraf.ids import DATA
from planegraf.rdf.store import EmbeddedStore
from planegraf.render.results import display, headed_columns, render
from planegraf.sparql.engines import EmbeddedEngine, Solutions
from planegraf.sparql.lookup import Candidate, Kind, LookupEngine, candidates, parameter_kind
from planegraf.sparql.queries import QueryFile, bind_parameters, query_form, read_query

LANGUAGES = ("sv", "en")
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
#: Rows shown on a page; the CSV download holds the whole answer.
SHOWN_ROWS = 100
#: A question without a ``#+ group:`` of the catalogue's own is one of the project's.
OWN_GROUP = "own"


#: The catalogue's subjects (``#+ group:``) in contents order; their names are the text
#: catalogue's ``q_group_KEY``.
GROUPS = ('overview', 'areas', 'activities', 'organisations', 'collaboration', 'gaps', 'own')


def words(lang: str) -> dict[str, str]:
    """The question pages' words in ``lang``: the text catalogue's ``q_`` keys, unprefixed."""
    return {key.removeprefix("q_"): value for key, value in i18n.strings(lang).items()
            if key.startswith("q_") and not key.startswith("q_group_")}


def group_name(key: str, lang: str) -> str:
    """A subject's name in ``lang``; a project's own group is named by its key."""
    return i18n.strings(lang).get(f"q_group_{key}", key)


# --- the contents page ---------------------------------------------------------------------

def first_sentence(text: str) -> str:
    """The first sentence of a description: the one line the contents page shows.

    >>> first_sentence("Aktiviteter per område. En enhet räknas för sig (t.ex. Qulturum).")
    'Aktiviteter per område.'
    >>> first_sentence("Alla aktiviteter i ett handlingsområde")
    'Alla aktiviteter i ett handlingsområde'
    """
    match = re.match(r"(.+?[.!?:])\s+(?=[A-ZÅÄÖÉ\"“(])", text.strip())
    return match[1] if match else text.strip()


def contents(queries: Sequence[QueryFile], lang: str, href: Callable[[QueryFile], str]
             ) -> list[dict[str, Any]]:
    """The questions by group, in the catalogue's group order (a project's own groups
    after them), each with its title, first sentence and page.

    >>> from planegraf.sparql.queries import catalogue
    >>> groups = contents(catalogue(), "en", lambda q: q.name + ".html")
    >>> [g["name"] for g in groups][:2]
    ['Overview', 'Action areas and goals']
    """
    order = list(GROUPS)
    groups: dict[str, list[QueryFile]] = {}
    for query in queries:
        groups.setdefault(query.group or OWN_GROUP, []).append(query)
    ranked = sorted(groups, key=lambda g: (order.index(g) if g in order else len(order), g))
    return [{"key": key,
             "name": group_name(key, lang),
             "questions": [{"name": q.name, "title": q.title(lang),
                            "summary": first_sentence(q.description(lang)), "href": href(q)}
                           for q in sorted(groups[key], key=lambda q: q.title(lang).casefold())]}
            for key in ranked]


# --- the form ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    """One value a form field offers: what it sends and what it shows."""

    key: str
    label: str


class ParameterChoices:
    """The choices of every kind of parameter the questions take, in each language, read
    from ``store`` once (the server reads them before any query worker is forked)."""

    def __init__(self, store: EmbeddedStore, queries: Iterable[QueryFile]) -> None:
        # One engine for both languages: its lookups keep what every language shares (the
        # plans of the areas, read from every activity) once.
        engine = LookupEngine(store)
        self.engines = {lang: engine for lang in LANGUAGES}
        self.choices: dict[tuple[str, Kind], list[Choice]] = {}
        kinds = {parameter_kind(p.name, p.type) for q in queries for p in q.parameters}
        kinds.discard(None)
        if not kinds:
            return
        self.counties = {lang: self._plan_counties(lang) for lang in LANGUAGES}
        for lang in LANGUAGES:
            for kind in sorted(k for k in kinds if k is not None):
                self.choices[(lang, kind)] = self._read_choices(lang, kind)

    def _read_choices(self, lang: str, kind: Kind) -> list[Choice]:
        engine = self.engines[lang]
        found = candidates(engine, kind, lang)
        counties = self.counties[lang]
        plans = {c.iri: _with_county(c.label, counties.get(c.iri, ""))
                 for c in candidates(engine, "plan", lang)}
        shown = [Choice(c.key(), self._label(c, kind, plans)) for c in found]
        return sorted(shown, key=lambda c: (_natural(c.label), c.key))

    def _plan_counties(self, lang: str) -> dict[str, str]:
        """Each plan's county, as the catalogue's plans-overview finds it (through the
        publisher, or the organisation the publisher is a unit of), read by
        ``lookup/plan-counties.rq``: plans-overview itself also counts every plan's
        activities and participants (3 s at a million quads, for each language). A plan
        with several counties gets the last by name, as it did from plans-overview's order."""
        answer = self.engines[lang].run(read_query("lookup/plan-counties.rq"),
                                        {"lang": ox.Literal(lang)})
        assert answer.solutions is not None
        counties: dict[str, str] = {}
        for row in answer.solutions.rows:
            plan, county = row.get("plan"), row.get("countyLabel")
            if plan is not None and county is not None and county.value:
                counties[plan.value] = max(counties.get(plan.value, ""), county.value)
        return counties

    @staticmethod
    def _label(candidate: Candidate, kind: Kind, plans: Mapping[str, str]) -> str:
        if kind == "plan":
            return plans.get(candidate.iri, candidate.label)
        if kind in ("area", "goal"):
            where = sorted(plans[p] for p in candidate.plans if p in plans)
            return f"{candidate.label} — {'; '.join(where)}" if where else candidate.label
        context = ", ".join(sorted(c for c in candidate.contexts if c))
        return _with_county(candidate.label, context)

    def fields(self, query: QueryFile, lang: str, given: Mapping[str, str] = {}
               ) -> list[dict[str, Any]]:
        """The question's parameters as form fields (the ``lang`` parameter is the page's
        language, never a field), each with its heading, its value (given, else the
        default) and, for a kind of thing, its choices."""
        fields = []
        for param in query.parameters:
            if param.name == "lang":
                continue
            kind = parameter_kind(param.name, param.type)
            value = given.get(param.name, param.default or "")
            field: dict[str, Any] = {"name": param.name, "type": param.type, "kind": kind,
                                     "label": query.heading(param.name, lang),
                                     "default": param.default or "", "value": value}
            if kind is not None:
                choices = [{"key": c.key, "label": c.label}
                           for c in self.choices.get((lang, kind), [])]
                if value and all(c["key"] != value for c in choices):
                    # a name typed in a link (organisation=Qulturum) stays what was asked
                    choices.insert(0, {"key": value, "label": value})
                field["choices"] = choices
            fields.append(field)
        return fields


def _natural(label: str) -> tuple[tuple[int, str], ...]:
    """A sort key that puts area 2 before area 10.

    >>> sorted(["10 b", "2 a"], key=_natural)
    ['2 a', '10 b']
    """
    return tuple((int(part), "") if part.isdecimal() else (0, part.casefold())
                 for part in re.split(r"(\d+)", label))


def _with_county(label: str, county: str) -> str:
    return f"{label} ({county})" if county else label


# --- the answer ----------------------------------------------------------------------------

def hidden_columns(query: QueryFile) -> list[str]:
    """Columns that only echo a parameter: never shown."""
    return [p.name for p in query.parameters]


def no_default_answer(query: QueryFile, lang: str) -> str | None:
    """Why the question has no answer with its default values (a parameter without a
    default, an answer that is not a table), in ``lang``; None when it has one. Nothing is
    run: the query is only read."""
    missing = [p.name for p in query.parameters if p.default is None and p.name != "lang"]
    if missing:
        return words(lang)["needs_value"].format(name=", ".join(missing))
    if query_form(query) != "SELECT":
        return words(lang)["not_a_table"]
    return None


def defaults_taken(query: QueryFile, given: Mapping[str, str], lang: str) -> str:
    """The IRI parameters ``query`` took its default for (nobody chose them), as people
    read them (``Vänster län = place/jonkopings-lan``); empty when there are none.

    A question's defaults name the demonstration's data (a county, an organisation of
    Jönköping): in a region's own project they may name nothing, and the empty answer must
    not read as "nothing in the data answers the question".

    >>> from planegraf.sparql.queries import catalogue_query
    >>> defaults_taken(catalogue_query("counties-side-by-side"), {"left_county": "x"}, "en")
    'Right county = place/kalmar-lan'
    """
    return ", ".join(f"{query.heading(p.name, lang)} = {p.default}" for p in query.parameters
                     if p.type == "xsd:anyURI" and p.default is not None
                     and p.name not in given)


def command(query: QueryFile, lang: str) -> str:
    """The command that answers the question on the project's data, in ``lang``.

    >>> from planegraf.sparql.queries import catalogue_query
    >>> command(catalogue_query("plans-overview"), "en")
    'planegraf query plans-overview --lang en'
    """
    return f"planegraf query {query.name} --lang {lang}"


def default_answer(store: EmbeddedStore, query: QueryFile, lang: str) -> Solutions | str:
    """The answer of a catalogue question with its default values on ``store``, or why it
    has none (see :func:`no_default_answer`)."""
    problem = no_default_answer(query, lang)
    if problem is not None:
        return problem
    answer = EmbeddedEngine(store).run(query, bind_parameters(query, {}, lang=lang))
    assert answer.solutions is not None
    return answer.solutions


def solutions_from_json(body: bytes) -> Solutions:
    """SPARQL JSON results (what ``/sparql`` answers) as solutions."""
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if not isinstance(parsed, ox.QuerySolutions):
        raise ValueError("a boolean answer where a table was expected")
    variables = tuple(v.value for v in parsed.variables)
    return Solutions(variables, tuple({name: row[name] for name in variables}
                                      for row in parsed))


def answer_table(solutions: Solutions, query: QueryFile, lang: str,
                 link: Callable[[str], str | None],
                 label: Callable[[str], str | None] = lambda iri: None) -> dict[str, Any]:
    """The answer as the page shows it: headings in ``lang``, each label linked to the page
    of the IRI it labels (``link`` says where, or None where the site has no page), values
    as people read them (:func:`planegraf.render.results.display`), at most
    :data:`SHOWN_ROWS` rows."""
    picked = headed_columns(solutions, query, lang, hidden_columns(query))
    variables = set(solutions.variables)
    rows = []
    for row in solutions.rows[:SHOWN_ROWS]:
        cells = []
        for name, heading in picked:
            term = row.get(name)
            base = name.removesuffix("Label")
            labelled = base != name and base in variables
            target = row.get(base) if labelled else term
            text = display(term, lang)
            href = None
            if isinstance(target, ox.NamedNode):
                href = link(target.value)
                if not labelled or not text:
                    text = label(target.value) or _short(target.value)
            cells.append({"text": text, "href": href, "iri": target.value
                          if isinstance(target, ox.NamedNode) else None,
                          "numeric": _is_number(term), "heading": heading})
        rows.append(cells)
    numeric = [bool(rows) and all(r[i]["numeric"] or not r[i]["text"] for r in rows)
               for i in range(len(picked))]
    return {"headings": [h for _, h in picked], "numeric": numeric, "rows": rows,
            "total": len(solutions), "shown": len(rows)}


def _short(iri: str) -> str:
    return iri.removeprefix(DATA)


def _is_number(term: Any) -> bool:
    return isinstance(term, ox.Literal) and term.datatype.value.startswith(
        "http://www.w3.org/2001/XMLSchema#") and term.datatype.value.rsplit("#", 1)[-1] in (
        "integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger")


def answer_csv(solutions: Solutions, query: QueryFile, lang: str) -> bytes:
    """The whole answer as the CSV people download: the headings of ``lang``, the IRI of
    every labelled column beside its label, values as written, every cell spreadsheet-safe
    (:mod:`planegraf.render.safe_csv`), UTF-8 with the byte-order mark spreadsheets need to
    read å, ä, ö."""
    text = render(solutions, "csv", hidden_columns(query), query=query, lang=lang,
                  headings=True)
    return ("\ufeff" + text).encode("utf-8")


#: The most cells (rows × columns) of a served answer made into a workbook: openpyxl takes
#: about 70 µs of Python a cell, so 50 000 cells (10 000 rows of five columns) are about as
#: much of the server's time as the CSV of 100 000 rows (pages wait for Python's lock
#: meanwhile). A catalogue question's workbook has 7 to 13 columns (IRIs beside labels):
#: counted in rows alone, its 10 000 rows cost up to 2.6 times that. Larger answers: the
#: CSV, or ``planegraf query NAME -o svar.xlsx``.
SERVED_XLSX_CELLS = 50_000
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def served_xlsx_rows(solutions: Solutions, query: QueryFile, lang: str) -> int:
    """The most rows of this answer the server makes a workbook of: as many as fit in
    :data:`SERVED_XLSX_CELLS` with the workbook's columns."""
    from planegraf.render.results import spreadsheet_table

    header, _ = spreadsheet_table(solutions, query, lang, hidden_columns(query))
    return max(1, SERVED_XLSX_CELLS // max(1, len(header)))


def answer_xlsx(solutions: Solutions, query: QueryFile, lang: str) -> bytes:
    """The whole answer as an Excel workbook: the columns, headings and values of
    :func:`answer_csv` (numbers as numbers), every text cell a string, never a formula."""
    from planegraf.render.results import spreadsheet_table
    from planegraf.render.xlsx import table_bytes  # openpyxl only when a workbook is asked for

    header, rows = spreadsheet_table(solutions, query, lang, hidden_columns(query))
    return table_bytes(query.name, header, rows, lang)


def rows_said(table: dict[str, Any] | None, lang: str, for_defaults: bool = False) -> str:
    """How many rows the page shows, in ``lang``: "1 rad", "12 rader", "the first 100 of 448".

    An empty answer ``for_defaults`` nobody chose (see :func:`defaults_taken`) is "no rows"
    alone: that nothing in the data answers the question is not known (the note says why).
    """
    if table is None:
        return ""
    said = words(lang)
    if table["total"] == 0:
        return said["no_rows_for_defaults" if for_defaults else "no_rows"]
    if table["shown"] < table["total"]:
        return said["rows_shown"].format(shown=table["shown"], total=table["total"])
    return said["one_row"] if table["total"] == 1 else said["rows"].format(n=table["total"])


def page_context(query: QueryFile, lang: str, *, fields: Sequence[dict[str, Any]],
                 table: dict[str, Any] | None, csv_href: str | None, served: bool,
                 catalogue_href: str, action: str, problem: str | None = None,
                 on_request: bool = False, xlsx_href: str | None = None,
                 given: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What ``question.html`` needs beside the site's frame (navigation, language).

    ``on_request`` is a static page of a site too large for standing answers: it has no
    table and says how the answer is asked for instead (the command, the served form), so
    no one reads a missing answer as "nothing matches". ``given`` holds the values someone
    chose (none on a static page): an empty answer for defaults says which it was for."""
    taken = (defaults_taken(query, given or {}, lang)
             if table is not None and table["total"] == 0 else "")
    return {"question": {"name": query.name, "title": query.title(lang),
                         "description": query.description(lang), "text": query.text},
            "on_request": on_request and table is None and problem is None,
            "command": command(query, lang),
            "fields": list(fields), "table": table,
            "rows_said": rows_said(table, lang, for_defaults=bool(taken)),
            "csv_href": csv_href, "csv_name": f"{query.name}.csv", "served": served,
            "xlsx_href": xlsx_href, "xlsx_name": f"{query.name}.xlsx",
            "defaults_note": (words(lang)["empty_with_defaults"].format(values=taken)
                              if taken else None),
            "catalogue_href": catalogue_href, "action": action, "problem": problem,
            "q": words(lang)}
