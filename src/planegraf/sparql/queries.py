"""SPARQL files of ``queries/``: the header each carries, the catalogue of named questions,
typed parameters bound by the engine, and the check that keeps local queries read-only.

A header is a block of ``#+ key: value`` comment lines at the top of a ``.rq`` file::

    #+ title: Aktiviteter per handlingsområde @sv
    #+ title: Activities per action area @en
    #+ param: lang xsd:string = "sv"
    #+ column: area Handlingsområde @sv
    #+ column: area Action area @en
    #+ group: areas
    #+ tags: summary, areas

Text values end with a language tag; parameters name a variable, its XSD type and default;
a column names a variable's heading in one language (tables, Markdown, CSV and the pages
show headings, never variable names); a group files the question in the catalogue's
contents page (the site names the groups it knows; a project may add its own).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

import pyoxigraph as ox

from planegraf.errors import InputError, PlanegrafError, RefusedQueryError
from planegraf.i18n import Message
from planegraf.ids import DATA
from planegraf.resources import queries_dir

_HEADER_LINE = re.compile(r"^#\+\s*(?P<key>[a-z_]+)\s*:\s*(?P<value>.*?)\s*$")
_LANG_SUFFIX = re.compile(r"^(?P<text>.*?)\s+@(?P<lang>[a-z]{2})$")
_COLUMN = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<text>\S.*)$")
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+:[A-Za-z]+)(?:\s*=\s*(?P<default>.+))?$"
)


@dataclass(frozen=True)
class Parameter:
    """A query parameter: variable name, XSD (or ``xsd:anyURI``) type and default text."""

    name: str
    type: str
    default: str | None

    def term(self, value: str, origin: str = "parameter") -> ox.NamedNode | ox.Literal:
        """The RDF term for ``value`` read as this parameter's type.

        An ``xsd:anyURI`` value without a scheme is read relative to the data namespace,
        so ``org/sektion-folkhalsa`` names ``https://w3id.org/planegraf/id/org/sektion-folkhalsa``.

        >>> Parameter("min_areas", "xsd:integer", "3").term("5")
        <Literal value=5 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
        >>> Parameter("organisation", "xsd:anyURI", None).term("org/qulturum").value
        'https://w3id.org/planegraf/id/org/qulturum'
        """
        return typed_term(self.name, self.type, value, origin)


XSD = "http://www.w3.org/2001/XMLSchema#"
PARAMETER_TYPES = ("xsd:string", "xsd:integer", "xsd:decimal", "xsd:boolean", "xsd:date",
                   "xsd:gYear", "xsd:anyURI")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_YEAR = re.compile(r"^[0-9]{4}$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def typed_term(name: str, xsd_type: str, value: str,
               origin: str = "parameter") -> ox.NamedNode | ox.Literal:
    """``value`` as an RDF term of ``xsd_type``, or a ``PlanegrafError`` saying what is wrong."""

    def refuse(expected: str) -> PlanegrafError:
        said = Message("error_origin_parameter") if origin == "parameter" else origin
        return PlanegrafError(Message("error_parameter_value", origin=said, name=name,
                                      value=repr(value), expected=expected))

    if xsd_type == "xsd:string":
        return ox.Literal(value)
    if xsd_type == "xsd:integer":
        if not _INTEGER.match(value.strip()):
            raise refuse(Message("error_expected_integer"))
        try:
            whole = int(value)
        except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
            raise refuse(Message("error_expected_integer_digits")) from None
        return ox.Literal(str(whole), datatype=ox.NamedNode(XSD + "integer"))
    if xsd_type == "xsd:decimal":
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise refuse(Message("error_expected_decimal")) from None
        if not number.is_finite():
            raise refuse(Message("error_expected_finite"))
        return ox.Literal(str(number), datatype=ox.NamedNode(XSD + "decimal"))
    if xsd_type == "xsd:boolean":
        if value.strip().lower() not in ("true", "false"):
            raise refuse(Message("error_expected_boolean"))
        return ox.Literal(value.strip().lower(), datatype=ox.NamedNode(XSD + "boolean"))
    if xsd_type == "xsd:date":
        if not _DATE.match(value.strip()):
            raise refuse(Message("error_expected_date"))
        return ox.Literal(value.strip(), datatype=ox.NamedNode(XSD + "date"))
    if xsd_type == "xsd:gYear":
        if not _YEAR.match(value.strip()):
            raise refuse(Message("error_expected_year"))
        return ox.Literal(value.strip(), datatype=ox.NamedNode(XSD + "gYear"))
    if xsd_type == "xsd:anyURI":
        iri = value.strip()
        if not _SCHEME.match(iri):
            iri = DATA + iri.lstrip("/")
        try:
            return ox.NamedNode(iri)
        except ValueError as err:
            raise refuse(Message("error_expected_iri", reason=err)) from None
    raise PlanegrafError(Message(
        "error_parameter_type", name=name, type=xsd_type, known=", ".join(PARAMETER_TYPES),
        origin=Message("error_origin_parameter") if origin == "parameter" else origin))


@dataclass(frozen=True)
class QueryFile:
    """One ``.rq`` file with its header."""

    name: str
    path: Path
    text: str
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    parameters: tuple[Parameter, ...] = ()
    tags: tuple[str, ...] = ()
    #: Each variable's heading by language (``#+ column: agent Organisation @en``).
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Where the catalogue's contents file the question (``#+ group: organisations``).
    group: str | None = None

    def title(self, lang: str = "sv") -> str:
        return self.titles.get(lang) or self.titles.get("sv") or self.name

    def description(self, lang: str = "sv") -> str:
        return self.descriptions.get(lang) or self.descriptions.get("sv") or ""

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def heading(self, variable: str, lang: str = "sv") -> str:
        """The heading people see for ``variable`` in ``lang``: its own column label, else
        (for ``xLabel``) the label of ``x``, else the variable's name.

        >>> q = catalogue_query("coordinators-ranked")
        >>> q.heading("agentLabel", "sv"), q.heading("stated", "en"), q.heading("lang", "sv")
        ('Organisation', 'Stated', 'Språk')
        """
        own = self.columns.get(variable) or LANGUAGE_COLUMN.get(variable)
        if own and (own.get(lang) or own.get("sv")):
            return own.get(lang) or own["sv"]
        base = variable.removesuffix("Label")
        if base != variable and base in self.columns:
            return self.heading(base, lang)
        return variable

    def has_heading(self, variable: str, lang: str) -> bool:
        """Whether ``variable`` has a heading of its own or of the IRI it labels in ``lang``."""
        own = self.columns.get(variable) or LANGUAGE_COLUMN.get(variable) or {}
        base = variable.removesuffix("Label")
        return lang in own or (base != variable and lang in self.columns.get(base, {}))


#: The ``lang`` parameter every catalogue question projects (so Oxigraph binds it) has the
#: same heading everywhere; it is never shown as a column.
LANGUAGE_COLUMN = {"lang": {"sv": "Språk", "en": "Language"}}


def parse_query_file(path: Path, name: str | None = None) -> QueryFile:
    """Read a ``.rq`` file and its header.

    >>> q = parse_query_file(queries_dir() / "summary" / "activities-per-area.rq")
    >>> q.title("en"), q.parameters[0].name
    ('Activities per action area', 'lang')
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(path, Message("load_not_utf8"), hint=Message("query_utf8_hint")) from None
    except OSError as err:
        raise InputError(path, Message("query_unreadable", reason=err.strerror or err)) from None
    return parse_query_text(text, path, name)


def parse_query_text(text: str, path: Path, name: str | None = None) -> QueryFile:
    """A query and its header from text; ``path`` names it in error messages."""
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    parameters: list[Parameter] = []
    tags: list[str] = []
    columns: dict[str, dict[str, str]] = {}
    group: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _HEADER_LINE.match(line)
        if not match:
            if line.startswith("#+"):
                raise InputError(path, Message("query_header_line"), line=number,
                                 hint=Message("query_header_line_hint"))
            continue
        key, value = match["key"], match["value"]
        if key in ("title", "description"):
            lang_match = _LANG_SUFFIX.match(value)
            lang, body = (lang_match["lang"], lang_match["text"]) if lang_match else ("sv", value)
            target = titles if key == "title" else descriptions
            target[lang] = (target[lang] + " " + body) if lang in target else body
        elif key == "param":
            param = _PARAM.match(value)
            if not param:
                raise InputError(path, Message("query_parameter", value=repr(value)), line=number,
                                 hint=Message("query_parameter_hint"))
            default = param["default"]
            if default and len(default) >= 2 and default[0] == default[-1] == '"':
                default = default[1:-1]
            if param["type"] not in PARAMETER_TYPES:
                raise InputError(path, Message("query_parameter_type", type=param["type"]),
                                 line=number, hint=Message("query_parameter_type_hint",
                                                           types=", ".join(PARAMETER_TYPES)))
            parameters.append(Parameter(param["name"], param["type"], default))
        elif key == "column":
            lang_match = _LANG_SUFFIX.match(value)
            column = _COLUMN.match(lang_match["text"] if lang_match else value)
            if not column:
                raise InputError(path, Message("query_column", value=repr(value)), line=number,
                                 hint=Message("query_column_hint"))
            lang = lang_match["lang"] if lang_match else "sv"
            columns.setdefault(column["name"], {})[lang] = column["text"]
        elif key == "group":
            group = value.strip() or None
        elif key == "tags":
            tags.extend(t.strip() for t in value.split(",") if t.strip())
    return QueryFile(
        name=name or path.stem, path=path, text=text, titles=titles,
        descriptions=descriptions, parameters=tuple(parameters), tags=tuple(tags),
        columns=columns, group=group,
    )


@cache
def read_query(relative: str) -> QueryFile:
    """A query of the bundled ``queries/`` folder by its path, e.g. ``summary/totals.rq``."""
    return parse_query_file(queries_dir() / relative, name=relative.removesuffix(".rq"))


def derivation_rules() -> list[QueryFile]:
    """The SPARQL updates (``derive/*.ru``) that derive the shortcut properties, in file-name
    order."""
    folder = queries_dir() / "derive"
    return [read_query(f"derive/{p.name}") for p in sorted(folder.glob("*.ru"))]


# --- the catalogue ------------------------------------------------------------------------

def catalogue(extra_dirs: Sequence[Path | None] = ()) -> list[QueryFile]:
    """The named questions: every ``.rq`` file at the top of ``queries/``, by name, then
    those of ``extra_dirs`` (a project's own ``queries/``), which join the catalogue.

    >>> names = [q.name for q in catalogue()]
    >>> "coordinators-ranked" in names and len(names) >= 20
    True
    """
    folder = queries_dir()
    found = [read_query(p.name) for p in sorted(folder.glob("*.rq"))]
    bundled = {q.name for q in found}
    for extra in extra_dirs:
        if extra is None or not extra.is_dir():
            continue
        for path in sorted(extra.glob("*.rq")):
            if path.stem in bundled:
                raise InputError(path, Message("query_name_taken", name=repr(path.stem)),
                                 hint=Message("query_name_taken_hint"))
            found.append(parse_query_file(path))
    return found


def catalogue_query(name: str, extra_dirs: Sequence[Path | None] = ()) -> QueryFile:
    """One named question, or an error that lists the closest names."""
    queries = {q.name: q for q in catalogue(extra_dirs)}
    if name.removesuffix(".rq") in queries:
        return queries[name.removesuffix(".rq")]
    close = difflib.get_close_matches(name, list(queries), n=3)
    hint = (Message("error_no_query_mean", names=", ".join(close)) if close
            else Message("error_no_query_list"))
    raise PlanegrafError(Message("error_no_query", name=repr(name), hint=hint))


def bind_parameters(
    query: QueryFile, given: Mapping[str, str], lang: str | None = None
) -> dict[str, ox.NamedNode | ox.Literal]:
    """Typed values for every parameter of ``query``: given, else ``lang``, else the default.

    A ``lang`` parameter takes the ``lang`` argument (``--lang``) unless given explicitly.

    >>> q = catalogue_query("organisations-in-many-areas")
    >>> bind_parameters(q, {"min_areas": "4"}, lang="en")["min_areas"].value
    '4'
    """
    unknown = sorted(set(given) - {p.name for p in query.parameters})
    if unknown:
        known = (", ".join(p.name for p in query.parameters)
                 or Message("error_none_count"))
        raise PlanegrafError(Message("error_no_such_parameter", query=query.name,
                                     unknown=", ".join(unknown), known=known))
    bound: dict[str, ox.NamedNode | ox.Literal] = {}
    for param in query.parameters:
        if param.name in given:
            value: str | None = given[param.name]
        elif param.name == "lang" and lang is not None:
            value = lang
        else:
            value = param.default
        if value is None:
            raise PlanegrafError(Message("error_needs_parameter", query=query.name,
                                         name=param.name, type=param.type))
        bound[param.name] = param.term(value)
    return bound


# --- read-only check ----------------------------------------------------------------------

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
_FORMS: dict[str, QueryForm] = {
    "SelectQuery": "SELECT", "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE",
}


@lru_cache(maxsize=256)
def check_query(text: str, path: Path | str, *, allow_service: bool = False) -> QueryForm:
    """The form of a read query, after refusing what would reach outside the local data.

    Parsing takes milliseconds, so a process that runs the same query again checks it once.

    The query is parsed (rdflib's SPARQL grammar), not searched for words: an update
    (``LOAD``, ``INSERT`` …) is refused, and so is ``SERVICE`` unless ``allow_service``.

    >>> check_query("SELECT * WHERE { ?s ?p ?o }", "q.rq")
    'SELECT'
    >>> check_query("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "q.rq")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planegraf.errors.RefusedQueryError: q.rq: SERVICE <http://example.org/sparql> would send ...
    """
    # imported here: parsing costs its import only to the commands that read a query file
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        parsed = parseQuery(text)
    except ParseException as err:
        try:
            update = parseUpdate(text)
        except ParseException:
            raise InputError(path, Message("query_not_sparql", detail=err.msg), line=err.lineno,
                             column=err.col,
                             hint=Message("load_syntax_hint", format="SPARQL")) from None
        operations = ", ".join(sorted({op.name.upper() for op in update.request})) or "update"
        raise RefusedQueryError(Message("error_update_refused", path=path,
                                        operations=operations)) from None
    form = _FORMS[parsed[1].name]
    if not allow_service:
        for node in _walk(parsed):
            if getattr(node, "name", None) == "ServiceGraphPattern":
                raise RefusedQueryError(Message("error_service_refused", path=path,
                                                service=node["term"]))
    return form


#: What may stand before a query's form keyword: white space, comments, PREFIX and BASE.
_PROLOGUE = re.compile(r"\s+|#[^\n]*|(?i:PREFIX)\s*[^\s:]*:\s*<[^>\s]*>|(?i:BASE)\s*<[^>\s]*>")


def query_form(query: QueryFile) -> QueryForm | None:
    """The form of a catalogue question, without running it; None for what is no query.

    planegraf's own questions are read by the keyword after their prologue: each is parsed
    with the full grammar by the test suite, and parsing all of them again costs a site
    build seconds (rdflib's grammar takes about 0.3 s a question). A project's own
    questions are checked in full (:func:`check_query`), so a mistake in one is reported
    when the site is built.

    >>> query_form(catalogue_query("plans-overview"))
    'SELECT'
    """
    if query.path.parent != queries_dir():
        return check_query(query.text, query.path)
    position = 0
    while (match := _PROLOGUE.match(query.text, position)) and match.end() > position:
        position = match.end()
    word = re.match(r"[A-Za-z]+", query.text[position:])
    keyword = word[0].upper() if word else ""
    return next((form for form in _FORMS.values() if form == keyword), None)


@lru_cache(maxsize=256)
def declares_dataset(text: str) -> bool:
    """Whether a query names its own dataset with ``FROM`` or ``FROM NAMED``.

    The embedded engine then answers over those graphs of the local store only (a graph it
    does not hold, such as an ``http://`` address, is empty: nothing is ever fetched);
    otherwise over the union of all graphs.

    >>> declares_dataset("SELECT * FROM NAMED <http://example.org/g> WHERE { ?s ?p ?o }")
    True
    >>> declares_dataset("SELECT * WHERE { ?s ?p ?o }")
    False
    """
    # A dataset clause is spelt FROM: a query without the word needs no parse (rdflib's
    # grammar takes about 0.3 s a query; a site build runs a dozen lookups).
    if not re.search(r"(?i)\bfrom\b", text):
        return False
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parsed = parseQuery(text)
    except ParseException:
        return False
    return any(getattr(node, "name", None) == "DatasetClause" for node in _walk(parsed[1]))


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        children: Any = node.values()
    elif isinstance(node, list | tuple):
        children = node
    elif hasattr(node, "asList") and not isinstance(node, str):
        children = list(node)
    else:
        return
    for child in children:
        yield from _walk(child)


# --- parameters for a remote endpoint -----------------------------------------------------

def with_values_block(text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """The query with ``bindings`` as a ``VALUES`` block opening its outermost ``WHERE`` group.

    This is how parameters reach an endpoint that has no binding API: the values are
    serialised as RDF terms (N-Triples escaping, so a quote or newline in a value stays
    inside its literal), never pasted into the query as text. A trailing ``VALUES`` after
    the query would be joined only after grouping, too late for ``FILTER``; at the opening
    of the group it binds the variables as the embedded engine does.

    >>> print(with_values_block('SELECT ?x WHERE { ?s ?p ?x }', {"x": ox.Literal('a"b')}))
    SELECT ?x WHERE { VALUES (?x) { ("a\\"b") }
     ?s ?p ?x }
    """
    if not bindings:
        return text
    position = _outer_group_start(text)
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(str(term) for term in bindings.values())
    block = f" VALUES ({names}) {{ ({values}) }}\n"
    return text[: position + 1] + block + text[position + 1:]


def _outer_group_start(text: str) -> int:
    """Index of the ``{`` that opens the outermost ``WHERE`` group of a query: the first group
    of a SELECT or ASK, the one after a CONSTRUCT's template.

    Comments, strings and IRIs are skipped, so a brace or keyword inside them is ignored.

    >>> query = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
    >>> query[_outer_group_start(query):][:9]
    '{ GRAPH ?'
    """
    i, length = 0, len(text)
    template = False  # inside a CONSTRUCT template, whose braces are not the WHERE group
    depth = 0
    while i < length:
        char = text[i]
        if char.isalpha():
            word = re.match(r"[A-Za-z_]\w*", text[i:])
            assert word is not None
            keyword = word.group().upper()
            # ?construct and ex:construct are a variable and a name, not the keyword.
            if keyword == "CONSTRUCT" and not template and text[i - 1:i] not in ("?", "$", ":"):
                rest = text[i + len(keyword):].lstrip()
                template = rest.startswith("{")  # CONSTRUCT WHERE { } has no template
            i += len(keyword)
            continue
        if char == "#":
            newline = text.find("\n", i)
            i = length if newline < 0 else newline + 1
            continue
        if char in "\"'":
            quote = char * 3 if text.startswith(char * 3, i) else char
            i += len(quote)
            while i < length and not text.startswith(quote, i):
                i += 2 if text[i] == "\\" else 1
            i += len(quote)
            continue
        if char == "<":
            end = text.find(">", i)
            if end > 0 and not re.search(r"\s", text[i:end]):
                i = end + 1
                continue
        if char == "{":
            if not template:
                return i
            depth += 1
        elif char == "}" and template:
            depth -= 1
            template = depth > 0
        i += 1
    raise PlanegrafError(Message("error_no_where"))
