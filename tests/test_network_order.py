"""Activities are listed in document order (natural IRI order) on every page; the national
network sorts 25 000 of them with a flat key (issue 15) that must give the order of
:func:`natural_key` exactly, and the same refusal where that key refuses."""

from __future__ import annotations

import random

import pytest

from planegraf.analysis.network import _flat_natural_key, natural_key

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


def test_a_superscript_digit_fails_both_keys_alike() -> None:
    # str.isdigit() accepts "²" but int() does not: the natural key has always refused it.
    for key in (natural_key, _flat_natural_key):
        with pytest.raises(ValueError):
            key("a/1²")
