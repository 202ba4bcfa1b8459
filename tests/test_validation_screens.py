"""The screens of the compiled validator (issue 15: the shapes' queries at a million quads).

A screen is one cheap ASK that is false only when the constraints it stands for have no
results (:func:`planegraf.validation.shacl_compiler.screen_queries`); on conforming data the
screens are all that runs. What a user would suffer if they were wrong: a violation passed in
silence (a screen false where its constraint has rows), or a build that checks every
constraint of every shape with a query of its own over the whole store.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph

from planegraf.pipeline import derive, load_dataset, open_store
from planegraf.rdf.store import EmbeddedStore
from planegraf.synthetic import generate
from planegraf.validation.shacl_compiler import (
    UnsupportedShapeError,
    compile_shapes,
    screen_queries,
)
from planegraf.validation.sparql_constraints import (
    SCREEN,
    run_sparql_constraint,
    sparql_constraints,
)
from planegraf.validation.validate import (
    compiled_shapes,
    load_shapes,
    shapes_graph,
    validate_graph,
    validate_store,
)

from .conftest import FIXTURES
from .w3c_shacl import cases

INJECTED = FIXTURES / "injected-violations.ru"
COMPONENTS = FIXTURES / "shacl-components"
SCREENS = FIXTURES / "screens"
SHORTCUT_CASES = sorted((SCREENS / "shortcuts").glob("*.ru"))
EX = "http://example.org/ns#"


def _synthetic_store() -> EmbeddedStore:
    store = load_dataset([], bundled=False)
    store.oxigraph.extend(generate(10_000, seed=3))
    derive(store)
    return store


def _ask(store: ox.Store, query: str) -> bool:
    return bool(store.query(query, use_default_graph_as_union=True))


def _rows(store: ox.Store, query: str) -> int:
    solutions = store.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return sum(1 for _ in solutions)


def _screens_hold(store: ox.Store, shapes: Graph) -> int:
    """Assert that every screened constraint with results has a screen that says so; return
    how many screened constraints had results (so a test knows it checked something)."""
    core = compile_shapes(shapes)
    with_results = 0
    for query, members in screen_queries(core):
        found = [core[i] for i in members if _rows(store, core[i].query)]
        if found:
            with_results += len(found)
            assert _ask(store, query), (
                f"the screen of {[str(c.shape) for c in found]} is false, but they have "
                f"results:\n{query}")
    return with_results


def test_a_screen_never_hides_a_violation_of_the_bundled_shapes() -> None:
    checked = 0
    for store in (open_store(), _synthetic_store()):
        store.oxigraph.update(INJECTED.read_text(encoding="utf-8"))
        checked += _screens_hold(store.oxigraph, shapes_graph())
    assert checked >= 10


def test_a_screen_never_hides_a_violation_of_any_core_component() -> None:
    store = EmbeddedStore()
    store.load_file(COMPONENTS / "data.ttl")
    shapes = Graph().parse(COMPONENTS / "shapes.ttl", format="turtle")
    assert _screens_hold(store.oxigraph, shapes) >= 20


W3C = [case for case in cases() if not case.expects_failure]


@pytest.mark.skipif(not W3C, reason="../shared/external/w3c-shacl-tests is not beside the checkout")
def test_a_screen_never_hides_a_violation_in_the_w3c_suite() -> None:
    checked = 0
    for case in W3C:
        store = EmbeddedStore()
        store.load_file(case.data, base_iri=case.data.as_uri())
        try:
            shapes = load_shapes([case.shapes], [case.shapes.as_uri()])
            checked += _screens_hold(store.oxigraph, shapes)
        except UnsupportedShapeError:
            continue  # refused as a whole (tests/test_w3c_shacl_suite.py says which)
    assert checked >= 50


def test_a_statement_in_two_graphs_is_one_value_for_max_count() -> None:
    store = EmbeddedStore()
    store.load_file(SCREENS / "data.trig")
    shapes = load_shapes([SCREENS / "shapes.ttl"])
    report = validate_store(store, shapes)
    found = sorted((f.focus.removeprefix(EX), f.shape.removeprefix(EX),
                    f.value) for f in report.findings)
    assert found == [("b", "ThingCode", ""), ("c", "ThingCode", "")]
    reference = validate_graph(store.to_rdflib_graph(), shapes)
    assert sorted(report.findings) == sorted(reference.findings)


class _CountingStore:
    """An Oxigraph store that remembers every query it is asked."""

    def __init__(self, store: ox.Store) -> None:
        self._store = store
        self.queries: list[str] = []

    def query(self, query: str, **options: Any) -> Any:
        self.queries.append(query)
        return self._store.query(query, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_conforming_data_is_checked_without_a_query_per_constraint() -> None:
    store = _synthetic_store()
    counting = _CountingStore(store.oxigraph)
    store.oxigraph = counting  # type: ignore[assignment]
    report = validate_store(store)
    assert report.conforms
    core = compile_shapes(shapes_graph())
    screens = screen_queries(core)
    constraint_queries = {c.query for c in core}
    ran = [q for q in counting.queries if q in constraint_queries]
    # Every screen was asked; a constraint ran only where it has no screen or its screen
    # answered true.
    assert {q for q, _ in screens} <= set(counting.queries)
    maybe = {i for q, members in screens if _ask(counting._store, q) for i in members}
    assert sorted(ran) == sorted(c.query for i, c in enumerate(core)
                                 if c.screen is None or i in maybe)
    assert len(ran) <= 5
    assert len(counting.queries) < len(core)


def test_a_repeated_path_is_never_read_from_every_subject_at_once() -> None:
    core = compile_shapes(load_shapes([SCREENS / "repeated-path.ttl"]))
    assert len(core) == 4
    kinds = sorted(c.screen.kind if c.screen is not None else "" for c in core)
    # sh:minCount still shares the pass over the focus nodes; the others run as compiled.
    assert kinds == ["", "", "", "focus"]
    for query, _ in screen_queries(core):
        assert query.startswith("ASK { { { ?this <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>")


# -- the declared screen of the derived shortcuts' SHACL-SPARQL constraints --

def _shortcut_constraints() -> list[Any]:
    _, sparql = compiled_shapes()
    screened = [c for c in sparql if c.screen is not None]
    assert sorted(str(c.shape).rsplit("#", 1)[1] for c in screened) == [
        "CoordinatorShortcutShape", "PartnerShortcutShape"]
    assert len({c.screen for c in screened}) == 1  # one ASK for both
    return screened


def _without_screens(shapes: Graph) -> Graph:
    stripped = Graph()
    for triple in shapes:
        stripped.add(triple)
    stripped.remove((None, SCREEN, None))
    assert not sparql_constraints(stripped)[0].screen
    return stripped


@pytest.mark.parametrize("case", SHORTCUT_CASES, ids=lambda path: path.stem)
def test_a_wrong_shortcut_is_never_hidden_by_the_shortcut_screen(case: Any) -> None:
    store = _synthetic_store()
    constraints = _shortcut_constraints()
    assert not _ask(store.oxigraph, constraints[0].screen)  # derived data: nothing to run
    store.oxigraph.update(case.read_text(encoding="utf-8"))
    found = [row for c in constraints
             for row in run_sparql_constraint(store.oxigraph, c, shapes_graph())]
    if case.stem == "in-two-graphs":
        assert not found  # the same statement twice is one: no violation
    else:
        assert found, f"{case.name} injects no violation of the shortcut shapes"
        assert _ask(store.oxigraph, constraints[0].screen), (
            f"{case.name}: the screen is false but the shortcut shapes have results")
    screened = validate_store(store)
    unscreened = validate_store(store, _without_screens(shapes_graph()))
    assert screened.text("en") == unscreened.text("en")
    assert sorted(screened.findings) == sorted(unscreened.findings)
    shortcut_findings = [f for f in screened.findings if "Shortcut" in f.shape]
    assert len(shortcut_findings) == len(found)


def test_the_shortcut_screen_holds_on_the_bundled_data_with_injected_violations() -> None:
    store = open_store()
    store.oxigraph.update(INJECTED.read_text(encoding="utf-8"))
    constraints = _shortcut_constraints()
    assert any(run_sparql_constraint(store.oxigraph, c, shapes_graph()) for c in constraints)
    assert _ask(store.oxigraph, constraints[0].screen)
    reference = validate_graph(store.to_rdflib_graph())
    assert sorted(validate_store(store).findings) == sorted(reference.findings)


def test_conforming_shortcuts_are_checked_by_one_ask() -> None:
    store = _synthetic_store()
    counting = _CountingStore(store.oxigraph)
    store.oxigraph = counting  # type: ignore[assignment]
    assert validate_store(store).conforms
    constraints = _shortcut_constraints()
    assert counting.queries.count(constraints[0].screen) == 1
    assert not {c.joined for c in constraints} & set(counting.queries)


@pytest.mark.parametrize("kind", ["select", "service"])
def test_a_screen_planegraf_cannot_trust_is_refused(kind: str) -> None:
    shapes = load_shapes([SCREENS / f"{kind}-screen.ttl"])
    with pytest.raises(UnsupportedShapeError, match="ASK" if kind == "select" else "SERVICE"):
        sparql_constraints(shapes)


# -- a screen that fails is said, and changes nothing in the report --

class _ScreensFail(_CountingStore):
    """A store on which every ASK fails, as a screen with a bug would."""

    def __init__(self, store: ox.Store) -> None:
        super().__init__(store)
        self.asks: list[str] = []

    def query(self, query: str, **options: Any) -> Any:
        if re.search(r"^\s*ASK\b", query, re.MULTILINE):
            self.asks.append(query)
            raise RuntimeError("a screen with a bug")
        return super().query(query, **options)


def test_a_failing_screen_is_reported_not_hidden_as_lost_speed(
        caplog: pytest.LogCaptureFixture) -> None:
    store = open_store()
    store.oxigraph.update(INJECTED.read_text(encoding="utf-8"))
    expected = validate_store(store)
    assert expected.findings and not expected.failed_screens
    failing = _ScreensFail(store.oxigraph)
    store.oxigraph = failing  # type: ignore[assignment]
    with caplog.at_level(logging.WARNING, logger="planegraf.validation.validate"):
        report = validate_store(store)
    assert report.text("sv") == expected.text("sv")
    assert sorted(report.findings) == sorted(expected.findings)
    # every screen asked failed, and each is named (core screens and the shortcut screen)
    asked = len(failing.asks)
    assert asked == len(report.failed_screens) >= 10
    assert any("CoordinatorShortcutShape" in f for f in report.failed_screens)
    warnings = [r for r in caplog.records if "screen" in r.getMessage()]
    assert len(warnings) == asked


# -- sh:class: the screen asks only about the focus nodes' values --

def _class_store(violations: bool) -> EmbeddedStore:
    store = EmbeddedStore()
    store.load_file(SCREENS / "class-conforming.trig")
    if violations:
        store.oxigraph.update((SCREENS / "class-violations.ru").read_text(encoding="utf-8"))
    return store


def test_a_class_check_is_not_run_because_other_subjects_use_its_path() -> None:
    # ex:plan's source is a document: no item and no part, so no violation. The screen used
    # to be true for it (the values of the path, whoever's), and each sh:class check ran in
    # full; at a million quads the plans' prov:wasDerivedFrom did so for the activities.
    store = _class_store(violations=False)
    shapes = load_shapes([SCREENS / "class-shapes.ttl"])
    counting = _CountingStore(store.oxigraph)
    store.oxigraph = counting  # type: ignore[assignment]
    report = validate_store(store, shapes)
    assert report.conforms
    core = compile_shapes(shapes)
    assert sorted(c.screen.kind for c in core if c.screen is not None) == ["alone", "alone"]
    assert not {c.query for c in core} & set(counting.queries)
    assert all(not _ask(counting._store, query) for query, _ in screen_queries(core))


def test_a_class_screen_never_hides_a_violation_of_a_focus_node() -> None:
    # Blank nodes, a value typed in no graph, a literal, a second value in another graph, a
    # nested property shape: every result reported, as pyshacl reports it.
    store = _class_store(violations=True)
    shapes = load_shapes([SCREENS / "class-shapes.ttl"])
    assert _screens_hold(store.oxigraph, shapes) == 2
    report = validate_store(store, shapes)
    found = sorted((f.focus.removeprefix(EX), f.shape.removeprefix(EX), f.value)
                   for f in report.findings)
    assert found == [("(BNode)", "ItemSource", "http://example.org/ns#document"),
                     ("i5", "ItemSource", "'an excerpt'"),
                     ("i7", "ItemSource", "http://example.org/ns#nowhere"),
                     ("p6", "PartSource", "http://example.org/ns#document")]
    reference = validate_graph(store.to_rdflib_graph(), shapes)
    assert sorted(report.findings) == sorted(reference.findings)
