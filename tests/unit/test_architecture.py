"""The shape of gql/, read from its source with `ast`: what imports what, and how big it is.

Every import counts, at module level, inside functions and under TYPE_CHECKING alike. The
layers, lowest first (README, "Layout"): a module imports its own folder and lower layers only.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "gql"

# Folder (or top-level module) -> layer. Two folders of one layer do not import each other.
LAYERS: dict[str, int] = {
    "__init__": 0,
    "models": 0,
    "errors": 0,
    "conditions": 0,
    "cursor": 0,
    "history": 1,
    "access": 1,
    "config": 2,
    "store": 3,
    "relay": 3,
    "formats": 4,
    "live": 4,
    "observe": 4,
    "derive": 4,
    "schema": 5,
    "web": 6,
    "cli": 7,
    "__main__": 8,
}
# Third-party packages that only one place of the package may import.
OWNERS = {
    "boto3": {"store"},
    "botocore": {"store"},
    "redis": {"relay"},
    "strawberry": {"schema", "web"},
}
MAX_LINES = 300
MAX_TOP_LEVEL_MODULES = 8


def module_name(path: Path) -> str:
    parts = ["gql", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def room(module: str) -> str:
    """The folder (or the top-level module) a module belongs to: gql.store.codec -> store."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(module: str) -> Iterator[tuple[int, str, list[str]]]:
    """(line, imported module, names) for every import statement in the module."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base, [alias.name for alias in node.names]


def edges(module: str) -> Iterator[tuple[int, str, list[str]]]:
    """The project's modules this one imports; `from pkg import submodule` is the submodule."""
    for line, target, names in imports(module):
        if target != "gql" and not target.startswith("gql."):
            continue
        submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
        for sub in submodules:
            yield line, sub, []
        rest = [n for n in names if f"{target}.{n}" not in MODULES]
        if rest or not names:
            yield line, target, rest


GRAPH = {m: sorted({t for _, t, _ in edges(m) if t != m}) for m in MODULES}


def cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read_from_the_source() -> None:
    # Guards the checks below against passing on an empty or misread graph.
    assert len(MODULES) > 60
    assert "gql.store.codec" in GRAPH["gql.store.readings"]
    assert "gql.schema.inputs" in GRAPH["gql.schema.batch"]  # `from gql.schema import inputs`


def test_there_is_no_import_circle_in_gql() -> None:
    assert cycles() == []


def test_every_room_has_a_layer() -> None:
    assert {room(m) for m in MODULES} <= set(LAYERS)


def test_imports_run_down_the_layers_only() -> None:
    upward = [
        f"{MODULES[m].relative_to(PACKAGE.parent)}:{line} imports {target}"
        for m in MODULES
        for line, target, _ in edges(m)
        if room(target) != room(m)
        and (
            LAYERS[room(target)] > LAYERS[room(m)]
            or (LAYERS[room(target)] == LAYERS[room(m)] and LAYERS[room(m)] > 0)
        )
    ]
    assert upward == []


def test_other_folders_are_imported_through_what_their_init_names() -> None:
    folders = {room(m) for m, p in MODULES.items() if p.name == "__init__.py" and m != "gql"}
    wrong = []
    for m in MODULES:
        for line, target, names in edges(m):
            there = room(target)
            if there == room(m) or there not in folders:
                continue
            where = f"{MODULES[m].relative_to(PACKAGE.parent)}:{line}"
            if target != f"gql.{there}":
                wrong.append(f"{where} reaches into {target}")
                continue
            public = set(getattr(importlib.import_module(target), "__all__", ()))
            wrong += [
                f"{where} imports {target}.{n}, not in __all__" for n in names if n not in public
            ]
    assert wrong == []


def test_every_name_an_init_offers_exists() -> None:
    for module, path in MODULES.items():
        if path.name == "__init__.py" and module != "gql":
            package = importlib.import_module(module)
            for name in getattr(package, "__all__", ()):
                assert getattr(package, name) is not None, f"{module}.{name}"


@pytest.mark.parametrize("library", sorted(OWNERS))
def test_a_third_party_library_is_imported_in_its_own_rooms_only(library: str) -> None:
    strangers = [
        f"{MODULES[m].relative_to(PACKAGE.parent)}:{line}"
        for m in MODULES
        for line, target, _ in imports(m)
        if target.split(".")[0] == library and room(m) not in OWNERS[library]
    ]
    assert strangers == []


def test_no_module_is_over_300_lines() -> None:
    sizes = {m: len(p.read_text().splitlines()) for m, p in MODULES.items()}
    assert {m: n for m, n in sizes.items() if n > MAX_LINES} == {}


def test_gql_has_few_top_level_modules_beside_its_folders() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top
