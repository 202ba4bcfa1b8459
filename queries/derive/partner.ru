#+ title: Härled samverkansparter @sv
#+ title: Derive partners @en
#+ description: Genvägen pg:partner från varje deltagande i rollen samverkanspart, i samma graf som deltagandet: varje namngiven graf utom ontologins, och standardgrafen. @sv
#+ description: The pg:partner shortcut from every participation in the partner role, into the graph the participation is in: every named graph but the ontology's, and the default graph. @en
PREFIX pg: <https://w3id.org/planegraf/def#>
PREFIX cv: <http://data.europa.eu/m8g/>

INSERT { GRAPH ?graph { ?activity pg:partner ?agent } }
WHERE {
    GRAPH ?graph {
        ?activity cv:hasParticipation ?participation .
        ?participation cv:role <https://w3id.org/planegraf/id/role/partner> ;
            cv:hasParticipant ?agent .
    }
    FILTER (?graph != <https://w3id.org/planegraf/def>)
} ;

INSERT { ?activity pg:partner ?agent }
WHERE {
    ?activity cv:hasParticipation ?participation .
    ?participation cv:role <https://w3id.org/planegraf/id/role/partner> ;
        cv:hasParticipant ?agent .
}
