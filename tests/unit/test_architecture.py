"""The house rules, read from the code with ``ast``: dependencies point one way
(prompts, tools ← memory ← agent core ← agent.surfaces ← evals), no import circles, and an
import inside a function is there only to keep start-up fast, saying so (``# lazy: why``)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("prompts", "tools", "memory", "agent", "evals")
LAZY_MARK = "# lazy:"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


MODULES = _modules()


def _type_checking_lines(tree: ast.AST) -> set[int]:
    """Lines under ``if TYPE_CHECKING:``: imports for annotations only, never executed."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _targets(module: str, node: ast.Import | ast.ImportFrom, is_package: bool) -> list[str]:
    """The project modules an import statement loads."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:  # relative import
            anchor = module.split(".") if is_package else module.split(".")[:-1]
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, *([base] if base else [])])
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    found = []
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name and name.split(".")[0] in PACKAGES:
            found.append(name)
    return found


def _imports() -> list[tuple[str, str, int, bool, str]]:
    """(importer, imported, line, inside a function, source line) for every project import."""
    edges = []
    for module, path in MODULES.items():
        source = path.read_text()
        tree = ast.parse(source)
        lines = source.splitlines()
        skip = _type_checking_lines(tree)
        in_function: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for sub in ast.walk(node):
                    if isinstance(sub, (ast.Import, ast.ImportFrom)):
                        in_function.add(sub.lineno)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and node.lineno not in skip:
                for target in _targets(module, node, path.name == "__init__.py"):
                    if target != module:
                        edges.append((module, target, node.lineno, node.lineno in in_function,
                                      lines[node.lineno - 1]))
    return edges


EDGES = _imports()


def _layer(module: str) -> str:
    if module.startswith("agent.surfaces"):
        return "surfaces"
    return {"agent": "core"}.get(module.split(".")[0], module.split(".")[0])


# What each layer may import (besides itself).
ALLOWED = {
    "prompts": set(),
    "tools": set(),
    "memory": {"tools", "prompts"},
    "core": {"tools", "memory", "prompts"},
    "surfaces": {"core", "tools", "memory", "prompts"},
    "evals": {"surfaces", "core", "tools", "memory", "prompts"},
}
# The one way up: `limner eval` (a CLI command) hands over to the benchmark runner.
EXCEPTIONS = {("agent.surfaces.cli.checks", "evals.runner")}


def test_dependencies_point_one_way() -> None:
    wrong = [f"{a} imports {b} (line {line})" for a, b, line, _, _ in EDGES
             if _layer(b) != _layer(a) and _layer(b) not in ALLOWED[_layer(a)] and (a, b) not in EXCEPTIONS]
    assert wrong == []


def test_tools_and_memory_never_import_agent_and_the_core_never_imports_surfaces() -> None:
    """Spelled out, the rule the issue names (also covered by the layer table above)."""
    assert [(a, b) for a, b, *_ in EDGES if a.split(".")[0] in ("tools", "memory") and b.startswith("agent")] == []
    assert [(a, b) for a, b, *_ in EDGES if _layer(a) == "core" and b.startswith("agent.surfaces")] == []


def _cycles(edges: list[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _without_packages(edges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # `import a.b` runs a/__init__.py: a package importing its own submodules is not a circle.
    return [(a, b) for a, b in edges if not (MODULES[b].name == "__init__.py" and a.startswith(b + "."))]


def test_no_import_circles_counting_imports_inside_functions() -> None:
    assert _cycles(_without_packages([(a, b) for a, b, *_ in EDGES])) == []


def test_the_cycle_finder_finds_a_circle() -> None:
    assert _cycles([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]) == [["a", "b", "c"]]


def test_imports_inside_functions_say_they_keep_start_up_fast() -> None:
    unmarked = [f"{MODULES[a].relative_to(ROOT)}:{line}: {text.strip()}" for a, _, line, inside, text in EDGES
                if inside and LAZY_MARK not in text]
    assert unmarked == []


@pytest.mark.parametrize("argv", [["plan", "a red cow next to two blue bicycles", "--json"], ["--help"]])
def test_limner_plan_imports_neither_torch_nor_langgraph_nor_langchain(argv: list[str], tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from agent.surfaces.cli import main\n"
        f"sys.argv = ['limner', *{argv!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'langgraph', 'langchain', "
        "'langchain_core', 'diffusers', 'transformers'))\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LIMNER_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stderr, done.stderr.splitlines()[-1]
