"""The ``network``, ``metrics`` and ``gaps`` commands: collaboration analysis from the shell."""

from __future__ import annotations

import io
import json
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
    load_objectives,
)
from planegraf.analysis.network import (
    BROKERAGE_ROLES,
    Language,
    NetworkData,
    NetworkMetrics,
    NetworkSummary,
    Scope,
    explain,
    load_network_data,
    network_metrics,
    resolve_scope,
)
from planegraf.cli.common import Run, data_options
from planegraf.errors import PlanegrafError
from planegraf.rdf.outputs import (
    NETWORK_COMPOUND_OUTPUTS,
    NETWORK_OUTPUTS,
    REPORT_OUTPUTS,
    output_format,
)
from planegraf.render.pictures import PICTURE_FORMATS, plan_periods, write_picture_export
from planegraf.render.safe_csv import SpreadsheetSafeWriter
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
    run.progress("network data")
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
        raise PlanegrafError(f"{output}: --format kumu writes FILE.kumu.csv; name the file so")
    else:
        chosen = output_format(output, NETWORK_OUTPUTS, fmt)
    lang = run.lang
    store, data, scope = _load(run, plan, area, goal, expand_groups)
    run.progress("metrics")
    metrics = network_metrics(data, scope, lang)
    run.progress(f"write {output}")
    if chosen in (*PICTURE_FORMATS, "gexf", "kumu"):
        written = write_picture_export(output, chosen, data, metrics, size_by=size_by,
                                       lang=lang, sectors=sector_labels(store, lang),
                                       periods=plan_periods(store))
    else:
        written = write_export(output, chosen, data, metrics, size_by=size_by, lang=lang,
                               sectors=sector_labels(store, lang))
    word = "Skrev" if lang == "sv" else "Wrote"
    click.echo(f"{word} {', '.join(str(p) for p in written)} "
               f"({metrics.summary.nodes} {'aktörer' if lang == 'sv' else 'actors'}, "
               f"{metrics.summary.edges} {'band' if lang == 'sv' else 'ties'})")


@click.command("metrics")
@_scope_options
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json"]), default=None,
              help="Markdown tables (default), CSV (one row per organisation) or JSON; with -o "
                   "the extension decides.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the metrics to this file (.md, .csv, .json) instead of standard "
                   "output.")
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
    """
    chosen = output_format(output, REPORT_OUTPUTS, fmt) if output else (fmt or "md")
    lang = run.lang
    _, data, scope = _load(run, plan, area, goal, expand_groups)
    metrics = network_metrics(data, scope, lang)
    render = {"md": metrics_markdown, "csv": metrics_csv, "json": metrics_json}[chosen]
    run.emit(render(metrics, data, lang), output)


@click.command("gaps")
@_scope_options
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json"]), default=None,
              help="Report format: md (default), csv or json; with -o the extension decides.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file (.md, .csv, .json) instead of standard "
                   "output.")
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
    """
    chosen = output_format(output, REPORT_OUTPUTS, fmt) if output else (fmt or "md")
    lang = run.lang
    store, data, scope = _load(run, plan, area, goal, expand_groups)
    gaps = coordination_gaps(data, load_objectives(store), scope, lang)
    render = {"md": gaps_markdown, "csv": gaps_csv, "json": gaps_json}[chosen]
    run.emit(render(gaps, data, lang), output, f" ({len(gaps)})")
    if fail and gaps:
        sys.exit(1)


# --------------------------------------------------------------------------------------------
# Rendering the metrics
# --------------------------------------------------------------------------------------------

_METRIC_WORDS = {
    "sv": {"title": "Nätverksmått", "whole": "Hela nätverket", "metric": "Mått",
           "value": "Värde", "meaning": "Betydelse", "by_area":
               "Per handlingsområde (i sin plan och sitt län)",
           "by_county": "Per län", "county": "län",
           "inferred": "{n} roller som planegraf har härlett (utgivaren som samordningsansvarig "
                       "där källan inte nämner någon) ingår inte i nätverket: bara band som "
                       "källan anger räknas.",
           "by_plan": "Per handlingsplan", "orgs": "Organisationer", "name": "Organisation",
           "explain": "Förklaringar", "cut": "Håller ihop nätverket (artikulationspunkter)",
           "bridges": "Broar mellan handlingsområden", "none": "inga",
           "sampled": "Mellanliggande centralitet är skattad från {k} slumpade startnoder: "
                      "högst ±{eps:.3f} fel för varje organisation med {conf:.0%} säkerhet.",
           "exact": "Mellanliggande centralitet är exakt beräknad.",
           "communities": "Gemenskaper (Louvain) jämförda med handlingsområden",
           "community": "Gemenskap", "size": "Storlek", "main_area": "Vanligaste huvudområde",
           "share": "Andel", "scope": "Avgränsning", "all": "allt"},
    "en": {"title": "Network metrics", "whole": "Whole network", "metric": "Metric",
           "value": "Value", "meaning": "Meaning", "by_area":
               "By action area (in its plan and county)",
           "by_county": "By county", "county": "county",
           "inferred": "{n} roles planegraf inferred (the publisher as coordinator where the "
                       "source names no one) are left out of the network: only ties the "
                       "source states count.",
           "by_plan": "By action plan", "orgs": "Organisations", "name": "Organisation",
           "explain": "Explanations", "cut": "Holding the network together (articulation "
           "points)", "bridges": "Bridges between action areas", "none": "none",
           "sampled": "Betweenness is estimated from {k} random pivots: within ±{eps:.3f} for "
                      "every organisation with {conf:.0%} confidence.",
           "exact": "Betweenness is computed exactly.",
           "communities": "Communities (Louvain) compared with the action areas",
           "community": "Community", "size": "Size", "main_area": "Most common main area",
           "share": "Share", "scope": "Scope", "all": "everything"},
}
SUMMARY_KEYS = ("nodes", "edges", "components", "density", "degree_centralization")
ORG_KEYS = ("degree", "degree_centrality", "betweenness", "closeness", "relative_connectivity",
            "non_redundant_ties", "constraint", "weighted_constraint", "areas")


def _number(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _cell(text: str) -> str:
    # Names come from the data: no HTML, no table breaks.
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\n", " ")


def _summary_row(label: str, summary: NetworkSummary) -> str:
    return "| " + " | ".join([_cell(label)] + [_number(getattr(summary, k))
                                               for k in SUMMARY_KEYS]) + " |"


def _scope_text(metrics: NetworkMetrics, data: NetworkData, lang: Language) -> str:
    scope = metrics.scope
    parts = []
    if scope.plan:
        parts.append(data.plans[scope.plan].title(lang) if scope.plan in data.plans
                     else scope.plan)
    if scope.area:
        parts.append(data.area_label(scope.area, lang))
    if scope.goal:
        parts.append(scope.goal.rsplit("/", 1)[-1])
    if scope.expand_groups:
        parts.append("groups expanded" if lang == "en" else "grupper utvidgade")
    return ", ".join(parts) or _METRIC_WORDS[lang]["all"]


def metrics_markdown(metrics: NetworkMetrics, data: NetworkData, lang: Language = "sv") -> str:
    """The metrics as Markdown tables, each metric explained in one line."""
    w = _METRIC_WORDS[lang]
    s = metrics.summary
    c = metrics.communities
    lines = [f"# {w['title']}", "", f"{w['scope']}: {_scope_text(metrics, data, lang)}", "",
             f"## {w['whole']}", "", f"| {w['metric']} | {w['value']} | {w['meaning']} |",
             "|---|---|---|"]
    whole: list[tuple[str, object]] = [(k, getattr(s, k)) for k in SUMMARY_KEYS]
    whole += [("modularity_communities", c.modularity_communities),
              ("modularity_areas", c.modularity_areas), ("community_area_purity", c.purity)]
    lines += [f"| {k} | {_number(v)} | {_cell(explain(k, lang))} |" for k, v in whole]
    b = metrics.betweenness
    lines += ["", w["exact"] if b.exact else w["sampled"].format(
        k=b.pivots, eps=b.error_bound, conf=b.confidence), ""]
    if metrics.inferred_roles:
        lines += [w["inferred"].format(n=metrics.inferred_roles), ""]
    header = "| | " + " | ".join(SUMMARY_KEYS) + " |"
    rule = "|---" * (len(SUMMARY_KEYS) + 1) + "|"
    if metrics.by_county:
        lines += [f"## {w['by_county']}", "", header, rule]
        lines += [_summary_row(data.county_label(k, lang), v)
                  for k, v in metrics.by_county.items()]
        lines.append("")
    if metrics.by_area:
        lines += [f"## {w['by_area']}", "", header, rule]
        lines += [_summary_row(data.scoped_area_label(p, a, lang), v)
                  for (p, a), v in metrics.by_area.items()]
        lines.append("")
    if metrics.by_plan:
        lines += [f"## {w['by_plan']}", "", header, rule]
        lines += [_summary_row(data.plans[p].title(lang) if p in data.plans else p, v)
                  for p, v in metrics.by_plan.items()]
        lines.append("")
    lines += [f"## {w['orgs']}", "",
              f"| {w['name']} | sector | {w['county']} | " + " | ".join(ORG_KEYS) + " | "
              + " | ".join(BROKERAGE_ROLES) + " |",
              "|---" * (len(ORG_KEYS) + len(BROKERAGE_ROLES) + 3) + "|"]
    for org in metrics.organisations:
        values = [_number(getattr(org, k)) if k != "areas" else str(len(org.areas))
                  for k in ORG_KEYS]
        values += [str(org.brokerage.get(role, 0)) for role in BROKERAGE_ROLES]
        county = data.county_label(org.county, lang) if org.county else ""
        lines.append(f"| {_cell(org.label)} | {org.sector} | {_cell(county)} | "
                     + " | ".join(values) + " |")
    cut = ", ".join(_cell(o.label) for o in metrics.articulation_points) or w["none"]
    bridges = "; ".join(f"{_cell(o.label)} ({len(o.areas)})" for o in metrics.area_bridges)
    lines += ["", f"## {w['cut']}", "", cut, "", f"## {w['bridges']}", "",
              bridges or w["none"], "", f"## {w['communities']}", "",
              f"| {w['community']} | {w['size']} | {w['main_area']} | {w['share']} |",
              "|---|---|---|---|"]
    for number, community in enumerate(c.communities):
        lines.append(f"| {number} | {len(community.members)} | "
                     f"{_cell(data.area_label(community.main_area, lang))} | "
                     f"{community.share_in_main_area:.2f} |")
    lines += ["", f"## {w['explain']}", ""]
    lines += [f"- **{k}**: {explain(k, lang)}" for k in (
        "degree", "degree_centrality", "betweenness", "closeness", "relative_connectivity",
        "non_redundant_ties", "constraint", "weighted_constraint", "brokerage",
        "articulation_point", "areas")]
    return "\n".join(lines) + "\n"


def metrics_csv(metrics: NetworkMetrics, data: NetworkData, lang: Language = "sv") -> str:
    """One row per organisation with every metric."""
    out = io.StringIO()
    writer = SpreadsheetSafeWriter(out, lineterminator="\n")
    writer.writerow(["iri", "label", "sector", "county", "activities", "coordinates", *ORG_KEYS,
                     *(f"brokerage_{r}" for r in BROKERAGE_ROLES), "articulation_point",
                     "community"])
    for org in metrics.organisations:
        writer.writerow([org.iri, org.label, org.sector, org.county or "", org.activities,
                         org.coordinates,
                         *("" if getattr(org, k) is None else
                           (len(org.areas) if k == "areas" else getattr(org, k))
                           for k in ORG_KEYS),
                         *(org.brokerage.get(r, 0) for r in BROKERAGE_ROLES),
                         org.articulation_point, "" if org.community is None else org.community])
    return out.getvalue()


def metrics_json(metrics: NetworkMetrics, data: NetworkData, lang: Language = "sv") -> str:
    """Everything, with the explanations, as JSON."""
    b = metrics.betweenness
    c = metrics.communities
    document = {
        "scope": {"plan": metrics.scope.plan, "area": metrics.scope.area,
                  "goal": metrics.scope.goal, "expand_groups": metrics.scope.expand_groups},
        "network": {**metrics.summary.as_dict(),
                    "modularity_communities": c.modularity_communities,
                    "modularity_areas": c.modularity_areas, "community_area_purity": c.purity},
        "betweenness": {"exact": b.exact, "pivots": b.pivots, "error_bound": b.error_bound,
                        "confidence": b.confidence},
        "inferred_roles_left_out": metrics.inferred_roles,
        "by_area": [{"plan": p, "area": a, "county": data.plan_county(p),
                     "label": data.scoped_area_label(p, a, lang), **v.as_dict()}
                    for (p, a), v in metrics.by_area.items()],
        "by_county": {k: v.as_dict() for k, v in metrics.by_county.items()},
        "by_plan": {p: v.as_dict() for p, v in metrics.by_plan.items()},
        "organisations": [
            {**{k: v for k, v in vars(o).items() if k != "areas"}, "areas": list(o.areas)}
            for o in metrics.organisations],
        "communities": [{"members": list(x.members), "main_area": x.main_area,
                         "share_in_main_area": x.share_in_main_area} for x in c.communities],
        "explanations": {k: explain(k, lang) for k in (
            *SUMMARY_KEYS, "modularity_communities", "modularity_areas",
            "community_area_purity", *ORG_KEYS[:-1], "areas", "brokerage",
            "articulation_point")},
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def register(group: click.Group) -> None:
    """Add ``network``, ``metrics`` and ``gaps`` to the ``planegraf`` command group."""
    group.add_command(network_command)
    group.add_command(metrics_command)
    group.add_command(gaps_command)

