"""One interface over the engines a query can run on: the embedded Oxigraph store and a
remote SPARQL 1.1 endpoint (``endpoint.py``), so the CLI and the tests treat them alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import pyoxigraph as ox

from planegraf.errors import PlanegrafError
from planegraf.i18n import Message
from planegraf.rdf.store import EmbeddedStore
from planegraf.sparql.limits import QueryLimits, run_limited
from planegraf.sparql.queries import QueryFile, QueryForm, check_query, declares_dataset

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Bindings = Mapping[str, ox.NamedNode | ox.Literal]
R = TypeVar("R")


@dataclass(frozen=True)
class Solutions:
    """The answer of a SELECT: variable names in projection order and one dict per row."""

    variables: tuple[str, ...]
    rows: tuple[dict[str, Term | None], ...]

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class Answer:
    """What any read query gives back; exactly one field is set, by the query's form."""

    solutions: Solutions | None = None
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] | None = None


class Engine(Protocol):
    """Somewhere a read query runs: ``run`` takes the query and engine-bound parameters."""

    name: str

    def run(self, query: QueryFile, bindings: Bindings | None = None) -> Answer: ...


class EmbeddedEngine:
    """Queries on an in-memory :class:`EmbeddedStore`, over the union of its graphs.

    Parameters go in as pyoxigraph ``substitutions``: the engine binds them, the query
    text is never changed. (Oxigraph substitutes only projected variables, so a catalogue
    query projects its parameters.) Without ``limits`` the query runs in this process
    unbounded, as the program's own queries do; the command line always passes limits
    (``docs/limits.md``).

    >>> from planegraf.pipeline import open_store
    >>> from planegraf.sparql.queries import catalogue_query
    >>> engine = EmbeddedEngine(open_store())
    >>> answer = engine.run(catalogue_query("coordinators-ranked"))
    >>> len(answer.solutions) > 10
    True
    """

    name = "embedded"

    def __init__(self, store: EmbeddedStore, limits: QueryLimits | None = None) -> None:
        self.store = store
        self.limits = limits

    def run(self, query: QueryFile, bindings: Bindings | None = None) -> Answer:
        """The query's answer; with ``limits``, evaluated in a worker that is stopped when it
        goes over them (:class:`planegraf.sparql.limits.QueryLimitError`)."""
        form = self._checked_form(query)
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(k): v for k, v in (bindings or {}).items()}
        limits = self.limits
        if limits is None:
            return self._evaluate(query, form, substitutions, QueryLimits(max_rows=None))
        return run_limited(lambda: self._evaluate(query, form, substitutions, limits), limits)

    def _checked_form(self, query: QueryFile) -> QueryForm:
        """The query's form, once it is checked to be one this engine answers (no update,
        no SERVICE: :func:`check_query`)."""
        return check_query(query.text, query.path)

    def _evaluate(
        self, query: QueryFile, form: QueryForm,
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple],
        limits: QueryLimits,
    ) -> Answer:
        try:
            result = self.store.oxigraph.query(
                query.text, use_default_graph_as_union=not declares_dataset(query.text),
                substitutions=substitutions or None,
            )
        except SyntaxError as err:
            raise PlanegrafError(Message("error_query_syntax", path=query.path,
                                         reason=err.msg)) from None
        except RuntimeError as err:
            if "projection" in str(err):
                raise PlanegrafError(Message("error_parameter_projected",
                                             path=query.path, reason=err)) from None
            raise
        if form == "ASK":
            assert isinstance(result, ox.QueryBoolean)
            return Answer(boolean=bool(result))
        if form in ("CONSTRUCT", "DESCRIBE"):
            assert isinstance(result, ox.QueryTriples)
            return Answer(triples=tuple(_capped(result, limits, "triples")))
        assert isinstance(result, ox.QuerySolutions)
        variables = tuple(v.value for v in result.variables)
        rows = tuple({name: row[name] for name in variables}
                     for row in _capped(result, limits, "rows"))
        return Answer(solutions=Solutions(variables, rows))


def _capped(results: Iterable[R], limits: QueryLimits, what: str) -> Iterator[R]:
    """The results one by one, stopping with an error past ``limits.max_rows``: Oxigraph
    evaluates lazily, so a huge cartesian product is stopped before it is built."""
    for count, item in enumerate(results, start=1):
        limits.check_rows(count, what)
        yield item


def term_key(term: Term | None) -> tuple[str, str, str, str]:
    """A comparable form of a term (kind, value, datatype, language) for sorting and parity."""
    if term is None:
        return ("", "", "", "")
    if isinstance(term, ox.Literal):
        return ("literal", term.value, term.datatype.value, term.language or "")
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value, "", "")
    return ("iri", term.value, "", "")


def rows_as_keys(solutions: Solutions, variables: Sequence[str] | None = None
                 ) -> list[tuple[tuple[str, str, str, str], ...]]:
    """The rows as tuples of :func:`term_key`, in the order the engine returned them."""
    names = list(variables if variables is not None else solutions.variables)
    return [tuple(term_key(row.get(name)) for name in names) for row in solutions.rows]
