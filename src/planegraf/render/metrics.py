"""Network metrics for people and programs: Markdown tables in the reader's language (metric
names, sectors and decimal commas in Swedish), CSV with one row per organisation, and JSON.

The metrics themselves are numbers on a language-free graph (:mod:`planegraf.analysis.network`);
only this module chooses words.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping

from planegraf import i18n
from planegraf.analysis.network import (
    BROKERAGE_ROLES,
    Language,
    NetworkData,
    NetworkMetrics,
    NetworkSummary,
    explain,
)
from planegraf.render.escape import markdown
from planegraf.render.safe_csv import SpreadsheetSafeWriter

# The words live in the one text catalogue (templates/strings.json, "metrics_" keys).
_METRIC_WORDS = {lang: i18n.section("metrics", lang) for lang in i18n.LANGUAGES}
#: Column headings of the metrics, in each language (the keys stay in CSV and JSON): the text
#: catalogue's "metric_column_" keys.
COLUMN_NAMES: dict[str, dict[str, str]] = {
    lang: i18n.section("metric_column", lang) for lang in i18n.LANGUAGES}
SUMMARY_KEYS = ("nodes", "edges", "components", "density", "degree_centralization")
ORG_KEYS = ("degree", "degree_centrality", "betweenness", "closeness", "relative_connectivity",
            "non_redundant_ties", "constraint", "weighted_constraint", "areas")


def _number(value: object, lang: Language) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        text = f"{value:.3f}"
        return text.replace(".", ",") if lang == "sv" else text
    return str(value)


def _column(key: str, lang: Language) -> str:
    return COLUMN_NAMES[lang].get(key, key)


def _cell(text: str) -> str:
    return markdown(text)


def _summary_row(label: str, summary: NetworkSummary, lang: Language) -> str:
    return "| " + " | ".join([_cell(label)] + [_number(getattr(summary, k), lang)
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


def metrics_markdown(metrics: NetworkMetrics, data: NetworkData, lang: Language = "sv",
                     sectors: Mapping[str, str] | None = None) -> str:
    """The metrics as Markdown tables in ``lang``, each metric explained in one line;
    ``sectors`` names the sector keys (:func:`planegraf.render.viz.sector_labels`)."""
    w = _METRIC_WORDS[lang]
    s = metrics.summary
    c = metrics.communities
    lines = [f"# {w['title']}", "", f"{w['scope']}: {_scope_text(metrics, data, lang)}", "",
             f"## {w['whole']}", "", f"| {w['metric']} | {w['value']} | {w['meaning']} |",
             "|---|---|---|"]
    whole: list[tuple[str, object]] = [(k, getattr(s, k)) for k in SUMMARY_KEYS]
    whole += [("modularity_communities", c.modularity_communities),
              ("modularity_areas", c.modularity_areas), ("community_area_purity", c.purity)]
    lines += [f"| {_column(k, lang)} | {_number(v, lang)} | {_cell(explain(k, lang))} |"
              for k, v in whole]
    b = metrics.betweenness
    lines += ["", w["exact"] if b.exact else w["sampled"].format(
        k=b.pivots, eps=b.error_bound, conf=b.confidence), ""]
    if metrics.inferred_roles:
        lines += [w["inferred"].format(n=metrics.inferred_roles), ""]
    header = "| | " + " | ".join(_column(k, lang) for k in SUMMARY_KEYS) + " |"
    rule = "|---" * (len(SUMMARY_KEYS) + 1) + "|"
    if metrics.by_county:
        lines += [f"## {w['by_county']}", "", header, rule]
        lines += [_summary_row(data.county_label(k, lang), v, lang)
                  for k, v in metrics.by_county.items()]
        lines.append("")
    if metrics.by_area:
        lines += [f"## {w['by_area']}", "", header, rule]
        lines += [_summary_row(data.scoped_area_label(p, a, lang), v, lang)
                  for (p, a), v in metrics.by_area.items()]
        lines.append("")
    if metrics.by_plan:
        lines += [f"## {w['by_plan']}", "", header, rule]
        lines += [_summary_row(data.plans[p].title(lang) if p in data.plans else p, v,
                               lang)
                  for p, v in metrics.by_plan.items()]
        lines.append("")
    lines += [f"## {w['orgs']}", "",
              f"| {w['name']} | {_column('sector', lang)} | {w['county']} | "
              + " | ".join(_column(k, lang) for k in ORG_KEYS) + " | "
              + " | ".join(_column(r, lang) for r in BROKERAGE_ROLES) + " |",
              "|---" * (len(ORG_KEYS) + len(BROKERAGE_ROLES) + 3) + "|"]
    for org in metrics.organisations:
        values = [_number(getattr(org, k), lang) if k != "areas" else str(len(org.areas))
                  for k in ORG_KEYS]
        values += [str(org.brokerage.get(role, 0)) for role in BROKERAGE_ROLES]
        county = data.county_label(org.county, lang) if org.county else ""
        sector = (sectors or {}).get(org.sector, org.sector)
        lines.append(f"| {_cell(org.label)} | {_cell(sector)} | {_cell(county)} | "
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
                     f"{_number(round(community.share_in_main_area, 2), lang)} |")
    lines += ["", f"## {w['explain']}", ""]
    lines += [f"- **{k}**: {explain(k, lang)}" for k in (
        "degree", "degree_centrality", "betweenness", "closeness", "relative_connectivity",
        "non_redundant_ties", "constraint", "weighted_constraint", "brokerage",
        "articulation_point", "areas")]
    return "\n".join(lines) + "\n"


def metrics_rows(metrics: NetworkMetrics) -> tuple[list[str], list[list[object]]]:
    """The organisations' table: its column names and one row per organisation with every
    metric (the CSV and the workbook)."""
    columns = ["iri", "label", "sector", "county", "activities", "coordinates", *ORG_KEYS,
               *(f"brokerage_{r}" for r in BROKERAGE_ROLES), "articulation_point", "community"]
    rows: list[list[object]] = [
        [org.iri, org.label, org.sector, org.county or "", org.activities, org.coordinates,
         *("" if getattr(org, k) is None else
           (len(org.areas) if k == "areas" else getattr(org, k))
           for k in ORG_KEYS),
         *(org.brokerage.get(r, 0) for r in BROKERAGE_ROLES),
         org.articulation_point, "" if org.community is None else org.community]
        for org in metrics.organisations]
    return columns, rows


def metrics_csv(metrics: NetworkMetrics, data: NetworkData, lang: Language = "sv") -> str:
    """One row per organisation with every metric."""
    out = io.StringIO()
    writer = SpreadsheetSafeWriter(out, lineterminator="\n")
    columns, rows = metrics_rows(metrics)
    writer.writerow(columns)
    writer.writerows(rows)
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
