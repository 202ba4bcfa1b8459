"""Ill-typed values everywhere a shape can see them: every typed property has a datatype shape
(ontology/shapes/datatypes.ttl), an ill-typed literal survives loading as written, and both
validators report it. The violating cases themselves are tests/fixtures/shapes/datatype-*.ru,
run by tests/test_shapes.py with pyshacl and the compiled validator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, RDFS, SH, Graph, URIRef

from planegraf.pipeline import load_dataset
from planegraf.resources import graph_dir, ontology_dir, registry_dir, shapes_dir
from planegraf.validation.validate import validate_graph, validate_store

from .conftest import FIXTURES

REPOSITORY = Path(__file__).parent.parent
SHAPES = "https://w3id.org/planegraf/def/shapes#"
PLAN = "https://w3id.org/planegraf/id/plan/test-plan"
_XSD = "http://www.w3.org/2001/XMLSchema#"


def _datatype_shapes() -> dict[URIRef, set[URIRef]]:
    """Each path of datatypes.ttl with the datatypes its shape allows (sh:or included)."""
    graph = Graph().parse(shapes_dir() / "datatypes.ttl")
    allowed: dict[URIRef, set[URIRef]] = {}
    for shape, path in graph.subject_objects(SH.path):
        kinds = set(graph.objects(shape, SH.datatype))
        for members in graph.objects(shape, SH["or"]):
            for member in graph.items(members):
                kinds |= set(graph.objects(member, SH.datatype))
        allowed.setdefault(URIRef(path), set()).update(URIRef(k) for k in kinds)
    return allowed


def test_every_typed_property_of_the_ontology_has_its_datatype_shape() -> None:
    ontology = Graph().parse(ontology_dir() / "planegraf.ttl")
    typed = {prop: URIRef(kind) for prop in ontology.subjects(RDF.type, OWL.DatatypeProperty)
             for kind in ontology.objects(prop, RDFS.range)
             if str(kind).startswith(_XSD) or kind == RDF.langString}
    assert typed  # the ontology declares them; an empty set would prove nothing
    shapes = _datatype_shapes()
    missing = {str(prop): str(kind) for prop, kind in typed.items()
               if kind not in shapes.get(URIRef(prop), set())}
    assert missing == {}


def test_every_property_the_data_writes_with_a_datatype_has_its_datatype_shape() -> None:
    used: dict[str, set[str]] = {}
    for path in sorted([*graph_dir().glob("*.trig"), *registry_dir().glob("*.trig")]):
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.TRIG):
            term = quad.object
            if isinstance(term, ox.Literal) and term.language is None:
                used.setdefault(quad.predicate.value, set()).add(term.datatype.value)
    shapes = _datatype_shapes()
    missing = {prop: sorted(kinds - {str(k) for k in shapes.get(URIRef(prop), set())})
               for prop, kinds in used.items()}
    assert {prop: kinds for prop, kinds in missing.items() if kinds} == {}


ILL_TYPED = [
    ("https://w3id.org/planegraf/def#endYear", '"tjugo"^^xsd:integer', "EndYearDatatype"),
    ("https://w3id.org/planegraf/def#startYear", '"2018.5"^^xsd:integer', "StartYearDatatype"),
    ("https://w3id.org/planegraf/def#stated", '"ja"^^xsd:boolean', "StatedDatatype"),
    ("http://purl.org/dc/terms/modified", '"2019-02-30"^^xsd:date', "ModifiedDatatype"),
    ("http://purl.org/dc/terms/date", '"tjugo"^^xsd:gYear', "YearText"),
    ("http://purl.org/dc/terms/dateAccepted", '"19"^^xsd:gYear', "YearText"),
]


@pytest.mark.parametrize(("prop", "literal", "shape"), ILL_TYPED,
                         ids=[case[0].rsplit("#", 1)[-1].rsplit("/", 1)[-1] for case in ILL_TYPED])
def test_an_ill_typed_value_loaded_from_a_file_survives_and_is_reported(
        tmp_path: Path, prop: str, literal: str, shape: str) -> None:
    data = tmp_path / "ill-typed.trig"
    data.write_text(f"@prefix xsd: <{_XSD}> .\n<https://w3id.org/planegraf/id/graph/test-plan>"
                    f" {{ <{PLAN}> <{prop}> {literal} . }}\n", encoding="utf-8")
    store = load_dataset([FIXTURES / "minimal-plan.trig", data], bundled=False)
    lexical = literal.split('"')[1]
    kept = [row["o"] for row in store.oxigraph.query(
        f"SELECT ?o WHERE {{ GRAPH ?g {{ <{PLAN}> <{prop}> ?o }} }}")]
    # The store keeps the text as written: nothing normalised it into a valid value.
    assert [(o.value, o.datatype.value) for o in kept] == [
        (lexical, _XSD + literal.rsplit(":", 1)[1])]
    for report in (validate_store(store), validate_graph(store.to_rdflib_graph())):
        found = {(f.shape.removeprefix(SHAPES), f.focus) for f in report.violations}
        assert (shape, PLAN) in {(s, str(focus)) for s, focus in found}


def test_an_end_year_written_in_words_fails_validate_with_exit_1(tmp_path: Path) -> None:
    plan = (graph_dir() / "rjl-hp-2018-2020.trig").read_text(encoding="utf-8")
    assert "pg:endYear 2020" in plan
    data = tmp_path / "rjl-hp-2018-2020.trig"
    data.write_text(plan.replace("pg:endYear 2020", 'pg:endYear "tjugo"^^xsd:integer'),
                    encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "planegraf.cli", "validate", str(data),
                           "--lang", "en", "-q"], capture_output=True, text=True, timeout=600,
                          cwd=REPOSITORY)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "The end year (pg:endYear) must be an integer" in done.stdout + done.stderr
    assert "tjugo" in done.stdout + done.stderr
