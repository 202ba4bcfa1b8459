"""Importing plan documents and activity spreadsheets into graph data that passes the shapes.

``import_document`` and ``import_spreadsheet`` read a file, resolve every organisation
mention against the registry and return the plan's named graph with an import report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from planegraf.counties import find_county
from planegraf.errors import InputError, PlanegrafError
from planegraf.i18n import Message
from planegraf.ids import DATA, slugify
from planegraf.ingest.cells import Mention, extract_mentions, scrub_personal_data
from planegraf.ingest.document import read_plan_document
from planegraf.ingest.model import ActivityRow, AreaHeading, Note, Objective, PlanSource
from planegraf.ingest.prose import prose_mentions
from planegraf.ingest.resolver import PLACE, OrganisationRegistry, Resolution, normalise
from planegraf.ingest.to_rdf import PlanContext, RowResult, plan_quads, serialise_trig, to_rdflib
from planegraf.rdf.loading import open_store
from planegraf.rdf.safe_input import plan_key_problem
from planegraf.rdf.store import EmbeddedStore
from planegraf.sparql.queries import read_query

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
        if self.plan_key is not None and plan_key_problem(self.plan_key):
            raise PlanegrafError(Message("error_plan_key_option", plan_key=repr(self.plan_key),
                                         problem=Message("error_plan_key_rule")))


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
    """Import a plan document: a PDF, a Word file (.docx) or text extracted from one.

    Every layout planegraf has seen is read: activity tables (Aktivitet / Uppföljning /
    Samordningsansvarig), themes with "Planskrivning" and "Aktivitet" sections, and an
    area's page with titled activities (see ``prose``).

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
    return _finish(read_source(path), path, settings, store)


def read_source(path: Path) -> PlanSource:
    """The plan document at ``path`` read by its kind: a PDF, a Word file, or text."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from planegraf.ingest.pdf import read_pdf

        return read_pdf(path)
    if suffix == ".docx":
        from planegraf.ingest.docx import read_docx

        return read_docx(path)
    return read_plan_document(path)


def import_spreadsheet(path: Path, settings: ImportSettings = ImportSettings(),
                       store: EmbeddedStore | None = None) -> ImportResult:
    """Import a CSV or XLSX activity spreadsheet (see ``planegraf template``)."""
    from planegraf.ingest.spreadsheet import read_spreadsheet

    source = read_spreadsheet(path)
    keys = {row.plan_key for row in source.rows if row.plan_key}
    if settings.plan_key is None and len(keys) == 1:
        settings = ImportSettings(keys.pop(), settings.strategy, settings.county,
                                  settings.publisher, settings.registry_files)
    elif settings.plan_key is None and len(keys) > 1:
        raise InputError(path, Message("sheet_several_plans", keys=", ".join(sorted(keys))),
                         hint=Message("sheet_several_plans_hint"))
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
    if source.layout != "table":
        _number_named_areas(source, context, store, path)
    if source.layout != "table" and not (source.start_year and source.end_year):
        _years_from_name(source, path)
    if spreadsheet and not (source.start_year and source.end_year):
        _known_plan_period(source, context, store)
    if spreadsheet and not (source.start_year and source.end_year):
        # A plan new to the data: its key ("handlingsplan-2025-2026") is the sheet's name for
        # it, as the file name is a document's; without a period the plan has no title either,
        # and every page, table and report would show its IRI.
        _years_from_plan_key(source, context.plan_key)
    if spreadsheet and context.areas:
        _reject(source, lambda row: row.area not in context.areas,
                ("handlingsområdet finns inte i strategin",
                 "the action area is not in the strategy"))
    else:
        _check_areas(source, context, path)
    if source.layout != "table":
        source.notes.insert(0, Note(
            None, "Dokumentet har inga deltagarkolumner: deltagarna är de organisationer i "
            "registret som texten nämner. Ett namn som inte finns i registret känns inte igen; "
            "granska aktiviteterna nedan.",
            "The document has no participant columns: the participants are the registry's "
            "organisations that the text names. A name not in the registry is not recognised; "
            "review the activities below."))
    fallback = _fallback_coordinator(source, context, registry)
    if source.layout != "table" and fallback is not None:
        source.publisher_agent = fallback.agent
    # The county's place IRI, worked out once: the resolver takes a name, code or slug too,
    # but finding the county by name for each of 60 000 lookups cost a third of the import.
    try:
        county = registry.county_place(context.county)
    except ValueError as err:
        raise PlanegrafError(Message("error_county_option",
                                     problem=err.args[0] if err.args else str(err))) from None
    results: list[RowResult] = []
    for row in source.rows:
        _scrub(row, source)
        result = RowResult(row)
        if row.prose:
            result.mentions = _prose_row_mentions(row, source, registry, county)
        elif row.coordinators is not None or row.partners is not None:
            result.mentions = (
                extract_mentions(row.coordinators or "", registry, county, "coordinator")
                + extract_mentions(row.partners or "", registry, county, "partner"))
        else:
            result.mentions = extract_mentions(row.participants, registry, county)
        if row.prose and fallback is not None and not any(
                m.role == "coordinator" and m.resolution.status == "resolved"
                for m in result.mentions):
            result.mentions.insert(0, fallback)
        elif (not row.prose and not spreadsheet and fallback is not None
              and not any(m.role == "coordinator" for m in result.mentions)):
            # A document's table row that names partners but no coordinator: the same
            # inference as for running text, said in the report. (A sheet's row without a
            # coordinator is rejected instead: the user can fill in their own sheet.)
            result.mentions.insert(0, fallback)
            source.notes.append(Note(
                row.line, f"Aktivitet {row.area}.{row.row}: källan anger ingen "
                f"samordningsansvarig; {registry.label_of(fallback.resolution.agent or '')} "
                "är antagen som samordningsansvarig (pg:stated false).",
                f"Activity {row.area}.{row.row}: the source names no coordinator; "
                f"{registry.label_of(fallback.resolution.agent or '')} is assumed to "
                "coordinate it (pg:stated false)."))
        results.append(result)
    _check_periods(source)
    goals = {number: area.goal for number, area in source.areas.items()}
    quads = plan_quads(source, context, results, goals)
    return ImportResult(source, context, results, quads, registry)


def _prose_row_mentions(row: ActivityRow, source: PlanSource, registry: OrganisationRegistry,
                        county: str | None) -> list[Mention]:
    mentions, skipped = prose_mentions(row.participants, registry, county)
    if row.description and row.description not in row.participants:
        # The activity and what the source says about it, as the curated graphs describe it.
        whole = f"{row.participants} {row.description}"
        mentions = [Mention(m.role, m.text, m.resolution, m.stated, whole) for m in mentions]
    for role, text in row.statements:
        more, passed = prose_mentions(text, registry, county, role)  # type: ignore[arg-type]
        mentions += more
        skipped += passed
    reasons = {
        "place": ("en plats, ingen deltagare", "a place, not a participant"),
        "future": ("en framtida part, ingen nuvarande deltagare",
                   "a future party, not a current participant"),
        "earlier": ("upphov till tidigare arbete, ingen deltagare",
                    "author of earlier work, not a participant"),
        "genitive": ("i genitiv (något som organisationen har), ingen deltagare",
                     "a genitive (something the organisation has), not a participant"),
    }
    for text, reason in skipped:
        sv, en = reasons[reason]
        if reason == "place" and text not in row.places and _is_municipality_name(
                text, registry, county):
            row.places.append(text)
        source.notes.append(Note(
            row.line, f"Aktivitet {row.area}.{row.row}: «{text}» är {sv}.",
            f"Activity {row.area}.{row.row}: «{text}» is {en}."))
    return mentions


def _is_municipality_name(text: str, registry: OrganisationRegistry, county: str | None) -> bool:
    """"Högsby" names the municipality's place; "Region Jönköpings län" names no place."""
    agent = registry.resolve_exactly(text, county).agent or ""
    return agent.endswith("-kommun") and "kommun" not in text.casefold()


def _fallback_coordinator(source: PlanSource, context: PlanContext,
                          registry: OrganisationRegistry) -> Mention | None:
    """The publisher, as coordinator of an activity whose source names none (``pg:stated
    false``): the organisation the page names as its publisher, else the plan's publisher."""
    def why(agent: str) -> str:
        # The curated graphs' wording for the same inference.
        label = registry.label_of(agent)
        return (f"Samordningsansvarig: {label}, som redovisar aktiviteten i dokumentet. Källan "
                f"anger ingen annan ansvarig för aktiviteten.\tCoordinator: {label}, which "
                "reports the activity in the document. The source names no other party "
                "responsible for it.")

    if source.publisher_mention:
        res = registry.resolve_exactly(source.publisher_mention, context.county)
        if res.status == "resolved" and res.agent:
            return Mention("coordinator", source.publisher_mention, res, stated=False,
                           context=why(res.agent))
    if context.publisher:
        return Mention("coordinator", "", Resolution("", "resolved", context.publisher,
                                                     "publisher"), stated=False,
                       context=why(context.publisher))
    return None


def _number_named_areas(source: PlanSource, context: PlanContext, store: EmbeddedStore,
                        path: Path) -> None:
    """Give the themes (or the page's area) of a prose plan the numbers of the strategy's
    areas of the same name; a name the strategy does not have keeps its position."""
    by_name: dict[str, int] = {}
    for solution in store.select(read_query("ingest/strategy-area-labels.rq").text,
                                 strategy=ox.NamedNode(context.strategy)):
        if solution["number"].value.isdecimal():
            by_name[normalise(solution["label"].value)] = int(solution["number"].value)
    if not by_name:
        return
    mapping: dict[int, int] = {}
    for number, heading in source.areas.items():
        known = by_name.get(normalise(heading.name))
        if known is None:
            raise InputError(
                path, Message("import_unknown_theme", name=repr(heading.name),
                              strategy=context.strategy_key),
                line=heading.line, hint=Message("import_unknown_theme_hint"))
        mapping[number] = known
    source.areas = {mapping[n]: AreaHeading(mapping[n], h.name, h.goal, h.line)
                    for n, h in source.areas.items()}
    source.objectives = [Objective(mapping[o.area], o.number, o.text, o.line)
                         for o in source.objectives]
    for row in source.rows:
        row.area = mapping[row.area]


def _years_from_name(source: PlanSource, path: Path) -> None:
    """A document whose title states no period ("Tidsatta, prioriterade aktiviteter …") but
    whose file name holds one year ("…-2023") is taken to be that year's plan, and says so."""
    years = re.findall(r"(?<!\d)(20\d\d)(?!\d)", path.stem)
    if len(years) == 1 or (len(years) == 2 and int(years[0]) <= int(years[1])):
        source.start_year, source.end_year = int(years[0]), int(years[-1])
        period = years[0] if len(years) == 1 else f"{years[0]}–{years[1]}"
        source.notes.insert(0, Note(
            None, f"Dokumentet anger ingen period; perioden {period} togs ur filnamnet.",
            f"The document states no period; the period {period} was taken from the file "
            "name."))


def _years_from_plan_key(source: PlanSource, key: str) -> None:
    """A sheet's new plan whose key ends in its years (``handlingsplan-2025-2026``,
    ``kalmar-pa-2023``) takes them (and a title), and says so. A year inside the key names
    something else (``agenda-2030-aktiviteter``): no period is made of it."""
    ending = re.search(r"(?<![\d])(20\d\d)(?:-(20\d\d))?$", key)
    years = [y for y in ending.groups() if y] if ending else []
    if len(years) == 1 or (len(years) == 2 and int(years[0]) <= int(years[1])):
        source.start_year, source.end_year = int(years[0]), int(years[-1])
        period = years[0] if len(years) == 1 else f"{years[0]}–{years[1]}"
        source.notes.insert(0, Note(
            None, f"Planen {key} finns inte i datan och bladet anger ingen period för den; "
                  f"perioden {period} togs ur planens nyckel.",
            f"Plan {key} is not in the data and the sheet states no period for it; the period "
            f"{period} was taken from the plan's key."))


def _known_plan_period(source: PlanSource, context: PlanContext, store: EmbeddedStore) -> None:
    """A sheet states no plan period; a plan already in the data does."""
    for solution in store.select(read_query("ingest/plan-period.rq").text,
                                 plan=ox.NamedNode(f"{DATA}plan/{context.plan_key}")):
        if solution["start"].value.isdecimal() and solution["end"].value.isdecimal():
            source.start_year, source.end_year = (int(solution["start"].value),
                                                  int(solution["end"].value))
            source.period_known = True
            return


def _check_periods(source: PlanSource) -> None:
    """An activity whose period lies outside the plan's is reported (it is still imported)."""
    if not (source.start_year and source.end_year):
        return
    for row in source.rows:
        if row.period and (row.period[0] < source.start_year
                           or row.period[1] > source.end_year):
            source.checks.append(Note(
                row.line,
                f"Aktivitet {row.area}.{row.row} (rad {row.line}): perioden "
                f"{row.period[0]}–{row.period[1]} ligger utanför planens "
                f"{source.start_year}–{source.end_year}.",
                f"Activity {row.area}.{row.row} (row {row.line}): its period "
                f"{row.period[0]}–{row.period[1]} lies outside the plan's "
                f"{source.start_year}–{source.end_year}."))


def _scrub(row: ActivityRow, source: PlanSource) -> None:
    scrubbed = False
    for name in ("activity", "follow_up", "participants", "coordinators", "partners"):
        value = getattr(row, name)
        if value:
            cleaned, changed = scrub_personal_data(value)
            if changed:
                setattr(row, name, cleaned)
                scrubbed = True
    if scrubbed:  # one note per row, however many of its cells held contact details
        line = row.line
        source.notes.append(Note(
            line, f"Kontaktuppgifter (namn, telefon, e-post) utelämnades på rad {line}.",
            f"Contact details (names, phone numbers, e-mail) left out at line {line}."))


def _context(source: PlanSource, path: Path, settings: ImportSettings,
             store: EmbeddedStore) -> PlanContext:
    strategy, strategy_place = _strategy(source, path, settings, store)
    # --county as people write it (a code, a name, a slug) is the county's place key: as
    # typed, "Kalmar län" made no IRI and "08" one nobody's data names.
    county = (find_county(settings.county).place.removeprefix(PLACE)
              if settings.county else None)
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
        if row["number"].value.isdecimal():
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
    # The title names the strategy (2018–2020); else the "En del av strategin:" line
    # (2016–2017) or the introduction (Kalmar 2023: "… i regionplanen 2023-2025").
    matches: dict[str, str | None] = {}
    for text in (source.title, source.strategy_hint, source.intro):
        said = normalise(text or "")
        said_words = set(said.split(" "))
        for row in rows:
            name = normalise(row["title"].value)
            words = [w for w in name.split(" ") if not w.isdigit()]
            if words and (" ".join(words) in said or set(words) <= said_words):
                matches[row["strategy"].value] = row["place"].value if row["place"] else None
        if matches:
            break
    if len(matches) != 1:
        raise PlanegrafError(Message(
            "error_which_strategy", path=path,
            count=Message("error_none_count") if not matches else len(matches)))
    return next(iter(matches.items()))


def _check_areas(source: PlanSource, context: PlanContext, path: Path) -> None:
    if not context.areas:
        return
    for number, heading in sorted(source.areas.items()):
        if number not in context.areas:
            raise InputError(
                path, Message("import_unknown_area", number=number, strategy=context.strategy_key,
                              areas=", ".join(map(str, sorted(context.areas)))),
                line=heading.line or None, hint=Message("import_unknown_area_hint"))


def strategy_iri(key: str) -> str:
    """The IRI of a strategy key (``rjl-jamlik-halsa-2016-2025``) or the IRI itself."""
    return key if key.startswith("http") else f"{DATA}strategy/{key}"

