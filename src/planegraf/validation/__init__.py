"""SHACL validation: core shapes compiled to SPARQL, SHACL-SPARQL constraints, and the report."""
