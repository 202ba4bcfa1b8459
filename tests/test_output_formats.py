"""An output file is what its name says: an extension a command cannot write is exit 2 and
no file, never another format under that name (``network -o x.png`` wrote HTML), and a
``--format`` that disagrees with the extension is refused too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _planegraf(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planegraf.cli", *args],
                          capture_output=True, text=True, timeout=600, cwd=cwd)


@pytest.mark.parametrize(("command", "name"), [
    (["network"], "network.jpg"),
    (["network"], "network"),
    (["gaps"], "gaps.pdf"),
    (["metrics"], "metrics.ods"),
    (["query", "coordinators-ranked"], "ranked.ods"),
    (["export"], "data.png"),
    (["describe"], "dataset.json"),
], ids=lambda v: v if isinstance(v, str) else v[0])
def test_an_extension_the_command_cannot_write_is_exit_2_and_no_file(
    tmp_path: Path, command: list[str], name: str,
) -> None:
    target = tmp_path / name
    done = _planegraf(*command, "-o", str(target), "-q", "--lang", "en")
    assert done.returncode == 2, done.stderr
    assert "cannot write" in done.stderr and str(target) in done.stderr
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_sparql_to_an_unknown_extension_is_exit_2(tmp_path: Path) -> None:
    query = tmp_path / "q.rq"
    query.write_text("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1\n", encoding="utf-8")
    done = _planegraf("sparql", str(query), "-o", str(tmp_path / "out.docx"), "-q",
                      "--lang", "en")
    assert done.returncode == 2 and "cannot write a .docx file" in done.stderr
    assert not (tmp_path / "out.docx").exists()


def test_a_format_that_disagrees_with_the_name_is_refused(tmp_path: Path) -> None:
    done = _planegraf("gaps", "--format", "md", "-o", str(tmp_path / "gaps.csv"), "-q",
                      "--lang", "en")
    assert done.returncode == 2 and "the name says csv but --format md" in done.stderr
    assert not (tmp_path / "gaps.csv").exists()


def test_the_extension_decides_the_format(tmp_path: Path) -> None:
    gaps = tmp_path / "gaps.json"
    done = _planegraf("gaps", "--plan", "rjl-hp-2018-2020", "-o", str(gaps), "-q")
    assert done.returncode == 0, done.stderr
    assert isinstance(json.loads(gaps.read_text(encoding="utf-8")), list | dict)
    answer = tmp_path / "ranked.csv"
    done = _planegraf("query", "coordinators-ranked", "-o", str(answer), "-q")
    assert done.returncode == 0, done.stderr
    assert answer.read_text(encoding="utf-8").splitlines()[0].startswith("agent,")


def test_network_to_gexf_by_its_name(tmp_path: Path) -> None:
    target = tmp_path / "network.gexf"
    done = _planegraf("network", "--plan", "rjl-hp-2018-2020", "-o", str(target), "-q")
    assert done.returncode == 0, done.stderr
    assert target.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert "<gexf" in target.read_text(encoding="utf-8")
