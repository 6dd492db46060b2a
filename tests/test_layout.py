"""The package's layout: no import cycles between modules, and engines that only schedule stage units."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "copytrace"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in SRC.rglob("*.py")}


def top_level_imports(path: Path, known: set[str]) -> set[str]:
    """copytrace modules imported when `path` is imported (module level only: lazy imports in functions are not)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("copytrace"):
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("copytrace")]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def test_no_module_imports_itself_back_through_others():
    known = modules()
    graph = {name: top_level_imports(path, set(known)) - {name} for name, path in known.items()}
    # A package's __init__ is imported with any of its modules: that edge is not a cycle of ours.
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(m + ".")}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_engines_import_no_kernel_of_a_stage():
    """Engines schedule stage units; they never import a tokenizer, hasher, aligner or tracer's internals."""
    forbidden = ("copytrace.text.tokens", "copytrace.text.folding", "copytrace.stages.verify.overlap_figures",
                 "copytrace.stages.fingerprint.MinHasher", "copytrace.stages.align.align",
                 "copytrace.stages.provenance.FamilyTracer")
    for path in (SRC / "engines").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    name = f"{node.module}.{alias.name}"
                    assert not any(name == f or name.startswith(f + ".") for f in forbidden), f"{path.name} imports {name}"
            assert not (isinstance(node, ast.Attribute) and node.attr in ("shingle_sets", "sketch", "signatures")), \
                f"{path.name} calls .{getattr(node, 'attr', '')} (a fingerprint kernel)"
