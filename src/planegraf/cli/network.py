"""The ``network``, ``metrics`` and ``gaps`` commands: collaboration analysis from the shell."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from planegraf.analysis.gaps import (
    coordination_gaps,
    gaps_csv,
    gaps_json,
    gaps_markdown,
    gaps_rows,
    load_follow_up_labels,
    load_objectives,
)
from planegraf.analysis.network import (
    NetworkData,
    Scope,
    load_network_data,
    network_metrics,
    resolve_scope,
)
from planegraf.cli.common import Run, data_options
from planegraf.errors import PlanegrafError
from planegraf.i18n import Message, text
from planegraf.rdf.outputs import (
    NETWORK_COMPOUND_OUTPUTS,
    NETWORK_OUTPUTS,
    REPORT_OUTPUTS,
    output_format,
)
from planegraf.render.metrics import metrics_csv, metrics_json, metrics_markdown, metrics_rows
from planegraf.render.pictures import PICTURE_FORMATS, plan_periods, write_picture_export
from planegraf.render.viz import EXPORT_FORMATS, SIZE_METRICS, sector_labels, write_export
from planegraf.sparql.readers import Reader

LANG = click.Choice(["sv", "en"])


def _scope_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--plan", help="Only this action plan: its key (rjl-hp-2018-2020), title "
                                    "or IRI."),
        click.option("--area", help="Only this action area: its number (6, or "
                                    "kalmar-pa-2023/6 when plans share numbers), name or IRI."),
        click.option("--goal", help="Only areas under this strategic goal: strategiskt-3, 3, "
                                    "its name or IRI."),
        click.option("--expand-groups", is_flag=True,
                     help="Replace each closed group (the county's municipalities …) by its "
                          "members."),
    ]
    for option in reversed(options):
        command = option(command)
    return data_options(remote=True, alone=True)(command)


def _load(run: Run, plan: str | None, area: str | None, goal: str | None, expand_groups: bool
          ) -> tuple[Reader, NetworkData, Scope]:
    # The project's dataset (its last build when fresh), or the endpoint: the queries of
    # queries/network and queries/gaps read the participations themselves, so both work.
    reader = run.reader()
    if plan or area or goal:
        # What people type (a label, number or key) is resolved as `query --param` resolves
        # it, so "--area 6" in two plans lists both instead of choosing one.
        from planegraf.sparql.lookup import resolve_parameter

        engine = run.engine()
        plan = resolve_parameter(engine, "plan", plan) if plan else None
        area = resolve_parameter(engine, "area", area, plan=plan) if area else None
        goal = resolve_parameter(engine, "goal", goal, plan=plan) if goal else None
    run.progress(Message("cli_step_network"))
    data = load_network_data(reader)
    return reader, data, resolve_scope(data, plan, area, goal, expand_groups)


@click.command("network")
@_scope_options
@click.option("-o", "--output", "output", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (FILE.html, FILE.png, FILE.gexf, FILE.kumu.csv …).")
@click.option("--format", "fmt", type=click.Choice((*EXPORT_FORMATS, *PICTURE_FORMATS, "kumu")),
              default=None,
              help="html; png, svg or pdf (a static picture for reports); gexf (1.3, with "
                   "colours, sizes, positions and a timeline of plan periods) and graphml for "
                   "Gephi; csv for spreadsheets (FILE = edges, FILE-nodes.csv = nodes with "
                   "metrics); kumu (FILE.kumu.csv = connections, FILE.kumu-elements.csv = "
                   "elements, as Kumu imports them). The extension of -o decides, and another "
                   "extension is refused.")
@click.option("--size-by", type=click.Choice(SIZE_METRICS), default="degree",
              show_default=True, help="The metric that sets the size of a node.")
def network_command(plan: str | None, area: str | None, goal: str | None, expand_groups: bool,
                    run: Run, output: Path, fmt: str | None, size_by: str) -> None:
    """Draw the collaboration network: who works with whom, in which activities.

    An organisation–organisation network (a tie for every shared activity) as an interactive
    page that works offline: nodes coloured by sector, sized by a metric, tooltips listing
    the shared activities, a filter by action area and sector. Or as GEXF/GraphML for Gephi
    and CSV for spreadsheets, each node with its metrics.

    \b
    Example:
      planegraf network --plan rjl-hp-2018-2020 -o network.html
      planegraf network --plan rjl-hp-2018-2020 --area 6 --size-by betweenness -o area6.html
      planegraf network --goal strategiskt-3 --expand-groups --format gexf -o goal3.gexf
      planegraf network --plan rjl-hp-2018-2020 --lang en -o network.png
      planegraf network -o all.kumu.csv      # two sheets for Kumu
    """
    compound = next((f for ext, f in NETWORK_COMPOUND_OUTPUTS.items()
                     if output.name.lower().endswith(ext)), None)
    if compound is not None and fmt in (None, compound):
        chosen = compound
    elif fmt == "kumu":
        raise PlanegrafError(Message("error_kumu_name", output=output))
    else:
        chosen = output_format(output, NETWORK_OUTPUTS, fmt)
    lang = run.lang
    store, data, scope = _load(run, plan, area, goal, expand_groups)
    run.progress(Message("cli_step_metrics"))
    metrics = network_metrics(data, scope, lang)
    run.progress(Message("cli_step_write", target=output))
    if chosen in (*PICTURE_FORMATS, "gexf", "kumu"):
        written = write_picture_export(output, chosen, data, metrics, size_by=size_by,
                                       lang=lang, sectors=sector_labels(store, lang),
                                       periods=plan_periods(store))
    else:
        written = write_export(output, chosen, data, metrics, size_by=size_by, lang=lang,
                               sectors=sector_labels(store, lang))
    click.echo(text("cli_network_written", lang, files=", ".join(str(p) for p in written),
                    nodes=metrics.summary.nodes, edges=metrics.summary.edges))


@click.command("metrics")
@_scope_options
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json", "xlsx"]),
              default=None,
              help="Markdown tables (default), CSV (one row per organisation), JSON or xlsx "
                   "(the CSV's table as an Excel workbook, headings in --lang; only with -o); "
                   "with -o the extension decides.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the metrics to this file (.md, .csv, .json, .xlsx) instead of "
                   "standard output.")
def metrics_command(plan: str | None, area: str | None, goal: str | None,
                    expand_groups: bool, run: Run, fmt: str | None,
                    output: Path | None) -> None:
    """Print the network metrics of the chosen scope.

    The whole network (density, degree centralization, communities compared with the
    action areas), the same figures for each action area and plan in scope, and every
    organisation's degree, betweenness, closeness, relative connectivity, non-redundant
    ties, constraint, brokerage roles and whether it holds the network together. Each
    metric is explained in one line.

    \b
    Example:
      planegraf metrics --plan rjl-hp-2018-2020 --lang en
      planegraf metrics --plan rjl-hp-2018-2020 --area 9 --format csv > area9.csv
      planegraf metrics --plan rjl-hp-2018-2020 -o matt.xlsx
    """
    chosen = output_format(output, REPORT_OUTPUTS, fmt) if output else (fmt or "md")
    lang = run.lang
    _refuse_terminal(chosen, output)
    reader, data, scope = _load(run, plan, area, goal, expand_groups)
    metrics = network_metrics(data, scope, lang)
    if chosen == "xlsx" and output is not None:
        columns, rows = metrics_rows(metrics)
        _write_workbook(run, output, run.text("metrics_title"), "metrics", columns, rows,
                        named={"sector": sector_labels(reader, lang)})
        return
    if chosen == "md":
        text = metrics_markdown(metrics, data, lang, sector_labels(reader, lang))
    else:
        text = {"csv": metrics_csv, "json": metrics_json}[chosen](metrics, data, lang)
    run.emit(text, output)


@click.command("gaps")
@_scope_options
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json", "xlsx"]), default=None,
              help="Report format: md (default), csv, json or xlsx (the CSV's table as an "
                   "Excel workbook, headings in --lang; only with -o); with -o the extension "
                   "decides.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file (.md, .csv, .json, .xlsx) instead of "
                   "standard output.")
@click.option("--fail", is_flag=True, help="Exit with 1 when there is any gap.")
def gaps_command(plan: str | None, area: str | None, goal: str | None, expand_groups: bool,
                 run: Run, fmt: str | None, output: Path | None, fail: bool) -> None:
    """Find where coordination is missing, with the evidence for each finding.

    Rules: areas with no municipality, areas with no civil society, areas held by one
    coordinator, activities with one organisation, organisations in the same area that
    never share an activity, areas and objectives without activities, one organisation as
    the only link between two areas, follow-ups that cannot be measured. Each rule is
    explained in the report.

    \b
    Example:
      planegraf gaps --plan rjl-hp-2018-2020
      planegraf gaps --plan rjl-hp-2018-2020 --format csv --lang en -o gaps.csv
      planegraf gaps --plan rjl-hp-2018-2020 -o luckor.xlsx
    """
    chosen = output_format(output, REPORT_OUTPUTS, fmt) if output else (fmt or "md")
    lang = run.lang
    _refuse_terminal(chosen, output)
    store, data, scope = _load(run, plan, area, goal, expand_groups)
    gaps = coordination_gaps(data, load_objectives(store), scope,
                             follow_ups=load_follow_up_labels(store))
    if chosen == "xlsx" and output is not None:
        columns, rows = gaps_rows(gaps, data, lang)
        _write_workbook(run, output, run.text("gap_report"), "gaps", columns, rows,
                        f" ({len(gaps)})")
    else:
        render = {"md": gaps_markdown, "csv": gaps_csv, "json": gaps_json}[chosen]
        run.emit(render(gaps, data, lang), output, f" ({len(gaps)})")
    if fail and gaps:
        sys.exit(1)


def _refuse_terminal(chosen: str, output: Path | None) -> None:
    if chosen == "xlsx":  # openpyxl is imported only when a workbook is asked for
        from planegraf.render.xlsx import refuse_terminal

        refuse_terminal(chosen, output)


def _write_workbook(run: Run, output: Path, sheet: str, report: str, columns: list[str],
                    rows: list[list[object]], detail: str = "",
                    named: dict[str, dict[str, str]] | None = None) -> None:
    from planegraf.render.xlsx import write_report

    write_report(output, sheet, report, columns, rows, run.lang, named)
    click.echo(run.text("cli_wrote", what=f"{output}{detail}"), err=True)


# --------------------------------------------------------------------------------------------
# Rendering the metrics
# --------------------------------------------------------------------------------------------

def register(group: click.Group) -> None:
    """Add ``network``, ``metrics`` and ``gaps`` to the ``planegraf`` command group."""
    group.add_command(network_command)
    group.add_command(metrics_command)
    group.add_command(gaps_command)

