"""The start page with its county and plan pages at national scale (issue 15): what is the
same on every page is worked out once, so a national dataset's pages cost what they show,
not what they show times the pages that show it. Counted, not timed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from planegraf.analysis import network
from planegraf.pipeline import open_store
from planegraf.publish import site


def _write_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                 ) -> tuple[site.SiteWriter, Counter[str]]:
    store = open_store()
    writer = site.SiteWriter(store, tmp_path / "site", resource_pages=False)
    counted: Counter[str] = Counter()
    coordinators = network.Activity.coordinators
    label = site.StatementIndex.label

    def counting_coordinators(self: network.Activity) -> list[str]:
        counted["coordinators " + self.iri] += 1
        return coordinators(self)

    def counting_label(self: site.StatementIndex, iri: str, lang: str) -> Any:
        counted["label " + iri] += 1
        return label(self, iri, lang)

    monkeypatch.setattr(network.Activity, "coordinators", counting_coordinators)
    monkeypatch.setattr(site.StatementIndex, "label", counting_label)
    writer.write_index()
    return writer, counted


def test_the_key_figures_count_each_activity_once_however_many_pages_show_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer, counted = _write_index(tmp_path, monkeypatch)
    activities = writer.network_data(network).activities
    assert (tmp_path / "site" / "counties").is_dir()  # the county pages were written
    per_activity = [counted["coordinators " + a] for a in activities]
    assert max(per_activity) == 1


def test_the_county_and_plan_pages_name_their_activities_in_one_pass_per_language(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer, counted = _write_index(tmp_path, monkeypatch)
    activities = writer._activities
    assert activities and (tmp_path / "site" / "plans").is_dir()
    assert not [a for a in activities if counted["label " + a]]  # none one at a time
    assert len({iri for iri, _ in writer._scoped} & activities) == len(activities)
