"""Activity spreadsheets: the template, CSV and XLSX import, and bad rows reported by number."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from rdflib import Graph, URIRef
from rdflib.compare import to_isomorphic

from planegraf.ids import graph_iri
from planegraf.ingest import ImportResult, ImportSettings, import_spreadsheet
from planegraf.ingest.spreadsheet import EXAMPLE_ROW, HEADERS_SV
from planegraf.namespaces import PG
from planegraf.pipeline import check

from .conftest import PLAN_ROW

FIXTURES = Path(__file__).parent / "fixtures" / "spreadsheets"
ID = "https://w3id.org/planegraf/id/"
STRATEGY = ImportSettings(strategy="rjl-jamlik-halsa-2016-2025")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planegraf.cli", *args],
                          capture_output=True, text=True, check=False)


def plan_graph(result: ImportResult) -> Graph:
    graph = result.dataset.graph(graph_iri(result.context.plan_key))
    copy = Graph()
    for triple in graph:
        if triple[1] != PG.fileName:  # the one triple that names the file type
            copy.add(triple)
    return copy


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


def write_xlsx(rows: list[list[object]], path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_template_has_the_header_and_an_example_row_that_imports(suffix: str,
                                                                 tmp_path: Path) -> None:
    template = tmp_path / f"aktiviteter{suffix}"
    done = cli("template", "-o", str(template))
    assert done.returncode == 0, done.stderr
    if suffix == ".csv":
        rows = csv_rows_comma(template)
    else:
        sheet = load_workbook(template).active
        assert sheet is not None
        rows = [[str(c) for c in r] for r in sheet.iter_rows(values_only=True)]
    assert rows == [list(HEADERS_SV), list(EXAMPLE_ROW)]
    # The example names no region: its organisations are those of the county given.
    done = cli("import", str(template), "-o", str(tmp_path / "t.trig"), "-q",
               "--strategy", "kalmar-regionplan-2023-2025", "--county", "kalmar-lan")
    assert done.returncode == 0, done.stdout + done.stderr
    _, report = check([tmp_path / "t.trig"])
    assert report.conforms, report.text("en")


def test_the_county_is_named_by_its_code_or_name_as_well_as_its_slug(tmp_path: Path) -> None:
    # "Kalmar län" crashed the import (a space in an IRI); "08" made a place nobody's data
    # names, so "Länsstyrelsen" and "Regionen" resolved to no one.
    template = tmp_path / "aktiviteter.xlsx"
    assert cli("template", "-o", str(template)).returncode == 0
    written = {}
    for county in ("kalmar-lan", "Kalmar län", "08"):
        out = tmp_path / f"{county}.trig"
        done = cli("import", str(template), "-o", str(out), "-q",
                   "--strategy", "kalmar-regionplan-2023-2025", "--county", county)
        assert done.returncode == 0, done.stdout + done.stderr
        written[county] = out.read_bytes()
    assert written["Kalmar län"] == written["kalmar-lan"] == written["08"]
    assert b"region-kalmar-lan" in written["08"]
    done = cli("import", str(template), "-o", str(tmp_path / "x.trig"), "-q", "--lang", "en",
               "--strategy", "kalmar-regionplan-2023-2025", "--county", "Atlantis")
    assert done.returncode == 2 and "no county 'Atlantis'" in done.stderr


def csv_rows_comma(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_csv_import_resolves_coordinators_and_partners() -> None:
    result = import_spreadsheet(FIXTURES / "activities.csv", STRATEGY)
    assert result.context.plan_key == "rjl-hp-2021-2022"
    assert [(m.role, m.text, m.agent.rsplit("/", 1)[-1] if m.agent else None)
            for m in result.rows[1].mentions] == [
        ("coordinator", "Barndialogen", "barndialogen"),
        ("partner", "länets kommuner", "jonkopings-lan-kommuner"),
        ("partner", "Länsstyrelsen", "lansstyrelsen-i-jonkopings-lan")]
    graph = plan_graph(result)
    activity = URIRef(ID + "activity/rjl-hp-2021-2022/1-1")
    assert graph.value(activity, PG.startYear).toPython() == 2021
    assert graph.value(activity, PG.endYear).toPython() == 2022
    assert result.complete


def test_xlsx_import_gives_the_same_graph_as_csv(tmp_path: Path) -> None:
    rows: list[list[object]] = [list(r) for r in csv_rows(FIXTURES / "activities.csv")]
    for row in rows[1:]:
        row[1] = int(str(row[1]))  # a number cell, as a spreadsheet program stores it
    xlsx = write_xlsx(rows, tmp_path / "activities.xlsx")
    from_csv = import_spreadsheet(FIXTURES / "activities.csv", STRATEGY)
    from_xlsx = import_spreadsheet(xlsx, STRATEGY)
    assert to_isomorphic(plan_graph(from_xlsx)) == to_isomorphic(plan_graph(from_csv))


def test_bad_rows_are_reported_with_their_row_number_and_good_rows_import(tmp_path: Path) -> None:
    result = import_spreadsheet(FIXTURES / "bad-rows.csv", STRATEGY)
    assert [n.line for n in result.source.rejected] == [3, 4, 5, 6, 7]
    assert "Row 3: the action area 'sex' is not a number" in result.source.rejected[0].en
    assert "the action area is not in the strategy" in result.source.rejected[3].en
    assert [r.row.activity for r in result.rows] == ["Ta fram kunskapsunderlag.",
                                                     "Etablera en länsstruktur."]
    out = tmp_path / "bad.trig"
    done = cli("import", str(FIXTURES / "bad-rows.csv"), "--strategy",
               "rjl-jamlik-halsa-2016-2025", "-o", str(out), "--lang", "en", "-q")
    assert done.returncode == 1
    assert "5 rows rejected" in done.stdout
    assert "Row 7: the coordinator is missing" in (tmp_path / "bad.report.md").read_text("utf-8")
    _, report = check([out])
    assert report.conforms, report.text("en")


def test_formulas_are_not_evaluated(tmp_path: Path) -> None:
    rows: list[list[object]] = [list(HEADERS_SV), list(PLAN_ROW),
                                ["rjl-hp-2018-2020", "=3+3", "Räknat område.", "Uppföljning",
                                 "Futurum", "", "2019"]]
    result = import_spreadsheet(write_xlsx(rows, tmp_path / "formula.xlsx"))
    # The formula has no stored value (no program computed it); planegraf never computes it.
    assert len(result.rows) == 1
    assert [n.line for n in result.source.rejected] == [3]


def test_unknown_column_names_the_header_line(tmp_path: Path) -> None:
    sheet = tmp_path / "odd.csv"
    sheet.write_text("Plan,Handlingsområde,Aktivitet,Kostnad,Samordningsansvariga\n",
                     encoding="utf-8")
    done = cli("import", str(sheet), "-q", "--lang", "en")
    assert done.returncode == 2
    assert "odd.csv:1: unknown column 'Kostnad'" in done.stderr


def test_an_area_written_with_a_superscript_digit_is_a_reported_row_not_a_crash(
        tmp_path: Path) -> None:
    # "²" is a digit to str.isdigit() but not a number int() reads: the row is refused
    # with its number and the cell, as any area that is not a number.
    rows = csv_rows_comma(FIXTURES / "bad-rows.csv")[:2]
    rows.append(["rjl-hp-2021-2022", "²", "Översätta materialet.", "Översättningar gjorda",
                 "Barndialogen", "", "2021"])
    path = tmp_path / "superscript.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    result = import_spreadsheet(path, STRATEGY)
    assert [n.line for n in result.source.rejected] == [3]
    assert "Row 3: the action area '²' is not a number" in result.source.rejected[0].en
    assert [r.row.activity for r in result.rows] == ["Ta fram kunskapsunderlag."]
