"""Imports point downward: no import cycle in the fastnorm package, lazy imports included.

Every module of the package is parsed (``ast``, so imports inside functions count too) and
the graph of imports between fastnorm modules is searched for cycles.
"""

from __future__ import annotations

import ast
from pathlib import Path

import fastnorm

ROOT = Path(fastnorm.__file__).parent

#: Known edges of import cycles that are tolerated.  Each entry is (importer, imported).  This
#: list must only shrink (test_allow_list_is_still_needed fails for stale entries); the norms
#: half (issue 15) emptied it.
ALLOWED_EDGES: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(mod: str, is_pkg: bool, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join(base + ([name] if name else []))


def import_graph() -> dict[str, set[str]]:
    """``{module: {fastnorm modules it imports}}`` for every module of the package."""
    files = sorted(ROOT.rglob("*.py"))
    modules = {_module_name(f): f for f in files}
    graph: dict[str, set[str]] = {m: set() for m in modules}

    def known(name: str) -> str | None:
        # "fastnorm.linear_model._base.X" -> the longest prefix that is a module
        parts = name.split(".")
        for k in range(len(parts), 0, -1):
            cand = ".".join(parts[:k])
            if cand in modules:
                return cand
        return None

    for mod, path in modules.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(mod, is_pkg, node.level, node.module)
                # "from pkg import sub" may import the submodule pkg.sub
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "import_module"
                and node.args
                and isinstance(node.args[0], ast.JoinedStr | ast.Constant)
            ):
                continue  # importlib.import_module(f"fastnorm.{name}"): the lazy attributes
            for t in targets:
                if not t.startswith("fastnorm"):
                    continue
                dep = known(t)
                if dep is not None and dep != mod and not mod.startswith(dep + "."):
                    # importing a submodule imports its parent package first; a package's
                    # own __init__ is not a dependency of its submodules for cycles here
                    graph[mod].add(dep)
    return graph


def find_cycle(graph: dict[str, set[str]], allowed: set[tuple[str, str]]) -> list[str] | None:
    """One import cycle (as a list of modules, first == last) or None."""
    color: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        color[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if (m, d) in allowed:
                continue
            if color.get(d) == 1:
                return [*stack[stack.index(d) :], d]
            if d not in color:
                found = visit(d)
                if found:
                    return found
        stack.pop()
        color[m] = 2
        return None

    for m in sorted(graph):
        if m not in color:
            found = visit(m)
            if found:
                return found
    return None


def test_graph_covers_the_whole_package():
    g = import_graph()
    assert len(g) == len(list(ROOT.rglob("*.py")))
    assert "fastnorm.linear_model._fit" in g and "fastnorm._kernels.penalty" in g
    # lazy imports inside functions are seen
    assert "fastnorm.linear_model._dask_backend" in g["fastnorm.linear_model._fit"]


def test_no_import_cycles():
    cycle = find_cycle(import_graph(), ALLOWED_EDGES)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_allow_list_is_still_needed():
    g = import_graph()
    for edge in ALLOWED_EDGES:
        assert edge[1] in g.get(edge[0], ()), f"stale allow-list entry {edge}: remove it"


def test_linear_model_layers_point_down():
    # validation and problem definitions below solvers, solvers below backends, the fit loop
    # and the estimators on top (the order of fastnorm/linear_model/_base.py's docstring)
    order = [
        "_validation", "_datafit", "_problem", "_gram", "_stream", "_solvers", "_data",
        "_dask_backend", "_fit", "_base", "_coordinate", "_ridge", "_path",
    ]  # fmt: skip
    rank = {f"fastnorm.linear_model.{m}": i for i, m in enumerate(order)}
    g = import_graph()
    for m, deps in g.items():
        for d in deps:
            if m in rank and d in rank:
                assert rank[d] < rank[m], f"{m} imports {d}, which sits above it"


def test_finder_reports_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}, set()) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"a"}}, {("b", "a")}) is None


def test_norm_layers_point_down():
    # configuration, kernels, argument handling, the planner, the local (NumPy) reductions,
    # the Dask backend, then the public norms and distances (issue 15)
    order = ["_config", "_kernels", "_args", "_plan", "_local", "_dask", "norms", "distances"]

    def rank(m: str) -> int | None:
        parts = m.split(".")
        if len(parts) < 2 or parts[0] != "fastnorm" or parts[1] not in order:
            return None
        return order.index(parts[1])

    g = import_graph()
    for m, deps in g.items():
        for d in deps:
            rm, rd = rank(m), rank(d)
            if rm is not None and rd is not None and rm > 1:  # kernels may share a module
                assert rd < rm, f"{m} imports {d}, which sits above it"
    # the Dask backend validates through the argument layer, not through the public API
    assert not g["fastnorm._dask"] & {"fastnorm.norms", "fastnorm.distances"}
