"""The start page's county and plan pages name every activity of a national dataset (50 000
names at a million quads): they are looked up in bulk (``PredicateIndex.labels``), which must
name everything exactly as one lookup at a time does (``label``), whatever the languages,
notations, several labels or none, and the hostile names of the hardening fixture."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from planegraf.pipeline import open_store
from planegraf.publish.site import PredicateIndex
from planegraf.rdf.store import EmbeddedStore

from .conftest import FIXTURES


def _subjects(store: EmbeddedStore) -> list[str]:
    return sorted({q.subject.value for q in store.oxigraph
                   if isinstance(q.subject, ox.NamedNode)})


@pytest.fixture(scope="module")
def bundled() -> EmbeddedStore:
    return open_store()


@pytest.fixture(scope="module")
def hostile() -> EmbeddedStore:
    store = open_store()
    store.oxigraph.update((FIXTURES / "hostile" / "hostile-labels.ru").read_text("utf-8"))
    return store


@pytest.mark.parametrize("data", ["bundled", "hostile"])
@pytest.mark.parametrize("lang", ["sv", "en", "de"])
def test_names_found_in_bulk_are_the_names_found_one_by_one(
        data: str, lang: str, request: pytest.FixtureRequest) -> None:
    store: EmbeddedStore = request.getfixturevalue(data)
    subjects = _subjects(store)
    one_by_one = PredicateIndex(store)
    expected = {iri: one_by_one.label(iri, lang) for iri in subjects}
    assert PredicateIndex(store).labels(subjects, lang) == expected
    notations = PredicateIndex(store).literals(
        subjects, "http://www.w3.org/2004/02/skos/core#notation", lang)
    assert PredicateIndex(store).labels(subjects, lang, notations) == expected


def test_bulk_names_are_in_the_language_asked_for(bundled: EmbeddedStore) -> None:
    store = bundled
    subjects = _subjects(store)
    swedish, english = (PredicateIndex(store).labels(subjects, lang) for lang in ("sv", "en"))
    assert any(swedish[iri] != english[iri] for iri in subjects)
