"""What a strategist meets walking through the README's project flow for a county of their own
(Västerbottens län here): a Word or PDF plan imported into the project, the organisations
sheet in the run's language, and the words of ``organisations add``."""

from __future__ import annotations

from pathlib import Path

import pytest

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
