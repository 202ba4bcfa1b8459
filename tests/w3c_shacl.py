"""The W3C SHACL test suite's manifests read into cases, and results graphs compared.

Used by ``tests/test_w3c_shacl_suite.py``; kept apart so a script can tally the suite
(pass, refused, wrong, crash) without pytest.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, SH, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from planegraf.resources import shared_dir

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
SUITE = (shared_dir() or Path("/nonexistent")) / "external" / "w3c-shacl-tests"


@dataclass(frozen=True)
class Case:
    """One sht:Validate entry: its files and the expected report (or sht:Failure)."""

    name: str  # e.g. "core/node/datatype-002"
    manifest: Path
    data: Path
    shapes: Path
    expects_failure: bool

    @property
    def suite(self) -> str:
        return self.name.split("/", 1)[0]


def cases() -> list[Case]:
    """Every test reachable from the suite's top manifest through mf:include."""
    top = SUITE / "manifest.ttl"
    if not top.exists():
        return []
    found: list[Case] = []
    _collect(top, found, set())
    return found


def _collect(manifest: Path, found: list[Case], seen: set[Path]) -> None:
    if manifest in seen:
        return
    seen.add(manifest)
    graph = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
    for root in graph.subjects(RDF.type, MF.Manifest):
        for included in sorted(graph.objects(root, MF.include), key=str):
            _collect(_path(included), found, seen)
        entries = graph.value(root, MF.entries)
        if entries is None:
            continue
        for entry in Collection(graph, entries):
            if (entry, RDF.type, SHT.Validate) not in graph:
                continue
            action = graph.value(entry, MF.action)
            data, shapes = graph.value(action, SHT.dataGraph), graph.value(action, SHT.shapesGraph)
            assert data is not None and shapes is not None
            name = _path(entry).relative_to(SUITE).with_suffix("").as_posix()
            found.append(Case(name, manifest, _path(data), _path(shapes),
                              graph.value(entry, MF.result) == SHT.Failure))


def _path(node: Node) -> Path:
    text = str(node).split("#", 1)[0].removeprefix("file://")
    path = Path(text)
    return path if path.suffix else path.with_suffix(".ttl")


def expected_report(case: Case) -> tuple[bool, Counter[tuple[str, ...]]]:
    """The expected sh:conforms and results of a case, from its manifest file."""
    graph = Graph().parse(case.manifest, format="turtle", publicID=case.manifest.as_uri())
    entry = next(e for e in graph.subjects(RDF.type, SHT.Validate)
                 if _path(e).relative_to(SUITE).with_suffix("").as_posix() == case.name)
    report = graph.value(entry, MF.result)
    assert report is not None
    return results_of(graph, report)


def results_of(graph: Graph, report: Node) -> tuple[bool, Counter[tuple[str, ...]]]:
    """sh:conforms and each result as (focus, path, component, severity, value, shape).

    Blank nodes cannot be matched across graphs: a blank focus node, value or shape is
    compared as "_"; a path (often a blank-node structure) by its shape.
    """
    conforms = graph.value(report, SH.conforms)
    assert isinstance(conforms, Literal)
    results: Counter[tuple[str, ...]] = Counter()
    for result in graph.objects(report, SH.result):
        results[tuple(_key(graph, graph.value(result, p)) for p in (
            SH.focusNode, SH.resultPath, SH.sourceConstraintComponent, SH.resultSeverity,
            SH.value, SH.sourceShape))] += 1
    return bool(conforms.value if conforms.value is not None else str(conforms) == "true"), results


def _key(graph: Graph, node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, BNode):
        return _path_key(graph, node)
    if isinstance(node, Literal):
        # Exactly as written: lexical form, datatype and language all count.
        return f"{str(node)!r}^^{node.datatype or ''}@{node.language or ''}"
    assert isinstance(node, URIRef)
    return str(node)


def _path_key(graph: Graph, node: Node) -> str:
    if isinstance(node, URIRef):
        return str(node)
    if (node, RDF.first, None) in graph:
        return "(" + " ".join(_path_key(graph, n) for n in Collection(graph, node)) + ")"
    for keyword in (SH.inversePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath,
                    SH.alternativePath):
        inner = graph.value(node, keyword)
        if inner is not None:
            return f"{keyword.removeprefix(str(SH))}[{_path_key(graph, inner)}]"
    return "_"
