"""What a strategist meets walking through the README's project flow for a county of their own
(Västerbottens län here): a Word or PDF plan imported into the project, the organisations
sheet in the run's language, and the words of ``organisations add``."""

from __future__ import annotations

import csv
import shlex
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from .cli import invoke
from .plan_documents import Bullet, Heading, Para, Table, render_docx, render_pdf

HEADER = ("Aktivitet", "Uppföljning", "Samordningsansvarig och samverkansparter")


def _plan(title: str) -> list[Para | Heading | Bullet | Table]:
    return [
        Para(title),
        Heading("Handlingsområde 1: Barn och ungas hälsa"),
        Heading("Mål"),
        Bullet("Fler barn rör sig varje dag"),
        Table(HEADER, [
            ("Införa daglig rörelse i skolan.", "Andel skolor med daglig rörelse",
             "Samordningsansvarig: Skellefteå kommun Samverkansparter: Region Västerbotten"),
            ("Starta simskola för nyanlända barn.", "Antal barn som lärt sig simma",
             "Samordningsansvarig: Umeå kommun Samverkansparter: Folkhälsoföreningen Norrsken"),
        ]),
        Heading("Handlingsområde 2: Äldres hälsa"),
        Table(HEADER, [
            ("Förebygga undernäring hos äldre.", "Antal kommuner med rutin",
             "Samordningsansvarig: Region Västerbotten Samverkansparter: länets kommuner"),
        ]),
    ]


#: A text plan's first lines, up to its table's header: the rows follow.
PLAN_HEAD = (
    "Handlingsplan 2024-2025 för folkhälsa i Västerbottens län\n\n"
    "Handlingsområde 1: Barn och ungas hälsa\n\n"
    "Aktivitet\tUppföljning\tSamordningsansvarig och samverkansparter\n")


def _project(home: Path) -> Path:
    made = invoke("init", "vasterbotten", "--county", "Västerbottens län", cwd=home)
    assert made.exit_code == 0, made.output
    return home / "vasterbotten"


@pytest.mark.parametrize("suffix", [".docx", ".pdf"])
def test_a_word_or_pdf_plan_imports_into_the_project_as_the_readme_says(
        tmp_path: Path, suffix: str) -> None:
    project = _project(tmp_path)
    document = tmp_path / f"handlingsplan-2026-2027{suffix}"
    blocks = _plan("Handlingsplan 2026-2027 för folkhälsa i Västerbottens län")
    if suffix == ".docx":
        render_docx(blocks, document)
    else:
        render_pdf(blocks, document)  # type: ignore[arg-type]
    imported = invoke("import", str(document), "-q", cwd=project)
    # 1: one association is not in the registry yet (the sheet asks about it); never 2.
    assert imported.exit_code == 1, imported.output
    plan = (project / "graph" / "handlingsplan-2026-2027.trig").read_text(encoding="utf-8")
    assert "Införa daglig rörelse i skolan." in plan
    assert "Förebygga undernäring hos äldre." in plan
    # The document's headings became the project's strategy, as for a text plan.
    strategy = (project / "graph" / "vasterbottens-lan-folkhalsa.trig").read_text(
        encoding="utf-8")
    assert "Barn och ungas hälsa" in strategy and "Äldres hälsa" in strategy
    # Where each activity came from: the Word table's row or the PDF's page.
    assert ("pg:table" if suffix == ".docx" else "pg:page") in plan
    built = invoke("build", "-q", "--no-site", cwd=project)
    assert built.exit_code == 0, built.output


@pytest.mark.parametrize(("region", "umea", "skelleftea", "words", "numbers"), [
    ("tel 090-785 00 00", "Telefon: 090-16 10 00, e-post: elevhalsa@umea.se",
     "tfn 0910-73 50 00", ("«tel»", "«Telefon»", "«tfn»", "«e-post»"), ("090-",)),
    # The international and the spaced ways: the numbers reached the plan's graph, and
    # "Tel.nr", "Mob:" and "mejladress" were asked about as organisations.
    ("telefon: +46 90 785 00 00", "Tel.nr 090 – 16 10 00, mejladress elevhalsa@umea.se",
     "Mob: +46 (0)70-123 45 67", ("«Tel.nr»", "«Mob:»", "«mejladress»"),
     ("785 00 00", "16 10 00", "123 45 67")),
], ids=["written-together", "international-or-spaced"])
def test_the_word_before_a_removed_phone_number_is_not_asked_about_as_an_organisation(
        tmp_path: Path, region: str, umea: str, skelleftea: str, words: tuple[str, ...],
        numbers: tuple[str, ...]) -> None:
    project = _project(tmp_path)
    plan = tmp_path / "handlingsplan-2024-2025.txt"
    plan.write_text(
        PLAN_HEAD +
        "Genomföra föräldrastödsprogram.\tAntal föräldrar\t"
        f"Samordningsansvarig: Region Västerbotten, {region}\n"
        "Utveckla elevhälsan.\tAntal skolor\tSamordningsansvarig: Umeå kommun, "
        f"{umea} Samverkansparter: Skellefteå kommun, {skelleftea}\n",
        encoding="utf-8")
    imported = invoke("import", str(plan), "-q", cwd=project)
    # Every organisation is in the registry: nothing to decide, no sheet asking about "tel".
    assert imported.exit_code == 0, imported.output
    assert not list((project / "imports").glob("*organisationer*"))
    report = (project / "imports" / "handlingsplan-2024-2025.report.md").read_text(
        encoding="utf-8")
    for word in words:
        assert word not in report
    graph = (project / "graph" / "handlingsplan-2024-2025.trig").read_text(encoding="utf-8")
    for number in (*numbers, "umea.se"):
        assert number not in graph and number not in report


PLAN_WITH_OPEN_MENTIONS = (
    PLAN_HEAD +
    "Utveckla familjecentraler.\tAntal familjecentraler\tSamordningsansvarig: Region "
    "Västerbotten Samverkansparter: Skelleftea kommun, Folkhälsoföreningen Norrsken\n")


def _status_column(sheet: Path) -> dict[str, str]:
    book = load_workbook(sheet)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    return {str(row[0]): str(row[2]) for row in rows[1:]}


@pytest.mark.parametrize(("lang", "unresolved", "guessed", "stem"), [
    ("sv", "ej upplösta", "bara gissade", "handlingsplan-2024-2025-organisationer"),
    ("en", "unresolved", "only guessed", "handlingsplan-2024-2025-organisations"),
])
def test_the_organisations_sheet_says_in_the_users_language_why_a_name_is_asked_about(
        tmp_path: Path, lang: str, unresolved: str, guessed: str, stem: str) -> None:
    project = _project(tmp_path)
    plan = tmp_path / "handlingsplan-2024-2025.txt"
    plan.write_text(PLAN_WITH_OPEN_MENTIONS, encoding="utf-8")
    imported = invoke("import", str(plan), "--lang", lang, "-q", cwd=project)
    assert imported.exit_code == 1, imported.output
    expected = {"Folkhälsoföreningen Norrsken": unresolved, "Skelleftea kommun": guessed}
    assert _status_column(project / "imports" / f"{stem}.xlsx") == expected
    with (project / "imports" / f"{stem}.csv").open(encoding="utf-8") as handle:
        assert {row[0]: row[2] for row in list(csv.reader(handle))[1:]} == expected


def _imported_sheet(tmp_path: Path, project: Path) -> tuple[Path, Path]:
    """The plan with open mentions imported into ``project``: the plan and its decision
    sheet, as the import left it."""
    plan = tmp_path / "handlingsplan-2024-2025.txt"
    plan.write_text(PLAN_WITH_OPEN_MENTIONS, encoding="utf-8")
    assert invoke("import", str(plan), "-q", cwd=project).exit_code == 1
    return plan, project / "imports" / "handlingsplan-2024-2025-organisationer.xlsx"


def _decide(sheet: Path, decisions: dict[str, dict[str, str]],
            others: dict[str, str] | None = None) -> list[str]:
    """Fill in the sheet as a user does: ``decisions`` by mention (column: value), ``others``
    for every other row; its header."""
    book = load_workbook(sheet)
    rows = book.worksheets[0]
    header = [str(cell.value) for cell in rows[1]]
    for row in rows.iter_rows(min_row=2):
        for column, value in decisions.get(str(row[0].value), others or {}).items():
            row[header.index(column)].value = value
    book.save(sheet)
    return header


def test_organisations_add_speaks_swedish_of_a_new_organisation(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _, sheet = _imported_sheet(tmp_path, project)
    _decide(sheet, {"Folkhälsoföreningen Norrsken": {"Beslut": "ny organisation",
                                                     "Sektor": "civilsamhälle"}},
            others={"Beslut": "samma som 1"})
    added = invoke("organisations", "add", str(sheet), cwd=project)
    assert added.exit_code == 0, added.output
    assert "Folkhälsoföreningen Norrsken <https://w3id.org/planegraf/id/org/" \
           "folkhalsoforeningen-norrsken> (ny organisation)" in added.stdout
    assert "new" not in added.stdout
    english = invoke("organisations", "add", str(sheet), "--lang", "en", cwd=project)
    assert "(new organisation)" in english.stdout, english.output


def test_the_projects_own_readme_commands_work_as_written_and_keep_the_plans_title(
        tmp_path: Path) -> None:
    project = _project(tmp_path)
    readme = (project / "README.md").read_text(encoding="utf-8")
    commands = [shlex.split(line.strip())[1:] for line in readme.splitlines()
                if line.strip().startswith("planegraf ")]
    imports = [c for c in commands if c[0] == "import" and "--title" in c]
    adds = [c for c in commands if c[:2] == ["organisations", "add"]]
    assert len(imports) == 2 and len(adds) == 1, commands
    (project / "handlingsplan-2024-2025.txt").write_text(PLAN_WITH_OPEN_MENTIONS,
                                                         encoding="utf-8")
    first = invoke(*imports[0], "-q", cwd=project)
    assert first.exit_code == 1, first.output
    sheet = project / "imports" / "handlingsplan-2024-2025-organisationer.xlsx"
    book = load_workbook(sheet)
    rows = book.worksheets[0]
    header = [cell.value for cell in rows[1]]
    for row in rows.iter_rows(min_row=2):
        row[header.index("Beslut")].value = "samma som 1"
    book.save(sheet)
    added = invoke(*adds[0], cwd=project)  # the sheet is where the README says it is
    assert added.exit_code == 0, added.output
    again = invoke(*imports[1], "-q", cwd=project)
    assert again.exit_code == 0, again.output
    plan = (project / "graph" / "handlingsplan-2024-2025.trig").read_text(encoding="utf-8")
    assert '"Handlingsplan för folkhälsa 2024–2025"@sv' in plan


def _project_with_a_template(tmp_path: Path) -> tuple[Path, Path, Workbook]:
    """A project with a plan imported, and the activity sheet ``planegraf template`` writes
    for it, opened to be filled in."""
    project = _project(tmp_path)
    _imported_sheet(tmp_path, project)
    sheet = tmp_path / "aktiviteter.xlsx"
    assert invoke("template", "-o", str(sheet), cwd=project).exit_code == 0
    return project, sheet, load_workbook(sheet)


def test_a_new_plan_from_an_activity_sheet_is_named_by_its_period_not_shown_as_an_iri(
        tmp_path: Path) -> None:
    project, sheet, book = _project_with_a_template(tmp_path)
    rows = book.worksheets[0]
    rows.delete_rows(2)  # the template's example row
    rows.append(["handlingsplan-2025-2026", 1, "Starta träffpunkter för unga.",
                 "Antal träffpunkter", "Umeå kommun", "Region Västerbotten", "2025"])
    book.save(sheet)
    imported = invoke("import", str(sheet), "-q", cwd=project)
    assert imported.exit_code == 0, imported.output
    graph = (project / "graph" / "handlingsplan-2025-2026.trig").read_text(encoding="utf-8")
    assert '"Handlingsplan 2025–2026"@sv' in graph and '"Action plan 2025–2026"@en' in graph
    report = (project / "imports" / "handlingsplan-2025-2026.report.md").read_text(
        encoding="utf-8")
    assert "perioden 2025–2026 togs ur planens nyckel" in report
    built = invoke("build", "-q", "--no-site", cwd=project)
    assert built.exit_code == 0, built.output
    answer = invoke("query", "plans-overview", "--format", "csv", "-q", cwd=project)
    # The plan's label column reads its title (it was the IRI again).
    assert "/plan/handlingsplan-2025-2026,Handlingsplan 2025–2026," in answer.stdout


@pytest.mark.parametrize(("lang", "note"), [
    ("sv", "Nodens storlek: grad — Antal andra aktörer organisationen samarbetar direkt med."),
    ("en", "Node size: degree — Number of other actors the organisation works with directly."),
])
def test_the_network_pages_size_note_names_the_measure_in_the_pages_language(
        tmp_path: Path, lang: str, note: str) -> None:
    page = tmp_path / "network.html"
    drawn = invoke("network", "--plan", "rjl-hp-2018-2020", "-o", str(page), "--lang", lang,
                   "-q", cwd=tmp_path)
    assert drawn.exit_code == 0, drawn.output
    html = page.read_text(encoding="utf-8")
    assert f'<p class="note">{note}</p>' in html
    assert ".." not in html.split('<p class="note">', 1)[1].split("</p>", 1)[0]


def test_a_projects_import_report_sends_the_user_to_the_sheet_not_to_write_turtle(
        tmp_path: Path) -> None:
    project = _project(tmp_path)
    _imported_sheet(tmp_path, project)
    report = (project / "imports" / "handlingsplan-2024-2025.report.md").read_text(
        encoding="utf-8")
    sheet = "imports/handlingsplan-2024-2025-organisationer.xlsx"
    assert (project / sheet).exists()
    assert f"Fyll i bladet {sheet}" in report
    assert f"planegraf organisations add {sheet}" in report
    # graph/organisations.trig is planegraf's own file, not the project's.
    assert "graph/organisations.trig" not in report


def test_the_report_says_once_per_row_that_contact_details_were_left_out(
        tmp_path: Path) -> None:
    project = _project(tmp_path)
    plan = tmp_path / "handlingsplan-2024-2025.txt"
    plan.write_text(
        PLAN_HEAD +
        "Genomföra föräldrastödsprogram.\tAntal föräldrar. Kontakt: Anna Andersson "
        "070-123 45 67\tSamordningsansvarig: Region Västerbotten, tel 090-785 00 00\n",
        encoding="utf-8")
    assert invoke("import", str(plan), "-q", cwd=project).exit_code == 0
    report = (project / "imports" / "handlingsplan-2024-2025.report.md").read_text(
        encoding="utf-8")
    assert report.count("Kontaktuppgifter (namn, telefon, e-post) utelämnades på rad 6.") == 1
    graph = (project / "graph" / "handlingsplan-2024-2025.trig").read_text(encoding="utf-8")
    assert "Anna" not in graph and "070-" not in graph and "090-" not in graph


def test_the_templates_example_row_left_in_a_filled_sheet_is_pointed_out_in_the_report(
        tmp_path: Path) -> None:
    project, sheet, book = _project_with_a_template(tmp_path)
    book.worksheets[0].append(["handlingsplan-2025-2026", 1, "Starta träffpunkter för unga.",
                               "Antal träffpunkter", "Umeå kommun", "", "2025"])
    book.save(sheet)
    imported = invoke("import", str(sheet), "-q", cwd=project)
    assert imported.exit_code == 0, imported.output
    report = (project / "imports" / "handlingsplan-2025-2026.report.md").read_text(
        encoding="utf-8")
    checks = report.split("## Kontroller", 1)[1].split("\n## ", 1)[0]
    assert "Rad 2 är mallens exempelrad (planegraf template)" in checks
    assert "Rad 3" not in checks


def test_the_start_pages_browser_tab_names_planegraf_once(tmp_path: Path) -> None:
    from planegraf.pipeline import open_store
    from planegraf.publish.site import write_site

    site = tmp_path / "site"
    write_site(open_store(), site, pages="reports")
    for page, title in (("index.html", "planegraf – folkhälsostrategi och handlingsplaner"),
                        ("index.en.html", "planegraf – public-health strategy and action plans"),
                        ("counties/kalmar-lan.html", "Kalmar län – planegraf")):
        text = (site / page).read_text(encoding="utf-8")
        assert f"<title>{title}</title>" in text, page


def test_an_english_project_gets_its_readme_in_english_with_commands_that_work(
        tmp_path: Path) -> None:
    made = invoke("init", "skane", "--county", "Skåne län", "--lang", "en", cwd=tmp_path)
    assert made.exit_code == 0, made.output
    project = tmp_path / "skane"
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# Public-health plans in Skåne County\n")
    assert "## Next steps" in readme and "Så här" not in readme and "Importera" not in readme
    assert "Put one SPARQL question" in (project / "queries" / "README.md").read_text(
        encoding="utf-8")
    # The sheet the README names is the one an English import writes.
    (project / "handlingsplan-2024-2025.txt").write_text(
        PLAN_WITH_OPEN_MENTIONS.replace("Västerbottens län", "Skåne län"), encoding="utf-8")
    commands = [shlex.split(line.strip())[1:] for line in readme.splitlines()
                if line.strip().startswith("planegraf ")]
    first = next(c for c in commands if c[0] == "import")
    assert invoke(*first, "-q", cwd=project).exit_code == 1
    add = next(c for c in commands if c[:2] == ["organisations", "add"])
    assert (project / add[2]).exists(), add


def test_a_filled_in_sheet_not_yet_recorded_survives_the_next_import_of_the_plan(
        tmp_path: Path) -> None:
    project = _project(tmp_path)
    plan, sheet = _imported_sheet(tmp_path, project)
    header = _decide(sheet, {"Folkhälsoföreningen Norrsken": {
        "Beslut": "ny organisation", "Sektor": "civilsamhälle", "Län": "24"}})
    # The user imports again before recording the decisions: their work is still there.
    again = invoke("import", str(plan), "--replace", "-q", cwd=project)
    assert again.exit_code == 1, again.output
    kept = {row[0]: row for row in load_workbook(sheet).worksheets[0].iter_rows(
        min_row=2, values_only=True)}
    norrsken = kept["Folkhälsoföreningen Norrsken"]
    assert (norrsken[header.index("Beslut")], norrsken[header.index("Sektor")],
            norrsken[header.index("Län")]) == ("ny organisation", "civilsamhälle", "24")
    assert kept["Skelleftea kommun"][header.index("Beslut")] in (None, "")
    # … and records as filled in.
    added = invoke("organisations", "add", str(sheet), cwd=project)
    assert added.exit_code == 0, added.output
    assert "Folkhälsoföreningen Norrsken" in (project / "organisations.trig").read_text(
        encoding="utf-8")


def test_a_kept_decision_by_candidate_number_still_means_the_organisation_the_user_chose(
        tmp_path: Path) -> None:
    from planegraf.ingest.organisations import read_decisions

    project = _project(tmp_path)
    plan, sheet = _imported_sheet(tmp_path, project)
    solleftea = "https://w3id.org/planegraf/id/org/solleftea-kommun"
    # The sheet the user filled in listed another organisation first than the next import
    # does (one added to the registry since ranks first now): the user's "samma som 1"
    # meant the one they saw there.
    _decide(sheet, {
        "Skelleftea kommun": {"Kandidat 1": f"Sollefteå kommun <{solleftea}>",
                              "Beslut": "samma som 1"},
        "Folkhälsoföreningen Norrsken": {"Beslut": "samma som 1"}})
    again = invoke("import", str(plan), "--replace", "-q", cwd=project)
    assert again.exit_code == 1, again.output
    chosen = {d.mention: d.same_as for d in read_decisions(sheet)}
    assert chosen == {
        "Skelleftea kommun": solleftea,  # not Skellefteå kommun, the new candidate 1
        "Folkhälsoföreningen Norrsken":  # the same candidate 1 as before: as the user wrote
            "https://w3id.org/planegraf/id/org/folkhalsomyndigheten"}
    decisions = {row[0]: row[6] for row in load_workbook(sheet).worksheets[0].iter_rows(
        min_row=2, values_only=True)}
    assert decisions["Folkhälsoföreningen Norrsken"] == "samma som 1"


@pytest.mark.parametrize(("key", "period"), [
    ("handlingsplan-2025-2026", (2025, 2026)), ("kalmar-pa-2023", (2023, 2023)),
    ("agenda-2030-aktiviteter", (None, None)), ("plan-2026-2025", (None, None)),
    ("aktiviteter", (None, None))])
def test_a_plans_period_is_taken_only_from_the_years_its_key_ends_in(
        key: str, period: tuple[int | None, int | None]) -> None:
    # "agenda-2030-aktiviteter" names an agenda, not a plan for the year 2030.
    from planegraf.ingest import _years_from_plan_key
    from planegraf.ingest.model import PlanSource

    source = PlanSource("aktiviteter.xlsx")
    _years_from_plan_key(source, key)
    assert (source.start_year, source.end_year) == period
    assert bool(source.notes) == (period != (None, None))
