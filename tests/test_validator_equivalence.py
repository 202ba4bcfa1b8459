"""The compiled validator (SHACL compiled to SPARQL on Oxigraph) reports exactly what pyshacl
reports: component by component, on the bundled data and on synthetic national data, clean
and with injected violations. ``tests/test_shapes.py`` does the same for every shape fixture.
"""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import SH, BNode, Graph, Literal, URIRef

from planegraf.pipeline import derive, load_dataset, open_store
from planegraf.rdf.store import EmbeddedStore
from planegraf.synthetic import generate
from planegraf.validation.shacl_compiler import UnsupportedShapeError, compile_shapes
from planegraf.validation.sparql_constraints import sparql_constraints
from planegraf.validation.validate import (
    ValidationReport,
    shapes_graph,
    validate_graph,
    validate_store,
)

from .conftest import FIXTURES

COMPONENTS = FIXTURES / "shacl-components"
INJECTED = FIXTURES / "injected-violations.ru"
SHAPES_NS = "https://w3id.org/planegraf/def/shapes#"
EX = "http://example.org/ns#"


def _results(report: ValidationReport, messages: bool = True) -> Counter[tuple[str, ...]]:
    """Every result as the report shows it. pyshacl words its own message for a shape that
    has none, and the compiler its own (in sv and en): compare those without messages."""
    return Counter((f.severity, f.focus, f.path, f.value, f.shape)
                   + ((f.message("sv"), f.message("en")) if messages else ())
                   for f in report.findings)


def _both(store: EmbeddedStore, shapes: Graph | None = None) -> tuple[ValidationReport,
                                                                     ValidationReport]:
    return validate_graph(store.to_rdflib_graph(), shapes), validate_store(store, shapes)


def _components(report: ValidationReport) -> set[str]:
    graph = report.results_graph
    return {str(c).removeprefix(str(SH)) for c in graph.objects(None, SH.sourceConstraintComponent)}


def _component_shapes() -> Graph:
    return Graph().parse(COMPONENTS / "shapes.ttl", format="turtle")


def _component_data() -> EmbeddedStore:
    store = EmbeddedStore()
    store.load_file(COMPONENTS / "data.ttl")
    return store


def test_each_core_component_reports_what_pyshacl_reports() -> None:
    reference, compiled = _both(_component_data(), _component_shapes())
    assert _results(compiled, messages=False) == _results(reference, messages=False)
    assert _components(compiled) == _components(reference)
    with_messages = [EX + "KindProp"]
    assert [_results(r)[k] for r in (compiled, reference) for k in _results(r)
            if k[4] in with_messages] != []
    assert ({k: n for k, n in _results(compiled).items() if k[4] in with_messages}
            == {k: n for k, n in _results(reference).items() if k[4] in with_messages})


def test_component_fixture_breaks_every_compiled_component() -> None:
    _, compiled = _both(_component_data(), _component_shapes())
    assert _components(compiled) == {
        "AndConstraintComponent", "ClassConstraintComponent", "DatatypeConstraintComponent",
        "HasValueConstraintComponent", "InConstraintComponent", "ClosedConstraintComponent",
        "PatternConstraintComponent", "EqualsConstraintComponent", "DisjointConstraintComponent",
        "LessThanConstraintComponent", "LessThanOrEqualsConstraintComponent",
        "LanguageInConstraintComponent", "MaxCountConstraintComponent",
        "MaxExclusiveConstraintComponent", "MaxInclusiveConstraintComponent",
        "MaxLengthConstraintComponent", "MinCountConstraintComponent",
        "MinExclusiveConstraintComponent", "MinInclusiveConstraintComponent",
        "MinLengthConstraintComponent", "NodeConstraintComponent",
        "NodeKindConstraintComponent", "NotConstraintComponent", "OrConstraintComponent",
        "QualifiedMaxCountConstraintComponent", "QualifiedMinCountConstraintComponent",
        "UniqueLangConstraintComponent", "XoneConstraintComponent",
    }
    # The good nodes conform, the warning stays a warning, the deactivated shape is silent.
    assert not any(f.focus in (EX + "good", EX + "pair-good") for f in compiled.findings)
    # Disjoint qualified shapes: ex:both is a thumb and a finger, so it counts as neither.
    assert {f.shape for f in compiled.findings if f.focus == EX + "pair-bad"} >= {
        EX + "HandProp1", EX + "HandProp2"}
    assert {f.severity for f in compiled.findings if f.shape == EX + "TextProp"} == {
        str(SH.Warning)}
    assert not any(f.shape == EX + "SwitchedOffProp" for f in compiled.findings)


@pytest.mark.parametrize("parameter, argument", [
    (SH.rule, BNode()),
    (SH.expression, Literal("x")),
    (SH.js, BNode()),
], ids=["rule", "expression", "js"])
def test_component_the_compiler_does_not_know_fails_loudly(parameter: URIRef,
                                                           argument: Literal) -> None:
    shapes = _component_shapes()
    shapes.add((URIRef(EX + "NumberProp"), parameter, argument))
    with pytest.raises(UnsupportedShapeError, match=str(parameter)):
        compile_shapes(shapes)


def test_unknown_component_in_a_nested_shape_fails_loudly() -> None:
    shapes = _component_shapes()
    shapes.add((URIRef(EX + "BigPart"), SH.rule, BNode()))
    with pytest.raises(UnsupportedShapeError, match="rule"):
        compile_shapes(shapes)


def test_recursive_shapes_fail_loudly() -> None:
    shapes = _component_shapes()
    shapes.add((URIRef(EX + "BigPart"), SH.node, URIRef(EX + "BigPart")))
    with pytest.raises(UnsupportedShapeError, match="recursive"):
        compile_shapes(shapes)


def test_sparql_constraint_on_a_property_shape_fails_loudly() -> None:
    shapes = _component_shapes()
    shapes.add((URIRef(EX + "NumberProp"), SH.sparql, BNode()))
    with pytest.raises(UnsupportedShapeError, match="sparql"):
        compile_shapes(shapes)


def test_bundled_shapes_compile_and_shortcut_checks_run_as_minus() -> None:
    assert compile_shapes(shapes_graph())
    constraints = sparql_constraints(shapes_graph())
    # Every bundled constraint runs once over the whole store, joined with its focus nodes.
    assert all(c.joined is not None for c in constraints)
    by_shape = {str(c.shape).removeprefix(SHAPES_NS): c.joined or "" for c in constraints}
    # FILTER NOT EXISTS made these quadratic on Oxigraph; MINUS means the same here.
    for name in ("CoordinatorShortcutShape", "PartnerShortcutShape"):
        assert "MINUS" in by_shape[name] and "NOT EXISTS" not in by_shape[name]


def test_bundled_data_both_validators_agree() -> None:
    reference, compiled = _both(open_store())
    assert compiled.conforms and reference.conforms
    assert _results(compiled) == _results(reference)


def _violated_shapes(report: ValidationReport) -> set[str]:
    return {f.shape.removeprefix(SHAPES_NS) for f in report.violations}


INJECTED_SHAPES = {
    "ActivityActionArea", "ActivityPlan", "ActivitySwedishLabel", "CoordinatorShortcutShape",
    "OrganisationPrefLabel", "ParticipationRole", "ExcerptLine", "FollowUpText",
    "NoCyclicUnitShape",
}


def test_bundled_data_with_injected_violations_both_validators_agree() -> None:
    store = open_store()
    store.oxigraph.update(INJECTED.read_text(encoding="utf-8"))
    reference, compiled = _both(store)
    assert _violated_shapes(compiled) >= INJECTED_SHAPES
    assert _results(compiled) == _results(reference)


def _synthetic_store() -> EmbeddedStore:
    store = load_dataset([], bundled=False)
    store.oxigraph.extend(generate(10_000, seed=3))
    derive(store)
    return store


def test_synthetic_national_data_both_validators_agree() -> None:
    store = _synthetic_store()
    assert len(store) > 9_000
    reference, compiled = _both(store)
    assert compiled.conforms
    assert _results(compiled) == _results(reference)


def test_synthetic_data_with_injected_violations_both_validators_agree() -> None:
    store = _synthetic_store()
    store.oxigraph.update(INJECTED.read_text(encoding="utf-8"))
    reference, compiled = _both(store)
    assert _violated_shapes(compiled) >= INJECTED_SHAPES
    assert _results(compiled) == _results(reference)
