"""Imports run one way: front ends (cli, tui) over services over store, stats and integrations,
with no cycle anywhere, not even through imports inside functions.

The graph is built from the source with `ast`, so an import placed inside a function to dodge a
cycle counts like any other.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mlpm"
FRONT_ENDS = ("mlpm.cli", "mlpm.tui")
BELOW_FRONT_ENDS = ("mlpm.services", "mlpm.store", "mlpm.stats", "mlpm.integrations")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _resolve(base: str, modules: dict[str, Path]) -> str | None:
    """The module `base` names, or its nearest enclosing package inside mlpm."""
    while base and base not in modules:
        base = base.rpartition(".")[0]
    return base or None


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every mlpm module `name` imports, at module level or inside functions (also under
    TYPE_CHECKING: a cycle of annotations is still a cycle of knowledge)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                base = node.module or ""
            # `from mlpm.services import tasks` imports the submodule mlpm.services.tasks.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target == "mlpm" or target.startswith("mlpm."):
                resolved = _resolve(target, modules)
                if resolved and resolved != name:
                    found.add(resolved)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _components(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan): each is a knot
    of modules that import each other, directly or around a loop."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _describe(graph: dict[str, set[str]], component: set[str]) -> str:
    """One concrete loop to cut, and every module caught in the knot."""
    loop = " -> ".join(_loop(graph, component))
    return f"{loop}\n    (all of: {', '.join(sorted(component))})"


def _loop(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest loop from the component's first module back to itself."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & component):
                if nxt == start:
                    return [*paths[node], start]
                if nxt not in paths:
                    paths[nxt] = [*paths[node], nxt]
                    following.append(nxt)
        frontier = following
    return sorted(component)  # unreachable for a strongly connected component


def test_graph_sees_function_level_and_submodule_imports():
    graph = _graph()
    # cli/task.py imports its services inside the command bodies only.
    assert "mlpm.services.tasks" in graph["mlpm.cli.task"]
    assert "mlpm.cli.context" in graph["mlpm.cli.board"]
    assert "mlpm.store" in graph["mlpm.services.tasks"] or any(
        m.startswith("mlpm.store.") for m in graph["mlpm.services.tasks"]
    )


def test_cycle_finder_reports_the_loop():
    graph = {"a": {"b"}, "b": {"c", "e"}, "c": {"a"}, "d": {"a"}, "e": {"b"}}
    assert _components(graph) == [{"a", "b", "c", "e"}]
    assert _loop(graph, {"a", "b", "c", "e"}) == ["a", "b", "c", "a"]


def test_no_import_cycles():
    graph = _graph()
    cycles = _components(graph)
    assert not cycles, "import cycles:\n" + "\n".join(_describe(graph, c) for c in cycles)


def test_nothing_below_imports_a_front_end():
    wrong = [
        f"{name} -> {target}"
        for name, targets in _graph().items()
        if _within(name, BELOW_FRONT_ENDS)
        for target in sorted(targets)
        if _within(target, FRONT_ENDS)
    ]
    assert not wrong, "imports up into cli/tui:\n" + "\n".join(wrong)


def test_front_ends_reach_integrations_only_through_services():
    wrong = [
        f"{name} -> {target}"
        for name, targets in _graph().items()
        if _within(name, FRONT_ENDS)
        for target in sorted(targets)
        if _within(target, ("mlpm.integrations",))
    ]
    assert not wrong, "cli/tui importing integrations directly:\n" + "\n".join(wrong)
