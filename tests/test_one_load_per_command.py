"""The data is read once per command (issue 11): ``build`` parses each source file once and
writes the site from the store it validated; after a build, every command that answers from
the dataset reads the built ``out/planegraf.trig`` once and no source file again."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from planegraf.cli import cli
from planegraf.rdf.store import EmbeddedStore
from planegraf.resources import graph_dir


class Loads:
    """Every RDF file parsed into an embedded store, by path, however a command reaches it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.files: Counter[str] = Counter()
        self.inline = 0
        load_file, load_data = EmbeddedStore.load_file, EmbeddedStore.load_data

        def counted_file(store: EmbeddedStore, path: Path, *args: Any, **kwargs: Any) -> Any:
            self.files[str(Path(path).resolve())] += 1
            return load_file(store, path, *args, **kwargs)

        def counted_data(store: EmbeddedStore, *args: Any, **kwargs: Any) -> Any:
            self.inline += 1
            return load_data(store, *args, **kwargs)

        monkeypatch.setattr(EmbeddedStore, "load_file", counted_file)
        monkeypatch.setattr(EmbeddedStore, "load_data", counted_data)

    def clear(self) -> None:
        self.files.clear()
        self.inline = 0


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A region's project with two of the bundled plans as its own, and no build yet."""
    folder = tmp_path_factory.mktemp("region") / "jonkoping"
    result = CliRunner().invoke(cli, ["init", str(folder), "--county", "06"])
    assert result.exit_code == 0, result.output
    for name in ("rjl-jamlik-halsa-2016-2025.trig", "rjl-hp-2018-2020.trig"):
        shutil.copy(graph_dir() / name, folder / "graph" / name)
    yield folder


def _run(project: Path, *args: str) -> None:
    result = CliRunner().invoke(cli, [*args, "--project", str(project), "-q"])
    assert result.exit_code == 0, result.output


def test_build_with_its_site_parses_each_source_file_once(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loads = Loads(monkeypatch)
    _run(project, "build")
    sources = {str(p.resolve()) for p in (
        graph_dir() / "organisations.trig", project / "organisations.trig",
        project / "graph" / "rjl-jamlik-halsa-2016-2025.trig",
        project / "graph" / "rjl-hp-2018-2020.trig")}
    assert sources <= set(loads.files)
    assert max(loads.files.values()) == 1, loads.files
    # the site is written from the store just validated, not from the file just written
    assert not any(name.endswith("planegraf.trig") for name in loads.files)


# Every command that reads the project's dataset, as a user runs it after `planegraf build`.
AFTER_BUILD = {
    "query": ["query", "coordinators-ranked"],
    "sparql": ["sparql", "QUERY"],
    "metrics": ["metrics"],
    "gaps": ["gaps"],
    "network": ["network", "-o", "OUT/network.html"],
    "export": ["export", "--format", "nt", "-o", "OUT/planegraf.nt"],
    "describe": ["describe"],
    "site": ["site", "-o", "OUT/site", "--pages", "reports"],
    "organisations list": ["organisations", "list"],
}


@pytest.mark.parametrize("command", list(AFTER_BUILD))
def test_a_command_after_the_build_reads_the_built_dataset_once_and_no_source(
        project: Path, command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not (project / "out" / "planegraf.trig").is_file():
        _run(project, "build", "--no-site")
    query = tmp_path / "count.rq"
    query.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n", encoding="utf-8")
    args = [str(query) if a == "QUERY" else a.replace("OUT", str(tmp_path))
            for a in AFTER_BUILD[command]]
    loads = Loads(monkeypatch)
    _run(project, *args)
    built = str((project / "out" / "planegraf.trig").resolve())
    assert loads.files == Counter({built: 1}), (command, loads.files)
    assert loads.inline == 0


# --- the compiled shapes, kept between processes ----------------------------------------


@pytest.fixture
def shapes_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from planegraf.resources import shapes_dir
    from planegraf.validation import validate

    folder = tmp_path / "shapes"
    shutil.copytree(shapes_dir(), folder)
    monkeypatch.setattr(validate, "shapes_dir", lambda: folder)
    monkeypatch.setenv("PLANEGRAF_CACHE", str(tmp_path / "cache"))
    validate._bundled_shapes.cache_clear()
    yield folder
    validate._bundled_shapes.cache_clear()


def test_the_next_build_takes_the_compiled_shapes_from_the_cache(
        shapes_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from planegraf.validation import validate

    first = validate._bundled_shapes()
    assert len(list((shapes_copy.parent / "cache").glob("shapes-*.pickle"))) == 1
    validate._bundled_shapes.cache_clear()

    def no_compiling(*_: Any) -> Any:
        raise AssertionError("compiled again although nothing changed")

    monkeypatch.setattr(validate, "compile_all", no_compiling)
    again = validate._bundled_shapes()
    assert len(again[1]) == len(first[1]) and len(again[2]) == len(first[2])
    assert {c.query for c in again[1]} == {c.query for c in first[1]}


def test_an_edited_shapes_file_is_compiled_again_never_taken_stale_from_the_cache(
        shapes_copy: Path) -> None:
    from planegraf.validation import validate

    validate._bundled_shapes()
    edited = next(p for p in sorted(shapes_copy.glob("*.ttl")) if "sh:message" in p.read_text())
    text = edited.read_text("utf-8")
    start = text.index("sh:message")
    quote = text.index('"', start)
    edited.write_text(text[:quote + 1] + "ÄNDRAD " + text[quote + 1:], encoding="utf-8")
    validate._bundled_shapes.cache_clear()
    graph, _, _ = validate._bundled_shapes()
    assert any(str(o).startswith("ÄNDRAD ") for o in graph.objects())
    assert len(list((shapes_copy.parent / "cache").glob("shapes-*.pickle"))) == 2


def test_a_command_that_publishes_hashes_the_sources_once(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``describe`` asks whether the build is fresh, then loads it: one hashing of every
    source, not one per question (issue 11, speed)."""
    from planegraf.project import Project

    if not (project / "out" / "planegraf.trig").is_file():
        _run(project, "build", "--no-site")
    calls = []
    hashes = Project.input_hashes

    def counted(self: Project) -> dict[str, str]:
        calls.append(self)
        return hashes(self)

    monkeypatch.setattr(Project, "input_hashes", counted)
    _run(project, "describe")
    assert len(calls) == 1
