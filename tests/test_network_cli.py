"""``planegraf network``, ``metrics`` and ``gaps`` run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import FIXTURES

TRIGGER = FIXTURES / "network" / "gaps-trigger.trig"
QUIET = FIXTURES / "network" / "gaps-quiet.trig"


def planegraf(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planegraf.cli", *args], capture_output=True,
                          text=True, timeout=120)


def test_every_command_has_help_with_an_example() -> None:
    for command in ("network", "metrics", "gaps"):
        result = planegraf(command, "--help")
        assert result.returncode == 0
        assert "Example:" in result.stdout and f"planegraf {command}" in result.stdout


def test_gaps_json_on_a_fixture_and_fail_exit_code(tmp_path: Path) -> None:
    result = planegraf("gaps", "-q", "--alone", "--data", str(TRIGGER), "--format", "json",
                       "--lang", "en")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert len(document["rules"]) == 10
    assert "Action area without civil society" in {r["name"] for r in document["rules"]}
    assert planegraf("gaps", "-q", "--alone", "--data", str(TRIGGER), "--fail").returncode == 1
    assert planegraf("gaps", "-q", "--alone", "--data", str(QUIET), "--fail").returncode == 0


def test_metrics_names_the_scope_and_explains_each_metric() -> None:
    result = planegraf("metrics", "-q", "--plan", "rjl-hp-2018-2020", "--area", "9",
                       "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert "Health and living conditions of older people" in result.stdout
    assert "Burt's effective size" in result.stdout
    assert "Betweenness is computed exactly." in result.stdout


def test_network_writes_html_and_gexf(tmp_path: Path) -> None:
    html = tmp_path / "area6.html"
    result = planegraf("network", "-q", "--plan", "rjl-hp-2018-2020", "--area", "6",
                       "--size-by", "betweenness", "-o", str(html))
    assert result.returncode == 0, result.stderr
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    gexf = tmp_path / "goal3.gexf"
    result = planegraf("network", "-q", "--plan", "rjl-hp-2018-2020", "--goal", "3",
                       "--expand-groups", "-o", str(gexf))
    assert result.returncode == 0, result.stderr
    assert "<gexf" in gexf.read_text(encoding="utf-8")


def test_unknown_plan_is_a_usage_error_naming_the_known_plans(tmp_path: Path) -> None:
    result = planegraf("network", "-q", "--plan", "no-such-plan", "-o", str(tmp_path / "x.html"))
    assert result.returncode == 2
    assert "rjl-hp-2018-2020" in result.stderr
    assert not (tmp_path / "x.html").exists()


def test_metrics_area_number_shared_by_two_plans_lists_both_instead_of_choosing() -> None:
    result = planegraf("metrics", "-q", "--area", "6", "--lang", "en")
    assert result.returncode == 2
    assert "ambiguous" in result.stderr
    assert "kalmar-regionplan-2023-2025/6" in result.stderr
    assert "rjl-jamlik-halsa-2016-2025/6" in result.stderr


def test_metrics_scope_by_what_people_type_as_query_param_does() -> None:
    by_name = planegraf("metrics", "-q", "--plan", "Handlingsplan 2018–2020",
                        "--area", "Äldres hälsa och livsvillkor", "--lang", "en")
    assert by_name.returncode == 0, by_name.stderr
    assert "Health and living conditions of older people" in by_name.stdout
    by_key = planegraf("metrics", "-q", "--plan", "rjl-hp-2018-2020", "--area", "9",
                       "--lang", "en")
    assert by_key.returncode == 0, by_key.stderr
    assert by_key.stdout == by_name.stdout


def test_metrics_unknown_area_name_suggests_the_closest() -> None:
    result = planegraf("metrics", "-q", "--plan", "rjl-hp-2018-2020", "--area", "Äldres hälsa")
    assert result.returncode == 2
    assert "Äldres hälsa och livsvillkor" in result.stderr


def test_swedish_metrics_are_swedish_throughout() -> None:
    result = planegraf("metrics", "-q", "--plan", "rjl-hp-2018-2020", "--area", "9")
    assert result.returncode == 0, result.stderr
    header = next(line for line in result.stdout.splitlines()
                  if line.startswith("| Organisation |"))
    assert "mellanliggande centralitet" in header and "grindvakt/representant" in header
    assert not {"betweenness", "degree", "sector", "liaison"} & {
        cell.strip() for cell in header.split("|")}
    assert "| täthet | 0,217 |" in result.stdout  # a decimal comma
    assert "| regional enhet |" in result.stdout  # the sector by its name, not its key
