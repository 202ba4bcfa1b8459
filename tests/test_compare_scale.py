"""The site's comparison of consecutive plans at national scale (issue 15): each plan's
network, roles and betweenness computed once though most plans are on two pairs, each plan's
activities found without scanning every activity of the dataset, and the same results as
comparing the pairs one by one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from planegraf.analysis import compare, network
from planegraf.analysis.network import NetworkData, load_network_data
from planegraf.rdf.loading import open_store
from planegraf.render.pictures import plan_periods
from planegraf.synthetic import write_trig


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> tuple[NetworkData, list[Any]]:
    trig = tmp_path_factory.mktemp("national") / "synthetic-10000.trig"
    write_trig(trig, 10_000, 1)
    store = open_store([trig], bundled=False)
    data = load_network_data(store)
    return data, compare.consecutive_plans(data, plan_periods(store))


def test_consecutive_plans_of_a_national_dataset_compare_as_one_by_one(
        national: tuple[NetworkData, list[Any]]) -> None:
    data, pairs = national
    assert len(pairs) > 5
    together = compare.compare_pairs(data, "plan", pairs)
    assert together == [compare.compare_plans(data, "plan", a, b) for a, b in pairs]


def test_each_plan_of_the_pairs_is_analysed_once(
        national: tuple[NetworkData, list[Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    data, pairs = national
    real = compare.bare_collaboration_graph
    built: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(compare, "bare_collaboration_graph", counted)
    compare.compare_pairs(data, "plan", pairs)
    plans = {plan for pair in pairs for plan in pair}
    # Most plans are the "after" of one pair and the "before" of the next.
    assert len(plans) < 2 * len(pairs)
    assert len(built) == len(plans)


def test_a_sides_network_is_the_collaboration_graph_without_its_attributes(
        national: tuple[NetworkData, list[Any]]) -> None:
    # The sides need only who is tied to whom; the same nodes and ties in the same order
    # keep the reports' betweenness the same to the last bit.
    data, pairs = national
    for plan in sorted({plan for pair in pairs[:6] for plan in pair}):
        activities = compare.side_activities(data, "plan", plan)
        full = network.collaboration_graph_of(data, activities)
        bare = network.bare_collaboration_graph(activities)
        assert list(bare.nodes) == list(full.nodes)
        assert list(bare.edges) == list(full.edges)
        assert all(not attrs for _, attrs in bare.nodes(data=True))
        assert (nx.betweenness_centrality(bare) == nx.betweenness_centrality(full))


def test_a_plans_activities_are_its_own_in_document_order(
        national: tuple[NetworkData, list[Any]]) -> None:
    data, pairs = national
    plan = pairs[0][0]
    assert compare.side_activities(data, "plan", plan) == [
        a for a in data.ordered_activities if a.plan == plan]
    assert sum(len(v) for v in data.activities_by_plan.values()) == len(data.activities)


def test_comparing_a_plan_without_activities_still_says_so(
        national: tuple[NetworkData, list[Any]]) -> None:
    data, pairs = national
    from planegraf.errors import PlanegrafError

    with pytest.raises(PlanegrafError, match="no activities"):
        compare.compare_pairs(data, "plan", [(pairs[0][0], "https://example.org/no-plan")])


def test_the_sites_comparison_page_is_the_same_without_betweenness(
        national: tuple[NetworkData, list[Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    data, pairs = national
    full = compare.compare_pairs(data, "plan", pairs)
    computed: list[int] = []
    real = compare.nx.betweenness_centrality

    def counted(*args: Any, **kwargs: Any) -> Any:
        computed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(compare.nx, "betweenness_centrality", counted)
    light = compare.compare_pairs(data, "plan", pairs, betweenness=False)
    assert computed == []
    for lang in ("sv", "en"):
        assert ([compare.page_context(c, data, lang) for c in light]
                == [compare.page_context(c, data, lang) for c in full])


def test_a_report_of_a_comparison_without_betweenness_is_refused_not_left_blank(
        national: tuple[NetworkData, list[Any]]) -> None:
    from planegraf.errors import PlanegrafError

    data, pairs = national
    light = compare.compare_pairs(data, "plan", pairs[:1], betweenness=False)[0]
    for report in (compare.comparison_markdown, compare.comparison_csv,
                   compare.comparison_json):
        with pytest.raises(PlanegrafError, match="without betweenness"):
            report(light, data, "en")
    full = compare.compare_pairs(data, "plan", pairs[:1])[0]
    assert "betweenness" in compare.comparison_markdown(full, data, "en").lower()


def test_the_compare_pictures_compute_each_plans_network_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from planegraf.analysis import network
    from planegraf.publish import site

    store = open_store()
    writer = site.SiteWriter(store, tmp_path / "site", "sv", resource_pages=True)
    section = site._compare_section(writer)
    assert section is not None
    real = network.network_metrics
    scopes: list[Any] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        scopes.append(args[1] if len(args) > 1 else kwargs.get("scope"))
        return real(*args, **kwargs)

    monkeypatch.setattr(network, "network_metrics", counted)
    writer.sections.append(section)
    section.write(writer)
    pictures = sorted(p.name for p in (tmp_path / "site").glob("compare*.svg"))
    # Both sides of every pair in both languages were drawn ...
    assert len(pictures) >= 4 and len(pictures) % 4 == 0
    # ... from one network per plan, not one per side, pair and language.
    assert len(scopes) == len(set(scopes)) <= len(pictures) // 2
