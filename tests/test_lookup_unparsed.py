"""The catalogue pages' choices at national scale (issue 15): planegraf's own lookup
questions are answered without parsing them again with rdflib's grammar at every build (0.4 s
of a million-quad site), which is safe only because each is checked here with the full
grammar; any other query through the same engine is still checked and refused as always.
"""

from __future__ import annotations

import pytest

from planegraf.errors import RefusedQueryError
from planegraf.pipeline import open_store
from planegraf.publish.question_pages import ParameterChoices
from planegraf.sparql.engines import EmbeddedEngine
from planegraf.sparql.lookup import LOOKUP_SELECTS, LookupEngine, candidates
from planegraf.sparql.queries import QueryFile, catalogue, check_query, read_query


@pytest.mark.parametrize("name", sorted(LOOKUP_SELECTS))
def test_a_lookup_question_answered_unchecked_is_a_read_only_select(name: str) -> None:
    query = read_query(name)
    assert check_query(query.text, query.path) == "SELECT"


def test_the_catalogue_pages_choices_parse_no_lookup_question_again() -> None:
    store = open_store()
    check_query.cache_clear()
    choices = ParameterChoices(store, catalogue())
    assert check_query.cache_info().misses == 0
    assert choices.choices  # the choices were read (the store has plans, areas, ...)


def test_the_catalogue_pages_choices_never_parse_a_lookup_question_for_its_dataset(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Whether a query names its dataset is read with rdflib's grammar when its text holds
    # the word "from" (0.04 s a question, more for the first): a lookup question's
    # description saying "chosen from" cost every site build a parse.
    import rdflib.plugins.sparql.parser as parser

    from planegraf.sparql.queries import declares_dataset

    parsed: list[str] = []
    parse = parser.parseQuery

    def counted(text: str) -> object:
        parsed.append(text)
        return parse(text)

    monkeypatch.setattr(parser, "parseQuery", counted)
    declares_dataset.cache_clear()
    ParameterChoices(open_store(), catalogue())
    assert parsed == []


def test_the_lookup_engine_answers_as_the_embedded_engine() -> None:
    store = open_store()
    for kind in ("organisation", "area", "plan", "goal", "county"):
        for lang in ("sv", "en"):
            assert candidates(LookupEngine(store), kind, lang) == candidates(
                EmbeddedEngine(store), kind, lang)


def test_the_lookup_engine_still_refuses_a_query_that_would_leave_the_machine() -> None:
    query = QueryFile(name="remote", path=read_query("lookup/plans.rq").path.with_name(
        "remote.rq"), text="SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    with pytest.raises(RefusedQueryError):
        LookupEngine(open_store()).run(query)


def test_a_query_given_a_lookup_questions_path_is_still_checked() -> None:
    own = read_query("lookup/plans.rq")
    query = QueryFile(name=own.name, path=own.path,
                      text="SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    with pytest.raises(RefusedQueryError):
        LookupEngine(open_store()).run(query)
