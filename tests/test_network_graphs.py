"""The three graphs built from the store, their scope, and the bundled plan 2018–2020 checked
against the source document."""

from __future__ import annotations

from pathlib import Path

import pytest

from planegraf.analysis.network import (
    NetworkData,
    activity_graph,
    area_graph,
    collaboration_graph,
    load_network_data,
    network_metrics,
    resolve_scope,
)
from planegraf.errors import PlanegrafError
from planegraf.pipeline import load_dataset, open_store

from .conftest import FIXTURES

ID = "https://w3id.org/planegraf/id/"
TRIGGER = FIXTURES / "network" / "gaps-trigger.trig"


@pytest.fixture(scope="module")
def fixture_data() -> NetworkData:
    return load_network_data(open_store([TRIGGER], bundled=False))


def test_two_mode_graph_keeps_the_role_on_each_edge(fixture_data: NetworkData) -> None:
    graph = activity_graph(fixture_data)
    assert graph.edges[f"{ID}org/t-region", f"{ID}activity/t-plan/1-1"]["role"] == "coordinator"
    assert graph.edges[f"{ID}org/t-universitet", f"{ID}activity/t-plan/1-1"]["role"] == "partner"
    assert sum(1 for _, kind in graph.nodes(data="kind") if kind == "activity") == 5


def test_projection_weights_shared_activities_and_names_their_areas(
        fixture_data: NetworkData) -> None:
    graph = collaboration_graph(fixture_data)
    tie = graph.edges[f"{ID}org/t-forening", f"{ID}org/t-universitet"]
    assert tie["weight"] == 2
    assert tie["activities"] == (f"{ID}activity/t-plan/2-1", f"{ID}activity/t-plan/2-2")
    assert tie["areas"] == (f"{ID}area/t/2",)
    # Region T works alone in 1.3 but is still a node, with its three activities.
    assert graph.nodes[f"{ID}org/t-region"]["activities"] == 3


def test_groups_are_nodes_or_expanded_to_their_members(fixture_data: NetworkData) -> None:
    kept = collaboration_graph(fixture_data)
    assert f"{ID}group/t-kommuner" in kept
    expanded = collaboration_graph(fixture_data, resolve_scope(fixture_data, expand_groups=True))
    assert f"{ID}group/t-kommuner" not in expanded
    assert expanded.has_edge(f"{ID}org/t-kommun-a", f"{ID}org/t-kommun-b")
    assert expanded.has_edge(f"{ID}org/t-kommun-a", f"{ID}org/t-forening")


def test_area_graph_counts_activities_per_organisation_and_area(
        fixture_data: NetworkData) -> None:
    graph = area_graph(fixture_data)
    assert graph.edges[f"{ID}org/t-region", f"{ID}area/t/1"]["weight"] == 3
    assert graph.edges[f"{ID}org/t-universitet", f"{ID}area/t/2"]["weight"] == 2


def test_scope_by_area_and_goal(fixture_data: NetworkData) -> None:
    area_two = collaboration_graph(fixture_data, resolve_scope(fixture_data, area="2"))
    assert set(area_two) == {f"{ID}org/t-forening", f"{ID}org/t-universitet",
                             f"{ID}group/t-kommuner"}
    goal_two = collaboration_graph(fixture_data, resolve_scope(fixture_data, goal="2"))
    assert goal_two.number_of_nodes() == 0  # area 3 has no activities
    goal_one = collaboration_graph(fixture_data, resolve_scope(fixture_data,
                                                               goal="strategiskt-1"))
    assert goal_one.number_of_nodes() == 5  # areas 1 and 2: everyone


def test_an_unknown_key_names_the_known_ones(fixture_data: NetworkData) -> None:
    with pytest.raises(PlanegrafError, match="known: t-plan"):
        resolve_scope(fixture_data, plan="no-such-plan")


def test_metrics_of_the_fixture_by_hand(fixture_data: NetworkData) -> None:
    metrics = network_metrics(fixture_data)
    # Nodes: Region, Universitet, Myndigheten, Föreningen, Kommuner-gruppen (5); ties:
    # Region–Universitet, Region–Myndigheten, Föreningen–Universitet, Kommuner–Föreningen,
    # Kommuner–Universitet (5). Density 5 / 10.
    assert (metrics.summary.nodes, metrics.summary.edges) == (5, 5)
    assert metrics.summary.density == pytest.approx(0.5)
    # Universitet joins area 1 to area 2; Region holds Myndigheten on.
    assert {o.label for o in metrics.articulation_points} == {"Universitet U", "Region T"}
    assert [o.label for o in metrics.area_bridges] == ["Universitet U"]


# --- the bundled plan, against ../shared/sources/rjl-handlingsplan-2018-2020.txt

PLAN = "rjl-hp-2018-2020"


@pytest.fixture(scope="module")
def bundled() -> NetworkData:
    return load_network_data(open_store())


def test_bundled_plan_has_55_activities_in_9_areas(bundled: NetworkData, sources: Path) -> None:
    text = (sources / "rjl-handlingsplan-2018-2020.txt").read_text(encoding="utf-8")
    tables = [line for line in text.splitlines() if line.startswith("Tabell ")]
    assert len(tables) == 9
    graph = activity_graph(bundled, resolve_scope(bundled, plan=PLAN))
    assert sum(1 for _, kind in graph.nodes(data="kind") if kind == "activity") == 55
    assert len(area_graph(bundled, resolve_scope(bundled, plan=PLAN))
               .nodes(data="kind")) > 9


def test_activity_6_3_ties_the_county_board_to_its_three_partners(
        bundled: NetworkData, sources: Path) -> None:
    text = (sources / "rjl-handlingsplan-2018-2020.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    start = next(i for i, x in enumerate(lines)
                 if x.startswith("Samverkan för spridning av evidensbaserat"))
    row = " ".join(lines[start:start + 3])  # the cell continues over the next lines
    assert "Samordningsansvarig: Länsstyrelsen i Jönköpings län" in row
    assert "Sektion Folkhälsa, Barnhälsovården" in row and "länets kommuner" in row
    graph = collaboration_graph(bundled, resolve_scope(bundled, plan=PLAN, area="6"))
    county_board = f"{ID}org/lansstyrelsen-i-jonkopings-lan"
    activity = f"{ID}activity/{PLAN}/6-3"
    partners = {n for n in graph[county_board] if activity in graph.edges[county_board, n]
                ["activities"]}
    assert {graph.nodes[n]["label"] for n in partners} == {
        "Sektion Folkhälsa", "Barnhälsovården", "Länets kommuner (Jönköpings län)"}


def test_public_health_section_bridges_all_nine_areas(bundled: NetworkData,
                                                      sources: Path) -> None:
    # Sektion Folkhälsa is named in a row of every one of the nine tables.
    text = (sources / "rjl-handlingsplan-2018-2020.txt").read_text(encoding="utf-8")
    assert text.lower().count("sektion") >= 9
    metrics = network_metrics(bundled, resolve_scope(bundled, plan=PLAN))
    top = metrics.area_bridges[0]
    assert top.label == "Sektion Folkhälsa" and len(top.areas) == 9
    assert top.articulation_point
    assert set(metrics.by_area) == {
        (f"{ID}plan/{PLAN}", f"{ID}area/rjl-jamlik-halsa-2016-2025/{n}") for n in range(1, 10)}


@pytest.mark.parametrize("metric", ["degree", "betweenness", "closeness",
                                    "relative_connectivity", "non_redundant_ties"])
def test_one_metric_alone_equals_the_same_metric_among_all(bundled: NetworkData,
                                                          metric: str) -> None:
    scope = resolve_scope(bundled, plan="rjl-hp-2018-2020")
    alone = network_metrics(bundled, scope).node_values(metric)
    everything = network_metrics(bundled, scope)
    by_organisation = {o.iri: getattr(o, metric) for o in everything.organisations}
    assert alone == by_organisation
    assert everything.node_values(metric) == by_organisation


def test_drawing_the_network_computes_only_the_metric_it_sizes_by(bundled: NetworkData) -> None:
    from planegraf.render.viz import network_html

    metrics = network_metrics(bundled, resolve_scope(bundled, plan="rjl-hp-2018-2020"))
    html = network_html(bundled, metrics, size_by="betweenness")
    assert "betweenness: " in html
    assert not {"organisations", "communities", "_by_area_and_plan"} & set(vars(metrics))
    assert "betweenness" in vars(metrics)


def test_network_data_needs_no_derived_shortcuts() -> None:
    # planegraf network, metrics and gaps skip the derivation: their queries must read the
    # participations, never pg:coordinator, pg:partner or pg:participant.
    from planegraf.pipeline import load_dataset

    underived = load_network_data(load_dataset([TRIGGER]))
    derived = load_network_data(open_store([TRIGGER]))
    assert underived == derived
    assert any(a.participants for a in derived.activities.values())


def test_an_organisation_with_one_stated_role_is_named_whatever_order_the_roles_come_in(
) -> None:
    # The network reads 77 000 participations at national scale and decides "inferred" as
    # it goes (issue 15): a participant is inferred only when every one of its roles in
    # the activity is, in whichever order the store returns them; else a report would say
    # the source does not name an organisation it names.
    data = load_network_data(load_dataset(
        [FIXTURES / "network" / "stated-and-inferred-roles.trig"], bundled=False))
    activity = f"{ID}activity/s-plan/s-"
    region, city = f"{ID}org/s-region", f"{ID}org/s-city"
    assert data.activities[activity + "1"].inferred == set()
    assert data.activities[activity + "2"].inferred == set()
    assert data.activities[activity + "3"].inferred == {region}
    # The most responsible role is kept, stated or not.
    assert data.activities[activity + "1"].participants == {region: "coordinator",
                                                            city: "partner"}
    assert data.activities[activity + "2"].stated_participants() == [region]
    assert data.activities[activity + "3"].names_no_one
