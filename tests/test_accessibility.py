"""Every page type of the site, as people open it: in headless Chromium at a desk's width
(1400 px) and a phone's (390 px), with what they must see there, no page-wide horizontal
scrolling, no console error, no request leaving the machine, and an axe-core audit with no
serious or critical violation (issue 14, items 1 and 2).

axe-core (MPL-2.0) comes bundled in the PyPI package ``axe-playwright-python``: the audit
runs offline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from planegraf.pipeline import open_store
from planegraf.publish.site import write_site

from .browser import PageWatcher, chromium
from .servers import static_host

WIDTHS = (1400, 390)
KALMAR = "Kalmar län"


def _start(page: Any) -> None:
    whose = page.locator("#whose").inner_text()
    assert "Region Jönköpings län" in whose and "Region Kalmar län" in whose
    kalmar = page.locator(".plan-card", has_text="Tidsatta")
    assert KALMAR in kalmar.locator("h3").inner_text()
    assert kalmar.locator("[data-figure=fig_activities] .n").inner_text() == "26"
    # The strategy tree never shows Kalmar's "Regionplan 2023–2025" without its county.
    assert page.locator("#strategy-tree .strategy", has_text="Regionplan").inner_text() \
        == f"Regionplan 2023–2025 ({KALMAR})"


def _county(page: Any) -> None:
    assert page.locator("h1").inner_text() == KALMAR
    assert page.locator(".plan-card").count() == 1
    assert page.locator(".figures").first.is_visible()


def _plan(page: Any) -> None:
    assert page.locator("h1").inner_text().endswith(f"({KALMAR})")
    assert page.locator("#summary [data-figure=fig_gaps] .n").is_visible()
    assert f"Regionplan 2023–2025 ({KALMAR})" in page.locator(".context").inner_text()


def _names_its_plan(plan: str) -> Callable[[Any], None]:
    def check(page: Any) -> None:
        assert plan in page.locator("nav.context").inner_text()
    return check


def _strategy(page: Any) -> None:
    assert page.locator("h1").inner_text() == f"Regionplan 2023–2025 ({KALMAR})"
    assert "Tidsatta, prioriterade aktiviteter" in page.locator("nav.context").inner_text()


def _activity(page: Any) -> None:
    _names_its_plan("Handlingsplan 2018–2020")(page)
    organisations = page.locator("#organisations li").all_inner_texts()
    assert len(organisations) == 4 == len(set(organisations))
    assert "samordningsansvarig" in organisations[0]
    assert "Uppföljning av genomförda föräldrastödsprogram" in page.locator(
        "#summary").inner_text()
    assert "tabell 6, rad 3" in page.locator("#summary").inner_text()
    assert not page.locator("#data table").first.is_visible()  # the records are folded away


def _organisation(page: Any) -> None:
    summary = page.locator("#summary").inner_text()
    assert "5 aktiviteter" in summary and "4 aktiviteter" in summary
    assert page.locator("#ego-network svg").is_visible()
    activities = page.locator("#activities li").all_inner_texts()
    assert len(activities) == 9 == len(set(activities))
    assert page.get_by_text("regional-unit").count() == 0 or not page.get_by_text(
        "regional-unit").first.is_visible()


def _organisations(page: Any) -> None:
    assert page.locator("table.organisations tbody tr").count() > 50


def _gaps(page: Any) -> None:
    assert page.locator("#gap-summary table").is_visible()
    assert page.locator("#gap-contents li").count() >= 5
    for where in page.locator(".finding .where").all_inner_texts()[:200]:
        assert "Plan:" in where and "Län:" in where


def _heading(page: Any) -> None:
    assert page.locator("h1").count() == 1


PAGES: list[Any] = [
    ("start", "index.html", _start),
    ("county", "counties/kalmar-lan.html", _county),
    ("plan", "plans/kalmar-pa-2023.html", _plan),
    ("strategy", "id/strategy/kalmar-regionplan-2023-2025.html", _strategy),
    ("goal", "id/goal/rjl-jamlik-halsa-2016-2025/strategiskt-3.html",
     _names_its_plan("Handlingsplan 2018–2020")),
    ("area", "id/area/kalmar-regionplan-2023-2025/1.html",
     _names_its_plan("Tidsatta, prioriterade aktiviteter")),
    ("activity", "id/activity/rjl-hp-2018-2020/6-3.html", _activity),
    ("organisation", "id/org/qulturum.html", _organisation),
    ("organisations", "organisations.html", _organisations),
    ("gaps", "gaps.html", _gaps),
    ("queries", "queries.html", _heading),
    ("ontology", "def/index.html", _heading),
    ("compare", "compare.html", _heading),
    ("network", "network.html", lambda page: None),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bundled site, built once and served on 127.0.0.1 as a static host would (axe
    reads the stylesheets, which a browser refuses to let a file: page do)."""
    out = tmp_path_factory.mktemp("accessibility") / "site"
    write_site(open_store(), out)
    with static_host(out) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _open(browser: Any, url: str, width: int) -> tuple[Any, PageWatcher]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    watcher = PageWatcher()
    page.on("console", lambda m: watcher.console_errors.append(m.text)
            if m.type == "error" else None)
    page.on("pageerror", lambda e: watcher.page_errors.append(str(e)))
    page.on("request", lambda r: watcher.requests.append(r.url))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, watcher


CASES = [pytest.param(kind, file, must_see, width, id=f"{kind}-{width}")
         for kind, file, must_see in PAGES for width in WIDTHS]


@pytest.mark.parametrize(("kind", "file", "must_see", "width"), CASES)
def test_every_page_type_is_readable_at_desk_and_phone_width_and_passes_axe(
        site: str, browser: Any, axe: Any, kind: str, file: str,
        must_see: Callable[[Any], None], width: int) -> None:
    page, watcher = _open(browser, site + file, width)
    try:
        assert watcher.console_errors == [] and watcher.page_errors == []
        must_see(page)
        scroll, inner = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{file} scrolls sideways at {width} px ({scroll} > {inner})"
        results = axe.run(page).response
        serious = [(v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"])
                   for v in results["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], serious
        assert watcher.console_errors == [] and watcher.page_errors == []
        assert watcher.outside_requests == []
    finally:
        page.close()


def test_english_pages_are_english_throughout(site: str, browser: Any) -> None:
    for file, swedish in (("index.en.html", "aktiviteter"), ("gaps.en.html", "Län:"),
                          ("id/org/qulturum.en.html", "Samordnar"),
                          ("id/activity/rjl-hp-2018-2020/6-3.en.html", "samordningsansvarig")):
        page, _ = _open(browser, site + file, 1400)
        try:
            assert page.locator("html").get_attribute("lang") == "en"
            main = page.locator("main")
            # Labels quoted from Swedish sources stay Swedish; planegraf's own words do not.
            for words in (swedish, "Sammanfattning", "Nyckeltal", "enligt källan"):
                assert words not in main.inner_text(), (file, words)
        finally:
            page.close()
