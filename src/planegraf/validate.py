"""SHACL validation of the dataset and the bilingual report people read.

The shapes live in ``ontology/shapes/``; every shape carries its severity and one message in
Swedish and one in English, so the report can be written in either language. ``build`` runs
them compiled to SPARQL on Oxigraph; pyshacl stays as the reference the tests compare with.
"""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from itertools import chain
from typing import Literal as Lang

import pyoxigraph as ox
from rdflib import RDF, RDFS, SH, SKOS, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .resources import shapes_dir
from .shacl_compiler import CompiledConstraint, compile_shapes
from .sparql_constraints import (
    SparqlConstraint,
    SparqlViolation,
    run_sparql_constraints,
    sparql_constraints,
)
from .store import EmbeddedStore, to_rdflib_term

Language = Lang["sv", "en"]

_SEVERITY_ORDER = {SH.Violation: 0, SH.Warning: 1, SH.Info: 2}
_SEVERITY_NAMES = {
    "sv": {SH.Violation: "Fel", SH.Warning: "Varning", SH.Info: "Information"},
    "en": {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"},
}


@dataclass(frozen=True, order=True)
class Finding:
    """One validation result, with its messages in both languages."""

    severity_rank: int
    focus: str
    path: str
    value: str
    shape: str
    severity: str = field(compare=False)
    messages: tuple[tuple[str, str], ...] = field(compare=False, default=())
    focus_label: str = field(compare=False, default="")

    def message(self, lang: Language) -> str:
        by_lang = dict(self.messages)
        return by_lang.get(lang) or by_lang.get("") or next(iter(by_lang.values()), "")


@dataclass
class ValidationReport:
    """What the shapes found. ``conforms`` ignores warnings and infos."""

    findings: list[Finding]
    results_graph: Graph

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == str(SH.Violation)]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def text(self, lang: Language = "sv") -> str:
        """The report as plain text for a terminal or a file."""
        names = _SEVERITY_NAMES[lang]
        counts = Counter(f.severity for f in self.findings)
        if lang == "sv":
            head = "Valideringsrapport (SHACL)"
            verdict = "Datan följer reglerna." if self.conforms else "Datan bryter mot reglerna."
            summary = ", ".join(
                f"{names[URIRef(s)].lower()}: {counts.get(str(s), 0)}" for s in _SEVERITY_ORDER
            )
        else:
            head = "Validation report (SHACL)"
            verdict = "The data conforms." if self.conforms else "The data does not conform."
            summary = ", ".join(
                f"{names[URIRef(s)].lower()}s: {counts.get(str(s), 0)}" for s in _SEVERITY_ORDER
            )
        lines = [head, "=" * len(head), verdict, summary, ""]
        node_word, path_word, value_word = (
            ("Resurs", "Egenskap", "Värde") if lang == "sv" else ("Resource", "Property", "Value")
        )
        for finding in sorted(self.findings):
            lines.append(f"[{names[URIRef(finding.severity)]}] {finding.message(lang)}")
            focus = finding.focus
            if finding.focus_label:
                focus += f" ({finding.focus_label})"
            lines.append(f"    {node_word}: {focus}")
            if finding.path:
                lines.append(f"    {path_word}: {finding.path}")
            if finding.value:
                lines.append(f"    {value_word}: {finding.value}")
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


@cache
def shapes_graph() -> Graph:
    """All shapes of ``ontology/shapes/`` in one graph."""
    graph = Graph()
    for path in sorted(shapes_dir().glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@cache
def compiled_shapes() -> tuple[tuple[CompiledConstraint, ...], tuple[SparqlConstraint, ...]]:
    """The shapes as queries: core constraints compiled, and their SHACL-SPARQL constraints."""
    shapes = shapes_graph()
    return tuple(compile_shapes(shapes)), tuple(sparql_constraints(shapes))


def validate_store(store: EmbeddedStore, shapes: Graph | None = None) -> ValidationReport:
    """Validate the store with every constraint run as one query on Oxigraph.

    ``shapes`` defaults to the bundled shapes (compiled once per process).

    The same findings as :func:`validate_graph` (pyshacl, the reference: tests compare the
    two on every shape fixture, the bundled data and synthetic national data), without
    copying the store to rdflib, so it keeps up with a million triples.

    >>> from planegraf.build import open_store
    >>> validate_store(open_store()).conforms
    True
    """
    if shapes is None:
        core, sparql = compiled_shapes()
    else:
        core, sparql = tuple(compile_shapes(shapes)), tuple(sparql_constraints(shapes))
    report = _ReportBuilder(store, shapes if shapes is not None else shapes_graph())

    def rows(constraint: CompiledConstraint) -> list[ox.QuerySolution]:
        solutions = store.oxigraph.query(constraint.query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        return list(solutions)

    def violations(constraint: SparqlConstraint) -> list[SparqlViolation]:
        return list(run_sparql_constraints(store.oxigraph, [constraint]))

    # Oxigraph evaluates outside the GIL, so the queries share the cores; map keeps the
    # results in the order of the constraints.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        core_rows, sparql_rows = pool.map(rows, core), pool.map(violations, sparql)
        for constraint, found in zip(core, core_rows, strict=True):
            for row in found:
                report.add(row["this"], row["value"], constraint.path, constraint.shape,
                           constraint.component, constraint.severity, constraint.messages)
        for violation in chain.from_iterable(sparql_rows):
            rule = violation.constraint
            report.add(violation.focus, violation.value, None, rule.shape,
                       SH.SPARQLConstraintComponent, rule.severity, rule.messages)
    return report.finish()


class _ReportBuilder:
    """Findings and the SHACL results graph, built from query rows in pyshacl's shape."""

    def __init__(self, store: EmbeddedStore, shapes: Graph) -> None:
        self.store = store
        self.shapes = shapes
        self.findings: list[Finding] = []
        self.results = Graph()
        self.report_node = BNode()
        self.results.add((self.report_node, RDF.type, SH.ValidationReport))

    def add(self, focus_term: object, value_term: object, path: Node | None, shape: Node,
            component: URIRef, severity: URIRef, messages: tuple[Literal, ...]) -> None:
        focus = to_rdflib_term(focus_term)
        value = to_rdflib_term(value_term) if value_term is not None else None
        results, result = self.results, BNode()
        results.add((self.report_node, SH.result, result))
        results.add((result, RDF.type, SH.ValidationResult))
        results.add((result, SH.focusNode, focus))
        results.add((result, SH.sourceShape, shape))
        results.add((result, SH.resultSeverity, severity))
        results.add((result, SH.sourceConstraintComponent, component))
        if path is not None:
            results.add((result, SH.resultPath, path))
            if isinstance(path, BNode):  # a complex path: its description comes along
                for triple in self.shapes.cbd(path):
                    results.add(triple)
        if value is not None:
            results.add((result, SH.value, value))
        for message in messages:
            results.add((result, SH.resultMessage, message))
        self.findings.append(Finding(
            severity_rank=_SEVERITY_ORDER.get(severity, 3), focus=_show(focus),
            path=_show(path), value=_show(value), shape=_show(shape), severity=str(severity),
            messages=tuple(sorted({(m.language or ""): str(m) for m in messages}.items())),
            focus_label=self._label(focus_term),
        ))

    def _label(self, node: object) -> str:
        # As _label on an rdflib graph: a Swedish prefLabel, else any, else the same for
        # rdfs:label; read straight from the store's indexes.
        if not isinstance(node, (ox.NamedNode, ox.BlankNode)):
            return ""
        for prop in (SKOS.prefLabel, RDFS.label):
            labels = sorted(
                (q.object for q in self.store.oxigraph.quads_for_pattern(
                    node, ox.NamedNode(str(prop)), None, None)
                 if isinstance(q.object, ox.Literal)),
                key=lambda term: (term.language != "sv", term.value))
            if labels:
                return _shorten(labels[0].value)
        return ""

    def finish(self) -> ValidationReport:
        conforms = not any(f.severity == str(SH.Violation) for f in self.findings)
        self.results.add((self.report_node, SH.conforms, Literal(conforms)))
        return ValidationReport(self.findings, self.results)


def validate_graph(data: Graph, shapes: Graph | None = None) -> ValidationReport:
    """Validate an rdflib graph that already holds ontology, registry and derived shortcuts.

    Everything runs in pyshacl: the reference the compiled validator is tested against.
    :func:`validate_store` is the path ``build`` takes.
    """
    import pyshacl  # only the reference path needs it; importing it costs a third of a second

    shapes = shapes if shapes is not None else shapes_graph()
    _, results, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", abort_on_first=False,
        allow_infos=True, allow_warnings=True,
    )
    assert isinstance(results, Graph)
    return ValidationReport(_findings(results, data, shapes), results)


def _findings(results: Graph, data: Graph, shapes: Graph) -> list[Finding]:
    findings = []
    # Only the report's own results: nested sh:detail results repeat them in pyshacl's words.
    top_level = {r for report in results.subjects(RDF.type, SH.ValidationReport)
                 for r in results.objects(report, SH.result)}
    for result in top_level:
        severity = results.value(result, SH.resultSeverity) or SH.Violation
        focus = results.value(result, SH.focusNode)
        shape = results.value(result, SH.sourceShape)
        messages = {
            (m.language or ""): str(m)
            for m in _messages(results, result, shapes, shape)
        }
        findings.append(
            Finding(
                severity_rank=_SEVERITY_ORDER.get(URIRef(str(severity)), 3),
                focus=_show(focus),
                path=_show(results.value(result, SH.resultPath)),
                value=_show(results.value(result, SH.value)),
                shape=_show(shape),
                severity=str(severity),
                messages=tuple(sorted(messages.items())),
                focus_label=_label(data, focus),
            )
        )
    return findings


def _messages(results: Graph, result: Node, shapes: Graph, shape: Node | None) -> list[Literal]:
    found = [m for m in results.objects(result, SH.resultMessage) if isinstance(m, Literal)]
    if shape is not None:
        found += [m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal)]
    return found


def _show(node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, Literal):
        return repr(str(node))
    return str(node) if isinstance(node, URIRef) else "(" + type(node).__name__ + ")"


def _label(data: Graph, node: Node | None) -> str:
    if node is None:
        return ""
    for prop in (SKOS.prefLabel, RDFS.label):
        labels = list(data.objects(node, prop))
        for label in labels:
            if isinstance(label, Literal) and label.language == "sv":
                return _shorten(str(label))
        if labels:
            return _shorten(str(labels[0]))
    return ""


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
