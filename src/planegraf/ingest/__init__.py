"""Importing plan documents and activity spreadsheets into graph data that passes the shapes.

``import_document`` and ``import_spreadsheet`` read a file, resolve every organisation
mention against the registry and return the plan's named graph with an import report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from ..errors import InputError, PlanegrafError
from ..ids import DATA, slugify
from ..loading import open_store
from ..queries import read_query
from ..safe_input import plan_key_problem
from ..store import EmbeddedStore
from .cells import Mention, extract_mentions, scrub_personal_data
from .document import read_plan_document
from .model import ActivityRow, Note, PlanSource
from .resolver import PLACE, OrganisationRegistry, normalise
from .to_rdf import PlanContext, RowResult, plan_quads, serialise_trig, to_rdflib

__all__ = ["ImportResult", "ImportSettings", "import_document", "import_spreadsheet"]


@dataclass(frozen=True)
class ImportSettings:
    """What the document cannot say itself; ``None`` means: derive it (see README)."""

    plan_key: str | None = None
    strategy: str | None = None
    county: str | None = None
    publisher: str | None = None
    registry_files: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        # The key becomes an IRI and a file name: a space or ../ must not get that far.
        if self.plan_key is not None and (problem := plan_key_problem(self.plan_key)):
            raise PlanegrafError(f"--plan-key {self.plan_key!r}: {problem[1]}")


@dataclass
class ImportResult:
    """A finished import: the source as read, each row's mentions, the RDF and the context."""

    source: PlanSource
    context: PlanContext
    rows: list[RowResult]
    quads: list[ox.Quad] = field(repr=False)
    registry: OrganisationRegistry = field(repr=False)

    @cached_property
    def dataset(self) -> Dataset:
        """The plan's named graph as an rdflib Dataset."""
        return to_rdflib(self.quads)

    @property
    def unresolved(self) -> list[tuple[RowResult, Mention]]:
        return [(r, m) for r in self.rows for m in r.mentions if m.resolution.status != "resolved"]

    @property
    def complete(self) -> bool:
        """True when every mention resolved and no row was rejected (exit code 0)."""
        return not self.unresolved and not self.source.rejected

    def trig(self) -> bytes:
        return serialise_trig(self.quads)


def import_document(path: Path, settings: ImportSettings = ImportSettings(),
                    store: EmbeddedStore | None = None) -> ImportResult:
    """Import a plan document (text extracted from the PDF).

    >>> import tempfile
    >>> plan = Path(tempfile.mkdtemp()) / "plan.txt"
    >>> _ = plan.write_text("Handlingsplan 2019-2020 till strategin Tillsammans för jämlik "
    ...     "hälsa och ett bra liv i Jönköpings län\\n\\nHandlingsområde 1: Statistik\\n\\n"
    ...     "Aktivitet\\tUppföljning\\tSamordningsansvarig\\nTa fram\\tRapport\\tKultorum\\n",
    ...     encoding="utf-8")
    >>> result = import_document(plan)
    >>> [(m.text, m.agent.rsplit("/", 1)[-1]) for m in result.rows[0].mentions]
    [('Kultorum', 'qulturum')]
    """
    source = read_plan_document(path)
    return _finish(source, path, settings, store)


def import_spreadsheet(path: Path, settings: ImportSettings = ImportSettings(),
                       store: EmbeddedStore | None = None) -> ImportResult:
    """Import a CSV or XLSX activity spreadsheet (see ``planegraf template``)."""
    from .spreadsheet import read_spreadsheet

    source = read_spreadsheet(path)
    keys = {row.plan_key for row in source.rows if row.plan_key}
    if settings.plan_key is None and len(keys) == 1:
        settings = ImportSettings(keys.pop(), settings.strategy, settings.county,
                                  settings.publisher, settings.registry_files)
    elif settings.plan_key is None and len(keys) > 1:
        raise InputError(path, f"the sheet holds rows of several plans ({', '.join(sorted(keys))})",
                         hint="import one plan per file, or choose one with --plan-key")
    else:
        _reject(source, lambda row: bool(row.plan_key) and row.plan_key != settings.plan_key,
                ("hör till en annan plan", "belongs to another plan"))
    return _finish(source, path, settings, store, spreadsheet=True)


def _reject(source: PlanSource, bad: Callable[[ActivityRow], bool],
            reason: tuple[str, str]) -> None:
    for row in [r for r in source.rows if bad(r)]:
        source.rows.remove(row)
        source.rejected.append(Note(
            row.line, f"Rad {row.line}: {reason[0]}; raden importerades inte.",
            f"Row {row.line}: {reason[1]}; the row was not imported."))
    source.rejected.sort(key=lambda note: note.line or 0)


def _finish(source: PlanSource, path: Path, settings: ImportSettings,
            store: EmbeddedStore | None, spreadsheet: bool = False) -> ImportResult:
    if store is None:
        store = open_store(list(settings.registry_files))
    registry = OrganisationRegistry.from_store(store)
    context = _context(source, path, settings, store)
    if spreadsheet and context.areas:
        _reject(source, lambda row: row.area not in context.areas,
                ("handlingsområdet finns inte i strategin",
                 "the action area is not in the strategy"))
    else:
        _check_areas(source, context, path)
    results: list[RowResult] = []
    for row in source.rows:
        _scrub(row, source)
        result = RowResult(row)
        if row.coordinators is not None or row.partners is not None:
            result.mentions = (
                extract_mentions(row.coordinators or "", registry, context.county, "coordinator")
                + extract_mentions(row.partners or "", registry, context.county, "partner"))
        else:
            result.mentions = extract_mentions(row.participants, registry, context.county)
        results.append(result)
    goals = {number: area.goal for number, area in source.areas.items()}
    quads = plan_quads(source, context, results, goals)
    return ImportResult(source, context, results, quads, registry)


def _scrub(row: ActivityRow, source: PlanSource) -> None:
    for name in ("activity", "follow_up", "participants", "coordinators", "partners"):
        value = getattr(row, name)
        if value:
            cleaned, changed = scrub_personal_data(value)
            if changed:
                setattr(row, name, cleaned)
                line = row.line
                source.notes.append(Note(
                    line, f"Kontaktuppgifter (namn, telefon, e-post) utelämnades på rad {line}.",
                    f"Contact details (names, phone numbers, e-mail) left out at line {line}."))


def _context(source: PlanSource, path: Path, settings: ImportSettings,
             store: EmbeddedStore) -> PlanContext:
    strategy, strategy_place = _strategy(source, path, settings, store)
    county = settings.county
    if county is None and strategy_place:
        county = strategy_place.removeprefix(PLACE)
    place = PLACE + county if county else None
    publisher = settings.publisher
    if publisher is None and place:
        regions = [row["region"].value for row in store.select(
            read_query("ingest/county-region.rq").text, place=ox.NamedNode(place))]
        publisher = regions[0] if len(regions) == 1 else None
    areas: dict[int, str] = {}
    goals: dict[int, str] = {}
    for row in store.select(read_query("ingest/strategy-areas.rq").text,
                            strategy=ox.NamedNode(strategy)):
        if row["number"].value.isdigit():
            areas[int(row["number"].value)] = row["area"].value
            if row["goal"] is not None:
                goals[int(row["number"].value)] = row["goal"].value
    document_key = slugify(path.stem)
    return PlanContext(
        plan_key=settings.plan_key or document_key, strategy=strategy, county=county,
        publisher=publisher, areas=areas, goals=goals, document_key=document_key)


def _strategy(source: PlanSource, path: Path, settings: ImportSettings,
              store: EmbeddedStore) -> tuple[str, str | None]:
    rows = list(store.select(read_query("ingest/strategies.rq").text))
    if settings.strategy:
        strategy = strategy_iri(settings.strategy)
        places = [r["place"].value for r in rows
                  if r["strategy"].value == strategy and r["place"] is not None]
        return strategy, places[0] if places else None
    if settings.plan_key:
        known = {r["strategy"].value for r in store.select(
            read_query("ingest/plan-strategy.rq").text,
            plan=ox.NamedNode(f"{DATA}plan/{settings.plan_key}"))}
        if len(known) == 1:
            return _strategy(source, path, ImportSettings(strategy=known.pop()), store)
    title = normalise(source.title or "")
    matches = {}
    for row in rows:
        name = normalise(row["title"].value)
        words = [w for w in name.split(" ") if not w.isdigit()]
        if words and " ".join(words) in title:
            matches[row["strategy"].value] = row["place"].value if row["place"] else None
    if len(matches) != 1:
        raise PlanegrafError(
            f"{path}: cannot tell which strategy the plan belongs to "
            f"({'none' if not matches else len(matches)} match its title); "
            "give it with --strategy IRI")
    return next(iter(matches.items()))


def _check_areas(source: PlanSource, context: PlanContext, path: Path) -> None:
    if not context.areas:
        return
    for number, heading in sorted(source.areas.items()):
        if number not in context.areas:
            raise InputError(
                path, f"Handlingsområde {number} is not an action area of "
                f"{context.strategy_key} (it has {', '.join(map(str, sorted(context.areas)))})",
                line=heading.line or None,
                hint="check the number, or import with --strategy for the right strategy")


def strategy_iri(key: str) -> str:
    """The IRI of a strategy key (``rjl-jamlik-halsa-2016-2025``) or the IRI itself."""
    return key if key.startswith("http") else f"{DATA}strategy/{key}"

