"""The site offers the network as pictures beside the network page, and a page comparing
each plan with the next plan of its county, both networks drawn in one layout (issue 14.4,
14.5); names reach it escaped, and it opens in Chromium without errors or requests out.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pyoxigraph as ox
import pytest

from planegraf.analysis.network import load_network_data
from planegraf.pipeline import open_store
from planegraf.publish.site import write_site

from .browser import chromium_page

HOSTILE = "<img src=x onerror=alert(1)>"
PLAN = "https://w3id.org/planegraf/id/plan/rjl-hp-2018-2020"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = open_store()
    data = load_network_data(store)
    # An organisation of the 2018–2020 plan without an English name gets a hostile one.
    target = sorted(agent for a in data.activities.values() if a.plan == PLAN
                    for agent in a.stated_participants()
                    if data.agent(agent).label_en is None)[0]
    store.oxigraph.add(ox.Quad(
        ox.NamedNode(target), ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
        ox.Literal(HOSTILE, language="en"), ox.NamedNode("https://example.org/hostile")))
    out = tmp_path_factory.mktemp("site") / "site"
    write_site(store, out)
    return out


def test_the_network_page_offers_a_png_and_svg_of_the_same_network(site: Path) -> None:
    page = (site / "network.html").read_text(encoding="utf-8")
    assert 'href="network.png"' in page and 'href="network.svg"' in page
    png = (site / "network.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (1200, 900)
    svg = (site / "network.en.svg").read_text(encoding="utf-8")
    assert "municipality" in svg and "Sector" in svg


def test_compare_page_pairs_the_plans_of_a_county_escaped(site: Path) -> None:
    page = (site / "compare.en.html").read_text(encoding="utf-8")
    assert "Action plan 2016–2017 (Jönköping County) → Action plan 2018–2020" in page
    assert HOSTILE not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    pictures = re.findall(r'<img src="([^"]+)"', page)
    assert pictures == ["compare.en-1-before.svg", "compare.en-1-after.svg"]
    for name in pictures:
        assert (site / name).read_bytes().startswith(b"<?xml")
    swedish = (site / "compare.html").read_text(encoding="utf-8")
    assert "Handlingsplan 2016–2017" in swedish and "Nätverksmått" in swedish
    assert "0,078" in swedish  # decimal comma in Swedish


def test_compare_page_opens_without_errors_and_its_pictures_load(site: Path) -> None:
    with chromium_page() as (page, watcher):
        page.goto((site / "compare.en.html").as_uri())  # type: ignore[attr-defined]
        widths = page.eval_on_selector_all(  # type: ignore[attr-defined]
            ".compare-pictures img", "els => els.map(e => e.naturalWidth)")
        assert len(widths) == 2 and all(w > 0 for w in widths)
        assert page.inner_text("h1") == "Plans compared"  # type: ignore[attr-defined]
    assert watcher.dialogs == [] and watcher.page_errors == []
    assert watcher.console_errors == [] and watcher.outside_requests == []


def test_a_site_too_large_for_every_page_compares_in_tables_and_says_how_to_draw(
        tmp_path: Path) -> None:
    # --pages reports stands for a national site: the comparisons stay, the 2 x pairs x
    # languages pictures (most of a national build's time) are left to planegraf compare.
    out = tmp_path / "site"
    write_site(open_store(), out, pages="reports")
    page = (out / "compare.html").read_text(encoding="utf-8")
    assert "Handlingsplan 2018–2020" in page and "<table>" in page
    assert "planegraf compare --plan FÖRE --plan EFTER -o jämförelse.svg" in page
    assert "compare-pictures" not in page
    assert not list(out.glob("compare*.svg"))


def test_many_pairs_of_plans_compare_in_tables_without_drawing_each(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The synthetic national data below the page limit has 85 pairs of consecutive plans:
    # drawing them all took 14-20 s of a 10 000-quad build. Above DRAWN_PAIRS the page
    # compares in tables and names the command that draws a pair, as a national site does.
    import planegraf.publish.site as site

    monkeypatch.setattr(site, "DRAWN_PAIRS", 0)
    out = tmp_path / "site"
    write_site(open_store(), out, pages="all")
    page = (out / "compare.html").read_text(encoding="utf-8")
    assert "Handlingsplan 2018–2020" in page and "<table>" in page
    assert "planegraf compare --plan FÖRE --plan EFTER -o jämförelse.svg" in page
    assert not list(out.glob("compare*.svg"))
    assert (out / "id/activity/rjl-hp-2018-2020/6-3.html").is_file()
