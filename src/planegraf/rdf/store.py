"""The embedded store: an in-memory Oxigraph dataset with planegraf's loading rules.

Loading checks the encoding and reports syntax errors with file, line and column; nothing is
ever fetched from the network (Oxigraph resolves no remote JSON-LD contexts and runs no
SERVICE calls from files).
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from planegraf.errors import InputError
from planegraf.i18n import Message, suffix_named
from planegraf.rdf.safe_input import (
    TripleTermScope,
    explain_syntax_error,
    screen,
    triple_term_refused,
    triple_term_scope,
)
from planegraf.sparql.queries import read_query

FORMATS_BY_SUFFIX: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}


def rdf_format_for(path: Path) -> ox.RdfFormat:
    """The RDF syntax of a file, from its extension.

    >>> rdf_format_for(Path("graph/organisations.trig")).name
    'TriG'
    """
    try:
        return FORMATS_BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS_BY_SUFFIX))
        raise InputError(
            path, Message("load_unknown_extension", suffix=suffix_named(path.suffix)),
            hint=Message("load_unknown_extension_hint", known=known),
        ) from None


def read_utf8(path: Path) -> bytes:
    """The file's bytes as UTF-8 without a byte-order mark, or an error naming the bad line.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     bad = Path(folder) / "bad.ttl"
    ...     _ = bad.write_bytes(b"# ok\\n# caf\\xe9\\n")
    ...     try:
    ...         read_utf8(bad)
    ...     except InputError as err:
    ...         print(err.line, err.column)
    2 6
    """
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(path, Message("load_unreadable", reason=err.strerror or err)) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    bad = _first_invalid_utf8(raw)
    if bad is not None:
        line = raw.count(b"\n", 0, bad) + 1
        column = bad - (raw.rfind(b"\n", 0, bad) + 1) + 1
        raise InputError(
            path, Message("load_not_utf8"), line=line, column=column,
            hint=Message("load_not_utf8_hint"),
        ) from None
    return raw


_UTF8_CHUNK = 1 << 16


def _first_invalid_utf8(raw: bytes) -> int | None:
    """The offset of the first byte that is not UTF-8, or None.

    Oxigraph checks the encoding too, but not inside comments. Decoding in small chunks
    keeps the check in the CPU cache (about 30 ms for 80 MB, a quarter of one whole
    ``decode``) and never holds a decoded copy of the file.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)
    try:
        for start in range(0, len(raw), _UTF8_CHUNK):
            decoder.decode(view[start:start + _UTF8_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        # Only on the error path: decode the whole file again to learn the offset.
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as err:
            return err.start
    return None


class EmbeddedStore:
    """An in-memory Oxigraph dataset.

    >>> store = EmbeddedStore()
    >>> store.load_data(b"<http://ex/a> <http://ex/b> <http://ex/c> .", ox.RdfFormat.TURTLE,
    ...                 graph=ox.NamedNode("http://ex/g"))
    >>> len(store)
    1
    """

    def __init__(self) -> None:
        self.oxigraph = ox.Store()

    def __len__(self) -> int:
        return len(self.oxigraph)

    def holds_more_than(self, quads: int) -> bool:
        """Whether the store holds more than ``quads`` quads: reads at most one more than
        that, where ``len`` is a pass over every quad (0.2 s at a million, holding Python's
        lock).

        >>> store = EmbeddedStore()
        >>> store.holds_more_than(0), store.holds_more_than(-1)
        (False, True)
        """
        if quads < 0:  # as len(self) > quads; islice refuses a negative start
            return True
        beyond = itertools.islice(self.oxigraph.quads_for_pattern(None, None, None, None),
                                  quads, quads + 1)
        return next(beyond, None) is not None

    def load_file(
        self, path: Path, graph: ox.NamedNode | None = None, replace_graphs: bool = False,
        base_iri: str | None = None, *, discarded_on_error: bool = False,
    ) -> list[ox.NamedNode]:
        """Load one RDF file; return the named graphs it wrote to.

        Triples of a triple-only format go to ``graph`` (the default graph if None). With
        ``replace_graphs`` a named graph in the file first empties the graph of that name,
        so a file can stand in for a bundled one. Relative IRIs resolve against ``base_iri``
        (default: the file's own ``file:`` URI). A file with a syntax error leaves this store
        as it was, unless the caller says the store is ``discarded_on_error`` (a store being
        filled from scratch): then the file is parsed straight into it.
        """
        fmt = rdf_format_for(path)
        data = screen(read_utf8(path), fmt.name, path)
        # Otherwise the file goes into a store of its own first: a syntax error then leaves
        # this store as it was, and the graphs the file writes are known before they
        # replace. The copy into this store costs more than the parse (the bundled build:
        # 35 ms of its 60 ms loading), hence the direct way for a store nobody keeps on error.
        direct = discarded_on_error and not replace_graphs
        loaded = self.oxigraph if direct else ox.Store()
        try:
            loaded.bulk_load(
                input=data, format=fmt, base_iri=base_iri or path.resolve().as_uri(),
                to_graph=None if fmt.supports_datasets else (graph or ox.DefaultGraph()),
            )
        except SyntaxError as err:
            message, hint = explain_syntax_error(_syntax_message(err), fmt.name)
            raise InputError(path, message, line=err.lineno, column=err.offset, hint=hint
                             ) from None
        # Oxigraph reads RDF 1.2 triple terms, which nothing after the load knows (the site,
        # JSON-LD, CSV). The bytes say where the parsed quads could hold one; in the direct
        # way the look covers the store's earlier files too, which held none.
        scope = triple_term_scope(data, fmt.name)
        if scope != "none" and _holds_triple_term(loaded, scope):
            raise triple_term_refused(data, fmt.name, path)
        if direct:
            return []
        written = sorted(loaded.named_graphs(), key=lambda g: g.value)
        if replace_graphs:
            for name in written:
                if self.oxigraph.contains_named_graph(name):
                    self.oxigraph.remove_graph(name)
        self._merge(loaded)
        return [g for g in written if isinstance(g, ox.NamedNode)]

    def _merge(self, other: ox.Store) -> None:
        # Copying goes quad by quad through Python (seconds per million), so the smaller
        # store is copied into the larger, which becomes this store.
        if len(other) > len(self.oxigraph):
            other.extend(self.oxigraph)
            self.oxigraph = other
        else:
            self.oxigraph.extend(other)

    def load_data(
        self, data: bytes, fmt: ox.RdfFormat, graph: ox.NamedNode | None = None
    ) -> None:
        """Load RDF from bytes, into ``graph`` for triple formats."""
        self.oxigraph.load(
            input=data, format=fmt,
            to_graph=None if fmt.supports_datasets else (graph or ox.DefaultGraph()),
        )

    def named_graphs(self) -> list[ox.NamedNode]:
        """The named graphs, sorted by IRI."""
        return sorted(
            (g for g in self.oxigraph.named_graphs() if isinstance(g, ox.NamedNode)),
            key=lambda g: g.value,
        )

    def construct_into(self, query: str, graph: ox.NamedNode) -> int:
        """Run a CONSTRUCT over one named graph and add its triples to that graph."""
        solutions = self.oxigraph.query(query, default_graph=graph)
        assert isinstance(solutions, ox.QueryTriples), "construct_into needs a CONSTRUCT query"
        triples = list(solutions)
        self.oxigraph.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
        return len(triples)

    def select(
        self, query: str, **bindings: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> Iterator[ox.QuerySolution]:
        """Run a SELECT over the union of all graphs, with engine-bound parameters."""
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]
        substitutions = {ox.Variable(k): v for k, v in bindings.items()}
        result = self.oxigraph.query(
            query, use_default_graph_as_union=True, substitutions=substitutions or None
        )
        assert isinstance(result, ox.QuerySolutions)
        return iter(result)

    def dump(self, fmt: ox.RdfFormat) -> bytes:
        """Serialise the whole dataset (or its union, for triple formats)."""
        if fmt.supports_datasets:
            return self.oxigraph.dump(format=fmt) or b""
        union = ox.Store()
        union.extend(
            ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in self.oxigraph
        )
        return union.dump(format=fmt, from_graph=ox.DefaultGraph()) or b""

    def to_rdflib_graph(self) -> Graph:
        """The union of all graphs as an rdflib Graph (for pyshacl)."""
        graph = Graph()
        graph.addN(
            (to_rdflib_term(q.subject), to_rdflib_term(q.predicate), to_rdflib_term(q.object),
             graph)
            for q in self.oxigraph
        )
        return graph

    def to_rdflib_dataset(self) -> Dataset:
        """The dataset as an rdflib Dataset, one context per named graph."""
        dataset = Dataset()
        dataset.parse(data=self.dump(ox.RdfFormat.N_QUADS), format="nquads")
        return dataset


def _holds_triple_term(store: ox.Store, scope: TripleTermScope) -> bool:
    query = "load/triple-terms.rq" if scope == "all" else "load/reified-triples.rq"
    answer = store.query(read_query(query).text)
    assert isinstance(answer, ox.QueryBoolean), f"{query} must be an ASK query"
    return bool(answer)


def _syntax_message(err: SyntaxError) -> str:
    message = str(err.msg)
    # Oxigraph prefixes its own location ("Parser error at line 3 column 11: …"); the
    # location is reported separately, so keep only what went wrong.
    head, sep, tail = message.partition(": ")
    return tail if sep and head.lower().startswith("parser error") else message


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib_term(term: object) -> Node:
    """An Oxigraph term as the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        # RDF 1.1 makes "x" and "x"^^xsd:string one term; rdflib keeps them apart, so a
        # simple literal must stay simple or pyshacl's sh:in and sh:hasValue miss it.
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unsupported term {term!r}")


def iter_rdf_files(folder: Path) -> Iterable[Path]:
    """The RDF files of a folder, in a stable order."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in FORMATS_BY_SUFFIX)
