#+ title: Härled deltagare @sv
#+ title: Derive participants @en
#+ description: Genvägen pg:participant från varje deltagande, oavsett roll (överegenskap till pg:coordinator och pg:partner), i samma graf som deltagandet: varje namngiven graf utom ontologins, och standardgrafen. @sv
#+ description: The pg:participant shortcut from every participation in any role (the super-property of pg:coordinator and pg:partner), into the graph the participation is in: every named graph but the ontology's, and the default graph. @en
PREFIX pg: <https://w3id.org/planegraf/def#>
PREFIX cv: <http://data.europa.eu/m8g/>

INSERT { GRAPH ?graph { ?activity pg:participant ?agent } }
WHERE {
    GRAPH ?graph {
        ?activity cv:hasParticipation ?participation .
        ?participation cv:hasParticipant ?agent .
    }
    FILTER (?graph != <https://w3id.org/planegraf/def>)
} ;

INSERT { ?activity pg:participant ?agent }
WHERE {
    ?activity cv:hasParticipation ?participation .
    ?participation cv:hasParticipant ?agent .
}
