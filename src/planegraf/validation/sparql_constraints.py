"""Runs the shapes' SHACL-SPARQL constraints (``sh:sparql``) on Oxigraph instead of rdflib.

SHACL pre-binds ``$this`` to each focus node (SHACL 5.3.1). pyshacl does exactly that, one
query per focus node on rdflib's engine, about a second per constraint on the bundled data.
Here a constraint is run once over the whole store, joined with its focus nodes, when that is
provably the same: :func:`_joinable` checks that every part of the query that mentions
``$this`` also binds it itself (so binding it first or joining afterwards cannot differ), and
that nothing limits, groups or hides it. Any other query runs once per focus node with
``$this`` substituted by Oxigraph (``substitutions``, SEP-0007 pre-binding), so the answer is
exact either way; ``$shapesGraph`` and ``$currentShape`` are pre-bound the same way, with the
shapes graph present in the store as a named graph while those constraints run.

A constraint the SHACL spec forbids or that would reach outside the data (``SERVICE``,
``MINUS``, ``VALUES``, ``BIND … AS $this``, a subquery that does not return ``$this``) is
refused with :class:`UnsupportedShapeError` naming the shape: nothing is ever fetched.

Oxigraph plans the inside of ``FILTER NOT EXISTS`` as if the outer variables were unbound,
which makes a three-pattern NOT EXISTS quadratic (minutes at 100 000 triples); where MINUS
means the same (below), the joined query is run with MINUS, which it evaluates as a hash join.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import OWL, SH, BNode, Graph, Literal, URIRef, Variable
from rdflib.term import Node

from planegraf.validation.shacl_compiler import UnsupportedShapeError, sparql_path, target_patterns

if TYPE_CHECKING:
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.plugins.sparql.sparql import Query

# rdflib's SPARQL package (a tenth of a second to import) is imported where a constraint is
# compiled: a build whose compiled shapes come from the cache never needs it.

THIS, SHAPES_GRAPH, CURRENT_SHAPE = Variable("this"), Variable("shapesGraph"), Variable(
    "currentShape")
# The shapes graph, while a constraint that names $shapesGraph runs.
SHAPES_GRAPH_IRI = "urn:x-planegraf:shapes-graph"
_PATH = re.compile(r"\$PATH\b")
# planegraf's own terms for a screen (not SHACL's): a SPARQL constraint may name, with
# pgsh:screen, a node whose pgsh:ask is an ASK query over the data (with the node's
# sh:prefixes) that is false only when the constraint has no results. planegraf asks it
# first and runs the constraint only where it is true; constraints naming the same screen
# share one ASK. Other SHACL processors ignore both terms. The shapes' author vouches that
# the screen never hides a result (tests/test_validation_screens.py checks planegraf's).
_PGSH = "https://w3id.org/planegraf/def/shapes#"
SCREEN, ASK = URIRef(_PGSH + "screen"), URIRef(_PGSH + "ask")

FocusTerm = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True)
class SparqlConstraint:
    """One ``sh:sparql`` constraint of a shape.

    ``joined`` is the whole-store query (focus nodes joined with the constraint) when that is
    exact, else None and ``query`` runs once per focus node from ``focus_query``.
    """

    shape: Node
    severity: URIRef
    messages: tuple[Literal, ...]
    path: Node | None
    query: str
    focus_query: str
    joined: str | None
    needs_shapes_graph: bool
    projected: frozenset[str] = frozenset()
    # An ASK over the data that is false only when the constraint has no results (declared
    # in the shapes with pgsh:screen, see :data:`SCREEN`); None: always run the constraint.
    screen: str | None = None


@dataclass(frozen=True)
class SparqlViolation:
    constraint: SparqlConstraint
    focus: FocusTerm
    value: FocusTerm | None
    path: ox.NamedNode | None
    messages: tuple[Literal, ...]


def sparql_constraints(shapes: Graph, targeted: Iterable[Node] | None = None) -> list[
        SparqlConstraint]:
    """The SPARQL constraints of the targeted shapes (the compiler refuses ``sh:sparql`` on a
    shape without targets of its own, the only kind handled here)."""
    compiled = []
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql), key=lambda p: str(p)):
        if targeted is not None and shape not in set(targeted):
            continue
        if _deactivated(shapes, shape) or _deactivated(shapes, constraint):
            continue
        compiled.append(_compile(shapes, shape, constraint))
    return compiled


def _compile(shapes: Graph, shape: Node, constraint: Node) -> SparqlConstraint:
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery
    select = shapes.value(constraint, SH.select)
    if select is None:
        raise UnsupportedShapeError(
            f"{shape}: the SPARQL constraint {constraint} has no sh:select; only SELECT-based "
            "constraints are supported")
    path = shapes.value(shape, SH.path)
    text = str(select)
    if path is not None:
        text = _PATH.sub(lambda _: sparql_path(shapes, path), text)
    elif _PATH.search(text):
        raise UnsupportedShapeError(f"{shape}: $PATH in a SPARQL constraint of a node shape")
    prefixes = _prefix_lines(shapes, constraint)
    try:
        parsed = parseQuery(f"{prefixes}\n{text}")
        algebra = translateQuery(parsed)
    except Exception as err:  # rdflib raises pyparsing's and its own errors
        raise UnsupportedShapeError(
            f"{shape}: the SPARQL constraint cannot be read: {err}") from None
    _refuse_forbidden(shape, parsed)
    if algebra.algebra.name != "SelectQuery":
        raise UnsupportedShapeError(f"{shape}: sh:select must hold a SELECT query")
    targets = target_patterns(shapes, shape)
    if not targets:
        raise UnsupportedShapeError(f"{shape}: a SPARQL constraint needs targets on its shape")
    union = " UNION ".join("{ " + t + " }" for t in targets)
    focus_query = f"SELECT DISTINCT ?this WHERE {{ {union} }}"
    needs_shapes_graph = _mentions(algebra.algebra, SHAPES_GRAPH)
    joined = None
    if (not needs_shapes_graph and not _mentions(algebra.algebra, CURRENT_SHAPE)
            and _joinable(algebra.algebra)):
        body = _not_exists_as_minus(algebra, text)
        joined = f"{prefixes}\nSELECT * WHERE {{ {{ {focus_query} }} {{ {body} }} }}"
    messages = tuple(m for m in shapes.objects(constraint, SH.message) if isinstance(m, Literal))
    if not messages:
        messages = tuple(m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal))
    severity = shapes.value(shape, SH.severity) or SH.Violation
    if not isinstance(severity, URIRef):
        raise UnsupportedShapeError(f"{shape}: sh:severity must be an IRI")
    projected = frozenset(str(v) for v in algebra.algebra.get("PV") or ())
    return SparqlConstraint(shape, severity, messages, path, f"{prefixes}\n{text}",
                            focus_query, joined, needs_shapes_graph, projected,
                            _screen(shapes, shape, constraint))


def _screen(shapes: Graph, shape: Node, constraint: Node) -> str | None:
    """The constraint's declared screen (:data:`SCREEN`) as a query, or None."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery
    node = shapes.value(constraint, SCREEN)
    if node is None:
        return None
    ask = shapes.value(node, ASK)
    if not isinstance(ask, Literal):
        raise UnsupportedShapeError(
            f"{shape}: the screen {node} of a SPARQL constraint needs a pgsh:ask query")
    query = f"{_prefix_lines(shapes, node)}\n{ask}"
    try:
        parsed = parseQuery(query)
        algebra = translateQuery(parsed)
    except Exception as err:  # rdflib raises pyparsing's and its own errors
        raise UnsupportedShapeError(f"{shape}: the screen {node} cannot be read: {err}") from None
    if algebra.algebra.name != "AskQuery":
        raise UnsupportedShapeError(f"{shape}: the screen {node} must be an ASK query")
    from rdflib.plugins.sparql.parserutils import CompValue
    if any(isinstance(n, CompValue) and n.name == "ServiceGraphPattern" for n in _walk(parsed)):
        raise UnsupportedShapeError(
            f"{shape}: SERVICE in the screen {node} would query another server; planegraf "
            "never sends validation queries over the network")
    return query


def run_sparql_constraint(store: ox.Store, constraint: SparqlConstraint,
                          shapes: Graph) -> list[SparqlViolation]:
    """Every result of one constraint, over the union of the store's data graphs."""
    if constraint.joined is not None:
        names, rows = _select(constraint, store, constraint.joined,
                              use_default_graph_as_union=True)
        return [_violation(constraint, row, names, row["this"]) for row in rows]
    data_graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.DefaultGraph()]
    data_graphs += [g for g in store.named_graphs() if g.value != SHAPES_GRAPH_IRI]
    _, focus_rows = _select(constraint, store, constraint.focus_query, default_graph=data_graphs)
    found = []
    current = _ox_term(constraint.shape)
    for focus_row in focus_rows:
        focus = focus_row["this"]
        assert isinstance(focus, (ox.NamedNode, ox.BlankNode, ox.Literal))
        query = constraint.query
        for name, term in (("this", focus), ("currentShape", current),
                           ("shapesGraph", ox.NamedNode(SHAPES_GRAPH_IRI))):
            query = _pre_bind(constraint, query, name, term)
        names, rows = _select(constraint, store, query, default_graph=data_graphs)
        found += [_violation(constraint, row, names, focus) for row in rows]
    return found


_SELECT_CLAUSE = re.compile(
    r"(?is)\bSELECT\s+((?:DISTINCT|REDUCED)\s+)?(.*?)(?=\bWHERE\b|\{|\bFROM\b)")


def _pre_bind(constraint: SparqlConstraint, query: str, name: str,
              term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    """The query with the variable ``name`` replaced by ``term`` wherever it occurs, as SHACL
    defines pre-binding (Oxigraph's own substitution binds it only at the top level).

    ``bound($this)`` becomes true, and ``$this`` in a SELECT clause becomes
    ``(<term> AS ?this)``, so the query stays valid SPARQL and still returns it.
    """
    variable = re.compile(r"[?$]" + name + r"\b")
    if not variable.search(query):
        return query
    if isinstance(term, ox.BlankNode):
        raise UnsupportedShapeError(
            f"{constraint.shape}: ${name} would be pre-bound to a blank node, which a query "
            "cannot name; this constraint can only be checked when its query binds "
            f"${name} in a triple pattern (then it runs joined with the focus nodes)")
    written = str(term)
    clauses = itertools.count()

    def projection(match: re.Match[str]) -> str:
        # The outer SELECT returns it as ?name; a subquery under a name of its own, so the
        # two do not clash and the subquery's rows stay as many as they were.
        number = next(clauses)
        alias = name if number == 0 else f"planegraf_{name}_{number}"
        clause = match.group(2)
        out, depth, last = [], 0, 0
        for found in re.finditer(r"[()]|[?$]" + name + r"\b", clause):
            token = found.group(0)
            if token == "(":
                depth += 1
                continue
            if token == ")":
                depth -= 1
                continue
            out.append(clause[last:found.start()])
            out.append(f"({written} AS ?{alias})" if depth == 0 else written)
            last = found.end()
        out.append(clause[last:])
        return match.group(0)[:match.start(2) - match.start(0)] + "".join(out)

    query = re.sub(r"(?i)\bbound\s*\(\s*[?$]" + name + r"\s*\)", "(true)", query)
    query = _SELECT_CLAUSE.sub(projection, query)
    # What is left: every other occurrence (the clauses above were rewritten already).
    parts = re.split(r"(\([^()]*\bAS\s+\?(?:planegraf_)?" + name + r"(?:_\d+)?\s*\))", query)
    return "".join(part if i % 2 else variable.sub(lambda _: written, part)
                   for i, part in enumerate(parts))


Row = dict[str, "ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None"]


def _select(constraint: SparqlConstraint, store: ox.Store, query: str,
            **options: object) -> tuple[set[str], list[Row]]:
    """The rows of a SELECT as dicts, read in the calling thread (Oxigraph's solution
    iterators must be dropped where they were made); errors name the shape."""
    problem = None
    names: list[str] = []
    rows: list[Row] = []
    try:
        solutions = store.query(query, **options)  # type: ignore[arg-type]
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        rows = [{n: row[n] for n in names} for row in solutions]
        del solutions
    except (SyntaxError, OSError, RuntimeError) as err:
        problem = f"{constraint.shape}: the SPARQL constraint failed: {err}"
    if problem is not None:
        raise UnsupportedShapeError(problem)
    return set(names), rows


def shapes_graph_quads(shapes: Graph) -> list[ox.Quad]:
    """The shapes graph as quads of the named graph ``$shapesGraph`` names."""
    graph = ox.NamedNode(SHAPES_GRAPH_IRI)
    quads = []
    for s, p, o in shapes:
        subject, predicate, obj = _ox_term(s), _ox_term(p), _ox_term(o)
        assert isinstance(subject, (ox.NamedNode, ox.BlankNode))
        assert isinstance(predicate, ox.NamedNode)
        quads.append(ox.Quad(subject, predicate, obj, graph))
    return quads


def _violation(constraint: SparqlConstraint, row: Row, names: set[str],
               focus: object) -> SparqlViolation:
    assert isinstance(focus, (ox.NamedNode, ox.BlankNode, ox.Literal))
    value = row.get("value")
    if value is None and constraint.path is None:
        value = focus  # a node shape's value node is its focus node (SHACL 5.3.2)
    path = row.get("path")
    if path is not None and not isinstance(path, ox.NamedNode):
        path = None
    assert value is None or isinstance(value, (ox.NamedNode, ox.BlankNode, ox.Literal))
    messages = tuple(_fill(m, row, names) for m in constraint.messages)
    return SparqlViolation(constraint, focus, value, path, messages)


def _fill(message: Literal, row: Row, names: set[str]) -> Literal:
    """``{?var}`` and ``{$var}`` in a message replaced by the row's value (SHACL 5.3.2)."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        term = row.get(name)
        return match.group(0) if term is None else str(getattr(term, "value", term))
    return Literal(re.sub(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}", value, str(message)),
                   lang=message.language)


def _ox_term(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype is not None:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise TypeError(f"unsupported term {node!r}")


def _deactivated(shapes: Graph, node: Node) -> bool:
    flag = shapes.value(node, SH.deactivated)
    return isinstance(flag, Literal) and flag.value is True


def _prefix_lines(shapes: Graph, constraint: Node) -> str:
    """The PREFIX lines of ``sh:prefixes``, following ``owl:imports`` within the shapes graph
    (SHACL 5.2.1); two namespaces for one prefix is an error in the shapes."""
    seen: set[Node] = set()
    todo = list(shapes.objects(constraint, SH.prefixes))
    declared: dict[str, str] = {}
    while todo:
        holder = todo.pop()
        if holder in seen:
            continue
        seen.add(holder)
        todo += list(shapes.objects(holder, OWL.imports))
        for declaration in shapes.objects(holder, SH.declare):
            prefix = str(shapes.value(declaration, SH.prefix))
            namespace = str(shapes.value(declaration, SH.namespace))
            if declared.setdefault(prefix, namespace) != namespace:
                raise UnsupportedShapeError(
                    f"{constraint}: the prefix {prefix!r} is declared as both "
                    f"{declared[prefix]} and {namespace}")
    return "\n".join(f"PREFIX {p}: <{n}>" for p, n in sorted(declared.items()))


# -- what SHACL forbids (5.3.1.1), and what would leave the machine --

def _refuse_forbidden(shape: Node, parsed: object) -> None:
    from rdflib.plugins.sparql.parserutils import CompValue
    for node in _walk(parsed):
        if not isinstance(node, CompValue):
            continue
        if node.name == "ServiceGraphPattern":
            raise UnsupportedShapeError(
                f"{shape}: SERVICE in a SPARQL constraint would query another server; "
                "planegraf never sends validation queries over the network")
        if node.name == "MinusGraphPattern":
            raise UnsupportedShapeError(f"{shape}: MINUS is not allowed in a SHACL-SPARQL "
                                        "constraint (SHACL 5.3.1.1)")
        if node.name in ("InlineData", "ValuesClause"):
            raise UnsupportedShapeError(f"{shape}: VALUES is not allowed in a SHACL-SPARQL "
                                        "constraint (SHACL 5.3.1.1)")
        if node.name == "Bind" and node.get("var") in (THIS, SHAPES_GRAPH, CURRENT_SHAPE):
            raise UnsupportedShapeError(
                f"{shape}: BIND … AS ${node.get('var')} assigns a pre-bound variable (SHACL "
                "5.3.1.1)")
        if node.name == "SubSelect":
            projected = node.get("projection")
            names = {p.get("var") for p in projected or []
                     if isinstance(p, CompValue)}
            if projected is None or THIS not in names:
                raise UnsupportedShapeError(
                    f"{shape}: a subquery of a SPARQL constraint must select $this (SHACL "
                    "5.3.1.1)")


def _walk(node: object) -> Iterable[object]:
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue
    yield node
    if isinstance(node, CompValue):
        for child in node.values():
            yield from _walk(child)
    elif isinstance(node, (list, tuple, ParseResults)):
        for child in node:
            yield from _walk(child)


def _mentions(node: object, var: Variable) -> bool:
    return any(n == var for n in _walk(node) if isinstance(n, Variable))


# -- when joining with the focus nodes is the same as pre-binding $this --

class _NotJoinable(Exception):
    pass


def _joinable(algebra: CompValue) -> bool:
    """Whether ``$this`` is certainly bound by every part of the query that mentions it, and
    the query neither limits, groups nor hides it; then running it once joined with the focus
    nodes gives per focus node exactly what pre-binding gives."""
    try:
        return THIS in _bound(algebra.p)
    except _NotJoinable:
        return False


def _bound(node: object) -> set[Variable]:
    """The variables every solution of ``node`` binds; raises where ``$this`` is used but
    not bound by the pattern using it."""
    from rdflib.plugins.sparql.parserutils import CompValue
    if not isinstance(node, CompValue):
        raise _NotJoinable
    name = node.name
    if name == "BGP":
        return {t for triple in node.triples for t in triple if isinstance(t, Variable)}
    if name == "Join":
        return _bound(node.p1) | _bound(node.p2)
    if name == "LeftJoin":
        left, right = _bound(node.p1), _bound(node.p2)
        _uses(node.get("expr"), left | right)
        return left
    if name == "Union":
        return _bound(node.p1) & _bound(node.p2)
    if name == "Filter":
        bound = _bound(node.p)
        _uses(node.expr, bound)
        return bound
    if name == "Extend":
        bound = _bound(node.p)
        if node.var == THIS:
            raise _NotJoinable
        _uses(node.expr, bound)
        return bound | {node.var}
    if name == "Graph":
        bound = _bound(node.p)
        if node.term == THIS:
            raise _NotJoinable
        return bound | ({node.term} if isinstance(node.term, Variable) else set())
    if name == "Project":
        bound = _bound(node.p)
        projected = set(node.PV)
        if THIS not in projected:
            raise _NotJoinable
        return bound & projected
    if name in ("Distinct", "Reduced", "ToMultiSet", "OrderBy"):
        return _bound(node.p)
    raise _NotJoinable  # LIMIT, GROUP BY, aggregates, VALUES …: run per focus node


def _uses(expr: object, bound: set[Variable]) -> None:
    if expr is not None and _mentions(expr, THIS) and THIS not in bound:
        raise _NotJoinable


def _not_exists_as_minus(query: Query, select: str) -> str:
    """``select`` with each ``FILTER NOT EXISTS { P }`` that equals ``MINUS { P }`` rewritten.

    They are equal when the filter's group and P are both plain triple patterns (so every
    solution of either binds all its variables) and share at least one variable: then "no
    solution of P agrees with this one" is what both say. Anything else is left as written.
    """
    from rdflib.plugins.sparql.algebra import translateAlgebra
    if not _rewrite(query.algebra):  # (rewrites the parsed query in place)
        return select
    return translateAlgebra(query)


def _rewrite(node: object) -> bool:
    from rdflib.plugins.sparql.parserutils import CompValue
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
    from rdflib.plugins.sparql.parserutils import CompValue
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
    from rdflib.plugins.sparql.parserutils import CompValue
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
