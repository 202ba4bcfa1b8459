"""The collaboration network as a self-contained, offline pyvis page, and as GEXF, GraphML
or CSV for Gephi and spreadsheets.

The page inlines vis-network from the pyvis package, escapes every name (tooltips are text
nodes, the data travels as JSON that cannot close its script element) and filters by action
area and sector with a few lines of its own JavaScript instead of pyvis's broken filter menu.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import jinja2
import networkx as nx
import pyvis
from pyvis.edge import Edge
from pyvis.network import Network

from planegraf.analysis.network import (
    Language,
    NetworkData,
    NetworkMetrics,
    explain,
)
from planegraf.errors import PlanegrafError
from planegraf.rdf import atomic
from planegraf.render.safe_csv import SpreadsheetSafeWriter
from planegraf.sparql.queries import read_query
from planegraf.sparql.readers import Reader

ExportFormat = Literal["html", "gexf", "graphml", "csv"]
EXPORT_FORMATS: tuple[str, ...] = ("html", "gexf", "graphml", "csv")
SIZE_METRICS: tuple[str, ...] = (
    "degree", "betweenness", "closeness", "relative-connectivity", "non-redundant-ties",
    "activities", "coordinates",
)
TEMPLATE = Path(__file__).resolve().parent.parent / "data" / "network.html"
VIS_DIR = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"

# Colour-blind-safe where it matters (Okabe–Ito first), one colour per sector of the ontology.
SECTOR_COLOURS = {
    "region": "#0072B2", "regional-unit": "#56B4E9", "municipality": "#009E73",
    "state-agency": "#E69F00", "university-research": "#CC79A7", "civil-society": "#D55E00",
    "private": "#F0E442", "international": "#999999", "group": "#FFFFFF", "unknown": "#DDDDDD",
}

_WORDS: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Samverkansnätverk", "area": "Handlingsområde", "sector": "Sektor",
        "all_areas": "Alla handlingsområden", "all_sectors": "Alla sektorer",
        "legend": "Sektorer", "shown": "{shown} av {total} aktörer visas",
        "size": "Nodens storlek: {metric}.", "edge": "Ett band = minst en gemensam aktivitet; "
        "tjockleken = antal gemensamma aktiviteter.", "activities": "aktiviteter",
        "coordinates": "samordnar", "areas": "handlingsområden", "shared": "gemensamma aktiviteter",
        "subtitle": "{nodes} aktörer, {edges} band. Täthet {density:.3f}, "
                    "gradcentralisering {centralization:.3f}.",
        "unknown": "okänd sektor", "picture": "Bild av hela nätverket",
    },
    "en": {
        "title": "Collaboration network", "area": "Action area", "sector": "Sector",
        "all_areas": "All action areas", "all_sectors": "All sectors",
        "legend": "Sectors", "shown": "showing {shown} of {total} actors",
        "size": "Node size: {metric}.", "edge": "A tie = at least one shared activity; "
        "its width = the number of shared activities.", "activities": "activities",
        "coordinates": "coordinates", "areas": "action areas", "shared": "shared activities",
        "subtitle": "{nodes} actors, {edges} ties. Density {density:.3f}, "
                    "degree centralization {centralization:.3f}.",
        "unknown": "unknown sector", "picture": "Picture of the whole network",
    },
}


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


def _size_value(attrs: Mapping[str, Any], size_by: str) -> float:
    value = attrs.get(size_by.replace("-", "_"))
    return float(value) if value is not None else 0.0


def _json_for_script(value: object) -> str:
    # JSON inside <script> must not be able to close the element or open a comment.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def pyvis_network(data: NetworkData, graph: nx.Graph, *, size_by: str = "degree",
                  lang: Language = "sv", sectors: Mapping[str, str] | None = None) -> Network:
    """A pyvis ``Network`` of the annotated collaboration graph, built node by node.

    Nodes carry ``sector`` and ``areas`` (for the filter) and ``tooltip`` lines (turned into
    text-node tooltips in the page); edges carry their ``areas``, ``tooltip`` lines naming the
    pair and ``shared``, one line per shared activity (the rest of the tooltip).
    """
    if size_by not in SIZE_METRICS:
        raise PlanegrafError(f"--size-by {size_by!r} is not one of {', '.join(SIZE_METRICS)}")
    words = _WORDS[lang]
    sectors = sectors or {}
    # directed=True only switches off pyvis's duplicate-edge scan (quadratic); the graph has
    # no duplicate edges and the page draws no arrows.
    net = Network(directed=True, cdn_resources="in_line")
    for node, attrs in graph.nodes(data=True):
        sector = attrs["sector"]
        county = attrs.get("county")
        lines = [attrs["label_en" if lang == "en" else "label"],
                 sectors.get(sector, words["unknown"])
                 + (f", {data.county_label(county, lang)}" if county else ""),
                 f"{attrs['activities']} {words['activities']}, "
                 f"{words['coordinates']} {attrs['coordinates']}",
                 f"{size_by}: {_size_value(attrs, size_by):.3g}",
                 f"{words['areas']}: " + ", ".join(data.county_area_label(a, lang)
                                                   for a in attrs["areas"])]
        net.add_node(
            node, label=attrs["label_en" if lang == "en" else "label"],
            color={"background": SECTOR_COLOURS.get(sector, SECTOR_COLOURS["unknown"]),
                   "border": "#333333"},
            shape="dot", value=_size_value(attrs, size_by), sector=sector,
            areas=list(attrs["areas"]), tooltip=lines,
        )
    for number, (first, second, attrs) in enumerate(graph.edges(data=True)):
        name = "label_en" if lang == "en" else "label"
        lines = [f"{graph.nodes[first][name]} – {graph.nodes[second][name]}",
                 f"{attrs['weight']} {words['shared']}:"]
        shared = [_activity_line(data, iri) for iri in attrs["activities"]]
        edge = Edge(first, second, True, id=f"e{number}", value=attrs["weight"],
                    areas=list(attrs["areas"]), tooltip=lines, shared=shared)
        net.edges.append(edge.options)
    return net


def _activity_line(data: NetworkData, iri: str) -> str:
    activity = data.activities.get(iri)
    if activity is None:
        return iri
    return f"{activity.name} {activity.label or ''}".strip()


def _vis_options(nodes: int) -> dict[str, Any]:
    return {
        "nodes": {"scaling": {"min": 8, "max": 40}, "font": {"size": 12}},
        "edges": {"arrows": {"to": {"enabled": False}}, "smooth": False,
                  "color": {"color": "#9a9a9a", "highlight": "#333333"},
                  "scaling": {"min": 1, "max": 8}},
        "layout": {"improvedLayout": nodes <= 150, "randomSeed": 1},
        "physics": {"solver": "forceAtlas2Based",
                    "stabilization": {"iterations": 300 if nodes <= 1000 else 60}},
        "interaction": {"hover": True, "tooltipDelay": 150},
    }


def network_html(data: NetworkData, metrics: NetworkMetrics, *, size_by: str = "degree",
                 lang: Language = "sv", sectors: Mapping[str, str] | None = None,
                 title: str | None = None,
                 downloads: Sequence[tuple[str, str]] = ()) -> str:
    """The whole offline page: vis-network and its CSS inline, no request to anywhere.

    Of the per-node metrics only ``size_by`` is computed (the page shows no other).
    ``downloads`` are (link, name) pairs of files offered beside the page (the site's
    static pictures of the same network).
    """
    if size_by not in SIZE_METRICS:
        raise PlanegrafError(f"--size-by {size_by!r} is not one of {', '.join(SIZE_METRICS)}")
    graph = metrics.graph.copy()
    key = size_by.replace("-", "_")
    if key not in ("activities", "coordinates"):  # those two are on the nodes already
        nx.set_node_attributes(graph, metrics.node_values(key), key)
    net = pyvis_network(data, graph, size_by=size_by, lang=lang, sectors=sectors)
    nodes, edges, _, _, _, _ = net.get_network_data()
    words = _WORDS[lang]
    sectors = sectors or {}
    used = sorted({attrs["sector"] for _, attrs in graph.nodes(data=True)})
    areas = sorted({a for _, attrs in graph.nodes(data=True) for a in attrs["areas"]},
                   key=lambda a: _area_order(data, a))
    summary = metrics.summary
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = environment.from_string(TEMPLATE.read_text(encoding="utf-8"))
    return template.render(
        lang=lang, title=title or words["title"],
        subtitle=words["subtitle"].format(nodes=summary.nodes, edges=summary.edges,
                                          density=summary.density,
                                          centralization=summary.degree_centralization),
        words=words,
        # Two counties' areas 1–9 share numbers: each is labelled with its county.
        areas=[{"iri": a, "label": data.county_area_label(a, lang)} for a in areas],
        sectors=[{"key": s, "label": sectors.get(s, s),
                  "color": SECTOR_COLOURS.get(s, SECTOR_COLOURS["unknown"])} for s in used],
        size_note=words["size"].format(metric=f"{size_by} — {_size_explanation(size_by, lang)}"),
        edge_note=words["edge"],
        downloads=[{"href": href, "label": label} for href, label in downloads],
        payload=_json_for_script({**_by_number(nodes, edges), "words": words,
                                  "options": _vis_options(len(nodes))}),
        vis_js=(VIS_DIR / "vis-network.min.js").read_text(encoding="utf-8"),
        vis_css=(VIS_DIR / "vis-network.css").read_text(encoding="utf-8"),
    )


def _by_number(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    """Nodes and edges for the page, each area, activity line and end node written once and
    referred to by its number; the page's script puts them back in place.

    At national scale the same activity lines and area IRIs recur on thousands of ties: this
    takes the page from 17 MB to about 5.
    """
    areas: dict[str, int] = {}
    lines: dict[str, int] = {}
    node_number = {node["id"]: number for number, node in enumerate(nodes)}

    def numbered(values: list[str], table: dict[str, int]) -> list[int]:
        return [table.setdefault(value, len(table)) for value in values]

    compact_nodes = [{**node, "areas": numbered(node["areas"], areas)} for node in nodes]
    compact_edges = [{**edge, "from": node_number[edge["from"]], "to": node_number[edge["to"]],
                      "areas": numbered(edge["areas"], areas),
                      "shared": numbered(edge["shared"], lines)} for edge in edges]
    return {"nodes": compact_nodes, "edges": compact_edges, "areas": list(areas),
            "activities": list(lines)}


def _size_explanation(size_by: str, lang: Language) -> str:
    key = size_by.replace("-", "_")
    if key in ("activities", "coordinates"):
        return {"activities": {"sv": "antal aktiviteter", "en": "number of activities"},
                "coordinates": {"sv": "antal aktiviteter som samordnas",
                                "en": "number of activities coordinated"}}[key][lang]
    return explain(key, lang)


def _area_order(data: NetworkData, iri: str) -> tuple[int, str]:
    area = data.areas.get(iri)
    notation = area.notation if area else None
    return (int(notation) if notation and notation.isdigit() else 10 ** 6, iri)


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
                 sectors: Mapping[str, str] | None = None) -> list[Path]:
    """Write the network of ``metrics.scope`` to ``path`` atomically; return the files."""
    if fmt == "html":
        atomic.write_text(path, network_html(data, metrics, size_by=size_by, lang=lang,
                                             sectors=sectors))
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
        raise PlanegrafError(f"unknown format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    atomic.write_bytes(path, buffer.getvalue())
    return [path]

