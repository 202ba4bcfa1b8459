"""Hostile and careless input is refused with a clear message and exit 2, within bounded
memory: spreadsheets that claim or hold more than the limits, XML nested without end, a CSV
cell past the csv module's limit, bad plan keys, huge integers, an unclosed quote. Names in the
import report are shown, never run as Markdown or HTML."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from planegraf.errors import InputError, PlanegrafError
from planegraf.ingest import ImportSettings, import_spreadsheet
from planegraf.ingest.report import report_markdown
from planegraf.ingest.spreadsheet import HEADERS_SV, read_spreadsheet
from planegraf.rdf.safe_input import InputLimits

REPOSITORY = Path(__file__).parent.parent
STRATEGY = ImportSettings(strategy="rjl-jamlik-halsa-2016-2025")
HEADER = ",".join(HEADERS_SV)
GOOD = "rjl-test,6,Föräldrastöd i länet,Antal träffar,Länsstyrelsen i Jönköpings län,,2018"


def _planegraf(*args: str, env: dict[str, str] | None = None,
               memory_mib: int | None = None) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        if memory_mib:
            limit = memory_mib * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))

    return subprocess.run([sys.executable, "-m", "planegraf.cli", *args], capture_output=True,
                          text=True, timeout=600, cwd=REPOSITORY,
                          env={**os.environ, **(env or {})}, preexec_fn=cap)


def _cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def _xlsx(path: Path, rows: list[list[str]], *, dimension: str | None = None,
          extra_rows: str = "") -> Path:
    """A workbook written part by part with zipfile, so a test can make it lie."""
    columns = "ABCDEFG"
    sheet_rows = "".join(
        f'<row r="{number}">' + "".join(_cell(f"{columns[i]}{number}", value)
                                        for i, value in enumerate(row)) + "</row>"
        for number, row in enumerate(rows, start=1))
    ref = dimension or f"A1:G{len(rows)}"
    parts = {
        "[Content_Types].xml":
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="rels" ContentType="applicat'
            'ion/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" Conte'
            'ntType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="appl'
            'ication/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Overrid'
            'e PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformat'
            's-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels":
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxm'
            'lformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://sc'
            'hemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target'
            '="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml":
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlform'
            'ats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/offic'
            'eDocument/2006/relationships"><sheets><sheet name="Aktiviteter" sheetId="1" r:id='
            '"rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels":
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxm'
            'lformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://sc'
            'hemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="wor'
            'ksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml":
            '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlfor'
            f'mats.org/spreadsheetml/2006/main"><dimension ref="{ref}"/><sheetData>'
            f'{sheet_rows}{extra_rows}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def _good_rows() -> list[list[str]]:
    return [list(HEADERS_SV), GOOD.split(",")]


def test_an_xlsx_claiming_every_row_and_column_does_not_take_the_memory(tmp_path: Path) -> None:
    # 4.8 KB on disk; openpyxl padded every row to the claimed A1:XFD1048576 (5.9 GB).
    book = _xlsx(tmp_path / "claims.xlsx", _good_rows(), dimension="A1:XFD1048576")
    assert book.stat().st_size < 5000
    done = _planegraf("import", str(book), "--strategy", "rjl-jamlik-halsa-2016-2025",
                      "-o", str(tmp_path / "claims.trig"), "-q", memory_mib=1024)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Föräldrastöd i länet" in (tmp_path / "claims.trig").read_text(encoding="utf-8")


def test_an_xlsx_whose_last_row_is_numbered_a_million_is_refused(tmp_path: Path) -> None:
    book = _xlsx(tmp_path / "far.xlsx", _good_rows(),
                 extra_rows=f'<row r="1048576">{_cell("A1048576", "x")}</row>')
    done = _planegraf("import", str(book), "--strategy", "rjl-jamlik-halsa-2016-2025",
                      "-o", str(tmp_path / "far.trig"), "-q", "--lang", "en", memory_mib=1024)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "100000 rows" in done.stderr and "PLANEGRAF_MAX_ROWS" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_xlsx_with_a_cell_in_the_last_column_is_refused(tmp_path: Path) -> None:
    book = _xlsx(tmp_path / "wide.xlsx", _good_rows(),
                 extra_rows=f'<row r="3">{_cell("XFD3", "x")}</row>')
    with pytest.raises(InputError, match="16384 columns.*PLANEGRAF_MAX_COLUMNS"):
        read_spreadsheet(book)


def test_an_xlsx_that_unpacks_past_the_size_limit_is_refused_before_reading(
        tmp_path: Path) -> None:
    rows = _good_rows()
    rows[1][2] = "a" * (3 << 20)  # one 3 MiB cell: 3 KiB on disk
    book = _xlsx(tmp_path / "bomb.xlsx", rows)
    assert book.stat().st_size < 20_000
    done = _planegraf("import", str(book), "--strategy", "rjl-jamlik-halsa-2016-2025",
                      "-o", str(tmp_path / "bomb.trig"), "-q",
                      env={"PLANEGRAF_MAX_INPUT_MIB": "2"})
    assert done.returncode == 2, done.stderr[-2000:]
    assert "bomb.xlsx" in done.stderr and "2 MiB" in done.stderr
    assert "PLANEGRAF_MAX_INPUT_MIB=20" in done.stderr
    assert not (tmp_path / "bomb.trig").exists()


def test_an_xlsx_cell_longer_than_excel_allows_is_refused(tmp_path: Path) -> None:
    rows = _good_rows()
    rows[1][2] = "a" * 40_000
    with pytest.raises(InputError,
                       match=r"bomb.xlsx:2:3: the cell in column 3 has 40000 characters.*32767"):
        read_spreadsheet(_xlsx(tmp_path / "bomb.xlsx", rows))


def test_an_xlsx_with_more_rows_than_the_limit_is_refused(tmp_path: Path) -> None:
    rows = _good_rows() + [GOOD.split(",")] * 60
    with pytest.raises(InputError, match="too many rows.*50 rows"):
        read_spreadsheet(_xlsx(tmp_path / "long.xlsx", rows), InputLimits(max_rows=50))


def test_a_limit_raised_in_the_environment_lets_the_file_through(tmp_path: Path) -> None:
    rows = _good_rows()
    rows[1][2] = "a" * 40_000
    book = _xlsx(tmp_path / "long-cell.xlsx", rows)
    source = read_spreadsheet(book, InputLimits.from_environment({"PLANEGRAF_MAX_CELL": "50000"}))
    assert len(source.rows[0].activity) == 40_000


def test_rdf_xml_nested_50000_deep_is_refused_with_exit_2(tmp_path: Path) -> None:
    depth = 50_000
    deep = tmp_path / "deep.rdf"
    deep.write_text(
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ex="http://example.org/">\n<rdf:Description rdf:about="http://example.org/s">'
        + '<ex:p rdf:parseType="Resource">' * depth + "</ex:p>" * depth
        + "</rdf:Description></rdf:RDF>\n", encoding="utf-8")
    done = _planegraf("validate", str(deep))
    assert done.returncode == 2, done.stderr[-2000:]
    assert "deep.rdf:3" in done.stderr and "PLANEGRAF_MAX_XML_DEPTH" in done.stderr


def test_rdf_xml_of_ordinary_depth_still_loads(tmp_path: Path) -> None:
    nested = tmp_path / "nested.rdf"
    nested.write_text(
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ex="http://example.org/">\n<rdf:Description rdf:about="http://example.org/s">'
        + '<ex:p rdf:parseType="Resource">' * 20 + "</ex:p>" * 20
        + "</rdf:Description></rdf:RDF>\n", encoding="utf-8")
    done = _planegraf("validate", str(nested), "--alone")
    assert done.returncode in (0, 1), done.stderr[-2000:]


def test_a_csv_cell_past_the_csv_module_limit_is_refused_with_exit_2(tmp_path: Path) -> None:
    sheet = tmp_path / "huge-cell.csv"
    sheet.write_text(f"{HEADER}\n{GOOD}\n" + GOOD.replace("Föräldrastöd i länet", "a" * 131_073)
                     + "\n", encoding="utf-8")
    done = _planegraf("import", str(sheet), "--strategy", "rjl-jamlik-halsa-2016-2025",
                      "-o", str(tmp_path / "huge-cell.trig"), "-q")
    assert done.returncode == 2, done.stderr[-2000:]
    assert "huge-cell.csv:3" in done.stderr and "PLANEGRAF_MAX_CELL" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("key", ["plan med mellanslag", "../../etc/x", "../x", "Versaler"])
def test_a_plan_key_that_is_no_key_is_refused_with_exit_2(tmp_path: Path, key: str) -> None:
    sheet = tmp_path / "plan.csv"
    sheet.write_text(f"{HEADER}\n{GOOD}\n", encoding="utf-8")
    done = _planegraf("import", str(sheet), "--plan-key", key, "--strategy",
                      "rjl-jamlik-halsa-2016-2025", "-o", str(tmp_path / "plan.trig"), "-q",
                      "--lang", "en")
    assert done.returncode == 2, done.stderr[-2000:]
    assert "--plan-key" in done.stderr and "lowercase letters" in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.csv"]


def test_a_sheet_row_naming_a_plan_key_that_is_no_key_is_rejected(tmp_path: Path) -> None:
    sheet = tmp_path / "plan.csv"
    sheet.write_text(f"{HEADER}\n{GOOD}\n{GOOD.replace('rjl-test', '../x')}\n", encoding="utf-8")
    result = import_spreadsheet(sheet, ImportSettings(plan_key="rjl-test",
                                                      strategy="rjl-jamlik-halsa-2016-2025"))
    assert [row.line for row in result.source.rows] == [2]
    assert [note.line for note in result.source.rejected] == [3]
    assert "lowercase letters" in result.source.rejected[0].en


def test_a_4301_digit_integer_parameter_is_refused_with_exit_2() -> None:
    done = _planegraf("query", "frequent-partner-pairs", "--param", "min_shared=" + "9" * 4301,
                      "--lang", "en")
    assert done.returncode == 2, done.stderr[-2000:]
    assert "at most 4300 digits" in done.stderr and "Traceback" not in done.stderr


def test_an_unclosed_quote_does_not_swallow_the_next_good_rows(tmp_path: Path) -> None:
    sheet = tmp_path / "quote.csv"
    broken = GOOD.replace("Antal träffar", '"Antal träffar')
    sheet.write_text(f"{HEADER}\n{GOOD}\n{broken}\n{GOOD.replace('i länet', 'i skolan')}\n"
                     f"{GOOD.replace('i länet', 'i kommunen')}\n", encoding="utf-8")
    result = import_spreadsheet(sheet, STRATEGY)
    assert [(row.line, row.activity) for row in result.source.rows] == [
        (2, "Föräldrastöd i länet"), (4, "Föräldrastöd i skolan"),
        (5, "Föräldrastöd i kommunen")]
    assert [note.line for note in result.source.rejected] == [3]
    assert result.source.file_name == "quote.csv"
    assert "a quote opens and never closes" in result.source.rejected[0].en


@pytest.mark.parametrize("first", [False, True], ids=["middle-column", "first-column"])
def test_a_cell_with_a_line_break_inside_quotes_is_still_one_row(tmp_path: Path,
                                                                  first: bool) -> None:
    # In the first column, the cell's second line has as many cells as a whole row.
    header = ("Aktivitet,Plan,Handlingsområde,Uppföljning,Samordningsansvariga,"
              "Samverkansparter,Period" if first else HEADER)
    cells = '"Föräldrastöd,\nrapport till nämnden"', "rjl-test", "6", "Antal träffar", \
        "Länsstyrelsen i Jönköpings län", "", "2018"
    row = ",".join(cells) if first else ",".join([cells[1], cells[2], cells[0], *cells[3:]])
    sheet = tmp_path / "multiline.csv"
    sheet.write_text(f"{header}\n{row}\n", encoding="utf-8")
    result = import_spreadsheet(sheet, STRATEGY)
    assert [(r.line, r.activity) for r in result.source.rows] == [
        (2, "Föräldrastöd, rapport till nämnden")]
    assert result.source.rejected == []


def test_names_in_the_import_report_cannot_become_html_or_links(tmp_path: Path) -> None:
    sheet = tmp_path / "report.csv"
    hostile = GOOD.replace(
        "Föräldrastöd i länet",
        '"<img src=x onerror=alert(1)> [klicka](http://127.0.0.1:9/) **fet** # rubrik"'
    ).replace("Länsstyrelsen i Jönköpings län",
              "Länsstyrelsen i Jönköpings län och <script>alert(1)</script> ![bild](x.png)")
    sheet.write_text(f"{HEADER}\n{hostile}\n", encoding="utf-8")
    result = import_spreadsheet(sheet, STRATEGY)
    for lang in ("sv", "en"):
        html = MarkdownIt("commonmark").render(report_markdown(result, lang))
        for element in ("<img", "<script", "127.0.0.1:9/\"", "<strong>fet", "<h1>rubrik"):
            assert element not in html, (lang, element)
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        assert "[klicka](http://127.0.0.1:9/)" in html


def test_a_limit_set_to_a_superscript_digit_is_refused_with_a_message_not_a_crash() -> None:
    # '²'.isdigit() is true, but int('²') raises ValueError.
    with pytest.raises(PlanegrafError, match=r"PLANEGRAF_MAX_ROWS='²': expected a whole number"):
        InputLimits.from_environment({"PLANEGRAF_MAX_ROWS": "²"})
