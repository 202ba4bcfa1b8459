"""Pictures and files for reports (issue 14.4): ``network -o x.png|.svg|.pdf`` draws a
picture (it once wrote HTML), the GEXF is valid against the official GEXF 1.3 schemas and
carries ``viz:`` colour, size and position (Gephi opened it grey) and a timeline per plan
period, and the Kumu sheets have the columns Kumu imports.
"""

from __future__ import annotations

import csv
import re
import struct
import subprocess
import sys
from pathlib import Path

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
from planegraf.rdf.store import EmbeddedStore
from planegraf.render.pictures import (
    GEXF_NS,
    VIZ_NS,
    gexf_bytes,
    kumu_sheets,
    network_layout,
    picture_bytes,
    plan_periods,
    write_csv_text,
)
from planegraf.render.viz import SECTOR_COLOURS, sector_labels

from .conftest import FIXTURES

SCHEMAS = FIXTURES / "gexf-1.3"
PLAN = "https://w3id.org/planegraf/id/plan/rjl-hp-2018-2020"


def _planegraf(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planegraf.cli", *args],
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def bundled() -> tuple[EmbeddedStore, NetworkData]:
    store = load_dataset([], bundled=True)
    return store, load_network_data(store)


@pytest.fixture(scope="module")
def plan_metrics(bundled: tuple[EmbeddedStore, NetworkData]) -> NetworkMetrics:
    _, data = bundled
    return network_metrics(data, resolve_scope(data, "rjl-hp-2018-2020"), "en")


def test_network_to_png_writes_a_png_picture_not_html(tmp_path: Path) -> None:
    target = tmp_path / "network.png"
    done = _planegraf("network", "--plan", "rjl-hp-2018-2020", "--lang", "en", "-q",
                      "-o", str(target))
    assert done.returncode == 0, done.stderr
    raw = target.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", raw[16:24])
    assert (width, height) == (1200, 900)


def test_svg_holds_the_legend_labels_and_the_scope_as_text(
        bundled: tuple[EmbeddedStore, NetworkData], plan_metrics: NetworkMetrics) -> None:
    store, data = bundled
    sectors = sector_labels(store, "en")
    svg = picture_bytes("svg", data, plan_metrics, lang="en", sectors=sectors).decode()
    root = etree.fromstring(svg.encode())
    texts = " ".join(t.strip() for t in root.itertext() if t.strip())
    used = {plan_metrics.graph.nodes[n]["sector"] for n in plan_metrics.graph}
    assert {"municipality", "civil-society", "state-agency"} <= used
    for sector in used:
        assert sectors[sector] in texts, sector
    assert "Action plan 2018–2020, Jönköping County" in texts
    assert "Sector" in texts
    # The most central organisation is named on the picture.
    assert "Public Health Section" in texts
    # Its sector colours are those of the interactive page.
    assert SECTOR_COLOURS["municipality"].lower() in svg.lower()


def test_svg_in_swedish_is_swedish(bundled: tuple[EmbeddedStore, NetworkData]) -> None:
    store, data = bundled
    metrics = network_metrics(data, resolve_scope(data, "rjl-hp-2018-2020"), "sv")
    svg = picture_bytes("svg", data, metrics, lang="sv", sectors=sector_labels(store, "sv"))
    texts = " ".join(etree.fromstring(svg).itertext())
    assert "Sektor" in texts and "kommun" in texts and "aktörer" in texts
    assert "Sector" not in texts and "actors" not in texts


def test_pdf_is_one_page_pdf(tmp_path: Path) -> None:
    target = tmp_path / "network.pdf"
    done = _planegraf("network", "--plan", "rjl-hp-2018-2020", "-q", "-o", str(target))
    assert done.returncode == 0, done.stderr
    raw = target.read_bytes()
    assert raw.startswith(b"%PDF-") and raw.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page\b", raw)) == 1
    assert re.search(rb"/Count\s+1\b", raw)


def test_the_same_network_is_laid_out_the_same_way(plan_metrics: NetworkMetrics) -> None:
    first = network_layout(plan_metrics.graph)
    assert first == network_layout(plan_metrics.graph)
    assert set(first) == set(plan_metrics.graph.nodes)
    assert all(-2.5 <= x <= 1.5 and -3.5 <= y <= 1.5 for x, y in first.values())


def _rng() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMAS / "gexf.rng")))


def _xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "gexf.xsd")))


def _without_viz(document: etree._Element) -> etree._Element:
    copy = etree.fromstring(etree.tostring(document))
    for element in copy.iter(f"{{{VIZ_NS}}}*"):
        element.getparent().remove(element)
    return copy


def test_gexf_is_valid_against_the_official_gexf_13_schemas(
        bundled: tuple[EmbeddedStore, NetworkData], plan_metrics: NetworkMetrics) -> None:
    store, data = bundled
    raw = gexf_bytes(data, plan_metrics, lang="en", sectors=sector_labels(store, "en"),
                     periods=plan_periods(store))
    document = etree.fromstring(raw)
    rng = _rng()
    assert rng.validate(document), rng.error_log
    xsd = _xsd()
    assert xsd.validate(_without_viz(document)), xsd.error_log
    # The old export's name="" on <graph> is what made it invalid; the schemas catch it.
    broken = etree.fromstring(raw)
    broken.find(f"{{{GEXF_NS}}}graph").set("name", "")
    assert not rng.validate(broken)


def test_gexf_nodes_carry_colour_size_and_position(
        bundled: tuple[EmbeddedStore, NetworkData], plan_metrics: NetworkMetrics) -> None:
    store, data = bundled
    document = etree.fromstring(gexf_bytes(data, plan_metrics, lang="en",
                                           sectors=sector_labels(store, "en")))
    nodes = document.findall(f".//{{{GEXF_NS}}}node")
    assert len(nodes) == plan_metrics.summary.nodes
    sizes = set()
    positions = set()
    for node in nodes:
        colour = node.find(f"{{{VIZ_NS}}}color")
        size = node.find(f"{{{VIZ_NS}}}size")
        position = node.find(f"{{{VIZ_NS}}}position")
        assert colour is not None and size is not None and position is not None
        sector = plan_metrics.graph.nodes[node.get("id")]["sector"]
        expected = SECTOR_COLOURS[sector].lstrip("#")
        assert "".join(f"{int(colour.get(c)):02x}" for c in "rgb") == expected.lower()
        sizes.add(size.get("value"))
        positions.add((position.get("x"), position.get("y")))
    assert len(sizes) > 3, "sizes follow the metric"
    assert len(positions) == len(nodes), "every organisation has a place of its own"


def test_gexf_of_several_plan_periods_has_a_timeline(
        bundled: tuple[EmbeddedStore, NetworkData]) -> None:
    store, data = bundled
    metrics = network_metrics(data, resolve_scope(data), "en")
    periods = plan_periods(store)
    assert periods[PLAN] == (2018, 2020)
    document = etree.fromstring(gexf_bytes(data, metrics, lang="en", periods=periods))
    graph = document.find(f"{{{GEXF_NS}}}graph")
    assert graph.get("mode") == "dynamic" and graph.get("timeformat") == "integer"
    assert _rng().validate(document), _rng().error_log
    spells = {(s.get("start"), s.get("end"))
              for s in document.iter(f"{{{GEXF_NS}}}spell")}
    assert ("2018", "2020") in spells and ("2023", "2023") in spells
    # Who is in 2016–2017 and again in 2018–2020 is there from 2016 to 2020 in one spell;
    # who is only in the 2018–2020 plan appears in 2018.
    assert ("2016", "2020") in spells

    def plans_of(node: str) -> set[str | None]:
        return {a.plan for a in data.activities.values() if node in a.participants}

    only_2018 = [n for n in metrics.graph if plans_of(n) == {PLAN}]
    assert only_2018
    node = document.find(f".//{{{GEXF_NS}}}node[@id='{only_2018[0]}']")
    assert [(s.get("start"), s.get("end")) for s in node.iter(f"{{{GEXF_NS}}}spell")] == [
        ("2018", "2020")]


def test_gexf_of_one_plan_is_static(bundled: tuple[EmbeddedStore, NetworkData],
                                    plan_metrics: NetworkMetrics) -> None:
    store, data = bundled
    document = etree.fromstring(gexf_bytes(data, plan_metrics, periods=plan_periods(store)))
    assert document.find(f"{{{GEXF_NS}}}graph").get("mode") == "static"
    assert next(document.iter(f"{{{GEXF_NS}}}spell"), None) is None


def test_kumu_sheets_have_the_columns_kumu_imports(tmp_path: Path) -> None:
    target = tmp_path / "network.kumu.csv"
    done = _planegraf("network", "--plan", "rjl-hp-2018-2020", "--lang", "en", "-q",
                      "-o", str(target))
    assert done.returncode == 0, done.stderr
    with target.open(encoding="utf-8", newline="") as handle:
        connections = list(csv.reader(handle))
    with (tmp_path / "network.kumu-elements.csv").open(encoding="utf-8", newline="") as handle:
        elements = list(csv.reader(handle))
    assert connections[0][:4] == ["From", "To", "Label", "Type"]
    assert elements[0][:3] == ["Label", "Type", "Description"]
    labels = [row[0] for row in elements[1:]]
    assert len(labels) == len(set(labels)), "Kumu matches elements by label"
    assert {row[0] for row in connections[1:]} | {row[1] for row in connections[1:]} <= set(
        labels)
    assert "Public Health Section" in labels


def test_kumu_cells_cannot_become_formulas() -> None:
    text = write_csv_text([["=HYPERLINK(\"x\")", "+A1", "-3", "@a", "ok"]])
    assert next(csv.reader([text])) == ["'=HYPERLINK(\"x\")", "'+A1", "-3", "'@a", "ok"]


def test_kumu_labels_of_namesakes_are_told_apart(
        bundled: tuple[EmbeddedStore, NetworkData], plan_metrics: NetworkMetrics) -> None:
    _, data = bundled
    elements, _ = kumu_sheets(data, plan_metrics, lang="en")
    rows = list(csv.reader(elements.splitlines()))
    assert len(rows) - 1 == plan_metrics.summary.nodes


def test_names_on_the_picture_do_not_cover_each_other(
        bundled: tuple[EmbeddedStore, NetworkData], plan_metrics: NetworkMetrics) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from planegraf.render.pictures import LABELLED, _place_labels, size_values

    _, data = bundled
    figure = Figure(figsize=(12, 9), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.02, 0.02, 0.74, 0.9))
    pos = network_layout(plan_metrics.graph)
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    axes.set_xlim(min(xs) - 0.15, max(xs) + 0.15)
    axes.set_ylim(min(ys) - 0.12, max(ys) + 0.12)
    boxes = _place_labels(figure, axes, plan_metrics.graph, pos,
                          size_values(data, plan_metrics, "degree"), data, "en")
    assert 10 <= len(boxes) <= LABELLED
    for i, first in enumerate(boxes):
        for second in boxes[i + 1:]:
            assert not first.overlaps(second)


def test_a_network_without_ties_says_so_on_the_picture(
        bundled: tuple[EmbeddedStore, NetworkData]) -> None:
    store, data = bundled
    metrics = network_metrics(data, resolve_scope(data, "rjl-hp-2016-2017"), "en")
    assert metrics.summary.nodes == 0
    svg = picture_bytes("svg", data, metrics, lang="en", sectors=sector_labels(store, "en"))
    assert "No ties: the source names no participants" in " ".join(
        etree.fromstring(svg).itertext())


def test_drawing_a_picture_leaves_sparql_parsing_working(
        bundled: tuple[EmbeddedStore, NetworkData], plan_metrics: NetworkMetrics) -> None:
    # Matplotlib switched on pyparsing's packrat cache for the whole process, and rdflib's
    # SPARQL parser then failed with RecursionError on search-activities.rq (seen when the
    # site drew its pictures and a served query was parsed afterwards).
    from pyparsing import ParserElement

    from planegraf.sparql.queries import check_query, read_query

    _, data = bundled
    picture_bytes("png", data, plan_metrics, lang="en")
    assert not ParserElement._packratEnabled
    query = read_query("search-activities.rq")
    check_query(query.text, query.path, allow_service=True)
