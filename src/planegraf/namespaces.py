"""Typed vocabulary constants: ``PG`` (planegraf's own terms) and ``CV`` (EU core vocabularies).

A test checks that every term here is declared in ``ontology/planegraf.ttl`` and the other
way round, so a typo fails loudly instead of minting a new IRI.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from planegraf.ids import DATA


class PG(DefinedNamespace):
    """The planegraf ontology, ``https://w3id.org/planegraf/def#``."""

    _NS = Namespace("https://w3id.org/planegraf/def#")
    _fail = True

    # classes
    Strategy: URIRef
    ActionPlan: URIRef
    Goal: URIRef
    OverarchingGoal: URIRef
    StrategicGoal: URIRef
    AreaObjective: URIRef
    ActionArea: URIRef
    Activity: URIRef
    FollowUpMeasure: URIRef
    AgentGroup: URIRef
    SourceExcerpt: URIRef
    # properties
    inPlan: URIRef
    actionArea: URIRef
    underGoal: URIRef
    followUp: URIRef
    participant: URIRef
    coordinator: URIRef
    partner: URIRef
    implements: URIRef
    purpose: URIRef
    startYear: URIRef
    endYear: URIRef
    mention: URIRef
    memberSector: URIRef
    drawnFrom: URIRef
    fileName: URIRef
    page: URIRef
    endPage: URIRef
    paragraph: URIRef
    table: URIRef
    row: URIRef
    line: URIRef
    endLine: URIRef
    stated: URIRef
    coversArea: URIRef
    deadline: URIRef


class CV(DefinedNamespace):
    """The terms planegraf uses from the EU core vocabularies, ``http://data.europa.eu/m8g/``."""

    _NS = Namespace("http://data.europa.eu/m8g/")
    _fail = True

    Participation: URIRef
    PublicOrganisation: URIRef
    hasParticipation: URIRef
    hasParticipant: URIRef
    role: URIRef


ROLE = Namespace(DATA + "role/")
SECTOR = Namespace(DATA + "sector/")

PREFIXES: dict[str, str] = {
    "pg": str(PG._NS),
    "cv": str(CV._NS),
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
}
