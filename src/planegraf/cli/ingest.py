"""The ``import`` and ``template`` commands: plan documents and activity sheets into graph data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from planegraf.cli.common import Run, data_options, in_run_language
from planegraf.errors import InputError, PlanegrafError
from planegraf.i18n import Message, suffix_named, text
from planegraf.ingest import ImportSettings, import_document, import_spreadsheet
from planegraf.ingest.report import report_json, report_markdown
from planegraf.ingest.spreadsheet import write_template
from planegraf.rdf.atomic import write_bytes, write_text

SPREADSHEET_SUFFIXES = (".csv", ".xlsx", ".xlsm")
DOCUMENT_SUFFIXES = (".pdf", ".docx", ".txt", ".md", ".text")


def register(group: click.Group) -> None:
    """Add ``import`` and ``template`` to the planegraf command group."""
    group.add_command(import_command)
    group.add_command(template_command)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@data_options()
@click.option("--title", help="The plan's title (default: the document's first line).")
@click.option("--period", metavar="FIRST-LAST",
              help="The years the plan covers, e.g. 2024-2025 (default: from its title).")
@click.option("--replace", is_flag=True,
              help="Replace the project's plan of the same key (never a bundled plan).")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the TriG here instead of into the project's graph/ (outside a "
                   "project: default FILE with .trig beside it).")
@click.option("--report", "report", type=click.Path(dir_okay=False, path_type=Path),
              help="Import report to write (Markdown; a .json twin is written beside it). "
                   "Default: the project's imports/KEY.report.md, or OUT with .report.md.")
@click.option("--plan-key", help="Key of the plan (IRI id/plan/KEY and its named graph). "
                                 "Default: the file name as a slug, or the sheet's Plan column.")
@click.option("--strategy", help="Strategy IRI or key the plan implements. Default: the "
                                 "project's strategy (made from the first document's action "
                                 "areas), or the bundled strategy the document's title names.")
@click.option("--county", help="County code, name or slug (08, 'Kalmar län', kalmar-lan) "
                               "that gives names such as 'Länsstyrelsen' their meaning. "
                               "Default: the "
                               "project's county, or the strategy publisher's.")
@click.option("--publisher", help="Publisher IRI of the plan. Default: the county's region.")
@click.option("--registry", "registry", multiple=True, hidden=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Deprecated: --data FILE.")
def import_command(file: Path, run: Run, title: str | None, period: str | None, replace: bool,
                   out: Path | None, report: Path | None, plan_key: str | None,
                   strategy: str | None, county: str | None, publisher: str | None,
                   registry: tuple[Path, ...]) -> None:
    """Import a plan document (.txt) or an activity sheet (.csv, .xlsx) as graph data.

    Inside a project the plan's named graph goes into the project's graph/ (the next
    planegraf build includes it everywhere), the report into imports/, and every mention
    that could not be resolved or was only guessed into a sheet (imports/KEY-organisationer
    .xlsx and .csv) to decide on and record with planegraf organisations add. Outside a
    project the TriG is written beside FILE. Unresolved and guessed mentions do not become
    participants. Exit 0 when every mention resolved, 1 when some did not (the TriG is still
    written), 2 when the file cannot be read (the error names the line).

    \b
    Example:
      planegraf init ostergotland --county 05 && cd ostergotland
      planegraf import ~/handlingsplan.txt --title "Handlingsplan för folkhälsa" --period 2024-2025
      planegraf import ../shared/sources/rjl-handlingsplan-2018-2020.txt \\
          --plan-key rjl-hp-2018-2020 -o out/rjl-hp-2018-2020.trig --lang en
    """
    lang = run.lang
    extra = (*run.project.extra_files, *registry)
    if not run.project.is_demonstration and out is None:
        from planegraf.importing import import_into_project

        done = import_into_project(
            run.project, file, plan_key=plan_key, title=title, period=period,
            strategy=strategy, replace=replace, registry_files=extra, lang=lang,
            progress=run.progress, county=county, publisher=publisher)
        result, written = done.result, [done.plan_file, done.report, *done.sheets]
        if done.strategy_file is not None:
            written.insert(0, done.strategy_file)
    else:
        if title or period:
            raise PlanegrafError(Message("error_title_period_need_project"))
        settings = ImportSettings(plan_key=plan_key, strategy=strategy, county=county,
                                  publisher=publisher, registry_files=extra)
        run.progress(Message("cli_step_resolving", file=file.name))
        if file.suffix.lower() in SPREADSHEET_SUFFIXES:
            result = import_spreadsheet(file, settings)
        elif file.suffix.lower() in DOCUMENT_SUFFIXES:
            result = import_document(file, settings)
        else:
            raise InputError(file, Message("import_unknown_type",
                                           suffix=suffix_named(file.suffix)),
                             hint=Message("import_unknown_type_hint"))
        out = out or file.with_suffix(".trig")
        report = report or out.with_suffix(".report.md")
        write_bytes(out, result.trig())
        write_text(report, report_markdown(result, lang))
        write_text(report.with_suffix(".json"),
                   json.dumps(report_json(result), ensure_ascii=False, indent=2) + "\n")
        written = [out, report]
    open_mentions = len(result.unresolved)
    click.echo(run.text("cli_import_counts", activities=len(result.rows),
                        mentions=open_mentions, rejected=len(result.source.rejected)))
    click.echo(run.text("cli_wrote", what=", ".join(str(p) for p in written)))
    sys.exit(0 if result.complete else 1)


@click.command("template")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("aktiviteter.xlsx"), show_default=True,
              help="Spreadsheet to write: .csv or .xlsx.")
@click.option("--lang", type=click.Choice(["sv", "en"]), default=None,
              help="Language of the message (default: the project's, else sv).")
def template_command(out: Path, lang: str | None) -> None:
    """Write an empty activity spreadsheet with its header and one filled example row.

    Columns: Plan, Handlingsområde, Aktivitet, Uppföljning, Samordningsansvariga,
    Samverkansparter, Period. Fill one row per activity (replace the example), then run
    planegraf import on it. The example names no region: "Länsstyrelsen", "Regionen" and
    "länets kommuner" are those of the project's county.

    \b
    Example:
      planegraf template -o aktiviteter.csv
      planegraf import aktiviteter.csv
    """
    from planegraf.project import Project

    try:
        write_template(out)
    except InputError as err:
        # Not under data_options, so worded here: in --lang's language, else the project's
        # (as the message below), else Swedish.
        try:
            language = lang or Project.find().config.language
        except PlanegrafError:
            language = "sv"
        in_run_language(err, "en" if language == "en" else "sv")
        raise
    click.echo(text("cli_wrote", lang or Project.find().config.language, what=out))
