"""The network's pictures at national scale (issue 15): the ties drawn as a few paths, not
one SVG element per tie (a national network's SVG was 2.3 MB and most of the drawing time),
every large part of the national network named on the overview instead of one county's
core only, no name cut off at the edge, and one layout per site build for the page and
every picture (it was computed five times).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from lxml import etree

from planegraf.analysis.network import (
    NetworkData,
    NetworkMetrics,
    load_network_data,
    network_metrics,
    resolve_scope,
)
from planegraf.pipeline import load_dataset
from planegraf.rdf.loading import open_store
from planegraf.rdf.store import EmbeddedStore
from planegraf.render import pictures, viz
from planegraf.render.pictures import (
    LABELLED,
    LARGE_PART,
    _place_labels,
    labelled_first,
    picture_bytes,
    size_values,
)
from planegraf.synthetic import write_trig

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def bundled() -> tuple[EmbeddedStore, NetworkData]:
    store = load_dataset([], bundled=True)
    return store, load_network_data(store)


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> tuple[NetworkData, NetworkMetrics]:
    """The synthetic national network: one connected part per county."""
    trig = tmp_path_factory.mktemp("national") / "synthetic-100000.trig"
    write_trig(trig, 100_000, 1)
    data = load_network_data(open_store([trig], bundled=False))
    return data, network_metrics(data)


def _tie_paths(svg: bytes) -> list[str]:
    """The ``d`` of every SVG path stroked in the ties' grey."""
    root = etree.fromstring(svg)
    return [p.get("d") for p in root.iter(f"{SVG}path")
            if "stroke: #9a9a9a" in (p.get("style") or "")]


def test_every_tie_is_drawn_in_a_few_paths_not_one_element_per_tie(
        national: tuple[NetworkData, NetworkMetrics]) -> None:
    data, metrics = national
    ties = metrics.summary.edges
    assert ties > 100
    paths = _tie_paths(picture_bytes("svg", data, metrics, lang="en"))
    assert 1 <= len(paths) <= 6  # one per line width
    # Every tie is one move-to and one line-to: none is lost or simplified away.
    assert sum(len(re.findall(r"M", d)) for d in paths) == ties
    assert sum(len(re.findall(r"L", d)) for d in paths) == ties


def test_a_regional_network_keeps_its_ties_wide_and_a_national_one_draws_them_thin(
        bundled: tuple[EmbeddedStore, NetworkData],
        national: tuple[NetworkData, NetworkMetrics]) -> None:
    _, data = bundled
    plan = network_metrics(data, resolve_scope(data, "rjl-hp-2018-2020"), "en")
    assert plan.summary.edges <= pictures.DENSE_TIES < national[1].summary.edges

    def widths(svg: bytes) -> list[float]:
        root = etree.fromstring(svg)
        return [float(m.group(1)) for p in root.iter(f"{SVG}path")
                if "stroke: #9a9a9a" in (p.get("style") or "")
                for m in [re.search(r"stroke-width: ([0-9.]+)", p.get("style") or "")] if m]

    regional = widths(picture_bytes("svg", data, plan, lang="en"))
    dense = widths(picture_bytes("svg", *national, lang="en"))
    assert regional and dense
    assert min(regional) > max(dense) / 2


def test_the_most_central_of_each_large_part_is_named_first() -> None:
    graph = nx.Graph()
    for part in "abc":
        graph.add_edges_from((f"{part}{i}", f"{part}{i + 1}") for i in range(LARGE_PART))
    graph.add_edge("x", "y")  # a pair: too small to be named before the others
    # Part a holds the most central organisations of all.
    ranked = ([f"a{i}" for i in range(LARGE_PART + 1)] + [f"b{i}" for i in range(LARGE_PART + 1)]
              + ["x"] + [f"c{i}" for i in range(LARGE_PART + 1)] + ["y"])
    order = labelled_first(graph, ranked)
    assert order[:3] == ["a0", "b0", "c0"]
    assert sorted(order) == sorted(ranked)
    assert order[3:6] == ["a1", "a2", "a3"]


def test_a_network_of_one_large_part_is_named_in_rank_order() -> None:
    graph = nx.relabel_nodes(nx.path_graph(LARGE_PART * 2), str)
    graph.add_edge("p", "q")
    ranked = ["p", *sorted(n for n in graph.nodes if n != "p")]
    assert labelled_first(graph, ranked) == ranked


def _placed_names(national: tuple[NetworkData, NetworkMetrics]
                  ) -> tuple[list[Any], list[Any], Any, dict[str, tuple[float, float]]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    data, metrics = national
    figure = Figure(figsize=(12, 9), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.02, 0.02, 0.74, 0.9))
    pos = viz.page_layout(metrics.graph)
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    axes.set_xlim(min(xs) - 0.15, max(xs) + 0.15)
    axes.set_ylim(min(ys) - 0.12, max(ys) + 0.12)
    boxes = _place_labels(figure, axes, metrics.graph, pos,
                          size_values(data, metrics, "degree"), data, "sv")
    return boxes, list(axes.texts), figure, pos


def test_the_national_overview_names_its_counties_parts_not_one_county_only(
        national: tuple[NetworkData, NetworkMetrics]) -> None:
    boxes, texts, figure, pos = _placed_names(national)
    graph = national[1].graph
    large = [part for part in nx.connected_components(graph) if len(part) >= LARGE_PART]
    assert len(large) > 10
    at = {xy: node for node, xy in pos.items()}
    named = {at[tuple(text.xy)] for text in texts}
    parts_named = sum(1 for part in large if part & named)
    assert parts_named >= 0.75 * len(large)
    assert len(boxes) == len(texts) <= LABELLED
    # The names as drawn (above or below their organisation) cover none of the others.
    drawn = [text.get_window_extent(figure.canvas.get_renderer()) for text in texts]
    for i, first in enumerate(drawn):
        for second in drawn[i + 1:]:
            assert not first.overlaps(second)


def test_no_name_on_the_overview_is_cut_off_at_the_edge(
        national: tuple[NetworkData, NetworkMetrics]) -> None:
    boxes, _, figure, _ = _placed_names(national)
    assert boxes
    for box in boxes:
        assert figure.bbox.x0 <= box.x0 and box.x1 <= figure.bbox.x1


def _counting(module: Any, name: str, calls: list[str], monkeypatch: pytest.MonkeyPatch
              ) -> None:
    real: Callable[..., Any] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


@pytest.mark.parametrize("triples", [0, 10_000])
def test_the_site_lays_out_the_network_once_for_its_page_and_pictures(
        triples: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from planegraf.publish import site

    if triples:
        trig = tmp_path / "national.trig"
        write_trig(trig, triples, 1)
        store = open_store([trig], bundled=False)
    else:
        store = open_store()
    calls: list[str] = []
    _counting(viz, "page_layout", calls, monkeypatch)
    _counting(pictures, "network_layout", calls, monkeypatch)
    writer = site.SiteWriter(store, tmp_path / "site", "sv", resource_pages=False)
    section = site._network_section(writer)
    assert section is not None
    writer.sections.append(section)
    section.write(writer)
    assert len(calls) == 1, calls
    # Big or small, the page and both pictures in both languages were written.
    names = {p.name for p in (tmp_path / "site").iterdir()}
    assert {"network.html", "network.en.html", "network.png", "network.en.png",
            "network.svg", "network.en.svg"} <= names
