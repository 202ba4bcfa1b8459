"""Ontology documentation: classes, properties, concept schemes and SHACL shapes of
``ontology/`` as the data of the site's bilingual ``def/index.html`` (the site renders it;
this module knows nothing of the site).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from rdflib import OWL, RDF, RDFS, SH, SKOS, Graph, Literal, URIRef
from rdflib.term import Node

from planegraf.resources import ontology_dir
from planegraf.validation.validate import shapes_graph

PG = "https://w3id.org/planegraf/def#"
_CONSTRAINTS = (SH.minCount, SH.maxCount, SH["class"], SH.datatype, SH.nodeKind, SH["in"],
                SH.hasValue, SH.pattern, SH.languageIn, SH.uniqueLang, SH.node, SH.sparql,
                SH.minInclusive, SH.maxInclusive, SH.disjoint, SH.equals, SH.lessThan)


@cache
def ontology_graph() -> Graph:
    graph = Graph()
    for path in sorted(ontology_dir().glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph




def _text(graph: Graph, node: Node, predicate: URIRef, lang: str) -> str:
    values = [v for v in graph.objects(node, predicate) if isinstance(v, Literal)]
    for wanted in (lang, "en", "sv", None):
        for value in sorted(values):
            if value.language == wanted or wanted is None:
                return str(value)
    return ""


def _short(graph: Graph, node: Node) -> str:
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except ValueError:
            return str(node)
    if isinstance(node, Literal):
        return str(node)
    return "[…]"


@dataclass
class Term:
    iri: str
    anchor: str
    label: str
    definition: str
    facts: list[tuple[str, list[str]]]


def _terms(graph: Graph, kind: URIRef, lang: str, facts: Iterable[tuple[str, URIRef]]
           ) -> list[Term]:
    terms = []
    for node in sorted(n for n in graph.subjects(RDF.type, kind)
                       if isinstance(n, URIRef) and str(n).startswith(PG)):
        terms.append(Term(
            iri=str(node), anchor=str(node)[len(PG):],
            label=_text(graph, node, RDFS.label, lang),
            definition=_text(graph, node, SKOS.definition, lang),
            facts=[(name, sorted(_short(graph, v) for v in graph.objects(node, prop)))
                   for name, prop in facts if (node, prop, None) in graph],
        ))
    return terms


def _schemes(graph: Graph, lang: str) -> list[dict[str, Any]]:
    schemes = []
    for scheme in sorted(s for s in graph.subjects(RDF.type, SKOS.ConceptScheme)
                         if isinstance(s, URIRef)):
        concepts = sorted(graph.subjects(SKOS.inScheme, scheme), key=str)
        schemes.append({
            "iri": str(scheme), "label": _text(graph, scheme, SKOS.prefLabel, lang),
            "definition": _text(graph, scheme, SKOS.definition, lang),
            "concepts": [{"iri": str(c), "notation": _text(graph, c, SKOS.notation, lang),
                          "label": _text(graph, c, SKOS.prefLabel, lang),
                          "definition": _text(graph, c, SKOS.definition, lang)}
                         for c in concepts],
        })
    return schemes


def _shape_rows(lang: str) -> list[dict[str, str]]:
    graph = shapes_graph()
    rows = []
    for shape in sorted(set(graph.subjects(RDF.type, SH.NodeShape))
                        | set(graph.subjects(RDF.type, SH.PropertyShape)), key=str):
        targets = [_short(graph, t) for p in (SH.targetClass, SH.targetNode,
                                               SH.targetSubjectsOf, SH.targetObjectsOf)
                   for t in graph.objects(shape, p)]
        severity = _short(graph, graph.value(shape, SH.severity) or SH.Violation)
        shape_message = _text(graph, shape, SH.message, lang)
        parts = list(graph.objects(shape, SH.property)) or [shape]
        for part in parts:
            path = graph.value(part, SH.path)
            constraints = [f"{_short(graph, c)} {_short(graph, v)}" for c in _CONSTRAINTS
                           for v in graph.objects(part, c) if c != SH.sparql]
            if (part, SH.sparql, None) in graph:
                constraints.append("SPARQL")
            rows.append({
                "shape": _short(graph, shape), "target": ", ".join(sorted(targets)),
                "path": _short(graph, path) if path is not None else "",
                "constraint": "; ".join(constraints),
                "severity": _short(graph, graph.value(part, SH.severity) or SH.Violation)
                if part != shape else severity,
                "message": _text(graph, part, SH.message, lang) or shape_message,
            })
    return rows


# The facts shown for classes (the first) and properties (the rest), by their label key.
FACTS = (("subclass_of", RDFS.subClassOf), ("domain", RDFS.domain), ("range", RDFS.range),
         ("subclass_of", RDFS.subPropertyOf))


def ontology_page(lang: str) -> dict[str, Any]:
    """What ``def/index.html`` shows in ``lang``: the ontology's title, description and
    version, its classes, properties, concept schemes and shapes."""
    graph = ontology_graph()
    ontology = URIRef(PG.rstrip("#"))
    return {
        "title": _text(graph, ontology, URIRef("http://purl.org/dc/terms/title"), lang),
        "description": _text(graph, ontology, URIRef("http://purl.org/dc/terms/description"),
                             lang),
        "version": _text(graph, ontology, OWL.versionInfo, lang),
        "classes": _terms(graph, OWL.Class, lang, FACTS[:1]),
        "object_properties": _terms(graph, OWL.ObjectProperty, lang, FACTS[1:]),
        "datatype_properties": _terms(graph, OWL.DatatypeProperty, lang, FACTS[1:]),
        "schemes": _schemes(graph, lang), "shapes": _shape_rows(lang),
    }
