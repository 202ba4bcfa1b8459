"""Answers people open in Excel: ``planegraf query``/``sparql -o svar.xlsx`` write a real
workbook (Swedish Excel opens a comma CSV as one column of text). Every file here is made by
planegraf and read back with openpyxl, and its sheet XML is unzipped and read too: headings
in the run's language, numbers as numbers, and no cell a formula, hyperlink or DDE link."""

from __future__ import annotations

import csv
import io
import tempfile
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from planegraf.render.xlsx import MAX_CELL, write_table

from .cli import invoke

HYPERLINK = '=HYPERLINK("http://127.0.0.1:9/x","klicka")'
DDE = "=cmd|' /C calc'!A0"
HOSTILE = [HYPERLINK, DDE, "=1+1", "+1+A1", "-2+3", "@SUM(A1:A2)", "\tflik", "\rvagn",
           "=HYPERLINK(\"http://127.0.0.1:9/\")"]


def _sparql_string(text: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
               .replace("\r", "\\r").replace("\n", "\\n"))
    return f'"{escaped}"'


def _query_file(folder: Path, body: str, name: str = "fraga.rq") -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def _rows(path: Path) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(path)
    return [tuple(row) for row in book.active.iter_rows(values_only=True)]


def _sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode("utf-8")


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_a_swedish_workbook_has_the_headings_and_values_of_the_csv_for_people(
        tmp_path: Path) -> None:
    target = tmp_path / "svar.xlsx"
    done = invoke("query", "coordinators-ranked", "--lang", "sv", "-q", "-o", str(target))
    assert done.exit_code == 0, done.stderr
    assert done.stdout == ""
    people = invoke("query", "coordinators-ranked", "--lang", "sv", "-q", "--format", "csv",
                    "--headings")
    expected = _csv(people.stdout)
    rows = _rows(target)
    assert list(rows[0]) == expected[0]
    assert expected[0][:2] == ["Organisation (IRI)", "Organisation"]
    assert len(rows) == len(expected) > 10
    # the same values, text as text and the counts as numbers Excel can sum
    assert [["" if v is None else str(v) for v in row] for row in rows[1:]] == expected[1:]
    activities = expected[0].index("Aktiviteter")
    assert all(isinstance(row[activities], int) for row in rows[1:])


def test_an_english_run_writes_english_headings_and_yes_no(tmp_path: Path) -> None:
    query = _query_file(tmp_path, (
        "#+ column: share Andel @sv\n#+ column: share Share @en\n"
        "#+ column: ok Godkänd @sv\n#+ column: ok Approved @en\n"
        "SELECT ?share ?ok WHERE { VALUES (?share ?ok) { (2.5 true) (0.125 false) } }\n"))
    english, swedish = tmp_path / "answer.xlsx", tmp_path / "svar.xlsx"
    assert invoke("sparql", str(query), "--lang", "en", "-q", "-o", str(english)).exit_code == 0
    assert invoke("sparql", str(query), "--lang", "sv", "-q", "-o", str(swedish)).exit_code == 0
    assert _rows(english) == [("Share", "Approved"), (2.5, "yes"), (0.125, "no")]
    # Swedish words, and the decimals numbers (Excel shows them with its own decimal comma)
    assert _rows(swedish) == [("Andel", "Godkänd"), (2.5, "ja"), (0.125, "nej")]


def test_years_and_integers_are_numbers_but_a_number_excel_would_round_stays_text(
        tmp_path: Path) -> None:
    query = _query_file(tmp_path, (
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
        "SELECT ?year ?n ?big ?label WHERE { VALUES (?year ?n ?big ?label) {"
        ' ("2018"^^xsd:gYear 42 12345678901234567890 "2020") } }\n'))
    target = tmp_path / "svar.xlsx"
    assert invoke("sparql", str(query), "-q", "-o", str(target)).exit_code == 0
    # a string that looks like a number stays the string the data says
    assert _rows(target)[1] == (2018, 42, "12345678901234567890", "2020")


def test_the_sheet_is_named_after_the_question_with_a_bold_frozen_filtered_header(
        tmp_path: Path) -> None:
    target = tmp_path / "svar.xlsx"
    assert invoke("query", "coordinators-ranked", "-q", "-o", str(target)).exit_code == 0
    sheet = openpyxl.load_workbook(target).active
    assert sheet.title == "coordinators-ranked"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.auto_filter.ref == f"A1:H{sheet.max_row}"
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFGH"]
    assert all(6 <= width <= 62 for width in widths) and len(set(widths)) > 1


def test_a_sheet_name_excel_would_refuse_is_made_valid(tmp_path: Path) -> None:
    query = _query_file(tmp_path, "SELECT ?x WHERE { VALUES ?x { 1 } }\n",
                        name="[utkast] vad är detta? en mycket lång fråga om samverkan.rq")
    target = tmp_path / "svar.xlsx"
    assert invoke("sparql", str(query), "-q", "-o", str(target)).exit_code == 0
    title = openpyxl.load_workbook(target).active.title
    assert len(title) <= 31 and not set(title) & set("[]:*?/\\")
    assert title.startswith("_utkast_ vad är detta_")


def test_a_label_written_as_a_formula_is_shown_as_text_never_run(tmp_path: Path) -> None:
    values = " ".join(_sparql_string(text) for text in HOSTILE)
    query = _query_file(tmp_path, f"SELECT ?namn WHERE {{ VALUES ?namn {{ {values} }} }}\n")
    target = tmp_path / "svar.xlsx"
    done = invoke("sparql", str(query), "-q", "-o", str(target))
    assert done.exit_code == 0, done.stderr
    sheet = openpyxl.load_workbook(target).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    # exactly the text, without the CSV's ' in front (a workbook shows that quote)
    assert [cell.value for cell in cells] == HOSTILE
    assert {cell.data_type for cell in cells} == {"s"}
    assert all(cell.hyperlink is None for cell in cells)
    xml = _sheet_xml(target)
    assert "<f>" not in xml and "<f " not in xml and "hyperlink" not in xml
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
    assert not [name for name in names if "externalLink" in name or "rels" in name
                and "sheet1" in name]


def test_control_characters_do_not_crash_the_export_and_are_shown_as_a_mark(
        tmp_path: Path) -> None:
    query = _query_file(tmp_path, (
        'SELECT ?namn WHERE { VALUES ?namn { "före\\u0001efter" "a\\u000Bb\\u001Fc" '
        '"rad ett\\nrad två" } }\n'))
    target = tmp_path / "svar.xlsx"
    done = invoke("sparql", str(query), "-q", "-o", str(target))
    assert done.exit_code == 0, done.stderr
    assert [row[0] for row in _rows(target)[1:]] == [
        "före\ufffdefter", "a\ufffdb\ufffdc", "rad ett\nrad två"]


@pytest.mark.parametrize(("lang", "mark"), [("sv", "… [avkortad: 40000 tecken totalt]"),
                                            ("en", "… [cut: 40000 characters in all]")])
def test_a_text_too_long_for_a_cell_is_cut_with_a_visible_mark_not_silently(
        tmp_path: Path, lang: str, mark: str) -> None:
    query = _query_file(tmp_path, (
        f'SELECT ?lang ?text WHERE {{ VALUES ?text {{ "{"x" * 40_000}" }} }}\n'))
    target = tmp_path / "svar.xlsx"
    assert invoke("sparql", str(query), "--lang", lang, "-q", "-o", str(target)).exit_code == 0
    (text,) = _rows(target)[1][1:]
    assert isinstance(text, str) and len(text) == MAX_CELL
    assert text.endswith(mark) and text.startswith("x" * 30_000)


@pytest.mark.parametrize(("lang", "said"), [("sv", "terminalen"), ("en", "terminal")])
def test_a_workbook_asked_for_on_the_terminal_is_refused_not_sprayed_as_bytes(
        lang: str, said: str) -> None:
    done = invoke("query", "coordinators-ranked", "--format", "xlsx", "--lang", lang, "-q")
    assert done.exit_code == 2
    assert done.stdout == ""
    assert said in done.stderr and "-o" in done.stderr


def test_a_workbook_of_a_yes_no_answer_is_refused_with_what_to_do(tmp_path: Path) -> None:
    query = _query_file(tmp_path, "ASK { ?s ?p ?o }\n")
    done = invoke("sparql", str(query), "--format", "xlsx", "--lang", "en", "-q")
    assert done.exit_code == 2 and "ASK" in done.stderr and "--format xlsx" in done.stderr
    target = tmp_path / "svar.xlsx"
    done = invoke("sparql", str(query), "-o", str(target), "--lang", "en", "-q")
    assert done.exit_code == 2 and "cannot write a .xlsx file" in done.stderr
    assert not target.exists()


def test_a_format_that_disagrees_with_the_workbook_name_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "svar.xlsx"
    done = invoke("query", "coordinators-ranked", "--format", "csv", "-o", str(target),
                    "--lang", "en", "-q")
    assert done.exit_code == 2 and "the name says xlsx but --format csv" in done.stderr
    assert not target.exists()


def test_an_answer_with_no_rows_is_a_header_not_an_empty_file(tmp_path: Path) -> None:
    query = _query_file(tmp_path, "SELECT ?s ?o WHERE { ?s <urn:x-none:p> ?o }\n")
    target = tmp_path / "svar.xlsx"
    assert invoke("sparql", str(query), "-q", "-o", str(target)).exit_code == 0
    assert _rows(target) == [("s", "o")]


def _many(n: int) -> Iterator[list[str | int | float | None]]:
    for i in range(n):
        yield [f"https://w3id.org/planegraf/id/activity/{i}", f"Aktivitet nummer {i}", i,
               i / 7, None]


def _peak(rows: int, target: Path) -> int:
    tracemalloc.start()
    try:
        write_table(target, "many", ["IRI", "Namn", "Nr", "Kvot", "Tom"], _many(rows))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_answer_is_written_row_by_row_not_held_in_memory_cell_by_cell(
        tmp_path: Path) -> None:
    small = _peak(3_000, tmp_path / "small.xlsx")
    large = _peak(30_000, tmp_path / "large.xlsx")
    # 27 000 more rows of five cells held as cell objects would take tens of MB more
    assert large - small < 4 * 1024 * 1024, (small, large)
    book = openpyxl.load_workbook(tmp_path / "large.xlsx", read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 30_001
    assert rows[-1][:4] == ("https://w3id.org/planegraf/id/activity/29999",
                            "Aktivitet nummer 29999", 29999, 29999 / 7)


class _Broken(Exception):
    pass


def test_a_write_that_fails_halfway_leaves_the_last_good_workbook(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "svar.xlsx"
    assert invoke("query", "coordinators-ranked", "-q", "-o", str(target)).exit_code == 0
    good = target.read_bytes()
    scratch = tmp_path.parent / f"{tmp_path.name}-scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where openpyxl streams a sheet

    def failing() -> Iterator[list[str | int | float | None]]:
        yield from _many(2_000)
        raise _Broken("the answer broke off")

    with pytest.raises(_Broken):
        write_table(target, "many", ["IRI", "Namn", "Nr", "Kvot", "Tom"], failing())
    assert target.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svar.xlsx"]
    assert list(scratch.iterdir()) == []  # nor the half-written sheet


def test_a_query_that_is_stopped_leaves_the_last_good_workbook(tmp_path: Path) -> None:
    target = tmp_path / "svar.xlsx"
    assert invoke("query", "coordinators-ranked", "-q", "-o", str(target)).exit_code == 0
    good = target.read_bytes()
    done = invoke("query", "coordinators-ranked", "--max-rows", "2", "-q", "-o", str(target))
    assert done.exit_code == 2
    assert target.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svar.xlsx"]


@pytest.mark.parametrize(("command", "first", "numeric"), [
    (["metrics", "--plan", "rjl-hp-2018-2020"], "Organisation (IRI)", "Grad"),
    (["gaps", "--plan", "rjl-hp-2018-2020"], "Regel (id)", "Antal"),
    (["compare", "--plan", "rjl-hp-2016-2017", "--plan", "rjl-hp-2018-2020"],
     "Organisation (IRI)", "Grad (efter)"),
], ids=lambda v: v[0] if isinstance(v, list) else None)
def test_metrics_gaps_and_compare_open_in_excel_as_the_csv_table_with_swedish_headings(
        tmp_path: Path, command: list[str], first: str, numeric: str) -> None:
    target = tmp_path / "rapport.xlsx"
    done = invoke(*command, "--lang", "sv", "-q", "-o", str(target))
    assert done.exit_code == 0, done.stderr
    table = _csv(invoke(*command, "--lang", "sv", "-q", "--format", "csv").stdout)
    rows = _rows(target)
    assert rows[0][0] == first and len(rows) == len(table) > 2
    assert [row[0] for row in rows[1:]] == [row[0] for row in table[1:]]
    column = rows[0].index(numeric)
    assert all(isinstance(row[column], int | float) for row in rows[1:]
               if row[column] is not None)
    assert [row[column] for row in rows[1:]] == [
        None if row[column] == "" else float(row[column]) for row in table[1:]]


def test_a_report_workbook_asked_for_on_the_terminal_is_refused() -> None:
    done = invoke("gaps", "--format", "xlsx", "--lang", "en", "-q")
    assert done.exit_code == 2 and done.stdout == ""
    assert "terminal" in done.stderr and "-o" in done.stderr


def test_a_report_cell_written_as_a_formula_is_text_and_truth_values_are_words(
        tmp_path: Path) -> None:
    from planegraf.render.xlsx import write_report

    target = tmp_path / "luckor.xlsx"
    write_report(target, "Luckor i samordningen", "gaps", ["label", "articulation_point"],
                 [[text, index % 2 == 0] for index, text in enumerate(HOSTILE)], "sv")
    rows = _rows(target)
    assert rows[0] == ("Organisation", "Håller ihop nätverket")
    assert [row[0] for row in rows[1:]] == HOSTILE
    assert {row[1] for row in rows[1:]} == {"ja", "nej"}
    assert "<f>" not in _sheet_xml(target) and "<f " not in _sheet_xml(target)


@pytest.mark.parametrize(("command", "column", "words"), [
    (["metrics", "--plan", "rjl-hp-2018-2020"], "Sektor",
     {"kommun", "civilsamhälle", "privat sektor"}),
    (["compare", "--plan", "rjl-hp-2016-2017", "--plan", "rjl-hp-2018-2020"], "Status",
     {"nya", "borta", "kvar"}),
], ids=["metrics", "compare"])
def test_a_swedish_report_workbook_names_sectors_and_changes_in_swedish_not_by_code(
        tmp_path: Path, command: list[str], column: str, words: set[str]) -> None:
    # The CSV keeps its codes (municipality, new …) for programs; the workbook is for people.
    target = tmp_path / "rapport.xlsx"
    done = invoke(*command, "--lang", "sv", "-q", "-o", str(target))
    assert done.exit_code == 0, done.stderr
    rows = _rows(target)
    shown = {row[rows[0].index(column)] for row in rows[1:]}
    assert shown & words, shown
    assert not shown & {"municipality", "civil-society", "private", "group",
                        "new", "gone", "kept"}, shown


def test_an_average_in_an_analysts_own_query_is_a_number_the_workbook_can_sum(
        tmp_path: Path) -> None:
    # Oxigraph writes a decimal quotient with 18 decimals (7/3 = 2.333333333333333333): it
    # was a text cell "2,333333333333333333", which Excel neither sums nor sorts as a number.
    query = tmp_path / "medel.rq"
    query.write_text("SELECT ?v ((7/3) AS ?kvot) (AVG(?v) AS ?medel) WHERE { VALUES ?v { 1 2 } }"
                     " GROUP BY ?v ORDER BY ?v\n", encoding="utf-8")
    target = tmp_path / "svar.xlsx"
    done = invoke("sparql", str(query), "--lang", "sv", "-q", "-o", str(target))
    assert done.exit_code == 0, done.stderr
    rows = _rows(target)
    assert rows[1:] == [(1, pytest.approx(7 / 3), 1), (2, pytest.approx(7 / 3), 2)]
    assert all(isinstance(cell, int | float) for row in rows[1:] for cell in row)
