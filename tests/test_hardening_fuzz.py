"""Property-based fuzzing (Hypothesis): random plan documents never crash the importer with
anything but its own clear error, and random parameter strings never change what a catalogue
query selects or the store it runs on.

Kept fast for CI; ``PLANEGRAF_FUZZ_EXAMPLES=2000`` runs longer.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planegraf.errors import InputError, PlanegrafError
from planegraf.ingest import ImportSettings, import_document
from planegraf.pipeline import open_store
from planegraf.rdf.store import EmbeddedStore
from planegraf.sparql.engines import EmbeddedEngine
from planegraf.sparql.queries import Parameter, QueryFile, bind_parameters, catalogue

EXAMPLES = int(os.environ.get("PLANEGRAF_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DOCUMENTS = Path(__file__).parent / "fixtures" / "documents"
STRATEGY = ImportSettings(strategy="rjl-jamlik-halsa-2016-2025")

REAL_LINES = sorted({line for path in DOCUMENTS.glob("*.txt")
                     for line in path.read_text(encoding="utf-8").splitlines()})
PIECES = ["\t", "\t\t", "<p>", "</p>", "<i>", "**", "---", "| --- |", "Handlingsområde 1: ",
          "Handlingsområde 99: ", "Strategiskt mål 2: ", "Tabell 3 ", "Mål", "- ", "• ",
          "Aktivitet\tUppföljning\tSamordningsansvarig", "Samordningsansvarig: ",
          "Samverkansparter: ", "Kontaktperson", "070-123 45 67", "a@b.se", "\r", "\u00a0",
          "o\u0308", "\ufeff", "\u202e", "\x00", "Region Jönköpings län", "länets kommuner"]


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return open_store()


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="planegraf-fuzz-") as name:
        yield Path(name)


def _line() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(REAL_LINES),
        st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=6)
        .map("".join),
    )


documents = st.builds(
    lambda lines, cut, encoding: ("\n".join(lines).encode(encoding, "replace"), cut),
    st.lists(_line(), max_size=40),
    st.one_of(st.none(), st.integers(min_value=0, max_value=4000)),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)


@FUZZ
@given(document=documents)
def test_a_random_document_gives_rows_or_a_clear_error(
    store: EmbeddedStore, folder: Path, document: tuple[bytes, int | None]
) -> None:
    data, cut = document
    path = folder / "plan.txt"
    path.write_bytes(data if cut is None else data[:cut])
    size = len(store)
    try:
        result = import_document(path, STRATEGY, store=store)
    except InputError as err:
        assert str(err).startswith(str(path)), err
        assert err.hint, err
    except PlanegrafError as err:
        assert str(path) in str(err), err
    else:
        assert result.rows
        for row in result.rows:
            assert row.row.line >= 1 and row.row.end_line >= row.row.line
        result.trig()  # the graph serialises
    assert len(store) == size


# --- parameters ----------------------------------------------------------------------------

MARKER = "\U0001f9ea"  # in no label of the data: a value holding it cannot match anything
INJECTION = ['"', "'", '"""', "\\", "\n", "}", "{", ">", "<", "#", ")", "(", " || true ",
             " UNION { ?s ?p ?o } ", "; DROP ALL ;", "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
             "?s", "$x", "@sv", "^^<http://www.w3.org/2001/XMLSchema#string>", "%00", "\x00"]
PARAMETERS = [(query, parameter) for query in catalogue() for parameter in query.parameters]


def _never_matching(parameter: Parameter) -> str | None:
    if parameter.type == "xsd:anyURI":
        return f"org/{MARKER}"
    if parameter.type == "xsd:string":
        return MARKER
    return None  # a number selects by comparison: only crashes and changes are checked


values = st.lists(st.one_of(st.sampled_from(INJECTION), st.text(max_size=8)), max_size=6
                  ).map("".join)


@pytest.mark.parametrize(("query", "parameter"), PARAMETERS,
                         ids=[f"{q.name}-{p.name}" for q, p in PARAMETERS])
@FUZZ
@given(before=values, after=values)
def test_a_random_parameter_never_selects_more_or_changes_the_store(
    store: EmbeddedStore, query: QueryFile, parameter: Parameter, before: str, after: str
) -> None:
    engine = EmbeddedEngine(store)
    size = len(store)
    neutral = _never_matching(parameter)
    value = before + MARKER + after if neutral is not None else before + after
    try:
        bindings = bind_parameters(query, {parameter.name: value})
    except PlanegrafError as err:
        assert parameter.name in str(err)
        return
    answer = engine.run(query, bindings)
    assert answer.solutions is not None
    if neutral is not None:
        baseline = engine.run(query, bind_parameters(query, {parameter.name: neutral}))
        assert baseline.solutions is not None
        assert len(answer.solutions) <= len(baseline.solutions)
    assert len(store) == size
