"""A national dataset's site (issue 15): the report pages without a page per resource, read
from the store in a number of passes that does not grow with the data, and the same report
pages as the full site."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

import planegraf.publish.site as site
from planegraf.cli import cli
from planegraf.pipeline import open_store
from planegraf.rdf.store import EmbeddedStore
from planegraf.synthetic import write_trig


class CountingStore:
    """An Oxigraph store that counts the SPARQL queries and pattern scans made of it."""

    def __init__(self, store: ox.Store) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()

    def query(self, *args: Any, **kwargs: Any) -> Any:
        self.calls["query"] += 1
        return self._store.query(*args, **kwargs)

    def quads_for_pattern(self, *args: Any, **kwargs: Any) -> Any:
        self.calls["quads_for_pattern"] += 1
        return self._store.quads_for_pattern(*args, **kwargs)

    def __iter__(self) -> Iterator[ox.Quad]:
        self.calls["iterate"] += 1
        return iter(self._store)

    def __len__(self) -> int:
        return len(self._store)

    def __getattr__(self, name: str) -> Any:
        self.calls[name] += 1
        return getattr(self._store, name)


def _synthetic(tmp_path: Path, triples: int) -> EmbeddedStore:
    data = tmp_path / f"synthetic-{triples}.trig"
    write_trig(data, triples, 1)
    return open_store([data], bundled=False)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("pages", ["reports", "all"])
def test_a_bigger_dataset_costs_no_more_store_passes(
        tmp_path: Path, pages: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Twice the data, the same queries and scans: no per-page or per-resource round trips
    to the store, and no list of every resource of a type made once per page part (the
    start page re-read and sorted every activity for every area it drew: quadratic)."""
    listed: Counter[str] = Counter()
    of_type = site.StatementIndex.of_type

    def counted_of_type(self: site.StatementIndex, cls: str) -> list[str]:
        listed[cls] += 1
        return of_type(self, cls)

    monkeypatch.setattr(site.StatementIndex, "of_type", counted_of_type)
    calls = []
    for triples in (10_000, 20_000):
        store = _synthetic(tmp_path, triples)
        counting = CountingStore(store.oxigraph)
        store.oxigraph = counting  # type: ignore[assignment]
        listed.clear()
        site.write_site(store, tmp_path / f"site-{triples}-{pages}", pages=pages)
        calls.append((counting.calls, Counter(listed)))
    (small, small_listed), (large, large_listed) = calls
    if pages == "all":
        # Every resource page too: the resources are listed in one pass over the store and
        # each one's statements are index lookups (pattern scans, made by whichever process
        # writes its page) as its page is written; no SPARQL query and no further pass over
        # the store per page or per resource.
        small.pop("quads_for_pattern", None)
        large.pop("quads_for_pattern", None)
    assert small == large
    assert small["query"] > 0  # the report pages do ask the store
    assert small_listed == large_listed
    # Every activity of the dataset is listed once for the whole start page, not once for
    # each of the 189 action areas it draws in each language.
    assert small_listed[site.PG + "Activity"] == 1


def test_a_site_without_resource_pages_reads_no_statement_it_does_not_show(
        tmp_path: Path) -> None:
    """The set of every subject (one pass over every statement, 1.5 s at a million quads)
    serves only the resource pages: a site of report pages does not make it."""
    store = _synthetic(tmp_path, 10_000)
    counting = CountingStore(store.oxigraph)
    store.oxigraph = counting  # type: ignore[assignment]
    site.write_site(store, tmp_path / "site", pages="reports")
    assert counting.calls["iterate"] == 0
    counting.calls.clear()
    site.write_site(store, tmp_path / "site-all", pages="all")
    assert counting.calls["iterate"] == 1  # the resources listed, once


@pytest.fixture(scope="module")
def bundled_sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    store = open_store()
    folder = tmp_path_factory.mktemp("sites")
    site.write_site(store, folder / "all", pages="all")
    site.write_site(store, folder / "reports", pages="reports")
    return folder / "all", folder / "reports"


def test_the_report_pages_are_the_same_without_resource_pages(
        bundled_sites: tuple[Path, Path]) -> None:
    """Only the resource pages, the comparison pictures and the query catalogue's standing
    answers (their CSV files) are left out: every report page and download is written, and
    is the same file as in the full site (the start page adds where the rest is, the
    comparison page how to draw a pair, the question pages how to ask for the answer:
    tests/test_question_pages_on_request.py)."""
    full, reports = (_files(folder) for folder in bundled_sites)
    assert set(reports) < set(full)
    left_out = set(full) - set(reports)
    assert all(name.startswith("id/") or (name.startswith("compare") and name.endswith(".svg"))
               or (name.startswith("queries/") and name.endswith(".csv"))
               for name in left_out), sorted(n for n in left_out if not n.startswith("id/"))
    assert {"index.html", "index.en.html", "organisations.html", "gaps.html", "network.html",
            "queries.html", "def/index.html", "dataset.ttl", "context.jsonld",
            "data/planegraf.nq"} <= set(reports)
    for name, data in reports.items():
        if name not in ("index.html", "index.en.html", "compare.html", "compare.en.html",
                        "queries.html", "queries.en.html") and not name.startswith("queries/"):
            assert data == full[name], name
    for name, notice in (("index.html", "planegraf serve"), ("index.en.html", "planegraf serve")):
        assert notice.encode() in reports[name] and notice.encode() not in full[name]
        without = reports[name].replace(
            reports[name][reports[name].index(b'<p class="note" id="resource-pages">'):
                          reports[name].index(b'<section id="more"')], b"")
        assert without == full[name]


def test_the_links_of_the_report_pages_name_the_pages_planegraf_serve_answers(
        bundled_sites: tuple[Path, Path]) -> None:
    """Without resource pages the start page still links each activity at the path its
    page has in a full site (where planegraf serve renders it), never to nothing."""
    full, reports = bundled_sites
    page = (reports / "index.html").read_text("utf-8")
    assert 'href="id/activity/rjl-hp-2018-2020/6-3.html"' in page
    assert (full / "id/activity/rjl-hp-2018-2020/6-3.html").is_file()
    assert not (reports / "id").exists()


def test_auto_writes_every_page_for_the_bundled_data_and_reports_above_the_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store()
    assert site.resource_pages_written(store, "auto")
    monkeypatch.setattr(site, "AUTO_PAGES_QUADS", len(store) - 1)
    assert not site.resource_pages_written(store, "auto")
    assert site.resource_pages_written(store, "all")
    with pytest.raises(ValueError, match="pages must be one of"):
        site.resource_pages_written(store, "some")


def test_site_pages_option_refuses_an_unknown_mode() -> None:
    result = CliRunner().invoke(cli, ["site", "--pages", "some", "-q"])
    assert result.exit_code == 2
    assert "--pages" in result.output


def test_site_pages_reports_writes_the_report_pages_and_no_resource_page(
        tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["site", "--pages", "reports", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file() and (out / "data/planegraf.trig").is_file()
    assert not (out / "id").exists()
    assert "planegraf serve" in (out / "index.en.html").read_text("utf-8")


def test_a_national_start_page_counts_the_activities_its_county_pages_list(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing every activity of a national dataset made the start page 4 MB at a million
    quads. Above START_PAGE_ACTIVITIES its tree says how many activities each area has in
    which plan, and the county and plan pages still list every one of them."""
    from lxml import html as lxml_html

    store = open_store()
    listed = site.write_site(store, tmp_path / "listed", pages="reports")
    monkeypatch.setattr(site, "START_PAGE_ACTIVITIES", 10)
    counted = site.write_site(store, tmp_path / "counted", pages="reports")
    assert len(listed) == len(counted)

    def tree(folder: Path, page: str) -> Any:
        return lxml_html.fromstring((folder / page).read_bytes()).xpath(
            '//section[@id="strategy-tree"]')[0]

    big, small = tree(tmp_path / "listed", "index.html"), tree(tmp_path / "counted", "index.html")
    assert big.xpath('.//a[contains(@class, "activity")]')
    assert not small.xpath('.//a[contains(@class, "activity")]')
    # The same counts per area and plan at every level, and the note saying where they are.
    assert ([s.text_content() for s in big.xpath(".//summary")]
            == [s.text_content() for s in small.xpath(".//summary")])
    assert "6 aktiviteter i" in small.text_content()
    assert "Aktiviteterna själva listas på varje läns" in small.text_content()
    counties = sorted(p.name for p in (tmp_path / "counted" / "counties").glob("*.html"))
    assert counties
    for page in counties:
        assert ((tmp_path / "counted" / "counties" / page).read_bytes()
                == (tmp_path / "listed" / "counties" / page).read_bytes())


def test_every_resource_page_written_one_resource_at_a_time_is_the_page_of_the_whole_index(
        tmp_path: Path) -> None:
    """``--pages all`` at national scale writes the pages one resource at a time from the
    store, keeping only names (an index of every statement took 2.6 GB at a million quads):
    every file is the same bytes as the page written from an index of the whole dataset."""
    store = _synthetic(tmp_path, 10_000)
    reference = site.SiteWriter(store, tmp_path / "reference",
                                index=site.ResourceIndex.from_store(store))
    reference.write_resources()
    streamed = site.SiteWriter(store, tmp_path / "streamed")
    assert not isinstance(streamed.index, site.ResourceIndex)
    streamed.write_resources()
    written = _files(tmp_path / "streamed")
    assert len(written) > 5_000
    assert written == _files(tmp_path / "reference")
