"""The network page's first layout (a national network is placed in Python so the page draws
at once): the same every time, inside [-1, 1]², and no two separate parts drawn over each
other."""

from __future__ import annotations

import itertools

import networkx as nx

from planegraf.render.viz import BIG_NETWORK, first_layout, page_layout


def _parts_graph() -> nx.Graph:
    graph = nx.Graph()
    offset = 0
    for size in (40, 25, 25, 12, 5, 2, 1, 1, 1):  # counties, small groups, lone ones
        part = nx.gnm_random_graph(size, size * 3 if size > 4 else size - 1, seed=size)
        graph.add_nodes_from(f"n{offset + n}" for n in part)
        graph.add_edges_from((f"n{offset + a}", f"n{offset + b}") for a, b in part.edges)
        offset += size
    return graph


def test_first_layout_is_the_same_every_time_and_fits_the_square() -> None:
    graph = _parts_graph()
    first, again = page_layout(graph), page_layout(graph)
    assert first == again
    assert set(first) == set(graph.nodes)
    assert all(-1.0 <= v <= 1.0 for xy in first.values() for v in xy)
    assert max(max(abs(x), abs(y)) for x, y in first.values()) > 0.99  # fills the square


def test_separate_parts_are_not_drawn_over_each_other() -> None:
    graph = _parts_graph()
    layout = page_layout(graph)
    boxes = []
    for part in nx.connected_components(graph):
        xs = [layout[n][0] for n in part]
        ys = [layout[n][1] for n in part]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    for a, b in itertools.combinations(boxes, 2):
        assert a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1], (a, b)


def test_small_networks_are_laid_out_by_the_page_itself() -> None:
    small = nx.path_graph(BIG_NETWORK)
    assert first_layout(small) is None
    big = nx.relabel_nodes(nx.path_graph(BIG_NETWORK + 1), str)
    placed = first_layout(big)
    assert placed is not None and len(placed) == BIG_NETWORK + 1
