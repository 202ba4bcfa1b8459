"""``planegraf build``: load ontology and graph, derive the shortcuts, validate, write ``out/``.

Also the loading half of ``planegraf validate``, which runs the same pipeline over files the
user names, on top of (or instead of) the bundled data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from . import atomic
from .ids import ONTOLOGY_GRAPH
from .lexical import Source
from .namespaces import PREFIXES
from .queries import derivation_rules, read_query
from .resources import graph_dir, ontology_dir, registry_files
from .store import EmbeddedStore, iter_rdf_files

if TYPE_CHECKING:
    from .validate import Language, ValidationReport

Progress = Callable[[str], None]

OUTPUT_FILES = (
    "planegraf.trig",
    "validation-report.txt",
    "validation-report.ttl",
    "summary.txt",
    "summary.json",
)


def _quiet(_: str) -> None:
    pass


def load_dataset(
    files: Sequence[Path] = (), *, bundled: bool = True, progress: Progress = _quiet
) -> EmbeddedStore:
    """The ontology, the national registry and the bundled graph files (unless
    ``bundled=False``) and ``files``.

    A named graph in ``files`` replaces the bundled graph of the same name, so an edited
    copy of a bundled file can be validated in place of the original.
    """
    store = EmbeddedStore()
    progress("ontology")
    for source in dataset_sources(files, bundled=bundled):
        if source.graph is None:
            progress(str(source.path) if source.replaces_graphs
                     else f"{source.path.parent.name}/{source.path.name}")
        store.load_file(source.path, graph=source.graph, replace_graphs=source.replaces_graphs)
    return store


def dataset_sources(files: Sequence[Path] = (), *, bundled: bool = True) -> list[Source]:
    """The files :func:`load_dataset` loads, in order and how (the validator reads their
    literals as written, see :mod:`planegraf.lexical`)."""
    ontology = ox.NamedNode(str(ONTOLOGY_GRAPH))
    sources = [Source(path, graph=ontology) for path in iter_rdf_files(ontology_dir())]
    if bundled:
        sources += [Source(path) for path in [*registry_files(), *iter_rdf_files(graph_dir())]]
    sources += [Source(path, replaces_graphs=True) for path in files]
    return sources


def open_store(files: Sequence[Path] = (), *, bundled: bool = True,
               progress: Progress = _quiet) -> EmbeddedStore:
    """The dataset ready to query: loaded and derived, not validated (``build`` validates).

    >>> store = open_store()
    >>> len(store) > 1000
    True
    """
    store = load_dataset(files, bundled=bundled, progress=progress)
    derive(store)
    return store


def derive(store: EmbeddedStore) -> int:
    """Add the shortcut triples (``pg:coordinator`` …) to the graph their participations are in;
    return how many were new.

    Each rule in ``queries/derive/`` is one SPARQL update over every graph at once, run
    inside Oxigraph: no triple passes through Python, where a CONSTRUCT per rule and graph
    (381 queries on the national benchmark data) brought each one back to be re-inserted.
    """
    before = len(store.oxigraph)
    for rule in derivation_rules():
        store.oxigraph.update(rule.text)
    return len(store.oxigraph) - before


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
        current_plan = None
        for area in self.areas:
            if area.plan_title != current_plan:
                current_plan = area.plan_title
                lines.append(current_plan)
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
    progress: Progress = _quiet,
) -> tuple[EmbeddedStore, ValidationReport]:
    """Load, derive and validate, writing nothing: the core of ``build`` and ``validate``."""
    store = load_dataset(files, bundled=bundled, progress=progress)
    progress("derive")
    derive(store)
    progress("validate")
    # pyshacl is imported only when something is validated: query, network and gaps do not.
    from .validate import validate_store

    report = validate_store(store, sources=dataset_sources(files, bundled=bundled))
    return store, report


def build(
    out_dir: Path = Path("out"), *, lang: Language = "sv", site: bool = True,
    base_url: str | None = None, progress: Progress = _quiet,
) -> BuildResult:
    """Build the bundled dataset into ``out_dir``, with the web report in ``out_dir/site``.

    The outputs are written only when the data conforms to the shapes; a build with
    violations or unreadable input leaves the previous ``out_dir`` untouched. A folder
    holding files planegraf did not write is refused before any work
    (:class:`~planegraf.atomic.OutputFolderError`).
    """
    atomic.output_folder(out_dir)
    store, report = check(lang=lang, progress=progress)
    summary = summarise(store, lang)
    written: list[Path] = []
    if not report.has_violations:  # warnings and infos do not stop a build
        progress(f"write {out_dir}")
        with atomic.staged_directory(out_dir) as stage:
            _write_outputs(stage, store, report, summary, lang)
            if site:
                progress(f"write {out_dir}/site")
                _write_site(stage / "site", store, lang, base_url)
        written = [out_dir / name for name in OUTPUT_FILES]
        if site:
            written.append(out_dir / "site")
    return BuildResult(store, report, summary, out_dir, written)


def _write_site(folder: Path, store: EmbeddedStore, lang: Language, base_url: str | None) -> None:
    # The site module pulls in Jinja2 and the exports; imported here so that validate,
    # query and the other commands do not pay for it.
    from .lod import DEFAULT_BASE_URL
    from .site import write_site

    write_site(store, folder, lang=lang, base_url=base_url or DEFAULT_BASE_URL)


def _write_outputs(
    folder: Path, store: EmbeddedStore, report: ValidationReport, summary: Summary,
    lang: Language,
) -> None:
    (folder / "planegraf.trig").write_bytes(
        store.oxigraph.dump(format=ox.RdfFormat.TRIG, prefixes=PREFIXES) or b""
    )
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
