"""The package's import structure: no cycles, nothing upstream importing downstream.

Every import counts, also the ones inside functions (they run too); only imports under
``if TYPE_CHECKING:`` are left out, since they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import planegraf

PACKAGE = Path(planegraf.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path) -> set[str]:
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("planegraf"):
                found.add(target)
                for alias in node.names:  # "from . import atomic" names a module
                    candidate = f"{target}.{alias.name}"
                    if _exists(candidate):
                        found.add(candidate)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("planegraf"))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(module)
    return {name for name in found if _exists(name)}


def _exists(name: str) -> bool:
    relative = Path(*name.split(".")[1:])
    return ((PACKAGE / relative).with_suffix(".py").is_file()
            or (PACKAGE / relative / "__init__.py").is_file())


def _graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        graph.add_node(name)
        for target in _imports(path):
            if target != "planegraf":  # every module is inside the package it belongs to
                graph.add_edge(name, target)
    return graph


def test_site_and_ontology_documentation_do_not_import_each_other() -> None:
    graph = _graph()
    assert not graph.has_edge("planegraf.publish.ontodoc", "planegraf.publish.site")
    assert not nx.has_path(graph, "planegraf.publish.ontodoc", "planegraf.publish.site")


def test_the_importer_imports_nothing_downstream_of_it() -> None:
    graph = _graph()
    downstream = {"planegraf.pipeline", "planegraf.project", "planegraf.importing",
                  "planegraf.publish.site", "planegraf.publish.lod", "planegraf.cli",
                  "planegraf.cli.ingest"}
    for module in [n for n in graph if n.startswith("planegraf.ingest")]:
        reached = nx.descendants(graph, module)
        assert not reached & downstream, (module, sorted(reached & downstream))


# The package by concern, lowest first. A module may import its own layer and the ones
# below it, never one above: the library does not know the pipeline, the pipeline does not
# know the pages, the build writes them, and nothing knows the command line.
LAYERS = [
    {"errors", "resources", "namespaces", "ids", "i18n", "threads"},
    {"rdf", "sparql", "validation", "ingest", "analysis", "render", "counties", "registry",
     "synthetic"},
    {"project", "importing"},
    {"publish"},
    {"pipeline"},
    {"cli", "__main__"},
]


def _layer(module: str) -> int:
    parts = module.split(".")
    concern = parts[1] if len(parts) > 1 else ""
    for rank, names in enumerate(LAYERS):
        if concern in names:
            return rank
    raise AssertionError(f"{module} belongs to no layer: add its concern to LAYERS")


def test_no_module_imports_a_layer_above_its_own() -> None:
    graph = _graph()
    upward = sorted((a, b) for a, b in graph.edges
                    if a != "planegraf" and _layer(b) > _layer(a))
    assert upward == [], upward


def test_the_package_has_no_import_cycle() -> None:
    cycles = list(nx.simple_cycles(_graph()))
    assert cycles == [], cycles


def test_markdown_is_escaped_in_one_place() -> None:
    # Every Markdown report escapes through planegraf.render.escape.markdown: a second
    # hand-made escaping drifts (one forgot HTML, one forgot links).
    hand_made = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                 if 'replace("|", "\\\\|")' in p.read_text(encoding="utf-8")
                 or "_MARKDOWN_SPECIAL" in p.read_text(encoding="utf-8")]
    assert hand_made == ["render/escape.py"], hand_made
