"""RDF in and out: the embedded Oxigraph store, loading and deriving, bounded input and
atomic writes."""
