"""The report pages read less of the store than every statement (issue 15): what they read
must say what the whole dataset says, and the downloads written beside the pages (in a
thread of their own) must fail the site when they fail."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from planegraf.pipeline import open_store
from planegraf.publish import site
from planegraf.rdf.store import EmbeddedStore

RDF_TYPE = site.RDF_TYPE
PG = site.PG


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    store = open_store()
    # A type stated in two graphs, and a subject typed only outside the plans' graphs: the
    # index must give each type once, as the whole dataset does.
    plan = next(iter(store.oxigraph.quads_for_pattern(
        None, ox.NamedNode(RDF_TYPE), ox.NamedNode(PG + "ActionPlan"), None)))
    store.oxigraph.add(ox.Quad(plan.subject, plan.predicate, plan.object,
                               ox.NamedNode("https://w3id.org/planegraf/id/graph/again")))
    return store


def test_the_report_pages_see_every_type_of_what_they_show(store: EmbeddedStore) -> None:
    """The members of the classes the pages show are read class by class instead of every
    type statement: which page exists, what is a strategy or plan and every class's
    members must still be the whole dataset's."""
    whole = site.ResourceIndex.from_store(store)
    read = site.PredicateIndex(store)
    shown = {s for cls in read.PAGE_CLASSES for s in whole.of_type(cls)}
    assert len(shown) > 300
    for subject in sorted(shown):
        assert read.has_statements(subject), subject
        assert read.is_a(subject, site._SCOPED) == whole.is_a(subject, site._SCOPED), subject
    assert site.RDF_TYPE not in read._outgoing  # no type statement read but the classes'
    assert read.scans == len(read.PAGE_CLASSES)
    classes = {t.value for q in store.oxigraph.quads_for_pattern(
        None, ox.NamedNode(RDF_TYPE), None, None) for t in (q.object,)
        if isinstance(t, ox.NamedNode)}
    assert len(classes) > 10
    for cls in sorted(classes):
        assert read.of_type(cls) == whole.of_type(cls), cls
    for subject in sorted(whole.outgoing):  # outside the classes too: every type read then
        assert read.has_statements(subject), subject
        assert read.is_a(subject, site._SCOPED) == whole.is_a(subject, site._SCOPED), subject
    assert not read.has_statements("https://w3id.org/planegraf/id/nothing")
    assert read.of_type("not an IRI") == []


def test_the_organisations_page_counts_what_each_organisation_does(store: EmbeddedStore,
                                                                     tmp_path: Path) -> None:
    """The numbers are counted in the store now: each must be the number of activities
    that name the organisation as coordinator, and as participant."""
    whole = site.ResourceIndex.from_store(store)
    writer = site.SiteWriter(store, tmp_path, resource_pages=False)
    writer.write_organisations()
    page = (tmp_path / "organisations.html").read_text("utf-8")
    agents = {a for cls in site.AGENT_TYPES for a in whole.of_type(cls)}
    counts = Counter[tuple[int, int]]()
    for agent in agents:
        counts[len(whole.subjects(PG + "coordinator", agent)),
               len(whole.subjects(PG + "participant", agent))] += 1
    assert sum(n for (coordinates, _), n in counts.items() if coordinates) > 5
    shown = Counter((int(c), int(p)) for c, p in re.findall(
        r"</a></td><td[^>]*>(\d+)</td><td[^>]*>(\d+)</td></tr>", page))
    assert shown == counts


def test_a_download_that_fails_fails_the_site_and_leaves_none(store: EmbeddedStore,
                                                             tmp_path: Path) -> None:
    """The downloads are written in a thread beside the pages: its error must reach the
    caller, and the half-written site must not replace anything."""
    out = tmp_path / "site"
    with pytest.raises(FileNotFoundError):
        site.write_site(store, out, pages="reports", dataset_file=tmp_path / "missing.trig")
    assert not out.exists()


class _Compared:
    """An object term that counts how often it is compared for equality (hashing it is its
    term's hash): what reading a predicate costs per statement, without a clock."""

    compared = 0

    def __init__(self, term: ox.Literal) -> None:
        self.term = term

    def __eq__(self, other: object) -> bool:
        _Compared.compared += 1
        return isinstance(other, _Compared) and self.term == other.term

    def __hash__(self) -> int:
        return hash(self.term)

    def __str__(self) -> str:
        return str(self.term)


class _ComparedStore:
    """A real store whose statements' objects (literals here) count their comparisons."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def quads_for_pattern(self, *pattern: Any) -> list[_Statement]:
        return [_Statement(q.subject, _Compared(q.object))
                for q in self.store.quads_for_pattern(*pattern)]


class _Statement:
    def __init__(self, subject: Any, obj: _Compared) -> None:
        self.subject, self.object = subject, obj


def test_a_thing_with_thousands_of_labels_is_read_in_one_pass() -> None:
    """Hostile data can give one thing any number of labels: reading them must not compare
    each with every one read before it (20 000 labels took 4 s, 100 000 minutes), and a
    label stated in two graphs is still read once."""
    label = ox.NamedNode(site.LABEL_PROPERTIES[0])
    thing = ox.NamedNode("https://w3id.org/planegraf/id/org/many-names")
    labels = [ox.Literal(f"namn {number}", language="sv") for number in range(3000)]
    data = ox.Store()
    data.extend(ox.Quad(thing, label, term) for term in labels)
    data.add(ox.Quad(thing, label, labels[0], ox.NamedNode("https://w3id.org/planegraf/x")))
    store = EmbeddedStore()
    store.oxigraph = _ComparedStore(data)  # type: ignore[assignment]
    _Compared.compared = 0
    read = site.PredicateIndex(store).values(thing.value, label.value)
    assert sorted(str(t) for t in read) == sorted(str(t) for t in labels)
    assert _Compared.compared < 2 * len(labels)  # not one per pair (4.5 million)
