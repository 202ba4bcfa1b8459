"""The gap report's findings are written in Python, not by a Jinja loop (issue 15: at a million
quads the loop was most of the report's time, 9 277 findings in two languages). What a reader
gets must not change: each finding is the HTML the template wrote, escaped the same way, its
links the same, also for names that hold markup and for findings whose plan, county or
activities are missing. The reference below is the template's loop as it was, over the values
it was given."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from planegraf.analysis import gaps
from planegraf.analysis.network import NetworkData, load_network_data
from planegraf.pipeline import open_store
from planegraf.publish import site

# The findings' loop of templates/gaps.html before the findings were written in Python.
REFERENCE = (
    '{% for gap in findings %}\n'
    '<li class="finding">\n'
    '<p class="subject"><strong>{% if gap.subject.href %}<a href="{{ gap.subject.href }}">'
    '{{ gap.subject.label }}</a>{% else %}{{ gap.subject.label }}{% endif %}</strong></p>\n'
    '<p class="where"><span class="label">{{ t.plan }}:</span> {% if gap.plan.href %}'
    '<a href="{{ gap.plan.href }}">{{ gap.plan.label }}</a>{% else %}{{ gap.plan.label }}'
    '{% endif %}{% if gap.county %} · <span class="label">{{ t.county }}:</span> '
    '{{ gap.county }}{% endif %}</p>\n'
    '<p class="detail">{{ gap.detail }}</p>\n'
    '{% if gap.activities %}<details><summary>'
    '{{ gap.activities|length|counted("activities_count", lang) }}</summary>\n'
    '<ul>{% for a in gap.activities %}<li>{% if a.href %}<a href="{{ a.href }}">{{ a.label }}'
    '</a>{% else %}{{ a.label }}{% endif %}</li>{% endfor %}</ul></details>{% endif %}\n'
    '</li>\n'
    '{% endfor %}\n')

HOSTILE = '<script>alert("x")</script> & \'Tom\' <b>'


def _reference(pages: Any, page: str, listed: list[gaps.Gap]) -> str:
    """The findings as the template wrote them, from the values it was given."""
    data, lang, writer = pages.data, pages.lang, pages.writer

    def linked(iri: str, label: str | None = None) -> dict[str, Any]:
        href = (writer.href(page, iri, lang)
                if iri.startswith("http") and " " not in iri else None)
        return {"href": href, "label": label or (writer.index.label(iri, lang) if href
                                                 else iri)}

    findings = [{
        "subject": linked(g.subject, gaps.subject_label(g, data, lang)),
        "plan": linked(g.plan or "", data.plans[g.plan].title(lang)
                       if g.plan in data.plans else None),
        "county": pages.county_names.get(g.county, "") if g.county else "",
        "detail": gaps.detail(g, data, lang),
        "activities": [linked(a, site._activity_label(data, a)) for a in g.activities],
    } for g in listed]
    return writer.env.from_string(REFERENCE).render(findings=findings, t=pages.t, lang=lang)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, NetworkData,
                                                               list[gaps.Gap]]:
    store = open_store()
    data = copy.deepcopy(load_network_data(store))
    found = gaps.coordination_gaps(data, gaps.load_objectives(store))
    # Names holding markup: an activity, an organisation and a plan title.
    activity = next(g.activities[0] for g in found if g.activities)
    data.activities[activity].label = HOSTILE
    agent = next(g.organisations[0] for g in found if g.rule == "activity-single-organisation")
    data.agents[agent] = replace(data.agents[agent], label_sv=HOSTILE, label_en=HOSTILE)
    plan = next(g.plan for g in found if g.plan)
    assert plan is not None
    data.plans[plan] = replace(data.plans[plan], title_sv=HOSTILE, title_en=HOSTILE)
    # Findings without a plan, county or activities, of an IRI outside the site, with an
    # IRI holding a space (the subject of a sole link between two areas).
    odd = [replace(found[0], plan=None, county=None, activities=()),
           replace(found[0], subject="http://example.org/<x>", activities=(
               "http://example.org/a&b", activity)),
           *[g for g in found if g.rule == "sole-link-between-areas"][:2]]
    writer = site.SiteWriter(store, tmp_path_factory.mktemp("site"), "sv",
                             resource_pages=False)
    return writer, data, found + odd


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("page", ["gaps.html", "gaps/jonkopings-lan.html"])
def test_the_findings_read_as_the_template_wrote_them(
        report: tuple[Any, NetworkData, list[gaps.Gap]], lang: str, page: str) -> None:
    writer, data, found = report
    page = page if lang == "sv" else page.replace(".html", ".en.html")
    pages = site._GapPages(writer, gaps, data, found, lang)
    written = pages.findings_html(page, found)
    assert written == _reference(pages, page, found)
    # The markup in the names is text on the page, never markup.
    assert "<script>" not in written and "&lt;script&gt;alert(&#34;x&#34;)" in written
    assert 'href="' in written  # the bundled activities and plans are linked


def test_an_activity_is_written_once_per_folder(
        report: tuple[Any, NetworkData, list[gaps.Gap]]) -> None:
    writer, data, found = report
    pages = site._GapPages(writer, gaps, data, found, "sv")
    pages.findings_html("gaps.html", found)
    pages.findings_html("gaps/a.html", found)
    pages.findings_html("gaps/b.html", found)
    activities = {a for g in found for a in g.activities}
    # One item per activity in the root and one in gaps/, however many findings name it.
    assert len(pages.items) == 2 * len(activities)
    assert sum(len(g.activities) for g in found) > len(activities)


def test_the_site_writes_the_findings_into_the_report(tmp_path: Path) -> None:
    out = tmp_path / "site"
    site.write_site(open_store(), out, pages="reports")
    html = (out / "gaps.en.html").read_text(encoding="utf-8")
    assert '<ul class="findings">\n<li class="finding">\n<p class="subject">' in html
    assert html.count('<li class="finding">') > 50
    assert "</li>\n</ul>\n<p><a href=\"#gap-contents\">" in html


def test_where_an_activity_page_is_is_looked_up_once_for_both_languages(
        report: tuple[Any, NetworkData, list[gaps.Gap]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A national report names 25 000 activities in each language: where each one's page is
    was looked up for each language, though only the page's suffix differs."""
    writer, data, found = report
    asked: list[tuple[str, str]] = []
    href = writer.href

    def counted(page: str, iri: str, lang: str) -> str | None:
        asked.append((iri, lang))
        return href(page, iri, lang)

    monkeypatch.setattr(writer, "href", counted)
    links = site._GapLinks(writer, data)
    pages = {lang: site._GapPages(writer, gaps, data, found, lang, links)
             for lang in ("sv", "en")}
    written = {lang: pages[lang].findings_html(f"gaps/a{'' if lang == 'sv' else '.en'}.html",
                                               found) for lang in pages}
    activities = {a for g in found for a in g.activities if a.startswith("https://")}
    # An activity of the network data has a page (its type is a statement): its link is
    # its path, never looked up, in either language. Anything else once, not per language.
    assert activities and activities <= set(data.activities)
    assert not any(iri in activities for iri, _ in asked)
    assert asked and all(lang == "sv" for _, lang in asked)
    assert len(asked) == len(set(asked))
    # Each language still links to its own pages.
    assert '.en.html"' in written["en"] and '.en.html"' not in written["sv"]


@pytest.mark.parametrize("page", ["gaps.html", "gaps/a.en.html", "gaps/deeper/b.html",
                                  "id/activity/c.html", "def/d.en.html"])
def test_an_activity_linked_without_asking_the_writer_is_linked_where_the_writer_would(
        report: tuple[Any, NetworkData, list[gaps.Gap]], page: str) -> None:
    """The gap report makes an activity's link from its path (a national report names
    25 000): from any folder, in both languages, it is the link SiteWriter.href makes."""
    writer, data, found = report
    links = site._GapLinks(writer, data)
    folder = page.rpartition("/")[0]
    activities = sorted({a for g in found for a in g.activities} & set(data.activities))
    assert activities
    for lang in ("sv", "en"):
        for iri in activities:
            assert links.href(page, folder, iri, lang) == writer.href(page, iri, lang), iri
    assert (folder in ("id/activity", "def")) == (links.up.get(folder, "") is None)
