"""The ``compare`` command: two plans or two counties side by side, from the shell."""

from __future__ import annotations

from pathlib import Path

import click

from planegraf.analysis.compare import (
    SideKind,
    compare_plans,
    comparison_csv,
    comparison_json,
    comparison_markdown,
    comparison_rows,
)
from planegraf.analysis.network import load_network_data
from planegraf.cli.common import Run, data_options
from planegraf.errors import PlanegrafError
from planegraf.i18n import Message
from planegraf.rdf.outputs import REPORT_OUTPUTS, output_format
from planegraf.sparql.lookup import resolve_parameter


@click.command("compare")
@click.option("--plan", "plans", multiple=True, metavar="PLAN",
              help="A plan, by its key, title or IRI; give it twice (before, after).")
@click.option("--county", "counties", multiple=True, metavar="COUNTY",
              help="A county, by its name, code or IRI; give it twice (before, after).")
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json", "xlsx"]), default=None,
              help="Markdown (default), CSV (one row per organisation), JSON or xlsx (the "
                   "CSV's table as an Excel workbook, headings in --lang; only with -o); with "
                   "-o the extension decides.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (.md, .csv, .json, .xlsx) instead of standard output.")
@data_options(remote=True, alone=True)
def compare_command(plans: tuple[str, ...], counties: tuple[str, ...], fmt: str | None,
                    output: Path | None, run: Run) -> None:
    """Compare two plans or two counties: organisations and ties that are new, gone and
    kept, each organisation's roles (stated and inferred) and centrality before and after,
    the action areas side by side and the network measures.

    \b
    Example:
      planegraf compare --plan rjl-hp-2016-2017 --plan rjl-hp-2018-2020
      planegraf compare --county "Jönköpings län" --county "Kalmar län" --lang en -o c.json
      planegraf compare --plan rjl-hp-2016-2017 --plan rjl-hp-2018-2020 -o jamforelse.xlsx
    """
    if bool(plans) == bool(counties) or len(plans or counties) != 2:
        raise PlanegrafError(Message("error_compare_mix"))
    chosen = output_format(output, REPORT_OUTPUTS, fmt) if output else (fmt or "md")
    lang = run.lang
    if chosen == "xlsx":  # openpyxl is imported only when a workbook is asked for
        from planegraf.render.xlsx import refuse_terminal

        refuse_terminal(chosen, output)
    engine = run.engine()
    kind: SideKind = "plan" if plans else "county"
    before, after = (resolve_parameter(engine, kind, text, origin=f"--{kind}")
                     for text in (plans or counties))
    data = load_network_data(run.reader())
    result = compare_plans(data, kind, before, after)
    if chosen == "xlsx" and output is not None:
        from planegraf.render.xlsx import write_report

        columns, rows = comparison_rows(result, data, lang)
        statuses = {status: run.text(f"comparison_{status}") for status in ("new", "gone", "kept")}
        write_report(output, run.text("compare"), "compare", columns, rows, lang,
                     {"status": statuses})
        click.echo(run.text("cli_wrote", what=str(output)), err=True)
        return
    render = {"md": comparison_markdown, "csv": comparison_csv, "json": comparison_json}[chosen]
    run.emit(render(result, data, lang), output)


def register(group: click.Group) -> None:
    """Add ``compare`` to the ``planegraf`` command group."""
    group.add_command(compare_command)
