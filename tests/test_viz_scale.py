"""The network page at national scale (issue 15): what the page holds in both languages
(activities, roles, ties) is computed once per network, not once per language, and the
page is the same as computing it afresh."""

from __future__ import annotations

from typing import Any

import pytest

from planegraf.analysis.network import load_network_data, network_metrics
from planegraf.pipeline import load_dataset
from planegraf.render import viz


def test_the_page_in_both_languages_reads_each_activity_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = load_network_data(load_dataset([], bundled=True))
    metrics = network_metrics(data)
    real = viz._activity_line
    lines: list[str] = []

    def counted(data: Any, iri: str) -> str:
        lines.append(iri)
        return real(data, iri)

    monkeypatch.setattr(viz, "_activity_line", counted)
    pages = {lang: viz.network_html(data, metrics, lang=lang) for lang in ("sv", "en")}
    assert lines and len(lines) == len(set(lines))  # once each, for both pages
    # A new metrics object (another scope, another build) gets its own tables: the same
    # pages as the first.
    again = network_metrics(data)
    assert {lang: viz.network_html(data, again, lang=lang) for lang in ("sv", "en")} == pages
    assert len(lines) == 2 * len(set(lines))
