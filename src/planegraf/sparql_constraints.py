"""Runs the shapes' SHACL-SPARQL constraints on Oxigraph instead of rdflib.

pyshacl evaluates a SPARQL constraint once per focus node on rdflib's engine, which costs
about a second per constraint on the bundled data. Here each constraint runs once over the
whole store, joined with its targets, and yields the same (focus node, value) pairs. This is
exact for constraints that mention ``$this`` only in patterns and filters that also bind it
(which ``ontology/shapes/`` keeps to); a test runs every shape fixture through both engines
and compares the results.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, SH, Graph, Literal, URIRef
from rdflib.term import Node

_THIS = re.compile(r"\$this\b")


@dataclass(frozen=True)
class SparqlConstraint:
    """One ``sh:sparql`` constraint of a node shape, compiled to a whole-store query."""

    shape: URIRef
    severity: URIRef
    messages: tuple[Literal, ...]
    query: str


@dataclass(frozen=True)
class SparqlViolation:
    constraint: SparqlConstraint
    focus: ox.NamedNode | ox.BlankNode
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None


def split_sparql_constraints(shapes: Graph) -> tuple[Graph, list[SparqlConstraint]]:
    """The shapes without their SPARQL constraints, and those constraints compiled."""
    core = Graph()
    for triple in shapes:
        if triple[1] != SH.sparql:
            core.add(triple)
    compiled = []
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql)):
        assert isinstance(shape, URIRef), "SPARQL-constrained shapes must be named"
        select = str(shapes.value(constraint, SH.select))
        prefixes = _prefix_lines(shapes, shapes.value(constraint, SH.prefixes))
        targets = _target_patterns(shapes, shape)
        if not targets:
            continue
        union = " UNION ".join("{ " + t + " }" for t in targets)
        body = _THIS.sub("?this", select)
        query = f"{prefixes}\nSELECT DISTINCT ?this ?value WHERE {{ {{ {union} }} {{ {body} }} }}"
        messages = tuple(
            m for m in [*shapes.objects(constraint, SH.message), *shapes.objects(shape, SH.message)]
            if isinstance(m, Literal)
        )
        severity = shapes.value(shape, SH.severity) or SH.Violation
        assert isinstance(severity, URIRef)
        compiled.append(SparqlConstraint(shape, severity, messages, query))
    return core, compiled


def run_sparql_constraints(
    store: ox.Store, constraints: list[SparqlConstraint]
) -> Iterator[SparqlViolation]:
    """Evaluate each constraint over the union of the store's graphs."""
    for constraint in constraints:
        solutions = store.query(constraint.query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        for row in solutions:
            focus = row["this"]
            if isinstance(focus, (ox.NamedNode, ox.BlankNode)):
                yield SparqlViolation(constraint, focus, row["value"])


def _prefix_lines(shapes: Graph, holder: Node | None) -> str:
    if holder is None:
        return ""
    lines = []
    for declaration in shapes.objects(holder, SH.declare):
        prefix = shapes.value(declaration, SH.prefix)
        namespace = shapes.value(declaration, SH.namespace)
        lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(lines))


def _target_patterns(shapes: Graph, shape: URIRef) -> list[str]:
    patterns = []
    rdfs_subclass = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
    for cls in shapes.objects(shape, SH.targetClass):
        patterns.append(f"?this <{RDF.type}>/{rdfs_subclass}* <{cls}> .")
    if (shape, RDF.type, URIRef("http://www.w3.org/2000/01/rdf-schema#Class")) in shapes:
        patterns.append(f"?this <{RDF.type}>/{rdfs_subclass}* <{shape}> .")
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        patterns.append(f"?this <{prop}> [] .")
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        patterns.append(f"[] <{prop}> ?this .")
    for node in shapes.objects(shape, SH.targetNode):
        if isinstance(node, URIRef):
            patterns.append(f"VALUES ?this {{ <{node}> }}")
    return patterns
