"""Every CSV planegraf writes opens in a spreadsheet as text: a name written as a formula
(``=HYPERLINK(…)``, ``@SUM(…)``, a DDE payload) is shown, never run (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from planegraf.render.results import render
from planegraf.render.safe_csv import FORMULA_STARTS, spreadsheet_safe
from planegraf.resources import graph_dir, registry_dir
from planegraf.sparql.engines import Solutions

SOURCE = Path(__file__).parent.parent / "src" / "planegraf"
HYPERLINK = '=HYPERLINK("http://127.0.0.1:9/x","klicka")'
SUM = "@SUM(A1:A2)"
DDE = "-2+3+cmd|' /C calc'!A0"
_NUMBER = re.compile(r"[+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?")


def _planegraf(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planegraf.cli", *args], capture_output=True,
                          text=True, timeout=600)


def _turtle_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The bundled plan and registry with an activity, a follow-up and an organisation
    named as formulas (each file replaces the bundled graph of the same name)."""
    folder = tmp_path_factory.mktemp("hostile")
    plan = (graph_dir() / "rjl-hp-2018-2020.trig").read_text(encoding="utf-8")
    plan = plan.replace('"Samverkan för spridning av evidensbaserat universellt föräldrastöd."@sv',
                        _turtle_string(HYPERLINK) + "@sv")
    plan = plan.replace('"Uppföljning av genomförda föräldrastödsprogram."@sv',
                        _turtle_string(DDE) + "@sv")
    label = '"Länsstyrelsen i Jönköpings län"@sv'
    # Wherever the registry keeps the county board's name (graph/ or registry/).
    (registry,) = [path for path in sorted([*graph_dir().glob("*.trig"),
                                            *registry_dir().glob("*.trig")])
                   if label in path.read_text(encoding="utf-8")]
    organisations = registry.read_text(encoding="utf-8").replace(label, _turtle_string(SUM) + "@sv")
    (folder / "plan.trig").write_text(plan, encoding="utf-8")
    (folder / "organisations.trig").write_text(organisations, encoding="utf-8")
    return ["--data", str(folder / "plan.trig"), "--data", str(folder / "organisations.trig")]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _formulas(text: str) -> list[str]:
    """Cells a spreadsheet would run: starting with = + - @ tab CR and not a plain number."""
    return [cell for cell in _cells(text)
            if cell.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(cell)]


def test_query_csv_does_not_run_an_activity_named_as_a_formula(hostile_data: list[str]) -> None:
    done = _planegraf("query", "activities-in-area", "--format", "csv", *hostile_data)
    assert done.returncode == 0, done.stderr
    assert "'" + HYPERLINK in _cells(done.stdout)  # shown, with the text marker
    assert _formulas(done.stdout) == []


def test_network_csv_does_not_run_an_organisation_named_as_a_formula(
        hostile_data: list[str], tmp_path: Path) -> None:
    out = tmp_path / "network.csv"
    done = _planegraf("network", "--plan", "rjl-hp-2018-2020", "--format", "csv", "-o", str(out),
                      "-q", *hostile_data)
    assert done.returncode == 0, done.stderr
    for written in (out, tmp_path / "network-nodes.csv"):
        text = written.read_text(encoding="utf-8")
        assert "'" + SUM in _cells(text), written
        assert _formulas(text) == [], written


def test_network_metrics_csv_does_not_run_an_organisation_named_as_a_formula(
        hostile_data: list[str]) -> None:
    done = _planegraf("metrics", "--plan", "rjl-hp-2018-2020", "--format", "csv", "-q",
                      *hostile_data)
    assert done.returncode == 0, done.stderr
    assert "'" + SUM in _cells(done.stdout)
    assert _formulas(done.stdout) == []


def test_gaps_csv_does_not_run_a_follow_up_written_as_a_formula(hostile_data: list[str]) -> None:
    done = _planegraf("gaps", "--plan", "rjl-hp-2018-2020", "--format", "csv", "-q",
                      *hostile_data)
    assert done.returncode == 0, done.stderr
    assert "'" + DDE in _cells(done.stdout)
    assert _formulas(done.stdout) == []


def test_numbers_stay_numbers_in_csv() -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    solutions = Solutions(("name", "change"), (
        {"name": ox.Literal("Kommun"), "change": ox.Literal("-3", datatype=ox.NamedNode(
            xsd + "integer"))},
        {"name": ox.Literal("+46 36 32 40 00"), "change": ox.Literal(
            "+2.5", datatype=ox.NamedNode(xsd + "decimal"))},))
    assert list(csv.reader(io.StringIO(render(solutions, "csv")))) == [
        ["name", "change"], ["Kommun", "-3"], ["'+46 36 32 40 00", "+2.5"]]


@pytest.mark.parametrize("cell", ["=1+1", "+1+1", "-1+1", "@A1", "\t=1", "\r=1", "-", "+",
                                  "- punkt", "=", "-1e", "-.", "-inf"])
def test_every_formula_start_becomes_text(cell: str) -> None:
    assert spreadsheet_safe(cell) == "'" + cell


def test_every_csv_planegraf_writes_goes_through_the_safe_writer() -> None:
    writers = [f"{path.relative_to(SOURCE)}:{number}"
               for path in sorted(SOURCE.rglob("*.py")) if path.name != "safe_csv.py"
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if re.search(r"csv\.(writer|DictWriter)\b", line)]
    assert writers == []
