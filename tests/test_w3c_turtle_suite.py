"""planegraf's RDF loader against the W3C RDF 1.1 Turtle test suite.

Parametrised over the suite's ``manifest.ttl`` in ``../shared/external``: every positive
syntax test loads, every evaluation test loads to the expected triples, and every negative
test is rejected with an error that names the file, line and column. Known failures would
be listed in ``ALLOWABLE_FAILURES`` with their reason; there are none.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Graph, Namespace
from rdflib.collection import Collection
from rdflib.compare import to_isomorphic

from planegraf.errors import InputError
from planegraf.rdf.store import EmbeddedStore
from planegraf.resources import shared_dir

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
RDFT = Namespace("http://www.w3.org/ns/rdftest#")
SUITE = (shared_dir() or Path("/nonexistent")) / "external" / "w3c-rdf-tests" / "rdf-turtle"
BASE = "https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-turtle/"

ALLOWABLE_FAILURES: dict[str, str] = {}


def _cases() -> list[tuple[str, str, str, str | None]]:
    manifest_path = SUITE / "manifest.ttl"
    if not manifest_path.exists():
        return []
    manifest = Graph().parse(manifest_path, format="turtle", publicID=BASE + "manifest.ttl")
    (root,) = manifest.subjects(RDF.type, MF.Manifest)
    cases = []
    for entry in Collection(manifest, manifest.value(root, MF.entries)):
        kind = str(manifest.value(entry, RDF.type)).rsplit("#", 1)[-1]
        action = str(manifest.value(entry, MF.action)).rsplit("/", 1)[-1]
        result = manifest.value(entry, MF.result)
        name = str(manifest.value(entry, MF.name))
        cases.append((name, kind, action, str(result).rsplit("/", 1)[-1] if result else None))
    return cases


CASES = _cases()
pytestmark = pytest.mark.skipif(
    not CASES, reason="../shared/external/w3c-rdf-tests is not beside the checkout")


def _triples(store: EmbeddedStore) -> Graph:
    return store.to_rdflib_graph()


def test_the_suite_is_all_here() -> None:
    kinds = [kind for _, kind, _, _ in CASES]
    assert kinds.count("TestTurtleNegativeSyntax") + kinds.count("TestTurtleNegativeEval") >= 90
    assert len(CASES) > 300


@pytest.mark.parametrize("name, kind, action, result", CASES, ids=[c[0] for c in CASES])
def test_turtle_suite_case(name: str, kind: str, action: str, result: str | None) -> None:
    if name in ALLOWABLE_FAILURES:
        pytest.xfail(ALLOWABLE_FAILURES[name])
    path = SUITE / action
    store = EmbeddedStore()
    if kind in ("TestTurtleNegativeSyntax", "TestTurtleNegativeEval"):
        with pytest.raises(InputError) as rejected:
            store.load_file(path, base_iri=BASE + action)
        assert rejected.value.line is not None and rejected.value.column is not None
        assert str(rejected.value).startswith(f"{path}:{rejected.value.line}:")
        return
    store.load_file(path, base_iri=BASE + action)
    if kind == "TestTurtleEval":
        assert result is not None
        expected = EmbeddedStore()
        expected.load_file(SUITE / result, base_iri=BASE + result)
        assert to_isomorphic(_triples(store)) == to_isomorphic(_triples(expected))
    else:
        assert kind == "TestTurtlePositiveSyntax", kind
