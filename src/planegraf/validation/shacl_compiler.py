"""Compiles the SHACL core shapes to SPARQL SELECTs that Oxigraph runs once per constraint.

pyshacl visits every focus node in Python on an rdflib copy of the store, which at national
scale (a million triples) takes minutes; here each constraint becomes one query over the
whole store that returns exactly the validation results pyshacl would report. This is the
one place where SPARQL is written by Python rather than kept in ``.rq`` files: the queries
are generated from the shapes, each from a small fragment documented beside it.

Most constraints also get a :class:`Screen`: a part of one cheap ASK (:func:`screen_queries`)
that is false only when they have no results. Conforming data is checked by the screens
almost alone (the bundled shapes: 41 ASKs and a SELECT or two instead of 64 SELECTs that
each matched the focus nodes again), and a constraint runs as compiled wherever its screen
is true, so the report is the same either way.

A constraint component the compiler does not know raises :class:`UnsupportedShapeError`, so
a new shape can never be skipped in silence.
"""

from __future__ import annotations

import itertools
import re
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, RDFS, SH, XSD, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from planegraf.errors import PlanegrafError
from planegraf.validation.lexical import (
    datatype_expression,
    stand_in,
    value_expression,
    written_with,
)

# Called with a variable name, gives a group pattern binding that variable to each focus node.
FocusPattern = Callable[[str], str]

_TYPE_OF = f"<{RDF.type}>/<{RDFS.subClassOf}>*"

# Predicates of the sh: namespace that declare targets or describe a shape without
# constraining the data; anything else of sh: on a shape must be compiled below.
_NOT_CONSTRAINTS = {
    SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.path,
    SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, SH.defaultValue,
    SH.deactivated, SH.prefixes, SH.declare,
    # parameters read together with sh:qualifiedValueShape, sh:pattern and sh:closed
    SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint,
    SH.flags, SH.ignoredProperties,
}
_SUPPORTED = {
    SH["class"], SH.datatype, SH.nodeKind, SH.minInclusive, SH.maxInclusive, SH.minExclusive,
    SH.maxExclusive, SH.minLength, SH.maxLength, SH.languageIn, SH["in"], SH.hasValue,
    SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedValueShape, SH.node, SH["or"],
    SH["and"], SH["not"], SH.xone, SH.property, SH.pattern, SH.equals, SH.disjoint,
    SH.lessThan, SH.lessThanOrEquals, SH.closed,
}
_COMPONENT = {
    SH["class"]: SH.ClassConstraintComponent, SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent, SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent, SH["in"]: SH.InConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent, SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent, SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.node: SH.NodeConstraintComponent, SH["or"]: SH.OrConstraintComponent,
    SH["and"]: SH.AndConstraintComponent, SH["not"]: SH.NotConstraintComponent,
    SH.xone: SH.XoneConstraintComponent, SH.pattern: SH.PatternConstraintComponent,
    SH.equals: SH.EqualsConstraintComponent, SH.disjoint: SH.DisjointConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
    SH.closed: SH.ClosedConstraintComponent,
}
_COMPARISONS = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">",
                SH.maxExclusive: "<"}
_NODE_KINDS = {
    SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
# XSD datatypes whose lexical form SPARQL can check by casting: a literal that does not
# cast is ill-formed, which sh:datatype reports like pyshacl does.
_CASTABLE = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.boolean, XSD.dateTime,
             XSD.date}


# How constraints share one screening query (see Screen).
ScreenKind = typing.Literal["values", "count", "focus", "alone"]


class UnsupportedShapeError(PlanegrafError):
    """A shape uses SHACL the compiler cannot translate; validating it would skip checks."""


@dataclass(frozen=True)
class Screen:
    """A cheaper test that a constraint has no results (see :func:`screen_queries`).

    ``kind`` says how constraints share one screening query: ``values`` (a condition on each
    value of the path ``key``, the focus nodes left aside), ``count`` (at most one value per
    subject of the path ``key`` satisfies sh:maxCount), ``focus`` (a condition on each focus
    node of the pattern ``key``) and ``alone`` (``test`` is the whole pattern, an anti-join
    that binds ``?this``, not shared; ``key`` is the focus nodes' pattern, or empty).
    """

    kind: ScreenKind
    key: str
    test: str


@dataclass(frozen=True)
class CompiledConstraint:
    """One constraint of one shape as a query whose rows are its validation results.

    The query projects ``?this`` (the focus node), ``?value`` (the value node, unbound where
    SHACL reports none), ``?rpath`` (the result path where it differs from row to row, as
    for sh:closed) and ``?key`` (only to keep results apart, e.g. the language of a
    sh:uniqueLang result).
    """

    shape: Node
    component: URIRef
    path: Node | None
    severity: URIRef
    messages: tuple[Literal, ...]
    query: str
    # A screen that proves there is no result without running ``query`` (None: run it).
    screen: Screen | None = None


@dataclass(frozen=True)
class _Violation:
    """A pattern that matches once (at least) per result of a constraint on a focus node."""

    component: URIRef
    pattern: str
    screen: Screen | None = None


def compile_shapes(shapes: Graph) -> list[CompiledConstraint]:
    """Every core constraint reachable from a targeted shape, as one query each.

    SHACL-SPARQL constraints (``sh:sparql``) are left to
    :mod:`planegraf.validation.sparql_constraints`.

    >>> from planegraf.validation.validate import shapes_graph
    >>> compiled = compile_shapes(shapes_graph())
    >>> sorted({c.component.split("#")[1] for c in compiled})[:3]
    ['ClassConstraintComponent', 'DatatypeConstraintComponent', 'MaxCountConstraintComponent']
    """
    targeted = targeted_shapes(shapes)
    compiler = _Compiler(shapes, targeted)
    compiled: list[CompiledConstraint] = []
    for shape in sorted(targeted, key=str):
        compiled += compiler.top_level(shape, partial(_targets, shapes, shape), targets=shape)
    return compiled


def screen_queries(core: Sequence[CompiledConstraint]) -> list[tuple[str, tuple[int, ...]]]:
    """ASK queries that are false only when the constraints they name (by index in ``core``)
    have no results, so those constraints' own queries need not run; when one is true, its
    constraints are run as compiled. Each screen asks for a superset of its constraints'
    rows, so the report is the same either way; on conforming data the screens are all it
    takes, and they cost less: the focus nodes are matched once per set of targets (not once
    per constraint), the values of a path are read once for every check of each value and
    every sh:maxCount on that path (of any shape), and the checks of each value leave the
    focus nodes aside.

    Errors count as in the constraints' own FILTERs: a condition that fails to evaluate is
    false there, and it is false here (``COALESCE``), so no row is missed.
    """
    groups: dict[tuple[str, str], list[int]] = {}
    for index, constraint in enumerate(core):
        screen = constraint.screen
        if screen is None:
            continue
        group = (("path", screen.key) if screen.kind in ("values", "count") else
                 ("alone", str(index)) if screen.kind == "alone" else ("focus", screen.key))
        groups.setdefault(group, []).append(index)
    queries = []
    for (kind, key), members in groups.items():
        screens = list({s: None for s in (core[i].screen for i in members)
                        if s is not None})  # the same check twice is asked once
        if kind == "alone":
            # The violating values of the path, whoever's, then only those of a focus node:
            # exactly the constraint's rows (its anti-join shares only ?value, never a
            # variable of the focus pattern). Without the focus nodes the screen was true
            # wherever other subjects use the path otherwise (a plan's prov:wasDerivedFrom
            # document against the activities' source excerpts), and the constraint ran.
            # The subquery keeps the anti-join first and the focus test to its rows.
            alone = screens[0]
            query = (f"ASK {{ {{ SELECT ?this WHERE {{ {alone.test} }} }} "
                     f"FILTER EXISTS {{ {alone.key} }} }}" if alone.key else
                     f"ASK {{ {alone.test} }}")
        elif kind == "focus":
            # A node shape's conditions name the focus node ?value (its only value node).
            either = " || ".join(s.test for s in screens)
            query = f"ASK {{ {key} BIND (?this AS ?value) FILTER ({either}) }}"
        else:
            aggregates, clear = [], []
            if any(s.kind == "count" for s in screens):
                # A row per value of each subject, duplicates at most adding rows: as many
                # rows as subjects means no subject has two values (sh:maxCount >= 1 holds).
                aggregates.append("(COUNT(*) AS ?rows) (COUNT(DISTINCT ?this) AS ?subjects)")
                clear.append("?rows = ?subjects")
            tests = [f"COALESCE({s.test}, false)" for s in screens if s.kind == "values"]
            if tests:
                aggregates.append(f"(SUM(IF({' || '.join(tests)}, 1, 0)) AS ?failing)")
                clear.append("?failing = 0")
            query = (f"ASK {{ {{ SELECT {' '.join(aggregates)} WHERE {{ ?this {key} ?value . }} }}"
                     f" FILTER (!COALESCE({' && '.join(clear)}, false)) }}")
        queries.append((query, tuple(members)))
    return queries


def sparql_path(shapes: Graph, path: Node) -> str:
    """A SHACL property path as SPARQL (for ``$PATH`` in SHACL-SPARQL constraints)."""
    return _Compiler(shapes).path(path)


def targeted_shapes(shapes: Graph) -> set[Node]:
    """The shapes with targets of their own; a shape with a target planegraf does not know
    (``sh:target``: SPARQL-based or custom targets) is refused, never skipped."""
    unknown = sorted(str(s) for s in shapes.subjects(SH.target, None))
    if unknown:
        raise UnsupportedShapeError(
            f"{unknown[0]}: sh:target (a SPARQL-based or custom target, SHACL-AF) is not "
            "supported; use sh:targetClass, sh:targetNode, sh:targetSubjectsOf or "
            "sh:targetObjectsOf")
    targeted = {s for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
                            SH.targetObjectsOf) for s in shapes.subjects(p, None)}
    targeted |= {s for s in shapes.subjects(RDF.type, RDFS.Class) if _is_shape(shapes, s)}
    return targeted


def custom_components(shapes: Graph) -> dict[Node, Node]:
    """The parameters of constraint components the shapes declare themselves (SHACL 6),
    each with its component."""
    found: dict[Node, Node] = {}
    # Any node with sh:parameter is a component: its class may be a subclass of
    # sh:ConstraintComponent, which only inference would tell.
    for component in set(shapes.subjects(SH.parameter, None)):
        for parameter in shapes.objects(component, SH.parameter):
            path = shapes.value(parameter, SH.path)
            if path is not None:
                found[path] = component
    return found


def _defined_by_shacl(term: Node) -> bool:
    namespace: Any = SH  # rdflib's DefinedNamespace knows its terms (``in``); mypy does not
    return term in namespace


def not_shacl(shapes: Graph) -> list[tuple[Node, URIRef]]:
    """Subjects and predicates in the sh: namespace that SHACL does not define (DCAT-AP 3.0.1
    writes ``sh:shape`` for ``sh:node``). SHACL gives them no meaning, so they are ignored,
    and the report says so: a typo like ``sh:minCont`` must not pass unnoticed."""
    return sorted({(s, p) for s, p in shapes.subject_predicates(None)
                   if isinstance(p, URIRef) and p.startswith(str(SH)) and not _defined_by_shacl(p)},
                  key=str)


def target_patterns(shapes: Graph, shape: Node, var: str = "?this") -> list[str]:
    """SPARQL patterns binding ``var`` to each target of ``shape`` (class targets include
    instances of subclasses, as SHACL says)."""
    patterns = [f"{var} {_TYPE_OF} {_sparql_term(c)} ." for c in
                sorted(shapes.objects(shape, SH.targetClass), key=str)]
    if (shape, RDF.type, RDFS.Class) in shapes:
        patterns.append(f"{var} {_TYPE_OF} {_sparql_term(shape)} .")
    patterns += [f"{var} {_sparql_term(p)} [] ." for p in
                 sorted(shapes.objects(shape, SH.targetSubjectsOf), key=str)]
    patterns += [f"[] {_sparql_term(p)} {var} ." for p in
                 sorted(shapes.objects(shape, SH.targetObjectsOf), key=str)]
    patterns += [f"VALUES {var} {{ {_sparql_term(n)} }}" for n in
                 sorted(shapes.objects(shape, SH.targetNode), key=str)]
    return patterns


def _targets(shapes: Graph, shape: Node, var: str) -> str:
    """The union of the target patterns (the focus nodes of a targeted shape)."""
    patterns = target_patterns(shapes, shape, var)
    return "{ " + " UNION ".join("{ " + p + " }" for p in patterns) + " }"


def _is_shape(shapes: Graph, node: Node) -> bool:
    return any((node, RDF.type, kind) in shapes for kind in (SH.NodeShape, SH.PropertyShape))


class _Compiler:
    def __init__(self, shapes: Graph, targeted: set[Node] | None = None) -> None:
        self.shapes = shapes
        self.targeted = targeted or set()
        self.custom = custom_components(shapes)
        self.sparql_nodes = set(shapes.objects(None, SH.sparql))
        self._numbers = itertools.count(1)
        self._stack: list[Node] = []  # the nested shapes being compiled, to refuse recursion

    def fresh(self, stem: str) -> str:
        return f"?{stem}{next(self._numbers)}"

    # -- top level: one query per constraint, results reported with this shape as source --

    def top_level(self, shape: Node, focus: FocusPattern, via: tuple[str, ...] = (),
                  targets: Node | None = None) -> list[CompiledConstraint]:
        """The constraints of ``shape`` as queries. ``via`` are the variables of the focus
        nodes of the shapes this one is nested in: a value node reached from two focus nodes
        is validated twice, and reported twice, as SHACL (and pyshacl) do. ``targets`` is
        the shape whose targets ``focus`` matches, when it does."""
        if self._deactivated(shape):
            return []
        self._check_parameters(shape, top_level=True)
        path = self.shapes.value(shape, SH.path)
        severity = self.shapes.value(shape, SH.severity) or SH.Violation
        if not isinstance(severity, URIRef):
            raise UnsupportedShapeError(f"{shape}: sh:severity must be an IRI")
        messages = tuple(sorted(
            (m for m in self.shapes.objects(shape, SH.message) if isinstance(m, Literal)),
            key=lambda m: (m.language or "", str(m))))
        compiled = []
        # A shape on the subjects of its own path (sh:targetSubjectsOf P, sh:path P): a
        # pattern that starts from the values of P has only focus nodes as ?this, so the
        # targets need not be matched again (one scan of P instead of a join of two; the
        # rows are DISTINCT either way).
        implied = (f"?this {self.path(path)} ?value ."
                   if path is not None and self._only_subjects_of(targets, path) else None)
        for violation in self.violations(shape, "?this", "?value", top_level=True):
            start = ("" if implied is not None and violation.pattern.startswith(implied)
                     else focus("?this"))
            query = (f"SELECT DISTINCT ?this ?value ?key ?rpath {' '.join(via)} WHERE {{\n"
                     f"  {start}\n"
                     f"  {violation.pattern}\n}}")
            screen = violation.screen
            if screen is not None and screen.kind in ("focus", "alone"):
                # A focus screen is asked of the focus nodes; an anti-join screen keeps only
                # violating values whose subject is a focus node (see screen_queries).
                screen = Screen(screen.kind, focus("?this"), screen.test)
            compiled.append(CompiledConstraint(shape, violation.component, path, severity,
                                               messages or _default_messages(violation),
                                               query, screen))
        # A property shape's own property shapes report their results directly, with the
        # value nodes of this shape as their focus nodes (sh:property, SHACL 4.8.2).
        for nested in sorted(self.shapes.objects(shape, SH.property), key=str):
            value_focus, outer = self._value_focus(shape, focus, via)
            compiled += self.top_level(nested, value_focus, outer,
                                       targets if path is None else None)
        return compiled

    def _only_subjects_of(self, shape: Node | None, path: Node) -> bool:
        """Whether the only targets of ``shape`` are the subjects of the property ``path``."""
        if shape is None or not isinstance(path, URIRef):
            return False
        shapes = self.shapes
        return (list(shapes.objects(shape, SH.targetSubjectsOf)) == [path]
                and (shape, RDF.type, RDFS.Class) not in shapes
                and not any(True for kind in (SH.targetClass, SH.targetObjectsOf, SH.targetNode)
                            for _ in shapes.objects(shape, kind)))

    def _value_focus(self, shape: Node, focus: FocusPattern,
                     via: tuple[str, ...]) -> tuple[FocusPattern, tuple[str, ...]]:
        path = self.shapes.value(shape, SH.path)
        if path is None:
            return focus, via
        outer = self.fresh("focus")
        projected = (*via, outer)

        def value_nodes(var: str) -> str:
            return (f"{{ SELECT DISTINCT {' '.join(projected)} {var} WHERE {{ {focus(outer)} "
                    f"{outer} {self.path(path)} {var} . }} }}")
        return value_nodes, projected

    # -- the violation patterns of one shape, given the variable of its focus node --

    def violations(self, shape: Node, this: str, value: str,
                   top_level: bool = False) -> list[_Violation]:
        """Patterns, one per constraint of ``shape``, each matching where ``this`` violates it.

        ``value`` is bound to the value node in results that report one.
        """
        shapes = self.shapes
        path = shapes.value(shape, SH.path)
        found: list[_Violation] = []

        def each_value(condition: str) -> str:
            # The value nodes: the values of the path, or the focus node itself (node shape).
            if path is None:
                return f"BIND ({this} AS {value}) FILTER ({condition})"
            return f"{this} {self.path(path)} {value} . FILTER ({condition})"

        def value_screen(condition: str) -> Screen | None:
            # Each value checked alone: the values of the path, whoever's they are (a
            # superset of the focus nodes' values), or the focus node itself.
            if not top_level:
                return None
            if path is None:
                return Screen("focus", "", condition)
            return Screen("values", self.path(path), condition) if self._bounded(path) else None

        for parameter in sorted({p for p in shapes.predicates(shape, None)}, key=str):
            if parameter not in _SUPPORTED or parameter == SH.property:
                continue
            assert isinstance(parameter, URIRef)
            for argument in sorted(shapes.objects(shape, parameter), key=str):
                component = _COMPONENT.get(parameter)
                screen: Screen | None = None
                if parameter == SH.qualifiedValueShape:
                    found += self._qualified(shape, path, this, argument, top_level)
                    continue
                if parameter == SH.closed:
                    if str(argument) != "true":
                        continue
                    found.append(_Violation(SH.ClosedConstraintComponent, self._closed(
                        shape, path, this, value, "?rpath" if top_level else self.fresh("p"))))
                    continue
                if parameter in (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals):
                    assert component is not None
                    found += [_Violation(component, p) for p in
                              self._pair(shape, parameter, argument, path, this, value,
                                         top_level)]
                    continue
                if parameter == SH.pattern:
                    flags = shapes.value(shape, SH.flags)
                    regex = _regex_arguments(shape, str(argument),
                                             None if flags is None else str(flags))
                    condition = _not_matching(regex, value)
                    pattern, screen = each_value(condition), value_screen(condition)
                elif parameter == SH.hasValue and path is None:
                    # On a node shape the focus node must be the value; SHACL reports no value.
                    condition = f"!sameTerm({this}, {_sparql_term(argument)})"
                    pattern = f"FILTER ({condition})"
                    screen = Screen("focus", "", condition) if top_level else None
                elif parameter in (SH.minCount, SH.maxCount, SH.uniqueLang, SH.hasValue):
                    if path is None:
                        raise UnsupportedShapeError(
                            f"{shape}: {parameter} needs sh:path (node shapes have one value)")
                    pattern, screen = self._on_all_values(parameter, argument, self.path(path),
                                                          this, top_level)
                else:
                    condition = self.value_condition(parameter, argument, value)
                    pattern, screen = each_value(condition), value_screen(condition)
                    present = self._present(parameter, argument, value) if top_level else None
                    if present is not None:
                        # One anti-join over the store instead of one lookup (a closure of
                        # rdfs:subClassOf for sh:class) per value: the same rows.
                        start = (f"{this} {self.path(path)} {value} ." if path is not None
                                 else f"BIND ({this} AS {value})")
                        pattern = f"{start} MINUS {{ {present} }}"
                        # Screened by the same anti-join without the focus nodes: the values
                        # of the path, whoever's they are.
                        screen = (Screen("alone", "", pattern)
                                  if path is not None and self._bounded(path) else None)
                assert component is not None
                found.append(_Violation(component, pattern, screen))
        if not top_level:
            # Nested, a shape's property shapes are part of whether it conforms.
            for nested in sorted(shapes.objects(shape, SH.property), key=str):
                if self._deactivated(nested):
                    continue
                self._check_parameters(nested, top_level=False)
                if path is None:
                    inner = self.conforms_not(nested, this)
                    found.append(_Violation(SH.PropertyConstraintComponent,
                                            f"FILTER ({inner})"))
                else:
                    node = self.fresh("v")
                    found.append(_Violation(SH.PropertyConstraintComponent,
                                            f"{this} {self.path(path)} {node} . "
                                            f"FILTER ({self.conforms_not(nested, node)})"))
        return found

    def _pair(self, shape: Node, parameter: Node, other: Node, path: Node | None, this: str,
              value: str, top_level: bool) -> list[str]:
        """sh:equals, sh:disjoint, sh:lessThan, sh:lessThanOrEquals (SHACL 4.5): the value
        nodes compared with the values of ``other`` on the focus node."""
        if not isinstance(other, URIRef):
            raise UnsupportedShapeError(f"{shape}: {parameter} needs a property IRI")
        prop = _sparql_term(other)
        values = (f"{this} {self.path(path)} {value} ." if path is not None
                  else f"BIND ({this} AS {value})")
        if parameter == SH.equals:
            # A value node the property lacks, and a property value that is no value node.
            missing = f"{values} FILTER NOT EXISTS {{ {this} {prop} {value} }}"
            extra = (f"{this} {prop} {value} . FILTER NOT EXISTS "
                     f"{{ {this} {self.path(path)} {value} }}" if path is not None else
                     f"{this} {prop} {value} . FILTER (!sameTerm({value}, {this}))")
            return [missing, extra]
        if parameter == SH.disjoint:
            return [f"{values} {this} {prop} {value} ."]
        if path is None:
            raise UnsupportedShapeError(f"{shape}: {parameter} is for property shapes only")
        other_value = self.fresh("w")
        compare = "<" if parameter == SH.lessThan else "<="
        # One result per pair of values that are not in order (the W3C tests say so).
        key = f" BIND ({other_value} AS ?key)" if top_level else ""
        return [f"{values} {this} {prop} {other_value} . FILTER (!COALESCE("
                f"{value_expression(value)} {compare} {value_expression(other_value)}, false))"
                + key]

    def _closed(self, shape: Node, path: Node | None, this: str, value: str,
                predicate: str) -> str:
        """sh:closed (SHACL 4.8.1): every property of a value node is the IRI path of one of
        the shape's property shapes, or listed in sh:ignoredProperties."""
        allowed = {p for prop in self.shapes.objects(shape, SH.property)
                   for p in self.shapes.objects(prop, SH.path) if isinstance(p, URIRef)}
        for ignored in self.shapes.objects(shape, SH.ignoredProperties):
            allowed |= {p for p in self._list(ignored) if isinstance(p, URIRef)}
        names = ", ".join(_sparql_term(p) for p in sorted(allowed))
        if path is None:
            subject = this
            start = ""
        else:
            subject = self.fresh("n")
            start = f"{this} {self.path(path)} {subject} . "
        return (f"{start}{subject} {predicate} {value} . "
                f"FILTER ({predicate} NOT IN ({names}))")

    def conforms_not(self, shape: Node, node: str) -> str:
        """An expression true when ``node`` does not conform to ``shape`` (targets ignored)."""
        if shape in self._stack:
            raise UnsupportedShapeError(f"{shape}: recursive shapes are not supported")
        if self._deactivated(shape):
            return "false"
        self._check_parameters(shape, top_level=False)
        self._stack.append(shape)
        try:
            patterns = self.violations(shape, node, self.fresh("v"))
        finally:
            self._stack.pop()
        if not patterns:
            return "false"
        union = " UNION ".join("{ " + v.pattern + " }" for v in patterns)
        return f"EXISTS {{ {union} }}"

    def _present(self, parameter: Node, argument: Node, v: str) -> str | None:
        """A group pattern that has a solution binding ``v`` exactly when the value node
        ``v`` satisfies ``parameter argument``, for the constraints that are such a pattern
        (sh:class; sh:node and sh:or of shapes that are one such constraint, or one property
        with a sh:hasValue); else None. Its other variables are fresh, so at the top level
        ``MINUS`` with it keeps exactly the violating values (they share ``v`` with it)."""
        if parameter == SH["class"]:
            return f"{v} {_TYPE_OF} {_sparql_term(argument)} ."
        if parameter == SH.node:
            return self._conforming(argument, v)
        if parameter == SH["or"]:
            members = [self._conforming(s, v) for s in self._list(argument)]
            if not members or any(m is None for m in members):
                return None
            return " UNION ".join("{ " + str(m) + " }" for m in members)
        return None

    def _conforming(self, shape: Node, v: str) -> str | None:
        """A group pattern matching ``v`` exactly when ``v`` conforms to ``shape``, for a
        node shape made of one constraint :meth:`_present` knows, or of one property shape
        with nothing but a sh:hasValue; else None."""
        shapes = self.shapes
        if (shape in self._stack or self._deactivated(shape)
                or shapes.value(shape, SH.path) is not None):
            return None
        constraints = [(p, o) for p, o in shapes.predicate_objects(shape) if p in _SUPPORTED]
        if len(constraints) != 1:
            return None
        [(parameter, argument)] = constraints
        if parameter != SH.property:
            self._stack.append(shape)
            try:
                return self._present(parameter, argument, v)
            finally:
                self._stack.pop()
        path = shapes.value(argument, SH.path)
        inner = [(p, o) for p, o in shapes.predicate_objects(argument) if p in _SUPPORTED]
        if (path is None or self._deactivated(argument) or len(inner) != 1
                or inner[0][0] != SH.hasValue):
            return None
        return f"{v} {self.path(path)} {_sparql_term(inner[0][1])} ."

    def value_condition(self, parameter: Node, argument: Node, v: str) -> str:
        """An expression true when the value node ``v`` violates ``parameter argument``."""
        if parameter == SH["class"]:
            return f"NOT EXISTS {{ {v} {_TYPE_OF} {_sparql_term(argument)} }}"
        if parameter == SH.datatype:
            return f"!({self._has_datatype(argument, v)})"
        if parameter == SH.nodeKind:
            if not isinstance(argument, URIRef) or argument not in _NODE_KINDS:
                raise UnsupportedShapeError(f"unknown sh:nodeKind {argument}")
            return "!" + _NODE_KINDS[argument].format(v=v)
        if isinstance(parameter, URIRef) and parameter in _COMPARISONS:
            # Not comparable (an IRI, another datatype) is a violation too: COALESCE.
            # Compared by value: a literal kept as written (planegraf.validation.lexical) is
            # turned back.
            return (f"!COALESCE({value_expression(v)} {_COMPARISONS[parameter]} "
                    f"{_value_term(argument)}, false)")
        if parameter in (SH.minLength, SH.maxLength):
            compare = "<" if parameter == SH.minLength else ">"
            return f"(isBlank({v}) || STRLEN(STR({v})) {compare} {_sparql_term(argument)})"
        if parameter == SH.languageIn:
            # As pyshacl: the tag, or its first subtag, in the list, ignoring case.
            tags = ", ".join(_string(str(t).lower()) for t in self._list(argument))
            tag = f"LCASE(LANG({v}))"
            return (f"!COALESCE(isLiteral({v}) && LANG({v}) != \"\" && ({tag} IN ({tags}) || "
                    f"STRBEFORE(CONCAT({tag}, \"-\"), \"-\") IN ({tags})), false)")
        if parameter == SH["in"]:
            members = [f"sameTerm({v}, {_sparql_term(m)})" for m in self._list(argument)]
            return "!(" + (" || ".join(members) or "false") + ")"
        if parameter == SH.node:
            return self.conforms_not(argument, v)
        if parameter == SH["not"]:
            return f"!({self.conforms_not(argument, v)})"
        if parameter in (SH["or"], SH["and"], SH.xone):
            members = [self.conforms_not(s, v) for s in self._list(argument)]
            if parameter == SH["or"]:
                return "(" + (" && ".join(members) or "true") + ")"
            if parameter == SH["and"]:
                return "(" + (" || ".join(members) or "false") + ")"
            conforming = " + ".join(f"IF({m}, 0, 1)" for m in members) or "0"
            return f"({conforming}) != 1"
        raise UnsupportedShapeError(f"no value condition for {parameter}")

    def _has_datatype(self, datatype: Node, v: str) -> str:
        if datatype == RDFS.Literal:
            return f"isLiteral({v})"
        if datatype == RDF.langString:
            return f"(isLiteral({v}) && LANG({v}) != \"\")"
        written = (written_with(v, str(datatype)) if isinstance(datatype, URIRef)
                   and _IRI_TERM.fullmatch(str(datatype)) else None)
        same = (f"COALESCE({written}, false)" if written is not None else
                f"COALESCE(isLiteral({v}) && sameTerm({datatype_expression(v)}, "
                f"{_sparql_term(datatype)}), false)")
        if datatype in _CASTABLE:
            cast = f"{_sparql_term(datatype)}({v})"
            return f"({same} && !sameTerm(COALESCE({cast}, \"!\"), \"!\"))"
        return same

    def _on_all_values(self, parameter: Node, argument: Node, path: str, this: str,
                       top_level: bool) -> tuple[str, Screen | None]:
        """Constraints on the set of values of a path rather than on each value, with their
        screens at the top level."""
        if parameter in (SH.minCount, SH.hasValue):
            missing = (f"NOT EXISTS {{ {self._distinct_values(path, this, _count(argument))} }}"
                       if parameter == SH.minCount
                       else f"NOT EXISTS {{ {this} {path} {_sparql_term(argument)} }}")
            return f"FILTER {missing}", Screen("focus", "", missing) if top_level else None
        if parameter == SH.maxCount:
            at_most = _count(argument)
            # sh:maxCount 0 is not screened: the count screen tells one value from more.
            return (self._distinct_values(path, this, at_most + 1),
                    Screen("count", path, "")
                    if top_level and at_most > 0 and _bounded_path(path) else None)
        # sh:uniqueLang: one result per language tag (ignoring case) used twice.
        # Only the literal true switches it on: "1"^^xsd:boolean does not (W3C SHACL test
        # core/property/uniqueLang-002).
        if not (isinstance(argument, Literal) and str(argument) == "true"):
            return "FILTER (false)", None
        a, b = self.fresh("v"), self.fresh("v")
        key = f" BIND (LCASE(LANG({a})) AS ?key)" if top_level else ""
        return (f"{this} {path} {a} . {this} {path} {b} . FILTER (isLiteral({a}) && "
                f"isLiteral({b}) && !sameTerm({a}, {b}) && LANG({a}) != \"\" && "
                f"LCASE(LANG({a})) = LCASE(LANG({b})))" + key), None

    def _distinct_values(self, path: str, this: str, count: int,
                         conforming_to: Node | None = None,
                         conforming_to_none_of: Sequence[Node] = ()) -> str:
        """A pattern matching when ``this`` has at least ``count`` distinct values (that
        conform to ``conforming_to``). Pairwise distinct variables: fine for the small counts
        shapes use, quadratic in ``count``."""
        if count <= 0:
            return ""
        nodes = [self.fresh("v") for _ in range(count)]
        parts = [f"{this} {path} {n} ." for n in nodes]
        parts += [f"FILTER (!sameTerm({a}, {b}))" for a, b in itertools.combinations(nodes, 2)]
        if conforming_to is not None:
            parts += [f"FILTER (!({self.conforms_not(conforming_to, n)}))" for n in nodes]
        for sibling in conforming_to_none_of:
            parts += [f"FILTER ({self.conforms_not(sibling, n)})" for n in nodes]
        return " ".join(parts)

    def _qualified(self, shape: Node, path: Node | None, this: str,
                   qualified: Node, top_level: bool) -> list[_Violation]:
        shapes = self.shapes
        if path is None:
            raise UnsupportedShapeError(f"{shape}: sh:qualifiedValueShape needs sh:path")
        disjoint = shapes.value(shape, SH.qualifiedValueShapesDisjoint)
        siblings: list[Node] = []
        if isinstance(disjoint, Literal) and str(disjoint) == "true":
            # A value counts only if it conforms to none of the sibling shapes: the
            # qualified value shapes of the other property shapes of the same parents.
            siblings = sorted({
                q for parent in shapes.subjects(SH.property, shape)
                for sibling in shapes.objects(parent, SH.property) if sibling != shape
                for q in shapes.objects(sibling, SH.qualifiedValueShape) if q != qualified},
                key=str)
        found = []
        at_least = shapes.value(shape, SH.qualifiedMinCount)
        if at_least is not None:
            pattern = self._distinct_values(self.path(path), this, _count(at_least), qualified,
                                            siblings)
            missing = f"NOT EXISTS {{ {pattern} }}"
            found.append(_Violation(SH.QualifiedMinCountConstraintComponent,
                                    f"FILTER {missing}" if pattern else "FILTER (false)",
                                    Screen("focus", "", missing)
                                    if pattern and top_level else None))
        at_most = shapes.value(shape, SH.qualifiedMaxCount)
        if at_most is not None:
            pattern = self._distinct_values(self.path(path), this, _count(at_most) + 1,
                                            qualified, siblings)
            found.append(_Violation(SH.QualifiedMaxCountConstraintComponent, pattern))
        if not found:
            raise UnsupportedShapeError(
                f"{shape}: sh:qualifiedValueShape without sh:qualifiedMinCount or MaxCount")
        return found

    # -- paths, lists and checks --

    def path(self, path: Node) -> str:
        """A SHACL property path (SHACL 2.3.1) as a SPARQL property path."""
        shapes = self.shapes
        if isinstance(path, URIRef):
            return _sparql_term(path)
        if (path, RDF.first, None) in shapes:
            return "(" + "/".join(self.path(p) for p in self._list(path)) + ")"
        for keyword, template in ((SH.inversePath, "^({})"), (SH.zeroOrMorePath, "({})*"),
                                  (SH.oneOrMorePath, "({})+"), (SH.zeroOrOnePath, "({})?")):
            inner = shapes.value(path, keyword)
            if inner is not None:
                return template.format(self.path(inner))
        alternatives = shapes.value(path, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(p) for p in self._list(alternatives)) + ")"
        raise UnsupportedShapeError(f"unsupported sh:path {path}")

    def _bounded(self, path: Node) -> bool:
        return _bounded_path(self.path(path))

    def _list(self, head: Node) -> list[Node]:
        return list(Collection(self.shapes, head))

    def _deactivated(self, shape: Node) -> bool:
        flag = self.shapes.value(shape, SH.deactivated)
        return isinstance(flag, Literal) and flag.value is True

    def _check_parameters(self, shape: Node, top_level: bool) -> None:
        for parameter in sorted(set(self.shapes.predicates(shape, None)), key=str):
            if parameter in self.custom:
                raise UnsupportedShapeError(
                    f"{shape}: the constraint component {self.custom[parameter]} (parameter "
                    f"{parameter}) is declared in the shapes themselves; custom constraint "
                    "components are not supported, so this shape cannot be checked")
            if not str(parameter).startswith(str(SH)) or not _defined_by_shacl(parameter):
                continue  # not SHACL (a term sh: does not define is ignored, see not_shacl)
            if parameter == SH.sparql:
                if shape in self.targeted:
                    continue  # run by planegraf.validation.sparql_constraints
                raise UnsupportedShapeError(
                    f"{shape}: sh:sparql is supported only on a shape with targets of its "
                    "own, not on one reached through another shape")
            if parameter in (SH.select, SH.ask) and shape in self.sparql_nodes:
                continue  # the shape is its own SPARQL constraint, read with sh:sparql
            if parameter in _SUPPORTED or parameter in _NOT_CONSTRAINTS:
                continue
            raise UnsupportedShapeError(
                f"{shape}: the constraint {parameter} cannot be compiled to SPARQL yet; "
                "add it to planegraf.validation.shacl_compiler (and a case to "
                "tests/test_validator_equivalence.py) or remove it from the shape")


# Constructs where Oxigraph's regular expressions (Rust's regex crate) and XPath's differ:
# POSIX classes, class subtraction, inline groups and look-around, Unicode block names.
_REGEX_DIFFERENCES = ("[:", "-[", "(?", "\\p{Is", "\\P{Is")
# An IRI that can be written between angle brackets as it is (no escapes needed).
_IRI_TERM = re.compile(r'[^<>"{}|^`\\\x00-\x20]+')


def _bounded_path(path: str) -> bool:
    """Whether a SPARQL path has no repetition (``*``, ``+``, ``?``). Screens read a path's
    values from every subject at once; a repeated path would relate every node to its
    closure there, a cost the constraint (which starts from its focus nodes) never pays."""
    return not any(c in re.sub(r"<[^>]*>", "", path) for c in "*+?")


def _not_matching(arguments: str, v: str) -> str:
    """sh:pattern is violated by a blank node or a value whose string does not match."""
    return f"(isBlank({v}) || !REGEX(STR({v}), {arguments}))"


def _regex_arguments(shape: Node, pattern: str, flags: str | None) -> str:
    """The arguments of REGEX for sh:pattern/sh:flags, or a refusal where Oxigraph would read
    the expression otherwise than XPath does (an error in a FILTER would pass in silence)."""
    arguments = _string(pattern) + ("" if flags is None else f", {_string(flags)}")
    differs = next((c for c in _REGEX_DIFFERENCES if c in pattern), None)
    probe = None
    if differs is None:
        solutions = ox.Store().query(f"SELECT (REGEX(\"\", {arguments}) AS ?ok) WHERE {{}}")
        assert isinstance(solutions, ox.QuerySolutions)
        probe = next(iter(solutions))["ok"]
    if probe is None:
        raise UnsupportedShapeError(
            f"{shape}: sh:pattern {pattern!r}" + (f" with sh:flags {flags!r}" if flags else "")
            + " uses regular-expression syntax planegraf cannot check exactly as XPath "
            "defines it" + (f" ({differs!r})" if differs else ""))
    return arguments


def _default_messages(violation: _Violation) -> tuple[Literal, ...]:
    name = str(violation.component).rsplit("#", 1)[-1]
    return (Literal(f"Villkoret {name} är inte uppfyllt.", lang="sv"),
            Literal(f"The constraint {name} is not met.", lang="en"))


def _count(node: Node) -> int:
    if isinstance(node, Literal) and isinstance(node.value, int) and node.value >= 0:
        return node.value
    raise UnsupportedShapeError(f"a count must be a non-negative integer, not {node}")


def _sparql_term(node: Node) -> str:
    """The term as a query names it; a literal the store would rewrite becomes its stand-in,
    so it matches the data as written (planegraf.validation.lexical)."""
    if isinstance(node, Literal) and node.datatype is not None and not node.language:
        substitute = stand_in(ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype))))
        if substitute is not None:
            return f"{_string(substitute.value)}^^<{substitute.datatype.value}>"
    if isinstance(node, (URIRef, Literal)):
        return node.n3()
    raise UnsupportedShapeError(f"a blank node ({node}) cannot be a constraint parameter here")


def _value_term(node: Node) -> str:
    """A literal parameter compared by value (sh:minInclusive 4.0): its value as written."""
    if isinstance(node, Literal) and node.datatype is not None and not node.language:
        return f"STRDT({_string(str(node))}, <{node.datatype}>)"
    return _sparql_term(node)


def _string(text: str) -> str:
    return Literal(text).n3()
