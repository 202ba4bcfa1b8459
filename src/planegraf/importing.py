"""``planegraf import`` inside a project: the plan's named graph goes into the project's
``graph/``, with its title and period, the county from ``planegraf.toml``, the strategy the
project's plans implement, the import report and the sheet of organisations to decide on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from planegraf.counties import find_county
from planegraf.errors import InputError, PlanegrafError
from planegraf.i18n import Message, suffix_named
from planegraf.ids import DATA, data_iri, graph_iri, slugify
from planegraf.ingest import (
    ImportResult,
    ImportSettings,
    import_document,
    import_spreadsheet,
    read_source,
)
from planegraf.ingest.to_rdf import serialise_trig
from planegraf.namespaces import PG, PREFIXES
from planegraf.project import Project
from planegraf.rdf import atomic
from planegraf.rdf.loading import Progress, load_files, quiet
from planegraf.rdf.store import EmbeddedStore
from planegraf.sparql.queries import read_query

SPREADSHEET_SUFFIXES = (".csv", ".xlsx", ".xlsm")
DOCUMENT_SUFFIXES = (".pdf", ".docx", ".txt", ".md", ".text")
_PERIOD = re.compile(r"^\s*(\d{4})\s*[-–]\s*(\d{4})\s*$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass
class ProjectImport:
    """A finished import into a project: what was read and every file written."""

    result: ImportResult
    plan_file: Path
    report: Path
    sheets: list[Path] = field(default_factory=list)
    strategy_file: Path | None = None


def parse_period(text: str) -> tuple[int, int]:
    """``2024-2025`` → (2024, 2025); an error for anything else.

    >>> parse_period("2024–2025")
    (2024, 2025)
    """
    match = _PERIOD.match(text)
    if not match or int(match[1]) > int(match[2]):
        raise PlanegrafError(Message("error_period", period=repr(text)))
    return int(match[1]), int(match[2])


def import_into_project(
    project: Project, file: Path, *, plan_key: str | None = None, title: str | None = None,
    period: str | None = None, strategy: str | None = None, replace: bool = False,
    registry_files: tuple[Path, ...] = (), lang: str = "sv", progress: Progress = quiet,
    county: str | None = None, publisher: str | None = None,
) -> ProjectImport:
    """Import ``file`` (a plan document or activity sheet) into ``project``'s ``graph/``.

    Refuses to overwrite a plan of the project without ``replace`` and never takes the key
    of a bundled plan. Organisations resolve against the registry plus the project's own
    ``organisations.trig``. A project whose plans implement no strategy yet gets one, made
    from the document's action-area headings.
    """
    if project.root is None:
        raise PlanegrafError("internal: import_into_project needs a project folder")
    suffix = file.suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES + DOCUMENT_SUFFIXES:
        raise InputError(file, Message("import_unknown_type",
                                       suffix=suffix_named(file.suffix)),
                         hint=Message("import_unknown_type_hint"))
    spreadsheet = suffix in SPREADSHEET_SUFFIXES
    years = parse_period(period) if period else None
    key = plan_key or (None if spreadsheet else slugify(file.stem))
    if key is not None:
        _check_key(project, key, replace)
    progress(Message("cli_step_project_data"))
    store = project.load_sources(progress)
    extra = [p for p in registry_files if p not in project.extra_files]
    if extra:
        load_files((), extra, progress=progress, store=store)
    settings = ImportSettings(
        plan_key=key, strategy=strategy or _project_strategy(project, store, file, spreadsheet),
        county=county or _county_slug(project), publisher=publisher,
        registry_files=registry_files)
    strategy_file = None
    if settings.strategy is None:
        settings, strategy_file = _mint_strategy(project, store, file, settings)
    progress(Message("cli_step_resolving", file=file.name))
    run: Callable[..., ImportResult] = import_spreadsheet if spreadsheet else import_document
    result = run(file, settings, store)
    key = result.context.plan_key
    _check_key(project, key, replace)
    if title or years:
        result.quads = _retitle(result.quads, key, title, years)
    target = project.graph_dir / f"{key}.trig"
    if strategy_file is not None:
        atomic.write_bytes(strategy_file[0], strategy_file[1])
    atomic.write_bytes(target, result.trig())
    from planegraf.ingest.organisations import write_decision_sheet
    from planegraf.ingest.report import report_json, report_markdown

    imports = project.root / "imports"
    report = imports / f"{key}.report.md"
    stem = imports / (f"{key}-organisationer" if lang == "sv" else f"{key}-organisations")
    sheet = f"imports/{stem.name}.xlsx" if result.unresolved else None
    atomic.write_text(report, report_markdown(result, lang, sheet))
    atomic.write_text(report.with_suffix(".json"),
                      json.dumps(report_json(result), ensure_ascii=False, indent=2) + "\n")
    sheets: list[Path] = []
    if result.unresolved:
        sheets = write_decision_sheet(result, stem, lang)
    return ProjectImport(result, target, report, sheets,
                         strategy_file[0] if strategy_file else None)


def _check_key(project: Project, key: str, replace: bool) -> None:
    if not _KEY.match(key):
        raise PlanegrafError(Message("error_plan_key_letters", plan_key=repr(key)))
    if key in project.bundled_plan_keys():
        raise PlanegrafError(Message("error_plan_key_bundled", plan_key=repr(key)))
    target = project.graph_dir / f"{key}.trig"
    if target.exists() and not replace:
        raise PlanegrafError(Message("error_plan_exists", target=target, plan_key=repr(key)))


def _county_slug(project: Project) -> str | None:
    codes = project.config.counties
    return slugify(find_county(codes[0]).name) if len(codes) == 1 else None


def _project_strategy(project: Project, store: EmbeddedStore, file: Path,
                      spreadsheet: bool) -> str | None:
    """The strategy of the project's plans, when they implement exactly one."""
    graphs = {str(graph_iri(p.stem)) for p in project.plan_files()}
    found: list[str] = sorted({row["strategy"].value for row in store.select(
        read_query("ingest/strategies-in-graphs.rq").text) if row["graph"].value in graphs})
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise PlanegrafError(Message("error_several_strategies", file=file,
                                     found=", ".join(found)))
    if spreadsheet:
        raise PlanegrafError(Message("error_no_strategy_yet", file=file))
    return None


def _mint_strategy(project: Project, store: EmbeddedStore, file: Path,
                   settings: ImportSettings) -> tuple[ImportSettings, tuple[Path, bytes]]:
    """The project's strategy, from the document's "Handlingsområde N: Name" headings."""
    source = read_source(file)
    if not source.areas:
        raise InputError(file, Message("import_no_area"), hint=Message("import_no_area_hint"))
    key = f"{project.config.key}-folkhalsa"
    strategy = ox.NamedNode(f"{DATA}strategy/{key}")
    graph = ox.NamedNode(str(graph_iri(key)))
    rdf_type = ox.NamedNode(PREFIXES["rdf"] + "type")
    skos = PREFIXES["skos"]
    dct = PREFIXES["dct"]
    config = project.config
    quads = [
        ox.Quad(strategy, rdf_type, ox.NamedNode(str(PG.Strategy)), graph),
        ox.Quad(strategy, rdf_type, ox.NamedNode(skos + "ConceptScheme"), graph),
        ox.Quad(strategy, ox.NamedNode(dct + "title"), ox.Literal(config.title_sv, language="sv"),
                graph),
        ox.Quad(strategy, ox.NamedNode(dct + "title"), ox.Literal(config.title_en, language="en"),
                graph),
    ]
    if config.publisher_iri:
        quads.append(ox.Quad(strategy, ox.NamedNode(dct + "publisher"),
                             ox.NamedNode(config.publisher_iri), graph))
    for number, heading in sorted(source.areas.items()):
        area = ox.NamedNode(str(data_iri("area", key, str(number))))
        quads += [
            ox.Quad(area, rdf_type, ox.NamedNode(str(PG.ActionArea)), graph),
            ox.Quad(area, ox.NamedNode(skos + "inScheme"), strategy, graph),
            ox.Quad(area, ox.NamedNode(skos + "notation"), ox.Literal(str(number)), graph),
            ox.Quad(area, ox.NamedNode(skos + "prefLabel"),
                    ox.Literal(heading.name, language="sv"), graph),
        ]
    store.oxigraph.extend(quads)
    target = project.graph_dir / f"{key}.trig"
    settings = ImportSettings(settings.plan_key, strategy.value, settings.county,
                              settings.publisher, settings.registry_files)
    return settings, (target, serialise_trig(sorted(quads, key=str)))


def _retitle(quads: list[ox.Quad], key: str, title: str | None,
             years: tuple[int, int] | None) -> list[ox.Quad]:
    """The plan's title and period as the user gave them, in place of the document's."""
    plan = ox.NamedNode(str(data_iri("plan", key)))
    graph = ox.NamedNode(str(graph_iri(key)))
    dct_title = ox.NamedNode(PREFIXES["dct"] + "title")
    start, end = ox.NamedNode(str(PG.startYear)), ox.NamedNode(str(PG.endYear))
    replaced = {dct_title} if title else set()
    if years:
        replaced |= {start, end}
    kept = [q for q in quads if not (q.subject == plan and q.predicate in replaced)]
    integer = ox.NamedNode(PREFIXES["xsd"] + "integer")
    if title:
        shown = f"{title} {years[0]}–{years[1]}" if years and str(years[0]) not in title else title
        kept.append(ox.Quad(plan, dct_title, ox.Literal(shown, language="sv"), graph))
    if years:
        kept += [ox.Quad(plan, start, ox.Literal(str(years[0]), datatype=integer), graph),
                 ox.Quad(plan, end, ox.Literal(str(years[1]), datatype=integer), graph)]
    return sorted(kept, key=lambda q: str(q.subject))
