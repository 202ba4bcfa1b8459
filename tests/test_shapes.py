"""Every shape has a conforming case (the minimal fixture) and a violating case.

Each ``fixtures/shapes/*.ru`` file breaks the minimal conforming dataset with one SPARQL
Update and names, in an ``# expect:`` header, exactly the shapes that must then report it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import SH, URIRef

from planegraf.pipeline import derive, load_dataset
from planegraf.validation.validate import (
    ValidationReport,
    shapes_graph,
    validate_graph,
    validate_store,
)

from .conftest import FIXTURES

MINIMAL = FIXTURES / "minimal-plan.trig"
CASES = sorted((FIXTURES / "shapes").glob("*.ru"))
SHAPES_NS = "https://w3id.org/planegraf/def/shapes#"


def _header(case: Path, key: str) -> list[str]:
    for line in case.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"# {key}:"):
            return line.split(":", 1)[1].split()
    return []


def _reports(update: str | None = None, run_derive: bool = True) -> dict[str, ValidationReport]:
    """The report of both validators: pyshacl alone, and the shapes compiled to SPARQL."""
    store = load_dataset([MINIMAL], bundled=False)
    if update:
        store.oxigraph.update(update)
    if run_derive:
        derive(store)
    return {"pyshacl": validate_graph(store.to_rdflib_graph()), "compiled": validate_store(store)}


def _failing_shapes(report: ValidationReport) -> set[str]:
    return {f.shape.removeprefix(SHAPES_NS) for f in report.violations}


def _results(report: ValidationReport) -> Counter[tuple[object, ...]]:
    """Every result with all that the report shows of it, counted (duplicates matter).

    Messages are compared as the report shows them, in Swedish and in English: pyshacl adds
    an untagged copy of a SHACL-SPARQL message, which the report never reads.
    """
    return Counter((f.severity, f.focus, f.path, f.value, f.shape, f.message("sv"),
                    f.message("en")) for f in report.findings)


def test_minimal_dataset_conforms_to_every_shape() -> None:
    for report in _reports().values():
        assert _failing_shapes(report) == set()


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_violating_case_is_reported_by_its_shape(case: Path) -> None:
    expected = set(_header(case, "expect"))
    assert expected, f"{case.name} names no expected shape"
    run_derive = _header(case, "derive") != ["no"]
    reports = _reports(case.read_text(encoding="utf-8"), run_derive)
    assert _failing_shapes(reports["pyshacl"]) == expected
    # The compiled validator used by build finds exactly what pyshacl alone finds.
    assert _results(reports["compiled"]) == _results(reports["pyshacl"])


def test_every_constraint_shape_has_a_violating_case() -> None:
    graph = shapes_graph()
    with_message = {str(s).removeprefix(SHAPES_NS) for s in graph.subjects(SH.message, None)}
    covered = {name for case in CASES for name in _header(case, "expect")}
    assert with_message - covered == set()


def test_every_shape_message_is_in_swedish_and_english() -> None:
    graph = shapes_graph()
    for shape in set(graph.subjects(SH.message, None)):
        languages = sorted(m.language for m in graph.objects(shape, SH.message))
        assert languages == ["en", "sv"], shape
        assert graph.value(shape, SH.severity) is not None, f"{shape} has no severity"


def test_report_reads_in_both_languages() -> None:
    case = FIXTURES / "shapes" / "activity-without-area.ru"
    store = load_dataset([MINIMAL], bundled=False)
    store.oxigraph.update(case.read_text(encoding="utf-8"))
    derive(store)
    report = validate_store(store)
    assert not report.conforms
    swedish, english = report.text("sv"), report.text("en")
    assert "exakt ett handlingsområde" in swedish and "Fel" in swedish
    assert "exactly one action area" in english and "Violation" in english
    assert "Testa reglerna." in english  # the focus node is shown with its label
    assert URIRef("https://w3id.org/planegraf/id/activity/test-plan/1-1") in {
        URIRef(f.focus) for f in report.violations
    }
