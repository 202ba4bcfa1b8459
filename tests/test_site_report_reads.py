"""The report pages read less of the store than every statement (issue 15): what they read
must say what the whole dataset says, and the downloads written beside the pages (in a
thread of their own) must fail the site when they fail."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

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
        r"</a></td><td>(\d+)</td><td>(\d+)</td></tr>", page))
    assert shown == counts


def test_a_download_that_fails_fails_the_site_and_leaves_none(store: EmbeddedStore,
                                                             tmp_path: Path) -> None:
    """The downloads are written in a thread beside the pages: its error must reach the
    caller, and the half-written site must not replace anything."""
    out = tmp_path / "site"
    with pytest.raises(FileNotFoundError):
        site.write_site(store, out, pages="reports", dataset_file=tmp_path / "missing.trig")
    assert not out.exists()
