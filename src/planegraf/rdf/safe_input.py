"""What planegraf refuses in input before a parser sees it, and how it explains it: XML
entities that would read other files or expand without bound ("billion laughs"), XML nested
too deep, JSON-LD contexts that would have to be fetched, and spreadsheets larger than the
limits (:class:`InputLimits`, docs/limits.md).
"""

from __future__ import annotations

import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal
from xml.parsers import expat

from planegraf.errors import InputError, PlanegrafError
from planegraf.i18n import Message

MAX_ENTITY_EXPANSION = 1 << 20
"""Characters that the entities of one RDF/XML file may expand to, all references together."""


@dataclass(frozen=True)
class InputLimits:
    """How much one input file may hold; each limit is raised with its environment variable.

    >>> InputLimits.from_environment({"PLANEGRAF_MAX_ROWS": "20"}).max_rows
    20
    """

    max_mib: int = 100
    """Uncompressed size of a spreadsheet, in MiB (an .xlsx: all its parts together)."""
    max_rows: int = 100_000
    """Rows of a spreadsheet."""
    max_columns: int = 100
    """Columns of a spreadsheet (the activity sheet has 7)."""
    max_cell: int = 32_767
    """Characters in one cell (Excel's own limit)."""
    max_xml_depth: int = 200
    """How deep the elements of an XML file (RDF/XML) may nest."""

    ENVIRONMENT = {
        "max_mib": "PLANEGRAF_MAX_INPUT_MIB", "max_rows": "PLANEGRAF_MAX_ROWS",
        "max_columns": "PLANEGRAF_MAX_COLUMNS", "max_cell": "PLANEGRAF_MAX_CELL",
        "max_xml_depth": "PLANEGRAF_MAX_XML_DEPTH",
    }

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> InputLimits:
        """The defaults, with any limit the environment sets (a positive whole number)."""
        environ = dict(os.environ) if environ is None else environ
        values: dict[str, int] = {}
        for field in fields(cls):
            name = cls.ENVIRONMENT[field.name]
            text = environ.get(name, "").strip()
            if not text:
                continue
            # isdecimal, not isdigit: int() reads every decimal digit, and no '²'
            if not text.isdecimal() or len(text) > 18 or int(text) < 1:
                raise PlanegrafError(Message("error_whole_number", name=name,
                                             value=repr(text)))
            values[field.name] = int(text)
        return cls(**values)

    def refuse(self, path: Path | str, what: str, limit: str, *, line: int | None = None,
               column: int | None = None) -> InputError:
        """The error for input over ``limit`` (a field name), saying how to raise it."""
        value = getattr(self, limit)
        return InputError(path, Message("limit_exceeded", what=what, value=value,
                                        unit=Message(f"limit_unit_{limit}")),
                          line=line, column=column,
                          hint=Message("limit_exceeded_hint", variable=self.ENVIRONMENT[limit],
                                       raised=value * 10))


_PLAN_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_PLAN_KEY = 100


def plan_key_problem(key: str) -> tuple[str, str] | None:
    """What is wrong with ``key`` as a plan key (the last part of id/plan/KEY and of its
    graph's IRI, and a file name), in Swedish and English; None when it is a key.

    >>> plan_key_problem("rjl-hp-2018-2020") is None
    True
    >>> plan_key_problem("../x y")[1]
    'a plan key is lowercase letters a-z, digits and single hyphens, such as rjl-hp-2018-2020'
    """
    if _PLAN_KEY.fullmatch(key) and len(key) <= MAX_PLAN_KEY:
        return None
    return ("en plannyckel består av små bokstäver a-z, siffror och enstaka bindestreck, "
            "till exempel rjl-hp-2018-2020",
            "a plan key is lowercase letters a-z, digits and single hyphens, such as "
            "rjl-hp-2018-2020")


def check_xlsx_archive(path: Path, limits: InputLimits) -> None:
    """Refuse an .xlsx whose parts unpack to more than ``limits.max_mib``, before any XML is
    read: by the sizes the archive declares, then by the bytes actually unpacked (a part may
    declare less than it holds; reading stops at the limit).
    """
    cap = limits.max_mib * 1024 * 1024
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            declared = sum(member.file_size for member in members)
            if declared > cap:
                raise limits.refuse(path, Message("limit_workbook_size",
                                                  size=declared // (1 << 20)), "max_mib")
            unpacked = 0
            for member in members:
                with archive.open(member) as part:
                    while chunk := part.read(1 << 20):
                        unpacked += len(chunk)
                        if unpacked > cap:
                            raise limits.refuse(path, Message("limit_workbook_more"),
                                                "max_mib")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
            ValueError) as err:
        raise InputError(path, Message("sheet_not_xlsx", reason=err),
                         hint=Message("sheet_not_xlsx_hint")) from None


def check_xml_depth(data: bytes, path: Path | str, limits: InputLimits | None = None) -> None:
    """Refuse XML whose elements nest deeper than ``limits.max_xml_depth``.

    rdflib's RDF/XML parser takes time that grows faster than the square of the depth
    (50 000 levels: 27 s), so the depth is measured first with expat, which is linear.
    Syntax errors are left to the RDF parser, which words them for the user.

    >>> check_xml_depth(b"<a>" * 5 + b"</a>" * 5, "x.rdf", InputLimits(max_xml_depth=4))
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planegraf.errors.InputError: x.rdf:1: the XML elements nest too deep: over the limit of 4 ...
    """
    limits = limits or InputLimits.from_environment()
    parser = expat.ParserCreate()
    depth = 0

    class TooDeep(Exception):
        pass

    def start(name: str, attributes: object) -> None:
        nonlocal depth
        depth += 1
        if depth > limits.max_xml_depth:
            raise TooDeep

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except TooDeep:
        raise limits.refuse(path, Message("limit_xml_depth"), "max_xml_depth",
                            line=parser.CurrentLineNumber) from None
    except expat.ExpatError:
        return

_ENTITY = re.compile(
    r"<!ENTITY\s+(?P<parameter>%\s+)?(?P<name>[^\s%\"'>]+)\s+"
    r"(?:(?P<external>SYSTEM|PUBLIC)\b|\"(?P<double>[^\"]*)\"|'(?P<single>[^']*)')")
_REFERENCE = re.compile(r"&([A-Za-z_:][\w.:-]*);")
# "@context": "http://…" or "@context": ["file:///…", {…}]; other shapes reach the parser,
# which refuses them too (explain_syntax_error words that).
_CONTEXT_REFERENCE = re.compile(rb'"@context"\s*:\s*(?:\[[^\]{"]*)?"([^"]*)"')
_COMBINED = re.compile(r".[\u0300-\u036f]+", re.DOTALL)
_EXTERNAL_DTD = re.compile(r"<!DOCTYPE\s+[^\s\[>]+\s+(?:SYSTEM|PUBLIC)\b")


def check_rdf_xml(data: bytes, path: Path | str) -> None:
    """Refuse entity declarations that reach outside the file or expand too far.

    Plain entities that abbreviate a namespace (``<!ENTITY xsd "http://…#">``) are fine.

    >>> check_rdf_xml(b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    ...               "a.rdf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planegraf.errors.InputError: a.rdf:1: the entity 'x' refers to an outside file or URL, ...
    """
    if b"<!DOCTYPE" not in data:
        return
    text = data.decode("utf-8")
    if match := _EXTERNAL_DTD.search(text):
        raise InputError(path, Message("load_outside_dtd"), line=_line(text, match.start()),
                         hint=Message("load_outside_dtd_hint"))
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    for match in _ENTITY.finditer(text):
        name, line = match["name"], _line(text, match.start())
        if match["parameter"] or match["external"]:
            key = ("load_parameter_entity" if not match["external"] else
                   "load_outside_parameter_entity" if match["parameter"] else
                   "load_outside_entity")
            raise InputError(path, Message(key, name=repr(name)), line=line,
                             hint=Message("load_entity_value_hint"))
        values[name] = match["double"] if match["double"] is not None else match["single"]
        lines[name] = line
    if not values:
        return
    sizes: dict[str, int] = {}

    def size(name: str, seen: tuple[str, ...]) -> int:
        if name in seen:
            raise InputError(path, Message("load_entity_itself", name=repr(name)),
                             line=lines[name], hint=Message("load_entity_itself_hint"))
        if name not in sizes:
            value = values[name]
            total = len(_REFERENCE.sub("", value))
            for ref in _REFERENCE.findall(value):
                if ref in values:
                    total += size(ref, (*seen, name))
                    if total > MAX_ENTITY_EXPANSION:
                        break
            sizes[name] = total
        return sizes[name]

    subset_end = text.find("]>", text.find("<!DOCTYPE"))
    expanded = 0
    for ref in _REFERENCE.finditer(text, max(subset_end, 0)):
        if ref[1] in values:
            expanded += size(ref[1], ())
            if expanded > MAX_ENTITY_EXPANSION:
                raise InputError(
                    path, Message("load_entity_bomb", limit=MAX_ENTITY_EXPANSION),
                    line=_line(text, ref.start()), hint=Message("load_entity_bomb_hint"))


def explain_syntax_error(message: str, format_name: str) -> tuple[str, str]:
    """A parser's message and a hint for the user, rephrased where the parser's own words
    would mislead (Oxigraph reports a remote JSON-LD context as a missing callback).

    >>> explain_syntax_error("No LoadDocumentCallback has been set to load remote contexts",
    ...                      "JSON-LD")[0]
    'the @context is a URL or file name, and planegraf never fetches a context'
    """
    if "LoadDocumentCallback" in message:
        return Message("load_remote_context"), Message("load_remote_context_hint")
    return Message("load_syntax", detail=message), Message("load_syntax_hint",
                                                            format=format_name)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def screen(data: bytes, format_name: str, path: Path | str) -> bytes:
    """The bytes of an RDF file as planegraf loads them: combining accents composed (NFC),
    RDF/XML checked by :func:`check_rdf_xml`.

    "ö" typed as "o" + combining diaeresis is the same name as "ö": left apart they would be
    two literals that look alike, so one organisation could carry two labels that match
    different queries, or two organisations one name. Only a letter followed by combining
    diacritical marks (U+0300–U+036F) is composed, wherever it stands (IRIs too); the rest
    of the text is left exactly as written (NFC of a whole file would also rewrite
    characters such as CJK compatibility ideographs, which RDF keeps apart). Files without
    such a mark (no UTF-8 lead byte 0xCC/0xCD) are not even decoded.

    >>> screen("Jo\\u0308nko\\u0308ping".encode(), "Turtle", "x.ttl").decode()
    'Jönköping'
    """
    if b"\xcc" in data or b"\xcd" in data:
        text = data.decode("utf-8")
        composed = _COMBINED.sub(lambda match: unicodedata.normalize("NFC", match[0]), text)
        if composed != text:
            data = composed.encode("utf-8")
    if format_name == "RDF/XML":
        check_rdf_xml(data, path)
        check_xml_depth(data, path)
    elif format_name == "JSON-LD" and (match := _CONTEXT_REFERENCE.search(data)):
        raise InputError(
            path, Message("load_remote_context_named",
                          context=repr(match[1].decode("utf-8", "replace"))),
            line=data.count(b"\n", 0, match.start()) + 1,
            hint=Message("load_remote_context_hint"))
    return data


# What can write an RDF 1.2 triple term: in Turtle and TriG the reified triple (<< … >>),
# annotation ({| … |}) and reifier (~) syntaxes, each of which makes one the object of
# rdf:reifies, and, as in N-Triples and N-Quads, the triple term itself, "<<(" (one token:
# "<< (" is no triple term); in RDF/XML rdf:parseType="Triple" and rdf:annotation. JSON-LD has
# none yet.
_XML_TRIPLE_TERM_BYTES = (b"Triple", b"annotation")
_MANY_PARENTHESES = 10_000
# Where the first one stands: the tokens that may hold those bytes harmlessly (strings, long
# strings, comments, IRIs) are matched whole and skipped, so "<<" in a literal is no match.
_TURTLE_TRIPLE_TERM = re.compile(
    rb'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    rb'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\'|#[^\n\r]*'
    rb'|<[^<>"{}|^`\\\x00-\x20]*>|(?P<term><<|\{\||~)', re.DOTALL)
_XML_TRIPLE_TERM = re.compile(
    rb'<!--.*?-->|(?P<term>parseType\s*=\s*["\']Triple["\']|:annotation(?:NodeID)?\s*=)',
    re.DOTALL)

TripleTermScope = Literal["none", "reifies", "all"]


def triple_term_scope(data: bytes, format_name: str) -> TripleTermScope:
    """Where the quads parsed from ``data`` could hold an RDF 1.2 triple term: nowhere, only
    as objects of rdf:reifies (which the predicate's index finds at once), or anywhere (a
    pass over every quad, 0.5 s at a million).

    Decided from the bytes without a pass of Python over the file: a search for one byte
    runs at memory speed (6 ms for 75 MB), one for "<<" ten times slower (85 ms). So "<<("
    is looked for at each "(" only, which plain data has few of (in literals).

    >>> triple_term_scope(b'<http://ex/a> <http://ex/b> "(x) << y" .', "N-Triples")
    'none'
    >>> triple_term_scope(b'<http://ex/a> <http://ex/b> <<( <http://ex/a> <http://ex/b> '
    ...                   b'<http://ex/c> )>> .', "N-Triples")
    'all'
    """
    if format_name == "RDF/XML":
        return "all" if any(marker in data for marker in _XML_TRIPLE_TERM_BYTES) else "none"
    if format_name not in ("Turtle", "TriG", "N-Triples", "N-Quads"):
        return "none"
    if _writes_triple_term_token(data):
        return "all"
    return "reifies" if format_name in ("Turtle", "TriG") else "none"


def _writes_triple_term_token(data: bytes) -> bool:
    at, seen = data.find(b"("), 0
    while at != -1:
        if at >= 2 and data[at - 2:at] == b"<<":
            return True
        seen += 1
        if seen > _MANY_PARENTHESES:  # a file full of them: one slower search instead
            return b"<<(" in data
        at = data.find(b"(", at + 1)
    return False


def triple_term_refused(data: bytes, format_name: str, path: Path | str) -> InputError:
    """The error for a file holding an RDF 1.2 triple term, at the first one written.

    planegraf's graph is plain RDF 1.1 (its pages, downloads, JSON-LD and queries know no
    triple terms), so such a file is refused at load rather than failing later.

    >>> print(triple_term_refused(b'# "<<"\\n<http://ex/a> <http://ex/b>\\n  <<( <http://ex/a> '
    ...                           b'<http://ex/b> "<<" )>> .', "N-Triples", "a.nt").line)
    3
    """
    pattern = _XML_TRIPLE_TERM if format_name == "RDF/XML" else _TURTLE_TRIPLE_TERM
    line = column = None
    for match in pattern.finditer(data):
        if match["term"] is not None:
            start = match.start()
            line_start = data.rfind(b"\n", 0, start) + 1
            line = data.count(b"\n", 0, start) + 1
            column = len(data[line_start:start].decode("utf-8", "replace")) + 1
            break
    written = {"RDF/XML": 'rdf:parseType="Triple", rdf:annotation',
               "N-Triples": "<<( … )>>", "N-Quads": "<<( … )>>"}.get(
                   format_name, "<< … >>, <<( … )>>, {| … |}, ~")
    # Messages: the command shows them in its run's language (cli.common.data_options).
    return InputError(path, Message("load_triple_term", written=written), line=line,
                      column=column, hint=Message("load_triple_term_hint"))
