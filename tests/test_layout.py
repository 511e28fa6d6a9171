"""The library's design rules, checked: modules stay small, and no module imports another
in a circle (an import cycle works only by the order of imports, and breaks when someone
imports the other module first)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import course_lib

PACKAGE = Path(course_lib.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 500
NOTEBOOKS = PACKAGE.parent / "notebooks"


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


NAMES = {_name(path): path for path in MODULES}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_no_module_is_longer_than_the_limit(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines; split it (limit {MAX_LINES})"


def _imports(name: str, path: Path) -> set[str]:
    """The course_lib modules ``name`` imports, anywhere in it (function bodies too).

    One import is left out: a function body importing the module's own package (an
    ancestor is always initialised before its submodules, so that is no cycle).
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_function = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for inner in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        targets = set()
        if isinstance(node, ast.Import):
            targets = {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            targets = {f"{base}.{alias.name}" if f"{base}.{alias.name}" in NAMES else base
                       for alias in node.names}
        if id(node) in in_function:
            targets = {t for t in targets if not name.startswith(t + ".")}
        found |= targets
    return {module for module in found if module in NAMES and module != name}


GRAPH = {name: _imports(name, path) for name, path in NAMES.items()}


def _cycle_from(start: str) -> list[str] | None:
    """A path start -> ... -> start through the import graph, if there is one."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for nxt in sorted(GRAPH[node]):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def test_the_import_graph_sees_the_known_imports():
    # the checker itself can fail: these edges exist
    assert "course_lib.layers.core" in GRAPH["course_lib.layers.norm"]
    assert "course_lib.activations" in GRAPH["course_lib.layers.core"]
    assert _cycle_from("course_lib.layers.norm") is None


@pytest.mark.parametrize("name", sorted(NAMES))
def test_no_import_cycle(name):
    cycle = _cycle_from(name)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_a_cycle_is_detected(monkeypatch):
    monkeypatch.setitem(GRAPH, "course_lib.layers.core",
                        GRAPH["course_lib.layers.core"] | {"course_lib.layers.norm"})
    assert _cycle_from("course_lib.layers.core") == [
        "course_lib.layers.core", "course_lib.layers.norm", "course_lib.layers.core"]


USED_BY = re.compile(r"^Used by: (\d\d_[a-z0-9_]+)\.?$", re.MULTILINE)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_a_used_by_line_names_a_notebook_that_imports_the_module(path):
    """'Used by: NN_name' in a module docstring stays true: the notebook exists and imports
    the module."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    for notebook in USED_BY.findall(path.read_text(encoding="utf-8")):
        nb_path = NOTEBOOKS / f"{notebook}.ipynb"
        assert nb_path.exists(), f"{module} says it is used by {notebook}, which does not exist"
        assert module in nb_path.read_text(encoding="utf-8"), (
            f"{module} says it is used by {notebook}, which does not import it")
