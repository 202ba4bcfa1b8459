"""What a strategist reads on the site's pages (issue 14, item 1), checked in the HTML the
site writes for the bundled data: each case the issue lists, by what the reader suffered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import html

from planegraf.pipeline import open_store
from planegraf.publish.site import write_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pages") / "site"
    write_site(open_store(), out)
    return out


def _page(site: Path, file: str) -> html.HtmlElement:
    return html.fromstring((site / file).read_bytes())


def _text(element: html.HtmlElement) -> str:
    return re.sub(r"\s+", " ", " ".join(element.itertext())).strip()


def _outside_data(page: html.HtmlElement) -> str:
    """The page as read before its folded-away "Data" section."""
    main = page.find(".//main")
    return " ".join(_text(child) for child in main if child.get("id") != "data")


def test_an_organisation_page_lists_each_activity_once_not_nine_participation_records(
        site: Path) -> None:
    page = _page(site, "id/org/qulturum.html")
    outside = _outside_data(page)
    assert outside.count("qulturum") == 0  # the records' last segment, nine times before
    activities = [_text(li) for li in page.xpath('//section[@id="activities"]//li')]
    assert len(activities) == 9 == len(set(activities))
    coordinated = [a for a in activities if "samordningsansvarig" in a]
    assert len(coordinated) == 5 and all("enligt källan" in a for a in activities)


def test_an_organisation_page_opens_with_its_summary_card_and_ego_network(site: Path) -> None:
    page = _page(site, "id/org/qulturum.html")
    card = _text(page.xpath('//section[@id="summary"]')[0])
    assert "Samordnar 5 aktiviteter" in card and "Partner i 4 aktiviteter" in card
    assert "Handlingsplan 2018–2020 (Jönköpings län)" in card
    assert "Sektion Folkhälsa (6 gemensamma aktiviteter)" in card
    svg = page.xpath('//section[@id="ego-network"]//*[local-name()="svg"]')[0]
    labels = [_text(t) for t in svg.xpath('.//*[local-name()="text"]')]
    assert "Qulturum" in labels and "Sektion Folkhälsa" in labels
    assert svg.get("role") == "img"


def test_codes_and_iris_stay_in_the_data_section_and_no_heading_is_shown_twice(
        site: Path) -> None:
    for file in ("id/org/qulturum.html", "id/activity/rjl-hp-2018-2020/6-3.html"):
        page = _page(site, file)
        outside = _outside_data(page)
        assert "regional-unit" not in outside and "https://w3id.org" not in outside
        data = page.xpath('//details[@id="data"]')[0]
        assert data.get("open") is None  # folded away
        rows = [_text(th) for th in data.xpath(".//th[@scope='row']")]
        assert len(rows) == len(set(rows)), rows  # "deltagare" twice before


def test_an_activity_page_names_each_organisation_once_with_its_role_and_source(
        site: Path) -> None:
    page = _page(site, "id/activity/rjl-hp-2018-2020/6-3.html")
    organisations = [_text(li) for li in page.xpath('//section[@id="organisations"]//li')]
    assert organisations == [
        "Länsstyrelsen i Jönköpings län — samordningsansvarig (enligt källan)",
        "Barnhälsovården — samverkanspart (enligt källan)",
        "Länets kommuner (Jönköpings län) — samverkanspart (enligt källan)",
        "Sektion Folkhälsa — samverkanspart (enligt källan)",
    ]
    summary = _text(page.xpath('//section[@id="summary"]')[0])
    assert "Uppföljning av genomförda föräldrastödsprogram." in summary
    assert "tabell 6, rad 3, textrad 205–207" in summary
    context = _text(page.xpath('//nav[contains(@class, "context")]')[0])
    assert "Plan Handlingsplan 2018–2020 (Jönköpings län)" in context
    assert "Län Jönköpings län" in context


def test_an_inferred_coordinator_is_said_to_be_inferred(site: Path) -> None:
    page = _page(site, "id/plan/kalmar-pa-2023.html")
    assert page is not None
    found = []
    for file in sorted((site / "id/activity/kalmar-pa-2023").glob("*.html")):
        if file.name.endswith(".en.html"):
            continue
        items = [_text(li) for li in _page(site, str(file.relative_to(site))).xpath(
            '//section[@id="organisations"]//li')]
        found += [i for i in items if "härledd av planegraf" in i]
    assert found and all("samordningsansvarig" in i for i in found)


def test_kalmars_regionplan_never_appears_without_saying_it_is_kalmars(site: Path) -> None:
    # A question's answer (queries/NAME.html) names the county in a column of its own row.
    pages = [p for p in site.rglob("*.html") if not p.name.endswith(".en.html")
             and not p.name.startswith(("network", "queries", "query", "compare"))
             and p.relative_to(site).parts[0] != "queries"]
    assert len(pages) > 500
    for path in pages:
        # The folded-away Data section quotes the statements as they are (a title literal);
        # everything a reader sees above it says whose the plan is.
        text = _outside_data(html.fromstring(path.read_bytes()))
        for found in re.finditer(r"Regionplan 2023[–-]2025", text):
            after = text[found.end():found.end() + 14]
            assert after.startswith(" (Kalmar län)"), (path, text[found.start() - 40:
                                                              found.end() + 20])


def test_the_start_page_says_whose_plans_with_a_card_and_key_figures_per_plan(
        site: Path) -> None:
    page = _page(site, "index.html")
    assert "Region Jönköpings län, Region Kalmar län" in _text(page.xpath('//p[@id="whose"]')[0])
    cards = {_text(c.find(".//h3")): c for c in page.xpath('//article[contains(@class, '
                                                           '"plan-card")]')}
    assert set(cards) == {"Handlingsplan 2016–2017 (Jönköpings län)",
                          "Handlingsplan 2018–2020 (Jönköpings län)",
                          "Tidsatta, prioriterade aktiviteter för länets folkhälsoarbete 2023 "
                          "(Kalmar län)"}
    figures = {li.get("data-figure"): int(_text(li.find("span")))
               for li in cards["Handlingsplan 2018–2020 (Jönköpings län)"].xpath(".//li")}
    assert figures["fig_activities"] == 55  # the 55 activities of the plan (its doctest)
    assert set(figures) == {"fig_activities", "fig_organisations", "fig_coordinators_stated",
                            "fig_coordinators_inferred", "fig_areas", "fig_gaps"}
    for county in ("counties/jonkopings-lan.html", "counties/kalmar-lan.html"):
        assert (site / county).is_file()
    plan = _page(site, "plans/rjl-hp-2018-2020.html")
    tree = _text(plan.xpath('//section[@id="strategy-tree"]')[0])
    assert "i Handlingsplan 2018–2020 (Jönköpings län)" in tree
    assert "Handlingsplan 2016–2017" not in tree  # only this plan's activities


def test_the_gap_report_opens_with_a_summary_by_rule_and_plan_and_names_plan_and_county(
        site: Path) -> None:
    page = _page(site, "gaps.html")
    main = page.find(".//main")
    sections = [el.get("id") for el in main if el.get("id")]
    assert sections[:2] == ["gap-summary", "gap-contents"]
    headings = [_text(th) for th in page.xpath('//section[@id="gap-summary"]//thead//th')]
    assert headings[0] == "Regel" and headings[-1] == "Totalt"
    assert "Tidsatta, prioriterade aktiviteter för länets folkhälsoarbete 2023 Kalmar län" \
        in headings  # each plan's column names its county
    findings = page.xpath('//li[contains(@class, "finding")]')
    assert len(findings) > 50
    for finding in findings:
        where = _text(finding.xpath('.//p[@class="where"]')[0])
        assert re.fullmatch(r"Plan: .+ · Län: (Jönköpings|Kalmar) län", where), where
    total = sum(int(_text(td)) for td in page.xpath(
        '//section[@id="gap-summary"]//tbody//td[last()]'))
    assert total == len(findings)
