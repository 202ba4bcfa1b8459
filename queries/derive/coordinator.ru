#+ title: Härled samordningsansvariga @sv
#+ title: Derive coordinators @en
#+ description: Genvägen pg:coordinator från varje deltagande i rollen samordningsansvarig, i samma graf som deltagandet: varje namngiven graf utom ontologins, och standardgrafen. @sv
#+ description: The pg:coordinator shortcut from every participation in the coordinator role, into the graph the participation is in: every named graph but the ontology's, and the default graph. @en
PREFIX pg: <https://w3id.org/planegraf/def#>
PREFIX cv: <http://data.europa.eu/m8g/>

INSERT { GRAPH ?graph { ?activity pg:coordinator ?agent } }
WHERE {
    GRAPH ?graph {
        ?activity cv:hasParticipation ?participation .
        ?participation cv:role <https://w3id.org/planegraf/id/role/coordinator> ;
            cv:hasParticipant ?agent .
    }
    FILTER (?graph != <https://w3id.org/planegraf/def>)
} ;

INSERT { ?activity pg:coordinator ?agent }
WHERE {
    ?activity cv:hasParticipation ?participation .
    ?participation cv:role <https://w3id.org/planegraf/id/role/coordinator> ;
        cv:hasParticipant ?agent .
}
