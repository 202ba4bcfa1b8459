"""Loading a dataset into the embedded store and deriving its shortcuts: the step every
command shares, below build, import and the analyses (none of them imports another for it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pyoxigraph as ox

from planegraf.i18n import Message
from planegraf.ids import ONTOLOGY_GRAPH
from planegraf.rdf.store import EmbeddedStore, iter_rdf_files
from planegraf.resources import graph_dir, ontology_dir, registry_files
from planegraf.sparql.queries import derivation_rules

Progress = Callable[[str], None]


def quiet(_: str) -> None:
    """A progress callback that shows nothing."""


def load_ontology(store: EmbeddedStore, *, discarded_on_error: bool = False) -> None:
    """The ontology, concept schemes and shapes files, into the ontology's named graph."""
    ontology = ox.NamedNode(str(ONTOLOGY_GRAPH))
    for path in iter_rdf_files(ontology_dir()):
        store.load_file(path, graph=ontology, discarded_on_error=discarded_on_error)


def load_files(
    sources: Sequence[Path], extra: Sequence[Path] = (), *, progress: Progress = quiet,
    store: EmbeddedStore | None = None,
) -> EmbeddedStore:
    """The ontology, then ``sources`` (a dataset's own files), then ``extra`` (files added for
    one run, each named graph replacing the graph of that name)."""
    # A store made here is never returned when a file fails to load, so files may be parsed
    # straight into it (see EmbeddedStore.load_file); a caller's store stays as it was.
    fresh = store is None
    store = store if store is not None else EmbeddedStore()
    if fresh or not len(store):
        progress(Message("cli_step_ontology"))
        load_ontology(store, discarded_on_error=fresh)
    for path in sources:
        progress(_shown(path))
        store.load_file(path, discarded_on_error=fresh)
    for path in extra:
        progress(str(path))
        store.load_file(path, replace_graphs=True)
    return store


def _shown(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def load_dataset(
    files: Sequence[Path] = (), *, bundled: bool = True, progress: Progress = quiet
) -> EmbeddedStore:
    """The ontology, the national registry and the bundled graph files (unless
    ``bundled=False``) and ``files``.

    A named graph in ``files`` replaces the bundled graph of the same name, so an edited
    copy of a bundled file can be validated in place of the original.
    """
    sources = [*registry_files(), *iter_rdf_files(graph_dir())] if bundled else []
    return load_files(sources, files, progress=progress)


def open_store(files: Sequence[Path] = (), *, bundled: bool = True,
               progress: Progress = quiet) -> EmbeddedStore:
    """The bundled dataset ready to query: loaded and derived, not validated.

    >>> store = open_store()
    >>> len(store) > 1000
    True
    """
    store = load_dataset(files, bundled=bundled, progress=progress)
    derive(store)
    return store


def derive(store: EmbeddedStore) -> None:
    """Add the shortcut triples (``pg:coordinator`` …) to the graph their participations are in.

    Each rule in ``queries/derive/`` is one SPARQL update over every graph at once, run
    inside Oxigraph: no triple passes through Python, where a CONSTRUCT per rule and graph
    (381 queries on the national benchmark data) brought each one back to be re-inserted.
    It does not count what it added: counting a store is a pass over every quad (0.1 s at a
    million, twice).
    """
    for rule in derivation_rules():
        store.oxigraph.update(rule.text)
