"""Loading files into the embedded store and deriving the shortcuts: which graphs a file
writes and replaces, what a bad file leaves behind, and where the derived triples go."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from planegraf.errors import InputError
from planegraf.ids import ONTOLOGY_GRAPH
from planegraf.pipeline import derive, load_dataset
from planegraf.rdf.store import EmbeddedStore

PG = "https://w3id.org/planegraf/def#"
ID = "https://w3id.org/planegraf/id/"
PLAN_GRAPH = ox.NamedNode(ID + "graph/t-plan")
PREFIX = "@prefix cv: <http://data.europa.eu/m8g/> .\n"
ACTIVITY = """
<{id}activity/t/1> cv:hasParticipation <{id}participation/t/1/a>, <{id}participation/t/1/b> .
<{id}participation/t/1/a> cv:role <{id}role/coordinator> ; cv:hasParticipant <{id}org/a> .
<{id}participation/t/1/b> cv:role <{id}role/partner> ; cv:hasParticipant <{id}org/b> .
""".replace("{id}", ID)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _shortcuts(store: EmbeddedStore, graph: ox.NamedNode | ox.DefaultGraph) -> set[tuple[str, str]]:
    return {(q.predicate.value.removeprefix(PG), q.object.value.removeprefix(ID))
            for q in store.oxigraph.quads_for_pattern(None, None, None, graph)
            if q.predicate.value.startswith(PG)}


def test_shortcuts_go_into_the_graph_of_their_participations(tmp_path: Path) -> None:
    trig = _write(tmp_path / "plan.trig", f"{PREFIX}<{PLAN_GRAPH.value}> {{ {ACTIVITY} }}")
    loose = _write(tmp_path / "loose.ttl", PREFIX + ACTIVITY.replace("/t/1", "/u/1"))
    store = load_dataset([trig, loose], bundled=False)
    before = len(store)
    derive(store)
    added = len(store) - before
    expected = {("coordinator", "org/a"), ("partner", "org/b"), ("participant", "org/a"),
                ("participant", "org/b")}
    assert _shortcuts(store, PLAN_GRAPH) == expected
    assert _shortcuts(store, ox.DefaultGraph()) == expected
    assert added == 2 * len(expected)
    derive(store)
    assert len(store) == before + added  # deriving twice adds nothing


def test_ontology_graph_gets_no_shortcuts(tmp_path: Path) -> None:
    store = load_dataset([], bundled=False)
    ontology = ox.NamedNode(str(ONTOLOGY_GRAPH))
    store.load_data((PREFIX + ACTIVITY).encode(), ox.RdfFormat.TURTLE, graph=ontology)
    derive(store)
    assert _shortcuts(store, ontology) == set()


def test_a_file_larger_than_the_store_keeps_what_was_loaded_before(tmp_path: Path) -> None:
    store = EmbeddedStore()
    store.load_data(f"<{ID}x> <{ID}y> <{ID}z> .".encode(), ox.RdfFormat.TURTLE,
                    graph=ox.NamedNode(ID + "graph/small"))
    big = "\n".join(f"<{ID}s{i}> <{ID}p> <{ID}o{i}> ." for i in range(50))
    written = store.load_file(_write(tmp_path / "big.trig", f"<{ID}graph/big> {{ {big} }}"))
    assert [g.value for g in written] == [ID + "graph/big"]
    assert len(store) == 51
    assert [g.value for g in store.named_graphs()] == [ID + "graph/big", ID + "graph/small"]


def test_replace_graphs_empties_only_the_graphs_the_file_writes(tmp_path: Path) -> None:
    store = EmbeddedStore()
    first = "\n".join(f"<{ID}g{g}> {{ <{ID}old{g}> <{ID}p> <{ID}o> }}" for g in range(3))
    store.load_file(_write(tmp_path / "first.trig", first))
    store.load_file(_write(tmp_path / "second.trig", f"<{ID}g1> {{ <{ID}new> <{ID}p> <{ID}o> }}"),
                    replace_graphs=True)
    subjects = {(q.graph_name.value, q.subject.value) for q in store.oxigraph}
    assert subjects == {(ID + "g0", ID + "old0"), (ID + "g1", ID + "new"),
                        (ID + "g2", ID + "old2")}


def test_a_syntax_error_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    store = EmbeddedStore()
    store.load_file(_write(tmp_path / "good.trig", f"<{ID}g> {{ <{ID}a> <{ID}p> <{ID}o> }}"))
    bad = _write(tmp_path / "bad.trig", f"<{ID}g> {{ <{ID}b> <{ID}p> <{ID}o> .\n<{ID}c> <{ID}p> }}")
    with pytest.raises(InputError) as raised:
        store.load_file(bad, replace_graphs=True)
    assert raised.value.line == 2
    assert [q.subject.value for q in store.oxigraph] == [ID + "a"]


@pytest.mark.parametrize("prefix,line,column", [
    (b"", 3, 5),
    # Oxigraph itself accepts any bytes inside a comment; planegraf does not.
    (b"# caf\xc3\xa9\n", 4, 5),
])
def test_bad_utf8_is_reported_at_its_line_and_column(tmp_path: Path, prefix: bytes, line: int,
                                                      column: int) -> None:
    path = tmp_path / "latin1.ttl"
    path.write_bytes(prefix + b'<http://ex/a>\n<http://ex/b>\n"caf\xe9" .\n')
    with pytest.raises(InputError) as raised:
        EmbeddedStore().load_file(path)
    assert (raised.value.line, raised.value.column) == (line, column)
    comment = tmp_path / "comment.ttl"
    comment.write_bytes(b"# r\xe4ksm\xf6rg\xe5s\n<http://ex/a> <http://ex/b> <http://ex/c> .\n")
    with pytest.raises(InputError) as raised:
        EmbeddedStore().load_file(comment)
    assert (raised.value.line, raised.value.column) == (1, 4)


def test_bad_utf8_far_into_a_large_file_is_found(tmp_path: Path) -> None:
    path = tmp_path / "large.nt"
    good = b'<http://ex/s> <http://ex/p> "r\xc3\xa4ksm\xc3\xb6rg\xc3\xa5s" .\n' * 20_000
    path.write_bytes(good + b"# \xff\n")
    with pytest.raises(InputError) as raised:
        EmbeddedStore().load_file(path)
    assert (raised.value.line, raised.value.column) == (20_001, 3)


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.ttl"
    path.write_bytes(b"\xef\xbb\xbf<http://ex/a> <http://ex/b> \"\xc3\xa5\" .\n")
    store = EmbeddedStore()
    store.load_file(path)
    assert [q.object.value for q in store.oxigraph] == ["å"]
