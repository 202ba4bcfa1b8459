"""Deterministic IRIs: slugs from stable keys, the data namespace and named-graph names."""

from __future__ import annotations

import re
import unicodedata

from rdflib import URIRef

DATA = "https://w3id.org/planegraf/id/"

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "æ": "ae", "ø": "o"})


def slugify(text: str) -> str:
    """A stable, readable IRI segment: lower case, å ä ö folded, other characters as ``-``.

    >>> slugify("Sektion Folkhälsa, Region Jönköpings län")
    'sektion-folkhalsa-region-jonkopings-lan'
    >>> slugify("CHAP – Barnhälsa och föräldraskap")
    'chap-barnhalsa-och-foraldraskap'
    """
    composed = unicodedata.normalize("NFC", text).lower().translate(_FOLD)
    ascii_only = unicodedata.normalize("NFKD", composed).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")


def data_iri(*segments: str) -> URIRef:
    """An IRI in the data namespace.

    >>> str(data_iri("activity", "rjl-hp-2018-2020", "6-3"))
    'https://w3id.org/planegraf/id/activity/rjl-hp-2018-2020/6-3'
    """
    return URIRef(DATA + "/".join(segments))


def graph_iri(key: str) -> URIRef:
    """The named graph of one source.

    >>> str(graph_iri("organisations"))
    'https://w3id.org/planegraf/id/graph/organisations'
    """
    return data_iri("graph", key)


ONTOLOGY_GRAPH = URIRef("https://w3id.org/planegraf/def")
