"""One load of the data per command: build reads each source once and hands the same store
to the site; the other commands read the last build, one file, when it is fresh."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from planegraf.rdf.store import EmbeddedStore

from .cli import invoke


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    seen: Counter[str] = Counter()
    original = EmbeddedStore.load_file

    def counting(self: EmbeddedStore, path: Path, *args: object, **kwargs: object) -> object:
        seen[Path(path).name] += 1
        return original(self, path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(EmbeddedStore, "load_file", counting)
    return seen


def test_build_loads_every_source_once_even_with_the_site(tmp_path: Path,
                                                          loads: Counter[str]) -> None:
    built = invoke("build", "--out", str(tmp_path / "out"), "-q", cwd=tmp_path)
    assert built.exit_code == 0, built.output
    assert loads["rjl-hp-2018-2020.trig"] == 1
    assert loads["organisations.trig"] == 1
    assert max(loads.values()) == 1, loads


def test_commands_after_a_build_read_the_built_dataset_alone(tmp_path: Path,
                                                             loads: Counter[str]) -> None:
    assert invoke("build", "--no-site", "-q", cwd=tmp_path).exit_code == 0
    loads.clear()
    for command in (["query", "coordinators-ranked"], ["gaps"], ["metrics"]):
        answer = invoke(*command, "-q", cwd=tmp_path)
        assert answer.exit_code == 0, answer.output
        # the demonstration speaks Swedish: its stale warning says "inaktuell"
        assert "inaktuell" not in answer.stderr and "stale" not in answer.stderr
    assert loads == Counter({"planegraf.trig": 3}), loads
