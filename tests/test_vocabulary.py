"""The ontology and the typed constants in ``planegraf.namespaces`` agree, term for term."""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef

from planegraf import __version__
from planegraf.namespaces import CV, PG
from planegraf.resources import ontology_dir

PG_NS = "https://w3id.org/planegraf/def#"


def _ontology() -> Graph:
    return Graph().parse(ontology_dir() / "planegraf.ttl", format="turtle")


def test_every_pg_term_in_the_ontology_is_a_constant_and_back() -> None:
    graph = _ontology()
    declared = {
        str(s).removeprefix(PG_NS) for s in graph.subjects()
        if isinstance(s, URIRef) and str(s).startswith(PG_NS)
    }
    constants = {name for name in PG.__annotations__}
    assert declared == constants


def test_vocabulary_contract_terms_are_declared() -> None:
    graph = _ontology()
    contract = [PG.Strategy, PG.ActionPlan, PG.OverarchingGoal, PG.StrategicGoal,
                PG.AreaObjective, PG.ActionArea, PG.Activity, PG.inPlan, PG.actionArea,
                PG.underGoal, PG.followUp, PG.coordinator, PG.partner, PG.participant,
                PG.AgentGroup]
    for term in contract:
        assert (term, RDF.type, None) in graph, term
    assert (PG.Strategy, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Plan")) in graph
    assert (PG.coordinator, RDFS.subPropertyOf, PG.participant) in graph
    assert str(CV.Participation) == "http://data.europa.eu/m8g/Participation"


def test_every_term_and_concept_has_swedish_and_english_label_and_definition() -> None:
    graph = _ontology()
    terms = [s for s in graph.subjects(RDF.type, None)
             if isinstance(s, URIRef) and str(s).startswith(PG_NS)]
    concepts = list(graph.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) >= 13  # four roles and nine sectors
    for term in terms + concepts:
        label_prop = SKOS.prefLabel if term in concepts else RDFS.label
        for prop in (label_prop, SKOS.definition):
            languages = {o.language for o in graph.objects(term, prop) if isinstance(o, Literal)}
            assert {"sv", "en"} <= languages, (term, prop)


def test_ontology_version_is_the_package_version() -> None:
    version = _ontology().value(URIRef("https://w3id.org/planegraf/def"), OWL.versionInfo)
    assert str(version) == __version__
