"""The strategy tree's activities are written as list items in Python (site.py
``_activity_item``), not by macros.html's ``link()`` per page (issue 15: a national county
page lists thousands). A reader must get what the macro wrote, escaped as Jinja escapes it,
also for names and links that hold markup, quotes, ampersands or template syntax."""

from __future__ import annotations

import pytest

from planegraf.publish import site
from planegraf.render import templates

# What the tree's template wrote for each activity before the items were made in Python.
REFERENCE = ('{% from "macros.html" import link %}'
             '<li>{{ link(activity, "activity") }}</li>')

HOSTILE = '<script>alert("x")</script> & \'Tom\' {{ 7*7 }} <b>'


@pytest.mark.parametrize("href", ["../id/activity/p/1.html", None, "",
                                  '../id/activity/p/1.html?a=1&b="2"\'<x>'],
                         ids=["linked", "no page", "empty link", "hostile link"])
@pytest.mark.parametrize("label", ["1.1 Hälsa för alla", HOSTILE, ""],
                         ids=["plain", "hostile", "empty"])
def test_a_tree_activity_reads_as_the_template_wrote_it(href: str | None, label: str) -> None:
    node = {"iri": "https://w3id.org/planegraf/id/activity/p/1", "href": href,
            "label": label}
    expected = templates.environment().from_string(REFERENCE).render(activity=node)
    assert str(site._activity_item(node)) == expected
    assert "<script>" not in expected and "<b>" not in expected
