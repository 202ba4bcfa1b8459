"""``planegraf build`` and ``planegraf validate`` end to end, as a user runs them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import graph_diff, to_isomorphic

from planegraf.resources import data_root

from .conftest import FIXTURES


def planegraf(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None
              ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "planegraf.cli", *args], capture_output=True, text=True,
        env={**os.environ, **(env or {})}, cwd=cwd,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build") / "out"
    result = planegraf("build", "--out", str(out), "--lang", "en")
    assert result.returncode == 0, result.stderr
    return out


def _copy_of_the_data(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    for name in ("ontology", "graph", "queries"):
        shutil.copytree(data_root() / name, copy / name)
    return copy


def _assert_isomorphic(expected: Graph, actual: Graph, what: str) -> None:
    left, right = to_isomorphic(expected), to_isomorphic(actual)
    if left != right:
        _, only_left, only_right = graph_diff(left, right)
        pytest.fail(f"{what} differs:\n- {sorted(only_left)[:5]}\n+ {sorted(only_right)[:5]}")


def test_build_writes_dataset_report_summary_and_site(built: Path) -> None:
    assert sorted(p.name for p in built.iterdir()) == sorted([
        "planegraf.trig", "validation-report.txt", "validation-report.ttl",
        "summary.txt", "summary.json", "manifest.json", "site", ".planegraf-output",
    ])
    for published in ("index.html", "dataset.ttl", "data/planegraf.jsonld",
                      "id/activity/rjl-hp-2018-2020/6-3.html"):
        assert (built / "site" / published).is_file(), published
    assert "The data conforms." in (built / "validation-report.txt").read_text(encoding="utf-8")
    summary = (built / "summary.txt").read_text(encoding="utf-8")
    assert "Activities per action area" in summary and "Statistics and analysis" in summary


def test_built_dataset_has_a_named_graph_per_source_and_the_derived_shortcuts(built: Path) -> None:
    store = ox.Store()
    store.load(path=str(built / "planegraf.trig"), format=ox.RdfFormat.TRIG)
    graphs = {g.value for g in store.named_graphs()}
    assert {
        "https://w3id.org/planegraf/def",
        "https://w3id.org/planegraf/id/graph/organisations",
        "https://w3id.org/planegraf/id/graph/rjl-jamlik-halsa-2016-2025",
        "https://w3id.org/planegraf/id/graph/rjl-hp-2018-2020",
    } <= graphs
    plan_graph = ox.NamedNode("https://w3id.org/planegraf/id/graph/rjl-hp-2018-2020")
    coordinator = ox.NamedNode("https://w3id.org/planegraf/def#coordinator")
    assert any(True for _ in store.quads_for_pattern(None, coordinator, None, plan_graph))


@pytest.mark.parametrize("fmt", ["trig", "nquads", "turtle", "nt"])
def test_built_dataset_round_trips(built: Path, tmp_path: Path, fmt: str) -> None:
    original = Dataset()
    original.parse(built / "planegraf.trig", format="trig")
    target = tmp_path / f"copy.{fmt}"
    if fmt in ("trig", "nquads"):
        original.serialize(target, format=fmt)
        again = Dataset()
        again.parse(target, format=fmt)
        names = {g.identifier for g in original.graphs()} | {g.identifier for g in again.graphs()}
        for name in names:
            _assert_isomorphic(original.graph(name), again.graph(name), f"graph {name}")
    else:
        union = Graph()
        for triple in original.triples((None, None, None)):
            union.add(triple)
        union.serialize(target, format=fmt)
        again_graph = Graph().parse(target, format=fmt)
        _assert_isomorphic(union, again_graph, f"{fmt} round trip")
    # and Oxigraph reads what rdflib wrote
    ox.Store().load(path=str(target), format=ox.RdfFormat.from_extension(
        {"nquads": "nq", "turtle": "ttl"}.get(fmt, fmt)))


def test_build_prints_summary_in_swedish_by_default(tmp_path: Path) -> None:
    result = planegraf("build", "--out", str(tmp_path / "out"), "--no-site")
    assert result.returncode == 0
    assert "Aktiviteter per handlingsområde" in result.stdout
    assert "Validering: inga fel" in result.stdout
    assert "…" in result.stderr  # progress goes to stderr


def test_build_with_a_violation_exits_1_and_leaves_previous_output(tmp_path: Path) -> None:
    data = _copy_of_the_data(tmp_path)
    out = tmp_path / "out"
    env = {"PLANEGRAF_DATA": str(data)}
    assert planegraf("build", "--out", str(out), "--no-site", env=env).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    plan = data / "graph" / "rjl-hp-2018-2020.trig"
    text = plan.read_text(encoding="utf-8")
    broken = text.replace(
        "pg:actionArea <https://w3id.org/planegraf/id/area/rjl-jamlik-halsa-2016-2025/6>", "", 1)
    assert broken != text
    plan.write_text(broken, encoding="utf-8")
    result = planegraf("build", "--out", str(out), "--lang", "en", env=env)
    assert result.returncode == 1
    assert "An activity must belong to exactly one action area." in result.stdout
    assert "unchanged" in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_build_with_unreadable_input_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    data = _copy_of_the_data(tmp_path)
    out = tmp_path / "out"
    env = {"PLANEGRAF_DATA": str(data)}
    assert planegraf("build", "--out", str(out), "--no-site", env=env).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    registry = data / "graph" / "organisations.trig"
    lines = registry.read_text(encoding="utf-8").splitlines()
    lines[9] = lines[9] + ' "an unterminated string'
    registry.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = planegraf("build", "--out", str(out), env=env)
    assert result.returncode == 2
    assert "organisations.trig:10:" in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".out.")]


def test_validate_conforming_file_exits_0() -> None:
    result = planegraf("validate", str(FIXTURES / "minimal-plan.trig"), "--alone", "--lang", "en")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The data conforms." in result.stdout


def test_validate_reports_violations_in_swedish_and_exits_1(tmp_path: Path) -> None:
    broken = tmp_path / "broken.trig"
    broken.write_text(
        (FIXTURES / "minimal-plan.trig").read_text(encoding="utf-8")
        .replace('rdfs:label "Antal genomförda tester"@sv .', "."),
        encoding="utf-8",
    )
    result = planegraf("validate", str(broken), "--alone")
    assert result.returncode == 1
    assert "Ett uppföljningsmått ska ha en text med språktagg." in result.stdout


def test_validate_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b "open .\n', encoding="utf-8")
    result = planegraf("validate", str(bad))
    assert result.returncode == 2
    assert f"{bad}:2:11:" in result.stderr
    assert result.stdout == ""


def test_validate_rejects_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.ttl"
    latin1.write_bytes('@prefix ex: <http://example.org/> .\nex:a ex:b "Jönköping" .\n'
                       .encode("latin-1"))
    result = planegraf("validate", str(latin1))
    assert result.returncode == 2
    assert "latin1.ttl:2:" in result.stderr and "UTF-8" in result.stderr


def test_validate_accepts_a_utf8_bom_and_crlf(tmp_path: Path) -> None:
    text = (FIXTURES / "minimal-plan.trig").read_text(encoding="utf-8")
    windows = tmp_path / "windows.trig"
    windows.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert planegraf("validate", str(windows), "--alone").returncode == 0


def test_edited_copy_of_a_bundled_graph_replaces_it_in_validate(tmp_path: Path) -> None:
    plan = tmp_path / "plan.trig"
    plan.write_text(
        (data_root() / "graph" / "rjl-hp-2018-2020.trig").read_text(encoding="utf-8")
        .replace("pg:followUp <https://w3id.org/planegraf/id/follow-up/rjl-hp-2018-2020/6-3>",
                 "", 1),
        encoding="utf-8",
    )
    result = planegraf("validate", str(plan), "--lang", "en")
    assert result.returncode == 1
    assert result.stdout.count("An activity must have a follow-up measure.") == 1
    assert "rjl-hp-2018-2020/6-3" in result.stdout


@pytest.mark.parametrize("command", ["build", "validate"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = planegraf(command, "--help")
    assert result.returncode == 0
    assert "Example:" in result.stdout and f"planegraf {command}" in result.stdout


def test_unknown_option_is_a_usage_error() -> None:
    result = planegraf("build", "--no-such-option")
    assert result.returncode == 2
    assert "No such option" in result.stderr
