"""Commands that make and keep a project: ``init`` and ``organisations add`` / ``list``."""

from __future__ import annotations

from pathlib import Path

import click

from planegraf.cli.common import LANG, Run, data_options
from planegraf.i18n import text


def register(group: click.Group) -> None:
    """Add ``init`` and ``organisations`` to the planegraf command group."""
    group.add_command(init_command)
    group.add_command(organisations_group)


@click.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--county", metavar="CODE|NAME",
              help="The county the plans cover: its code (05) or name (Östergötlands län). "
                   "The publisher defaults to its region.")
@click.option("--publisher", metavar="NAME", help="Who publishes the data (default: the "
                                                  "county's region, e.g. Region Östergötland).")
@click.option("--lang", type=LANG, default="sv", show_default=True,
              help="The project's language for reports and the site.")
def init_command(folder: Path, county: str | None, publisher: str | None, lang: str) -> None:
    """Create a project in FOLDER: planegraf.toml, graph/, organisations.trig, queries/.

    FOLDER must be new or empty: nothing of yours is ever overwritten. Every planegraf
    command run in FOLDER (or below it) then works on the project.

    \b
    Example:
      planegraf init ostergotland --county 05
      planegraf init kronoberg --county "Kronobergs län" --publisher "Region Kronoberg" --lang en
    """
    from planegraf.project import init_project

    written = init_project(folder, county=county, publisher=publisher,
                           lang=lang)  # type: ignore[arg-type]
    # Two files are called README.md (the project's and queries/'s): name them by their path.
    names = ", ".join(str(p.relative_to(folder)) if p.is_relative_to(folder) else p.name
                      for p in written)
    click.echo(text("cli_project_created", lang, folder=folder, names=names))
    click.echo(text("cli_project_next", lang, folder=folder))


@click.group("organisations")
def organisations_group() -> None:
    """The organisation registry: list it, and add the project's own organisations and
    spellings from the sheet planegraf import writes.

    \b
    Example:
      planegraf organisations list --county 05 --search kommun
      planegraf organisations add imports/handlingsplan-organisationer.xlsx
    """


@organisations_group.command("add")
@click.argument("sheet", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@data_options()
def organisations_add(sheet: Path, run: Run) -> None:
    """Record the decisions of SHEET (.xlsx or .csv) in the project's organisations.trig.

    In the column Beslut (Decision) of each row write "samma som N" (same as candidate N,
    or a name or IRI) or "ny organisation" (new organisation) with its name, sector,
    county and parent where they apply. Spellings become skos:altLabel of the organisation;
    new organisations get an IRI made from their name. Rows without a decision are left.
    Import the plan again (planegraf import FILE --replace) to resolve them.

    \b
    Example:
      planegraf organisations add imports/handlingsplan-2024-2025-organisationer.xlsx
      planegraf import handlingsplan-2024-2025.txt --replace
    """
    from planegraf.ingest.organisations import add_decisions, read_decisions

    decisions = read_decisions(sheet)
    done = add_decisions(run.project, decisions, run.dataset(), sheet, run.lang)
    for line in done:
        click.echo(line)
    target = run.project.organisations_file
    click.echo(run.text("cli_decisions_recorded", n=len(done), target=target))


@organisations_group.command("list")
@data_options()
@click.option("--county", metavar="CODE|NAME", help="Only organisations of this county.")
@click.option("--search", metavar="TEXT", help="Only organisations with TEXT in a name.")
def organisations_list(run: Run, county: str | None, search: str | None) -> None:
    """List the registry's organisations, units and groups with their county and IRI.

    \b
    Example:
      planegraf organisations list --county 06 --search region
    """
    from planegraf.ingest.organisations import list_organisations

    found = list_organisations(run.dataset(), county, search)
    for org in found:
        click.echo(f"{org.name}\t{org.county}\t{org.iri}")
    if not found:
        click.echo(run.text("cli_no_organisation_matches"), err=True)
