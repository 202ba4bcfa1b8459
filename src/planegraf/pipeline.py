"""``planegraf build``: load a project's sources, derive the shortcuts, validate, write ``out/``.

Also the checking half of ``planegraf validate``, which runs the same pipeline over the
project plus files the user names. Loading itself lives in ``loading.py``.
"""

from __future__ import annotations

import gc
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from planegraf.i18n import Message
from planegraf.ids import ONTOLOGY_GRAPH
from planegraf.namespaces import PREFIXES
from planegraf.project import MANIFEST_NAME, Project
from planegraf.rdf import atomic
from planegraf.rdf.loading import Progress, derive, load_dataset, open_store, quiet
from planegraf.rdf.store import EmbeddedStore, iter_rdf_files
from planegraf.resources import ontology_dir
from planegraf.sparql.queries import read_query
from planegraf.threads import Beside
from planegraf.validation.lexical import Source, scan_ahead

if TYPE_CHECKING:
    from planegraf.validation.validate import Language, PendingValidation, ValidationReport

__all__ = ["BuildResult", "Summary", "build", "check", "derive", "load_dataset", "open_store",
           "summarise"]

OUTPUT_FILES = (
    "planegraf.trig",
    "validation-report.txt",
    "validation-report.ttl",
    "summary.txt",
    "summary.json",
    MANIFEST_NAME,
)


def dataset_sources(files: Sequence[Path] = (), *, bundled: bool = True,
                    project: Project | None = None) -> list[Source]:
    """The files the dataset is loaded from, in order and how (the validator reads their
    literals as written, see :mod:`planegraf.validation.lexical`): the ontology,
    ``project``'s sources (the bundled demonstration's by default) unless ``bundled=False``,
    then ``files``."""
    ontology = ox.NamedNode(str(ONTOLOGY_GRAPH))
    sources = [Source(path, graph=ontology) for path in iter_rdf_files(ontology_dir())]
    if bundled:
        sources += [Source(path) for path in (project or Project.demonstration()).source_files()]
    sources += [Source(path, replaces_graphs=True) for path in files]
    return sources


@dataclass
class AreaCount:
    plan: str
    plan_title: str
    area: str
    area_number: str
    area_label: str
    activities: int


@dataclass
class Summary:
    """Counts that tell at a glance whether the build holds what it should."""

    totals: dict[str, int]
    areas: list[AreaCount]

    def text(self, lang: Language = "sv") -> str:
        words = {
            "sv": ("Sammanfattning", "Aktiviteter per handlingsområde", {
                "plans": "handlingsplaner", "activities": "aktiviteter",
                "participations": "deltaganden", "organisations": "organisationer och enheter",
                "groups": "grupper", "participants": "olika deltagare"}),
            "en": ("Summary", "Activities per action area", {
                "plans": "action plans", "activities": "activities",
                "participations": "participations", "organisations": "organisations and units",
                "groups": "groups", "participants": "distinct participants"}),
        }[lang]
        head, area_head, names = words
        lines = [head, "=" * len(head)]
        lines += [f"{self.totals.get(key, 0):>6}  {label}" for key, label in names.items()]
        lines += ["", area_head, "-" * len(area_head)]
        # Plans of different regions may share a title (21 "Handlingsplan 2015–2016" in the
        # national data): each plan gets its own heading, named by its key where titles repeat.
        plans_titled = Counter(title for _, title in {(a.plan, a.plan_title) for a in self.areas})
        current_plan = None
        for area in self.areas:
            if area.plan != current_plan:
                current_plan = area.plan
                repeated = plans_titled[area.plan_title] > 1
                lines.append(f"{area.plan_title} ({area.plan.rstrip('/').rsplit('/', 1)[-1]})"
                             if repeated else area.plan_title)
            number = f"{area.area_number}. " if area.area_number else ""
            lines.append(f"{area.activities:>6}  {number}{area.area_label}")
        return "\n".join(lines) + "\n"

    def as_json(self) -> dict[str, object]:
        return {"totals": self.totals, "activities_per_area": [vars(a) for a in self.areas]}


def summarise(store: EmbeddedStore, lang: Language = "sv") -> Summary:
    """Totals and activities per action area, from the queries in ``queries/summary``."""
    solutions = store.oxigraph.query(
        read_query("summary/totals.rq").text, use_default_graph_as_union=True
    )
    assert isinstance(solutions, ox.QuerySolutions)
    row = next(iter(solutions))
    totals = {var.value: int(row[var].value) for var in solutions.variables}
    areas = [
        AreaCount(
            plan=row["plan"].value, plan_title=row["planTitle"].value,
            area=row["area"].value,
            area_number=row["areaNumber"].value if row["areaNumber"] is not None else "",
            area_label=row["areaLabel"].value, activities=int(row["activities"].value),
        )
        for row in store.select(read_query("summary/activities-per-area.rq").text,
                                lang=ox.Literal(lang))
    ]
    return Summary(totals, areas)


@dataclass
class BuildResult:
    """What a build produced. ``written`` is empty when validation failed."""

    store: EmbeddedStore
    report: ValidationReport
    summary: Summary
    out_dir: Path
    written: list[Path]

    @property
    def conforms(self) -> bool:
        """Whether the build went through: no violations (warnings and infos do not stop it,
        though they make SHACL's sh:conforms false)."""
        return not self.report.has_violations


def check(
    files: Sequence[Path] = (), *, bundled: bool = True, lang: Language = "sv",
    progress: Progress = quiet, project: Project | None = None,
) -> tuple[EmbeddedStore, ValidationReport]:
    """Load, derive and validate, writing nothing: the core of ``build`` and ``validate``.

    The data is ``project``'s sources (the bundled demonstration by default) plus ``files``;
    ``bundled=False`` leaves the sources out and checks ``files`` with the ontology alone.
    """
    store, pending = _check_started(files, bundled=bundled, progress=progress,
                                    project=project, beside=lambda _: False)
    return store, pending.result()


def _check_started(
    files: Sequence[Path] = (), *, bundled: bool, progress: Progress,
    project: Project | None, beside: Callable[[EmbeddedStore], bool],
    prepare: Callable[[], object] | None = None,
) -> tuple[EmbeddedStore, PendingValidation]:
    """Load and derive; start validating, beside the caller when ``beside(store)`` says so
    (see :func:`~planegraf.validation.validate.start_validation`). ``prepare()`` runs in a
    thread meanwhile: Oxigraph loads outside Python's lock."""
    project = project or Project.demonstration()
    if files:
        project = Project(project.root, project.config, (*project.extra_files, *files),
                          project.out_dir)
    sources = dataset_sources(project.extra_files, bundled=bundled, project=project)
    # Files new to the validator's cache are read for their literals as written on the other
    # core while this one loads them into the store.
    ahead = scan_ahead(sources)
    # Started after the scan's fork (a child must not inherit a thread's half-held locks),
    # and over before anything else forks or validates.
    preparing = Beside(prepare, name="planegraf-prepare") if prepare is not None else None
    try:
        if bundled:
            store = project.load_sources(progress)
        else:
            store = load_dataset(project.extra_files, bundled=False, progress=progress)
            progress(Message("cli_step_derive"))
            derive(store)
        if preparing is not None:  # its error stops the build like a load's, scan and all
            preparing.result()
    except BaseException:
        if ahead is not None:
            ahead.cancel()
        if preparing is not None:
            preparing.wait()
        raise
    progress(Message("cli_step_validate"))
    # pyshacl is imported only when something is validated: query, network and gaps do not.
    from planegraf.validation.validate import start_validation

    pending = start_validation(store, sources=sources, beside=beside(store), ahead=ahead)
    return store, pending


class _Stopped(Exception):
    """Validation found violations after the outputs were begun: the stage is thrown away."""


def build(
    out_dir: Path | None = None, *, project: Project | None = None, lang: Language | None = None,
    site: bool = True, base_url: str | None = None, pages: str = "auto",
    progress: Progress = quiet,
) -> BuildResult:
    """Build ``project`` (the bundled demonstration by default) into ``out_dir`` (the
    project's ``out/``), with the web report in ``out_dir/site`` (``pages``: see
    :func:`planegraf.publish.site.write_site`).

    The outputs are written only when the data conforms to the shapes; a build with
    violations or unreadable input leaves the previous ``out_dir`` untouched. Beside the
    dataset goes ``manifest.json``, the hashes of every input, by which later commands tell
    whether the build is still fresh. A folder holding files planegraf did not write is
    refused before any work (:class:`~planegraf.rdf.atomic.OutputFolderError`). The data is
    loaded once; the site is written from the same store.

    The shapes are checked while the dataset and the site are written (into a staged
    folder, the queries on one core, the site's Python on the other): the site does not
    need the report. When the report has violations the staged folder is thrown away, so
    the previous ``out_dir`` stays as it was, as if nothing had been written.
    """
    with rare_full_collections():
        return _build(out_dir, project=project, lang=lang, site=site, base_url=base_url,
                      pages=pages, progress=progress)


#: While a build runs, Python's full garbage collection waits for this many collections of
#: the middle generation instead of 10. The site keeps millions of objects alive at a million
#: quads (the network, the labels, the pages' indexes), and every full collection walks them
#: all: in a 1 M build 11 of them took two thirds of the collector's time (5 % of the build's,
#: on the main thread, holding Python's lock). The young generations are still collected as
#: before, so short-lived cycles are freed as soon as ever.
FULL_COLLECTION_AFTER = 1000


@contextmanager
def rare_full_collections() -> Iterator[None]:
    """Full garbage collections rare (:data:`FULL_COLLECTION_AFTER`) while the block runs;
    the collector's settings as they were afterwards.

    >>> import gc
    >>> before = gc.get_threshold()
    >>> with rare_full_collections():
    ...     gc.get_threshold()[2] >= FULL_COLLECTION_AFTER
    True
    >>> gc.get_threshold() == before
    True
    """
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, max(full, FULL_COLLECTION_AFTER))
    try:
        yield
    finally:
        gc.set_threshold(young, middle, full)


def _build(
    out_dir: Path | None, *, project: Project | None, lang: Language | None, site: bool,
    base_url: str | None, pages: str, progress: Progress,
) -> BuildResult:
    project = project or Project.demonstration()
    out_dir = out_dir or project.out_dir
    atomic.output_folder(out_dir)
    lang = lang or project.config.language
    hashes = project.input_hashes()
    store, pending = _check_started(
        bundled=True, project=project, progress=progress,
        beside=lambda store: not site or not _site_forks(store, pages),
        prepare=_prepare_site if site else None)
    project.use(store)
    written: list[Path] = []
    if not pending.beside:  # validated already: violations stop it before anything is written
        report = pending.result()
        if report.has_violations:
            return BuildResult(store, report, summarise(store, lang), out_dir, written)
    progress(Message("cli_step_write", target=out_dir))
    try:
        with atomic.staged_directory(out_dir) as stage:
            # The dataset's dump and the summary's queries are Oxigraph's work, outside
            # Python's lock: beside the site's pages, like the validation (not when the
            # site forks page workers, see _site_forks).
            # Whoever waits for one of them runs the validation's queries meanwhile.
            dataset = Beside(partial(_write_dataset, stage, store), beside=pending.beside,
                             help_with=pending.help, name="planegraf-dataset")
            summary_made = Beside(partial(summarise, store, lang), beside=pending.beside,
                                  help_with=pending.help, name="planegraf-summary")
            try:
                project.write_manifest(stage, hashes)
                if site:
                    progress(Message("cli_step_write", target=f"{out_dir}/site"))
                    _write_site(stage / "site", store, lang, base_url, project, pages,
                                dataset_written=dataset.result, while_waiting=pending.help)
                dataset.result()
                summary = summary_made.result()
            except BaseException:
                # A failed build leaves nothing running: the validation stops at its next
                # query, and the stage is thrown away only once the dump no longer writes
                # in it (a thread still reading the store at exit could crash the exit).
                pending.abandon()
                summary_made.wait()
                raise
            finally:
                dataset.wait()
            report = pending.result()
            if report.has_violations:  # warnings and infos do not stop a build
                raise _Stopped
            _write_outputs(stage, report, summary, lang)
    except _Stopped:
        return BuildResult(store, report, summary, out_dir, written)
    except BaseException:
        pending.abandon()  # e.g. the stage could not be made
        raise
    written = [out_dir / name for name in OUTPUT_FILES]
    if site:
        written.append(out_dir / "site")
    return BuildResult(store, report, summary, out_dir, written)


def _prepare_site() -> None:
    from planegraf.publish.site import prepare

    prepare()


def _site_forks(store: EmbeddedStore, pages: str) -> bool:
    # A site that writes every resource page forks workers for them; a fork while another
    # thread is inside Oxigraph could leave the child a lock that thread held, so such a
    # build (small data, or --pages all) validates first, as before.
    from planegraf.publish.site import resource_pages_written

    return resource_pages_written(store, pages)


def _write_site(folder: Path, store: EmbeddedStore, lang: Language, base_url: str | None,
                project: Project, pages: str = "auto",
                dataset_written: Callable[[], object] | None = None,
                while_waiting: Callable[[], None] | None = None) -> None:
    # The site module pulls in Jinja2 and the exports; imported here so that validate,
    # query and the other commands do not pay for it.
    from planegraf.publish.lod import DatasetInfo
    from planegraf.publish.site import write_site

    about = DatasetInfo.of(project)
    # The site's TriG download is the dataset file (written beside, the site waits for it),
    # shared (a hard link in the same staged folder), not dumped a second time.
    write_site(store, folder, lang=lang, base_url=base_url or about.base_url, about=about,
               queries_dir=project.queries_dir, pages=pages,
               dataset_file=folder.parent / "planegraf.trig", dataset_written=dataset_written,
               while_waiting=while_waiting)


def _write_dataset(folder: Path, store: EmbeddedStore) -> None:
    # Streamed by Oxigraph into the file: the dataset is never held as one bytes object.
    store.oxigraph.dump(folder / "planegraf.trig", format=ox.RdfFormat.TRIG, prefixes=PREFIXES)


def _write_outputs(folder: Path, report: ValidationReport, summary: Summary,
                   lang: Language) -> None:
    (folder / "validation-report.txt").write_text(report.text(lang), encoding="utf-8")
    (folder / "validation-report.ttl").write_text(
        report.results_graph.serialize(format="turtle"), encoding="utf-8"
    )
    (folder / "summary.txt").write_text(summary.text(lang), encoding="utf-8")
    (folder / "summary.json").write_text(
        json.dumps(summary.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def iter_output_names() -> Iterable[str]:
    """The files a successful build writes, for documentation and tests."""
    return iter(OUTPUT_FILES)
