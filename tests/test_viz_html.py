"""The network page in a real headless Chromium, at 1400 and 390 px: it renders offline,
draws undirected ties, names the central organisations readably, finds an organisation and
shows its ego network, filters with a new layout and new counts, belongs to the site, is
usable on a phone and passes axe-core, and never runs a name from the data as script."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from planegraf.analysis.network import (
    NetworkData,
    load_network_data,
    network_metrics,
    resolve_scope,
)
from planegraf.pipeline import open_store
from planegraf.publish.site import write_site
from planegraf.render.viz import SECTOR_COLOURS, network_html, sector_labels, write_export

from .browser import chromium_page
from .conftest import FIXTURES

PLAN = "rjl-hp-2018-2020"
HOSTILE = FIXTURES / "network" / "hostile-names.trig"
WIDTHS = (1400, 390)
AREA_SIX = "https://w3id.org/planegraf/id/area/rjl-jamlik-halsa-2016-2025/6"
SEKTION = "https://w3id.org/planegraf/id/org/sektion-folkhalsa"


def _page(tmp_path: Path, files: list[Path], bundled: bool, **scope: str) -> tuple[Path, int]:
    store = open_store(files, bundled=bundled)
    data = load_network_data(store)
    metrics = network_metrics(data, resolve_scope(data, **scope))
    path = tmp_path / "network.html"
    write_export(path, "html", data, metrics, sectors=sector_labels(store, "sv"))
    return path, metrics.summary.nodes


@pytest.fixture(scope="module")
def data() -> NetworkData:
    return load_network_data(open_store())


@pytest.fixture(scope="module")
def plan_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    return _page(tmp_path_factory.mktemp("net"), [], True, plan=PLAN)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    write_site(open_store(), out)
    return out


def _wait(page: Any, expression: str) -> None:
    """Poll until ``expression`` is true. The page's CSP forbids eval, which Playwright's
    wait_for_function needs; evaluate goes through the debugger and is allowed. No time
    limit of its own: pytest's and Playwright's defaults end a page that never settles."""
    for _ in range(1200):
        if page.evaluate(f"!!({expression})"):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {expression}")


def _stable(page: Any, layouts: int = 1) -> None:
    _wait(page, f"window.planegraf && window.planegraf.layouts >= {layouts} "
                "&& window.planegraf.stable")


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def browser(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Any, int]]:
    with chromium_page() as (page, watcher):
        page.set_viewport_size({"width": request.param, "height": 860})  # type: ignore[attr-defined]
        yield page, watcher, request.param


def _clean(watcher: Any) -> None:
    assert watcher.console_errors == []
    assert watcher.page_errors == []
    assert watcher.dialogs == []
    assert watcher.outside_requests == []


def test_page_has_no_remote_script_or_stylesheet(plan_page: tuple[Path, int]) -> None:
    html = plan_page[0].read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=[\"']?https?:", html)
    assert "vis.Network" in html and "default-src 'none'" in html


def test_ties_are_drawn_without_arrowheads_and_as_wide_as_their_shared_activities(
        plan_page: tuple[Path, int], data: NetworkData) -> None:
    path, node_count = plan_page
    graph = network_metrics(data, resolve_scope(data, plan=PLAN)).graph
    with chromium_page() as (page, watcher):
        page.goto(path.as_uri())  # type: ignore[attr-defined]
        _stable(page)
        assert page.evaluate(  # type: ignore[attr-defined]
            "Object.keys(window.planegraf.network.getPositions()).length") == node_count
        assert page.evaluate("window.planegraf.edges.get().filter(e => 'arrows' in e).length"  # type: ignore[attr-defined]
                             ) == 0
        drawn = page.evaluate(  # type: ignore[attr-defined]
            "Object.values(window.planegraf.network.body.edges).map(e => "
            "[e.options.arrows.to.enabled, e.options.arrows.from.enabled, "
            "e.options.arrows.middle.enabled, e.fromId, e.toId, e.options.width])")
        assert len(drawn) == graph.number_of_edges()
        assert all(flags == [False, False, False] for *flags, _, _, _ in drawn)
        widths = {frozenset((a, b)): w for _, _, _, a, b, w in drawn}
        heaviest = max(graph.edges(data="weight"), key=lambda e: e[2])
        single = next(e for e in graph.edges(data="weight") if e[2] == 1)
        assert widths[frozenset(heaviest[:2])] > widths[frozenset(single[:2])] == 1
        _clean(watcher)


def test_the_most_central_names_are_readable_at_overview_and_all_once_zoomed_in(
        plan_page: tuple[Path, int], browser: tuple[Any, Any, int]) -> None:
    page, watcher, width = browser
    path, node_count = plan_page
    page.goto(path.as_uri())
    _stable(page)
    # On screen: the canvas font size times the view's scale, in CSS pixels.
    shown = page.evaluate(
        "(() => { const p = window.planegraf, s = p.network.getScale();"
        " return p.nodes.get().filter(n => n.font.size > 0).map(n => [n.id, n.font.size * s]);"
        " })()")
    most_central = page.evaluate("window.planegraf.nodes.getIds()[0]")
    assert most_central == SEKTION  # the payload is ordered most ties first
    assert most_central in {node for node, _ in shown}
    assert all(size >= 13.9 for _, size in shown)
    assert 3 <= len(shown) < node_count  # names for the centre, no label soup
    box = page.locator("#network").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(60):  # the reader zooms in with the wheel
        if page.evaluate("window.planegraf.network.getScale()") >= 1.5:
            break
        page.mouse.wheel(0, -300)
        page.wait_for_timeout(50)
    _wait(page, "window.planegraf.nodes.get().every(n => n.font.size > 0)")
    _clean(watcher)


def test_counts_in_the_title_follow_the_filter_and_the_network_is_laid_out_again(
        plan_page: tuple[Path, int], data: NetworkData, browser: tuple[Any, Any, int]) -> None:
    page, watcher, width = browser
    path, node_count = plan_page
    whole = network_metrics(data, resolve_scope(data, plan=PLAN)).summary
    area = network_metrics(data, resolve_scope(data, plan=PLAN, area="6")).summary
    page.goto(path.as_uri())
    _stable(page)
    assert page.text_content("#counts") == f"{whole.nodes} aktörer, {whole.edges} band"
    before = page.evaluate("window.planegraf.network.getPositions()")
    if width == 390:  # on a phone the filters are in a panel over the graph
        page.click("#toggle-panel")
    page.select_option("#filter-area", AREA_SIX)
    _stable(page, 2)
    # The same figures as the network of area 6 alone, computed in Python.
    assert page.text_content("#counts") == f"{area.nodes} aktörer, {area.edges} band"
    assert 0 < area.nodes < whole.nodes
    assert page.evaluate("window.planegraf.visibleNodeCount()") == area.nodes
    assert page.title().endswith(f"{area.nodes} aktörer, {area.edges} band")
    after = page.evaluate("window.planegraf.network.getPositions()")
    visible = page.evaluate("window.planegraf.nodes.get().filter(n => !n.hidden).map(n => n.id)")
    moved = [n for n in visible if abs(before[n]["x"] - after[n]["x"]) > 1
             or abs(before[n]["y"] - after[n]["y"]) > 1]
    assert moved, "the visible network was not laid out again"
    page.select_option("#filter-area", "")
    _stable(page, 3)
    assert page.text_content("#counts") == f"{whole.nodes} aktörer, {whole.edges} band"
    assert page.evaluate("window.planegraf.visibleNodeCount()") == node_count
    _clean(watcher)


def test_sector_ego_mode_keeps_the_partners_the_sector_filter_hides(
        plan_page: tuple[Path, int], data: NetworkData) -> None:
    path, _ = plan_page
    graph = network_metrics(data, resolve_scope(data, plan=PLAN)).graph
    municipalities = {n for n, s in graph.nodes(data="sector") if s == "municipality"}
    ego_nodes = municipalities | {m for n in municipalities for m in graph[n]}
    ego_edges = {frozenset(e) for e in graph.edges if set(e) & municipalities}
    only_edges = graph.subgraph(municipalities).number_of_edges()
    assert ego_nodes - municipalities, "the plan's municipalities work with others"
    with chromium_page() as (page, watcher):
        page.goto(path.as_uri())  # type: ignore[attr-defined]
        _stable(page)
        page.select_option("#filter-sector", "municipality")  # type: ignore[attr-defined]
        _stable(page, 2)
        shown = set(page.evaluate(  # type: ignore[attr-defined]
            "window.planegraf.nodes.get().filter(n => !n.hidden).map(n => n.id)"))
        assert shown == municipalities
        assert page.text_content("#counts") == (  # type: ignore[attr-defined]
            f"{len(municipalities)} aktörer, {only_edges} band")
        page.check("input[name=sector-mode][value=ego]")  # type: ignore[attr-defined]
        _stable(page, 3)
        shown = set(page.evaluate(  # type: ignore[attr-defined]
            "window.planegraf.nodes.get().filter(n => !n.hidden).map(n => n.id)"))
        assert shown == ego_nodes
        assert page.text_content("#counts") == (  # type: ignore[attr-defined]
            f"{len(ego_nodes)} aktörer, {len(ego_edges)} band")
        _clean(watcher)


def test_search_finds_an_organisation_by_keyboard_and_highlights_its_neighbours(
        plan_page: tuple[Path, int], data: NetworkData, browser: tuple[Any, Any, int]) -> None:
    page, watcher, _ = browser
    path, _ = plan_page
    graph = network_metrics(data, resolve_scope(data, plan=PLAN)).graph
    page.goto(path.as_uri())
    _stable(page)
    options = page.evaluate(
        "Array.from(document.querySelectorAll('#organisation-names option'), o => o.value)")
    assert "Sektion Folkhälsa" in options and len(options) == graph.number_of_nodes()
    page.focus("#search")
    page.keyboard.type("Ingen sådan organisation")
    page.keyboard.press("Enter")
    assert "Ingen organisation heter" in page.text_content("#search-message")
    page.fill("#search", "")
    page.keyboard.type("Sektion Folkhälsa")
    page.keyboard.press("Enter")
    _wait(page, "window.planegraf.focus !== null")
    ego = set(page.evaluate("window.planegraf.egoIds()"))
    assert ego == {SEKTION, *graph[SEKTION]}
    colours = page.evaluate(
        "Object.fromEntries(window.planegraf.nodes.get().map(n => [n.id, n.color.background]))")
    dimmed = {n for n, c in colours.items() if c.startswith("rgba")}
    assert dimmed == set(graph.nodes) - ego
    assert page.text_content("#details h3") == "Sektion Folkhälsa"
    assert f"({graph.degree(SEKTION)})" in page.text_content("#details")
    page.keyboard.press("Escape")
    _wait(page, "window.planegraf.focus === null")
    assert page.evaluate(
        "window.planegraf.nodes.get().filter(n => n.color.background.startsWith('rgba')).length"
    ) == 0
    _clean(watcher)


def test_clicking_an_organisation_shows_its_ego_network_and_shared_activities_linked_to_the_site(
        site: Path, data: NetworkData, browser: tuple[Any, Any, int]) -> None:
    page, watcher, width = browser
    graph = network_metrics(data).graph
    page.goto((site / "network.html").as_uri())
    _stable(page)
    target = "https://w3id.org/planegraf/id/org/qulturum"
    page.evaluate(f"window.planegraf.network.focus({target!r}, {{scale: 1.5}})")
    page.wait_for_timeout(100)
    spot = page.evaluate(
        f"window.planegraf.network.canvasToDOM(window.planegraf.network.getPositions("
        f"[{target!r}])[{target!r}])")
    box = page.locator("#network").bounding_box()
    page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
    _wait(page, f"window.planegraf.focus === {target!r}")
    assert set(page.evaluate("window.planegraf.egoIds()")) == {target, *graph[target]}
    if width == 390:  # the panel opens over the graph on a phone
        assert page.is_visible("#details")
    details = page.locator("#details")
    assert details.locator("h3").first.text_content() == "Qulturum"
    partners = details.locator("button.partner")
    assert partners.count() == graph.degree(target)
    # Each partner with the activities it shares with Qulturum, linked to their pages.
    first = partners.first.text_content()
    partner = next(n for n in graph[target] if graph.nodes[n]["label"] == first)
    shared = graph.edges[target, partner]["activities"]
    links = details.locator("button.partner").first.locator("xpath=..").locator("ul a")
    assert links.count() == len(shared)
    for number in range(links.count()):
        href = links.nth(number).get_attribute("href")
        assert (site / href).is_file(), href
    _clean(watcher)


def test_site_network_page_has_the_sites_navigation_and_legend(site: Path) -> None:
    html = (site / "network.html").read_text(encoding="utf-8")
    index = (site / "index.html").read_text(encoding="utf-8")
    nav = re.search(r"<header[^>]*>.*?<nav[^>]*>(.*?)</nav>", index, re.S)
    assert nav is not None
    site_links = re.findall(r'href="([^"]+)"', nav.group(1))
    page_nav = re.search(r'<nav id="site-nav"[^>]*>(.*?)</nav>', html, re.S)
    assert page_nav is not None
    # The same links as every page of the site; the other language is this page's.
    assert site_links[-1] == "index.en.html"
    assert re.findall(r'href="([^"]+)"', page_nav.group(1)) == [*site_links[:-1],
                                                               "network.en.html"]
    assert 'href="network.html" aria-current="page"' in html
    assert 'href="network.en.html" hreflang="en"' in html
    english = (site / "network.en.html").read_text(encoding="utf-8")
    assert "<h1 id=\"heading\">Collaboration network: all plans</h1>" in english
    assert '<a href="network.html" hreflang="sv" lang="sv" id="lang-switch">Svenska</a>' in english
    for sector in ("municipality", "region", "civil-society"):
        assert f"background: {SECTOR_COLOURS[sector]}" in html


def test_phone_width_graph_fills_the_screen_with_controls_in_a_panel(
        site: Path) -> None:
    with chromium_page() as (page, watcher):
        page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
        page.goto((site / "network.html").as_uri())  # type: ignore[attr-defined]
        _stable(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # type: ignore[attr-defined]
        graph = page.locator("#network").bounding_box()  # type: ignore[attr-defined]
        assert graph["height"] >= 0.6 * 844 and graph["width"] >= 380
        assert not page.is_visible("#filter-area")  # type: ignore[attr-defined]
        page.click("#toggle-panel")  # type: ignore[attr-defined]
        assert page.is_visible("#filter-area")  # type: ignore[attr-defined]
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # type: ignore[attr-defined]
        page.click("#panel-close")  # type: ignore[attr-defined]
        assert not page.is_visible("#filter-area")  # type: ignore[attr-defined]
        _clean(watcher)


def test_network_page_has_no_serious_accessibility_violations(
        site: Path, browser: tuple[Any, Any, int]) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page, watcher, width = browser
    page.goto((site / "network.html").as_uri())
    _stable(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.fill("#search", "Qulturum")
    page.press("#search", "Enter")  # the details panel filled in, too
    _wait(page, "window.planegraf.focus !== null")
    if width == 390:
        page.click("#toggle-panel")
    results = Axe().run(page)
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == []
    _clean(watcher)


def test_hostile_names_show_as_text_and_never_run(tmp_path: Path) -> None:
    path, node_count = _page(tmp_path, [HOSTILE], False)
    html = path.read_text(encoding="utf-8")
    assert "<img src=x" not in html and "<svg onload" not in html
    assert html.count("</script>") == 3  # the data, vis-network and the page's own script
    with chromium_page() as (page, watcher):
        page.goto(path.as_uri())  # type: ignore[attr-defined]
        _stable(page)
        assert page.evaluate("window.planegraf.visibleNodeCount()") == node_count == 3  # type: ignore[attr-defined]
        titles = page.evaluate(  # type: ignore[attr-defined]
            "window.planegraf.nodes.get().map(n => n.title.textContent).join('\\n')")
        assert "<img src=x onerror=alert(1)>" in titles
        assert "</script><script>alert(2)</script>" in titles
        edge_title = page.evaluate(  # type: ignore[attr-defined]
            "window.planegraf.edges.get()[0].title.textContent")
        assert "<iframe src=javascript:alert(4)>" in edge_title
        # Hover a node so vis-network puts its tooltip into the document, then choose it
        # so its name and partners go into the side panel.
        target = "https://w3id.org/planegraf/id/org/h-img"
        position = page.evaluate(  # type: ignore[attr-defined]
            f"window.planegraf.network.canvasToDOM("
            f"window.planegraf.network.getPositions([{target!r}])[{target!r}])")
        box = page.locator("#network").bounding_box()  # type: ignore[attr-defined]
        page.mouse.move(box["x"] + position["x"], box["y"] + position["y"])  # type: ignore[attr-defined]
        page.wait_for_timeout(600)  # type: ignore[attr-defined]
        page.mouse.click(box["x"] + position["x"], box["y"] + position["y"])  # type: ignore[attr-defined]
        _wait(page, "window.planegraf.focus !== null")
        assert "<img src=x onerror=alert(1)>" in page.text_content("#details")  # type: ignore[attr-defined]
        area_option = page.locator("#filter-area option").nth(1).text_content()  # type: ignore[attr-defined]
        assert "<svg onload=alert(3)>" in area_option
        page.fill("#search", "<img src=x onerror=alert(1)>")  # type: ignore[attr-defined]
        page.press("#search", "Enter")  # type: ignore[attr-defined]
        assert page.locator("img, svg[onload], iframe").count() == 0  # type: ignore[attr-defined]
        assert watcher.dialogs == []
        assert watcher.page_errors == [] and watcher.console_errors == []
        assert watcher.outside_requests == []


def test_english_page_uses_english_names(tmp_path: Path) -> None:
    store = open_store()
    data = load_network_data(store)
    metrics = network_metrics(data, resolve_scope(data, plan=PLAN, area="9"))
    html = network_html(data, metrics, lang="en", sectors=sector_labels(store, "en"))
    assert "Public Health Section" in html and "All action areas" in html
    assert "municipality" in html
    assert "Collaboration network: Action plan" in html or "Collaboration network: " in html


def test_the_scope_is_the_title(data: NetworkData) -> None:
    metrics = network_metrics(data, resolve_scope(data, plan=PLAN))
    html = network_html(data, metrics, lang="sv")
    title = re.search(r"<h1 id=\"heading\">(.*?)</h1>", html)
    assert title is not None
    plan = data.plans[metrics.scope.plan or ""]
    assert title.group(1) == f"Samverkansnätverk: {plan.title('sv')}, Jönköpings län"
    assert f"<title>{title.group(1)} – {metrics.summary.nodes} aktörer," in html
    assert nx.number_of_edges(metrics.graph) == metrics.summary.edges
