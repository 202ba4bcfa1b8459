"""The query page of ``planegraf serve`` answers what it says (issue 13.4), driven in real
headless Chromium: a named question's parameters are form fields bound by the engine, in
the page's language; labels link to their pages; the answer downloads as CSV; a syntax
error says so, with its position. Opened from files, the page says it cannot run."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from planegraf.publish.question_pages import answer_csv, solutions_from_json
from planegraf.publish.serve import serve
from planegraf.sparql.queries import parse_query_text

from .browser import chromium_page
from .servers import bundled_site

DATA = "https://w3id.org/planegraf/id/"
QUESTION = "organisation-activities"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_site(tmp_path_factory, "query-page")


@pytest.fixture(scope="module")
def running(site: Path) -> Any:
    with serve(site, site / "data" / "planegraf.nq") as running:
        yield running


@pytest.fixture(scope="module")
def command_line_rows() -> list[dict[str, str]]:
    """What ``planegraf query organisation-activities --param organisation=Qulturum`` says."""
    done = subprocess.run(
        [sys.executable, "-m", "planegraf.cli", "query", QUESTION, "--param",
         "organisation=Qulturum", "--format", "json", "-q"],
        capture_output=True, text=True, check=True)
    rows: list[dict[str, str]] = json.loads(done.stdout)
    assert rows, "the command line finds Qulturum's activities"
    return rows


def _keys(rows: list[dict[str, str]], columns: tuple[str, str, str] = ("activity", "role", "via")
          ) -> list[tuple[str, str, str]]:
    return sorted(tuple(r[c] for c in columns) for r in rows)  # type: ignore[misc]


# The editor's table and the CSV people download carry the question's headings.
TABLE_COLUMNS = ("Aktivitet", "Roll", "Genom")
CSV_COLUMNS = ("Aktivitet (IRI)", "Roll (IRI)", "Genom (IRI)")


def _table(page: Any) -> list[dict[str, str]]:
    """The result table: each cell's link target (its IRI) or text, by column heading."""
    return page.evaluate("""() => {
        const table = document.querySelector('#query-result table');
        if (!table) { return []; }
        const heads = [...table.tHead.rows[0].cells].map(c => c.textContent);
        return [...table.tBodies[0].rows].map(tr => Object.fromEntries([...tr.cells].map(
            (td, i) => [heads[i], td.querySelector('a') ? td.querySelector('a').title
                                                          : td.textContent])));
    }""")


def _choose_qulturum(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector('#param-organisation option[value="org/qulturum"]', state="attached")
    page.select_option("#param-organisation", "org/qulturum")
    page.click("#run-query")
    page.wait_for_selector("#query-result table")


def test_a_question_asked_for_one_organisation_answers_for_that_organisation(
        running: Any, command_line_rows: list[dict[str, str]]) -> None:
    with chromium_page() as (page, watcher):
        _choose_qulturum(page, running.site_url + f"query.html#{QUESTION}")  # type: ignore[attr-defined]
        shown = _table(page)
        assert _keys(shown, TABLE_COLUMNS) == _keys(command_line_rows)
        assert watcher.console_errors == [] and watcher.page_errors == []
        assert watcher.outside_requests == []


def test_labels_link_to_the_pages_of_what_they_name(running: Any) -> None:
    with chromium_page() as (page, watcher):
        _choose_qulturum(page, running.site_url + f"query.html#{QUESTION}")  # type: ignore[attr-defined]
        link = page.locator("#query-result a[title='https://w3id.org/planegraf/id/org/qulturum']"
                            ).first  # type: ignore[attr-defined]
        # by its label, in the column "Genom" (the column that echoes the parameter is left
        # out, as on the question pages)
        assert link.text_content() == "Qulturum"
        plan = page.locator("#query-result a[title$='plan/rjl-hp-2018-2020']").first  # type: ignore[attr-defined]
        assert plan.text_content() == "Handlingsplan 2018–2020"
        plan.click()
        page.wait_for_load_state()  # type: ignore[attr-defined]
        assert page.url.endswith("/id/plan/rjl-hp-2018-2020.html")  # type: ignore[attr-defined]
        assert "Handlingsplan 2018–2020" in page.text_content("h1")  # type: ignore[attr-defined]
        assert watcher.console_errors == [] and watcher.outside_requests == []


def test_the_english_page_answers_with_english_labels(running: Any) -> None:
    with chromium_page() as (page, watcher):
        _choose_qulturum(page, running.site_url + f"query.en.html#{QUESTION}")  # type: ignore[attr-defined]
        assert "Jönköping County" in page.text_content("#param-organisation")  # type: ignore[attr-defined]
        text = page.text_content("#query-result")  # type: ignore[attr-defined]
        assert "Action plan 2018–2020" in text and "coordinator" in text
        assert "Handlingsplan" not in text and "samordnare" not in text
        plan = page.locator("#query-result a[title$='plan/rjl-hp-2018-2020']").first  # type: ignore[attr-defined]
        assert plan.get_attribute("href").endswith("id/plan/rjl-hp-2018-2020.en.html")
        assert watcher.console_errors == [] and watcher.outside_requests == []


def test_areas_to_choose_name_their_plan_and_county(running: Any) -> None:
    with chromium_page() as (page, watcher):
        page.goto(running.site_url + "query.html#activities-in-area")  # type: ignore[attr-defined]
        page.wait_for_selector("#param-area option", state="attached")  # type: ignore[attr-defined]
        labels = page.eval_on_selector_all(  # type: ignore[attr-defined]
            "#param-area option", "options => options.map(o => o.textContent)")
        assert any(label.startswith("6 ") and "Handlingsplan 2018–2020 (Jönköpings län)" in label
                   for label in labels)
        assert watcher.console_errors == []


def test_the_csv_download_holds_the_answer_spreadsheet_safe(
        running: Any, command_line_rows: list[dict[str, str]]) -> None:
    with chromium_page() as (page, watcher):
        _choose_qulturum(page, running.site_url + f"query.html#{QUESTION}")  # type: ignore[attr-defined]
        with page.expect_download() as download:  # type: ignore[attr-defined]
            page.click("#query-csv")  # type: ignore[attr-defined]
        content = Path(download.value.path()).read_bytes()
        assert download.value.suggested_filename == f"{QUESTION}.csv"
        assert content.startswith("\ufeff".encode())
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        assert _keys(rows, CSV_COLUMNS) == _keys(command_line_rows)
        assert watcher.console_errors == [] and watcher.outside_requests == []


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised() -> None:
    body = json.dumps({"head": {"vars": ["label"]}, "results": {"bindings": [
        {"label": {"type": "literal", "value": value}}
        for value in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "Qulturum")]}})
    query = parse_query_text("SELECT ?label WHERE {}", Path("q.rq"))
    download = answer_csv(solutions_from_json(body.encode()), query, "sv")
    cells = [row[0] for row in csv.reader(io.StringIO(download.decode("utf-8-sig")))][1:]
    # a plain number such as -1 runs nothing and stays a number (planegraf.render.safe_csv)
    assert cells == ["'=1+1", "+1", "-1", "'@SUM(A1)", "'\tx", "'\rx", "Qulturum"]


def test_a_syntax_error_says_syntax_error_and_where(running: Any) -> None:
    broken = "SELECT * WHERE {\n  ?s ?p \n}"
    status, said = _status(running.site_url + "sparql?" + urllib.parse.urlencode(
        {"query": broken}))
    assert status == 400 and said.startswith("query:2:3: not a SPARQL query")
    with chromium_page() as (page, watcher):
        page.goto(running.site_url + "query.html")  # type: ignore[attr-defined]
        page.fill("#query-text", broken)  # type: ignore[attr-defined]
        page.click("#run-query")  # type: ignore[attr-defined]
        page.wait_for_selector("#query-status.error")  # type: ignore[attr-defined]
        message = page.text_content("#query-status")  # type: ignore[attr-defined]
        assert message.startswith("Syntaxfel i frågan (rad 2, kolumn 3): Expected")
        assert "ändpunkt" not in message
        assert watcher.outside_requests == []


def test_labels_are_text_never_markup(running: Any) -> None:
    hostile = '<img src="x" onerror="alert(1)">'
    with chromium_page() as (page, watcher):
        page.goto(running.site_url + "query.html")  # type: ignore[attr-defined]
        page.fill("#query-text", f"SELECT ?x WHERE {{ BIND ('{hostile}' AS ?x) }}")  # type: ignore[attr-defined]
        page.click("#run-query")  # type: ignore[attr-defined]
        page.wait_for_selector("#query-result table")  # type: ignore[attr-defined]
        assert page.text_content("#query-result td") == hostile  # type: ignore[attr-defined]
        assert page.locator("#query-result img").count() == 0  # type: ignore[attr-defined]
        assert watcher.dialogs == [] and watcher.outside_requests == []


def test_the_page_fits_a_phone(running: Any) -> None:
    with chromium_page() as (page, watcher):
        page.set_viewport_size({"width": 390, "height": 800})  # type: ignore[attr-defined]
        _choose_qulturum(page, running.site_url + f"query.html#{QUESTION}")  # type: ignore[attr-defined]
        width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
        assert width <= 390
        assert watcher.console_errors == []


def test_opened_from_files_the_page_says_it_cannot_bind(site: Path) -> None:
    with chromium_page() as (page, watcher):
        page.goto((site / "query.html").as_uri() + f"#{QUESTION}")  # type: ignore[attr-defined]
        page.click("#run-query")  # type: ignore[attr-defined]
        message = page.text_content("#query-status")  # type: ignore[attr-defined]
        assert "planegraf serve" in message and "filer" in message
        assert page.locator("#query-result table").count() == 0  # type: ignore[attr-defined]
        assert watcher.console_errors == [] and watcher.outside_requests == []


def _status(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_a_name_that_matches_nothing_is_refused_with_the_closest(running: Any) -> None:
    status, body = _status(running.site_url + f"questions/{QUESTION}?organisation=Qultrum")
    assert status == 400 and "Qulturum [org/qulturum]" in body
    status, body = _status(running.site_url + "questions/no-such-question")
    assert status == 404


def test_another_site_cannot_run_the_named_questions(running: Any) -> None:
    request = urllib.request.Request(
        running.site_url + f"questions/{QUESTION}?organisation=Qulturum",
        headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status = answer.status
    except urllib.error.HTTPError as err:
        status = err.code
    assert status == 403
