"""The organisation decision sheet a user fills in after an import: what each decision
means, and the row named when one cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest

from planegraf.errors import InputError
from planegraf.ingest.organisations import read_decisions

HEADER = ("Omnämnande;Källa;Status;Kandidat 1;Kandidat 2;Kandidat 3;Beslut;Namn;Sektor;Län;"
          "Överordnad")


def _sheet(tmp_path: Path, *rows: str) -> Path:
    sheet = tmp_path / "organisationer.csv"
    sheet.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return sheet


def test_same_as_a_candidate_number_takes_that_candidates_organisation(tmp_path: Path) -> None:
    sheet = _sheet(tmp_path, "Folkhälsomyndigheten;plan.docx:3;okänd;"
                   "Folkhälsomyndigheten <https://w3id.org/planegraf/id/org/fohm>;;;"
                   "samma som 1;;;;")
    [decision] = read_decisions(sheet)
    assert decision.same_as == "https://w3id.org/planegraf/id/org/fohm"
    assert decision.line == 2


def test_same_as_a_superscript_digit_is_read_as_a_name_not_a_crash(tmp_path: Path) -> None:
    # '²'.isdigit() is true but int('²') raises: the decision is a name like any other text.
    sheet = _sheet(tmp_path, "Kommunen;plan.docx:3;okänd;;;;samma som ²;;;;")
    [decision] = read_decisions(sheet)
    assert decision.same_as == "²"


def test_an_empty_candidate_chosen_by_number_names_the_row(tmp_path: Path) -> None:
    sheet = _sheet(tmp_path, "Kommunen;plan.docx:3;okänd;;;;samma som 2;;;;")
    with pytest.raises(InputError, match="candidate 2 is empty") as raised:
        read_decisions(sheet)
    assert raised.value.line == 2


@pytest.mark.parametrize(("lang", "offered", "other"), [
    ("sv", "civilsamhälle, grupp", "civil society"),
    ("en", "civil society, group", "civilsamhälle")])
def test_an_unknown_sector_is_answered_with_the_sectors_in_the_users_language(
        tmp_path: Path, lang: str, offered: str, other: str) -> None:
    # "Ideell organisation" is no sector's name: the hint lists those of the run's
    # language, where a Swedish sheet was offered mostly English keys.
    from .cli import invoke

    assert invoke("init", "proj", "--county", "05", cwd=tmp_path).exit_code == 0
    project = tmp_path / "proj"
    sheet = _sheet(project, "Friskvård Öst;plan.docx:3;okänd;;;;ny organisation;"
                            "Friskvård Öst;Ideell organisation;;")
    done = invoke("organisations", "add", str(sheet), "--lang", lang, cwd=project)
    assert done.exit_code == 2
    assert "Ideell organisation" in done.stderr and offered in done.stderr
    assert other not in done.stderr


def test_a_decision_kept_from_the_csv_sheet_reads_its_values_as_the_user_wrote_them(
        tmp_path: Path) -> None:
    # The CSV puts an apostrophe before a value a spreadsheet would run as a formula; the
    # decisions carried over to the next import kept it, so the mention no longer matched.
    from planegraf.ingest.organisations import _filled_in

    sheet = _sheet(tmp_path, "'=Summa AB;plan.docx:3;okänd;;;;ny organisation;'=Summa AB;"
                             "privat sektor;;")
    kept = _filled_in(sheet.with_suffix(""))
    assert list(kept) == ["=Summa AB"]
    assert kept["=Summa AB"]["name"] == "=Summa AB"
    assert [d.name for d in read_decisions(sheet)] == ["=Summa AB"]
