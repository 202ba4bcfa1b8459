"""The query catalogue as people use it (issue 14.1 and 14.2), in real headless Chromium: a
contents page by subject instead of one 68 000-pixel page, one page per question with its
form, its answer under Swedish (English) headings, a CSV of the same rows and its SPARQL;
the static page and ``planegraf serve``'s ``/questions/NAME`` are one template, the served
one answers the form, and a project's own questions join both. Every page fits a phone,
passes axe-core without serious or critical findings and asks nothing of the internet."""

from __future__ import annotations

import csv
import html
import io
import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from planegraf.pipeline import open_store
from planegraf.publish.serve import serve
from planegraf.publish.site import write_site
from planegraf.sparql.queries import catalogue

from .browser import chromium_page
from .cli import invoke

WIDTHS = (1400, 390)
OWN = "activities-of-a-plan"
HOSTILE = '<img src="x" onerror="alert(1)">'
OWN_QUERY = f"""#+ title: Aktiviteterna i en plan @sv
#+ title: The activities of a plan @en
#+ description: Projektets egen fråga: aktiviteterna i en handlingsplan. @sv
#+ description: The project's own question: the activities of an action plan. @en
#+ param: plan xsd:anyURI = "plan/rjl-hp-2018-2020"
#+ column: plan Plan @sv
#+ column: plan Plan @en
#+ column: activity Aktivitet @sv
#+ column: activity Activity @en
#+ column: note Anteckning @sv
#+ column: note Note @en
PREFIX pg: <https://w3id.org/planegraf/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?plan ?activity ?activityLabel ?note WHERE {{
  ?activity a pg:Activity ; pg:inPlan ?plan ; rdfs:label ?activityLabel .
  BIND('{HOSTILE}' AS ?note)
}} ORDER BY ?activity LIMIT 3
"""


@pytest.fixture(scope="module")
def own_queries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("project") / "queries"
    folder.mkdir()
    (folder / f"{OWN}.rq").write_text(OWN_QUERY, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, own_queries: Path) -> Path:
    folder = tmp_path_factory.mktemp("catalogue") / "site"
    write_site(open_store(), folder, queries_dir=own_queries)
    return folder


@pytest.fixture(scope="module")
def running(site: Path, own_queries: Path) -> Iterator[Any]:
    with serve(site, site / "data" / "planegraf.nq", queries_dir=own_queries) as running:
        yield running


def _serious(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page."""
    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def _fits(page: Any, width: int) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= width)


def _answer(page: Any) -> tuple[list[str], list[list[str]]]:
    """The answer table: its headings and each row's cell texts."""
    data: tuple[list[str], list[list[str]]] = page.evaluate("""() => {
        const table = document.querySelector('#answer-table');
        if (!table) { return [[], []]; }
        return [[...table.tHead.rows[0].cells].map(c => c.textContent.trim()),
                [...table.tBodies[0].rows].map(r => [...r.cells].map(
                    c => c.textContent.trim()))];
    }""")
    return data


def _checked(page: Any, url: str, watcher: Any) -> None:
    """Open ``url`` at each width: it fits, axe finds nothing serious, nothing leaves."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        assert _fits(page, width), f"{url} scrolls sideways at {width} px"
        assert _serious(page) == [], url
    assert watcher.console_errors == [] and watcher.page_errors == []
    assert watcher.outside_requests == []


def test_the_catalogue_opens_with_contents_by_subject_not_one_endless_page(
        running: Any) -> None:
    # The static site's own files, served as they are: axe-core reads the stylesheets over
    # HTTP (from file: it cannot, and says so on the console).
    with chromium_page() as (page, watcher):
        _checked(page, running.site_url + "queries.html", watcher)
        groups = page.eval_on_selector_all(".question-contents li a",
                                           "links => links.map(a => a.textContent)")
        assert groups[:3] == ["Översikt", "Handlingsområden och mål", "Aktiviteter"]
        assert "Projektets egna frågor" in groups
        titles = page.eval_on_selector_all(".question-list a",
                                           "links => links.map(a => a.textContent)")
        expected = {q.title("sv") for q in catalogue()} | {"Aktiviteterna i en plan"}
        assert set(titles) == expected and len(titles) == len(expected)
        assert page.locator("table").count() == 0  # answers live on the questions' pages
        page.set_viewport_size({"width": 1400, "height": 900})
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 6000  # it was 69 361 px
        page.click("text=Samordningsansvariga efter antal aktiviteter")
        assert page.url.endswith("queries/coordinators-ranked.html")


def test_a_question_page_shows_its_answer_under_swedish_headings_with_ja_nej(
        running: Any) -> None:
    url = running.site_url + "queries/single-organisation-activities.html"
    with chromium_page() as (page, watcher):
        _checked(page, url, watcher)
        headings, rows = _answer(page)
        assert headings == ["Handlingsplan", "Nummer", "Aktivitet", "Organisation", "Angiven"]
        assert rows and {row[-1] for row in rows} <= {"ja", "nej"}
        link = page.locator("#answer-table a", has_text="Handlingsplan 2016–2017").first
        assert link.get_attribute("href") == "../id/plan/rjl-hp-2016-2017.html"
        sparql = page.locator(".question-sparql")
        assert sparql.get_attribute("open") is None  # collapsed
        assert "SELECT" in sparql.locator("code").text_content()


def test_the_english_question_page_is_english_and_opens_from_files(site: Path) -> None:
    with chromium_page() as (page, watcher):
        page.goto((site / "queries" / "single-organisation-activities.en.html").as_uri())
        headings, rows = _answer(page)
        assert headings == ["Action plan", "Number", "Activity", "Organisation", "Stated"]
        assert {row[-1] for row in rows} <= {"yes", "no"}
        assert "Handlingsplan" not in page.text_content("#answer-table")
        page.goto((site / "queries.en.html").as_uri())
        assert page.text_content("h1") == "Query catalogue"
        assert watcher.console_errors == [] and watcher.outside_requests == []


def test_the_static_form_shows_the_choices_and_says_it_works_when_served(
        site: Path, running: Any) -> None:
    with chromium_page() as (page, watcher):
        page.goto((site / "queries" / "organisation-activities.html").as_uri())
        assert page.locator("#param-organisation").is_disabled()  # its fieldset is
        assert page.locator("#param-organisation").input_value() == "org/region-jonkopings-lan"
        options = page.eval_on_selector_all("#param-organisation option",
                                            "os => os.map(o => o.textContent)")
        assert "Qulturum (Jönköpings län)" in options
        assert page.text_content("label[for=param-organisation]") == "Organisation"
        assert "planegraf serve" in page.text_content(".question-note")
        # the same file served by planegraf serve: the form is switched on and answers
        page.goto(running.site_url + "queries/organisation-activities.html")
        page.wait_for_function("!document.querySelector('#param-organisation').disabled")
        assert page.locator(".question-note").is_hidden()
        page.select_option("#param-organisation", "org/qulturum")
        page.click(".question-form button[type=submit]")
        page.wait_for_url("**/questions/organisation-activities?**organisation=org%2Fqulturum**")
        assert _answer(page)[1]
        assert watcher.console_errors == [] and watcher.outside_requests == []


def _csv_rows(content: bytes) -> tuple[list[str], list[list[str]]]:
    assert content.startswith("\ufeff".encode())  # spreadsheets read å ä ö
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return rows[0], rows[1:]


def _labels(header: list[str], rows: list[list[str]]) -> list[list[str]]:
    """The columns a person reads: the IRI columns beside them left out."""
    keep = [i for i, h in enumerate(header) if not h.endswith("(IRI)")]
    return [[row[i] for i in keep] for row in rows]


def test_the_csv_link_downloads_the_rows_the_page_shows(running: Any) -> None:
    with chromium_page() as (page, watcher):
        page.goto(running.site_url + "queries/coordinators-ranked.html")
        headings, rows = _answer(page)
        with page.expect_download() as download:
            page.click("#answer-csv")
        assert download.value.suggested_filename == "coordinators-ranked.csv"
        header, cells = _csv_rows(Path(download.value.path()).read_bytes())
        assert [h for h in header if not h.endswith("(IRI)")] == headings
        assert _labels(header, cells) == rows and len(rows) == 31
        assert watcher.outside_requests == []


def test_the_served_excel_link_downloads_the_rows_of_the_csv_as_a_workbook(
        running: Any) -> None:
    # Swedish Excel opens a comma CSV as one column: the served page offers a workbook too.
    from openpyxl import load_workbook

    url = running.site_url + "questions/coordinators-ranked"
    with urllib.request.urlopen(url + "?lang=sv&format=csv", timeout=30) as answer:
        header, cells = _csv_rows(answer.read())
    with chromium_page() as (page, watcher):
        page.goto(url + "?lang=sv")
        with page.expect_download() as download:
            page.click("#answer-xlsx")
        assert download.value.suggested_filename == "coordinators-ranked.xlsx"
        book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        assert watcher.outside_requests == []
    sheet = book.worksheets[0]
    assert sheet.title == "coordinators-ranked"
    rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == header
    assert [[str(v) for v in row] for row in rows[1:]] == cells and len(cells) == 31
    assert any(isinstance(v, int) for v in rows[1])  # counts are numbers, not text
    with urllib.request.urlopen(url + "?lang=en&format=xlsx", timeout=30) as answer:
        assert answer.headers["Content-Type"] == (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        assert "coordinators-ranked.xlsx" in answer.headers["Content-Disposition"]


def test_an_answer_too_large_for_a_served_workbook_says_so_and_offers_the_csv(
        running: Any, site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import planegraf.publish.question_pages as question_pages

    monkeypatch.setattr(question_pages, "SERVED_XLSX_CELLS", 5 * 8)  # 5 rows of its 8 columns
    url = running.site_url + "questions/coordinators-ranked"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url + "?lang=sv&format=xlsx", timeout=30)
    said = refused.value.read().decode("utf-8")
    assert refused.value.code == 400
    assert "31 rader" in said and "CSV" in said and "-o svar.xlsx" in said
    with chromium_page() as (page, _watcher):
        page.goto(url + "?lang=sv")
        assert page.locator("#answer-csv").count() == 1
        assert page.locator("#answer-xlsx").count() == 0
        # The static page has no workbook beside it: no link to one.
        page.goto((site / "queries" / "coordinators-ranked.html").as_uri())
        assert page.locator("#answer-csv").count() == 1
        assert page.locator("#answer-xlsx").count() == 0


def test_a_served_workbook_is_capped_by_its_cells_so_a_wide_answer_costs_no_more(
        running: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # openpyxl's cost is per cell: a cap in rows let a question of 13 columns cost the
    # server 2.6 times what the cap was measured for (five columns).
    import planegraf.publish.question_pages as question_pages

    monkeypatch.setattr(question_pages, "SERVED_XLSX_CELLS", 31 * 8)
    narrow = running.site_url + "questions/coordinators-ranked?lang=en&format=xlsx"
    with urllib.request.urlopen(narrow, timeout=30) as answer:  # 31 rows of 8 columns
        assert answer.read()[:2] == b"PK"
    wide = running.site_url + "questions/organisation-activities?lang=en&format=xlsx"
    with pytest.raises(urllib.error.HTTPError) as refused:  # 103 rows of 11 columns
        urllib.request.urlopen(wide, timeout=30)
    assert refused.value.code == 400
    assert f"more than the {31 * 8 // 11}" in refused.value.read().decode("utf-8")


def _command_line(*args: str) -> list[dict[str, Any]]:
    done = invoke("query", *args, "--format", "json", "-q")
    assert done.exit_code == 0, done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def test_the_served_page_answers_the_values_chosen_in_its_form(running: Any) -> None:
    expected = sorted((r["activityNumber"], r["activityLabel"], r["roleLabel"], r["viaLabel"])
                      for r in _command_line("organisation-activities", "--param",
                                             "organisation=Qulturum"))
    url = running.site_url + "questions/organisation-activities"
    with chromium_page() as (page, watcher):
        _checked(page, url, watcher)
        page.set_viewport_size({"width": 1400, "height": 900})
        page.select_option("#param-organisation", "org/qulturum")
        page.click(".question-form button[type=submit]")
        page.wait_for_url("**organisation=org%2Fqulturum**")
        headings, rows = _answer(page)
        assert headings == ["Handlingsplan", "Nummer", "Aktivitet", "Roll", "Angiven", "Genom",
                            "Väg"]
        assert sorted((r[1], r[2], r[3], r[5]) for r in rows) == expected
        assert page.locator("#param-organisation").input_value() == "org/qulturum"
        for width in WIDTHS:  # the answered page fits too
            page.set_viewport_size({"width": width, "height": 900})
            assert _fits(page, width)
            assert _serious(page) == []
        with page.expect_download() as download:
            page.click("#answer-csv")
        header, cells = _csv_rows(Path(download.value.path()).read_bytes())
        assert _labels(header, cells) == rows
        assert watcher.console_errors == [] and watcher.outside_requests == []


def test_the_served_and_the_static_page_are_one_template(running: Any, site: Path) -> None:
    with chromium_page() as (page, _watcher):
        page.goto(running.site_url + "questions/plans-overview?lang=en")
        served = (page.text_content("h1"), _answer(page))
        page.goto((site / "queries" / "plans-overview.en.html").as_uri())
        static = (page.text_content("h1"), _answer(page))
    assert served == static and served[1][1]


def test_a_projects_own_question_is_served_and_listed_with_its_values_escaped(
        running: Any, site: Path) -> None:
    with chromium_page() as (page, watcher):
        page.goto(running.site_url + f"questions/{OWN}?plan=rjl-hp-2016-2017")
        assert page.text_content("h1") == "Aktiviteterna i en plan"
        headings, rows = _answer(page)
        assert headings == ["Aktivitet", "Anteckning"]  # the plan is the form's
        links = page.eval_on_selector_all("#answer-table a", "as => as.map(a => a.href)")
        assert len(rows) == 3 and len(links) == 3
        assert all("/id/activity/rjl-hp-2016-2017/" in link for link in links)
        assert rows[0][1] == HOSTILE and page.locator("main img").count() == 0
        page.goto((site / "queries.html").as_uri())
        assert page.locator(f"#own a[href='queries/{OWN}.html']").count() == 1
        assert watcher.dialogs == [] and watcher.outside_requests == []


def test_a_name_that_matches_nothing_is_said_on_the_page(running: Any) -> None:
    request = urllib.request.Request(
        running.site_url + "questions/organisation-activities?organisation=Qultrum",
        headers={"Accept": "text/html"})
    try:
        urllib.request.urlopen(request, timeout=60)
        raise AssertionError("a name that matches nothing was answered")
    except urllib.error.HTTPError as err:
        assert err.code == 400
        page = err.read().decode()
    assert "Qulturum [org/qulturum]" in page and 'id="question-problem"' in page


def test_a_name_that_matches_nothing_is_said_in_the_pages_language(running: Any) -> None:
    # The catalogue's errors come in the run's language on the command line; the served
    # page is the run of a Swedish strategist, and its problem must not be English.
    said = {}
    for lang in ("sv", "en"):
        for fmt in ("html", "csv"):
            request = urllib.request.Request(
                running.site_url + "questions/organisation-activities?organisation=Qultrum"
                f"&lang={lang}&format={fmt}", headers={"Accept": "text/html"})
            try:
                urllib.request.urlopen(request, timeout=60)
                raise AssertionError("a name that matches nothing was answered")
            except urllib.error.HTTPError as err:
                assert err.code == 400
                said[lang, fmt] = html.unescape(err.read().decode())
    for fmt in ("html", "csv"):
        assert "ingen organisation" in said["sv", fmt] and "närmast" in said["sv", fmt]
        assert "no organisation" not in said["sv", fmt]
        assert "no organisation" in said["en", fmt]
    request = urllib.request.Request(running.site_url + "questions/organisaton-activities?lang=sv")
    try:
        urllib.request.urlopen(request, timeout=60)
        raise AssertionError("an unknown question was answered")
    except urllib.error.HTTPError as err:
        assert err.code == 404
        assert "ingen fråga med namnet" in err.read().decode()


def test_planegraf_serve_in_a_project_serves_the_projects_own_questions(
        site: Path, tmp_path: Path) -> None:
    made = invoke("init", str(tmp_path / "region"), "--county", "05")
    assert made.exit_code == 0, made.output
    (tmp_path / "region" / "queries" / f"{OWN}.rq").write_text(OWN_QUERY, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "planegraf.cli", "serve", "--site", str(site), "--port", "0",
         "-q"], cwd=tmp_path / "region", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("site:"), line + (process.stderr.read() if process.stderr else "")
        url = line.split(None, 1)[1].strip() + f"questions/{OWN}"
        request = urllib.request.Request(url, headers={"Accept": "text/html"})
        with urllib.request.urlopen(request, timeout=120) as answer:
            page = answer.read().decode()
        assert "<h1>Aktiviteterna i en plan</h1>" in page and 'id="answer-table"' in page
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_the_demonstrations_default_answers_carry_no_note_about_their_defaults(
        site: Path) -> None:
    # Its defaults name its own counties and organisations: every IRI default is in the data.
    noted = [p.name for p in (site / "queries").glob("*.html")
             if 'id="answer-defaults"' in p.read_text(encoding="utf-8")]
    assert noted == []
    assert 'id="answer-table"' in (site / "queries" / "counties-side-by-side.html").read_text(
        encoding="utf-8")


def test_a_refusal_of_the_endpoint_reads_in_the_question_pages_language(
        running: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The page quoted /sparql's English refusal on a Swedish page; a SPARQL client still
    # reads the same English body.
    monkeypatch.setattr(running.endpoint, "max_result_bytes", 10)
    url = running.site_url + "questions/coordinators-ranked"
    pages = {}
    for lang in ("sv", "en"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url}?lang={lang}&format=html", timeout=30)
        assert refused.value.code == 507
        pages[lang] = refused.value.read().decode("utf-8")
    assert "Frågan kunde inte besvaras (507): svar får vara högst 10 byte" in pages["sv"]
    assert "limited to" not in pages["sv"]
    assert "The question could not be answered (507): results are limited to 10 bytes" in (
        pages["en"])
    query = urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"})
    with pytest.raises(urllib.error.HTTPError) as raw:
        urllib.request.urlopen(f"{running.sparql_url}?{query}", timeout=30)
    assert raw.value.read() == b"results are limited to 10 bytes; add a LIMIT\n"
