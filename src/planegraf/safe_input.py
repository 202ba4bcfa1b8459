"""What planegraf refuses in RDF input before a parser sees it, and how it explains it: XML
entities that would read other files or expand without bound ("billion laughs"), and JSON-LD
contexts that would have to be fetched.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from .errors import InputError

MAX_ENTITY_EXPANSION = 1 << 20
"""Characters that the entities of one RDF/XML file may expand to, all references together."""

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
        raise InputError(path, "the document type refers to an outside DTD, which planegraf "
                         "never reads", line=_line(text, match.start()),
                         hint="remove the SYSTEM or PUBLIC part of <!DOCTYPE …>")
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    for match in _ENTITY.finditer(text):
        name, line = match["name"], _line(text, match.start())
        if match["parameter"] or match["external"]:
            kind = "parameter entity" if match["parameter"] else "entity"
            raise InputError(path, f"the {kind} {name!r} refers to an outside file or URL, "
                             "which planegraf never reads" if match["external"] else
                             f"the {kind} {name!r} is not supported", line=line,
                             hint="write the value into the file itself")
        values[name] = match["double"] if match["double"] is not None else match["single"]
        lines[name] = line
    if not values:
        return
    sizes: dict[str, int] = {}

    def size(name: str, seen: tuple[str, ...]) -> int:
        if name in seen:
            raise InputError(path, f"the entity {name!r} refers to itself", line=lines[name],
                             hint="an entity's value may not use the entity")
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
                    path, f"the XML entities would expand to more than {MAX_ENTITY_EXPANSION} "
                    "characters (an 'XML bomb')", line=_line(text, ref.start()),
                    hint="use entities only to abbreviate names, not to repeat text")


def explain_syntax_error(message: str, format_name: str) -> tuple[str, str]:
    """A parser's message and a hint for the user, rephrased where the parser's own words
    would mislead (Oxigraph reports a remote JSON-LD context as a missing callback).

    >>> explain_syntax_error("No LoadDocumentCallback has been set to load remote contexts",
    ...                      "JSON-LD")[0]
    'the @context is a URL or file name, and planegraf never fetches a context'
    """
    if "LoadDocumentCallback" in message:
        return ("the @context is a URL or file name, and planegraf never fetches a context",
                "put the context object itself into the file (planegraf export writes "
                "JSON-LD that way)")
    return message, f"fix the {format_name} syntax there"


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
    elif format_name == "JSON-LD" and (match := _CONTEXT_REFERENCE.search(data)):
        raise InputError(
            path, f"the @context {match[1].decode('utf-8', 'replace')!r} is a URL or file "
            "name, and planegraf never fetches a context", line=data.count(b"\n", 0,
                                                                            match.start()) + 1,
            hint="put the context object itself into the file (planegraf export writes "
                 "JSON-LD that way)")
    return data
