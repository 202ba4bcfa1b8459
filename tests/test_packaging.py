"""The wheel carries ontology/, graph/ and queries/, and planegraf finds them when installed."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(target), str(ROOT)],
        capture_output=True, text=True,
    )
    if result.returncode != 0 and "hatchling" in result.stderr:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(target), str(ROOT)],
            capture_output=True, text=True,
        )
    assert result.returncode == 0, result.stderr
    (built,) = target.glob("planegraf-*.whl")
    return built


def test_wheel_contains_the_data_folders(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("planegraf/_data/ontology/planegraf.ttl",
                     "planegraf/_data/graph/rjl-hp-2018-2020.trig",
                     "planegraf/_data/queries/derive/shortcuts.ru",
                     "planegraf/_data/registry/sweden.trig",
                     "planegraf/_data/registry/municipalities.csv",
                     "planegraf/py.typed"):
        assert required in names


def test_installed_package_finds_its_data(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = ("import planegraf.resources as r; print(r.data_root()); "
             "from planegraf.pipeline import open_store; print(len(open_store()) > 1000); "
             "print(r.registry_files()[0]); "
             "from planegraf.registry import read_registry; "
             "print(len(read_registry().municipalities))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env={"PYTHONPATH": str(site), "PATH": ""}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root, enough, registry, municipalities = result.stdout.split()
    assert Path(root) == site / "planegraf" / "_data"
    assert enough == "True"
    assert Path(registry) == site / "planegraf" / "_data" / "registry" / "sweden.trig"
    assert municipalities == "290"
