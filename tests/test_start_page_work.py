"""The start page with its county and plan pages at national scale (issue 15): what is the
same on every page is worked out once, so a national dataset's pages cost what they show,
not what they show times the pages that show it. Counted, not timed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from planegraf.analysis import network
from planegraf.pipeline import open_store
from planegraf.publish import site


def _write_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                 ) -> tuple[site.SiteWriter, Counter[str]]:
    store = open_store()
    writer = site.SiteWriter(store, tmp_path / "site", resource_pages=False)
    counted: Counter[str] = Counter()
    coordinators = network.Activity.coordinators
    label = site.StatementIndex.label

    def counting_coordinators(self: network.Activity) -> list[str]:
        counted["coordinators " + self.iri] += 1
        return coordinators(self)

    def counting_label(self: site.StatementIndex, iri: str, lang: str) -> Any:
        counted["label " + iri] += 1
        return label(self, iri, lang)

    monkeypatch.setattr(network.Activity, "coordinators", counting_coordinators)
    monkeypatch.setattr(site.StatementIndex, "label", counting_label)
    writer.write_index()
    return writer, counted


def test_the_key_figures_count_each_activity_once_however_many_pages_show_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer, counted = _write_index(tmp_path, monkeypatch)
    activities = writer.network_data(network).activities
    assert (tmp_path / "site" / "counties").is_dir()  # the county pages were written
    per_activity = [counted["coordinators " + a] for a in activities]
    assert max(per_activity) == 1


def test_the_county_and_plan_pages_name_their_activities_in_one_pass_per_language(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer, counted = _write_index(tmp_path, monkeypatch)
    activities = writer._activities
    assert activities and (tmp_path / "site" / "plans").is_dir()
    assert not [a for a in activities if counted["label " + a]]  # none one at a time
    assert len({iri for iri, _ in writer._scoped} & activities) == len(activities)


def _pages(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _index_pages(store: Any, folder: Path, *, from_network: bool) -> tuple[site.SiteWriter,
                                                                           dict[str, bytes]]:
    writer = site.SiteWriter(store, folder, resource_pages=False)
    if not from_network:  # what the start page did before it read the network data's
        writer.__dict__["_places"] = None
    writer.write_index()
    return writer, _pages(folder)


def test_the_start_page_does_not_read_the_activities_plans_and_areas_a_second_time(
        tmp_path: Path) -> None:
    # The network data holds every activity's plan and area: read into Python again they
    # were 50 000 statements at a million quads. The pages are the same bytes either way.
    store = open_store()
    writer, pages = _index_pages(store, tmp_path / "new", from_network=True)
    read = {*writer.index._outgoing, *writer.index._incoming}  # type: ignore[attr-defined]
    assert site.PG + "inPlan" not in read and site.PG + "actionArea" not in read
    assert writer._places is not None and any(p.startswith("plans/") for p in pages)
    assert pages == _index_pages(store, tmp_path / "old", from_network=False)[1]


def test_an_activity_in_two_plans_or_two_areas_is_still_listed_under_each(
        tmp_path: Path) -> None:
    # The network data keeps one plan and one area per activity: when the data gives an
    # activity two, the start page reads them all, as it always did.
    import pyoxigraph as ox

    store = open_store()
    data = network.load_network_data(store)
    plans = sorted(data.plans)
    activity = next(a for a in sorted(data.activities.values(), key=lambda a: a.iri)
                    if a.plan == plans[0] and a.area)
    other_area = next(a.area for a in data.activities.values()
                      if a.area and a.area != activity.area and a.plan == plans[0])
    for predicate, value in (("inPlan", plans[1]), ("actionArea", other_area)):
        store.oxigraph.add(ox.Quad(ox.NamedNode(activity.iri),
                                   ox.NamedNode(site.PG + predicate), ox.NamedNode(value)))
    writer, pages = _index_pages(store, tmp_path / "new", from_network=True)
    assert writer._places is None
    assert pages == _index_pages(store, tmp_path / "old", from_network=False)[1]
    # Listed under its second area too, on its plan's page.
    plan_page = pages["plans/" + site._slug(plans[0]) + ".html"].decode()
    assert site.resource_path(activity.iri) in plan_page


# The area of macros.html's strategy tree as the template wrote it before the areas were
# written in Python (site._tree_area), with its link macro.
TREE_AREA = (
    '{% macro link(node, cls="") %}{% if node.href %}<a href="{{ node.href }}"{% if cls %} '
    'class="{{ cls }}"{% endif %}>{{ node.label }}</a>{% else %}{{ node.label }}{% endif %}'
    '{% endmacro %}'
    '      <li><details><summary>{{ area.label }} <span class="count">({{ area.in_plans or '
    'area.count|counted("activities_count", lang) }})</span></summary>\n'
    '        <ul>\n'
    '        {% if area.href %}<li class="tree-link">{{ link(area, "area") }}</li>{% endif %}\n'
    '        {% for plan in area.plans %}<li class="plan">{{ link(plan, "plan") }}\n'
    '          <ul>\n'
    '          {# a comment, as the template had #}\n'
    '          {% if plan.listed %}{{ plan.listed }}{% endif %}\n'
    '          </ul></li>\n'
    '        {% endfor %}\n'
    '        </ul>\n'
    '      </details></li>\n')

HOSTILE = '<script>alert("x")</script> & \'Tom\' <b>'


def test_a_strategy_trees_areas_are_the_html_the_template_wrote(tmp_path: Path) -> None:
    # Every area of the start page's, a county page's and a plan page's trees, in both
    # languages, with and without its activities listed, and with names holding markup.
    import copy

    store = open_store()
    writer = site.SiteWriter(store, tmp_path / "site", resource_pages=False)
    data = writer.network_data(network)
    reference = writer.env.from_string(TREE_AREA)
    plan = sorted(data.plans)[0]
    areas = []
    for lang in ("sv", "en"):
        for strategy in writer.index.of_type(site.PG + "Strategy"):
            for file, only, listed in (("index.html", None, False), ("index.html", None, True),
                                       ("counties/x.html", None, True),
                                       ("plans/y.html", plan, True)):
                tree = writer._strategy_tree(strategy, file, lang, only, list_activities=listed)
                areas += [(a, lang) for goal in tree["goals"] for a in goal["areas"]]
    assert any(a["href"] for a, _ in areas) and any(p["listed"] for a, _ in areas
                                                     for p in a["plans"])
    hostile = []
    for area, lang in areas[:20]:
        changed = copy.deepcopy(area)
        changed["label"] = changed["in_plans"] = HOSTILE
        changed["href"] = HOSTILE
        for node in changed["plans"]:
            node["label"], node["href"] = HOSTILE, None
        changed["plans"].append({"label": HOSTILE, "href": HOSTILE, "listed": HOSTILE})
        hostile.append((changed, lang))
    for area, lang in areas + hostile:
        # (Jinja drops a template's last newline: in the macro, more followed it.)
        assert site._tree_area(area, lang) == reference.render(area=area, lang=lang) + "\n"
