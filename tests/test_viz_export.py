"""GEXF, GraphML and CSV exports round-trip through real readers with their metrics."""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import pytest

from planegraf.analysis.network import (
    NetworkData,
    NetworkMetrics,
    load_network_data,
    network_metrics,
    resolve_scope,
)
from planegraf.pipeline import open_store
from planegraf.render.viz import nodes_csv_path, write_export

from .conftest import FIXTURES

TRIGGER = FIXTURES / "network" / "gaps-trigger.trig"
ID = "https://w3id.org/planegraf/id/"


@pytest.fixture(scope="module")
def analysed() -> tuple[NetworkData, NetworkMetrics]:
    data = load_network_data(open_store([TRIGGER], bundled=False))
    return data, network_metrics(data, resolve_scope(data))


@pytest.mark.parametrize("fmt,read", [("gexf", nx.read_gexf), ("graphml", nx.read_graphml)])
def test_gephi_formats_round_trip(fmt: str, read: object, tmp_path: Path,
                                  analysed: tuple[NetworkData, NetworkMetrics]) -> None:
    data, metrics = analysed
    path = tmp_path / f"network.{fmt}"
    write_export(path, fmt, data, metrics)
    graph = read(path)  # type: ignore[operator]
    assert graph.number_of_nodes() == metrics.summary.nodes
    assert graph.number_of_edges() == metrics.summary.edges
    node = graph.nodes[f"{ID}org/t-universitet"]
    assert node["label"] == "Universitet U" and node["sector"] == "university-research"
    assert bool(node["articulation_point"]) is True
    tie = graph.edges[f"{ID}org/t-forening", f"{ID}org/t-universitet"]
    assert int(tie["weight"]) == 2
    assert tie["activities"].split("; ") == [f"{ID}activity/t-plan/2-1",
                                             f"{ID}activity/t-plan/2-2"]


def test_csv_writes_edges_and_nodes(tmp_path: Path,
                                    analysed: tuple[NetworkData, NetworkMetrics]) -> None:
    data, metrics = analysed
    path = tmp_path / "network.csv"
    assert write_export(path, "csv", data, metrics) == [path, nodes_csv_path(path)]
    with path.open(encoding="utf-8") as handle:
        edges = list(csv.DictReader(handle))
    with nodes_csv_path(path).open(encoding="utf-8") as handle:
        nodes = {row["id"]: row for row in csv.DictReader(handle)}
    assert len(edges) == metrics.summary.edges and len(nodes) == metrics.summary.nodes
    assert nodes[f"{ID}org/t-region"]["degree"] == "2"
    assert float(nodes[f"{ID}org/t-region"]["relative_connectivity"]) == pytest.approx(2 / 3)
