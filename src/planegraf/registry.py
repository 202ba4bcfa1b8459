"""The national registry of Swedish public organisations, shipped with planegraf.

All 21 counties with their regions and county administrative boards, all 290 municipalities
with their official four-digit codes, each county's group "Länets kommuner", and the state
agencies public-health plans name most. The source of truth is the CSV files in
``registry/`` (one row per organisation, reviewable in a diff); ``registry/sweden.trig`` is
generated from them and committed, so that loading the registry is one TriG parse and a
test can check that the committed file is what the CSV files say:

    python -m planegraf.registry --write     # regenerate registry/sweden.trig
    python -m planegraf.registry --check     # exit 1 when it is out of date

IRIs follow the bundled data: ``org/`` plus the slug of the Swedish name
(``org/jonkopings-kommun``, ``org/region-kalmar-lan``, ``org/lansstyrelsen-i-kalmar-lan``),
``place/`` plus the slug of the county (``place/ostergotlands-lan``) and
``group/<county>-kommuner`` for the county's municipalities.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from planegraf.ids import DATA, slugify
from planegraf.namespaces import PREFIXES
from planegraf.rdf import atomic
from planegraf.resources import registry_dir

GRAPH = DATA + "graph/registry-sweden"
TRIG_NAME = "sweden.trig"
NATIONAL_PLACE = DATA + "place/sverige"

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_DCT = "http://purl.org/dc/terms/"
_ORG = "http://www.w3.org/ns/org#"
_CV = "http://data.europa.eu/m8g/"
_FOAF = "http://xmlns.com/foaf/0.1/"
_PG = "https://w3id.org/planegraf/def#"

# Names every county's body also goes by in that county's own documents; the resolver
# takes them to mean the body of the document's county.
COUNTY_BOARD_NAMES = ("Länsstyrelsen",)
REGION_NAMES = ("Regionen",)
# "Kommuner i länet" (indefinite: some municipalities in the county) is not listed: Kalmar's
# plan (line 74) uses it for municipalities it does not name, not for all of them.
MUNICIPALITY_GROUP_NAMES = ("Länets kommuner", "Kommunerna i länet")


class RegistryError(ValueError):
    """A registry CSV file that cannot be read as the registry: names file, line and why."""


@dataclass(frozen=True)
class County:
    code: str
    name_sv: str
    name_en: str
    short_sv: str
    region_sv: str
    region_en: str
    region_alt: tuple[str, ...]
    board_alt: tuple[str, ...]

    @property
    def place(self) -> str:
        return DATA + "place/" + slugify(self.name_sv)

    @property
    def region(self) -> str:
        return DATA + "org/" + slugify(self.region_sv)

    @property
    def board_sv(self) -> str:
        return f"Länsstyrelsen i {self.name_sv}"

    @property
    def board(self) -> str:
        return DATA + "org/" + slugify(self.board_sv)

    @property
    def municipalities_group(self) -> str:
        return DATA + "group/" + slugify(self.name_sv) + "-kommuner"


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    official_sv: str
    alt: tuple[str, ...]
    slug: str = ""
    """The IRI's last segment where the name's slug is taken (Håbo and Habo both fold to
    ``habo``); empty for the slug of the official name."""

    @property
    def county_code(self) -> str:
        return self.code[:2]

    @property
    def iri(self) -> str:
        return DATA + "org/" + (self.slug or slugify(self.official_sv))


@dataclass(frozen=True)
class Agency:
    name_sv: str
    name_en: str
    sector: str
    alt: tuple[str, ...]

    @property
    def iri(self) -> str:
        return DATA + "org/" + slugify(self.name_sv)


@dataclass(frozen=True)
class Registry:
    counties: tuple[County, ...]
    municipalities: tuple[Municipality, ...]
    agencies: tuple[Agency, ...]

    def county(self, code: str) -> County:
        for county in self.counties:
            if county.code == code:
                return county
        raise KeyError(code)


def _rows(path: Path, columns: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise RegistryError(f"{path}:1: missing column(s) {', '.join(missing)}")
        for row in reader:
            values = {key: (value or "").strip() for key, value in row.items() if key}
            yield reader.line_num, values


def _names(cell: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in cell.split(";") if name.strip())


def read_registry(folder: Path | None = None) -> Registry:
    """The registry as the CSV files in ``folder`` (default: the shipped ``registry/``) say.

    >>> registry = read_registry()
    >>> len(registry.counties), len(registry.municipalities)
    (21, 290)
    >>> registry.county("05").board_sv
    'Länsstyrelsen i Östergötlands län'
    """
    folder = folder or registry_dir()
    counties = tuple(
        County(row["code"], row["county_sv"], row["county_en"], row["short_sv"],
               row["region_sv"], row["region_en"], _names(row["region_alt_labels"]),
               _names(row["board_alt_labels"]))
        for _, row in _rows(folder / "counties.csv",
                            ("code", "county_sv", "county_en", "short_sv", "region_sv",
                             "region_en", "region_alt_labels", "board_alt_labels"))
    )
    codes = {county.code for county in counties}
    municipalities: list[Municipality] = []
    path = folder / "municipalities.csv"
    seen: dict[str, int] = {}
    for line, row in _rows(path, ("code", "name", "official_sv", "alt_labels", "slug")):
        code = row["code"]
        if len(code) != 4 or not code.isdigit() or code[:2] not in codes:
            raise RegistryError(f"{path}:{line}: {code!r} is not a four-digit municipality "
                                "code starting with a county code of counties.csv")
        municipality = Municipality(code, row["name"], row["official_sv"],
                                    _names(row["alt_labels"]), row["slug"])
        if municipality.iri in seen:
            raise RegistryError(
                f"{path}:{line}: {row['official_sv']} gets the IRI {municipality.iri} of "
                f"line {seen[municipality.iri]}; give one of them a slug of its own")
        seen[municipality.iri] = line
        municipalities.append(municipality)
    agencies = tuple(
        Agency(row["name_sv"], row["name_en"], row["sector"], _names(row["alt_labels"]))
        for _, row in _rows(folder / "agencies.csv", ("name_sv", "name_en", "sector",
                                                      "alt_labels"))
    )
    return Registry(counties, tuple(municipalities), agencies)


def _node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _sv(text: str) -> ox.Literal:
    return ox.Literal(text, language="sv")


def _en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


class _Graph:
    """Collects the registry's triples, each once."""

    def __init__(self) -> None:
        self.triples: dict[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal],
                           None] = {}

    def add(self, subject: str, predicate: str,
            value: ox.NamedNode | ox.Literal | str) -> None:
        obj = _node(value) if isinstance(value, str) else value
        self.triples[(_node(subject), _node(predicate), obj)] = None

    def organisation(self, iri: str, sv: str, en: str, sector: str, place: str,
                     alt: Sequence[str], *, public: bool = True) -> None:
        if public:
            self.add(iri, _RDF + "type", _CV + "PublicOrganisation")
        self.add(iri, _RDF + "type", _ORG + "Organization")
        self.add(iri, _SKOS + "prefLabel", _sv(sv))
        self.add(iri, _SKOS + "prefLabel", _en(en))
        for name in alt:
            if name != sv:
                self.add(iri, _SKOS + "altLabel", _sv(name))
        self.add(iri, _ORG + "classification", DATA + "sector/" + sector)
        self.add(iri, _DCT + "spatial", place)


def triples(registry: Registry) -> list[ox.Triple]:
    """The registry as RDF triples, sorted so that the TriG output is stable."""
    graph = _Graph()
    graph.add(NATIONAL_PLACE, _RDF + "type", _DCT + "Location")
    graph.add(NATIONAL_PLACE, _SKOS + "prefLabel", _sv("Sverige"))
    graph.add(NATIONAL_PLACE, _SKOS + "prefLabel", _en("Sweden"))
    regions = {county.region_sv: county for county in registry.counties}
    for county in registry.counties:
        graph.add(county.place, _RDF + "type", _DCT + "Location")
        graph.add(county.place, _DCT + "identifier", ox.Literal(county.code))
        graph.add(county.place, _SKOS + "prefLabel", _sv(county.name_sv))
        graph.add(county.place, _SKOS + "prefLabel", _en(county.name_en))
        graph.organisation(county.region, county.region_sv, county.region_en, "region",
                           county.place, (*county.region_alt, *REGION_NAMES))
        short_en = county.name_en.removesuffix(" County")
        graph.organisation(
            county.board, county.board_sv, f"County Administrative Board of {short_en}",
            "state-agency", county.place,
            (*COUNTY_BOARD_NAMES, f"Länsstyrelsen {county.short_sv}",
             f"Länsstyrelsen {county.name_sv}", *county.board_alt))
        group = county.municipalities_group
        graph.add(group, _RDF + "type", _PG + "AgentGroup")
        graph.add(group, _SKOS + "prefLabel", _sv(f"Länets kommuner ({county.name_sv})"))
        graph.add(group, _SKOS + "prefLabel", _en(f"Municipalities of {county.name_en}"))
        for name in MUNICIPALITY_GROUP_NAMES:
            graph.add(group, _SKOS + "altLabel", _sv(name))
        graph.add(group, _ORG + "classification", DATA + "sector/group")
        graph.add(group, _PG + "memberSector", DATA + "sector/municipality")
        graph.add(group, _DCT + "spatial", county.place)
    for municipality in registry.municipalities:
        county = registry.county(municipality.county_code)
        region = regions.get(municipality.official_sv)
        if region is not None:
            # Region Gotland is the municipality of Gotland with a region's tasks: one
            # organisation, which keeps the region's sector and takes the municipality code.
            iri = region.region
        else:
            iri = municipality.iri
            graph.organisation(iri, municipality.official_sv,
                               f"{municipality.name} Municipality", "municipality",
                               county.place, municipality.alt)
        for name in municipality.alt:
            graph.add(iri, _SKOS + "altLabel", _sv(name))
        graph.add(iri, _DCT + "identifier", ox.Literal(municipality.code))
        graph.add(county.municipalities_group, _FOAF + "member", iri)
    for agency in registry.agencies:
        graph.organisation(agency.iri, agency.name_sv, agency.name_en, agency.sector,
                           NATIONAL_PLACE, agency.alt, public=agency.sector == "state-agency")
    ordered = sorted(graph.triples, key=lambda t: (t[0].value, t[1].value != _RDF + "type",
                                                   t[1].value, str(t[2])))
    return [ox.Triple(s, p, o) for s, p, o in ordered]


def render(registry: Registry) -> bytes:
    """The registry as TriG: one named graph, ``GRAPH``."""
    graph = _node(GRAPH)
    quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples(registry)]
    prefixes = {key: PREFIXES[key] for key in ("cv", "dct", "foaf", "org", "pg", "skos")}
    header = (b"# Generated by `python -m planegraf.registry --write` from the CSV files beside "
              b"it.\n# Edit those, not this file.\n")
    return header + (ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes) or b"")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m planegraf.registry",
        description="Regenerate or check registry/sweden.trig from the registry CSV files.")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="write registry/sweden.trig")
    action.add_argument("--check", action="store_true",
                        help="exit 1 when registry/sweden.trig is not what the CSV files say")
    parser.add_argument("--folder", type=Path, default=None,
                        help="the registry folder (default: the shipped registry/)")
    args = parser.parse_args(argv)
    folder = args.folder or registry_dir()
    try:
        data = render(read_registry(folder))
    except RegistryError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    target = folder / TRIG_NAME
    if args.write:
        atomic.write_bytes(target, data)
        print(f"wrote {target}")
        return 0
    if not target.is_file() or target.read_bytes() != data:
        print(f"{target} is out of date: run python -m planegraf.registry --write",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
