"""The same answers from a real SPARQL server: ``publish`` loads the dataset into an
``oxigraph serve`` that the tests start on 127.0.0.1, and every catalogue query must then
return the same rows there as on the embedded store, in both languages.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from planegraf.pipeline import open_store
from planegraf.rdf.store import EmbeddedStore
from planegraf.sparql.endpoint import Connection, RemoteEngine, publish
from planegraf.sparql.engines import EmbeddedEngine, rows_as_keys
from planegraf.sparql.queries import QueryFile, bind_parameters, catalogue

from .servers import oxigraph_server

QUERIES = catalogue()


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return open_store()


@pytest.fixture(scope="module")
def dataset(store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dataset") / "planegraf.trig"
    path.write_bytes(store.dump(ox.RdfFormat.TRIG))
    return path


@pytest.fixture(scope="module", params=["union-default", "plain"])
def server(dataset: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty Oxigraph server, filled by ``publish``: one whose default graph is the union
    of its named graphs, and a plain one (Oxigraph's and Fuseki's default), whose default
    graph is only its own."""
    with oxigraph_server(union_default_graph=request.param == "union-default") as base_url:
        publish(dataset, Connection(f"{base_url}/query"))
        yield base_url


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_returns_the_same_rows_on_the_server(
    store: EmbeddedStore, server: str, query: QueryFile, lang: str
) -> None:
    bindings = bind_parameters(query, {}, lang)
    local = EmbeddedEngine(store).run(query, bindings).solutions
    remote = RemoteEngine(Connection(f"{server}/query")).run(query, bindings).solutions
    assert local is not None and remote is not None
    assert remote.variables == local.variables
    assert rows_as_keys(remote) == rows_as_keys(local)


def test_parameters_reach_the_server_as_values(store: EmbeddedStore, server: str) -> None:
    query = next(q for q in QUERIES if q.name == "organisations-in-many-areas")
    for min_areas in ("1", "4", "50"):
        bindings = bind_parameters(query, {"min_areas": min_areas})
        local = EmbeddedEngine(store).run(query, bindings).solutions
        remote = RemoteEngine(Connection(f"{server}/query")).run(query, bindings).solutions
        assert local is not None and remote is not None
        assert rows_as_keys(remote) == rows_as_keys(local)
    assert len(local) == 0


def _count(base_url: str) -> int:
    engine = RemoteEngine(Connection(f"{base_url}/query"))
    from planegraf.sparql.queries import parse_query_text
    query = parse_query_text("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                             Path("count.rq"))
    solutions = engine.run(query).solutions
    assert solutions is not None
    return int(solutions.rows[0]["n"].value)  # type: ignore[union-attr]


def test_publish_replaces_each_graph_as_a_whole(store: EmbeddedStore, dataset: Path) -> None:
    with oxigraph_server() as base_url:
        stale = b"<https://example.org/s> <https://example.org/p> <https://example.org/o> ."
        graph = store.named_graphs()[0].value
        request = urllib.request.Request(
            f"{base_url}/store?graph={graph}", data=stale, method="PUT",
            headers={"Content-Type": "application/n-triples"})
        urllib.request.urlopen(request).close()
        published = publish(dataset, Connection(f"{base_url}/query"))
        first = _count(base_url)
        publish(dataset, Connection(f"{base_url}/query"))
        assert _count(base_url) == first == sum(g.triples for g in published)
        assert first == sum(1 for q in store.oxigraph if isinstance(q.graph_name, ox.NamedNode))


def test_cli_publish_then_query_endpoint_round_trips(dataset: Path, tmp_path: Path) -> None:
    with oxigraph_server() as base_url:
        endpoint = f"{base_url}/query"
        done = subprocess.run(
            [sys.executable, "-m", "planegraf.cli", "publish", "--endpoint", endpoint,
             "--dataset", str(dataset), "-q"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert "publicerade" in done.stdout  # the demonstration speaks Swedish
        args = ["query", "coordinators-ranked", "--format", "csv", "-q"]
        remote = subprocess.run([sys.executable, "-m", "planegraf.cli", *args,
                                 "--endpoint", endpoint], capture_output=True, text=True)
        local = subprocess.run([sys.executable, "-m", "planegraf.cli", *args],
                               capture_output=True, text=True)
        assert remote.returncode == local.returncode == 0, remote.stderr + local.stderr
        assert remote.stdout == local.stdout
        assert len(remote.stdout.splitlines()) > 10


@pytest.mark.parametrize(("name", "typed"), [
    ("organisation-activities", {"organisation": "Qulturum"}),
    ("activities-in-area", {"area": "kalmar-pa-2023/6"}),
    ("counties-side-by-side", {"left_county": "Kalmar län", "right_county": "06"}),
])
def test_parameters_by_name_resolve_the_same_on_the_server(
    store: EmbeddedStore, server: str, name: str, typed: dict[str, str]
) -> None:
    from planegraf.sparql.lookup import resolve_given

    query = next(q for q in QUERIES if q.name == name)
    local_engine = EmbeddedEngine(store)
    remote_engine = RemoteEngine(Connection(f"{server}/query"))
    local_given = resolve_given(local_engine, query, typed)
    assert resolve_given(remote_engine, query, typed) == local_given
    local = local_engine.run(query, bind_parameters(query, local_given)).solutions
    remote = remote_engine.run(query, bind_parameters(query, local_given)).solutions
    assert local is not None and remote is not None and len(local) > 0
    assert rows_as_keys(remote) == rows_as_keys(local)


def test_the_cli_answers_the_same_on_a_plain_store(dataset: Path) -> None:
    with oxigraph_server(union_default_graph=False) as base_url:
        publish(dataset, Connection(f"{base_url}/query"))
        args = ["query", "organisation-activities", "--param", "organisation=Qulturum",
                "--format", "csv", "-q"]
        remote = subprocess.run([sys.executable, "-m", "planegraf.cli", *args,
                                 "--endpoint", f"{base_url}/query"],
                                capture_output=True, text=True)
    local = subprocess.run([sys.executable, "-m", "planegraf.cli", *args],
                           capture_output=True, text=True)
    assert remote.returncode == local.returncode == 0, remote.stderr + local.stderr
    assert remote.stdout == local.stdout and len(remote.stdout.splitlines()) > 2


def test_the_site_from_an_endpoint_shows_what_the_local_site_shows(
        dataset: Path, tmp_path: Path) -> None:
    # The store's data is the published build: the site made from it is the local site.
    local = tmp_path / "local"
    remote = tmp_path / "remote"
    done = subprocess.run([sys.executable, "-m", "planegraf", "site", "-o", str(local), "-q"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with oxigraph_server(union_default_graph=False) as base_url:
        publish(dataset, Connection(f"{base_url}/query"))
        done = subprocess.run(
            [sys.executable, "-m", "planegraf", "site", "--endpoint", f"{base_url}/query",
             "-o", str(remote)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    # progress in the run's language (the demonstration's: Swedish)
    assert "kopierade https://w3id.org/planegraf/id/graph/" in done.stderr
    pages = sorted(p.relative_to(local) for p in local.rglob("*.html"))
    assert pages and pages == sorted(p.relative_to(remote) for p in remote.rglob("*.html"))
    for page in ("index.html", "index.en.html", "organisations.html",
                 "id/activity/kalmar-pa-2023/1-1.html"):
        assert (local / page).read_text() == (remote / page).read_text(), page


def test_the_site_refuses_an_endpoint_whose_data_violates_the_shapes(tmp_path: Path) -> None:
    broken = tmp_path / "broken.trig"
    broken.write_text(
        "@prefix pg: <https://w3id.org/planegraf/def#> .\n"
        "<https://w3id.org/planegraf/id/graph/broken> {\n"
        "  <https://w3id.org/planegraf/id/activity/x> a pg:Activity .\n}\n", encoding="utf-8")
    with oxigraph_server(broken) as base_url:
        done = subprocess.run(
            [sys.executable, "-m", "planegraf", "site", "--endpoint", f"{base_url}/query",
             "-o", str(tmp_path / "site"), "-q", "--lang", "en"],
            capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert "violates the shapes" in done.stderr
    assert not (tmp_path / "site").exists()
