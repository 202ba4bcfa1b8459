"""``planegraf serve``: the site, its content negotiation and a real read-only SPARQL
endpoint on 127.0.0.1."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message

import pyoxigraph as ox
import pytest

from planegraf.pipeline import open_store
from planegraf.publish import lod
from planegraf.publish.serve import serve
from planegraf.publish.site import write_site

from .browser import chromium_page

ACTIVITY = "https://w3id.org/planegraf/id/activity/rjl-hp-2018-2020/6-3"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a a <https://w3id.org/planegraf/def#Activity> }"


@pytest.fixture(scope="module")
def store():
    return open_store()


@pytest.fixture(scope="module")
def running(store, tmp_path_factory):
    site = tmp_path_factory.mktemp("served") / "site"
    write_site(store, site)
    with serve(site, site / "data" / "planegraf.nq") as running:
        yield running


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _get(url: str, accept: str) -> tuple[int, Message, bytes]:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


@pytest.mark.parametrize(("accept", "suffix"), [
    ("text/turtle", ".ttl"), ("application/ld+json", ".jsonld"), ("text/html", ".html"),
    ("*/*", ".html"),
])
def test_data_iris_negotiate_to_the_right_file(running, accept, suffix):
    path = ACTIVITY.removeprefix("https://w3id.org/planegraf/")
    status, headers, _ = _get(running.site_url + path, accept)
    assert status == 303
    assert headers["Location"] == f"/{path}{suffix}"


def test_the_turtle_alternate_describes_the_activity(running, store):
    path = ACTIVITY.removeprefix("https://w3id.org/planegraf/")
    status, _, body = _get(f"{running.site_url}{path}.ttl", "text/turtle")
    assert status == 200
    served = ox.Store()
    served.load(input=body, format=ox.RdfFormat.TURTLE)
    expected = {(q.predicate.value, str(q.object)) for q in
                store.oxigraph.quads_for_pattern(ox.NamedNode(ACTIVITY), None, None, None)}
    assert {(q.predicate.value, str(q.object)) for q in served} == expected


def test_sparql_answers_like_the_embedded_store(running, store):
    expected = next(store.select(COUNT))["n"].value
    query = urllib.parse.urlencode({"query": COUNT})
    status, _, body = _get(f"{running.site_url}sparql?{query}", "application/sparql-results+json")
    assert status == 200
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == expected


def test_the_endpoint_refuses_updates(running):
    update = b"update=" + urllib.parse.quote_plus(
        "INSERT DATA { <http://ex/a> <http://ex/b> <http://ex/c> }").encode()
    for url in (running.site_url + "sparql", running.sparql_url.replace("/query", "/update")):
        request = urllib.request.Request(url, data=update, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=10)
    assert int(_count(running)) > 0


def _count(running) -> str:
    query = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    _, _, body = _get(f"{running.site_url}sparql?{query}", "application/sparql-results+json")
    return json.loads(body)["results"]["bindings"][0]["n"]["value"]


def test_an_oversized_query_is_refused(running):
    body = b"query=" + b"%20" * (1024 * 1024)
    request = urllib.request.Request(running.site_url + "sparql", data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 413


def test_query_page_runs_a_catalogue_question_in_the_browser(running, store):
    with chromium_page() as (page, watcher):
        page.goto(running.site_url + "query.html")
        page.fill("#query-text", COUNT)
        page.click("#run-query")
        cell = page.locator("#query-result td").first
        cell.wait_for()
        assert cell.inner_text() == next(store.select(COUNT))["n"].value
        options = page.locator("#catalogue-choice option")
        assert options.count() > 1
        assert watcher.console_errors == [] and watcher.page_errors == []
        assert watcher.outside_requests == []


def test_serve_refuses_a_folder_without_a_site(tmp_path):
    from planegraf.errors import PlanegrafError

    with pytest.raises(PlanegrafError, match="planegraf site"), \
            serve(tmp_path, tmp_path / "planegraf.nq"):
        pass


def test_dataset_description_names_every_download(running):
    status, _, body = _get(running.site_url + "dataset.ttl", "text/turtle")
    assert status == 200
    text = body.decode("utf-8")
    for target in lod.SERIALISATIONS.values():
        assert f"data/{target.file_name}" in text
