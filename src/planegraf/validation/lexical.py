"""Literals as the file wrote them, for a validator that runs on a store which rewrites them.

Oxigraph stores a typed literal by its value: ``"5"^^xsd:int`` comes back as
``"5"^^xsd:integer``, ``"4.0"^^xsd:decimal`` as ``"4"``, ``"1"^^xsd:boolean`` as ``"true"``,
``"300"^^xsd:byte`` as ``"300"^^xsd:integer``; an ill-typed ``"2002-13-01"^^xsd:date`` is
kept as if it were fine. SHACL judges the term as written (``sh:datatype xsd:int``,
``sh:hasValue 4.0``, the ``sh:value`` of a result), so the validator must see the file.

While it validates, each such literal is swapped in the store for a *stand-in* the store keeps
verbatim: the same lexical form, with a private datatype that carries the original datatype
(``urn:x-planegraf:as-written:`` + IRI for a valid literal, ``urn:x-planegraf:ill-typed:`` + IRI
for an ill-typed one). Distinct written terms stay distinct, sameTerm compares as written,
the compiled queries recover the value and the datatype with :data:`VALUE` and
:data:`DATATYPE`, and results are turned back with :func:`as_written`. The swap is undone
afterwards, so the rest of the build sees the store as it was.

Finding the literals takes one parse of the files in Python (about 5 µs a triple: 20 ms for
the bundled data, seconds at a million quads); only literals of an XSD datatype other than
xsd:string are examined. What one file holds of them is kept in the cache folder
(:func:`planegraf.resources.cache_dir`), named by a hash of the file's bytes, its syntax, its
base IRI and the versions of planegraf and pyoxigraph, so a file that did not change since it
was last validated is not parsed again: its entry is read instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef

AS_WRITTEN = "urn:x-planegraf:as-written:"
ILL_TYPED = "urn:x-planegraf:ill-typed:"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_PROBE_SUBJECT = ox.NamedNode("urn:x-planegraf:probe")


def _datatype_of(v: str) -> str:
    return f"(isLiteral({v}) && STRSTARTS(STR(DATATYPE({v})), \"{AS_WRITTEN}\"))"


def value_expression(v: str) -> str:
    """A SPARQL expression for the value of ``v``: a stand-in's value, else ``v`` itself."""
    return (f"IF({_datatype_of(v)}, STRDT(STR({v}), IRI(STRAFTER(STR(DATATYPE({v})), "
            f"\"{AS_WRITTEN}\"))), {v})")


def datatype_expression(v: str) -> str:
    """A SPARQL expression for the datatype ``v`` was written with (an ill-typed literal gets
    a private IRI, so it never has the datatype a shape asks for)."""
    return (f"IF({_datatype_of(v)}, IRI(STRAFTER(STR(DATATYPE({v})), \"{AS_WRITTEN}\")), "
            f"DATATYPE({v}))")


def written_with(v: str, datatype: str) -> str | None:
    """A SPARQL expression true when ``v`` is a literal written with ``datatype`` (an IRI):
    the same as ``sameTerm(datatype_expression(v), <datatype>)``, as two comparisons of
    terms instead of strings built for every value (a screen reads every value of a path).
    None for one of planegraf's private datatypes, which only the long form gets right."""
    if datatype.startswith((AS_WRITTEN, ILL_TYPED)):
        return None
    return (f"(isLiteral({v}) && (sameTerm(DATATYPE({v}), <{datatype}>) || "
            f"sameTerm(DATATYPE({v}), <{AS_WRITTEN}{datatype}>)))")


def _examined(term: object) -> bool:
    return (isinstance(term, ox.Literal) and term.datatype.value.startswith(_XSD)
            and term.datatype.value != _XSD_STRING)


@contextmanager
def _rdflib_quiet() -> Iterator[None]:
    # rdflib logs a traceback for each ill-typed literal it meets. Set once around a whole
    # batch: every setLevel empties the logging module's caches (a quarter of the scan's
    # time when it was done per literal).
    rdflib_logger = logging.getLogger("rdflib.term")
    level = rdflib_logger.level
    rdflib_logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        rdflib_logger.setLevel(level)


def ill_typed(literal: ox.Literal) -> bool:
    """Whether the lexical form is not one of the datatype's (rdflib knows the XSD types).

    >>> ill_typed(ox.Literal("tjugo", datatype=ox.NamedNode(_XSD + "integer")))
    True
    """
    with _rdflib_quiet():
        return _ill_typed(literal)


def _ill_typed(literal: ox.Literal) -> bool:
    return Literal(literal.value, datatype=URIRef(literal.datatype.value)).ill_typed is True


def stored_form(literals: Iterable[ox.Literal]) -> dict[ox.Literal, ox.Literal]:
    """What the store makes of each literal (one scratch store for all of them)."""
    unique = list(dict.fromkeys(literals))
    scratch = ox.Store()
    scratch.extend(ox.Quad(ox.NamedNode(f"urn:x-planegraf:probe:{i}"), _PROBE_SUBJECT, lit)
                   for i, lit in enumerate(unique))
    stored: dict[ox.Literal, ox.Literal] = {}
    for quad in scratch:
        index = int(quad.subject.value.rsplit(":", 1)[1])
        assert isinstance(quad.object, ox.Literal)
        stored[unique[index]] = quad.object
    return stored


def stand_in(literal: ox.Literal, stored: ox.Literal | None = None) -> ox.Literal | None:
    """The stand-in for a literal the store would not keep as written, or None."""
    with _rdflib_quiet():
        return _stand_in(literal, stored)


def _stand_in(literal: ox.Literal, stored: ox.Literal | None) -> ox.Literal | None:
    if not _examined(literal):
        return None
    if _ill_typed(literal):
        return ox.Literal(literal.value, datatype=ox.NamedNode(ILL_TYPED + literal.datatype.value))
    if stored is None:
        stored = stored_form([literal])[literal]
    if stored == literal:
        return None
    return ox.Literal(literal.value, datatype=ox.NamedNode(AS_WRITTEN + literal.datatype.value))


def as_written(term: object) -> object:
    """A stand-in turned back into the literal as written; any other term unchanged."""
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        for prefix in (AS_WRITTEN, ILL_TYPED):
            if datatype.startswith(prefix):
                return ox.Literal(term.value, datatype=ox.NamedNode(datatype[len(prefix):]))
    return term


@dataclass(frozen=True)
class Source:
    """A file as it was loaded into the store (the same arguments as ``load_file``)."""

    path: Path
    graph: ox.NamedNode | None = None
    replaces_graphs: bool = False
    base_iri: str | None = None


@dataclass
class Rewritten:
    """The quads of the sources whose literal the store holds otherwise than written.

    ``swaps`` maps each quad as stored to the quads as written that it stands for (several
    written terms can collapse into one stored term: ``"1"`` and ``"true"`` as xsd:boolean).
    """

    swaps: dict[ox.Quad, list[ox.Quad]]

    def __bool__(self) -> bool:
        return bool(self.swaps)


def scan(sources: Sequence[Source]) -> Rewritten:
    """Parse the sources again, keeping the lexical forms, and find what the store rewrote.

    A later source that replaces a named graph drops what earlier ones wrote to it, as the
    store did. A file unchanged since an earlier scan is read from the cache instead, and
    when every file holds its literals as the store keeps them (the usual case: nothing to
    swap) no quad is read at all.
    """
    scans = [_FileScan.of(source) for source in sources]
    if all(file.as_stored for file in scans):
        return Rewritten({})
    written: dict[ox.Quad, None] = {}
    for file in scans:
        found = file.quads()
        target = file.source.graph or ox.DefaultGraph()
        if not file.fmt.supports_datasets:
            found = [ox.Quad(q.subject, q.predicate, q.object, target) for q in found]
        elif file.source.replaces_graphs:
            replaced = {q.graph_name for q in found} - {ox.DefaultGraph()}
            written = {q: None for q in written if q.graph_name not in replaced}
        written.update(dict.fromkeys(found))
    literals = [q.object for q in written if isinstance(q.object, ox.Literal)]
    stored = stored_form(literals)
    with _rdflib_quiet():
        substitutes = {lit: _stand_in(lit, canonical) for lit, canonical in stored.items()}
    # Only a quad whose stored literal is also the stored form of a rewritten one can take
    # part in a swap (as the rewritten one, or as another spelling of the same value).
    touched = {stored[lit] for lit, substitute in substitutes.items() if substitute is not None}
    by_stored: dict[ox.Quad, list[ox.Quad]] = {}
    for quad in written:
        assert isinstance(quad.object, ox.Literal)
        value = stored[quad.object]
        if value in touched:
            key = ox.Quad(quad.subject, quad.predicate, value, quad.graph_name)
            by_stored.setdefault(key, []).append(quad)
    swaps: dict[ox.Quad, list[ox.Quad]] = {}
    for key, quads in by_stored.items():
        replacements = []
        changed = False
        for quad in quads:
            assert isinstance(quad.object, ox.Literal)
            substitute = substitutes[quad.object]
            changed |= substitute is not None
            replacements.append(quad if substitute is None else
                                ox.Quad(quad.subject, quad.predicate, substitute, quad.graph_name))
        if changed:
            swaps[key] = replacements
    return Rewritten(swaps)


_AS_STORED = b"# planegraf lexical scan: every literal as stored\n"
_REWRITTEN = b"# planegraf lexical scan: literals the store rewrites\n"


#: Sources smaller than this together are scanned where they are needed: a process of its
#: own costs more than the scan (the bundled data: 20 ms).
SCAN_AHEAD_BYTES = 4 * 1024 * 1024


class ScanAhead:
    """The cache being filled for ``sources`` by a child process, started by
    :func:`scan_ahead`; :meth:`join` waits for it. A scan then reads the child's entries
    instead of parsing; whatever the child did not finish, the scan parses itself."""

    def __init__(self, pid: int) -> None:
        self._pid: int | None = pid

    def join(self) -> None:
        """Wait for the child (at once if it is done)."""
        if self._pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
            self._pid = None

    def cancel(self) -> None:
        """Stop the child (its cache entries are written atomically: none is half done)."""
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGTERM)
            self.join()


def scan_ahead(sources: Sequence[Source]) -> ScanAhead | None:
    """Fill the cache for ``sources`` in a child process, beside the caller.

    A file new to the cache costs a parse in Python (seconds at a million quads, holding the
    GIL). Oxigraph's bulk load and the derivation that come first use one core, so the
    parse runs on the other, in a process of its own, while the store loads. Nothing is
    started (None) when the files are small, where there is no cache, where ``fork`` is
    missing, or when the process already runs other threads (a fork copies one thread and
    any lock another held)."""
    from planegraf.resources import cache_dir

    if (not hasattr(os, "fork") or cache_dir() is None or threading.active_count() > 1
            or sum(_size(source.path) for source in sources) < SCAN_AHEAD_BYTES):
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: fill the cache, then leave without running the parent's exits
        code = 0
        try:
            # Stopped by cancel(): a half-written entry's temporary file is removed on the
            # way out, as for any error (planegraf.rdf.atomic).
            signal.signal(signal.SIGTERM, _stop)
            for source in sources:
                _FileScan.of(source)
        except BaseException:  # an unreadable file: the parent reports it when it loads
            code = 1
        finally:
            os._exit(code)
    return ScanAhead(pid)


def _stop(_signal: int, _frame: object) -> None:
    raise SystemExit(1)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


@dataclass
class _FileScan:
    """One file's examined quads (literals of an XSD datatype other than xsd:string) as the
    file wrote them, and whether the store keeps every one of them as written
    (``as_stored``). Kept in the cache as a header line saying which, followed, for a file
    with rewritten literals, by those quads as N-Quads. A file whose literals are all as
    stored keeps the header alone (its quads would take more than half the file's size on
    disk, and are needed only when another file holds a different spelling of one of its
    values; then the file is parsed again)."""

    source: Source
    fmt: ox.RdfFormat
    as_stored: bool
    entry: Path | None
    found: list[ox.Quad] | None = None

    @classmethod
    def of(cls, source: Source) -> _FileScan:
        from planegraf.rdf.store import rdf_format_for, read_utf8

        fmt = rdf_format_for(source.path)
        data = read_utf8(source.path)
        base_iri = source.base_iri or source.path.resolve().as_uri()
        entry = _cache_entry(data, fmt, base_iri)
        if entry is not None:
            with contextlib.suppress(OSError), entry.open("rb") as cached:
                header = cached.readline()
                if header in (_AS_STORED, _REWRITTEN):
                    return cls(source, fmt, header == _AS_STORED, entry)
        # First only the distinct literals (a few thousand where the file has a million
        # quads): most files keep every one as written, and then no quad is kept at all.
        literals = dict.fromkeys(q.object for q in ox.parse(
            input=data, format=fmt, base_iri=base_iri) if _examined(q.object))
        with _rdflib_quiet():
            as_stored = all(_stand_in(lit, canonical) is None
                            for lit, canonical in stored_form(literals).items())
        found = None if as_stored else _parse_examined(data, fmt, base_iri)
        if entry is not None:
            from planegraf.rdf import atomic

            body = (b"" if found is None else
                    ox.serialize(found, format=ox.RdfFormat.N_QUADS) or b"")
            with contextlib.suppress(OSError):  # a read-only cache folder: scan every time
                atomic.write_bytes(entry, (_AS_STORED if as_stored else _REWRITTEN) + body)
        return cls(source, fmt, as_stored, entry, found)

    def quads(self) -> list[ox.Quad]:
        if self.found is None:
            assert self.entry is not None
            try:
                if self.as_stored:  # only the header is kept: parse the file
                    raise ValueError("no quads in the cache")
                self.found = list(ox.parse(input=self.entry.read_bytes(),
                                           format=ox.RdfFormat.N_QUADS))
            except (OSError, SyntaxError, ValueError):  # or removed or damaged meanwhile
                from planegraf.rdf.store import read_utf8

                self.found = _parse_examined(
                    read_utf8(self.source.path), self.fmt,
                    self.source.base_iri or self.source.path.resolve().as_uri())
        return self.found


def _parse_examined(data: bytes, fmt: ox.RdfFormat, base_iri: str) -> list[ox.Quad]:
    return [q for q in ox.parse(input=data, format=fmt, base_iri=base_iri)
            if _examined(q.object)]


def _cache_entry(data: bytes, fmt: ox.RdfFormat, base_iri: str) -> Path | None:
    from planegraf.resources import cache_dir

    folder = cache_dir()
    if folder is None:
        return None
    key = hashlib.sha256(_cache_key_prefix() + f"{fmt.name} {base_iri}\0".encode())
    key.update(data)
    return folder / f"lexical-{key.hexdigest()[:32]}.nq"


@cache
def _cache_key_prefix() -> bytes:
    # rdflib judges what is ill-typed, pyoxigraph what is stored, this module what is kept:
    # an entry is read only by the versions (and the code) that wrote it.
    import rdflib

    from planegraf import __version__

    return (f"{__version__} {ox.__version__} {rdflib.__version__}\0".encode()
            + Path(__file__).read_bytes() + b"\0")


@contextmanager
def swapped(store: ox.Store, rewritten: Rewritten) -> Iterator[None]:
    """The store with every rewritten literal replaced by its stand-in, restored on exit."""
    removed: list[ox.Quad] = []
    added: list[ox.Quad] = []
    for stored, replacements in rewritten.swaps.items():
        if stored not in store:  # replaced or deleted after loading: nothing to swap
            continue
        store.remove(stored)
        removed.append(stored)
        for quad in replacements:
            if quad not in store:
                store.add(quad)
                added.append(quad)
    try:
        yield
    finally:
        for quad in added:
            store.remove(quad)
        store.extend(removed)
