"""The static web report: built from the bundled data, browsed in headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from planegraf.pipeline import open_store
from planegraf.publish.site import resource_path, write_site

from .browser import chromium_page

PG = "https://w3id.org/planegraf/def#"
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def store():
    store = open_store()
    # a label that would run script if it reached the page unescaped
    store.oxigraph.add(ox.Quad(
        ox.NamedNode("https://w3id.org/planegraf/id/activity/rjl-hp-2018-2020/6-3"),
        ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"),
        ox.Literal(HOSTILE, language="sv"), ox.NamedNode("https://example.org/hostile"),
    ))
    return store


@pytest.fixture(scope="module")
def site(store, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    write_site(store, out)
    return out


def test_every_resource_has_its_three_files_at_its_iri_path(store, site):
    subjects = {q.subject.value for q in store.oxigraph
                if isinstance(q.subject, ox.NamedNode) and resource_path(q.subject.value)}
    assert len(subjects) > 500
    for iri in subjects:
        path = resource_path(iri)
        for suffix in (".html", ".en.html", ".ttl", ".jsonld"):
            assert (site / f"{path}{suffix}").is_file(), f"{iri}: {path}{suffix} missing"


def test_turtle_alternates_describe_their_own_iri(store, site):
    for ttl in sorted((site / "id" / "activity").rglob("*.ttl"))[:20] + \
            sorted((site / "id" / "org").glob("*.ttl"))[:20]:
        reread = ox.Store()
        reread.load(path=str(ttl), format=ox.RdfFormat.TURTLE)
        subjects = {q.subject.value for q in reread}
        assert len(subjects) == 1
        (iri,) = subjects
        assert resource_path(iri) + ".ttl" == ttl.relative_to(site).as_posix()
        expected = {(q.predicate.value, str(q.object)) for q in
                    store.oxigraph.quads_for_pattern(ox.NamedNode(iri), None, None, None)}
        assert {(q.predicate.value, str(q.object)) for q in reread} == expected


def test_jsonld_alternates_parse_offline_to_the_turtle_triples(site):
    for jsonld in sorted((site / "id" / "activity").rglob("*.jsonld"))[:20]:
        from_json, from_ttl = ox.Store(), ox.Store()
        from_json.load(path=str(jsonld), format=ox.RdfFormat.JSON_LD)
        from_ttl.load(path=str(jsonld.with_suffix(".ttl")), format=ox.RdfFormat.TURTLE)
        assert set(from_json) == set(from_ttl)


_HREF = re.compile(r'(?:href|src)="([^"#]*)(?:#[^"]*)?"')


def test_every_relative_link_in_every_page_resolves(site):
    pages = list(site.rglob("*.html"))
    assert len(pages) > 1000
    for page in pages:
        for target in _HREF.findall(page.read_text("utf-8")):
            if not target or re.match(r"^[a-z]+:", target):
                continue
            assert (page.parent / target).resolve().exists(), f"{page}: {target}"


def test_labels_are_escaped(site):
    page = (site / "id/activity/rjl-hp-2018-2020/6-3.html").read_text("utf-8")
    assert HOSTILE not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_pages_declare_their_language_and_link_the_other(site):
    swedish = (site / "index.html").read_text("utf-8")
    english = (site / "index.en.html").read_text("utf-8")
    assert '<html lang="sv">' in swedish and 'href="index.en.html"' in swedish
    assert '<html lang="en">' in english and 'href="index.html"' in english


def test_dataset_description_is_at_a_stable_path(site):
    description = ox.Store()
    description.load(path=str(site / "dataset.ttl"), format=ox.RdfFormat.TURTLE)
    assert ox.Quad(ox.NamedNode("https://w3id.org/planegraf/id/dataset/planegraf"),
                   ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                   ox.NamedNode("http://www.w3.org/ns/dcat#Dataset")) in description


def _assert_clean(watcher) -> None:
    assert watcher.console_errors == []
    assert watcher.page_errors == []
    assert watcher.dialogs == []
    assert watcher.outside_requests == []


def test_from_the_strategy_to_an_activity_to_its_coordinator(store, site):
    with chromium_page() as (page, watcher):
        page.goto((site / "index.html").as_uri())
        _assert_clean(watcher)
        # The first area: open it, it lists its activities by plan.
        area = page.locator("#strategy-tree a.area").first
        area.locator("xpath=ancestor::details[1]/summary").click()
        activity_link = page.locator("#strategy-tree a.activity").first
        activity_link.wait_for(state="visible")
        with page.expect_navigation():
            activity_link.click()
        iri = page.locator("p.iri code").text_content()
        assert "/id/activity/" in iri
        coordinators = [row["c"].value for row in store.select(
            f"SELECT ?c WHERE {{ <{iri}> <{PG}coordinator> ?c }}")]
        assert coordinators
        # Each organisation once, with its role; the coordinator is the first.
        first = page.locator("#organisations li").first
        assert "samordningsansvarig" in first.inner_text()
        with page.expect_navigation():
            first.locator("a").click()
        assert page.locator("p.iri code").text_content() in coordinators
        assert page.locator("#summary").is_visible()
        assert page.locator("html").get_attribute("lang") == "sv"
        with page.expect_navigation():
            page.locator("#lang-switch").click()
        assert page.locator("html").get_attribute("lang") == "en"
        _assert_clean(watcher)


@pytest.mark.parametrize("page_file", [
    "index.en.html", "organisations.html", "def/index.html", "def/index.en.html",
    "id/role.html", "id/role/index.html", "id/area/rjl-jamlik-halsa-2016-2025/6.html",
    "id/activity/rjl-hp-2018-2020/6-3.html",
])
def test_page_opens_without_errors_or_outside_requests(site, page_file):
    with chromium_page() as (page, watcher):
        page.goto((site / page_file).as_uri())
        page.wait_for_load_state("load")
        assert page.locator("h1").count() == 1
        _assert_clean(watcher)


def test_optional_sections_open_without_errors_where_present(site):
    present = [name for name in ("gaps.html", "network.html", "queries.html", "query.html")
               if (site / name).is_file()]
    for name in present:
        with chromium_page() as (page, watcher):
            page.goto((site / name).as_uri())
            page.wait_for_load_state("load")
            _assert_clean(watcher)
