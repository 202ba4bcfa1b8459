"""SHACL validation of the dataset and the bilingual report people read.

The shapes live in ``ontology/shapes/``; every shape carries its severity and one message in
Swedish and one in English, so the report can be written in either language.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Literal as Lang

import pyshacl
from rdflib import RDF, RDFS, SH, SKOS, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .resources import shapes_dir
from .sparql_constraints import SparqlConstraint, run_sparql_constraints, split_sparql_constraints
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
def _split_shapes() -> tuple[Graph, tuple[SparqlConstraint, ...]]:
    core, constraints = split_sparql_constraints(shapes_graph())
    return core, tuple(constraints)


def validate_store(store: EmbeddedStore) -> ValidationReport:
    """Validate the store: core constraints with pyshacl, SPARQL constraints on Oxigraph.

    The same findings as :func:`validate_graph` (a test compares them on every shape
    fixture), several times faster, because rdflib's engine runs each SPARQL constraint once
    per focus node.
    """
    data = store.to_rdflib_graph()
    core, constraints = _split_shapes()
    _, results, _ = pyshacl.validate(
        data, shacl_graph=core, inference="none", abort_on_first=False,
        allow_infos=True, allow_warnings=True,
    )
    assert isinstance(results, Graph)
    findings = _findings(results, data)
    report_node = next(results.subjects(RDF.type, SH.ValidationReport))
    for violation in run_sparql_constraints(store.oxigraph, list(constraints)):
        focus = to_rdflib_term(violation.focus)
        value = to_rdflib_term(violation.value) if violation.value is not None else None
        constraint = violation.constraint
        result = BNode()
        results.add((report_node, SH.result, result))
        results.add((result, RDF.type, SH.ValidationResult))
        results.add((result, SH.focusNode, focus))
        results.add((result, SH.sourceShape, constraint.shape))
        results.add((result, SH.resultSeverity, constraint.severity))
        results.add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
        if value is not None:
            results.add((result, SH.value, value))
        for message in constraint.messages:
            results.add((result, SH.resultMessage, message))
        findings.append(Finding(
            severity_rank=_SEVERITY_ORDER.get(constraint.severity, 3), focus=_show(focus),
            path="", value=_show(value), shape=_show(constraint.shape),
            severity=str(constraint.severity),
            messages=tuple(sorted(
                {(m.language or ""): str(m) for m in constraint.messages}.items())),
            focus_label=_label(data, focus),
        ))
    conforms = not any(f.severity == str(SH.Violation) for f in findings)
    results.set((report_node, SH.conforms, Literal(conforms)))
    return ValidationReport(findings, results)


def validate_graph(data: Graph) -> ValidationReport:
    """Validate an rdflib graph that already holds ontology, registry and derived shortcuts.

    Everything runs in pyshacl; :func:`validate_store` is the fast path used by ``build``.
    """
    _, results, _ = pyshacl.validate(
        data, shacl_graph=shapes_graph(), inference="none", abort_on_first=False,
        allow_infos=True, allow_warnings=True,
    )
    assert isinstance(results, Graph)
    return ValidationReport(_findings(results, data), results)


def _findings(results: Graph, data: Graph) -> list[Finding]:
    shapes = shapes_graph()
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
