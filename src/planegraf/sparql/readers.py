"""How the analyses read a dataset: the embedded store, or any
:class:`~planegraf.sparql.engines.Engine` (a remote SPARQL endpoint), through one ``select``.
Rows are looked up by variable name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from planegraf.sparql.engines import Engine


class Reader(Protocol):
    """Something a SELECT can be asked of; each row maps a variable name to a term or None."""

    def select(self, query: str, **bindings: Any) -> Iterator[Any]: ...


class EngineReader:
    """A :class:`Reader` over an engine (``--endpoint``): the analyses' queries go to it as
    they are, parameters bound by the engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def select(self, query: str, **bindings: Any) -> Iterator[Any]:
        from planegraf.errors import PlanegrafError
        from planegraf.sparql.queries import parse_query_text

        answer = self.engine.run(parse_query_text(query, Path("<analysis query>")), bindings)
        if answer.solutions is None:
            raise PlanegrafError("internal: an analysis query must be a SELECT")
        return iter(answer.solutions.rows)
