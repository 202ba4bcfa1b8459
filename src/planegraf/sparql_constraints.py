"""Runs the shapes' SHACL-SPARQL constraints on Oxigraph instead of rdflib.

pyshacl evaluates a SPARQL constraint once per focus node on rdflib's engine, which costs
about a second per constraint on the bundled data. Here each constraint runs once over the
whole store, joined with its targets, and yields the same (focus node, value) pairs. This is
exact for constraints that mention ``$this`` only in patterns and filters that also bind it
(which ``ontology/shapes/`` keeps to); a test runs every shape fixture through both engines
and compares the results.

Oxigraph plans the inside of ``FILTER NOT EXISTS`` as if the outer variables were unbound,
which makes a three-pattern NOT EXISTS quadratic (minutes at 100 000 triples); where MINUS
means the same (below), the constraint is run with MINUS, which it evaluates as a hash join.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import SH, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql.algebra import translateAlgebra, translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from .shacl_compiler import target_patterns

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


def sparql_constraints(shapes: Graph) -> list[SparqlConstraint]:
    """The shapes' SPARQL constraints, each compiled to one whole-store query.

    (:mod:`planegraf.shacl_compiler` refuses ``sh:sparql`` anywhere but on a targeted node
    shape, the only place this handles it.)
    """
    compiled = []
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql)):
        assert isinstance(shape, URIRef), "SPARQL-constrained shapes must be named"
        select = str(shapes.value(constraint, SH.select))
        prefixes = _prefix_lines(shapes, shapes.value(constraint, SH.prefixes))
        targets = target_patterns(shapes, shape)
        if not targets:
            continue
        union = " UNION ".join("{ " + t + " }" for t in targets)
        body = _not_exists_as_minus(prefixes, _THIS.sub("?this", select))
        query = f"{prefixes}\nSELECT DISTINCT ?this ?value WHERE {{ {{ {union} }} {{ {body} }} }}"
        messages = tuple(
            m for m in [*shapes.objects(constraint, SH.message), *shapes.objects(shape, SH.message)]
            if isinstance(m, Literal)
        )
        severity = shapes.value(shape, SH.severity) or SH.Violation
        assert isinstance(severity, URIRef)
        compiled.append(SparqlConstraint(shape, severity, messages, query))
    return compiled


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



def _not_exists_as_minus(prefixes: str, select: str) -> str:
    """``select`` with each ``FILTER NOT EXISTS { P }`` that equals ``MINUS { P }`` rewritten.

    They are equal when the filter's group and P are both plain triple patterns (so every
    solution of either binds all its variables) and share at least one variable: then "no
    solution of P agrees with this one" is what both say. Anything else is left as written.
    """
    query = translateQuery(parseQuery(f"{prefixes}\n{select}"))
    if not _rewrite(query.algebra):
        return select
    return translateAlgebra(query)


def _rewrite(node: object) -> bool:
    changed = False
    if isinstance(node, CompValue):
        for key, child in list(node.items()):
            if (isinstance(child, CompValue) and child.name == "Filter"
                    and _minus_is_equal(child)):
                node[key] = CompValue("Minus", p1=child.p, p2=_as_bgp(child.expr.graph))
                changed = True
            changed = _rewrite(node[key]) or changed
    elif isinstance(node, list):
        for item in node:
            changed = _rewrite(item) or changed
    return changed


def _minus_is_equal(node: CompValue) -> bool:
    expr, group = node.expr, node.p
    if not (isinstance(expr, CompValue) and expr.name == "Builtin_NOTEXISTS"):
        return False
    inner = _as_bgp(expr.graph)
    if inner is None or not (isinstance(group, CompValue) and group.name == "BGP"):
        return False
    # The group is triple patterns only, so each of its solutions binds all its variables.
    return bool(_bgp_variables(inner) & _bgp_variables(group))


def _as_bgp(pattern: object) -> CompValue | None:
    """The NOT EXISTS pattern as one BGP, if it is only triple patterns (rdflib's algebra
    gives a join of BGPs, or the parser's group form)."""
    if not isinstance(pattern, CompValue):
        return None
    if pattern.name == "BGP":
        return pattern
    if pattern.name == "Join":
        left, right = _as_bgp(pattern.p1), _as_bgp(pattern.p2)
        if left is None or right is None:
            return None
        return CompValue("BGP", triples=[*left.triples, *right.triples])
    return None


def _bgp_variables(bgp: CompValue) -> set[Variable]:
    return {term for triple in bgp.triples for term in triple if isinstance(term, Variable)}
