"""Activities are listed in document order (natural IRI order) on every page; the national
network sorts 25 000 of them with a flat key (issue 15) that must give the order of
:func:`natural_key` exactly; neither stops at a digit int() cannot read ("²")."""

from __future__ import annotations

import random

from planegraf.analysis.network import Area, NetworkData, _flat_natural_key, natural_key
from planegraf.publish.question_pages import _natural
from planegraf.publish.site import _notation_key
from planegraf.render.viz import _area_order

TRICKY = ["", "1", "a", "a1", "1a", "a01", "a1b", "a1b2", "a10", "a9", "a/9-10", "a/9-2",
          "a/10-1", "a/9", "a/9-", "x-2018-2020/3-27", "x-2018-2020/3-3", "x-2018-2020/12-1",
          "x-2023-2024/1-1", "x-2023/1-1", "١٢٣", "a١٢", "007", "7", "b", "ab", "a-b", "a b"]


def test_activities_sorted_by_the_flat_key_keep_the_natural_document_order() -> None:
    iris = [f"https://w3id.org/planegraf/id/activity/{county}-hp-{year}-{year + 1}/{a}-{b}"
            for county in ("kalmar-lan", "norrbottens-lan", "lan-1")
            for year in (2016, 2018, 2023) for a in (1, 2, 9, 10) for b in (1, 2, 10, 27)]
    iris += TRICKY
    random.Random(1).shuffle(iris)
    assert sorted(iris, key=_flat_natural_key) == sorted(iris, key=natural_key)
    for text in TRICKY:
        assert _flat_natural_key(text) == tuple(x for pair in natural_key(text) for x in pair)


def test_an_iri_or_notation_with_a_superscript_digit_is_sorted_not_a_crash() -> None:
    # str.isdigit() accepts "²" but int() does not: a user's activity IRI or notation with
    # one ("a/1²", "6.²", valid in an IRI and a literal) stopped the network, the site's
    # trees and the question pages with a ValueError from int(). Only decimal digits (what
    # \d matches, what int() reads) are numbers; "²" is text.
    texts = ["a/1²", "a/1", "a/²", "a/10", "a/2²", "²"]
    assert sorted(texts, key=_flat_natural_key) == sorted(texts, key=natural_key) == [
        "a/1", "a/1²", "a/2²", "a/10", "a/²", "²"]
    assert sorted(["6.²", "6.10", "6.2", "²"], key=_notation_key) == [
        "6.2", "6.10", "6.²", "²"]
    assert sorted(["2²", "10", "²", "2"], key=_natural) == ["2", "2²", "10", "²"]
    data = NetworkData({}, {}, {"x": Area("x", notation="²"), "y": Area("y", notation="3")},
                       {}, {})
    assert sorted(["x", "y"], key=lambda iri: _area_order(data, iri)) == ["y", "x"]
