"""The query catalogue of a site too large for standing answers (issue 15): the standing
answers follow the resource pages. A site written with ``pages="reports"`` (what ``auto``
writes above ``AUTO_PAGES_QUADS``) still has every question's page, with its form, its
SPARQL and the editor, but no answer run at build time: the page says, in its own language,
that the answer is computed when asked, with the command that gives it, and the form answers
when the site is served by ``planegraf serve``. Never an empty table that reads as "nothing
matches". The same data with ``pages="all"`` keeps the standing answer and its CSV."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from planegraf.pipeline import open_store
from planegraf.publish.serve import serve
from planegraf.publish.site import write_site
from planegraf.sparql.queries import catalogue

from .browser import chromium_page
from .test_question_pages import _answer, _checked


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    store = open_store()
    made = {}
    for pages in ("reports", "all"):
        folder = tmp_path_factory.mktemp(pages) / "site"
        write_site(store, folder, pages=pages)
        made[pages] = folder
    return made


@pytest.fixture(scope="module")
def running(sites: dict[str, Path]) -> Iterator[Any]:
    site = sites["reports"]
    with serve(site, site / "data" / "planegraf.nq") as running:
        yield running


def _page(site: Path, name: str, lang: str) -> str:
    suffix = ".html" if lang == "sv" else ".en.html"
    return (site / "queries" / f"{name}{suffix}").read_text(encoding="utf-8")


def test_a_national_site_says_the_answer_is_computed_when_asked_not_an_empty_table(
        sites: dict[str, Path]) -> None:
    site = sites["reports"]
    answered = [q for q in catalogue() if not any(
        p.default is None and p.name != "lang" for p in q.parameters)]
    assert answered
    for query in answered:
        sv, en = _page(site, query.name, "sv"), _page(site, query.name, "en")
        for page in (sv, en):
            assert 'id="answer-table"' not in page and "<table" not in page
            assert 'id="answer-on-request"' in page
            assert 'id="question-problem"' not in page
        assert f"planegraf query {query.name} --lang sv" in sv
        assert f"planegraf query {query.name} --lang en" in en
        said = {lang: re.search(r'id="answer-on-request">([^<]*)</p>', page)[1]  # type: ignore[index]
                for lang, page in (("sv", sv), ("en", en))}
        assert "räknas svaret ut när frågan ställs" in said["sv"]
        assert "planegraf serve" in said["sv"]
        assert "computed when the question is asked" in said["en"]
        assert "planegraf serve" in said["en"]
        # the form and the SPARQL are still there
        assert "question-sparql" in sv and "SELECT" in sv
    assert not list((site / "queries").glob("*.csv"))  # nothing was run
    contents = (site / "queries.html").read_text(encoding="utf-8")
    assert "räknas ut när frågan ställs" in contents
    assert (site / "query.html").is_file()  # the SPARQL editor


def test_a_question_without_defaults_still_says_what_it_needs(
        sites: dict[str, Path]) -> None:
    needs = [q for q in catalogue() if any(
        p.default is None and p.name != "lang" for p in q.parameters)]
    for query in needs:
        page = _page(sites["reports"], query.name, "en")
        assert 'id="question-problem"' in page and "needs a value" in page
        assert 'id="answer-on-request"' not in page


def test_the_same_data_with_every_page_keeps_the_standing_answer_and_its_csv(
        sites: dict[str, Path]) -> None:
    site = sites["all"]
    page = _page(site, "coordinators-ranked", "sv")
    assert 'id="answer-table"' in page and 'id="answer-on-request"' not in page
    assert (site / "queries" / "coordinators-ranked.csv").is_file()
    rows = re.findall(r"<tr>", page.split('id="answer-table"', 1)[1])
    assert len(rows) > 1
    assert "räknas ut när frågan ställs" not in (site / "queries.html").read_text(
        encoding="utf-8")


def test_the_on_request_page_fits_a_phone_passes_axe_and_its_served_form_answers(
        running: Any) -> None:
    url = running.site_url + "queries/coordinators-ranked.html"
    with chromium_page() as (page, watcher):
        _checked(page, url, watcher)
        assert page.locator("#answer-table").count() == 0
        assert "planegraf query coordinators-ranked" in page.text_content("#answer-command")
        page.goto(running.site_url + "queries/organisation-activities.en.html")
        page.wait_for_function("!document.querySelector('#param-organisation').disabled")
        assert page.locator(".question-note").is_hidden()
        page.select_option("#param-organisation", "org/qulturum")
        page.click(".question-form button[type=submit]")
        page.wait_for_url("**/questions/organisation-activities?**organisation=org%2Fqulturum**")
        headings, rows = _answer(page)
        assert headings[:2] == ["Action plan", "Number"] and rows
        assert watcher.console_errors == [] and watcher.outside_requests == []


def test_the_form_of_every_question_is_known_without_parsing_it_again(tmp_path: Path) -> None:
    # the site reads planegraf's own questions by their keyword (each parse with rdflib's
    # grammar costs a national build seconds); it must say what the full parse says
    from planegraf.errors import RefusedQueryError
    from planegraf.sparql.queries import check_query, parse_query_file, query_form

    for query in catalogue():
        assert query_form(query) == check_query(query.text, query.path), query.name
    own = tmp_path / "queries"
    own.mkdir()
    (own / "sneaky.rq").write_text("# SELECT\nPREFIX a: <urn:a>\nDELETE WHERE { ?s ?p ?o }\n",
                                   encoding="utf-8")
    with pytest.raises(RefusedQueryError):  # a project's question is checked in full
        query_form(parse_query_file(own / "sneaky.rq"))
    (own / "ask.rq").write_text("# x\nPREFIX a: <urn:a>\nASK { ?s ?p ?o }\n", encoding="utf-8")
    assert query_form(parse_query_file(own / "ask.rq")) == "ASK"
