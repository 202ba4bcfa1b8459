"""The collaboration network as a self-contained, offline page for analysts, and as GEXF,
GraphML or CSV for Gephi and spreadsheets.

The page (``data/network.html``) inlines vis-network from the pyvis package and draws
undirected ties without arrowheads, names the most central organisations at the overview
and everyone as the reader zooms in, finds an organisation and shows its ego network and
shared activities, and filters by plan, county, area and sector (with an ego mode for a
sector), laying out the visible network again and counting it. Every name is escaped: the
data travels as JSON that cannot close its script element and the page's script writes it
into the document as text.
"""

from __future__ import annotations

import importlib.util
import io
import json
import math
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jinja2
import networkx as nx

from planegraf import i18n
from planegraf.analysis.network import (
    Language,
    NetworkData,
    NetworkMetrics,
    explain,
)
from planegraf.errors import PlanegrafError
from planegraf.i18n import Message
from planegraf.rdf import atomic
from planegraf.render.safe_csv import SpreadsheetSafeWriter
from planegraf.render.templates import environment
from planegraf.sparql.queries import read_query
from planegraf.sparql.readers import Reader

ExportFormat = Literal["html", "gexf", "graphml", "csv"]
EXPORT_FORMATS: tuple[str, ...] = ("html", "gexf", "graphml", "csv")
SIZE_METRICS: tuple[str, ...] = (
    "degree", "betweenness", "closeness", "relative-connectivity", "non-redundant-ties",
    "activities", "coordinates",
)
TEMPLATE = Path(__file__).resolve().parent.parent / "data" / "network.html"

def _package_dir(name: str) -> Path:
    """The folder of an installed package, found without importing it: pyvis is here only
    for the vis-network files it ships, and importing it imports IPython (0.2 s of CPU in
    every build that writes the network page)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    return Path(spec.origin).parent


VIS_DIR = _package_dir("pyvis") / "lib" / "vis-9.1.2"

# Colour-blind-safe where it matters (Okabe–Ito first), one colour per sector of the ontology.
SECTOR_COLOURS = {
    "region": "#0072B2", "regional-unit": "#56B4E9", "municipality": "#009E73",
    "state-agency": "#E69F00", "university-research": "#CC79A7", "civil-society": "#D55E00",
    "private": "#F0E442", "international": "#999999", "group": "#FFFFFF", "unknown": "#DDDDDD",
}

#: Above this many organisations the page lays out without vis-network's "improved layout"
#: (quadratic) and stabilises in fewer iterations; benchmarks/network_page.py measures it.
BIG_NETWORK = 150
#: How many of the most central organisations are named at the overview scale; the rest get
#: their names as the reader zooms in (all of them at 100 %).
LABELLED_AT_OVERVIEW = 20

# The words live in the one text catalogue (templates/strings.json, "viz_" keys).
_WORDS: dict[str, dict[str, str]] = {lang: i18n.section("viz", lang) for lang in i18n.LANGUAGES}


def sector_labels(store: Reader, lang: Language) -> dict[str, str]:
    """Sector key (``municipality`` …) → its name in ``lang``, from the ontology."""
    labels: dict[str, str] = {}
    for row in store.select(read_query("network/sectors.rq").text):
        if row["notation"] is None:
            continue
        chosen = row["labelEn"] if lang == "en" and row["labelEn"] is not None else row["labelSv"]
        labels[str(row["notation"].value)] = str(chosen.value) if chosen is not None else ""
    return labels


def annotated_graph(data: NetworkData, metrics: NetworkMetrics) -> nx.Graph:
    """The collaboration graph of the metrics' scope, each node carrying its metrics."""
    graph = metrics.graph.copy()
    for org in metrics.organisations:
        graph.nodes[org.iri].update(
            degree=org.degree, betweenness=org.betweenness, closeness=org.closeness,
            relative_connectivity=org.relative_connectivity,
            non_redundant_ties=org.non_redundant_ties, constraint=org.constraint,
            weighted_constraint=org.weighted_constraint,
            articulation_point=org.articulation_point, community=org.community,
            **{f"brokerage_{role}": org.brokerage.get(role, 0)
               for role in ("coordinator", "consultant", "gatekeeper_representative",
                            "liaison")},
        )
    return graph


def _json_for_script(value: object) -> str:
    # JSON inside <script> must not be able to close the element or open a comment.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass(frozen=True)
class SiteLinks:
    """How a network page that is part of the site links into it."""

    #: The site's navigation, (link, name) pairs as the site's header has them, the start
    #: page first; ``current`` is this page's link among them.
    nav: Sequence[tuple[str, str]]
    current: str
    #: (link, name, language) of the same page in the other language.
    other_language: tuple[str, str, str] | None
    #: The link from this page to the page of an IRI (an activity, an organisation), if any.
    page: Callable[[str], str | None]


def scope_heading(data: NetworkData, metrics: NetworkMetrics, lang: Language) -> str:
    """The page's title: the network and its scope, the plan named with its county."""
    words = _WORDS[lang]
    parts = scope_parts(data, metrics, lang, data.county_area_label)
    return f"{words['title']}: " + (" — ".join(parts) if parts else words["all"])


def scope_parts(data: NetworkData, metrics: NetworkMetrics, lang: Language,
                area_label: Callable[[str, Language], str]) -> list[str]:
    """The scope in words, for titles: the plan with its county, the area, the goal."""
    scope = metrics.scope
    parts: list[str] = []
    if scope.plan:
        plan = data.plans.get(scope.plan)
        if plan is None:
            parts.append(scope.plan.rsplit("/", 1)[-1])
        else:
            county = plan.county_label(lang)
            parts.append(plan.title(lang) + (f", {county}" if county else ""))
    if scope.area:
        parts.append(area_label(scope.area, lang))
    if scope.goal:
        parts.append(scope.goal.rsplit("/", 1)[-1])
    return parts


def page_layout(graph: nx.Graph, seed: int = 1) -> dict[str, tuple[float, float]]:
    """Where the page first draws each organisation: a seeded spring layout of each
    connected part, the parts packed in rows, largest first, into a screen-shaped area.

    Coordinates are in [-1, 1] along the longer side. Done here, the page draws at once
    instead of simulating a national network for seconds (benchmarks/network_page.py), and
    the same data always looks the same.
    """
    parts = sorted((sorted(c) for c in nx.connected_components(graph)),
                   key=lambda c: (-len(c), c[0]))
    placed: list[tuple[dict[str, tuple[float, float]], float]] = []
    for part in parts:
        # A part gets room in proportion to its size; its layout fills a circle of that
        # radius.
        radius = math.sqrt(len(part))
        if len(part) == 1:
            placed.append(({part[0]: (0.0, 0.0)}, 0.6))
            continue
        ordered = nx.Graph()
        ordered.add_nodes_from(part)
        ordered.add_edges_from(sorted(tuple(sorted(e)) for e in graph.subgraph(part).edges))
        raw = nx.spring_layout(ordered, seed=seed, k=1.6 / math.sqrt(len(part)),
                               iterations=80)
        extent = max((abs(float(v)) for xy in raw.values() for v in xy), default=1.0) or 1.0
        placed.append(({n: (float(raw[n][0]) / extent * radius,
                            float(raw[n][1]) / extent * radius) for n in part}, radius))
    total = sum((2 * r + 1) ** 2 for _, r in placed)
    row_width = max(math.sqrt(total) * 1.5, max((2 * r + 1 for _, r in placed), default=1))
    positions: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for layout, radius in placed:
        size = 2 * radius + 1
        if x > 0 and x + size > row_width:
            x, y, row_height = 0.0, y + row_height, 0.0
        for node, (px, py) in layout.items():
            positions[node] = (x + size / 2 + px, -(y + size / 2) + py)
        x += size
        row_height = max(row_height, size)
    if not positions:
        return {}
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    half = max(max(xs) - min(xs), max(ys) - min(ys)) / 2 or 1.0
    return {n: ((px - cx) / half, (py - cy) / half) for n, (px, py) in positions.items()}


def first_layout(graph: nx.Graph) -> dict[str, tuple[float, float]] | None:
    """The page's first layout: :func:`page_layout` for a network of more than
    :data:`BIG_NETWORK` organisations; ``None`` for a smaller one, which vis-network's physics
    lays out in the browser in a moment (and more readably)."""
    return page_layout(graph) if graph.number_of_nodes() > BIG_NETWORK else None


def _decimal(value: float, lang: Language, form: str = ".3f") -> str:
    text = format(value, form)
    return text.replace(".", ",") if lang == "sv" else text


def _vis_options(nodes: int, placed: bool) -> dict[str, Any]:
    big = nodes > BIG_NETWORK
    return {
        "autoResize": True,
        "nodes": {"shape": "dot", "scaling": {"min": 8, "max": 40},
                  "borderWidth": 1,
                  "font": {"size": 14, "face": "system-ui, sans-serif", "color": "#1a1a1a",
                           "strokeWidth": 3, "strokeColor": "#ffffff"}},
        # Ties are undirected: no arrowheads anywhere; the width tells the shared activities.
        "edges": {"arrows": {"to": {"enabled": False}, "from": {"enabled": False},
                             "middle": {"enabled": False}},
                  "smooth": False, "color": {"color": "#9a9a9a", "highlight": "#333333",
                                             "hover": "#333333", "inherit": False},
                  "selectionWidth": 1},
        # The quadratic "improved layout" takes seconds for a national network; seeded, so
        # the same data is drawn the same way.
        "layout": {"improvedLayout": not big, "randomSeed": 1},
        # Placed in advance (the layout of the static picture), the page draws at once;
        # the physics lays out again what a filter leaves visible.
        "physics": {"enabled": not placed, "solver": "forceAtlas2Based",
                    "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 90,
                                         "avoidOverlap": 0.4},
                    "stabilization": {"iterations": 400 if not big else 150,
                                      "updateInterval": 50, "fit": True},
                    "minVelocity": 1.0},
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": big,
                        "keyboard": {"enabled": False}, "multiselect": False},
    }


@dataclass(frozen=True)
class _PageTables:
    """What the page's data holds in every language: the activities (numbered, with their
    plan, county and area numbered), each organisation's activities and roles, each tie's
    activities."""

    activity_iris: list[str]
    #: Per activity: its line ("t") and the numbers of its plan, county and area.
    activities: list[dict[str, Any]]
    plans: list[str]
    counties: list[str]
    areas: list[str]
    node_activities: dict[str, list[int]]
    node_roles: dict[str, dict[str, int]]
    edges: list[tuple[str, str, list[int]]]


#: The tables of each metrics object, made once for the page in both languages.
_TABLES: weakref.WeakKeyDictionary[NetworkMetrics, _PageTables] = weakref.WeakKeyDictionary()


def _page_tables(data: NetworkData, metrics: NetworkMetrics) -> _PageTables:
    found = _TABLES.get(metrics)
    if found is not None:
        return found
    graph = metrics.graph
    plans: dict[str, int] = {}
    counties: dict[str, int] = {}
    areas: dict[str, int] = {}
    activity_number: dict[str, int] = {}
    iris: list[str] = []
    activities: list[dict[str, Any]] = []
    node_activities: dict[str, list[int]] = {n: [] for n in graph.nodes}
    node_roles: dict[str, dict[str, int]] = {n: {} for n in graph.nodes}

    def number(table: dict[str, int], value: str | None) -> int:
        return -1 if not value else table.setdefault(value, len(table))

    # Membership in a plain set: 77 000 participations at national scale, each asked once.
    present = set(graph)
    # The numbers of an activity's plan, county and area, once per (plan, area) pair: a
    # national network has 25 000 activities in a few thousand pairs.
    numbers: dict[tuple[str | None, str | None], tuple[int, int, int]] = {}
    for activity in metrics.activities:
        stated = [a for a in activity.stated_participants() if a in present]
        if not stated:
            continue
        plan, area = activity.plan, activity.area
        numbered_place = numbers.get((plan, area))
        if numbered_place is None:
            county = data.plan_county(plan) or data.area_county(area)
            numbered_place = numbers[plan, area] = (
                number(plans, plan), number(counties, county), number(areas, area))
        numbered = activity_number[activity.iri] = len(activities)
        iris.append(activity.iri)
        activities.append({"t": _activity_line(data, activity.iri), "p": numbered_place[0],
                           "c": numbered_place[1], "a": numbered_place[2]})
        roles = activity.participants
        for agent in stated:
            node_activities[agent].append(numbered)
            role = roles[agent]
            counted = node_roles[agent]
            counted[role] = counted.get(role, 0) + 1
    edges = [(first, second, [activity_number[a] for a in attrs["activities"]
                              if a in activity_number])
             for first, second, attrs in graph.edges(data=True)]
    tables = _PageTables(iris, activities, list(plans), list(counties), list(areas),
                         node_activities, node_roles, edges)
    _TABLES[metrics] = tables
    return tables


def _payload(data: NetworkData, metrics: NetworkMetrics, size_by: str, lang: Language,
             sectors: Mapping[str, str], page: Callable[[str], str | None] | None,
             positions: Mapping[str, tuple[float, float]] | None = None) -> dict[str, Any]:
    """What the page's script draws, each activity, plan, county and area written once and
    referred to by its number (a national network repeats them on thousands of ties)."""
    graph = metrics.graph
    words = _WORDS[lang]
    key = size_by.replace("-", "_")
    if key in ("activities", "coordinates"):
        values = {n: float(a.get(key) or 0) for n, a in graph.nodes(data=True)}
    else:
        values = {n: float(v or 0) for n, v in metrics.node_values(key).items()}
    # The most central first: their names are shown at the overview scale.
    ranked = sorted(graph.nodes, key=lambda n: (-values[n], -graph.degree(n),
                                                data.agent(n).label(lang)))
    rank = {node: number for number, node in enumerate(ranked)}

    tables = _page_tables(data, metrics)
    activities = [{**row, "h": page(iri) if page else None}
                  for iri, row in zip(tables.activity_iris, tables.activities, strict=True)]
    node_activities, node_roles = tables.node_activities, tables.node_roles

    placed = positions is not None and all(n in positions for n in graph.nodes)
    # A layout in [-1, 1]² spread so that nodes of 8–40 units and 14-unit names have room.
    spread = 60 * math.sqrt(max(graph.number_of_nodes(), 1))
    nodes = []
    for node in ranked:
        attrs = graph.nodes[node]
        sector = attrs["sector"]
        county = attrs.get("county") or None
        label = attrs["label_en" if lang == "en" else "label"]
        nodes.append({
            "id": node, "label": label, "sector": sector,
            "county": data.county_label(county, lang) if county else "",
            "value": values[node], "acts": node_activities[node],
            "roles": node_roles[node], "href": page(node) if page else None,
            "tip": [label, sectors.get(sector, words["unknown"])
                    + (f", {data.county_label(county, lang)}" if county else ""),
                    f"{attrs['activities']} {words['activities']}, "
                    f"{words['coordinates']} {attrs['coordinates']}",
                    f"{size_by}: {_decimal(values[node], lang, '.3g')}"],
        })
        if placed and positions is not None:
            # The picture's y axis points up, the canvas's down.
            nodes[-1].update(x=round(positions[node][0] * spread, 1),
                             y=round(-positions[node][1] * spread, 1))
    edges = [{"a": rank[first], "b": rank[second], "acts": acts}
             for first, second, acts in tables.edges]
    return {
        "nodes": nodes, "edges": edges, "activities": activities,
        "plans": [{"key": p, "label": _plan_label(data, p, lang)} for p in tables.plans],
        "counties": [{"key": c, "label": data.county_label(c, lang)}
                     for c in tables.counties],
        "areas": [{"key": a, "label": data.county_area_label(a, lang)} for a in tables.areas],
        "sectors": {s: {"label": sectors.get(s) or words["unknown"],
                        "color": SECTOR_COLOURS.get(s, SECTOR_COLOURS["unknown"])}
                    for s in sorted({n["sector"] for n in nodes})},
        "labelled": LABELLED_AT_OVERVIEW, "words": words, "placed": placed,
        "options": _vis_options(len(nodes), placed),
    }


def _plan_label(data: NetworkData, iri: str, lang: Language) -> str:
    plan = data.plans.get(iri)
    if plan is None:
        return iri.rsplit("/", 1)[-1]
    county = plan.county_label(lang)
    return plan.title(lang) + (f" ({county})" if county else "")


def _activity_line(data: NetworkData, iri: str) -> str:
    activity = data.activities.get(iri)
    if activity is None:
        return iri
    return f"{activity.name} {activity.label or ''}".strip()


def network_html(data: NetworkData, metrics: NetworkMetrics, *, size_by: str = "degree",
                 lang: Language = "sv", sectors: Mapping[str, str] | None = None,
                 title: str | None = None,
                 downloads: Sequence[tuple[str, str]] = (),
                 site: SiteLinks | None = None,
                 positions: Mapping[str, tuple[float, float]] | None = None) -> str:
    """The whole offline page: vis-network and its CSS inline, no request to anywhere.

    Of the per-node metrics only ``size_by`` is computed (the page shows no other).
    ``downloads`` are (link, name) pairs of files offered beside the page (the site's
    static pictures of the same network); ``site`` makes it a page of the site: its
    navigation, and links to the pages of activities and organisations. ``positions``
    (each node's place in [-1, 1]², :func:`first_layout` by default) are where the
    network is first drawn; without them the page lays it out itself.
    """
    if size_by not in SIZE_METRICS:
        raise PlanegrafError(Message("error_size_by", size_by=repr(size_by),
                                     known=", ".join(SIZE_METRICS)))
    words = _WORDS[lang]
    sectors = sectors or {}
    if positions is None:
        positions = first_layout(metrics.graph)
    payload = _payload(data, metrics, size_by, lang, sectors, site.page if site else None,
                       positions)
    heading = title or scope_heading(data, metrics, lang)
    summary = metrics.summary
    template = _page_template()
    return template.render(
        lang=lang, title=heading, words=words,
        counts=words["counts"].format(nodes=summary.nodes, edges=summary.edges),
        whole=words["whole"].format(density=_decimal(summary.density, lang),
                                    centralization=_decimal(summary.degree_centralization,
                                                            lang)),
        plans=payload["plans"], counties=payload["counties"],
        # Two counties' areas 1–9 share numbers: each is labelled with its county.
        areas=sorted(payload["areas"], key=lambda a: _area_order(data, a["key"])),
        sectors=[{"key": k, **v} for k, v in payload["sectors"].items()],
        size_note=words["size"].format(metric=_size_note(size_by, lang)),
        edge_note=words["edge"], site=site,
        downloads=[{"href": href, "label": label} for href, label in downloads],
        payload=_json_for_script(payload),
        vis_js=(VIS_DIR / "vis-network.min.js").read_text(encoding="utf-8"),
        vis_css=(VIS_DIR / "vis-network.css").read_text(encoding="utf-8"),
    )


@cache
def _page_template() -> jinja2.Template:
    """The page's template, compiled once per process (a site writes it in each language;
    compiling took as long as rendering)."""
    return environment().from_string(TEMPLATE.read_text(encoding="utf-8"))


def _size_explanation(size_by: str, lang: Language) -> str:
    key = size_by.replace("-", "_")
    if key in ("activities", "coordinates"):
        return {"activities": {"sv": "antal aktiviteter", "en": "number of activities"},
                "coordinates": {"sv": "antal aktiviteter som samordnas",
                                "en": "number of activities coordinated"}}[key][lang]
    return explain(key, lang)


def _size_note(size_by: str, lang: Language) -> str:
    """The measure the nodes are sized by, named in the page's language and explained: the
    explanation is a sentence of its own, so the note's "." does not follow its "."."""
    key = size_by.replace("-", "_")
    explanation = _size_explanation(size_by, lang).rstrip(".")
    if key in ("activities", "coordinates"):
        return explanation
    return f"{i18n.text(f'metric_column_{key}', lang)} — {explanation}"


def _area_order(data: NetworkData, iri: str) -> tuple[int, str]:
    area = data.areas.get(iri)
    notation = area.notation if area else None
    return (int(notation) if notation and notation.isdecimal() else 10 ** 6, iri)


# --------------------------------------------------------------------------------------------
# Files for Gephi and spreadsheets
# --------------------------------------------------------------------------------------------


def _flat(graph: nx.Graph) -> nx.Graph:
    """A copy with only scalar attributes: lists joined with ``; ``, ``None`` left out."""
    flat = nx.Graph()
    for node, attrs in graph.nodes(data=True):
        flat.add_node(node, **{k: _scalar(v) for k, v in attrs.items() if v is not None})
    for first, second, attrs in graph.edges(data=True):
        flat.add_edge(first, second, **{k: _scalar(v) for k, v in attrs.items()
                                        if v is not None})
    return flat


def _scalar(value: object) -> object:
    if isinstance(value, (tuple, list)):
        return "; ".join(str(v) for v in value)
    return value


NODE_COLUMNS = ("id", "label", "label_en", "kind", "sector", "activities", "coordinates",
                "areas", "degree", "betweenness", "closeness", "relative_connectivity",
                "non_redundant_ties", "constraint", "articulation_point", "community",
                "brokerage_coordinator", "brokerage_consultant",
                "brokerage_gatekeeper_representative", "brokerage_liaison",
                "weighted_constraint", "county")
EDGE_COLUMNS = ("source", "target", "source_label", "target_label", "weight", "activities",
                "areas")


def nodes_csv(graph: nx.Graph) -> str:
    out = io.StringIO()
    writer = SpreadsheetSafeWriter(out, lineterminator="\n")
    writer.writerow(NODE_COLUMNS)
    for node, attrs in sorted(graph.nodes(data=True)):
        row = {"id": node, **{k: _scalar(v) for k, v in attrs.items()}}
        writer.writerow(["" if row.get(c) is None else row[c] for c in NODE_COLUMNS])
    return out.getvalue()


def edges_csv(graph: nx.Graph) -> str:
    out = io.StringIO()
    writer = SpreadsheetSafeWriter(out, lineterminator="\n")
    writer.writerow(EDGE_COLUMNS)
    for first, second, attrs in sorted(graph.edges(data=True)):
        writer.writerow([first, second, graph.nodes[first]["label"],
                         graph.nodes[second]["label"], attrs["weight"],
                         _scalar(attrs["activities"]), _scalar(attrs["areas"])])
    return out.getvalue()


def nodes_csv_path(path: Path) -> Path:
    """Where ``--format csv`` puts the node table beside the edge table ``path``."""
    return path.with_name(f"{path.stem}-nodes{path.suffix or '.csv'}")


def write_export(path: Path, fmt: str, data: NetworkData, metrics: NetworkMetrics, *,
                 size_by: str = "degree", lang: Language = "sv",
                 sectors: Mapping[str, str] | None = None,
                 positions: Mapping[str, tuple[float, float]] | None = None) -> list[Path]:
    """Write the network of ``metrics.scope`` to ``path`` atomically; return the files.
    ``positions`` place the nodes of the html page (see :func:`network_html`)."""
    if fmt == "html":
        atomic.write_text(path, network_html(data, metrics, size_by=size_by, lang=lang,
                                             sectors=sectors, positions=positions))
        return [path]
    graph = annotated_graph(data, metrics)
    if fmt == "csv":
        atomic.write_text(path, edges_csv(graph))
        atomic.write_text(nodes_csv_path(path), nodes_csv(graph))
        return [path, nodes_csv_path(path)]
    buffer = io.BytesIO()
    if fmt == "gexf":
        nx.write_gexf(_flat(graph), buffer)
    elif fmt == "graphml":
        nx.write_graphml(_flat(graph), buffer)
    else:
        raise PlanegrafError(Message("error_network_format", format=repr(fmt),
                                     known=", ".join(EXPORT_FORMATS)))
    atomic.write_bytes(path, buffer.getvalue())
    return [path]

