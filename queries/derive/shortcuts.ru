#+ title: Härled genvägarna pg:participant, pg:coordinator och pg:partner @sv
#+ title: Derive the shortcuts pg:participant, pg:coordinator and pg:partner @en
#+ description: Från varje deltagande: pg:participant till deltagaren, och i rollen samordnare eller samverkanspart även pg:coordinator respektive pg:partner, i samma graf som deltagandet: varje namngiven graf utom ontologins, och standardgrafen. En genomgång av deltagandena i stället för en per genväg. @sv
#+ description: From every participation: pg:participant to the participant and, in the coordinator or partner role, pg:coordinator or pg:partner too, into the graph the participation is in: every named graph but the ontology's, and the default graph. One pass over the participations instead of one per shortcut. @en
PREFIX pg: <https://w3id.org/planegraf/def#>
PREFIX cv: <http://data.europa.eu/m8g/>

INSERT { GRAPH ?graph { ?activity pg:participant ?agent . ?activity ?shortcut ?agent } }
WHERE {
    GRAPH ?graph {
        ?activity cv:hasParticipation ?participation .
        ?participation cv:hasParticipant ?agent .
        OPTIONAL {
            ?participation cv:role ?role .
            VALUES (?role ?shortcut) {
                (<https://w3id.org/planegraf/id/role/coordinator> pg:coordinator)
                (<https://w3id.org/planegraf/id/role/partner> pg:partner)
            }
        }
    }
    FILTER (?graph != <https://w3id.org/planegraf/def>)
} ;

INSERT { ?activity pg:participant ?agent . ?activity ?shortcut ?agent }
WHERE {
    ?activity cv:hasParticipation ?participation .
    ?participation cv:hasParticipant ?agent .
    OPTIONAL {
        ?participation cv:role ?role .
        VALUES (?role ?shortcut) {
            (<https://w3id.org/planegraf/id/role/coordinator> pg:coordinator)
            (<https://w3id.org/planegraf/id/role/partner> pg:partner)
        }
    }
}
