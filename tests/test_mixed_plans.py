"""Plan and county wherever plans or counties are mixed (issue 13, item 7), and honest names
for the network measures (item 8).

The bundled data holds two counties (Jönköping: the 2016–2017 and 2018–2020 plans, which
share the strategy's area 7; Kalmar: the 2023 document with its own nine themes).
"""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest

from planegraf.analysis.network import (
    NetworkData,
    burt_constraint,
    explain,
    load_network_data,
    network_metrics,
)
from planegraf.cli.network import metrics_csv, metrics_markdown
from planegraf.pipeline import open_store
from planegraf.publish.site import write_site
from planegraf.render.results import json_value
from planegraf.render.viz import network_html
from planegraf.sparql.engines import EmbeddedEngine
from planegraf.sparql.queries import bind_parameters, catalogue_query

ID = "https://w3id.org/planegraf/id/"
JONKOPING = f"{ID}place/jonkopings-lan"
KALMAR = f"{ID}place/kalmar-lan"
AREA_7 = f"{ID}area/rjl-jamlik-halsa-2016-2025/7"


@pytest.fixture(scope="module")
def data() -> NetworkData:
    return load_network_data(open_store())


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("site") / "site"
    write_site(open_store(), out)
    return (out / "index.html").read_text(encoding="utf-8")


def test_the_strategy_tree_does_not_list_two_plans_activities_as_one(index: str) -> None:
    start = index.index('href="id/area/rjl-jamlik-halsa-2016-2025/7.html"')
    area = index[start:index.index("</details>", start)]
    groups = re.split(r'<li class="plan">', area)[1:]
    titles = [re.search(r'class="plan">([^<]*)</a>', g).group(1) for g in groups]
    assert titles == ["Handlingsplan 2016–2017 (Jönköpings län)",
                      "Handlingsplan 2018–2020 (Jönköpings län)"]
    for group in groups:
        numbers = re.findall(r'class="activity">(\d+\.\d+) ', group)
        assert numbers and len(numbers) == len(set(numbers)), numbers


def test_the_strategy_tree_names_each_strategys_county(index: str) -> None:
    headings = re.findall(r'<h3 class="strategy">(.*?)</h3>', index)
    assert any("Regionplan 2023–2025 (Kalmar län)" in h for h in headings)
    # A title that names its county already is not told it twice.
    assert any("Jönköpings län 2016–2025" in h and "(Jönköpings län)" not in h
               for h in headings)


def test_metrics_per_area_are_per_plan_and_county(data: NetworkData) -> None:
    metrics = network_metrics(data)
    assert (f"{ID}plan/rjl-hp-2018-2020", AREA_7) in metrics.by_area
    assert (f"{ID}plan/rjl-hp-2016-2017", AREA_7) in metrics.by_area
    markdown = metrics_markdown(metrics, data, "sv")
    assert "| 7. Försörjning och sysselsättning (Handlingsplan 2018–2020, Jönköpings län) |" \
        in markdown
    assert "| 7. Civilsamhället (Tidsatta, prioriterade aktiviteter för länets " \
        "folkhälsoarbete 2023, Kalmar län) |" in markdown


def test_unscoped_metrics_label_every_organisation_with_its_county(data: NetworkData) -> None:
    metrics = network_metrics(data)
    # One network, because organisations work across counties (Region Jönköpings län funds
    # Kalmar's "Hälsan spelar roll", line 100) — but each county keeps its own figures.
    assert set(metrics.by_county) == {JONKOPING, KALMAR}
    counties = {o.iri: o.county for o in metrics.organisations}
    assert counties[f"{ID}org/lansstyrelsen-i-kalmar-lan"] == KALMAR
    assert counties[f"{ID}org/sektion-folkhalsa"] == JONKOPING
    assert "## Per län" in metrics_markdown(metrics, data, "sv")
    header = metrics_csv(metrics, data, "en").splitlines()[0].split(",")
    assert "county" in header


def test_the_networks_area_filter_labels_areas_with_their_county(data: NetworkData) -> None:
    page = network_html(data, network_metrics(data), lang="sv")
    assert "7. Civilsamhället (Kalmar län)" in page
    assert "7. Försörjning och sysselsättning (Jönköpings län)" in page


def test_plans_overview_names_each_plans_county() -> None:
    engine = EmbeddedEngine(open_store())
    query = catalogue_query("plans-overview")
    answer = engine.run(query, bind_parameters(query, {}, "sv"))
    assert answer.solutions is not None
    rows = {str(json_value(r["plan"])): str(json_value(r["countyLabel"]))
            for r in answer.solutions.rows}
    assert rows == {f"{ID}plan/rjl-hp-2016-2017": "Jönköpings län",
                    f"{ID}plan/rjl-hp-2018-2020": "Jönköpings län",
                    f"{ID}plan/kalmar-pa-2023": "Kalmar län"}


def test_inferred_roles_make_no_ties(data: NetworkData) -> None:
    """Region Kalmar län is named in no row of its document: it ties itself to no one."""
    metrics = network_metrics(data)
    assert f"{ID}org/region-kalmar-lan" not in metrics.graph
    assert metrics.inferred_roles == 35  # 24 Kalmar rows and 11 of 2016–2017
    assert "35 roller som planegraf har härlett" in metrics_markdown(metrics, data, "sv")


# --- honest names (issue 13, item 8) ------------------------------------------------------


@pytest.mark.parametrize("lang,words", [("sv", ("antal band", "tillit och värde")),
                                        ("en", ("number of ties", "trust and value"))])
def test_relative_connectivity_says_it_is_degree_based(data: NetworkData, lang: str,
                                                       words: tuple[str, ...]) -> None:
    text = explain("relative_connectivity", lang)
    assert all(w in text for w in words)
    metrics = network_metrics(data)
    assert text in metrics_markdown(metrics, data, lang)
    page = network_html(data, metrics, lang=lang, size_by="relative-connectivity")
    assert words[1] in page


def test_readme_says_relative_connectivity_is_degree_based_and_constraint_unweighted() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "degree-based" in readme and "trust and value" in readme
    assert "unweighted" in readme


@pytest.mark.parametrize("lang,word", [("sv", "oviktad"), ("en", "unweighted")])
def test_constraint_says_it_is_unweighted(lang: str, word: str) -> None:
    assert word in explain("constraint", lang)


def test_the_weighted_constraint_agrees_with_networkx() -> None:
    graph = nx.Graph()
    graph.add_weighted_edges_from([("a", "b", 3), ("a", "c", 1), ("b", "c", 2), ("c", "d", 5)])
    ours = burt_constraint(graph, weight="weight")
    theirs = nx.constraint(graph, weight="weight")
    assert ours == pytest.approx(theirs)
    assert ours != pytest.approx(burt_constraint(graph))


@pytest.mark.parametrize("title", ["Aaa strategi", "Zzz strategi"])
def test_a_plan_implementing_two_strategies_lists_them_in_the_same_order_everywhere(
        title: str) -> None:
    """Each strategy a plan implements is a row of the plans overview: they come in the
    order of their names, not as the engine happens to find them (which changed with the
    rewrite that counts per plan first)."""
    store = open_store()
    plan = f"{ID}plan/rjl-hp-2018-2020"
    extra = ox.NamedNode(f"{ID}strategy/extra")
    store.oxigraph.add(ox.Quad(ox.NamedNode(plan),
                               ox.NamedNode("https://w3id.org/planegraf/def#implements"), extra))
    store.oxigraph.add(ox.Quad(extra, ox.NamedNode("http://purl.org/dc/terms/title"),
                               ox.Literal(title, language="sv")))
    query = catalogue_query("plans-overview")
    answer = EmbeddedEngine(store).run(query, bind_parameters(query, {}, "sv"))
    assert answer.solutions is not None
    listed = [str(json_value(r["strategyLabel"])) for r in answer.solutions.rows
              if str(json_value(r["plan"])) == plan]
    assert len(listed) == 2 and title in listed
    assert listed == sorted(listed)
