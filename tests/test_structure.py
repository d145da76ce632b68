"""How the package holds together: no import cycle between its modules (counting the imports made inside
functions, which only postpone a cycle), and the drivers' types only in the backends."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "privacy"
# The embedded backend's own upkeep (checks, checkpoints, backups, its write-ahead log) besides privacy/sqlite/.
SQLITE_UPKEEP = {"privacy.storage", "privacy.wal", "privacy.server_cli"}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The modules ``path`` imports, outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    checking = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
        for node in ast.walk(block)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in checking:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module(path): path for path in PACKAGE.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_no_module_imports_itself_back() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for other in sorted(graph[name]):
            # A package's modules may import their own package: it is loaded first, whatever they do.
            if name.startswith(other + "."):
                continue
            if state.get(other) == 1:
                cycles.append([*trail[trail.index(other) :], other])
            elif other not in state:
                visit(other, [*trail, other])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_only_the_backends_know_the_drivers() -> None:
    for name, imported in _graph_with_all().items():
        if name.startswith(("privacy.sqlite", "privacy.postgres")) or name in SQLITE_UPKEEP:
            continue
        assert not {m for m in imported if m.split(".")[0] in ("sqlite3", "psycopg", "psycopg_pool")}, name


def _graph_with_all() -> dict[str, set[str]]:
    return {_module(path): _imports(path) for path in PACKAGE.rglob("*.py")}


# What the server's features share, built by the composition root alone (privacy/assembly.py): the stores, the
# outbox worker, the limits and the templates. The DPO's commands and the build make their own.
SHARED = {"open_stores", "Worker", "Limits", "Limit", "Renderer", "transport_for"}
ROOT = "privacy.assembly"


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += sorted(graph.get(name, set()))
    return seen


def _builds(path: Path) -> set[str]:
    """The shared pieces ``path`` builds itself (calls by name)."""
    called = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            called.add(name)
    return called & SHARED


def test_the_server_s_shared_pieces_are_built_by_the_composition_root_alone() -> None:
    graph = _graph()
    paths = {_module(path): path for path in PACKAGE.rglob("*.py")}
    # The DPO's commands (``cli``, ``…_cli``), which the features' packages offer, open the stores themselves.
    served = {name for name in _reachable(graph, ROOT) - {ROOT} if not name.endswith("cli")}
    assert {"privacy.rights.feature", "privacy.consent.feature", "privacy.rights.pages"} <= served
    assert {name: _builds(paths[name]) for name in sorted(served) if _builds(paths[name])} == {}
    assert _builds(paths[ROOT]) == SHARED
