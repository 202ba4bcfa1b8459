"""Coordination gaps: rules that find where coordination is missing, each with its evidence.

Every rule has an id, a name and an explanation in Swedish and English; every finding names
the activities and organisations it rests on. Rendered as Markdown, CSV or JSON.
"""

from __future__ import annotations

import bisect
import heapq
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain, combinations
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
    #: The quoted text in other languages, where the graph holds it (by language): the
    #: follow-up ingest writes where the source states none is labelled in English too.
    quoted_in: tuple[tuple[str, str], ...] = ()
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


def load_follow_up_labels(store: Reader) -> dict[str, dict[str, str]]:
    """The follow-ups' labels in languages other than Swedish, by follow-up IRI and language,
    from ``queries/gaps/follow-up-labels.rq`` (the network data quotes the Swedish one)."""
    found: dict[str, dict[str, str]] = {}
    for row in store.select(read_query("gaps/follow-up-labels.rq").text):
        by_lang = found.setdefault(str(row["followUp"].value), {})
        # One label per language, the same whatever order the store holds them in.
        lang, label = str(row["lang"].value), str(row["label"].value)
        if lang not in by_lang or label < by_lang[lang]:
            by_lang[lang] = label
    return found


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
                      scope: Scope | None = None, rules: Iterable[str] | None = None, *,
                      follow_ups: Mapping[str, Mapping[str, str]] | None = None
                      ) -> list[Gap]:
    """Every finding of the gap rules (all of :data:`RULES` unless ``rules`` names some),
    in rule order, within ``scope``; computed once, without a language. ``follow_ups``
    (:func:`load_follow_up_labels`) gives a quoted follow-up's words in other languages.

    Rules about areas work per plan: an area of one plan is not helped by another plan.
    """
    wanted = set(rules) if rules is not None else set(RULES_BY_ID)
    scope = scope or Scope()
    stated = _Stated()
    # Each activity with its stated participants, found once: every rule reads them.
    activities = stated.each(scoped_activities(data, scope))
    # Every finding names the county of its plan (its publisher's), given as it is made.
    county = data.plan_county
    by_area: dict[tuple[str | None, str], list[Named]] = defaultdict(list)
    for entry in activities:
        if entry[0].area:
            by_area[entry[0].plan, entry[0].area].append(entry)
    found: list[Gap] = []
    if "activity-source-names-no-one" in wanted:
        for act, named in activities:
            if act.participants and not named:  # the source names no one
                found.append(Gap("activity-source-names-no-one", act.plan, act.iri,
                                 (act.iri,), tuple(sorted(act.participants)),
                                 county=county(act.plan)))
    for (plan, area), acts in sorted(by_area.items(), key=lambda kv: _area_key(data, kv[0])):
        # Only participants the source names count: the publisher made coordinator where
        # the source names no one says nothing about who takes part.
        participants = sorted({a for _, named in acts for a in named})
        act_iris = tuple(act.iri for act, _ in acts)
        numbers = (("activities", len(acts)), ("participants", len(participants)))
        in_county = county(plan)
        for rule_id, sector in (("area-without-municipality", "municipality"),
                                ("area-without-civil-society", "civil-society")):
            if rule_id in wanted and participants and \
                    not any(_takes_part(data, p, sector) for p in participants):
                found.append(Gap(rule_id, plan, area, act_iris, tuple(participants),
                                 county=in_county, numbers=numbers))
        # Who coordinates (no order needed: one IRI is all the rule looks for), and
        # whether the source states each of them.
        coordinating = [(a, act) for act, _ in acts for a, role in act.participants.items()
                        if role == "coordinator"]
        coordinators = {a for a, _ in coordinating}
        all_stated = all(a not in act.inferred for a, act in coordinating)
        if "area-single-coordinator" in wanted and len(coordinators) == 1 and all_stated:
            (only,) = coordinators
            found.append(Gap("area-single-coordinator", plan, area, act_iris, (only,),
                             county=in_county, numbers=numbers))
    if "activity-single-organisation" in wanted:
        for act, named in activities:
            if len(act.participants) == 1 and named:
                (only,) = act.participants
                found.append(Gap("activity-single-organisation", act.plan, act.iri,
                                 (act.iri,), (only,), county=county(act.plan)))
    if "same-area-never-together" in wanted:
        # "Never together" means nowhere in the plan, also outside an area or goal in scope.
        whole_plans = stated.each(scoped_activities(
            data, Scope(plan=scope.plan, expand_groups=scope.expand_groups)))
        found += _never_together(data, by_area, whole_plans, stated)
    if wanted & {"area-without-activities", "objective-without-activities"}:
        found += _without_activities(data, objectives, scope, by_area, wanted)
    if "sole-link-between-areas" in wanted:
        found += _sole_links(data, by_area)
    if "unmeasurable-follow-up" in wanted:
        translated = follow_ups or {}
        for act, _ in activities:
            if measurability(act.follow_up_label) is None:
                found.append(Gap("unmeasurable-follow-up", act.plan, act.iri, (act.iri,),
                                 tuple(sorted(act.participants)), county=county(act.plan),
                                 quoted=act.follow_up_label or None,
                                 quoted_in=tuple(sorted(
                                     translated.get(act.follow_up or "", {}).items()))))
    order = {rule.id: i for i, rule in enumerate(RULES)}
    return sorted(found, key=lambda g: order[g.rule])


def _area_key(data: NetworkData, key: tuple[str | None, str]) -> tuple[str, int, str]:
    plan, area = key
    notation = data.areas[area].notation if area in data.areas else None
    number = int(notation) if notation and notation.isdecimal() else 10 ** 6
    return (plan or "", number, area)


#: An activity with its stated participants (:meth:`Activity.stated_participants`).
Named = tuple[Activity, list[str]]


class _Stated:
    """Each activity's stated participants (:meth:`Activity.stated_participants`, a sorted
    list), made once per activity object: every rule reads them, and the activities of a
    scope with groups expanded are other objects than the data's."""

    def __init__(self) -> None:
        self._known: dict[int, Named] = {}

    def each(self, activities: Iterable[Activity]) -> list[Named]:
        """Each of ``activities`` with its stated participants, in the same order."""
        # Keyed by identity (an Activity is not hashable); the activity is kept with its
        # answer so that its id is never reused while the answer is remembered.
        known = self._known
        found = []
        for activity in activities:
            entry = known.get(id(activity))
            if entry is None:
                # Activity.stated_participants, without its generator for the activities
                # whose every participant is stated (nearly all).
                inferred = activity.inferred
                entry = known[id(activity)] = (activity, sorted(
                    activity.participants if not inferred else
                    (a for a in activity.participants if a not in inferred)))
            found.append(entry)
        return found


def _never_together(data: NetworkData, by_area: dict[tuple[str | None, str], list[Named]],
                    activities: Sequence[Named], stated: _Stated) -> list[Gap]:
    # Who works with whom in each plan (any role), as bit masks over the plan's named
    # organisations numbered in IRI order: whether a pair worked together is one AND, their
    # partners in common one AND and a bit count, and the members of an area after one of
    # them are the bits above its own, so only the pairs that never met are visited (86 000
    # of the 340 000 pairs in a national dataset's areas).
    plans: dict[str | None, list[list[str]]] = defaultdict(list)
    for act, named in activities:
        plans[act.plan].append(named)
    numbered: dict[str | None, tuple[list[str], dict[str, int], list[int]]] = {}
    for plan, named_lists in plans.items():
        agents = sorted({a for named in named_lists for a in named})
        number = {agent: i for i, agent in enumerate(agents)}
        partners_of = [0] * len(agents)
        for named in named_lists:
            if len(named) < 2:
                continue
            together = 0
            for agent in named:
                together |= 1 << number[agent]
            for agent in named:
                partners_of[number[agent]] |= together
        for i in range(len(agents)):
            partners_of[i] &= ~(1 << i)
        numbered[plan] = (agents, number, partners_of)
    # Shared activities per pair, in each plan and in all (the whole data, whatever the
    # scope): what a pair that never meets in the plan still has in common. Counted in C
    # (Counter over a chain of each activity's sorted pairs); looked up only for the pairs
    # that can be listed.
    named_in: dict[str | None, list[list[str]]] = defaultdict(list)
    for act, named in stated.each(data.activities.values()):
        if len(named) > 1:
            named_in[act.plan].append(named)
    per_plan = {plan: Counter(chain.from_iterable(combinations(named, 2) for named in lists))
                for plan, lists in named_in.items()}
    shared_by_pair: Counter[tuple[str, str]] = Counter()
    for counted in per_plan.values():
        shared_by_pair.update(counted)
    shared = shared_by_pair.get
    empty: Counter[tuple[str, str]] = Counter()
    found = []
    for (plan, area), acts in sorted(by_area.items(), key=lambda kv: _area_key(data, kv[0])):
        agents, number, partners_of = numbered[plan]
        members = sorted({number[a] for _, named in acts for a in named})
        in_area = 0
        for i in members:
            in_area |= 1 << i
        linked = sum((partners_of[i] & in_area).bit_count() for i in members) // 2
        total = len(members) * (len(members) - 1) // 2 - linked
        if total <= 0:
            continue
        # Each pair that never meets in the plan as one number that sorts as the pair
        # should, partners in common (most first), then the pair (numbers in IRI order
        # sort as the IRIs do): (everyone - in common, first, second) in bit fields.
        width = len(agents).bit_length()
        keyed = []
        for i in members:
            mine = partners_of[i]
            first = i << width
            others = in_area & ~mine & ~((2 << i) - 1)
            while others:
                low = others & -others
                others ^= low
                keyed.append(((len(agents) - (mine & partners_of[low.bit_length() - 1])
                               .bit_count()) << 2 * width) | first | (low.bit_length() - 1))
        # Only the first PAIRS_LISTED are listed, ranked by partners in common, then by
        # activities shared elsewhere, then by the pair: none with fewer partners in common
        # than the PAIRS_LISTED-th can be among them, so their activities elsewhere are
        # never looked up.
        keyed.sort()
        if len(keyed) > PAIRS_LISTED:
            bound = ((keyed[PAIRS_LISTED - 1] >> 2 * width) + 1) << 2 * width
            del keyed[bisect.bisect_left(keyed, bound):]
        in_plan = per_plan.get(plan, empty).get
        ranked = []
        mask = (1 << width) - 1
        for code in keyed:
            pair = (agents[code >> width & mask], agents[code & mask])
            ranked.append(((code >> 2 * width) - len(agents),
                           in_plan(pair, 0) - shared(pair, 0), pair))
        listed = heapq.nsmallest(PAIRS_LISTED, ranked)
        involved = tuple(sorted({o for _, _, pair in listed for o in pair}))
        found.append(Gap("same-area-never-together", plan, area, tuple(a.iri for a, _ in acts),
                         involved, tuple(pair for _, _, pair in listed), total,
                         county=data.plan_county(plan),
                         shared=tuple((-common, -elsewhere) for common, elsewhere, _ in listed)))
    return found


def _without_activities(data: NetworkData, objectives: Sequence[Objective], scope: Scope,
                        by_area: dict[tuple[str | None, str], list[Named]],
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
                                     county=data.plan_county(plan)))
        if "objective-without-activities" in wanted:
            for objective in objectives:
                if objective.plan != plan or objective.area is None:
                    continue
                goal = data.areas[objective.area].goal if objective.area in data.areas else None
                if _in_scope_area(objective.area, goal, scope) and \
                        (plan, objective.area) not in by_area:
                    found.append(Gap(
                        "objective-without-activities", plan, objective.iri,
                        county=data.plan_county(plan),
                        quoted=f"{objective.notation or ''} {objective.label or ''}".strip(),
                        area=objective.area))
    return found


def _in_scope_area(area: str, goal: str | None, scope: Scope) -> bool:
    return (scope.area is None or area == scope.area) and (scope.goal is None
                                                            or goal == scope.goal)


def _sole_links(data: NetworkData,
                by_area: dict[tuple[str | None, str], list[Named]]) -> list[Gap]:
    areas_of: dict[str | None, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for (plan, area), acts in by_area.items():
        of_plan = areas_of[plan]
        for _, named in acts:
            for agent in named:
                of_plan[agent].add(area)
    found = []
    for plan in sorted(areas_of, key=lambda p: p or ""):
        # Each area's place in the plan, made once (it orders every pair of areas).
        place = {area: _area_key(data, (plan, area))
                 for areas in areas_of[plan].values() for area in areas}
        shared: Counter[tuple[str, str]] = Counter()
        linker: dict[tuple[str, str], str] = {}
        for agent, areas in areas_of[plan].items():
            for pair in combinations(sorted(areas, key=place.__getitem__), 2):
                shared[pair] += 1
                linker[pair] = agent
        for (first, second), count in sorted(
                shared.items(), key=lambda kv: (place[kv[0][0]], place[kv[0][1]])):
            if count != 1:
                continue
            only = linker[first, second]
            evidence = tuple(a.iri for area in (first, second) for a, _ in by_area[plan, area]
                             if only in a.participants)
            found.append(Gap("sole-link-between-areas", plan, f"{first} {second}",
                             evidence, (only,), county=data.plan_county(plan)))
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
        return i18n.text(
            "gap_detail_none_of_them", lang,
            activities=i18n.counted(gap.number("activities"), "activities_count", lang),
            participants=i18n.counted(gap.number("participants"), "participants", lang))
    if rule == "area-single-coordinator":
        activities = gap.number("activities")
        key = "gap_detail_single_coordinator" + ("_one" if activities == 1 else "")
        return i18n.text(key, lang, name=name(gap.organisations[0]), activities=activities)
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
        # The follow-up's words in the reader's language where the graph has them (the
        # "no follow-up stated" ingest writes), else as the source says them.
        return (dict(gap.quoted_in).get(lang) if gap.quoted_in else None) or gap.quoted \
            or i18n.text("gap_detail_no_follow_up", lang)
    raise ValueError(f"no words for the rule {rule!r}")


@lru_cache(maxsize=1024)
def _shared_text(lang: Language, common: int, other: int) -> str:
    # A few dozen different counts say what 24 000 listed pairs of a national report share.
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


def gaps_rows(gaps: Sequence[Gap], data: NetworkData, lang: Language = "sv"
              ) -> tuple[list[str], list[list[object]]]:
    """The findings' table: its column names and one row per finding, evidence lists joined
    with ``; `` (the CSV and the workbook)."""
    columns = ["rule", "rule_name", "plan", "plan_label", "county", "county_label",
               "subject", "subject_label", "detail", "count",
               "activities", "organisations", "organisation_names"]
    rows: list[list[object]] = []
    for gap in gaps:
        plan = data.plans.get(gap.plan or "")
        rows.append([
            gap.rule, RULES_BY_ID[gap.rule].name[lang], gap.plan or "",
            plan.title(lang) if plan else "", gap.county or "",
            data.county_label(gap.county, lang) if gap.county else "", gap.subject,
            subject_label(gap, data, lang), detail(gap, data, lang), gap.count,
            "; ".join(gap.activities),
            "; ".join(gap.organisations),
            "; ".join(data.agent(o).label(lang) for o in gap.organisations),
        ])
    return columns, rows


def gaps_csv(gaps: Sequence[Gap], data: NetworkData, lang: Language = "sv") -> str:
    """One row per finding; evidence lists joined with ``; ``."""
    out = io.StringIO()
    writer = SpreadsheetSafeWriter(out, lineterminator="\n")
    columns, rows = gaps_rows(gaps, data, lang)
    writer.writerow(columns)
    writer.writerows(rows)
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
