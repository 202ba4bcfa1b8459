"""planegraf's validator against the W3C SHACL test suite (core and SHACL-SPARQL).

Parametrised over the suite's manifests in ``../shared/external/w3c-shacl-tests`` (following
``mf:include``, as pySHACL's runner does). Each case is validated with planegraf's own engine
and its sh:conforms and results (focus node, path, component, severity, value, source shape;
literals exactly as written) must equal the expected report. A case whose expected result is
``sht:Failure`` must be refused. What planegraf cannot check is listed in ``REFUSED`` with the
reason; the test asserts that it is refused with a clear error, never answered wrongly.
"""

from __future__ import annotations

import pytest
from rdflib import RDF, SH

from planegraf.rdf.store import EmbeddedStore
from planegraf.validation.lexical import Source
from planegraf.validation.shacl_compiler import UnsupportedShapeError
from planegraf.validation.validate import load_shapes, validate_store

from .w3c_shacl import Case, cases, expected_report, results_of

_CUSTOM = "custom (SHACL-SPARQL) constraint components are not supported"

# Refused features, each with its reason (pySHACL's ALLOWABLE_FAILURES habit): the engine
# must raise UnsupportedShapeError naming the feature for these, and answer all others right.
REFUSED: dict[str, tuple[str, str]] = {
    "sparql/component/optional-001": (_CUSTOM, "custom constraint components"),
    "sparql/component/propertyValidator-select-001": (_CUSTOM, "custom constraint components"),
    "sparql/component/validator-001": (_CUSTOM, "custom constraint components"),
}

CASES = cases()
pytestmark = pytest.mark.skipif(
    not CASES, reason="../shared/external/w3c-shacl-tests is not beside the checkout")


def _validate(case: Case) -> tuple[bool, object]:
    store = EmbeddedStore()
    store.load_file(case.data, base_iri=case.data.as_uri())
    shapes = load_shapes([case.shapes], [case.shapes.as_uri()])
    report = validate_store(store, shapes, sources=[Source(case.data,
                                                           base_iri=case.data.as_uri())])
    graph = report.results_graph
    (node,) = graph.subjects(RDF.type, SH.ValidationReport)
    return results_of(graph, node)


def test_the_suite_is_all_here() -> None:
    suites = [case.suite for case in CASES]
    assert suites.count("core") == 98 and suites.count("sparql") == 22
    assert set(REFUSED) <= {case.name for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_shacl_suite_case(case: Case) -> None:
    if case.name in REFUSED:
        _, feature = REFUSED[case.name]
        with pytest.raises(UnsupportedShapeError, match=feature):
            _validate(case)
        return
    if case.expects_failure:
        # Shapes SHACL forbids (MINUS, VALUES, SERVICE, BIND to $this, a subquery without
        # $this, a custom component): refused, never run.
        with pytest.raises(UnsupportedShapeError):
            _validate(case)
        return
    assert _validate(case) == expected_report(case)
