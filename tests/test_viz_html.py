"""The network page in a real headless Chromium: it renders offline, filters, and never runs
a name from the data as script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from planegraf.analysis.network import load_network_data, network_metrics, resolve_scope
from planegraf.pipeline import open_store
from planegraf.render.viz import network_html, sector_labels, write_export

from .browser import chromium_page
from .conftest import FIXTURES

PLAN = "rjl-hp-2018-2020"
HOSTILE = FIXTURES / "network" / "hostile-names.trig"


def _page(tmp_path: Path, files: list[Path], bundled: bool, **scope: str) -> tuple[Path, int]:
    store = open_store(files, bundled=bundled)
    data = load_network_data(store)
    metrics = network_metrics(data, resolve_scope(data, **scope))
    path = tmp_path / "network.html"
    write_export(path, "html", data, metrics, sectors=sector_labels(store, "sv"))
    return path, metrics.summary.nodes


@pytest.fixture(scope="module")
def plan_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    return _page(tmp_path_factory.mktemp("net"), [], True, plan=PLAN)


def test_page_has_no_remote_script_or_stylesheet(plan_page: tuple[Path, int]) -> None:
    html = plan_page[0].read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=[\"']?https?:", html)
    assert '<script src="http' not in html and '<link href="http' not in html
    assert "vis.Network" in html and "default-src 'none'" in html


def test_page_renders_the_network_offline_and_filters(plan_page: tuple[Path, int]) -> None:
    path, node_count = plan_page
    with chromium_page() as (page, watcher):
        page.goto(path.as_uri())  # type: ignore[attr-defined]
        page.wait_for_function("window.planegraf !== undefined")  # type: ignore[attr-defined]
        positions = page.evaluate(  # type: ignore[attr-defined]
            "Object.keys(window.planegraf.network.getPositions()).length")
        assert positions == node_count
        assert page.evaluate("window.planegraf.visibleNodeCount()") == node_count  # type: ignore[attr-defined]
        assert page.locator("#network canvas").count() == 1  # type: ignore[attr-defined]

        area_six = "https://w3id.org/planegraf/id/area/rjl-jamlik-halsa-2016-2025/6"
        page.select_option("#filter-area", area_six)  # type: ignore[attr-defined]
        in_area = page.evaluate("window.planegraf.visibleNodeCount()")  # type: ignore[attr-defined]
        assert 0 < in_area < node_count
        hidden_edges = page.evaluate(  # type: ignore[attr-defined]
            "window.planegraf.edges.get({filter: e => e.hidden}).length")
        assert hidden_edges > 0

        page.select_option("#filter-sector", "municipality")  # type: ignore[attr-defined]
        both = page.evaluate("window.planegraf.visibleNodeCount()")  # type: ignore[attr-defined]
        assert 0 < both < in_area

        page.select_option("#filter-area", "")  # type: ignore[attr-defined]
        page.select_option("#filter-sector", "")  # type: ignore[attr-defined]
        assert page.evaluate("window.planegraf.visibleNodeCount()") == node_count  # type: ignore[attr-defined]

        assert watcher.console_errors == []
        assert watcher.page_errors == []
        assert watcher.outside_requests == []
        assert [u for u in watcher.requests if not u.startswith("file:")] == []


def test_hostile_names_show_as_text_and_never_run(tmp_path: Path) -> None:
    path, node_count = _page(tmp_path, [HOSTILE], False)
    html = path.read_text(encoding="utf-8")
    assert "<img src=x" not in html and "<svg onload" not in html
    assert html.count("</script>") == 3  # the data, vis-network and the page's own script
    with chromium_page() as (page, watcher):
        page.goto(path.as_uri())  # type: ignore[attr-defined]
        page.wait_for_function("window.planegraf !== undefined")  # type: ignore[attr-defined]
        assert page.evaluate("window.planegraf.visibleNodeCount()") == node_count == 3  # type: ignore[attr-defined]
        titles = page.evaluate(  # type: ignore[attr-defined]
            "window.planegraf.nodes.get().map(n => n.title.textContent).join('\\n')")
        assert "<img src=x onerror=alert(1)>" in titles
        assert "</script><script>alert(2)</script>" in titles
        edge_title = page.evaluate(  # type: ignore[attr-defined]
            "window.planegraf.edges.get()[0].title.textContent")
        assert "<iframe src=javascript:alert(4)>" in edge_title
        # Hover a node so vis-network puts its tooltip into the document.
        position = page.evaluate(  # type: ignore[attr-defined]
            "(() => { const n = window.planegraf.network;"
            " const p = n.getPositions(['https://w3id.org/planegraf/id/org/h-img'])"
            "['https://w3id.org/planegraf/id/org/h-img'];"
            " return n.canvasToDOM(p); })()")
        box = page.locator("#network").bounding_box()  # type: ignore[attr-defined]
        page.mouse.move(box["x"] + position["x"], box["y"] + position["y"])  # type: ignore[attr-defined]
        page.wait_for_timeout(600)  # type: ignore[attr-defined]
        area_option = page.locator("#filter-area option").nth(1).text_content()  # type: ignore[attr-defined]
        assert "<svg onload=alert(3)>" in area_option
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
