"""The validator is right or says it cannot (issue 13.1): each wrong answer measured on the
old engine, as a user would meet it, and ``planegraf validate --shapes/--report``."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import SH, Graph, Literal, URIRef

from planegraf.rdf.store import EmbeddedStore
from planegraf.validation.lexical import Source
from planegraf.validation.shacl_compiler import UnsupportedShapeError
from planegraf.validation.validate import ValidationReport, load_shapes, validate_store

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
"""
EX = "http://example.org/"
XSD_INT = "http://www.w3.org/2001/XMLSchema#int"


def _validate(tmp_path: Path, data: str, shapes: str) -> ValidationReport:
    data_file, shapes_file = tmp_path / "data.ttl", tmp_path / "shapes.ttl"
    data_file.write_text(PREFIXES + data, encoding="utf-8")
    shapes_file.write_text(PREFIXES + shapes, encoding="utf-8")
    store = EmbeddedStore()
    store.load_file(data_file)
    return validate_store(store, load_shapes([shapes_file]), sources=[Source(data_file)])


def _values(report: ValidationReport) -> set[Literal]:
    return {v for v in report.results_graph.objects(None, SH.value) if isinstance(v, Literal)}


def test_an_xsd_int_value_is_not_mistaken_for_xsd_integer(tmp_path: Path) -> None:
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:a ;
        sh:property [ sh:path ex:n ; sh:datatype xsd:int ] ;
        sh:property [ sh:path ex:m ; sh:datatype xsd:integer ] ."""
    report = _validate(tmp_path, 'ex:a ex:n "5"^^xsd:int ; ex:m "5"^^xsd:int .', shapes)
    # ex:n conforms (it is an xsd:int); ex:m does not, and the value is shown as written.
    assert _values(report) == {Literal("5", datatype=URIRef(XSD_INT))}
    assert len(report.violations) == 1 and report.violations[0].path == EX + "m"


@pytest.mark.parametrize("literal", ['"tjugo"^^xsd:integer', '"2002-13-01"^^xsd:date',
                                     '"300"^^xsd:byte'])
def test_an_ill_typed_literal_is_reported_by_sh_datatype(tmp_path: Path, literal: str) -> None:
    datatype = literal.split("^^xsd:")[1]
    shapes = f"ex:S a sh:NodeShape ; sh:targetNode ex:a ; " \
             f"sh:property [ sh:path ex:n ; sh:datatype xsd:{datatype} ] ."
    report = _validate(tmp_path, f"ex:a ex:n {literal} .", shapes)
    assert [f.path for f in report.violations] == [EX + "n"]
    (value,) = _values(report)
    assert str(value) == literal.split('"')[1] and str(value.datatype).endswith(datatype)


def test_has_value_4_0_is_not_met_by_a_value_written_4(tmp_path: Path) -> None:
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:a, ex:b ;
        sh:property [ sh:path ex:n ; sh:hasValue 4.0 ] ."""
    report = _validate(tmp_path, "ex:a ex:n 4.0 . ex:b ex:n 4.00 .", shapes)
    assert {f.focus for f in report.violations} == {EX + "b"}


def test_min_exclusive_judges_values_written_4_0_by_value(tmp_path: Path) -> None:
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:a ;
        sh:property [ sh:path ex:n ; sh:minExclusive 4 ] ."""
    report = _validate(tmp_path, "ex:a ex:n 4.0, 4.10, 3.9 .", shapes)
    assert {str(v) for v in _values(report)} == {"4.0", "3.9"}


def test_a_warning_makes_sh_conforms_false_but_is_not_a_violation(tmp_path: Path) -> None:
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:severity sh:Warning ;
        sh:property [ sh:path ex:n ; sh:minCount 1 ; sh:severity sh:Warning ] ."""
    report = _validate(tmp_path, "ex:a ex:m 1 .", shapes)
    assert not report.conforms and not report.has_violations
    assert (None, SH.conforms, Literal(False)) in report.results_graph
    assert "only violations stop a build" in report.text("en")


def test_a_custom_constraint_component_is_refused_naming_the_shape(tmp_path: Path) -> None:
    shapes = """ex:Comp a sh:ConstraintComponent ; sh:parameter [ sh:path ex:lang ] .
        ex:S a sh:NodeShape ; sh:targetNode ex:a ; ex:lang "de" ."""
    with pytest.raises(UnsupportedShapeError, match=f"{EX}S.*custom constraint components"):
        _validate(tmp_path, "ex:a ex:n 1 .", shapes)


def test_a_sparql_based_target_is_refused_not_skipped(tmp_path: Path) -> None:
    shapes = """ex:S a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ;
        sh:select "SELECT ?this WHERE { ?this ?p ?o }" ] ; sh:minCount 1 ."""
    with pytest.raises(UnsupportedShapeError, match="sh:target"):
        _validate(tmp_path, "ex:a ex:n 1 .", shapes)


def test_a_sparql_constraint_with_service_is_refused_and_nothing_is_contacted(
        tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        shapes = f"""ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select
            "SELECT $this WHERE {{ $this ?p ?o SERVICE <http://127.0.0.1:{port}/> {{ ?a ?b ?c }} }}"
            ] ."""
        with pytest.raises(UnsupportedShapeError, match="SERVICE"):
            _validate(tmp_path, "ex:a ex:n 1 .", shapes)
        with pytest.raises(BlockingIOError):
            listener.accept()  # no connection was ever attempted


def test_sparql_constraint_sees_this_pre_bound_inside_nested_groups(tmp_path: Path) -> None:
    # The old engine joined afterwards, so $this was unbound in the inner FILTER: no result.
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:a, ex:b ; sh:sparql [ sh:select
        "SELECT $this WHERE { { FILTER ($this = <http://example.org/a>) } }" ] ."""
    report = _validate(tmp_path, "ex:a ex:n 1 .", shapes)
    assert [f.focus for f in report.violations] == [EX + "a"]


def test_deactivated_sparql_constraint_reports_nothing(tmp_path: Path) -> None:
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:deactivated true ;
        sh:select "SELECT $this WHERE { $this ?p ?o }" ] ."""
    assert _validate(tmp_path, "ex:a ex:n 1 .", shapes).conforms


def test_sparql_prefixes_declared_through_owl_imports_are_used(tmp_path: Path) -> None:
    shapes = """@prefix owl: <http://www.w3.org/2002/07/owl#> .
        <urn:base> sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
        ex:P owl:imports <urn:base> .
        ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:prefixes ex:P ;
            sh:select "SELECT $this ?value WHERE { $this ex:n ?value }" ] ."""
    report = _validate(tmp_path, "ex:a ex:n 1 .", shapes)
    assert [f.focus for f in report.violations] == [EX + "a"]


# --- planegraf validate --shapes --report ------------------------------------------------

def _planegraf(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planegraf.cli", *map(str, args)],
                          capture_output=True, text=True, check=False)


def test_validate_with_own_shapes_writes_the_results_graph(tmp_path: Path) -> None:
    data, shapes, report = tmp_path / "d.ttl", tmp_path / "s.ttl", tmp_path / "r.ttl"
    data.write_text(PREFIXES + 'ex:a a ex:Thing ; ex:n "tjugo"^^xsd:integer .', "utf-8")
    shapes.write_text(PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; "
                      "sh:property [ sh:path ex:n ; sh:datatype xsd:integer ] .", "utf-8")
    done = _planegraf("validate", data, "--shapes", shapes, "--report", report, "--lang", "en")
    assert done.returncode == 1, done.stderr
    results = Graph().parse(report)
    assert (None, SH.conforms, Literal(False)) in results
    assert (None, SH.value, Literal("tjugo", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#integer"))) in results
    # The bundled shapes are replaced: nothing about planegraf's own vocabulary is reported.
    assert "w3id.org/planegraf" not in done.stdout
    data.write_text(PREFIXES + "ex:a a ex:Thing ; ex:n 20 .", "utf-8")
    assert _planegraf("validate", data, "--shapes", shapes, "--report", report).returncode == 0
    assert (None, SH.conforms, Literal(True)) in Graph().parse(report)


def test_validate_refuses_shapes_it_cannot_check_with_exit_2(tmp_path: Path) -> None:
    data, shapes = tmp_path / "d.ttl", tmp_path / "s.ttl"
    data.write_text(PREFIXES + "ex:a ex:n 1 .", "utf-8")
    shapes.write_text(PREFIXES + "ex:S a sh:NodeShape ; sh:targetNode ex:a ; "
                      'sh:pattern "(?<=a)b" .', "utf-8")
    done = _planegraf("validate", data, "--shapes", shapes)
    assert done.returncode == 2
    assert done.stdout == "" and "http://example.org/S" in done.stderr
    assert "pattern" in done.stderr


# --- the EU application profiles a publisher would check against ------------------------

EU_PROFILES = ["dcat-ap-3.0.1/shapes.ttl", "dcat-ap-3.0.1/shapes_recommended.ttl",
               "cpov-2.1.2/core-public-organisation-ap-SHACL.ttl",
               "cpsv-ap-3.2.0/cpsv-ap-SHACL.ttl"]


@pytest.mark.parametrize("profile", EU_PROFILES)
def test_validate_against_an_eu_profile_answers_as_pyshacl(shared: Path, profile: str) -> None:
    from collections import Counter

    from planegraf.resources import graph_dir
    from planegraf.validation.validate import validate_graph

    files = sorted(graph_dir().glob("*.trig"))
    store = EmbeddedStore()
    for path in files:
        store.load_file(path)
    shapes = load_shapes([shared / "external" / profile])
    ours = validate_store(store, shapes, sources=[Source(path) for path in files])
    reference = validate_graph(store.to_rdflib_graph(), shapes)

    def results(report: ValidationReport) -> Counter[tuple[str, ...]]:
        return Counter((f.severity, f.focus, f.path, f.value, f.shape) for f in report.findings)
    assert results(ours) == results(reference)


def test_a_term_shacl_does_not_define_is_ignored_and_reported(tmp_path: Path) -> None:
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:a ;
        sh:property [ sh:path ex:n ; sh:minCont 2 ] ."""
    report = _validate(tmp_path, "ex:a ex:n 1 .", shapes)
    assert report.conforms
    assert ("[sh:path http://example.org/n] uses http://www.w3.org/ns/shacl#minCont, which "
            "SHACL does not define") in report.text("en")
    assert "som inte finns i SHACL" in report.text("sv")


def test_sparql_constraints_on_rewritten_literals_say_how_they_saw_them(tmp_path: Path) -> None:
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select
        "SELECT $this ?value WHERE { $this <http://example.org/n> ?value FILTER (?value > 5) }"
        ] ."""
    report = _validate(tmp_path, "ex:a ex:n 4.0 .", shapes)
    assert report.conforms  # 4.0 is not greater than 5, whatever its spelling
    assert "the SPARQL constraints (sh:sparql) saw them as stored" in report.text("en")
    assert "Note:" not in _validate(tmp_path, "ex:a ex:n 4 .", shapes).text("en")
