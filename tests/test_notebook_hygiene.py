"""Static checks of the committed notebooks (nbval checks that their outputs are current).

Every notebook in notebooks/ must be stored fully executed, in order, by the
python3 kernel (``python -m course_lib.refresh``), with no error, nothing on
stderr, nothing that differs between runs, and at least two exercises
committed unsolved. The notebooks are read as plain JSON.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from course_lib.exercises.core import NOT_IMPLEMENTED

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NAME = re.compile(r"^(\d{2})_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")
ALL_IPYNB = sorted(p for p in NOTEBOOK_DIR.glob("*.ipynb"))
# A checker is a function ``check_<exercise>`` imported from a topic module.
CHECKER_IMPORT = re.compile(
    r"from\s+course_lib\.exercises\.(\w+)\s+import\s+(?:\(([^)]*)\)|([^(\n][^\n]*))"
)
MIN_EXERCISES = 2


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _text(output: dict) -> str:
    """All text an output carries (stream text and text/* data)."""
    parts = []
    if "text" in output:
        t = output["text"]
        parts.append("".join(t) if isinstance(t, list) else t)
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/"):
            parts.append("".join(value) if isinstance(value, list) else value)
    return "".join(parts)


def _load(path: Path) -> dict:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def _code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _checker_names(nb: dict) -> set[str]:
    names = set()
    for cell in _code_cells(nb):
        for match in CHECKER_IMPORT.finditer(_source(cell)):
            for name in re.split(r"[,\s]+", match.group(2) or match.group(3)):
                if name.startswith("check_"):
                    names.add(name)
    return names


notebook = pytest.mark.parametrize("path", ALL_IPYNB, ids=[p.name for p in ALL_IPYNB])


def test_notebooks_exist_and_are_numbered_from_01_without_gaps():
    assert ALL_IPYNB, f"no notebooks in {NOTEBOOK_DIR}"
    numbers = []
    for path in ALL_IPYNB:
        match = NAME.match(path.name)
        assert match, f"{path.name}: expected NN_snake_case.ipynb, e.g. 01_fundamentals.ipynb"
        numbers.append(int(match.group(1)))
    assert numbers == list(range(1, len(numbers) + 1)), (
        f"notebook numbers must run 01, 02, ... without gaps or duplicates; found {numbers}"
    )


@notebook
def test_kernel_and_format(path):
    nb = _load(path)
    assert nb.get("nbformat") == 4, f"{path.name}: nbformat {nb.get('nbformat')}, expected 4"
    spec = nb.get("metadata", {}).get("kernelspec", {})
    assert spec.get("name") == "python3", (
        f"{path.name}: kernelspec {spec.get('name')!r}, expected 'python3'"
    )
    language = spec.get("language")
    assert language == "python", f"{path.name}: kernelspec language {language!r}"


@notebook
def test_every_code_cell_executed_once_in_order(path):
    cells = _code_cells(_load(path))
    assert cells, f"{path.name} has no code cells"
    for i, cell in enumerate(cells, start=1):
        assert _source(cell).strip(), f"{path.name}: code cell {i} is empty; delete it"
        assert cell.get("execution_count") is not None, (
            f"{path.name}: code cell {i} was not executed; "
            f"run `python -m course_lib.refresh {path.name}`"
        )
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..{len(cells)}; "
        "re-run the whole notebook "
        "with `python -m course_lib.refresh`"
    )


@notebook
def test_no_error_and_nothing_on_stderr(path):
    for i, cell in enumerate(_code_cells(_load(path)), start=1):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", (
                f"{path.name}: code cell {i} stores an error: "
                f"{out.get('ename')}: {out.get('evalue')}"
            )
            if out["output_type"] == "stream":
                assert out["name"] == "stdout", (
                    f"{path.name}: code cell {i} wrote to stderr (a warning?): {_text(out)[:300]!r}"
                )


@notebook
def test_outputs_are_reproducible(path):
    """Nothing in a stored output may change from run to run or machine to machine."""
    nb = _load(path)
    for i, cell in enumerate(_code_cells(nb), start=1):
        src = _source(cell)
        assert "execution" not in cell.get("metadata", {}), (
            f"{path.name}: code cell {i} stores timing metadata; "
            "refresh with `python -m course_lib.refresh`"
        )
        last = [line for line in src.rstrip().splitlines() if line.strip()][-1]
        assert not last.split("#")[0].rstrip().endswith(";"), (
            f"{path.name}: code cell {i} ends with ';', which hides output when run by Jupyter "
            "but not under nbval; end a plot cell with show(fig, alt=...) or assign the result to _"
        )
        for out in cell.get("outputs", []):
            text = _text(out)
            assert not re.search(r" at 0x[0-9a-fA-F]+", text), (
                f"{path.name}: code cell {i} prints a memory address: {text[:200]!r}"
            )
            assert not re.search(r"np\.(float|int|bool|complex)\d*\((?:-?[\d.]|nan|inf)", text), (
                f"{path.name}: code cell {i} prints a numpy scalar repr; "
                f"format the number: {text[:200]!r}"
            )
            assert "image/svg+xml" not in out.get("data", {}), (
                f"{path.name}: code cell {i} stores an SVG figure (it embeds a date); use PNG"
            )


@notebook
def test_structure_title_plot_summary(path):
    nb = _load(path)
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown" and _source(first).lstrip().startswith("# "), (
        f"{path.name}: the first cell must be a markdown title '# ...'"
    )
    headings = [
        line.lstrip("#").strip().lower()
        for c in nb["cells"]
        if c["cell_type"] == "markdown"
        for line in _source(c).splitlines()
        if line.startswith("#")
    ]
    assert any("exercise" in h for h in headings), f"{path.name}: no 'Exercises' heading"
    assert any("summary" in h for h in headings), f"{path.name}: no 'Summary' heading"
    assert any("course_lib" in _source(c) for c in _code_cells(nb)), (
        f"{path.name}: no code cell imports from course_lib"
    )
    pngs = sum(
        "image/png" in out.get("data", {}) for c in _code_cells(nb) for out in c.get("outputs", [])
    )
    assert pngs >= 1, f"{path.name}: no figure (image/png output)"


@notebook
def test_at_least_two_exercises_committed_unsolved(path):
    nb = _load(path)
    checkers = _checker_names(nb)
    for cell in _code_cells(nb):
        for match in CHECKER_IMPORT.finditer(_source(cell)):
            topic = match.group(1)
            assert not re.search(r"\d", topic), (
                f"{path.name}: exercise module {topic!r} must be named for its topic, not a number"
            )
    exercises = []
    for i, cell in enumerate(_code_cells(nb), start=1):
        src = _source(cell)
        called = [name for name in checkers if re.search(rf"\b{name}\s*\(", src)]
        if not called or "raise NotImplementedError" not in src:
            continue
        exercises.append(i)
        stdout = "".join(_text(o) for o in cell.get("outputs", []) if o["output_type"] == "stream")
        # A verdict starts at the line's beginning; its continuation lines are indented.
        lines = [line for line in stdout.splitlines() if line.strip() and not line[0].isspace()]
        assert len(lines) == len(called) and all(NOT_IMPLEMENTED in line for line in lines), (
            f"{path.name}: exercise cell {i} must be committed unsolved, printing one "
            f"'{NOT_IMPLEMENTED}' verdict per checker; it printed {lines}"
        )
    assert len(exercises) >= MIN_EXERCISES, (
        f"{path.name}: found {len(exercises)} exercise cell(s) (a stub with "
        "`raise NotImplementedError` and a call of a checker imported from "
        f"course_lib.exercises); need at least {MIN_EXERCISES}"
    )


# --------------------------------------------------------------------------------------------
# Notebooks use the library's functions; they do not write their own copies
# --------------------------------------------------------------------------------------------
def _public_library_names() -> dict[str, str]:
    """Public name -> a course_lib module that defines it (private modules left out)."""
    import importlib
    import pkgutil

    import course_lib

    found: dict[str, str] = {}
    for info in pkgutil.walk_packages(course_lib.__path__, "course_lib."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            found.setdefault(name, info.name)
    return found


# Helpers a notebook once wrote for itself although the library has them under another
# name: the name, and what to use instead.
KNOWN_COPIES = {
    "pointwise_relative_error": "course_lib.gradcheck.max_relative_error(a, b, floor=0)",
}


def _top_level_definitions(nb: dict) -> tuple[list[tuple[int, str, str]], set[str], set[str]]:
    """(cell, name, kind) of each top-level def/class/assignment; the names imported from
    course_lib; the exercise answers: names handed to a checker ``check_*(...)`` and every
    name defined in a cell that calls one (an exercise's helper stubs)."""
    import ast

    definitions, imported, answers = [], set(), set()
    for index, cell in enumerate(_code_cells(nb)):
        lines = [line for line in _source(cell).splitlines()
                 if not line.lstrip().startswith(("%", "!"))]
        tree = ast.parse("\n".join(lines))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course_lib"):
                imported |= {alias.asname or alias.name for alias in node.names}
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                definitions.append((index, node.name, "def"))
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                definitions += [(index, t.id, "assign") for t in targets
                                if isinstance(t, ast.Name)]
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id.startswith("check_")):
                answers |= {arg.id for arg in node.args if isinstance(arg, ast.Name)}
                answers |= {name for i, name, _ in definitions if i == index}
    return definitions, imported, answers


def _redefinitions(nb: dict, library: dict[str, str]) -> list[str]:
    """What a notebook redefines: a def/class named like a public library function (unless
    it is an exercise answer handed to a checker), an assignment to a name it imported from
    course_lib, or a known private copy."""
    definitions, imported, answers = _top_level_definitions(nb)
    found = []
    for cell, name, kind in definitions:
        if kind == "def" and name in library and name not in answers:
            found.append(f"code cell {cell}: def {name} (use {library[name]}.{name})")
        elif kind == "assign" and name in imported:
            found.append(f"code cell {cell}: {name} = ... shadows the imported {name}")
        elif name in KNOWN_COPIES:
            found.append(f"code cell {cell}: {name} (use {KNOWN_COPIES[name]})")
    return found


@pytest.fixture(scope="module")
def library_names():
    return _public_library_names()


@pytest.mark.parametrize("path", ALL_IPYNB, ids=lambda p: p.name)
def test_notebooks_do_not_redefine_library_names(path, library_names):
    assert _redefinitions(_load(path), library_names) == []


def test_redefinition_check_flags_a_copy_and_spares_an_exercise(library_names):
    def cell(source):
        return {"cell_type": "code", "source": source}

    nb = {"cells": [
        cell("from course_lib.analysis import dead_unit_fraction\ndead_unit_fraction = 0"),
        cell("def pre_activations(model, x):\n    pass"),
        cell("def relu(x):\n    raise NotImplementedError\n\ncheck_relu(relu)"),
        cell("def relu_grad(x):\n    pass\ndef f(x):\n    pass\n\ncheck_f(f)"),
        cell("%matplotlib inline\nnames = ['a']"),
    ]}
    found = _redefinitions(nb, library_names)
    assert len(found) == 2
    assert "dead_unit_fraction = ... shadows" in found[0]
    assert "def pre_activations (use course_lib.analysis.pre_activations)" in found[1]
