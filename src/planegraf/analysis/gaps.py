"""Coordination gaps: rules that find where coordination is missing, each with its evidence.

Every rule has an id, a name and an explanation in Swedish and English; every finding names
the activities and organisations it rests on. Rendered as Markdown, CSV or JSON.
"""

from __future__ import annotations

import heapq
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

from planegraf import i18n
from planegraf.analysis.network import Activity, Language, NetworkData, Scope, scoped_activities
from planegraf.render.escape import markdown
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
    """A rule by its id; its name and explanation are in the text catalogue
    (``gap_rule_ID``, ``gap_explain_ID`` in ``templates/strings.json``)."""

    id: str

    @property
    def name(self) -> dict[str, str]:
        return {lang: i18n.text(f"gap_rule_{self.id}", lang) for lang in i18n.LANGUAGES}

    @property
    def explanation(self) -> dict[str, str]:
        return {lang: i18n.text(f"gap_explain_{self.id}", lang, pairs_listed=PAIRS_LISTED)
                for lang in i18n.LANGUAGES}


RULES: tuple[GapRule, ...] = tuple(GapRule(rule) for rule in (
    "activity-source-names-no-one",
    "area-without-municipality",
    "area-without-civil-society",
    "area-single-coordinator",
    "activity-single-organisation",
    "same-area-never-together",
    "area-without-activities",
    "objective-without-activities",
    "sole-link-between-areas",
    "unmeasurable-follow-up",
))
RULES_BY_ID = {rule.id: rule for rule in RULES}


@dataclass(frozen=True)
class Gap:
    """One finding of one rule, with the evidence it rests on: IRIs and numbers, no words.

    The finding has no language: :func:`subject_label` and :func:`detail` say it in Swedish
    or English where it is shown (the CLI's reports, the site).
    """

    rule: str
    plan: str | None
    subject: str
    activities: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    count: int = 1
    #: The county of the plan (its publisher's), so that findings of two counties' "area 7"
    #: are never confused.
    county: str | None = None
    #: The numbers the finding states, by name (``activities``, ``participants``).
    numbers: tuple[tuple[str, int], ...] = ()
    #: For each listed pair: partners in common in the plan, shared activities elsewhere.
    shared: tuple[tuple[int, int], ...] = ()
    #: Text quoted from the source as it is (an objective's label, a follow-up).
    quoted: str | None = None
    #: The area an objective belongs to (``objective-without-activities``).
    area: str | None = None

    def number(self, name: str) -> int:
        return dict(self.numbers)[name]


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
                      scope: Scope | None = None, rules: Iterable[str] | None = None
                      ) -> list[Gap]:
    """Every finding of the gap rules (all of :data:`RULES` unless ``rules`` names some),
    in rule order, within ``scope``; computed once, without a language.

    Rules about areas work per plan: an area of one plan is not helped by another plan.
    """
    wanted = set(rules) if rules is not None else set(RULES_BY_ID)
    scope = scope or Scope()
    activities = scoped_activities(data, scope)
    stated = _Stated()
    by_area: dict[tuple[str | None, str], list[Activity]] = defaultdict(list)
    for activity in activities:
        if activity.area:
            by_area[activity.plan, activity.area].append(activity)
    found: list[Gap] = []
    if "activity-source-names-no-one" in wanted:
        for act in activities:
            if act.participants and not stated(act):  # the source names no one
                found.append(Gap("activity-source-names-no-one", act.plan, act.iri,
                                 (act.iri,), tuple(sorted(act.participants))))
    for (plan, area), acts in sorted(by_area.items(), key=lambda kv: _area_key(data, kv[0])):
        # Only participants the source names count: the publisher made coordinator where
        # the source names no one says nothing about who takes part.
        participants = sorted({a for act in acts for a in stated(act)})
        act_iris = tuple(a.iri for a in acts)
        numbers = (("activities", len(acts)), ("participants", len(participants)))
        for rule_id, sector in (("area-without-municipality", "municipality"),
                                ("area-without-civil-society", "civil-society")):
            if rule_id in wanted and participants and \
                    not any(_takes_part(data, p, sector) for p in participants):
                found.append(Gap(rule_id, plan, area, act_iris, tuple(participants),
                                 numbers=numbers))
        # Who coordinates (no order needed: one IRI is all the rule looks for), and
        # whether the source states each of them.
        coordinating = [(a, act) for act in acts for a, role in act.participants.items()
                        if role == "coordinator"]
        coordinators = {a for a, _ in coordinating}
        all_stated = all(a not in act.inferred for a, act in coordinating)
        if "area-single-coordinator" in wanted and len(coordinators) == 1 and all_stated:
            (only,) = coordinators
            found.append(Gap("area-single-coordinator", plan, area, act_iris, (only,),
                             numbers=numbers))
    if "activity-single-organisation" in wanted:
        for act in activities:
            if len(act.participants) == 1 and stated(act):
                (only,) = act.participants
                found.append(Gap("activity-single-organisation", act.plan, act.iri,
                                 (act.iri,), (only,)))
    if "same-area-never-together" in wanted:
        # "Never together" means nowhere in the plan, also outside an area or goal in scope.
        whole_plans = scoped_activities(data, Scope(plan=scope.plan,
                                                    expand_groups=scope.expand_groups))
        found += _never_together(data, by_area, whole_plans, stated)
    if wanted & {"area-without-activities", "objective-without-activities"}:
        found += _without_activities(data, objectives, scope, by_area, wanted)
    if "sole-link-between-areas" in wanted:
        found += _sole_links(data, by_area, stated)
    if "unmeasurable-follow-up" in wanted:
        for act in activities:
            if measurability(act.follow_up_label) is None:
                found.append(Gap("unmeasurable-follow-up", act.plan, act.iri, (act.iri,),
                                 tuple(sorted(act.participants)),
                                 quoted=act.follow_up_label or None))
    order = {rule.id: i for i, rule in enumerate(RULES)}
    return [replace(g, county=data.plan_county(g.plan))
            for g in sorted(found, key=lambda g: order[g.rule])]


def _area_key(data: NetworkData, key: tuple[str | None, str]) -> tuple[str, int, str]:
    plan, area = key
    notation = data.areas[area].notation if area in data.areas else None
    number = int(notation) if notation and notation.isdigit() else 10 ** 6
    return (plan or "", number, area)


class _Stated:
    """Each activity's stated participants (:meth:`Activity.stated_participants`, a sorted
    list), made once per activity object: the rules ask for them about ten times each."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[Activity, list[str]]] = {}

    def __call__(self, activity: Activity) -> list[str]:
        # Keyed by identity (an Activity is not hashable); the activity is kept with its
        # answer so that its id is never reused while the answer is remembered.
        known = self._known.get(id(activity))
        if known is None:
            known = self._known[id(activity)] = (activity, activity.stated_participants())
        return known[1]


def _never_together(data: NetworkData, by_area: dict[tuple[str | None, str], list[Activity]],
                    activities: Sequence[Activity], stated: _Stated) -> list[Gap]:
    # Who works with whom, in the plan (any role) and in the other plans of the whole data
    # (shared activities): what a pair that never meets in the plan still has in common.
    partners: dict[str | None, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for act in activities:
        named = stated(act)
        if len(named) < 2:
            continue
        worked = partners[act.plan]
        # Each participant gets every other (and itself, taken out below): one set update
        # per participant instead of two set additions per pair.
        for agent in named:
            worked[agent].update(named)
    for worked in partners.values():
        for agent, others in worked.items():
            others.discard(agent)
    # Shared activities per pair, in each plan and in all: Counter.update counts a
    # sequence of pairs in C.
    per_plan: dict[str | None, Counter[tuple[str, str]]] = defaultdict(Counter)
    for act in data.activities.values():
        named = stated(act)
        if len(named) > 1:
            per_plan[act.plan].update(combinations(named, 2))  # sorted already
    shared_by_pair: Counter[tuple[str, str]] = Counter()
    for counted in per_plan.values():
        shared_by_pair.update(counted)
    shared = shared_by_pair.get
    # Each plan's partners as bit masks over its organisations (one bit each): whether a
    # pair worked together is one AND, their partners in common one AND and a bit count,
    # for each of the 340 000 pairs in a national dataset's areas, not a set intersection.
    masks: dict[str | None, tuple[dict[str, int], dict[str, int]]] = {}
    found = []
    for (plan, area), acts in sorted(by_area.items(), key=lambda kv: _area_key(data, kv[0])):
        members = sorted({a for act in acts for a in stated(act)})
        member_set = set(members)
        worked = partners[plan]
        linked = sum(len(worked[m] & member_set) for m in members) // 2
        total = len(members) * (len(members) - 1) // 2 - linked
        if total <= 0:
            continue
        if plan not in masks:
            bit = {agent: 1 << number for number, agent in enumerate(worked)}
            masks[plan] = (bit, {agent: sum(bit[o] for o in others)
                                 for agent, others in worked.items()})
        bit, partners_of = masks[plan]
        in_plan = per_plan[plan].get
        # Each pair that never meets in the plan, keyed so that those sharing most come
        # first (partners in common, then activities elsewhere), then by the pair. (A
        # count missing from a Counter is read with get(): __missing__ is a Python call.)
        keyed = []
        for number, first in enumerate(members, start=1):
            mine = partners_of.get(first, 0)
            for second in members[number:]:
                if not mine & bit.get(second, 0):
                    pair = (first, second)
                    keyed.append(((-(mine & partners_of.get(second, 0)).bit_count(),
                                   in_plan(pair, 0) - shared(pair, 0)), pair))
        # Only the first PAIRS_LISTED are listed: no need to sort thousands of pairs.
        listed = heapq.nsmallest(PAIRS_LISTED, keyed)
        involved = tuple(sorted({o for _, pair in listed for o in pair}))
        found.append(Gap("same-area-never-together", plan, area, tuple(a.iri for a in acts),
                         involved, tuple(pair for _, pair in listed), total,
                         shared=tuple((-common, -elsewhere)
                                      for (common, elsewhere), _ in listed)))
    return found


def _without_activities(data: NetworkData, objectives: Sequence[Objective], scope: Scope,
                        by_area: dict[tuple[str | None, str], list[Activity]],
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
                    found.append(Gap("area-without-activities", plan, area.iri))
        if "objective-without-activities" in wanted:
            for objective in objectives:
                if objective.plan != plan or objective.area is None:
                    continue
                goal = data.areas[objective.area].goal if objective.area in data.areas else None
                if _in_scope_area(objective.area, goal, scope) and \
                        (plan, objective.area) not in by_area:
                    found.append(Gap(
                        "objective-without-activities", plan, objective.iri,
                        quoted=f"{objective.notation or ''} {objective.label or ''}".strip(),
                        area=objective.area))
    return found


def _in_scope_area(area: str, goal: str | None, scope: Scope) -> bool:
    return (scope.area is None or area == scope.area) and (scope.goal is None
                                                            or goal == scope.goal)


def _sole_links(data: NetworkData, by_area: dict[tuple[str | None, str], list[Activity]],
                stated: _Stated) -> list[Gap]:
    areas_of: dict[str | None, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for (plan, area), acts in by_area.items():
        for act in acts:
            for agent in stated(act):
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
            found.append(Gap("sole-link-between-areas", plan, f"{first} {second}",
                             evidence, (only,)))
    return found


# --------------------------------------------------------------------------------------------
# The findings in words, at the edge
# --------------------------------------------------------------------------------------------

_ACTIVITY_RULES = {"activity-source-names-no-one", "activity-single-organisation",
                   "unmeasurable-follow-up"}


def subject_label(gap: Gap, data: NetworkData, lang: Language = "sv") -> str:
    """What the finding is about, named for people in ``lang``."""
    if gap.rule in _ACTIVITY_RULES:
        activity = data.activities.get(gap.subject)
        return f"{activity.name} {activity.label or ''}".strip() if activity else gap.subject
    if gap.rule == "objective-without-activities":
        return gap.quoted or gap.subject
    if gap.rule == "sole-link-between-areas":
        first, second = gap.subject.split(" ", 1)
        return f"{data.area_label(first, lang)} ↔ {data.area_label(second, lang)}"
    return data.area_label(gap.subject, lang)


def detail(gap: Gap, data: NetworkData, lang: Language = "sv") -> str:
    """What the finding says, in ``lang``: the numbers and names it rests on."""
    def name(iri: str) -> str:
        return data.agent(iri).label(lang)

    rule = gap.rule
    if rule == "activity-source-names-no-one":
        return i18n.text("gap_detail_names_no_one", lang,
                         names=", ".join(name(a) for a in gap.organisations))
    if rule in ("area-without-municipality", "area-without-civil-society"):
        return i18n.text("gap_detail_none_of_them", lang, activities=gap.number("activities"),
                         participants=gap.number("participants"))
    if rule == "area-single-coordinator":
        return i18n.text("gap_detail_single_coordinator", lang, name=name(gap.organisations[0]),
                         activities=gap.number("activities"))
    if rule in ("activity-single-organisation", "sole-link-between-areas"):
        return i18n.text("gap_detail_only", lang, name=name(gap.organisations[0]))
    if rule == "same-area-never-together":
        shown = "; ".join(
            f"{name(a)} – {name(b)}" + (f" ({_shared_text(lang, *shares)})" if any(shares)
                                          else "")
            for (a, b), shares in zip(gap.pairs, gap.shared, strict=True))
        head = (i18n.text("gap_detail_pairs", lang, total=gap.count)
                if len(gap.pairs) == gap.count else
                i18n.text("gap_detail_pairs_shown", lang, listed=len(gap.pairs),
                          total=gap.count))
        return head + shown
    if rule == "area-without-activities":
        plan = data.plans.get(gap.plan or "")
        return plan.title(lang) if plan else (gap.plan or "")
    if rule == "objective-without-activities":
        return data.area_label(gap.area, lang)
    if rule == "unmeasurable-follow-up":
        return gap.quoted or i18n.text("gap_detail_no_follow_up", lang)
    raise ValueError(f"no words for the rule {rule!r}")


def _shared_text(lang: Language, common: int, other: int) -> str:
    parts = [i18n.counted(common, "gap_partners_in_common", lang)]
    if other:
        parts.append(i18n.counted(other, "gap_shared_elsewhere", lang))
    return ", ".join(parts)


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------

def where(gap: Gap, data: NetworkData, lang: Language = "sv") -> str:
    """The plan and county a finding belongs to: "Handlingsplan 2018–2020, Jönköpings län"."""
    plan = data.plans.get(gap.plan or "")
    parts = [plan.title(lang) if plan else (gap.plan or "")]
    if gap.county:
        parts.append(data.county_label(gap.county, lang))
    return ", ".join(p for p in parts if p)


def gaps_markdown(gaps: Sequence[Gap], data: NetworkData, lang: Language = "sv") -> str:
    """A Markdown report: one section per rule with its explanation and its findings."""
    def t(key: str) -> str:
        return i18n.text(key, lang)

    lines = [f"# {t('gap_report')}", ""]
    if not gaps:
        return "\n".join(lines + [t("gap_none_found"), ""])
    by_rule: dict[str, list[Gap]] = defaultdict(list)
    for gap in gaps:
        by_rule[gap.rule].append(gap)
    for rule in RULES:
        if rule.id not in by_rule:
            continue
        listed = by_rule[rule.id]
        lines += [f"## {rule.name[lang]} (`{rule.id}`): "
                  f"{i18n.counted(len(listed), 'findings', lang)}", "",
                  rule.explanation[lang], ""]
        for gap in listed:
            lines.append(f"- **{_md(subject_label(gap, data, lang))}** "
                         f"({_md(where(gap, data, lang))}): {_md(detail(gap, data, lang))}")
            if gap.activities:
                names = ", ".join(_md(_activity_name(data, a)) for a in gap.activities)
                lines.append(f"  - {t('activities_heading')}: {names}")
            if gap.organisations and not gap.pairs:
                names = ", ".join(_md(data.agent(o).label(lang)) for o in gap.organisations)
                lines.append(f"  - {t('organisations_heading')}: {names}")
        lines.append("")
    return "\n".join(lines)


def _md(text: str) -> str:
    return markdown(text)


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
            subject_label(gap, data, lang), detail(gap, data, lang), gap.count,
            "; ".join(gap.activities),
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
             "subject_label": subject_label(g, data, lang), "detail": detail(g, data, lang),
             "count": g.count,
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
