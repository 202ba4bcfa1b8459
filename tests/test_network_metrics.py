"""Network metrics on small graphs whose values can be checked on paper."""

from __future__ import annotations

import itertools
from collections import Counter

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planegraf.analysis.network import (
    betweenness,
    brokerage_roles,
    burt_constraint,
    closeness,
    compare_communities,
    degree_centralization,
    density,
    non_redundant_ties,
    path_search_work,
    relative_connectivity,
    sample_size,
    sampling_error,
)


def test_density_of_a_path_of_four_is_three_ties_of_six() -> None:
    assert density(nx.path_graph(4)) == pytest.approx(3 / 6)


def test_density_of_a_single_organisation_is_zero() -> None:
    graph = nx.Graph()
    graph.add_node("alone")
    assert density(graph) == 0.0


def test_degree_centralization_is_one_for_a_star_and_zero_for_a_cycle() -> None:
    assert degree_centralization(nx.star_graph(5)) == pytest.approx(1.0)
    assert degree_centralization(nx.cycle_graph(6)) == pytest.approx(0.0)


def test_degree_centralization_of_a_path_of_four() -> None:
    # degrees 1 2 2 1, max 2: (1 + 0 + 0 + 1) / ((4 − 1)(4 − 2)) = 2 / 6
    assert degree_centralization(nx.path_graph(4)) == pytest.approx(1 / 3)


def test_relative_connectivity_compares_with_the_best_connected() -> None:
    assert relative_connectivity(nx.path_graph(4)) == {0: 0.5, 1: 1.0, 2: 1.0, 3: 0.5}


def test_non_redundant_ties_discount_contacts_who_know_each_other() -> None:
    # a is tied to b, c, d; only b–c are tied among them: 3 − 2·1/3
    graph = nx.Graph([("a", "b"), ("a", "c"), ("a", "d"), ("b", "c")])
    values = non_redundant_ties(graph)
    assert values["a"] == pytest.approx(3 - 2 / 3)
    assert values["d"] == pytest.approx(1.0)
    assert values["b"] == pytest.approx(2 - 2 * 1 / 2)


def test_non_redundant_ties_agree_with_networkx_effective_size() -> None:
    graph = nx.karate_club_graph()
    ours = non_redundant_ties(nx.Graph(graph.edges()))
    theirs = nx.effective_size(nx.Graph(graph.edges()))
    assert ours == pytest.approx(theirs)


def test_constraint_is_undefined_for_an_isolated_organisation() -> None:
    graph = nx.Graph([("a", "b")])
    graph.add_node("alone")
    values = burt_constraint(graph)
    assert values["alone"] is None
    assert values["a"] == pytest.approx(1.0)  # one contact: fully constrained


def test_betweenness_of_the_middle_of_a_path_is_one() -> None:
    result = betweenness(nx.path_graph(3))
    assert result.exact
    assert result.values == {0: 0.0, 1: 1.0, 2: 0.0}


def test_sample_size_follows_hoeffding_with_a_union_bound() -> None:
    # k = R²·ln(2n/δ) / (2ε²) with R = n/(n−1): for n = 1001, ε = 0.1, δ = 0.05
    # R² = 1.002001, ln(40040) = 10.5976, so k = 1.002001 · 10.5976 / 0.02 = 530.94 → 531
    assert sample_size(1001, epsilon=0.1, delta=0.05) == 531
    assert sampling_error(1001, 531) == pytest.approx(0.1, abs=1e-3)


def test_sampled_betweenness_stays_within_its_stated_bound() -> None:
    graph = nx.connected_watts_strogatz_graph(600, 6, 0.1, seed=3)
    exact = nx.betweenness_centrality(graph, normalized=True)
    sampled = betweenness(graph, work_limit=1_000_000, epsilon=0.2)
    assert not sampled.exact
    assert sampled.pivots < 600
    assert sampled.error_bound <= 0.2 + 1e-9
    worst = max(abs(sampled.values[n] - exact[n]) for n in graph)
    assert worst <= sampled.error_bound


def _sectors(graph: nx.Graph, sectors: dict[str, str]) -> nx.Graph:
    nx.set_node_attributes(graph, sectors, "sector")
    return graph


def test_brokerage_roles_of_a_hand_made_broker() -> None:
    # B (sector x) is tied to a1, a2, a3 (x), c1, c2 (y) and d (z); a1–a2 are tied.
    graph = nx.Graph([("b", n) for n in ("a1", "a2", "a3", "c1", "c2", "d")] + [("a1", "a2")])
    _sectors(graph, {"b": "x", "a1": "x", "a2": "x", "a3": "x", "c1": "y", "c2": "y",
                     "d": "z"})
    roles = brokerage_roles(graph)["b"]
    # coordinator: a1–a3, a2–a3 (a1–a2 are tied: no brokerage)
    # consultant: c1–c2; liaison: c1–d, c2–d
    # gatekeeper/representative: each of a1 a2 a3 with each of c1 c2 d = 9
    assert dict(roles) == {"coordinator": 2, "consultant": 1, "liaison": 2,
                           "gatekeeper_representative": 9}
    assert sum(roles.values()) == 15 - 1


def test_an_organisation_without_open_pairs_brokers_nothing() -> None:
    graph = _sectors(nx.complete_graph(["a", "b", "c"]), {"a": "x", "b": "y", "c": "z"})
    assert all(sum(r.values()) == 0 for r in brokerage_roles(graph).values())


def _brokerage_by_enumeration(graph: nx.Graph) -> dict[str, Counter[str]]:
    sector = nx.get_node_attributes(graph, "sector")
    result: dict[str, Counter[str]] = {n: Counter() for n in graph}
    for broker in graph:
        for first, second in itertools.combinations(sorted(graph[broker]), 2):
            if graph.has_edge(first, second):
                continue
            a, b, c = sector[first], sector[broker], sector[second]
            if a == c:
                role = "coordinator" if a == b else "consultant"
            elif b in (a, c):
                role = "gatekeeper_representative"
            else:
                role = "liaison"
            result[broker][role] += 1
    return result


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=3, max_value=14), st.floats(min_value=0.1, max_value=0.8),
       st.integers(min_value=0, max_value=10_000))
def test_brokerage_counts_match_enumerating_every_triad(size: int, p: float, seed: int) -> None:
    graph = nx.gnp_random_graph(size, p, seed=seed)
    graph = nx.relabel_nodes(graph, {n: f"n{n}" for n in graph})
    _sectors(graph, {n: "xyz"[int(n[1:]) % 3] for n in graph})
    ours = {n: +c for n, c in brokerage_roles(graph).items()}
    assert ours == {n: +c for n, c in _brokerage_by_enumeration(graph).items()}


def test_articulation_point_joins_two_triangles() -> None:
    graph = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"), ("d", "e"), ("e", "f"),
                      ("d", "f")])
    assert set(nx.articulation_points(graph)) == {"c", "d"}


def test_communities_match_areas_when_two_cliques_meet_at_one_tie() -> None:
    left = [f"l{i}" for i in range(5)]
    right = [f"r{i}" for i in range(5)]
    graph = nx.Graph()
    graph.add_edges_from(itertools.combinations(left, 2), weight=1)
    graph.add_edges_from(itertools.combinations(right, 2), weight=1)
    graph.add_edge("l0", "r0", weight=1)
    areas = {**{n: "area-1" for n in left}, **{n: "area-2" for n in right}}
    comparison = compare_communities(graph, areas)
    assert sorted(len(c.members) for c in comparison.communities) == [5, 5]
    assert comparison.purity == pytest.approx(1.0)
    assert comparison.modularity_communities == pytest.approx(comparison.modularity_areas)


def test_constraint_agrees_with_networkx() -> None:
    graph = nx.Graph(nx.karate_club_graph().edges())
    theirs = nx.constraint(graph)
    assert burt_constraint(graph) == pytest.approx(theirs)


def test_path_search_work_adds_up_each_component() -> None:
    # a triangle (3 nodes · 3 ties), a path of 4 (4 · 3) and a lone node (1 · 1)
    graph = nx.Graph([(1, 2), (2, 3), (1, 3), ("a", "b"), ("b", "c"), ("c", "d")])
    graph.add_node("alone")
    assert path_search_work(graph) == 9 + 12 + 1


def test_many_small_components_stay_exact_where_one_large_one_is_sampled() -> None:
    # The same number of nodes and ties, as 20 separate regions or as one network.
    regions = nx.disjoint_union_all(
        [nx.connected_watts_strogatz_graph(30, 6, 0.1, seed=s) for s in range(20)])
    national = nx.connected_watts_strogatz_graph(600, 6, 0.1, seed=1)
    assert regions.number_of_edges() == national.number_of_edges()
    limit = 200_000
    assert path_search_work(regions) <= limit < path_search_work(national)
    assert betweenness(regions, work_limit=limit).exact
    sampled = betweenness(national, work_limit=limit)
    assert not sampled.exact
    # the sample costs no more steps than the limit allows, and says what that costs in ε
    assert sampled.pivots * national.number_of_edges() <= limit
    assert sampled.error_bound == pytest.approx(sampling_error(600, sampled.pivots))
    assert closeness(regions, work_limit=limit) is not None
    assert closeness(national, work_limit=limit) is None
