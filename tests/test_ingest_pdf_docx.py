"""PDF and Word plans: rendered here from test text, imported, and compared with the import
of the same plan as extracted text. Everything but the locator (line, page, paragraph) and
the file name must be the same graph."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from planegraf.ids import graph_iri
from planegraf.ingest import ImportResult, ImportSettings, import_document
from planegraf.namespaces import PG

from .plan_documents import (
    Block,
    Bullet,
    Heading,
    PageBreak,
    Para,
    Table,
    render_docx,
    render_pdf,
    render_text,
)

HEADER = ("Aktivitet", "Uppföljning", "Samordningsansvarig och samverkansparter")
PARTICIPANTS = [
    "Samordningsansvarig: Futurum Samverkansparter: Qulturum och länets kommuner",
    "Samordningsansvarig: Kultorum, Region Jönköpings län Samverkansparter: Länsstyrelsen",
    "Arbetsförmedlingen är samordningsansvarig. Samverkanspart: Futurum",
    "Samordningsansvarig: Sektion Folkhälsa Samverkansparter: Försäkringskassan, "
    "Arbetsförmedlingen, Länsstyrelsen, länets kommuner och Qulturum",
]
LOCATORS = {PG.line, PG.endLine, PG.page, PG.endPage, PG.paragraph, PG.fileName}
KEY = "test-plan-2019-2020"


def plan_blocks(rows: int = 45) -> list[Block]:
    """A two-area plan: a long table that runs over pages (its header repeats), cells that
    wrap, a row broken across a page break, and merged cells in the Word version."""
    long_rows = [
        (f"Ta fram ett kunskapsunderlag om jämlik hälsa i länets kommuner, del {n}, med "
         "fördjupning om barn och unga",
         "Rapport" if n % 3 else "Antal genomförda utbildningar och nätverksträffar",
         PARTICIPANTS[n % len(PARTICIPANTS)])
        for n in range(1, rows + 1)]
    return [
        Heading("Handlingsplan 2019-2020 till strategin Tillsammans för jämlik hälsa och ett "
                "bra liv i Jönköpings län"),
        Heading("Handlingsområde 1: Statistik"),
        Para("Mål:"),
        Bullet("Kunskapen om hälsans fördelning ökar."),
        Bullet("Statistiken används i planeringen."),
        Para("Tabell 1 Aktiviteter för statistik"),
        Table(HEADER, long_rows, merge_down=[(1, 2)] if rows > 2 else [],
              merge_across=[4] if rows > 4 else []),
        Heading("Handlingsområde 2: Levnadsvanor"),
        Para("Tabell 2 Aktiviteter för levnadsvanor"),
        Table(HEADER, [
            ("Sprid metoden Hälsosamtal till fler vårdcentraler", "Antal vårdcentraler",
             "Samordningsansvarig: Futurum"),
            ("Utveckla stödet till föreningar som arbetar med fysisk aktivitet för äldre",
             "Antal föreningar", "Samordningsansvarig: Qulturum"),
        ]),
        PageBreak(),
        Table(HEADER, [
            ("", "och deras medlemmar", "Samverkansparter: länets kommuner och Länsstyrelsen"),
            ("Följ upp arbetet", "Rapport", "Samordningsansvarig: Sektion Folkhälsa"),
        ]),
    ]


def imported(path: Path) -> ImportResult:
    return import_document(path, ImportSettings(plan_key=KEY))


def content(result: ImportResult) -> set[tuple[str, str, str]]:
    """The plan's graph without its locators and file name (which differ by format)."""
    graph: Graph = result.dataset.graph(URIRef(str(graph_iri(KEY))))
    return {(str(s), str(p), str(o)) for s, p, o in graph if p not in LOCATORS}


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ImportResult]:
    folder = tmp_path_factory.mktemp("plans")
    blocks = plan_blocks()
    text = folder / "plan.txt"
    text.write_text(render_text(blocks), encoding="utf-8")
    render_pdf(blocks, folder / "plan.pdf")
    render_docx(blocks, folder / "plan.docx")
    return {suffix: imported(folder / f"plan.{suffix}") for suffix in ("txt", "pdf", "docx")}


def test_the_text_version_reads_as_written(plans: dict[str, ImportResult]) -> None:
    text = plans["txt"]
    assert [r.key for r in text.rows][:3] == ["1-1", "1-2", "1-3"]
    assert len(text.rows) == 45 + 3
    broken = next(r.row for r in text.rows if r.key == "2-2")
    assert broken.follow_up == "Antal föreningar och deras medlemmar"
    assert text.complete, [m.text for _, m in text.unresolved]


@pytest.mark.parametrize("suffix", ["pdf", "docx"])
def test_a_pdf_or_word_plan_imports_to_the_same_graph_as_its_text(
        plans: dict[str, ImportResult], suffix: str) -> None:
    expected, found = content(plans["txt"]), content(plans[suffix])
    assert found == expected, (
        "\n".join(f"+ {t}" for t in sorted(found - expected))
        + "\n" + "\n".join(f"- {t}" for t in sorted(expected - found)))


def test_a_pdf_table_over_several_pages_keeps_each_rows_page(
        plans: dict[str, ImportResult]) -> None:
    rows = {r.key: r.row for r in plans["pdf"].rows}
    assert rows["1-1"].page == 1
    assert rows["1-45"].page is not None and rows["1-45"].page > 1  # the header repeated
    broken = rows["2-2"]
    assert broken.page is not None and broken.end_page == broken.page + 1
    graph = plans["pdf"].dataset.graph(URIRef(str(graph_iri(KEY))))
    excerpt = URIRef(f"https://w3id.org/planegraf/id/excerpt/{KEY}/2-2")
    assert int(graph.value(excerpt, PG.page)) == broken.page  # type: ignore[arg-type]
    assert int(graph.value(excerpt, PG.endPage)) == broken.page + 1  # type: ignore[arg-type]
    assert graph.value(excerpt, PG.line) is None
    notes = " ".join(n.en for n in plans["pdf"].source.notes)
    assert f"Page {broken.end_page} continues table 2 row 2" in notes


def test_a_merged_word_cell_applies_to_every_row_it_spans(
        plans: dict[str, ImportResult]) -> None:
    rows = {r.key: r for r in plans["docx"].rows}
    assert rows["1-2"].row.participants == rows["1-3"].row.participants == PARTICIPANTS[2]
    assert rows["1-5"].row.follow_up == ""  # the activity spans the follow-up column
    assert rows["1-5"].row.activity.startswith("Ta fram ett kunskapsunderlag")


@pytest.mark.parametrize("suffix", ["docx", "pdf"])
def test_a_pdf_or_word_plan_in_themes_keeps_each_activitys_place(tmp_path: Path,
                                                                 suffix: str) -> None:
    """The Kalmar layout as Word or PDF: headings, "Planskrivning", "Aktivitet" bullets."""
    blocks: list[Block] = [Heading("Tidsatta, prioriterade aktiviteter för länets "
                                   "folkhälsoarbete"),
                           Para("Aktiviteterna följer regionplanen 2023-2025."),
                           Heading("HBTQ"), Heading("Planskrivning"),
                           Para("Kunskapen om gruppens villkor ska öka."),
                           Heading("Aktivitet"),
                           Bullet("Tillhandahålla digital diplomering, klart augusti 2023"),
                           Bullet("Utbilda personal tillsammans med Länsstyrelsen")]
    path = tmp_path / f"kalmar-2023.{suffix}"
    (render_docx if suffix == "docx" else render_pdf)(blocks, path)
    result = import_document(path, ImportSettings(plan_key="kalmar-test-2023"))
    where = [(r.key, r.row.paragraph if suffix == "docx" else r.row.page)
             for r in result.rows]
    assert where == ([("5-1", 7), ("5-2", 8)] if suffix == "docx" else [("5-1", 1), ("5-2", 1)])
    assert [o.text for o in result.source.objectives] == ["Kunskapen om gruppens villkor ska "
                                                          "öka."]
    assert result.rows[0].row.deadline == "augusti 2023"
    assert [(m.role, m.agent, m.stated) for m in result.rows[1].mentions] == [
        ("coordinator", "https://w3id.org/planegraf/id/org/region-kalmar-lan", False),
        ("partner", "https://w3id.org/planegraf/id/org/lansstyrelsen-i-kalmar-lan", True)]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planegraf.cli", *args], capture_output=True,
                          text=True, check=False)


def test_a_scanned_pdf_without_text_is_refused_saying_so(tmp_path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "scanned.pdf"
    page = canvas.Canvas(str(path), pagesize=A4)
    for y in range(100, 700, 20):  # what a scan is to a PDF reader: marks, no text
        page.rect(72, y, 400, 8, fill=1)
    page.showPage()
    page.save()
    done = _cli("import", str(path), "-o", str(tmp_path / "out.trig"))
    assert done.returncode == 2, done.stderr
    # The demonstration's language is Swedish: the refusal is worded in Swedish.
    assert "inget textlager" in done.stderr and "scanned.pdf" in done.stderr
    assert "ocrmypdf" in done.stderr
    assert not (tmp_path / "out.trig").exists()


def test_a_damaged_word_file_is_refused_with_the_file_named(tmp_path: Path) -> None:
    path = tmp_path / "plan.docx"
    path.write_bytes(b"not a zip")
    done = _cli("import", str(path), "-o", str(tmp_path / "out.trig"))
    assert done.returncode == 2
    assert "plan.docx" in done.stderr and "Word" in done.stderr


def test_import_command_reads_pdf_and_word(tmp_path: Path) -> None:
    blocks = plan_blocks(rows=3)
    render_docx(blocks, tmp_path / "plan.docx")
    render_pdf(blocks, tmp_path / "plan.pdf")
    for name in ("plan.docx", "plan.pdf"):
        out = tmp_path / f"{name}.trig"
        done = _cli("import", str(tmp_path / name), "--plan-key", KEY, "-o", str(out),
                    "--lang", "en")
        assert done.returncode == 0, done.stderr
        assert "6 activities" in done.stdout
        report = (tmp_path / f"{name}.report.md").read_text(encoding="utf-8")
        assert ("page 1" in report) if name.endswith("pdf") else ("table 1 row 1" in report)


def test_pdf_and_word_imports_pass_the_shapes_without_text_lines(
        plans: dict[str, ImportResult], tmp_path: Path) -> None:
    """Their excerpts have a page, or a table and row, instead of pg:line."""
    from planegraf.pipeline import check

    for suffix in ("pdf", "docx"):
        path = tmp_path / f"{suffix}.trig"
        path.write_bytes(plans[suffix].trig())
        _, report = check([path])
        assert report.conforms, report.text("en")
