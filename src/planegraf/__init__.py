"""planegraf: public-health strategies and action plans as a validated knowledge graph.

The typed Python API behind the ``planegraf`` command line. A :class:`Project` says what data
(a project folder, or the bundled demonstration); every function reads it through an engine
(the embedded store, or ``endpoint=`` a SPARQL 1.1 endpoint):

>>> import planegraf
>>> demo = planegraf.Project.demonstration()
>>> report = planegraf.validate(demo)
>>> report.has_violations
False
>>> answer = planegraf.query("plans-overview", demo)
>>> len(answer.solutions) >= 3
True
>>> metrics = planegraf.network_metrics(demo, plan="rjl-hp-2018-2020")
>>> metrics.summary.nodes > 10
True
>>> gaps = planegraf.coordination_gaps(demo, plan="rjl-hp-2018-2020")
>>> sorted({gap.rule for gap in gaps})[:1]
['activity-single-organisation']
>>> import tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> result = planegraf.build(demo, out_dir=folder / "out", site=False)
>>> result.conforms, (folder / "out" / "planegraf.trig").is_file()
(True, True)
>>> files = planegraf.write_site(folder / "site", demo)
>>> (folder / "site" / "index.html").is_file()
True
>>> planegraf.__version__ == planegraf.version()
True

Analysis results are plain data (IRIs and numbers); the language is chosen where they are
rendered (``lang=``).
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    __version__ = _dist_version("planegraf")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"

if TYPE_CHECKING:
    from planegraf.analysis.gaps import Gap
    from planegraf.analysis.network import NetworkMetrics
    from planegraf.pipeline import BuildResult
    from planegraf.project import Language, Project
    from planegraf.sparql.engines import Answer, Engine
    from planegraf.sparql.readers import Reader
    from planegraf.validation.validate import ValidationReport

__all__ = ["Project", "__version__", "build", "coordination_gaps", "network_metrics", "query",
           "validate", "version", "write_site"]


def version() -> str:
    """The installed package version, also written into the ontology as ``owl:versionInfo``."""
    return __version__


def __getattr__(name: str) -> Any:
    # Project is imported on first use: ``import planegraf`` stays cheap for the CLI.
    if name == "Project":
        from planegraf.project import Project

        return Project
    raise AttributeError(f"module 'planegraf' has no attribute {name!r}")


def _project(project: Project | Path | str | None) -> Project:
    from planegraf.project import Project

    if project is None:
        return Project.find()
    if isinstance(project, (str, Path)):
        return Project.open(Path(project))
    return project


def _reader(project: Project | Path | str | None, endpoint: str | None) -> Reader:
    if endpoint:
        from planegraf.sparql.endpoint import Connection, RemoteEngine
        from planegraf.sparql.readers import EngineReader

        return EngineReader(RemoteEngine(Connection(endpoint)))
    return _project(project).dataset()


def build(project: Project | Path | str | None = None, *, out_dir: Path | None = None,
          lang: Language | None = None, site: bool = True,
          base_url: str | None = None) -> BuildResult:
    """Load, derive, validate and write ``project`` (default: found from the working
    directory) into ``out_dir`` (default: the project's ``out/``). See ``planegraf build``."""
    from planegraf.pipeline import build as run

    return run(out_dir, project=_project(project), lang=lang, site=site, base_url=base_url)


def validate(project: Project | Path | str | None = None,
             files: Sequence[Path] = ()) -> ValidationReport:
    """The SHACL validation report of ``project``'s sources plus ``files``."""
    from planegraf.pipeline import check

    return check(list(files), project=_project(project))[1]


def query(name: str, project: Project | Path | str | None = None, *, lang: str = "sv",
          endpoint: str | None = None, **params: str) -> Answer:
    """Answer the named question ``name`` (the catalogue plus the project's ``queries/``) on
    ``project``'s dataset, or on ``endpoint``; ``params`` are bound by the engine."""
    from planegraf.sparql.queries import bind_parameters, catalogue_query

    chosen = _project(project)
    question = catalogue_query(name, [chosen.queries_dir])
    engine: Engine
    if endpoint:
        from planegraf.sparql.endpoint import Connection, RemoteEngine

        engine = RemoteEngine(Connection(endpoint))
    else:
        from planegraf.sparql.engines import EmbeddedEngine

        engine = EmbeddedEngine(chosen.dataset())
    return engine.run(question, bind_parameters(question, params, lang))


def network_metrics(project: Project | Path | str | None = None, *, plan: str | None = None,
                    area: str | None = None, goal: str | None = None,
                    expand_groups: bool = False, endpoint: str | None = None) -> NetworkMetrics:
    """The collaboration network's metrics for a scope (plan, area, goal) of the data."""
    from planegraf.analysis.network import load_network_data, resolve_scope
    from planegraf.analysis.network import network_metrics as metrics

    data = load_network_data(_reader(project, endpoint))
    return metrics(data, resolve_scope(data, plan, area, goal, expand_groups))


def coordination_gaps(project: Project | Path | str | None = None, *, plan: str | None = None,
                      area: str | None = None, goal: str | None = None,
                      expand_groups: bool = False, endpoint: str | None = None) -> list[Gap]:
    """Where coordination is missing in a scope of the data, each finding with its evidence
    (language-free: ``planegraf.analysis.gaps.detail`` says it in Swedish or English)."""
    from planegraf.analysis.gaps import coordination_gaps as gaps
    from planegraf.analysis.gaps import load_follow_up_labels, load_objectives
    from planegraf.analysis.network import load_network_data, resolve_scope

    reader = _reader(project, endpoint)
    data = load_network_data(reader)
    return list(gaps(data, load_objectives(reader),
                     resolve_scope(data, plan, area, goal, expand_groups),
                     follow_ups=load_follow_up_labels(reader)))


def write_site(out_dir: Path, project: Project | Path | str | None = None, *,
               lang: Language | None = None, base_url: str | None = None) -> list[Path]:
    """Write the static web report of ``project``'s dataset into ``out_dir``."""
    from planegraf.publish.lod import DatasetInfo
    from planegraf.publish.site import write_site as write

    chosen = _project(project)
    about = DatasetInfo.of(chosen)
    return write(chosen.dataset(), out_dir, lang=lang or chosen.config.language,
                 base_url=base_url or about.base_url, about=about,
                 queries_dir=chosen.queries_dir)
