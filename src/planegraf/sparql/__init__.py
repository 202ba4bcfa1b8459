"""Asking the graph: the catalogue of named questions, parameters by name, limits, and the engines
(embedded Oxigraph or any SPARQL 1.1 endpoint) a query runs on."""
