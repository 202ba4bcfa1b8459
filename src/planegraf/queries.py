"""SPARQL files of ``queries/`` and the metadata header each one carries.

A header is a block of ``#+ key: value`` comment lines at the top of a ``.rq`` file::

    #+ title: Aktiviteter per handlingsområde @sv
    #+ title: Activities per action area @en
    #+ param: lang xsd:string = "sv"
    #+ tags: summary, areas

Text values end with a language tag; parameters name a variable, its XSD type and default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .errors import InputError
from .resources import queries_dir

_HEADER_LINE = re.compile(r"^#\+\s*(?P<key>[a-z_]+)\s*:\s*(?P<value>.*?)\s*$")
_LANG_SUFFIX = re.compile(r"^(?P<text>.*?)\s+@(?P<lang>[a-z]{2})$")
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+:[A-Za-z]+)(?:\s*=\s*(?P<default>.+))?$"
)


@dataclass(frozen=True)
class Parameter:
    """A query parameter: variable name, XSD (or ``xsd:anyURI``) type and default text."""

    name: str
    type: str
    default: str | None


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

    def title(self, lang: str = "sv") -> str:
        return self.titles.get(lang) or self.titles.get("sv") or self.name


def parse_query_file(path: Path, name: str | None = None) -> QueryFile:
    """Read a ``.rq`` file and its header.

    >>> q = parse_query_file(queries_dir() / "summary" / "activities-per-area.rq")
    >>> q.title("en"), q.parameters[0].name
    ('Activities per action area', 'lang')
    """
    text = path.read_text(encoding="utf-8")
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    parameters: list[Parameter] = []
    tags: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _HEADER_LINE.match(line)
        if not match:
            if line.startswith("#+"):
                raise InputError(path, "unreadable header line", line=number,
                                 hint="write it as '#+ key: value'")
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
                raise InputError(path, f"unreadable parameter {value!r}", line=number,
                                 hint="write it as 'name xsd:type = default'")
            default = param["default"]
            if default and len(default) >= 2 and default[0] == default[-1] == '"':
                default = default[1:-1]
            parameters.append(Parameter(param["name"], param["type"], default))
        elif key == "tags":
            tags.extend(t.strip() for t in value.split(",") if t.strip())
    return QueryFile(
        name=name or path.stem, path=path, text=text, titles=titles,
        descriptions=descriptions, parameters=tuple(parameters), tags=tuple(tags),
    )


@cache
def read_query(relative: str) -> QueryFile:
    """A query of the bundled ``queries/`` folder by its path, e.g. ``derive/coordinator.rq``."""
    return parse_query_file(queries_dir() / relative, name=relative.removesuffix(".rq"))


def derivation_rules() -> list[QueryFile]:
    """The CONSTRUCT rules that derive the shortcut properties, in file-name order."""
    folder = queries_dir() / "derive"
    return [read_query(f"derive/{p.name}") for p in sorted(folder.glob("*.rq"))]
