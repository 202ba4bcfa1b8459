"""Coordination gaps: rules that find where coordination is missing, each with its evidence.

Every rule has an id, a name and an explanation in Swedish and English; every finding names
the activities and organisations it rests on. Rendered as Markdown, CSV or JSON.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from itertools import combinations
from pathlib import Path
from typing import Any

from planegraf.analysis.network import Activity, Language, NetworkData, Scope, scoped_activities
from planegraf.render.safe_csv import SpreadsheetSafeWriter
from planegraf.sparql.queries import read_query
from planegraf.sparql.readers import Reader

MEASURABLE_TERMS = Path(__file__).resolve().parent.parent / "data" / "measurable-terms.json"
#: The rule ``same-area-never-together`` counts every pair but lists at most this many per
#: area, those that share most first: an area with a hundred organisations has thousands of
#: such pairs, and a list of 121 is read by no one.
PAIRS_LISTED = 12


@dataclass(frozen=True)
class GapRule:
    id: str
    name: dict[str, str]
    explanation: dict[str, str]


RULES: tuple[GapRule, ...] = (
    GapRule(
        "activity-source-names-no-one",
        {"sv": "Planen säger inte vem som gör detta",
         "en": "The plan does not say who does this"},
        {"sv": "Källan nämner ingen deltagare i aktiviteten: planegraf har gjort utgivaren till "
               "samordningsansvarig (pg:stated false). Vem som gör arbetet framgår inte av planen.",
         "en": "The source names no participant in the activity: planegraf made the publisher "
               "its coordinator (pg:stated false). The plan does not say who does the work."},
    ),
    GapRule(
        "area-without-municipality",
        {"sv": "Handlingsområde utan kommun", "en": "Action area without a municipality"},
        {"sv": "Ingen deltagare som källan nämner i områdets aktiviteter är en kommun eller en "
               "grupp av kommuner (en grupp räknas efter medlemmarnas sektor). Ett område där "
               "källan inte nämner någon alls redovisas under \"Planen säger inte vem som gör "
               "detta\".",
         "en": "No participant the source names in the area's activities is a municipality or "
               "a group of municipalities (a group counts by the sector of its members). An "
               "area whose source names no one at all is reported under \"The plan does not "
               "say who does this\"."},
    ),
    GapRule(
        "area-without-civil-society",
        {"sv": "Handlingsområde utan civilsamhälle", "en": "Action area without civil society"},
        {"sv": "Ingen deltagare som källan nämner i områdets aktiviteter hör till "
               "civilsamhället (föreningar, trossamfund, studieförbund eller en grupp av "
               "sådana). Ett område där källan inte nämner någon alls redovisas under "
               "\"Planen säger inte vem som gör detta\".",
         "en": "No participant the source names in the area's activities belongs to civil "
               "society (associations, faith communities, adult-education associations or a "
               "group of them). An area whose source names no one at all is reported under "
               "\"The plan does not say who does this\"."},
    ),
    GapRule(
        "area-single-coordinator",
        {"sv": "Handlingsområde med en enda samordnare", "en": "Action area with one coordinator"},
        {"sv": "Källan gör samma organisation samordningsansvarig för alla aktiviteter i "
               "området: området står och faller med den. Härledda samordnare räknas inte.",
         "en": "The source makes the same organisation coordinator of every activity of the "
               "area: the area stands or falls with it. Inferred coordinators do not count."},
    ),
    GapRule(
        "activity-single-organisation",
        {"sv": "Aktivitet med en enda organisation", "en": "Activity with one organisation"},
        {"sv": "Källan nämner bara en deltagare i aktiviteten: ingen samverkan är planerad.",
         "en": "The source names a single participant in the activity: no collaboration is "
               "planned."},
    ),
    GapRule(
        "same-area-never-together",
        {"sv": "Samma område, aldrig samma aktivitet",
         "en": "Same area, never the same activity"},
        {"sv": "Par av organisationer som källan nämner i området men inte i någon gemensam "
               "aktivitet i planen. Paren med flest gemensamma samarbetspartner i planen (och "
               "därefter flest gemensamma aktiviteter i andra planer) visas först; de "
               f"{PAIRS_LISTED} första visas och resten räknas.",
         "en": "Pairs of organisations the source names in the area that share no activity "
               "anywhere in the plan. The pairs with most partners in common in the plan (then "
               "most shared activities in other plans) come first; the first "
               f"{PAIRS_LISTED} are shown and the rest counted."},
    ),
    GapRule(
        "area-without-activities",
        {"sv": "Handlingsområde utan aktiviteter", "en": "Action area without activities"},
        {"sv": "Ett handlingsområde som planen säger att den omfattar (pg:coversArea) har inga "
               "aktiviteter i den. Områden som planen inte omfattar är inga luckor; en plan som "
               "inte anger sin omfattning antas omfatta hela strategin.",
         "en": "An action area the plan states it covers (pg:coversArea) has no activities in "
               "it. Areas the plan does not cover are no gaps; a plan that states no coverage "
               "is taken to cover its whole strategy."},
    ),
    GapRule(
        "objective-without-activities",
        {"sv": "Mål utan aktiviteter", "en": "Objective without activities"},
        {"sv": "Planen sätter ett mål för området men har inga aktiviteter i det området "
               "(aktiviteter knyts till område, inte till enskilda mål).",
         "en": "The plan sets an objective for the area but has no activities in that area "
               "(activities are linked to areas, not to single objectives)."},
    ),
    GapRule(
        "sole-link-between-areas",
        {"sv": "Ensam länk mellan två områden", "en": "Sole link between two areas"},
        {"sv": "Bara en organisation deltar i båda områdena: utan den har områdena ingen "
               "gemensam aktör.",
         "en": "Only one organisation takes part in both areas: without it the areas share no "
               "actor."},
    ),
    GapRule(
        "unmeasurable-follow-up",
        {"sv": "Uppföljning som inte går att mäta", "en": "Follow-up that cannot be measured"},
        {"sv": "Uppföljningen anger inget antal, ingen andel, inget datum och ingen milstolpe "
               "(något framtaget, etablerat, genomfört eller på plats), eller saknas helt. "
               "\"Uppföljning av …\" och \"Enligt …\" beskriver att något följs upp, inte vad "
               "som mäts. Orden finns i measurable-terms.json.",
         "en": "The follow-up names no count, no share, no date and no milestone (something "
               "produced, established, carried out or in place), or is missing. \"Uppföljning "
               "av …\" (follow-up of …) and \"Enligt …\" (according to …) say that something "
               "is followed up, not what is measured. The words are in measurable-terms.json."},
    ),
)
RULES_BY_ID = {rule.id: rule for rule in RULES}


@dataclass(frozen=True)
class Gap:
    """One finding of one rule, with the evidence it rests on (IRIs)."""

    rule: str
    plan: str | None
    subject: str
    subject_label: str
    detail: str
    activities: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    count: int = 1
    #: The county of the plan (its publisher's), so that findings of two counties' "area 7"
    #: are never confused.
    county: str | None = None


@dataclass(frozen=True)
class Objective:
    iri: str
    plan: str | None
    area: str | None
    notation: str | None
    label: str | None


def load_objectives(store: Reader) -> list[Objective]:
    """The area objectives, from ``queries/gaps/objectives.rq``."""
    seen: dict[str, Objective] = {}
    for row in store.select(read_query("gaps/objectives.rq").text):
        iri = str(row["objective"].value)
        seen.setdefault(iri, Objective(
            iri, *(None if row[v] is None else str(row[v].value)
                   for v in ("plan", "area", "notation", "label"))))
    return sorted(seen.values(), key=lambda o: o.iri)


# --------------------------------------------------------------------------------------------
# Measurability of a follow-up
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasurableTerms:
    count: tuple[str, ...]
    share: tuple[str, ...]
    date_patterns: tuple[str, ...]
    milestone: tuple[str, ...]
    description_openers: tuple[str, ...]


@cache
def measurable_terms(path: Path = MEASURABLE_TERMS) -> MeasurableTerms:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return MeasurableTerms(*(tuple(raw[key]) for key in (
        "count", "share", "date_patterns", "milestone", "description_openers")))


def _has_word(text: str, words: tuple[str, ...]) -> bool:
    return _any_word(words).search(text) is not None


@lru_cache(maxsize=64)
def _any_word(words: tuple[str, ...]) -> re.Pattern[str]:
    # One alternation finds a match exactly where one of the words would: the engine tries
    # every alternative at each position before moving on.
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def measurability(text: str | None, terms: MeasurableTerms | None = None) -> str | None:
    """What makes a follow-up measurable — ``count``, ``share``, ``date`` or ``milestone`` —
    or ``None`` when nothing does.

    >>> measurability("Antal genomförda utbildningar"), measurability("Rutin etablerad")
    ('count', 'milestone')
    >>> print(measurability("Uppföljning av genomförda aktiviteter."))
    None
    """
    if not text:
        return None
    return _measurability(text, terms or measurable_terms())


@lru_cache(maxsize=4096)
def _measurability(text: str, terms: MeasurableTerms) -> str | None:
    # Plans repeat their follow-up wording ("Antal …", "Enligt plan"): remember the answers.
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip().lower()):
        if _has_word(sentence, terms.count):
            return "count"
        if _has_word(sentence, terms.share):
            return "share"
        if any(p.search(sentence) for p in _compiled(terms.date_patterns)):
            return "date"
        opener = any(sentence.startswith(o) for o in terms.description_openers)
        if not opener and _has_word(sentence, terms.milestone):
            return "milestone"
    return None


# --------------------------------------------------------------------------------------------
# The rules
# --------------------------------------------------------------------------------------------


def _takes_part(data: NetworkData, agent: str, sector: str) -> bool:
    found = data.agent(agent)
    if sector in (found.sector, found.member_sector):
        return True
    return any(data.agent(m).sector == sector for m in data.members.get(agent, ()))


def coordination_gaps(data: NetworkData, objectives: Sequence[Objective] = (),
                      scope: Scope | None = None, lang: Language = "sv",
                      rules: Iterable[str] | None = None) -> list[Gap]:
    """Every finding of the gap rules (all of :data:`RULES` unless ``rules`` names some),
    in rule order, within ``scope``.

    Rules about areas work per plan: an area of one plan is not helped by another plan.
    """
    wanted = set(rules) if rules is not None else set(RULES_BY_ID)
    scope = scope or Scope()
    activities = scoped_activities(data, scope)
    by_area: dict[tuple[str | None, str], list[Activity]] = defaultdict(list)
    for activity in activities:
        if activity.area:
            by_area[activity.plan, activity.area].append(activity)
    found: list[Gap] = []
    name = _namer(data, lang)
    if "activity-source-names-no-one" in wanted:
        for act in activities:
            if act.names_no_one:
                inferred = tuple(sorted(act.participants))
                found.append(Gap(
                    "activity-source-names-no-one", act.plan, act.iri,
                    f"{act.name} {act.label or ''}".strip(),
                    _text(lang, "källan nämner ingen; härledd samordnare: ",
                          "the source names no one; inferred coordinator: ")
                    + ", ".join(name(a) for a in inferred),
                    (act.iri,), inferred))
    for (plan, area), acts in sorted(by_area.items(), key=lambda kv: _area_key(data, kv[0])):
        # Only participants the source names count: the publisher made coordinator where
        # the source names no one says nothing about who takes part.
        participants = sorted({a for act in acts for a in act.stated_participants()})
        act_iris = tuple(a.iri for a in acts)
        label = data.area_label(area, lang)
        for rule_id, sector in (("area-without-municipality", "municipality"),
                                ("area-without-civil-society", "civil-society")):
            if rule_id in wanted and participants and \
                    not any(_takes_part(data, p, sector) for p in participants):
                found.append(Gap(rule_id, plan, area, label,
                                 _text(lang, f"{len(acts)} aktiviteter, {len(participants)} "
                                       "deltagare som källan nämner, ingen av dem",
                                       f"{len(acts)} activities, {len(participants)} "
                                       "participants the source names, none of them"),
                                 act_iris, tuple(participants)))
        coordinators = {c for act in acts for c in act.coordinators()}
        all_stated = all(c not in act.inferred for act in acts for c in act.coordinators())
        if "area-single-coordinator" in wanted and len(coordinators) == 1 and all_stated:
            (only,) = coordinators
            found.append(Gap("area-single-coordinator", plan, area, label,
                             _text(lang, f"{name(only)} samordnar alla {len(acts)} aktiviteter",
                                   f"{name(only)} coordinates all {len(acts)} activities"),
                             act_iris, (only,)))
    if "activity-single-organisation" in wanted:
        for act in activities:
            if len(act.participants) == 1 and not act.names_no_one:
                (only,) = act.participants
                found.append(Gap("activity-single-organisation", act.plan, act.iri,
                                 f"{act.name} {act.label or ''}".strip(),
                                 _text(lang, f"endast {name(only)}", f"only {name(only)}"),
                                 (act.iri,), (only,)))
    if "same-area-never-together" in wanted:
        # "Never together" means nowhere in the plan, also outside an area or goal in scope.
        whole_plans = scoped_activities(data, Scope(plan=scope.plan,
                                                    expand_groups=scope.expand_groups))
        found += _never_together(data, by_area, whole_plans, lang)
    if wanted & {"area-without-activities", "objective-without-activities"}:
        found += _without_activities(data, objectives, scope, by_area, lang, wanted)
    if "sole-link-between-areas" in wanted:
        found += _sole_links(data, by_area, lang)
    if "unmeasurable-follow-up" in wanted:
        for act in activities:
            if measurability(act.follow_up_label) is None:
                text = act.follow_up_label or _text(lang, "(ingen uppföljning angiven)",
                                                    "(no follow-up given)")
                found.append(Gap("unmeasurable-follow-up", act.plan, act.iri,
                                 f"{act.name} {act.label or ''}".strip(), text, (act.iri,),
                                 tuple(sorted(act.participants))))
    order = {rule.id: i for i, rule in enumerate(RULES)}
    return [replace(g, county=data.plan_county(g.plan))
            for g in sorted(found, key=lambda g: order[g.rule])]


def _text(lang: Language, sv: str, en: str) -> str:
    return sv if lang == "sv" else en


def _namer(data: NetworkData, lang: Language) -> Any:
    return lambda iri: data.agent(iri).label(lang)


def _area_key(data: NetworkData, key: tuple[str | None, str]) -> tuple[str, int, str]:
    plan, area = key
    notation = data.areas[area].notation if area in data.areas else None
    number = int(notation) if notation and notation.isdigit() else 10 ** 6
    return (plan or "", number, area)


def _never_together(data: NetworkData, by_area: dict[tuple[str | None, str], list[Activity]],
                    activities: Sequence[Activity], lang: Language) -> list[Gap]:
    # Who works with whom, in the plan (any role) and in the other plans of the whole data
    # (shared activities): what a pair that never meets in the plan still has in common.
    partners: dict[str | None, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for act in activities:
        for first, second in combinations(act.stated_participants(), 2):
            partners[act.plan][first].add(second)
            partners[act.plan][second].add(first)
    shared_by_pair: Counter[tuple[str, str]] = Counter()
    per_plan_pair: Counter[tuple[str | None, str, str]] = Counter()
    for act in data.activities.values():
        for first, second in combinations(sorted(act.stated_participants()), 2):
            shared_by_pair[first, second] += 1
            per_plan_pair[act.plan, first, second] += 1
    found = []
    for (plan, area), acts in sorted(by_area.items(), key=lambda kv: _area_key(data, kv[0])):
        members = sorted({a for act in acts for a in act.stated_participants()})
        member_set = set(members)
        worked = partners[plan]
        linked = sum(len(worked[m] & member_set) for m in members) // 2
        total = len(members) * (len(members) - 1) // 2 - linked
        if total <= 0:
            continue
        apart = [pair for pair in combinations(members, 2) if pair[1] not in worked[pair[0]]]

        shared = {pair: (len(worked[pair[0]] & worked[pair[1]]),
                         shared_by_pair[pair] - per_plan_pair[plan, pair[0], pair[1]])
                  for pair in apart}
        shares = shared.__getitem__
        ranked = sorted(apart, key=lambda pair: (tuple(-n for n in shares(pair)), pair))
        listed = ranked[:PAIRS_LISTED]
        name = _namer(data, lang)
        shown = "; ".join(
            f"{name(a)} – {name(b)}" + (f" ({_shared_text(lang, *shares((a, b)))})"
                                          if any(shares((a, b))) else "")
            for a, b in listed)
        head = (_text(lang, f"{total} par: ", f"{total} pairs: ") if len(listed) == total else
                _text(lang, f"{len(listed)} av {total} par visas, flest gemensamma först: ",
                      f"{len(listed)} of {total} pairs shown, most in common first: "))
        involved = tuple(sorted({o for pair in listed for o in pair}))
        found.append(Gap("same-area-never-together", plan, area, data.area_label(area, lang),
                         head + shown, tuple(a.iri for a in acts), involved, tuple(listed),
                         total))
    return found


def _shared_text(lang: Language, common: int, other: int) -> str:
    sv = [f"{common} gemensam{'ma' if common != 1 else ''} samarbetspartner"]
    en = [f"{common} partner{'s' if common != 1 else ''} in common"]
    if other:
        sv.append(f"{other} gemensam{'ma' if other != 1 else ''} "
                  f"aktivitet{'er' if other != 1 else ''} i andra planer")
        en.append(f"{other} shared activit{'ies' if other != 1 else 'y'} in other plans")
    return _text(lang, ", ".join(sv), ", ".join(en))


def _without_activities(data: NetworkData, objectives: Sequence[Objective], scope: Scope,
                        by_area: dict[tuple[str | None, str], list[Activity]], lang: Language,
                        wanted: set[str]) -> list[Gap]:
    found = []
    plans = [scope.plan] if scope.plan else sorted(data.plans)
    for plan in plans:
        strategy = data.plans[plan].strategy if plan in data.plans else None
        covered = set(data.plans[plan].covers) if plan in data.plans else set()
        if "area-without-activities" in wanted and (strategy or covered):
            # An area the plan does not cover is not a gap in it; a plan that states no
            # coverage is taken to cover its strategy (data from before pg:coversArea).
            candidates = [a for a in data.areas.values()
                          if (a.iri in covered if covered else a.strategy == strategy)]
            for area in sorted(candidates, key=lambda a: _area_key(data, (plan, a.iri))):
                if _in_scope_area(area.iri, area.goal, scope) and (plan, area.iri) not in by_area:
                    found.append(Gap("area-without-activities", plan, area.iri,
                                     area.label(lang), data.plans[plan].title(lang)))
        if "objective-without-activities" in wanted:
            for objective in objectives:
                if objective.plan != plan or objective.area is None:
                    continue
                goal = data.areas[objective.area].goal if objective.area in data.areas else None
                if _in_scope_area(objective.area, goal, scope) and \
                        (plan, objective.area) not in by_area:
                    found.append(Gap("objective-without-activities", plan, objective.iri,
                                     f"{objective.notation or ''} {objective.label or ''}".strip(),
                                     data.area_label(objective.area, lang)))
    return found


def _in_scope_area(area: str, goal: str | None, scope: Scope) -> bool:
    return (scope.area is None or area == scope.area) and (scope.goal is None
                                                            or goal == scope.goal)


def _sole_links(data: NetworkData, by_area: dict[tuple[str | None, str], list[Activity]],
                lang: Language) -> list[Gap]:
    areas_of: dict[str | None, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for (plan, area), acts in by_area.items():
        for act in acts:
            for agent in act.stated_participants():
                areas_of[plan][agent].add(area)
    found = []
    for plan in sorted(areas_of, key=lambda p: p or ""):
        shared: Counter[tuple[str, str]] = Counter()
        linker: dict[tuple[str, str], str] = {}
        for agent, areas in areas_of[plan].items():
            for pair in combinations(sorted(areas, key=lambda a: _area_key(data, (plan, a))), 2):
                shared[pair] += 1
                linker[pair] = agent
        for (first, second), count in sorted(
                shared.items(), key=lambda kv: (_area_key(data, (plan, kv[0][0])),
                                                _area_key(data, (plan, kv[0][1])))):
            if count != 1:
                continue
            only = linker[first, second]
            evidence = tuple(a.iri for area in (first, second) for a in by_area[plan, area]
                             if only in a.participants)
            found.append(Gap(
                "sole-link-between-areas", plan, f"{first} {second}",
                f"{data.area_label(first, lang)} ↔ {data.area_label(second, lang)}",
                _text(lang, f"endast {data.agent(only).label(lang)}",
                      f"only {data.agent(only).label(lang)}"),
                evidence, (only,)))
    return found


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------

_HEAD = {
    "sv": ("Samordningsluckor", "Regel", "Gäller", "Fynd", "Aktiviteter", "Organisationer",
           "Inga luckor hittades.", "fynd"),
    "en": ("Coordination gaps", "Rule", "Concerns", "Finding", "Activities", "Organisations",
           "No gaps found.", "findings"),
}


def where(gap: Gap, data: NetworkData, lang: Language = "sv") -> str:
    """The plan and county a finding belongs to: "Handlingsplan 2018–2020, Jönköpings län"."""
    plan = data.plans.get(gap.plan or "")
    parts = [plan.title(lang) if plan else (gap.plan or "")]
    if gap.county:
        parts.append(data.county_label(gap.county, lang))
    return ", ".join(p for p in parts if p)


def gaps_markdown(gaps: Sequence[Gap], data: NetworkData, lang: Language = "sv") -> str:
    """A Markdown report: one section per rule with its explanation and its findings."""
    title, _, concerns, finding, acts, orgs, none, findings = _HEAD[lang]
    lines = [f"# {title}", ""]
    if not gaps:
        return "\n".join(lines + [none, ""])
    by_rule: dict[str, list[Gap]] = defaultdict(list)
    for gap in gaps:
        by_rule[gap.rule].append(gap)
    for rule in RULES:
        if rule.id not in by_rule:
            continue
        listed = by_rule[rule.id]
        lines += [f"## {rule.name[lang]} (`{rule.id}`): {len(listed)} {findings}", "",
                  rule.explanation[lang], ""]
        for gap in listed:
            lines.append(f"- **{_md(gap.subject_label)}** ({_md(where(gap, data, lang))}): "
                         f"{_md(gap.detail)}")
            if gap.activities:
                names = ", ".join(_md(_activity_name(data, a)) for a in gap.activities)
                lines.append(f"  - {acts}: {names}")
            if gap.organisations and not gap.pairs:
                names = ", ".join(_md(data.agent(o).label(lang)) for o in gap.organisations)
                lines.append(f"  - {orgs}: {names}")
        lines.append("")
    return "\n".join(lines)


def _md(text: str) -> str:
    # Labels come from the data: keep them from turning into Markdown or HTML.
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]#|])", r"\\\1", text)


def _activity_name(data: NetworkData, iri: str) -> str:
    activity = data.activities.get(iri)
    return activity.name if activity else iri


def gaps_csv(gaps: Sequence[Gap], data: NetworkData, lang: Language = "sv") -> str:
    """One row per finding; evidence lists joined with ``; ``."""
    out = io.StringIO()
    writer = SpreadsheetSafeWriter(out, lineterminator="\n")
    writer.writerow(["rule", "rule_name", "plan", "plan_label", "county", "county_label",
                     "subject", "subject_label", "detail", "count",
                     "activities", "organisations", "organisation_names"])
    for gap in gaps:
        plan = data.plans.get(gap.plan or "")
        writer.writerow([
            gap.rule, RULES_BY_ID[gap.rule].name[lang], gap.plan or "",
            plan.title(lang) if plan else "", gap.county or "",
            data.county_label(gap.county, lang) if gap.county else "", gap.subject,
            gap.subject_label, gap.detail, gap.count, "; ".join(gap.activities),
            "; ".join(gap.organisations),
            "; ".join(data.agent(o).label(lang) for o in gap.organisations),
        ])
    return out.getvalue()


def gaps_json(gaps: Sequence[Gap], data: NetworkData, lang: Language = "sv") -> str:
    """The rules (with explanations) and the findings, as JSON."""
    document: dict[str, Any] = {
        "rules": [{"id": r.id, "name": r.name[lang], "explanation": r.explanation[lang]}
                  for r in RULES],
        "gaps": [
            {"rule": g.rule, "plan": g.plan,
             "plan_label": data.plans[g.plan].title(lang) if g.plan in data.plans else None,
             "county": g.county,
             "county_label": data.county_label(g.county, lang) if g.county else None,
             "subject": g.subject,
             "subject_label": g.subject_label, "detail": g.detail, "count": g.count,
             "activities": list(g.activities),
             "organisations": [{"iri": o, "label": data.agent(o).label(lang)}
                               for o in g.organisations],
             "pairs": [list(p) for p in g.pairs]}
            for g in gaps
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def count_by_rule(gaps: Sequence[Gap]) -> dict[str, int]:
    """How many findings each rule has (rules without findings included, as 0)."""
    counts = Counter(g.rule for g in gaps)
    return {rule.id: counts.get(rule.id, 0) for rule in RULES}
