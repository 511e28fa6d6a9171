"""A notebook that tells the learner to call a helper imports it.

Verdicts and prose say "run `hint('relu_layer', 2)`"; a learner who types that into a new
cell must not get a NameError. Every call of a learner-facing helper of ``course_lib``
(the exercise help and checkers, ``check_environment``) that a notebook's markdown or
stored outputs show in backticks must be bound by the notebook's own code cells.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

import course_lib
import course_lib.exercises as exercises

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
CALL = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)\(")


def learner_helpers() -> set[str]:
    """Public functions of course_lib.exercises, and course_lib's top-level functions."""
    names = {n for n in dir(exercises) if not n.startswith("_") and callable(getattr(exercises, n))
             and not isinstance(getattr(exercises, n), type)}
    names |= {n for n in getattr(course_lib, "__all__", ()) if callable(getattr(course_lib, n))}
    return names


def _texts(cell: dict) -> list[str]:
    texts = ["".join(cell["source"])] if cell["cell_type"] == "markdown" else []
    for out in cell.get("outputs", []):
        for value in (out.get("text"), out.get("data", {}).get("text/plain")):
            if value:
                texts.append("".join(value) if isinstance(value, list) else value)
    return texts


def _bound_names(source: str) -> set[str]:
    """Names an (IPython-free) code cell binds at top level: imports, defs, assignments."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set()
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
    return bound


def test_the_helpers_include_the_help_functions():
    assert {"hint", "solution", "show_expected", "check_environment"} <= learner_helpers()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_helper_the_notebook_names_is_imported(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    named = {name for cell in cells for text in _texts(cell) for name in CALL.findall(text)}
    bound = set().union(*(_bound_names("".join(c["source"])) for c in cells
                          if c["cell_type"] == "code"))
    missing = sorted((named & learner_helpers()) - bound)
    assert missing == [], f"{path.name} tells the learner to call {missing} but never imports them"
