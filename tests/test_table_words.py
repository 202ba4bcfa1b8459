"""Words in the site's tables never break in the middle, in real headless Chromium.

A cell wrapped anywhere broke "Aktörer" into "Aktöre r" on the compare page at a phone's
width and the gap report's "Totalt" into "Tot alt" at a desk's. Now a column is at least as
wide as its longest word; a table wider than the screen scrolls in its own box (keyboard
reachable, named for axe-core) and the page itself never scrolls sideways. Only a token with
no words in it (an IRI in ``<code>``, a URL) may still break.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from planegraf.publish.serve import serve

from .browser import chromium
from .servers import bundled_site, static_host

WIDTHS = (390, 1280)
#: The demonstration site's pages with tables (the start, county and plan pages have none).
PAGES = ("compare", "gaps", "organisations", "def/index", "queries/organisation-activities",
         "queries/plans-overview", "id/org/qulturum", "id/strategy/kalmar-regionplan-2023-2025")

#: Each word of letters in a visible table heading or cell whose letters lie on more than
#: one line. Folded sections are opened first; <code> (IRIs, notations) and tokens that are
#: IRIs, URLs or CURIEs hold no words. Returns [words split, words checked].
SPLIT_WORDS = r"""() => {
  document.querySelectorAll("details").forEach(d => { d.open = true; });
  const hidden = el => {
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden" || s.clip.startsWith("rect(0px"))
        return true;
    }
    return false;
  };
  const split = [];
  let checked = 0;
  for (const cell of document.querySelectorAll("th, td")) {
    if (hidden(cell)) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement.closest("code")) continue;
      for (const token of n.data.matchAll(/\S+/g)) {
        if (/[\/#_@]|^[a-z]+:/.test(token[0])) continue;
        for (const word of token[0].matchAll(/\p{L}+/gu)) {
          const range = document.createRange();
          range.setStart(n, token.index + word.index);
          range.setEnd(n, token.index + word.index + word[0].length);
          const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
                                .map(r => Math.round(r.top)));
          checked += 1;
          if (lines.size > 1) split.push(word[0]);
        }
      }
    }
  }
  return [split, checked];
}"""


@pytest.fixture(scope="module")
def site_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_site(tmp_path_factory, "table-words")


@pytest.fixture(scope="module")
def site(site_folder: Path) -> Iterator[str]:
    """Served on 127.0.0.1 as a static host would (axe reads the stylesheets)."""
    with static_host(site_folder) as url:
        yield url


@pytest.fixture(scope="module")
def running(site_folder: Path) -> Iterator[Any]:
    with serve(site_folder, site_folder / "data" / "planegraf.nq") as running:
        yield running


@pytest.fixture(scope="module")
def browser(running: Any) -> Iterator[Any]:
    """Launched after ``planegraf serve`` forked its fork server, which so never holds the
    browser's pipe (its exit closed the browser when it was started second)."""
    with chromium() as launched:
        yield launched


def _open(browser: Any, url: str, width: int) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(url)
    page.wait_for_load_state("load")
    return page


def _words_split_and_fit(page: Any, where: str, width: int) -> None:
    """No word of a table splits, the page fits the width and axe finds nothing serious."""
    split, checked = page.evaluate(SPLIT_WORDS)
    assert checked > 0, f"{where}: no table words found at {width} px"
    assert split == [], f"{where} at {width} px breaks words inside: {split[:10]}"
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{where} scrolls sideways at {width} px ({scroll} > {width})"
    serious = [(v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"])
               for v in Axe().run(page).response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], (where, width, serious)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["", ".en"])
@pytest.mark.parametrize("name", PAGES)
def test_no_table_heading_or_cell_breaks_a_word_and_the_page_never_scrolls_sideways(
        site: str, browser: Any, name: str, lang: str, width: int) -> None:
    page = _open(browser, f"{site}{name}{lang}.html", width)
    try:
        _words_split_and_fit(page, f"{name}{lang}.html", width)
    finally:
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_served_question_page_breaks_no_word_either(
        running: Any, browser: Any, width: int) -> None:
    page = _open(browser, running.site_url + "questions/organisation-activities", width)
    try:
        assert page.locator("#answer-table tbody tr").count() > 0
        _words_split_and_fit(page, "served questions/organisation-activities", width)
    finally:
        page.close()


def test_a_table_wider_than_a_phone_scrolls_in_its_own_named_box_reached_by_keyboard(
        site: str, browser: Any) -> None:
    """The compare page's network measures, headed by two plans' names, are wider than 390 px:
    their box scrolls, the page does not, and Tab reaches the box, a region named by the
    table's heading. (Its organisations become one card per row there instead.)"""
    page = _open(browser, site + "compare.html", 390)
    try:
        boxes = page.locator(".table-scroll")
        assert boxes.count() == page.locator("main table").count() > 0
        wide = page.evaluate("""() => [...document.querySelectorAll('.table-scroll')]
            .filter(b => b.scrollWidth > b.clientWidth).map(b => [
              b.getAttribute('role'), b.tabIndex,
              document.getElementById(b.getAttribute('aria-labelledby')).textContent])""")
        assert wide, "no table on compare.html is wider than a phone: the test checks nothing"
        assert all(role == "region" and tab == 0 and name for role, tab, name in wide), wide
        assert "Nätverksmått" in [name for _, _, name in wide]
        assert "Organisationer" not in [name for _, _, name in wide]
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.classList.contains('table-scroll')"):
                break
        else:
            raise AssertionError("Tab never reaches a table's scroll box")
        page.keyboard.press("ArrowRight")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        page.close()


@pytest.mark.parametrize(
    "name", ["index", "index.en", "counties/kalmar-lan", "plans/rjl-hp-2018-2020"])
def test_a_key_figure_never_spills_out_of_its_box_nor_makes_the_page_scroll_sideways(
        site: str, browser: Any, name: str) -> None:
    """"handlingsområden" is wider than an 8rem figure box: it ran over the next figure,
    and at the right edge the start page scrolled sideways at 768 px."""
    for width in (390, 552, 768, 1024, 1280):
        page = _open(browser, f"{site}{name}.html", width)
        try:
            scroll, spilled = page.evaluate("""() => [document.documentElement.scrollWidth,
                [...document.querySelectorAll('.figures li')]
                  .filter(li => li.scrollWidth > li.clientWidth)
                  .map(li => li.textContent.trim())]""")
            assert page.locator(".figures li").count() > 0
            assert spilled == [], f"{name} at {width} px: {spilled}"
            assert scroll <= width, f"{name} scrolls sideways at {width} px ({scroll})"
        finally:
            page.close()
