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

from planegraf.lexical import Source
from planegraf.shacl_compiler import UnsupportedShapeError
from planegraf.store import EmbeddedStore
from planegraf.validate import load_shapes, validate_store

from .w3c_shacl import Case, cases, expected_report, results_of

_CLOSED = "sh:closed is not compiled to SPARQL yet"
_PATTERN = "sh:pattern / sh:flags (regular expressions) are not compiled to SPARQL yet"
_PAIRS = "property-pair constraints (sh:equals, sh:disjoint, sh:lessThan …) are not compiled yet"
_DISJOINT = "sh:qualifiedValueShapesDisjoint is not compiled yet"
_CUSTOM = "custom (SHACL-SPARQL) constraint components are not supported"

# Refused features, each with its reason (pySHACL's ALLOWABLE_FAILURES habit): the engine
# must raise UnsupportedShapeError naming the feature for these, and answer all others right.
REFUSED: dict[str, tuple[str, str]] = {
    "core/complex/personexample": (_CLOSED, "closed"),
    "core/complex/shacl-shacl": (_CLOSED, "closed"),
    "core/node/closed-001": (_CLOSED, "closed"),
    "core/node/closed-002": (_CLOSED, "closed"),
    "core/node/pattern-001": (_PATTERN, "pattern"),
    "core/node/pattern-002": (_PATTERN, "flags"),
    "core/property/pattern-001": (_PATTERN, "pattern"),
    "core/property/pattern-002": (_PATTERN, "flags"),
    "core/node/equals-001": (_PAIRS, "equals"),
    "core/node/disjoint-001": (_PAIRS, "disjoint"),
    "core/property/equals-001": (_PAIRS, "equals"),
    "core/property/disjoint-001": (_PAIRS, "disjoint"),
    "core/property/lessThan-001": (_PAIRS, "lessThan"),
    "core/property/lessThan-002": (_PAIRS, "lessThan"),
    "core/property/lessThanOrEquals-001": (_PAIRS, "lessThanOrEquals"),
    "core/property/qualifiedMinCountDisjoint-001": (_DISJOINT, "qualifiedValueShapesDisjoint"),
    "core/property/qualifiedValueShapesDisjoint-001": (_DISJOINT,
                                                       "qualifiedValueShapesDisjoint"),
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
