"""SHACL validation of the dataset and the bilingual report people read.

The shapes live in ``ontology/shapes/``; every shape carries its severity and one message in
Swedish and one in English, so the report can be written in either language. ``build`` runs
them compiled to SPARQL on Oxigraph; pyshacl stays as the reference the tests compare with.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache, partial
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar
from typing import Literal as Lang

import pyoxigraph as ox
from rdflib import RDF, RDFS, SH, SKOS, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from planegraf import i18n
from planegraf.errors import InputError
from planegraf.rdf.store import EmbeddedStore, rdf_format_for, read_utf8, to_rdflib_term
from planegraf.resources import cache_dir, shapes_dir
from planegraf.threads import Beside
from planegraf.validation.lexical import (
    Rewritten,
    ScanAhead,
    Source,
    as_written,
    scan,
    swapped,
)
from planegraf.validation.shacl_compiler import (
    CompiledConstraint,
    UnsupportedShapeError,
    compile_shapes,
    not_shacl,
    screen_queries,
    targeted_shapes,
)
from planegraf.validation.sparql_constraints import (
    SHAPES_GRAPH_IRI,
    SparqlConstraint,
    SparqlViolation,
    run_sparql_constraint,
    shapes_graph_quads,
    sparql_constraints,
)

Language = Lang["sv", "en"]
T = TypeVar("T")
Rows = list[dict[str, object]]

_LOG = logging.getLogger(__name__)
_SEVERITY_ORDER = {SH.Violation: 0, SH.Warning: 1, SH.Info: 2}
# The severities' words are in the text catalogue (report_severity_*, report_count_*).
_SEVERITY_WORDS = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


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
    """What the shapes found.

    ``conforms`` is SHACL's sh:conforms: false when there is any result, whatever its
    severity. Whether the data may be published is ``has_violations``: only results of
    severity sh:Violation stop a build; warnings and infos are reported and let it pass.
    """

    findings: list[Finding]
    results_graph: Graph
    # Terms of the sh: namespace that SHACL does not define, ignored: (shape, term).
    ignored: list[tuple[str, str]] = field(default_factory=list)
    # Literals the store rewrote that SHACL-SPARQL constraints saw by value (Swedish, English).
    rewritten_note: tuple[str, str] | None = None
    # Screens that could not be asked (a bug in planegraf: their constraints were run in
    # full instead, so the findings are complete, only slower): what failed and why.
    failed_screens: list[str] = field(default_factory=list)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == str(SH.Violation)]

    @property
    def conforms(self) -> bool:
        return not self.findings

    @property
    def has_violations(self) -> bool:
        return bool(self.violations)

    def text(self, lang: Language = "sv") -> str:
        """The report as plain text for a terminal or a file."""
        t = i18n.section("report", lang)
        names = {severity: t[f"severity_{word}"] for severity, word in _SEVERITY_WORDS.items()}
        counts = Counter(f.severity for f in self.findings)
        verdict = (t["conforms"] if self.conforms else
                   t["violations"] if self.has_violations else t["only_warnings"])
        summary = ", ".join(t[f"count_{word}"].format(n=counts.get(str(severity), 0))
                            for severity, word in _SEVERITY_WORDS.items())
        head = t["title"]
        lines = [head, "=" * len(head), verdict, summary, ""]
        for shape, term in self.ignored:
            lines.append(t["ignored_term"].format(shape=shape, term=term))
        if self.rewritten_note is not None:
            lines.append(self.rewritten_note[0 if lang == "sv" else 1])
        if self.ignored or self.rewritten_note is not None:
            lines.append("")
        node_word, path_word, value_word = t["resource"], t["property"], t["value"]
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


def shapes_graph() -> Graph:
    """All shapes of ``ontology/shapes/`` in one graph (read once per process)."""
    return _bundled_shapes()[0]


@cache
def _bundled_shapes() -> tuple[Graph, tuple[CompiledConstraint, ...],
                               tuple[SparqlConstraint, ...]]:
    """The bundled shapes and their compiled queries, from the compilation cache when the
    shapes, planegraf and rdflib are as they were (compiling reads every SHACL-SPARQL
    constraint with rdflib's SPARQL parser: about 0.4 s of each build of the bundled data,
    the same work every time). The graph and its compilation are cached together, so blank
    nodes in one are the blank nodes of the other."""
    files = sorted(shapes_dir().glob("*.ttl"))
    cache_file = _compilation_cache(files)
    if cache_file is not None:
        try:
            cached = pickle.loads(cache_file.read_bytes())
            if isinstance(cached, tuple) and len(cached) == 3:
                return cached
        except Exception:  # missing, unreadable or from another version: compile again
            pass
    graph = load_shapes(files)
    core, sparql = compile_all(graph)
    if cache_file is not None:
        from planegraf.rdf import atomic

        with contextlib.suppress(OSError):  # a read-only cache folder: compile every time
            atomic.write_bytes(cache_file, pickle.dumps((graph, core, sparql)))
    return graph, core, sparql


def _compilation_cache(files: Sequence[Path]) -> Path | None:
    """Where the compiled shapes are kept (:func:`planegraf.resources.cache_dir`), named by a
    hash of what the compilation depends on."""
    import hashlib
    import sys

    import rdflib

    from planegraf import __version__

    folder = cache_dir()
    if folder is None:
        return None
    key = hashlib.sha256(f"{__version__} {rdflib.__version__} {sys.version}".encode())
    for path in (*files, Path(__file__).with_name("shacl_compiler.py"),
                 Path(__file__).with_name("sparql_constraints.py"),
                 Path(__file__).with_name("lexical.py")):  # its expressions are compiled in
        key.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return folder / f"shapes-{key.hexdigest()[:32]}.pickle"


def load_shapes(paths: Sequence[Path], base_iris: Sequence[str | None] = ()) -> Graph:
    """Shapes files in one rdflib graph, with literals as written.

    rdflib normally rewrites a literal to its canonical form as it parses (``"1"^^xsd:boolean``
    becomes ``"true"``), which would change what a shape says; here it does not. An
    unreadable file is an :class:`~planegraf.errors.InputError` naming file and line.
    """
    import rdflib

    graph = Graph()
    normalize = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        for index, path in enumerate(paths):
            base = base_iris[index] if index < len(base_iris) else None
            fmt = rdf_format_for(path).name
            try:
                graph.parse(data=read_utf8(path).decode("utf-8"), format=_RDFLIB_FORMATS[fmt],
                            publicID=base or path.resolve().as_uri())
            except InputError:
                raise
            except Exception as err:  # rdflib's parsers raise many kinds
                line = getattr(err, "lines", None) or getattr(err, "lineno", None)
                reason = (str(err).splitlines() or [""])[0]
                raise InputError(path, i18n.Message("shapes_unreadable", reason=reason),
                                 line=line if isinstance(line, int) else None,
                                 hint=i18n.Message("shapes_unreadable_hint")) from None
    finally:
        rdflib.NORMALIZE_LITERALS = normalize
    return graph


_RDFLIB_FORMATS = {"Turtle": "turtle", "TriG": "trig", "N-Triples": "nt", "N-Quads": "nquads",
                   "JSON-LD": "json-ld", "RDF/XML": "xml"}


def compile_all(shapes: Graph) -> tuple[tuple[CompiledConstraint, ...],
                                        tuple[SparqlConstraint, ...]]:
    """The shapes as queries: core constraints compiled, and their SHACL-SPARQL constraints.

    Raises :class:`~planegraf.validation.shacl_compiler.UnsupportedShapeError` for anything the
    engine cannot check (it never skips a constraint).
    """
    core = tuple(compile_shapes(shapes))
    return core, tuple(sparql_constraints(shapes, targeted_shapes(shapes)))


def compiled_shapes() -> tuple[tuple[CompiledConstraint, ...], tuple[SparqlConstraint, ...]]:
    """The bundled shapes compiled (once per process, and kept between processes)."""
    _, core, sparql = _bundled_shapes()
    return core, sparql


def validate_store(store: EmbeddedStore, shapes: Graph | None = None,
                   sources: Sequence[Source] = ()) -> ValidationReport:
    """Validate the store with every constraint run as a query on Oxigraph.

    ``shapes`` defaults to the bundled shapes (compiled once per process). ``sources`` are
    the files the store was loaded from: their literals are checked as written, not as the
    store rewrote them (:mod:`planegraf.validation.lexical`); without them the store's terms
    count as written.

    The same findings as :func:`validate_graph` (pyshacl, the reference: tests compare the
    two on every shape fixture, the bundled data, synthetic national data and the W3C SHACL
    test suite), without copying the store to rdflib, so it keeps up with a million triples.

    >>> from planegraf.pipeline import open_store
    >>> validate_store(open_store()).conforms
    True
    """
    return start_validation(store, shapes, sources, beside=False).result()


class PendingValidation:
    """A validation started by :func:`start_validation`; :meth:`result` is its report."""

    def __init__(self, store: EmbeddedStore, shapes: Graph,
                 compiled: tuple[Sequence[CompiledConstraint], Sequence[SparqlConstraint]],
                 sources: Sequence[Source], beside: bool, ahead: ScanAhead | None = None
                 ) -> None:
        self._store, self._shapes, self._compiled = store, shapes, compiled
        self._report: ValidationReport | None = None
        self._work: Beside[ValidationReport | Rewritten] | None = None
        self._ahead = ahead
        self._shared: _SharedQueries | None = None
        if beside:
            shared = self._shared = _SharedQueries()
            self._work = Beside(partial(self._beside, sources, shared),
                                help_with=shared.help)
        else:
            self._report = self._alone(self._scan(sources))

    @property
    def beside(self) -> bool:
        """Whether the validation runs in a thread of its own (else it is already done)."""
        return self._work is not None

    def help(self) -> None:
        """Run here the validation's queries its thread has not begun (none when it runs
        alone, or is not at its queries yet): for a caller about to wait for other work, so
        that its core is not idle while queries remain."""
        if self._shared is not None:
            self._shared.help()

    def abandon(self) -> None:
        """Stop the validation for a caller that has failed: no query not yet begun is run,
        and its thread has ended when this returns (after the query it was running, if
        any), so that nothing reads the store after the caller gave up on it. The report
        is lost."""
        if self._work is None:
            return
        if self._ahead is not None:
            self._ahead.cancel()
        assert self._shared is not None
        self._shared.abandon()
        self._work.wait()
        self._work = None
        self._report = None

    def result(self) -> ValidationReport:
        """The report, once the validation is over (raises what the validation raised)."""
        if self._work is not None:
            outcome, self._work = self._work.result(), None
            self._report = (outcome if isinstance(outcome, ValidationReport)
                            else self._alone(outcome))
        assert self._report is not None
        return self._report

    def _beside(self, sources: Sequence[Source], shared: _SharedQueries
                ) -> ValidationReport | Rewritten:
        # The literals as written are read here, beside the caller: seconds at a million
        # quads when the files are new to the cache. A validation that must change the store
        # (see start_validation) is left to result(), when the caller is done with it.
        rewritten = self._scan(sources)
        shared.check()
        core, sparql = self._compiled
        if rewritten or any(c.needs_shapes_graph for c in sparql):
            return rewritten
        return _validate(self._store, self._shapes, core, sparql, rewritten, shared)

    def _scan(self, sources: Sequence[Source]) -> Rewritten:
        if self._ahead is not None:  # the cache being filled by a child: read it when done
            self._ahead.join()
        if self._shared is not None:  # abandoned while it waited: not seconds of reading
            self._shared.check()
        return scan(sources) if sources else Rewritten({})

    def _alone(self, rewritten: Rewritten) -> ValidationReport:
        core, sparql = self._compiled
        return _validate(self._store, self._shapes, core, sparql, rewritten)


def start_validation(store: EmbeddedStore, shapes: Graph | None = None,
                     sources: Sequence[Source] = (), *, beside: bool = True,
                     ahead: ScanAhead | None = None) -> PendingValidation:
    """:func:`validate_store`, run in a thread of its own when ``beside``, so that the
    caller can read the store meanwhile (Oxigraph evaluates queries outside the GIL:
    ``build`` writes the site on one core while the shapes are checked on the other).

    Beside the caller the queries run one at a time (the caller keeps a core of its own),
    and when the caller waits for :meth:`PendingValidation.result` it runs the queries not
    yet begun itself. A validation that must change the store (literals the store
    rewrote swapped for their form as written, see :mod:`planegraf.validation.lexical`,
    or the shapes graph put in for a constraint that names ``$shapesGraph``) would show
    those changes to any other reader: it runs in ``result()`` instead, when the caller is
    done with the store. Compiling the shapes happens here either way, so an unsupported
    shape is raised at once. The caller must not change the store until ``result()`` has
    returned. ``ahead`` is the cache of literals as written being filled for ``sources``
    (:func:`~planegraf.validation.lexical.scan_ahead`), waited for before they are read.
    """
    if shapes is None:
        core, sparql = compiled_shapes()
    else:
        core, sparql = compile_all(shapes)
    graph = shapes if shapes is not None else shapes_graph()
    return PendingValidation(store, graph, (core, sparql), sources, beside, ahead)


def _validate(store: EmbeddedStore, shapes: Graph, core: Sequence[CompiledConstraint],
              sparql: Sequence[SparqlConstraint], rewritten: Rewritten,
              shared: _SharedQueries | None = None) -> ValidationReport:
    report = _ReportBuilder(store, shapes)

    def rows(constraint: CompiledConstraint) -> list[dict[str, object]]:
        problem = None
        found: list[dict[str, object]] = []
        try:
            solutions = store.oxigraph.query(constraint.query, use_default_graph_as_union=True)
            assert isinstance(solutions, ox.QuerySolutions)
            found = [{"this": row["this"], "value": row["value"], "rpath": row["rpath"]}
                     for row in solutions]
            del solutions  # Oxigraph's iterators must be dropped in the thread that made them
        except (SyntaxError, OSError, RuntimeError) as err:
            # e.g. a sh:pattern Oxigraph's regular expressions cannot compile
            problem = f"{constraint.shape}: {constraint.component} cannot be checked: {err}"
        if problem is not None:
            raise UnsupportedShapeError(problem)
        return found

    def violations(constraint: SparqlConstraint) -> list[SparqlViolation]:
        return run_sparql_constraint(store.oxigraph, constraint, shapes)

    failed: list[str] = []

    def screened(query: str, members: tuple[int, ...]) -> list[Rows]:
        # The screen is false when its constraints have no results (screen_queries); when
        # it is true, or cannot be asked, they run as compiled. A screen that cannot be
        # asked is planegraf's bug: the report stays complete, but it is said (a warning,
        # and the report's failed_screens), so the bug is not hidden as lost speed.
        try:
            maybe = bool(store.oxigraph.query(query, use_default_graph_as_union=True))
        except (SyntaxError, OSError, RuntimeError) as err:
            maybe = True
            _screen_failed(failed, [core[i] for i in members], err)
        return [rows(core[i]) for i in members] if maybe else [[] for _ in members]

    def unscreened(index: int) -> list[Rows]:
        return [rows(core[index])]

    # The core constraints as tasks: each screen with the constraints it screens, each
    # constraint without a screen alone; in_order puts their rows back in the constraints'
    # order.
    screens = screen_queries(core)
    screened_members = {i for _, members in screens for i in members}
    alone = [i for i in range(len(core)) if i not in screened_members]
    core_tasks = [*(partial(screened, q, m) for q, m in screens),
                  *(partial(unscreened, i) for i in alone)]
    order = [*(i for _, members in screens for i in members), *alone]

    def in_order(done: Sequence[list[Rows]]) -> list[Rows]:
        by_index = dict(zip(order, chain.from_iterable(done), strict=True))
        return [by_index[i] for i in range(len(core))]

    # Oxigraph evaluates outside the GIL, so the queries share the cores; map keeps the
    # results in the order of the constraints. SPARQL constraints see the store's own terms
    # (their queries compare values); the core constraints see the literals as written.
    joined = [c for c in sparql if not c.needs_shapes_graph]
    with_shapes = [c for c in sparql if c.needs_shapes_graph]

    def sparql_screened(screen: str | None, members: tuple[int, ...]
                        ) -> list[list[SparqlViolation]]:
        # A declared screen (SparqlConstraint.screen), asked once for the constraints that
        # share it: false, they have no results; true or failing, they run.
        if screen is not None:
            try:
                maybe = bool(store.oxigraph.query(screen, use_default_graph_as_union=True))
            except (SyntaxError, OSError, RuntimeError) as err:
                maybe = True
                _screen_failed(failed, [joined[i] for i in members], err)
            if not maybe:
                return [[] for _ in members]
        return [violations(joined[i]) for i in members]

    sparql_groups: list[tuple[str | None, list[int]]] = []  # (screen, constraints)
    sharing: dict[str, list[int]] = {}
    for index, constraint in enumerate(joined):
        if constraint.screen is None:
            sparql_groups.append((None, [index]))
        elif constraint.screen in sharing:
            sharing[constraint.screen].append(index)
        else:
            sharing[constraint.screen] = [index]
            sparql_groups.append((constraint.screen, sharing[constraint.screen]))
    sparql_tasks = [partial(sparql_screened, screen, tuple(members))
                    for screen, members in sparql_groups]
    sparql_order = [i for _, members in sparql_groups for i in members]

    def sparql_in_order(done: Sequence[list[list[SparqlViolation]]]) -> list[SparqlViolation]:
        by_index = dict(zip(sparql_order, chain.from_iterable(done), strict=True))
        return list(chain.from_iterable(by_index[i] for i in range(len(joined))))
    workers = min(4, os.cpu_count() or 1)
    if shared is not None:
        # Beside a caller: the store is never changed here (start_validation), so every
        # query goes into one list, taken by this thread and the waiting caller.
        assert not rewritten and not with_shapes
        done = shared.run([*sparql_tasks, *core_tasks])
        sparql_rows = sparql_in_order(done[:len(sparql_tasks)])
        core_rows = in_order(done[len(sparql_tasks):])
        return _finish(report, shapes, core, core_rows, sparql_rows, rewritten, sparql, failed)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        sparql_rows = sparql_in_order(list(pool.map(lambda task: task(), sparql_tasks)))
    if with_shapes:
        quads = shapes_graph_quads(shapes)
        store.oxigraph.extend(quads)
        try:
            for constraint in with_shapes:
                sparql_rows += violations(constraint)
        finally:
            store.oxigraph.remove_graph(ox.NamedNode(SHAPES_GRAPH_IRI))
    with swapped(store.oxigraph, rewritten), ThreadPoolExecutor(max_workers=workers) as pool:
        core_rows = in_order(list(pool.map(lambda task: task(), core_tasks)))
    return _finish(report, shapes, core, core_rows, sparql_rows, rewritten, sparql, failed)


def _screen_failed(failed: list[str], constraints: Sequence[CompiledConstraint | SparqlConstraint],
                   error: BaseException) -> None:
    names = ", ".join(sorted({str(c.shape) for c in constraints}))
    problem = f"the screen of {names} could not be asked ({error}); checked in full instead"
    failed.append(problem)
    _LOG.warning("planegraf validation: %s. This is a bug in planegraf; the report is "
                 "complete.", problem)


def _finish(report: _ReportBuilder, shapes: Graph, core: Sequence[CompiledConstraint],
            core_rows: Sequence[list[dict[str, Any]]], sparql_rows: Sequence[SparqlViolation],
            rewritten: Rewritten, sparql: Sequence[SparqlConstraint],
            failed: Sequence[str] = ()) -> ValidationReport:
    for compiled, found in zip(core, core_rows, strict=True):
        for row in found:
            path = row["rpath"]
            report.add(row["this"], row["value"],
                       URIRef(path.value) if isinstance(path, ox.NamedNode) else compiled.path,
                       compiled.shape,
                       compiled.component, compiled.severity, compiled.messages)
    for violation in sparql_rows:
        rule = violation.constraint
        path = (URIRef(violation.path.value) if violation.path is not None else rule.path)
        report.add(violation.focus, violation.value, path, rule.shape,
                   SH.SPARQLConstraintComponent, rule.severity, violation.messages)
    finished = report.finish()
    finished.ignored = [(_describe_shape(shapes, s), str(p)) for s, p in not_shacl(shapes)]
    finished.failed_screens = sorted(failed)
    if rewritten and sparql:
        count = sum(len(quads) for quads in rewritten.swaps.values())
        finished.rewritten_note = (i18n.text("report_rewritten_note", "sv", n=count),
                                   i18n.text("report_rewritten_note", "en", n=count))
    return finished


class Abandoned(Exception):
    """The validation was abandoned by its caller (:meth:`PendingValidation.abandon`)."""


class _SharedQueries:
    """Queries taken one at a time by the validation's thread and, once it waits for the
    report, by the caller's (:meth:`help`): the results in the order of the queries."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._tasks: list[Callable[[], Any]] = []
        self._results: list[Any] = []
        self._errors: list[BaseException] = []
        self._next = 0
        self._running = 0
        self._abandoned = False

    def abandon(self) -> None:
        """Begin no more tasks: :meth:`run` raises :class:`Abandoned` once those running
        are over."""
        with self._lock:
            self._abandoned = True

    def check(self) -> None:
        """Raise :class:`Abandoned` if :meth:`abandon` was called."""
        with self._lock:
            if self._abandoned:
                raise Abandoned

    def run(self, tasks: Sequence[Callable[[], Any]]) -> list[Any]:
        """Every task's result, taking tasks here until none is left."""
        with self._lock:
            self._tasks, self._results = list(tasks), [None] * len(tasks)
        self.help()
        with self._lock:
            while self._running:  # a task the caller took is still running
                self._lock.wait()
            self._tasks = []
            if self._errors:
                raise self._errors[0]
            if self._abandoned:
                raise Abandoned
            return self._results

    def help(self) -> None:
        """Run tasks not yet begun until none is left (or the work is abandoned)."""
        while True:
            with self._lock:
                if self._abandoned or self._next >= len(self._tasks):
                    return
                index, task = self._next, self._tasks[self._next]
                self._next += 1
                self._running += 1
            try:
                result = task()
            except BaseException as err:  # raised by run(), in the validation's thread
                with self._lock:
                    self._errors.append(err)
                # Ctrl-C (or an exit) in a query the caller took stops the caller now, not
                # once it waits for the report: it helps while waiting for other work too.
                if not isinstance(err, Exception):
                    raise
            else:
                self._results[index] = result
            finally:
                with self._lock:
                    self._running -= 1
                    self._lock.notify_all()


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
        focus_term, value_term = as_written(focus_term), as_written(value_term)
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
        # SHACL 3.6.1: a report conforms when it has no result at all, whatever the severity.
        conforms = not self.findings
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


def _describe_shape(shapes: Graph, shape: Node) -> str:
    """A shape by its IRI, or a blank-node property shape by its path."""
    if isinstance(shape, URIRef):
        return str(shape)
    path = shapes.value(shape, SH.path)
    return f"[sh:path {_show(path)}]" if path is not None else "(BNode)"


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
