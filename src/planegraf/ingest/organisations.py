"""A project's own organisations, kept without writing Turtle: the decision sheet the import
writes for every unresolved or guessed mention, ``organisations add`` that records the
decisions in ``organisations.trig``, and ``organisations list`` over the whole registry.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from planegraf import i18n
from planegraf.errors import InputError, PlanegrafError
from planegraf.i18n import ByLanguage, Message, suffix_named
from planegraf.ids import DATA, slugify
from planegraf.namespaces import PREFIXES
from planegraf.rdf import atomic
from planegraf.rdf.store import EmbeddedStore
from planegraf.render.safe_csv import SpreadsheetSafeWriter

if TYPE_CHECKING:
    from planegraf.counties import County
    from planegraf.ingest import ImportResult
    from planegraf.project import Project

CANDIDATES = 3
# The sheet's columns: (key, Swedish header, English header). Readers accept either header.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("mention", "Omnämnande", "Mention"),
    ("source", "Källa", "Source"),
    ("status", "Status", "Status"),
    *((f"candidate{n}", f"Kandidat {n}", f"Candidate {n}") for n in range(1, CANDIDATES + 1)),
    ("decision", "Beslut", "Decision"),
    ("name", "Namn", "Name"),
    ("sector", "Sektor", "Sector"),
    ("county", "Län", "County"),
    ("parent", "Överordnad", "Parent"),
)
_SAME = re.compile(r"^\s*(?:samma\s+som|same\s+as)\s*:?\s*(.*)$", re.IGNORECASE)
_NEW = re.compile(r"^\s*(?:ny\s+organisation|new\s+organi[sz]ation)\s*$", re.IGNORECASE)
_IRI_IN = re.compile(r"<(https?://[^<>\s]+)>")

_RDF = PREFIXES["rdf"]
_SKOS = PREFIXES["skos"]
_DCT = PREFIXES["dct"]
_ORG = PREFIXES["org"]
_CV = PREFIXES["cv"]
_PUBLIC_SECTORS = {"region", "municipality", "state-agency", "regional-unit", "university-research"}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


# --------------------------------------------------------------------------------------------
# The sheet the import writes
# --------------------------------------------------------------------------------------------


def decision_rows(result: ImportResult) -> list[dict[str, str]]:
    """One row per unresolved or guessed mention (each spelling once), with its candidates."""
    rows: dict[str, dict[str, str]] = {}
    for row, mention in result.unresolved:
        key = mention.text.strip()
        if key in rows:
            continue
        entry = {"mention": key, "source": f"{result.source.file_name}:{row.row.line}",
                 "status": mention.resolution.status, "decision": "", "name": "", "sector": "",
                 "county": "", "parent": ""}
        for number in range(1, CANDIDATES + 1):
            entry[f"candidate{number}"] = ""
        for number, candidate in enumerate(mention.resolution.candidates[:CANDIDATES], start=1):
            entry[f"candidate{number}"] = f"{candidate.label} <{candidate.iri}>"
        rows[key] = entry
    return list(rows.values())


def write_decision_sheet(result: ImportResult, stem: Path, lang: str = "sv") -> list[Path]:
    """Write ``STEM.xlsx`` and ``STEM.csv``: the mentions to decide on, one row each.

    The user writes in *Beslut*/*Decision* ``samma som 1`` (a candidate's number, name or IRI)
    or ``ny organisation`` with a name, sector, county and parent where they apply.
    """
    from openpyxl import Workbook

    rows = decision_rows(result)
    for row in rows:  # read by people, never read back: in the run's language
        row["status"] = i18n.text(f"import_{row['status']}", lang)
    # A sheet filled in but not yet recorded (organisations add) must survive the next
    # import of the plan: its decisions are carried over to the mentions still open.
    decided = _filled_in(stem)
    for row in rows:
        if row["mention"] in decided:
            row.update(_carried(decided[row["mention"]], row))
    headers = [sv if lang == "sv" else en for _, sv, en in COLUMNS]
    keys = [key for key, _, _ in COLUMNS]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "organisationer" if lang == "sv" else "organisations"
    sheet.append(headers)
    for row in rows:
        # openpyxl writes a str starting with "=" as a formula; data_type "s" keeps it text.
        sheet.append([row[key] for key in keys])
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"
    xlsx = stem.with_suffix(".xlsx")
    buffer = io.BytesIO()
    book.save(buffer)
    atomic.write_bytes(xlsx, buffer.getvalue())
    text = io.StringIO()
    writer = SpreadsheetSafeWriter(text, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row[key] for key in keys])
    csv_path = stem.with_suffix(".csv")
    atomic.write_text(csv_path, text.getvalue())
    return [xlsx, csv_path]


_FILLED_IN = ("decision", "name", "sector", "county", "parent")


def _filled_in(stem: Path) -> dict[str, dict[str, str]]:
    """What the user wrote in the sheet already at ``STEM.xlsx`` or ``STEM.csv``, by mention:
    the columns they fill in, of the rows with a decision."""
    found: dict[str, dict[str, str]] = {}
    for path in (stem.with_suffix(".xlsx"), stem.with_suffix(".csv")):
        if not path.is_file():
            continue
        try:
            table = _read_table(path)
        except PlanegrafError:  # a damaged sheet holds nothing to keep
            continue
        if not table:
            continue
        by_header = {name.casefold(): key for key, sv, en in COLUMNS for name in (sv, en)}
        index = {by_header[h]: i for i, h in enumerate(
            str(cell or "").strip().casefold() for cell in table[0]) if h in by_header}
        if "mention" not in index or "decision" not in index:
            continue
        for cells in table[1:]:
            mention = _cell(cells, index, "mention")
            if mention and _cell(cells, index, "decision") and mention not in found:
                found[mention] = {key: _cell(cells, index, key)
                                  for key in (*_FILLED_IN, *_CANDIDATE_KEYS)}
    return found


_CANDIDATE_KEYS = tuple(f"candidate{n}" for n in range(1, CANDIDATES + 1))


def _carried(kept: dict[str, str], row: dict[str, str]) -> dict[str, str]:
    """The columns the user filled in (``kept``) for the new sheet's ``row``. A candidate
    chosen by its number is the one the user saw under that number: where the new import
    puts another organisation there (one added to the registry since), the decision names
    the chosen one's IRI instead, so that it does not silently come to mean another."""
    carried = {key: kept[key] for key in _FILLED_IN}
    same = _SAME.match(carried["decision"])
    number = same.group(1).strip() if same else ""
    if same and number.isdecimal() and 1 <= int(number) <= CANDIDATES:
        seen = _IRI_IN.search(kept[f"candidate{number}"])
        now = _IRI_IN.search(row[f"candidate{number}"])
        if seen and (now is None or now.group(1) != seen.group(1)):
            decision = carried["decision"]
            carried["decision"] = (decision[:same.start(1)] + seen.group(1)
                                   + decision[same.end(1):])
    return carried


def _cell(cells: Sequence[object], index: dict[str, int], key: str) -> str:
    """A cell of the sheet as its user wrote it: without the apostrophe the CSV puts before
    a value a spreadsheet would read as a formula (planegraf.render.safe_csv)."""
    i = index.get(key)
    raw = cells[i] if i is not None and i < len(cells) else None
    text = str(raw).strip() if raw is not None else ""
    return text[1:] if text.startswith("'") else text


# --------------------------------------------------------------------------------------------
# Reading the decisions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """One filled row of the sheet: a spelling that means a known organisation, or a new one."""

    line: int
    mention: str
    same_as: str | None = None
    name: str | None = None
    sector: str | None = None
    county: str | None = None
    parent: str | None = None


def read_decisions(path: Path) -> list[Decision]:
    """The decided rows of a sheet (.xlsx or .csv); undecided rows are skipped."""
    table = _read_table(path)
    if not table:
        raise InputError(path, Message("sheet_empty"), hint=Message("decisions_sheet_hint"))
    header = [str(cell or "").strip().casefold() for cell in table[0]]
    by_header = {name.casefold(): key for key, sv, en in COLUMNS for name in (sv, en)}
    index = {by_header[h]: i for i, h in enumerate(header) if h in by_header}
    missing = [sv for key, sv, _ in COLUMNS if key in ("mention", "decision") and key not in index]
    if missing:
        raise InputError(path, Message("decisions_header_lacks", columns=", ".join(missing)),
                         line=1, hint=Message("decisions_sheet_hint"))
    decisions: list[Decision] = []
    for number, cells in enumerate(table[1:], start=2):
        def value(key: str, cells: Sequence[object] = cells) -> str:
            return _cell(cells, index, key)

        decision, mention = value("decision"), value("mention")
        if not decision:
            continue
        if not mention:
            raise InputError(path, Message("decisions_no_mention"), line=number)
        same = _SAME.match(decision)
        if same:
            target = same.group(1).strip()
            if target.isdecimal() and 1 <= int(target) <= CANDIDATES:  # int() reads no '²'
                chosen = value(f"candidate{target}")
                found = _IRI_IN.search(chosen)
                if not found:
                    raise InputError(path, Message("decisions_empty_candidate", number=target),
                                     line=number, hint=Message("decisions_empty_candidate_hint"))
                target = found.group(1)
            if not target:
                raise InputError(path, Message("decisions_same_as_what", decision=repr(decision)),
                                 line=number, hint=Message("decisions_same_as_what_hint"))
            decisions.append(Decision(number, mention, same_as=target))
        elif _NEW.match(decision):
            decisions.append(Decision(number, mention, name=value("name") or mention,
                                      sector=value("sector") or None,
                                      county=value("county") or None,
                                      parent=value("parent") or None))
        else:
            raise InputError(path, Message("decisions_unknown", decision=repr(decision)),
                             line=number, hint=Message("decisions_unknown_hint"))
    return decisions


def _read_table(path: Path) -> list[list[object]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(path, Message("decisions_unreadable", reason=err),
                             hint=Message("decisions_unreadable_hint")) from None
        dialect = csv.Sniffer().sniff(text.splitlines()[0]) if text.strip() else csv.excel
        return [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as err:  # openpyxl raises many types for a damaged file
            raise InputError(path, Message("sheet_not_xlsx", reason=err)) from None
        try:
            sheet = book.worksheets[0]
            return [list(r) for r in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    raise InputError(path, Message("decisions_unknown_type", suffix=suffix_named(suffix)),
                     hint=Message("decisions_unknown_type_hint"))


# --------------------------------------------------------------------------------------------
# Recording them in the project's organisations file
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registry:
    """The organisations, sectors and counties a project knows, for checking decisions."""

    labels: dict[str, list[str]]  # IRI → its names (prefLabel and altLabel)
    preferred: dict[str, str]
    sectors: dict[str, str]  # key, or a Swedish/English name, → sector IRI
    places: dict[str, str]  # place IRI → Swedish name
    counties_of: dict[str, str]  # organisation IRI → place IRI
    sector_names: dict[str, list[str]]  # language → the sectors' names in it

    @classmethod
    def of(cls, store: EmbeddedStore) -> Registry:
        from planegraf.sparql.queries import read_query

        labels: dict[str, list[str]] = {}
        preferred: dict[str, str] = {}
        counties_of: dict[str, str] = {}
        for row in store.select(read_query("ingest/agent-labels.rq").text):
            iri, label = row["agent"].value, row["label"].value
            labels.setdefault(iri, [])
            if label not in labels[iri]:
                labels[iri].append(label)
            if row["preferred"].value == "true" and (row["label"].language == "sv"
                                                     or iri not in preferred):
                preferred[iri] = label
            if row["place"] is not None:
                counties_of[iri] = row["place"].value
        sectors: dict[str, str] = {}
        sector_names: dict[str, list[str]] = {"sv": [], "en": []}
        for row in store.select(read_query("network/sectors.rq").text):
            for term in (row["notation"], row["labelSv"], row["labelEn"]):
                if term is not None:
                    sectors[term.value.casefold()] = row["sector"].value
            for lang, term in (("sv", row["labelSv"]), ("en", row["labelEn"])):
                shown = term if term is not None else row["notation"]
                if shown is not None:
                    sector_names[lang].append(shown.value.casefold())
        places = {row["place"].value: row["label"].value
                  for row in store.select(read_query("ingest/county-places.rq").text)}
        return cls(labels, preferred, sectors, places, counties_of, sector_names)

    def find(self, text: str) -> str | None:
        """The IRI an IRI, a name or a spelling names, when exactly one organisation has it."""
        if text.startswith(("http://", "https://")):
            return text if text in self.labels else None
        key = text.casefold().strip()
        found = {iri for iri, names in self.labels.items()
                 if any(n.casefold() == key for n in names)}
        return found.pop() if len(found) == 1 else None


def add_decisions(project: Project, decisions: Sequence[Decision], store: EmbeddedStore,
                  sheet: Path, lang: str = "sv") -> list[str]:
    """Record ``decisions`` in the project's organisations file; return one line per change.

    A spelling of a known organisation becomes its ``skos:altLabel``; a new organisation gets
    an IRI minted from its name (``id/org/SLUG``), a Swedish preferred name, its sector, its
    county and, with a parent, becomes a unit of it. Nothing is written when a row is wrong.
    """
    target = project.organisations_file
    if target is None:
        raise PlanegrafError(Message("error_decisions_need_project"))
    registry = Registry.of(store)
    graph = _n(project.organisations_graph)
    quads: list[ox.Quad] = []
    done: list[str] = []
    for decision in decisions:
        if decision.same_as is not None:
            iri = registry.find(decision.same_as)
            if iri is None:
                raise InputError(sheet, Message("decisions_no_single", name=repr(decision.same_as)),
                                 line=decision.line, hint=Message("decisions_no_single_hint"))
            quads.append(ox.Quad(_n(iri), _n(_SKOS + "altLabel"),
                                 ox.Literal(decision.mention, language="sv"), graph))
            done.append(f"{decision.mention} → {registry.preferred.get(iri, iri)} <{iri}>")
            continue
        quads += _new_organisation(project, decision, registry, graph, sheet, done, lang)
    _merge_into(target, graph, quads, project)
    return done


def _new_organisation(project: Project, decision: Decision, registry: Registry,
                      graph: ox.NamedNode, sheet: Path, done: list[str], lang: str
                      ) -> list[ox.Quad]:
    name = decision.name or decision.mention
    iri = f"{DATA}org/{slugify(name)}"
    if iri in registry.labels and name not in registry.labels[iri]:
        raise InputError(sheet, Message("decisions_taken", iri=iri,
                                        name=repr(registry.preferred.get(iri))),
                         line=decision.line, hint=Message("decisions_taken_hint"))
    if not decision.sector:
        raise InputError(sheet, Message("decisions_needs_sector", name=repr(name)),
                         line=decision.line, hint=Message("decisions_needs_sector_hint",
                                                          sectors=_sector_keys(registry)))
    sector = registry.sectors.get(decision.sector.casefold())
    if sector is None:
        raise InputError(sheet, Message("decisions_unknown_sector", sector=repr(decision.sector)),
                         line=decision.line, hint=Message("decisions_unknown_sector_hint",
                                                          sectors=_sector_keys(registry)))
    place = _place(project, decision, registry, sheet)
    node = _n(iri)
    out = [ox.Quad(node, _n(_RDF + "type"), _n(_ORG + "Organization"), graph),
           ox.Quad(node, _n(_SKOS + "prefLabel"), ox.Literal(name, language="sv"), graph),
           ox.Quad(node, _n(_ORG + "classification"), _n(sector), graph)]
    if sector.rsplit("/", 1)[-1] in _PUBLIC_SECTORS:
        out.append(ox.Quad(node, _n(_RDF + "type"), _n(_CV + "PublicOrganisation"), graph))
    if decision.mention != name:
        out.append(ox.Quad(node, _n(_SKOS + "altLabel"),
                           ox.Literal(decision.mention, language="sv"), graph))
    if place:
        out.append(ox.Quad(node, _n(_DCT + "spatial"), _n(place), graph))
    if decision.parent:
        parent = registry.find(decision.parent)
        if parent is None:
            raise InputError(sheet, Message("decisions_no_single", name=repr(decision.parent)),
                             line=decision.line, hint=Message("decisions_parent_hint"))
        out += [ox.Quad(node, _n(_RDF + "type"), _n(_ORG + "OrganizationalUnit"), graph),
                ox.Quad(node, _n(_ORG + "unitOf"), _n(parent), graph)]
    registry.labels.setdefault(iri, [name])
    new = i18n.text("cli_decisions_new", lang)
    done.append(f"{decision.mention} → {name} <{iri}> ({new})")
    return out


def _sector_keys(registry: Registry) -> ByLanguage:
    # The sectors' names in the run's language (the sheet takes either language's, or the
    # key): a Swedish sheet was offered mostly English keys.
    return ByLanguage(**{lang: ", ".join(sorted(names, key=str.casefold))
                         for lang, names in registry.sector_names.items()})


def _place(project: Project, decision: Decision, registry: Registry, sheet: Path) -> str | None:
    from planegraf.counties import find_county

    if decision.county:
        try:
            county = find_county(decision.county)
        except PlanegrafError:
            raise InputError(sheet, Message("decisions_unknown_county",
                                            county=repr(decision.county)),
                             line=decision.line, hint=Message("decisions_unknown_county_hint")
                             ) from None
        return county.place
    places = project.config.places
    return places[0] if len(places) == 1 else None


def _merge_into(target: Path, graph: ox.NamedNode, quads: Iterable[ox.Quad],
                project: Project) -> None:
    # The file is planegraf's own (init wrote it) and the whole dataset was loaded, and so
    # checked, before a decision is recorded; it is rewritten whole, atomically.
    store = ox.Store()
    if target.is_file():
        store.load(path=str(target), format=ox.RdfFormat.TRIG)
    store.extend(quads)
    data = store.dump(format=ox.RdfFormat.TRIG, prefixes=dict(PREFIXES)) or b""
    atomic.write_bytes(target, data)


# --------------------------------------------------------------------------------------------
# The seed written by init, and the listing
# --------------------------------------------------------------------------------------------


def seed_organisations(project: Project, county: County | None) -> Path:
    """Write the project's organisations file; with a county the registry does not know yet,
    the county and its region are its first entries, so plans of the county resolve them."""
    from planegraf.rdf.loading import load_files
    from planegraf.sparql.queries import read_query

    target = project.organisations_file
    assert target is not None
    graph = _n(project.organisations_graph)
    quads: list[ox.Quad] = []
    if county is not None:
        store = load_files(project.registry_files())
        regions = list(store.select(read_query("ingest/county-region.rq").text,
                                    place=_n(county.place)))
        places = {row["place"].value for row in store.select(
            read_query("ingest/county-places.rq").text)}
        place = _n(county.place)
        if county.place not in places:
            quads += [
                ox.Quad(place, _n(_RDF + "type"), _n(_DCT + "Location"), graph),
                ox.Quad(place, _n(_DCT + "identifier"), ox.Literal(county.code), graph),
                ox.Quad(place, _n(_SKOS + "prefLabel"), ox.Literal(county.name, language="sv"),
                        graph),
            ]
        if not regions:
            region = _n(county.region_iri)
            quads += [
                ox.Quad(region, _n(_RDF + "type"), _n(_ORG + "Organization"), graph),
                ox.Quad(region, _n(_RDF + "type"), _n(_CV + "PublicOrganisation"), graph),
                ox.Quad(region, _n(_SKOS + "prefLabel"), ox.Literal(county.region, language="sv"),
                        graph),
                ox.Quad(region, _n(_ORG + "classification"), _n(f"{DATA}sector/region"), graph),
                ox.Quad(region, _n(_DCT + "spatial"), place, graph),
            ]
    _merge_into(target, graph, quads, project)
    return target


@dataclass(frozen=True)
class Listed:
    iri: str
    name: str
    county: str


def list_organisations(store: EmbeddedStore, county: str | None = None,
                       search: str | None = None) -> list[Listed]:
    """The registry's organisations, units and groups, by name; filtered by county (code or
    name) and by a text in any of their names."""
    from planegraf.counties import find_county

    registry = Registry.of(store)
    place = find_county(county).place if county else None
    wanted = search.casefold() if search else None
    found = []
    for iri, names in registry.labels.items():
        where = registry.counties_of.get(iri)
        if place is not None and where != place:
            continue
        if wanted is not None and not any(wanted in n.casefold() for n in names):
            continue
        found.append(Listed(iri, registry.preferred.get(iri, names[0]),
                            registry.places.get(where or "", "")))
    return sorted(found, key=lambda o: (o.name.casefold(), o.iri))
