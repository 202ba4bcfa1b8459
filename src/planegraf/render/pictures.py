"""The collaboration network as files for reports and other tools: a static picture (PNG, SVG,
PDF) drawn with Matplotlib, GEXF 1.3 with ``viz:`` colours, sizes and positions (and a
timeline of plan periods for Gephi), and the two CSV sheets Kumu imports as they are.

The picture draws what the interactive page draws: the sector colours of
:data:`planegraf.render.viz.SECTOR_COLOURS`, node sizes by the chosen metric, a legend of the
sectors and the scope as title. The layout is a seeded spring layout, so the same network is drawn
the same way every time, and the GEXF carries the same positions.
"""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx

from planegraf import i18n
from planegraf.analysis.network import Language, NetworkData, NetworkMetrics, scoped_activities
from planegraf.errors import PlanegrafError
from planegraf.i18n import Message
from planegraf.rdf import atomic
from planegraf.render.safe_csv import SpreadsheetSafeWriter
from planegraf.render.viz import SECTOR_COLOURS, SIZE_METRICS, _size_explanation, scope_parts
from planegraf.sparql.queries import read_query
from planegraf.sparql.readers import Reader

PICTURE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
Position = tuple[float, float]

#: How many organisations get a name on the picture at most: the most central ones.
LABELLED = 25

#: zlib's level for the PNG pictures. The same pixels as Pillow's default (6), in a smaller
#: file made faster: the national network's PNG, 1200x900 with ten thousand ties, 545 kB
#: instead of 560 kB and about 0.07 s less per picture; the bundled network's 10 % smaller.
PNG_COMPRESS_LEVEL = 3

GEXF_NS = "http://gexf.net/1.3"
VIZ_NS = "http://gexf.net/1.3/viz"

# The words live in the one text catalogue (templates/strings.json, "picture_" keys).
_WORDS = {lang: i18n.section("picture", lang) for lang in i18n.LANGUAGES}


# --------------------------------------------------------------------------------------------
# Layout, sizes and the title
# --------------------------------------------------------------------------------------------


def network_layout(graph: nx.Graph, seed: int = 1) -> dict[str, Position]:
    """Positions from a seeded spring layout (Fruchterman–Reingold), the same every time.

    Each connected part is laid out on its own: the largest fills the square [-1, 1]², the
    smaller ones (pairs, lone organisations) are packed in rows below it, instead of being
    pushed to the far corners where they would shrink the main network to a dot.
    """
    if graph.number_of_nodes() == 0:
        return {}
    parts = sorted((sorted(c) for c in nx.connected_components(graph)),
                   key=lambda c: (-len(c), c[0]))
    positions: dict[str, Position] = {}
    main = parts[0]
    positions.update(_spring(graph.subgraph(main), seed, 1.0, (0.0, 0.0)))
    x, y, row = -1.0, -1.25, 0.0
    for part in parts[1:]:
        radius = min(0.35, 0.07 * math.sqrt(len(part)))
        if x + 2 * radius > 1.0:
            x, y, row = -1.0, y - row - 0.1, 0.0
        positions.update(_spring(graph.subgraph(part), seed, radius, (x + radius, y - radius)))
        x += 2 * radius + 0.1
        row = max(row, 2 * radius)
    return positions


def _spring(graph: nx.Graph, seed: int, scale: float, centre: Position
            ) -> dict[str, Position]:
    nodes = sorted(graph.nodes)
    if len(nodes) == 1:
        return {nodes[0]: centre}
    ordered = nx.Graph()
    ordered.add_nodes_from(nodes)
    ordered.add_edges_from(sorted(tuple(sorted(e)) for e in graph.edges))
    # k a little above 1/sqrt(n) spreads the dense core of a regional network readably.
    k = 2.0 / math.sqrt(len(nodes))
    raw = nx.spring_layout(ordered, seed=seed, k=k, iterations=100, scale=scale,
                           center=centre)
    if len(nodes) < 3:
        return {node: (float(raw[node][0]), float(raw[node][1])) for node in nodes}
    # Fill the square along both axes: a spring layout is often flat, and a flat main
    # network wastes half the picture.
    spans = []
    for axis in (0, 1):
        values = [float(raw[n][axis]) for n in nodes]
        spans.append((min(values), max(values) - min(values) or 1.0))
    def fit(node: str, axis: int) -> float:
        low, span = spans[axis]
        return centre[axis] + scale * (2 * (float(raw[node][axis]) - low) / span - 1)

    return {node: (fit(node, 0), fit(node, 1)) for node in nodes}


def size_values(data: NetworkData, metrics: NetworkMetrics, size_by: str) -> dict[str, float]:
    """Each node's value of the ``size_by`` metric (the page's ``--size-by``)."""
    if size_by not in SIZE_METRICS:
        raise PlanegrafError(Message("error_size_by", size_by=repr(size_by),
                                     known=", ".join(SIZE_METRICS)))
    key = size_by.replace("-", "_")
    if key in ("activities", "coordinates"):
        return {n: float(a.get(key, 0) or 0) for n, a in metrics.graph.nodes(data=True)}
    return {n: float(v or 0) for n, v in metrics.node_values(key).items()}


def scope_title(data: NetworkData, metrics: NetworkMetrics, lang: Language) -> str:
    """The scope in words: the plan with its county, the area, the goal; "all plans"."""
    words = _WORDS[lang]
    parts = scope_parts(data, metrics, lang, data.area_label)
    if not parts:
        return words["all"]
    return f"{words['network']}: " + " — ".join(parts)


def _scaled(values: Mapping[str, float], low: float, high: float) -> dict[str, float]:
    top = max(values.values(), default=0.0)
    bottom = min(values.values(), default=0.0)
    span = top - bottom
    return {n: low + (high - low) * ((v - bottom) / span if span else 0.5)
            for n, v in values.items()}


def _label(data: NetworkData, node: str, lang: Language) -> str:
    return data.agent(node).label(lang)


# --------------------------------------------------------------------------------------------
# The static picture
# --------------------------------------------------------------------------------------------


def draw_network(path: Path, fmt: str, data: NetworkData, metrics: NetworkMetrics, *,
                 size_by: str = "degree", lang: Language = "sv",
                 sectors: Mapping[str, str] | None = None, title: str | None = None,
                 positions: Mapping[str, Position] | None = None) -> Path:
    """Draw the network of ``metrics.scope`` to ``path`` as PNG, SVG or PDF, atomically.

    ``positions`` (from :func:`network_layout`) lets two networks share one layout; by
    default the network is laid out on its own.
    """
    atomic.write_bytes(path, picture_bytes(fmt, data, metrics, size_by=size_by, lang=lang,
                                           sectors=sectors, title=title, positions=positions))
    return path


def picture_bytes(fmt: str, data: NetworkData, metrics: NetworkMetrics, *,
                  size_by: str = "degree", lang: Language = "sv",
                  sectors: Mapping[str, str] | None = None, title: str | None = None,
                  positions: Mapping[str, Position] | None = None) -> bytes:
    """The picture as bytes in ``fmt`` (png, svg, pdf)."""
    return pictures_bytes((fmt,), data, metrics, size_by=size_by, lang=lang, sectors=sectors,
                          title=title, positions=positions)[fmt]


def pictures_bytes(formats: Sequence[str], data: NetworkData, metrics: NetworkMetrics, *,
                   size_by: str = "degree", lang: Language = "sv",
                   sectors: Mapping[str, str] | None = None, title: str | None = None,
                   positions: Mapping[str, Position] | None = None) -> dict[str, bytes]:
    """The picture in each of ``formats`` (png, svg, pdf), drawn once and saved in each:
    the same bytes as :func:`picture_bytes` per format, for the site's PNG and SVG of a
    national network without laying out its names and ten thousand ties twice."""
    for fmt in formats:
        if fmt not in PICTURE_FORMATS:
            raise PlanegrafError(Message("error_picture_format", format=repr(fmt),
                                         known=", ".join(PICTURE_FORMATS)))
    _import_matplotlib()
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    words = _WORDS[lang]
    sectors = sectors or {}
    graph = metrics.graph
    pos = dict(positions) if positions is not None else network_layout(graph)
    missing = [n for n in graph.nodes if n not in pos]
    if missing:
        pos.update(network_layout(graph.subgraph(missing)))
    values = size_values(data, metrics, size_by)
    areas = _scaled(values, 30.0, 600.0)  # marker areas in points²
    # Text stays text in SVG (searchable, the legend readable by tests and screen readers);
    # fonts embedded as TrueType in PDF; a fixed salt keeps SVG ids stable across runs.
    with matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42,
                                "svg.hashsalt": "planegraf", "font.family": "DejaVu Sans"}):
        figure = Figure(figsize=(12, 9), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_axes((0.02, 0.02, 0.74, 0.9))
        axes.set_axis_off()
        figure.suptitle(title or scope_title(data, metrics, lang), fontsize=15, x=0.02,
                        ha="left")
        figure.text(0.02, 0.925, words["counts"].format(nodes=metrics.summary.nodes,
                                                        edges=metrics.summary.edges),
                    fontsize=10, color="#444444")
        for patch in _edge_patches(graph, pos):
            # add_artist, not add_patch: the limits are set from the positions below, and
            # add_patch would walk every tie of the path to update them.
            axes.add_artist(patch)
        used = sorted({graph.nodes[n]["sector"] for n in graph.nodes})
        for sector in used:
            members = sorted(n for n in graph.nodes if graph.nodes[n]["sector"] == sector)
            axes.scatter([pos[n][0] for n in members], [pos[n][1] for n in members],
                         s=[areas[n] for n in members],
                         c=SECTOR_COLOURS.get(sector, SECTOR_COLOURS["unknown"]),
                         edgecolors="#333333", linewidths=0.8, zorder=2)
        if pos:
            xs = [p[0] for p in pos.values()]
            ys = [p[1] for p in pos.values()]
            axes.set_xlim(min(xs) - 0.15, max(xs) + 0.15)
            axes.set_ylim(min(ys) - 0.12, max(ys) + 0.12)
        _place_labels(figure, axes, graph, pos, values, data, lang)
        if graph.number_of_nodes() == 0:
            axes.text(0.5, 0.5, words["empty"], ha="center", va="center", fontsize=12,
                      color="#444444", transform=axes.transAxes)
        handles = [Line2D([], [], marker="o", linestyle="", markersize=9,
                          markerfacecolor=SECTOR_COLOURS.get(s, SECTOR_COLOURS["unknown"]),
                          markeredgecolor="#333333", label=sectors.get(s) or words["unknown"])
                   for s in used]
        legend = figure.legend(handles=handles, title=words["legend"], loc="upper left",
                               bbox_to_anchor=(0.77, 0.9), frameon=False, fontsize=10)
        legend.get_title().set_fontsize(11)
        figure.text(0.77, 0.05, words["size"].format(metric=_size_explanation(size_by, lang)),
                    fontsize=8, color="#444444", wrap=True, va="bottom")
        saved: dict[str, bytes] = {}
        for fmt in formats:
            out = io.BytesIO()
            metadata: dict[str, Any] = {"Creator": "planegraf"}
            if fmt == "png":
                metadata = {"Software": "planegraf"}
            elif fmt == "svg":
                metadata = {"Creator": "planegraf", "Date": None}
            else:
                metadata = {"Creator": "planegraf", "CreationDate": None}
            extra: dict[str, Any] = {}
            if fmt == "png":
                extra["pil_kwargs"] = {"compress_level": PNG_COMPRESS_LEVEL}
            figure.savefig(out, format=fmt, metadata=metadata, facecolor="white", **extra)
            saved[fmt] = out.getvalue()
    return saved


#: Above this many ties the picture draws them thinner and lighter: a national network's
#: ten thousand ties at full width hide its organisations and its parts.
DENSE_TIES = 1000


def _edge_patches(graph: nx.Graph, pos: Mapping[str, Position]) -> list[Any]:
    """The ties as one path per line width (a width tells how many activities a tie
    shares, from one to six or more): a handful of drawing operations and SVG elements
    instead of one per tie, which made a national network's SVG 2.3 MB and most of the
    time spent drawing it."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as PlotPath

    dense = graph.number_of_edges() > DENSE_TIES
    by_width: dict[int, list[tuple[Position, Position]]] = {}
    for a, b, weight in graph.edges(data="weight", default=1):
        by_width.setdefault(min(max(int(weight), 1), 6), []).append((pos[a], pos[b]))
    patches = []
    for width in sorted(by_width):
        segments = by_width[width]
        vertices = [point for segment in segments for point in segment]
        codes = [PlotPath.MOVETO, PlotPath.LINETO] * len(segments)
        path = PlotPath(vertices, codes)
        # Matplotlib simplifies long paths by dropping what it judges invisible; every tie
        # is drawn instead.
        path.should_simplify = False
        patches.append(PathPatch(
            path, fill=False, edgecolor="#9a9a9a",
            linewidth=(0.2 + 0.2 * width) if dense else (0.6 + 0.6 * width),
            alpha=0.35 if dense else 0.6, capstyle="round", zorder=1))
    return patches


def prepare() -> None:
    """Import what drawing a picture imports (Matplotlib's figure, the Agg and SVG
    canvases), for a caller with a core to spare now and pictures to draw later: the build
    imports them while Oxigraph loads the data."""
    _import_matplotlib()
    import matplotlib.backends.backend_agg
    import matplotlib.backends.backend_svg  # noqa: F401


def _import_matplotlib() -> None:
    """Import Matplotlib's drawing parts without changing the rest of the process.

    Agg and the vector backends need no display; pyplot is never imported (it keeps global
    figures and may pick an interactive backend). Matplotlib's mathtext switches on
    pyparsing's packrat cache for every grammar in the process when imported; rdflib's SPARQL
    grammar then runs out of recursion depth on the catalogue's longer queries. The cache is
    switched off again when it was off before.
    """
    from pyparsing import ParserElement

    was_on = ParserElement._packratEnabled
    import matplotlib.figure  # noqa: F401  (imports mathtext)

    if not was_on and ParserElement._packratEnabled:
        ParserElement.disable_memoization()


#: A connected part of at least this many organisations gets a name on the picture even
#: when none of its organisations is among the most central of the whole network.
LARGE_PART = 20


def labelled_first(graph: nx.Graph, ranked: Sequence[str]) -> list[str]:
    """``ranked`` (most central first) reordered for naming: when the network has more than
    one part of :data:`LARGE_PART` organisations or more, the most central organisation of
    each such part (largest part first), then the others in rank order."""
    large = [part for part in nx.connected_components(graph) if len(part) >= LARGE_PART]
    if len(large) < 2:
        return list(ranked)
    rank = {node: number for number, node in enumerate(ranked)}
    heads = [min(part, key=rank.__getitem__)
             for part in sorted(large, key=lambda p: (-len(p), min(p, key=rank.__getitem__)))]
    chosen = set(heads)
    return heads + [node for node in ranked if node not in chosen]


def _place_labels(figure: Any, axes: Any, graph: nx.Graph, pos: Mapping[str, Position],
                  values: Mapping[str, float], data: NetworkData, lang: Language
                  ) -> list[Any]:
    """Name the most central organisations, up to :data:`LABELLED`: each name above its
    organisation, or below it when above would cover a name already placed, or left out
    (cheap greedy overlap avoidance, most central first; at most twice :data:`LABELLED`
    organisations are tried, each measured once).

    A network of several large parts (the national network: one per county) names the
    most central organisation of each part first, then the most central of the rest, so
    the overview says where each part is instead of naming one county's core only.
    """
    ranked = sorted(graph.nodes, key=lambda n: (-values.get(n, 0.0), -graph.degree(n), n))
    renderer = figure.canvas.get_renderer()
    inside = figure.bbox
    gap = 8.0
    placed: list[Any] = []
    for node in labelled_first(graph, ranked)[:2 * LABELLED]:
        if len(placed) == LABELLED:
            break
        text = axes.annotate(_label(data, node, lang), pos[node], xytext=(0, gap),
                             textcoords="offset points", ha="center", va="bottom",
                             fontsize=8,
                             bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                                   "alpha": 0.75}, zorder=3)
        box = text.get_window_extent(renderer)
        # A name at the edge of the picture is turned inward instead of being cut off.
        if box.x0 < inside.x0 or box.x1 > inside.x1:
            text.set_horizontalalignment("left" if box.x0 < inside.x0 else "right")
            box = text.get_window_extent(renderer)
        if any(box.overlaps(other) for other in placed):
            # The same name below the organisation: the box moves down by its height and
            # the two gaps.
            below = box.translated(0, -(box.height + 2 * gap * figure.dpi / 72))
            if any(below.overlaps(other) for other in placed):
                text.remove()
                continue
            text.xyann = (0, -gap)
            text.set_verticalalignment("top")
            box = below
        placed.append(box)
    return placed


# --------------------------------------------------------------------------------------------
# GEXF 1.3
# --------------------------------------------------------------------------------------------


def plan_periods(store: Reader) -> dict[str, tuple[int, int]]:
    """Plan IRI → (first year, last year), for the plans that state them."""
    periods: dict[str, tuple[int, int]] = {}
    for row in store.select(read_query("network/plan-periods.rq").text):
        start = int(row["start"].value)
        end = int(row["end"].value) if row["end"] is not None else start
        periods[row["plan"].value] = (start, end)
    return periods


def _spells(plans: Iterable[str], periods: Mapping[str, tuple[int, int]]
            ) -> list[tuple[int, int]]:
    """The union of the plans' periods as sorted, merged intervals of years."""
    spans = sorted(periods[p] for p in set(plans) if p in periods)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _hex_rgb(colour: str) -> dict[str, str]:
    value = colour.lstrip("#")
    return {"r": str(int(value[0:2], 16)), "g": str(int(value[2:4], 16)),
            "b": str(int(value[4:6], 16))}


def gexf_bytes(data: NetworkData, metrics: NetworkMetrics, *, size_by: str = "degree",
               lang: Language = "sv", sectors: Mapping[str, str] | None = None,
               periods: Mapping[str, tuple[int, int]] | None = None,
               positions: Mapping[str, Position] | None = None) -> bytes:
    """GEXF 1.3: nodes with their sector colour, size and position (``viz:``), attributes
    with their metrics; when the scope spans plans of several periods, each node and tie
    carries the years of the plans it appears in (``mode="dynamic"``, integer years)."""
    ET.register_namespace("", GEXF_NS)
    ET.register_namespace("viz", VIZ_NS)
    graph = metrics.graph
    sectors = sectors or {}
    pos = dict(positions) if positions is not None else network_layout(graph)
    sizes = _scaled(size_values(data, metrics, size_by), 4.0, 40.0)
    node_plans: dict[str, set[str]] = {n: set() for n in graph.nodes}
    edge_plans: dict[tuple[str, str], set[str]] = {}
    for a, b, attrs in graph.edges(data=True):
        plans = {data.activities[i].plan for i in attrs.get("activities", ())
                 if i in data.activities and data.activities[i].plan}
        edge_plans[(a, b)] = {p for p in plans if p}
        node_plans[a] |= edge_plans[(a, b)]
        node_plans[b] |= edge_plans[(a, b)]
    for activity in scoped_activities(data, metrics.scope):
        if activity.plan:
            for agent in activity.participants:
                if agent in node_plans:
                    node_plans[agent].add(activity.plan)
    periods = periods or {}
    in_scope = {p for ps in node_plans.values() for p in ps if p in periods}
    dynamic = len({periods[p] for p in in_scope}) > 1

    def q(tag: str, ns: str = GEXF_NS) -> str:
        return f"{{{ns}}}{tag}"

    root = ET.Element(q("gexf"), {"version": "1.3"})
    meta = ET.SubElement(root, q("meta"), {"lastmodifieddate": date.today().isoformat()})
    ET.SubElement(meta, q("creator")).text = "planegraf"
    ET.SubElement(meta, q("description")).text = scope_title(data, metrics, lang)
    graph_attrs = {"defaultedgetype": "undirected", "mode": "dynamic" if dynamic else "static"}
    if dynamic:
        graph_attrs["timeformat"] = "integer"
    element = ET.SubElement(root, q("graph"), graph_attrs)
    node_columns = [("sector", "string"), ("sector_label", "string"), ("county", "string"),
                    ("activities", "integer"), ("coordinates", "integer"),
                    ("degree", "integer"), (size_by.replace("-", "_"), "double"),
                    ("areas", "string"), ("plans", "string")]
    node_columns = list(dict.fromkeys(node_columns))
    attributes = ET.SubElement(element, q("attributes"), {"class": "node"})
    for number, (name, kind) in enumerate(node_columns):
        ET.SubElement(attributes, q("attribute"),
                      {"id": str(number), "title": name, "type": kind})
    edge_attributes = ET.SubElement(element, q("attributes"), {"class": "edge"})
    ET.SubElement(edge_attributes, q("attribute"),
                  {"id": "0", "title": "activities", "type": "string"})
    values = size_values(data, metrics, size_by)
    nodes = ET.SubElement(element, q("nodes"), {"count": str(graph.number_of_nodes())})
    for node in sorted(graph.nodes):
        attrs = graph.nodes[node]
        item = ET.SubElement(nodes, q("node"), {"id": node, "label": _label(data, node, lang)})
        row = {"sector": attrs["sector"],
               "sector_label": sectors.get(attrs["sector"], attrs["sector"]),
               "county": data.county_label(attrs.get("county"), lang)
               if attrs.get("county") else "",
               "activities": str(attrs.get("activities", 0)),
               "coordinates": str(attrs.get("coordinates", 0)),
               "degree": str(graph.degree(node)),
               size_by.replace("-", "_"): repr(values.get(node, 0.0)),
               "areas": "; ".join(data.county_area_label(a, lang) for a in attrs["areas"]),
               "plans": "; ".join(data.plans[p].title(lang) if p in data.plans else p
                                  for p in sorted(node_plans[node]))}
        attvalues = ET.SubElement(item, q("attvalues"))
        for number, (name, _) in enumerate(node_columns):
            ET.SubElement(attvalues, q("attvalue"), {"for": str(number), "value": row[name]})
        if dynamic:
            _add_spells(item, _spells(node_plans[node], periods), q)
        ET.SubElement(item, q("color", VIZ_NS),
                      _hex_rgb(SECTOR_COLOURS.get(attrs["sector"], SECTOR_COLOURS["unknown"])))
        x, y = pos.get(node, (0.0, 0.0))
        ET.SubElement(item, q("position", VIZ_NS),
                      {"x": f"{x * 500:.3f}", "y": f"{y * 500:.3f}", "z": "0.0"})
        ET.SubElement(item, q("size", VIZ_NS), {"value": f"{sizes.get(node, 4.0):.3f}"})
    edges = ET.SubElement(element, q("edges"), {"count": str(graph.number_of_edges())})
    for number, (a, b, attrs) in enumerate(sorted(
            (min(u, v), max(u, v), d) for u, v, d in graph.edges(data=True))):
        item = ET.SubElement(edges, q("edge"), {"id": str(number), "source": a, "target": b,
                                                "weight": str(attrs.get("weight", 1))})
        attvalues = ET.SubElement(item, q("attvalues"))
        shared = "; ".join(_activity_name(data, i) for i in attrs.get("activities", ()))
        ET.SubElement(attvalues, q("attvalue"), {"for": "0", "value": shared})
        if dynamic:
            key = (a, b) if (a, b) in edge_plans else (b, a)
            _add_spells(item, _spells(edge_plans.get(key, set()), periods), q)
    ET.indent(root)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"


def _add_spells(item: ET.Element, spans: Sequence[tuple[int, int]], q: Any) -> None:
    if not spans:
        return
    spells = ET.SubElement(item, q("spells"))
    for start, end in spans:
        ET.SubElement(spells, q("spell"), {"start": str(start), "end": str(end)})


def _activity_name(data: NetworkData, iri: str) -> str:
    activity = data.activities.get(iri)
    if activity is None:
        return iri
    return f"{activity.name} {activity.label or ''}".strip()


# --------------------------------------------------------------------------------------------
# Kumu
# --------------------------------------------------------------------------------------------

KUMU_ELEMENT_COLUMNS = ("Label", "Type", "Description", "Tags", "County", "Activities",
                        "Coordinates", "Degree", "Betweenness")
KUMU_CONNECTION_COLUMNS = ("From", "To", "Label", "Type", "Strength", "Description")


def kumu_elements_path(path: Path) -> Path:
    """Where the elements sheet goes beside the connections sheet ``path``
    (``net.kumu.csv`` → ``net.kumu-elements.csv``)."""
    return path.with_name(f"{path.stem}-elements{path.suffix or '.csv'}")


def write_csv_text(rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV text that a spreadsheet opens as data, never as formulas (the project's
    one spreadsheet-safe writer)."""
    out = io.StringIO()
    SpreadsheetSafeWriter(out).writerows(rows)
    return out.getvalue()


def kumu_sheets(data: NetworkData, metrics: NetworkMetrics, *, lang: Language = "sv",
                sectors: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The elements and connections sheets Kumu imports as they are: elements keyed by a
    unique Label (two organisations with the same name get their county, then their key),
    connections by From and To naming those labels; several values in a cell are joined
    with ``|`` as Kumu reads them."""
    graph = metrics.graph
    sectors = sectors or {}
    labels = _unique_labels(data, sorted(graph.nodes), lang)
    values = metrics.node_values("betweenness")
    elements: list[list[object]] = [list(KUMU_ELEMENT_COLUMNS)]
    for node in sorted(graph.nodes, key=lambda n: (labels[n].casefold(), n)):
        attrs = graph.nodes[node]
        elements.append([
            labels[node], sectors.get(attrs["sector"], attrs["sector"]), node,
            "|".join(data.county_area_label(a, lang) for a in attrs["areas"]),
            data.county_label(attrs.get("county"), lang) if attrs.get("county") else "",
            attrs.get("activities", 0), attrs.get("coordinates", 0), graph.degree(node),
            f"{float(values.get(node) or 0):.4f}"])
    tie = _WORDS[lang]["tie"]
    connections: list[list[object]] = [list(KUMU_CONNECTION_COLUMNS)]
    for a, b, attrs in sorted(graph.edges(data=True),
                              key=lambda e: (labels[e[0]], labels[e[1]])):
        first, second = sorted((labels[a], labels[b]), key=str.casefold)
        weight = attrs.get("weight", 1)
        connections.append([
            first, second, f"{weight} {tie}", "undirected" if lang == "en" else "ömsesidig",
            weight, "|".join(_activity_name(data, i) for i in attrs.get("activities", ()))])
    return write_csv_text(elements), write_csv_text(connections)


def _unique_labels(data: NetworkData, nodes: Sequence[str], lang: Language) -> dict[str, str]:
    labels = {n: _label(data, n, lang) for n in nodes}
    seen: dict[str, list[str]] = {}
    for node, label in labels.items():
        seen.setdefault(label.casefold(), []).append(node)
    for same in seen.values():
        if len(same) < 2:
            continue
        for node in same:
            county = data.agent(node).county
            where = data.county_label(county, lang) if county else node.rsplit("/", 1)[-1]
            labels[node] = f"{labels[node]} ({where})"
        if len({labels[n].casefold() for n in same}) < len(same):
            for node in same:
                labels[node] = f"{_label(data, node, lang)} ({node.rsplit('/', 1)[-1]})"
    return labels


def write_picture_export(path: Path, fmt: str, data: NetworkData, metrics: NetworkMetrics, *,
                         size_by: str = "degree", lang: Language = "sv",
                         sectors: Mapping[str, str] | None = None,
                         periods: Mapping[str, tuple[int, int]] | None = None) -> list[Path]:
    """Write a picture (png, svg, pdf), GEXF 1.3 or the Kumu sheets; return the files."""
    if fmt in PICTURE_FORMATS:
        return [draw_network(path, fmt, data, metrics, size_by=size_by, lang=lang,
                             sectors=sectors)]
    if fmt == "gexf":
        atomic.write_bytes(path, gexf_bytes(data, metrics, size_by=size_by, lang=lang,
                                            sectors=sectors, periods=periods))
        return [path]
    if fmt == "kumu":
        elements, connections = kumu_sheets(data, metrics, lang=lang, sectors=sectors)
        atomic.write_text(path, connections)
        atomic.write_text(kumu_elements_path(path), elements)
        return [path, kumu_elements_path(path)]
    raise PlanegrafError(Message("error_unknown_format", format=repr(fmt)))
