"""The gap report of a national site (issue 15): at a million quads one page held 9 277
findings, 10.6 MB in each language. Above ``GAP_FINDINGS_ON_ONE_PAGE`` findings the report
is one page per county under ``gaps/``, and ``gaps.html`` keeps the summary and names each
county's page. The findings are the same, word for word and link for link; only the page
they are on changes. (The bundled data has a few hundred findings, so the limit is lowered
here rather than building a national dataset in a test.)"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from pathlib import Path

import pytest

from planegraf.pipeline import open_store
from planegraf.publish import site as site_module
from planegraf.publish.site import write_site

FINDING = re.compile(r'<li class="finding">(.*?)</li>\n</?', re.S)
HREF = re.compile(r'href="([^"#]*)(#[^"]*)?"')


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    store = open_store()
    made = {"one": tmp_path_factory.mktemp("one") / "site"}
    write_site(store, made["one"], pages="reports")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(site_module, "GAP_FINDINGS_ON_ONE_PAGE", 10)
        made["split"] = tmp_path_factory.mktemp("split") / "site"
        write_site(store, made["split"], pages="reports")
    return made


def _findings(site: Path, file: str) -> list[str]:
    """Each finding of a page, its links written from the site's root."""
    html = (site / file).read_text(encoding="utf-8")
    folder = posixpath.dirname(file)

    def rooted(match: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join(folder, match[1])) if match[1] else ""
        return f'href="{target}{match[2] or ""}"'

    return [HREF.sub(rooted, block) for block in re.findall(
        r'<li class="finding">.*?</li>\n(?=<li class="finding">|</ul>)', html, re.S)]


def _summary(site: Path, file: str) -> str:
    html = (site / file).read_text(encoding="utf-8")
    table = re.search(r"<table class=\"summary cards\">.*?</table>", html, re.S)
    assert table is not None
    return re.sub(r'<a href="#[^"]*">([^<]*)</a>', r"\1", table[0])


@pytest.mark.parametrize("lang, suffix", [("sv", ".html"), ("en", ".en.html")])
def test_a_large_gap_report_is_split_by_county_with_the_same_findings(
        sites: dict[str, Path], lang: str, suffix: str) -> None:
    one, split = sites["one"], sites["split"]
    whole = _findings(one, f"gaps{suffix}")
    assert len(whole) > 10
    assert not (one / "gaps").exists()
    assert _findings(split, f"gaps{suffix}") == []  # the summary page lists no finding
    county_files = sorted(p.relative_to(split).as_posix()
                          for p in (split / "gaps").glob(f"*{suffix}")
                          if suffix == ".en.html" or not p.name.endswith(".en.html"))
    assert len(county_files) >= 2  # Jönköping and Kalmar
    parts = [f for file in county_files for f in _findings(split, file)]
    assert Counter(parts) == Counter(whole) and len(parts) == len(whole)
    # the summary counts every finding, as the one-page report does
    assert _summary(split, f"gaps{suffix}") == _summary(one, f"gaps{suffix}")
    summary = (split / f"gaps{suffix}").read_text(encoding="utf-8")
    for file in county_files:
        assert f'href="{file}"' in summary
        county_page = (split / file).read_text(encoding="utf-8")
        assert f'href="../gaps{suffix}"' in county_page  # back to the summary
        total = len(_findings(split, file))
        listed = re.search(rf'href="{re.escape(file)}">[^<]*</a> <span class="count">\((\d+)',
                           summary)
        assert listed is not None and int(listed[1]) == total
    said = "Fynden per län" if lang == "sv" else "Findings by county"
    assert said in summary


def test_every_site_link_of_a_county_page_leads_to_a_written_page(
        sites: dict[str, Path]) -> None:
    # (links to resources, under id/, are the one-page report's: compared above; this site
    # has no resource pages, planegraf serve renders them)
    split = sites["split"]
    checked = 0
    for page in (split / "gaps").glob("*.html"):
        for match in HREF.finditer(page.read_text(encoding="utf-8")):
            target = match[1]
            if target and not target.startswith(("http:", "https:", "data:", "../id/")):
                assert (page.parent / target).resolve().is_file(), (page.name, target)
                checked += 1
    assert checked


def test_the_county_pages_and_the_summary_fit_a_phone_and_pass_axe(
        sites: dict[str, Path]) -> None:
    from planegraf.publish.serve import serve

    from .browser import chromium_page
    from .test_question_pages import _checked

    split = sites["split"]
    county = sorted((split / "gaps").glob("*.en.html"))[0].name
    with serve(split, split / "data" / "planegraf.nq") as running, \
            chromium_page() as (page, watcher):
        for file in ("gaps.html", f"gaps/{county}"):
            _checked(page, running.site_url + file, watcher)
        assert page.locator(".finding").count() > 0
        page.click(".gap-back a")
        assert page.url.endswith("/gaps.en.html")
        assert page.locator("#gap-counties a").count() >= 2
