"""The ``import`` and ``template`` commands: plan documents and activity sheets into graph data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .atomic import write_bytes, write_text
from .errors import InputError
from .ingest import ImportSettings, import_document, import_spreadsheet
from .ingest.report import report_json, report_markdown
from .ingest.spreadsheet import write_template

SPREADSHEET_SUFFIXES = (".csv", ".xlsx", ".xlsm")


def register(group: click.Group) -> None:
    """Add ``import`` and ``template`` to the planegraf command group."""
    group.add_command(import_command)
    group.add_command(template_command)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="TriG file to write (default: FILE with .trig beside it).")
@click.option("--report", "report", type=click.Path(dir_okay=False, path_type=Path),
              help="Import report to write (Markdown; a .json twin is written beside it). "
                   "Default: OUT with .report.md.")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True,
              help="Language of the report.")
@click.option("--plan-key", help="Key of the plan (IRI id/plan/KEY and its named graph). "
                                 "Default: the file name as a slug, or the sheet's Plan column.")
@click.option("--strategy", help="Strategy IRI or key the plan implements. Default: the "
                                 "bundled strategy whose title the document's title names.")
@click.option("--county", help="County slug (e.g. jonkopings-lan, kalmar-lan) that gives "
                               "names such as 'Länsstyrelsen' their meaning. Default: the "
                               "strategy publisher's county.")
@click.option("--publisher", help="Publisher IRI of the plan. Default: the county's region.")
@click.option("--registry", "registry", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extra RDF file(s) with organisations (e.g. a draft registry); repeatable.")
@click.option("-q", "--quiet", is_flag=True, help="Do not show progress.")
def import_command(file: Path, out: Path | None, report: Path | None, lang: str,
                   plan_key: str | None, strategy: str | None, county: str | None,
                   publisher: str | None, registry: tuple[Path, ...], quiet: bool) -> None:
    """Import a plan document (.txt) or an activity sheet (.csv, .xlsx) as graph data.

    Writes the plan's named graph as TriG and an import report listing every row read,
    every organisation mention and what it resolved to, and every mention that could not
    be resolved or was only guessed (with the best candidates). Unresolved and guessed
    mentions do not become participants. Exit 0 when every mention resolved, 1 when some
    did not (the TriG is still written), 2 when the file cannot be read (the error names
    the line).

    \b
    Example:
      planegraf import ../shared/sources/rjl-handlingsplan-2018-2020.txt \\
          --plan-key rjl-hp-2018-2020 -o out/rjl-hp-2018-2020.trig --lang en
      planegraf import aktiviteter.xlsx --report out/aktiviteter.report.md
    """
    settings = ImportSettings(plan_key=plan_key, strategy=strategy, county=county,
                              publisher=publisher, registry_files=registry)
    if not quiet:
        click.echo(f"… {file.name}: läser och löser upp organisationer" if lang == "sv"
                   else f"… {file.name}: reading and resolving organisations", err=True)
    if file.suffix.lower() in SPREADSHEET_SUFFIXES:
        result = import_spreadsheet(file, settings)
    elif file.suffix.lower() in (".txt", ".md", ".text"):
        result = import_document(file, settings)
    else:
        raise InputError(file, f"unknown input type {file.suffix or '(none)'!r}",
                         hint="import a plan document (.txt) or a sheet (.csv, .xlsx)")
    out = out or file.with_suffix(".trig")
    report = report or out.with_suffix(".report.md")
    write_bytes(out, result.trig())
    write_text(report, report_markdown(result, lang))
    write_text(report.with_suffix(".json"),
               json.dumps(report_json(result), ensure_ascii=False, indent=2) + "\n")
    open_mentions = len(result.unresolved)
    if lang == "sv":
        click.echo(f"{len(result.rows)} aktiviteter, {open_mentions} omnämnanden ej upplösta "
                   f"eller gissade, {len(result.source.rejected)} rader avvisade")
        click.echo(f"Skrev {out} och {report}")
    else:
        click.echo(f"{len(result.rows)} activities, {open_mentions} mentions unresolved or "
                   f"guessed, {len(result.source.rejected)} rows rejected")
        click.echo(f"Wrote {out} and {report}")
    sys.exit(0 if result.complete else 1)


@click.command("template")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("aktiviteter.xlsx"), show_default=True,
              help="Spreadsheet to write: .csv or .xlsx.")
def template_command(out: Path) -> None:
    """Write an empty activity spreadsheet with its header and one filled example row.

    Columns: Plan, Handlingsområde, Aktivitet, Uppföljning, Samordningsansvariga,
    Samverkansparter, Period. Fill one row per activity (replace the example), then run
    planegraf import on it.

    \b
    Example:
      planegraf template -o aktiviteter.csv
      planegraf import aktiviteter.csv
    """
    write_template(out)
    click.echo(f"Wrote {out}")
