"""Run a notebook as a learner whose exercise passes would, and compare it with the stored one.

A notebook's experiment takes its implementation from ``use("name", Candidate)``
(:mod:`course_lib.exercises._use`): the learner's code once its checker accepts it, the
reference solution until then. The stored outputs are the stub's run. This module makes the
learner's run: it puts the reference solution in the learner's place (right after the stub
is defined), executes the notebook as nbval would, and compares every text output with the
stored one, except the exercise's check cells and the line ``use`` prints. A correct
implementation must give the experiment's stored numbers: this proves that the notebook's
experiment really runs on what ``use`` returns and that the stored outputs are what such a
learner sees. With a wrong answer (the candidate a function that returns None; every notebook
named on the command line, :data:`WRONG_ANSWER_NOTEBOOKS` in the full run),
the run stops after the ``use`` cells: they must fall back to the reference and say so
(from there on the run is the stub's, which nbval checks).

Run as a script (``python tests/learner_path.py --json OUT notebooks/03_….ipynb …``) by
``tests/portability.py`` in the background; ``tests/test_learner_path.py`` reads the result.
"""

from __future__ import annotations

import argparse
import ast
import copy
import itertools
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"

#: The lines ``use`` prints (see course_lib.exercises._use).
USE_LINE = re.compile(r"^\w+: (passes its checks|not implemented yet|not passing its checks "
                      r"yet); the experiment below uses (your implementation|the reference "
                      r"solution)\.\n?", re.MULTILINE)


def use_calls(nb: Any) -> list[tuple[int, str, list[str]]]:
    """(cell index, exercise name, candidate names) of every ``use("name", A, ...)`` call."""
    calls = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "use" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                names = [a.id for a in node.args[1:] if isinstance(a, ast.Name)]
                calls.append((index, node.args[0].value, names))
    return calls


def _defines(source: str, name: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name
               for node in tree.body)


def stub_cell(nb: Any, name: str) -> int:
    """The index of the code cell that defines the stub ``name`` (and raises
    NotImplementedError)."""
    for index, cell in enumerate(nb.cells):
        if (cell.cell_type == "code" and "NotImplementedError" in cell.source
                and _defines(cell.source, name)):
            return index
    raise LookupError(f"no code cell defines the stub {name!r} (a def or class that raises "
                      "NotImplementedError)")


SPY = """\
{name} = __import__("course_lib.exercises._records", fromlist=["_"])._REGISTRY[{exercise!r}]
{name} = ({name}.checker_args or ({name}.solution,))[{position}]  # the reference, as yours
{name} = __import__("learner_path_spy").spy({name})  # counts the calls made to it
__import__("learner_path_spy").SPIES[{name!r}] = {name}  # kept, even if the name is reused
"""

#: The notebooks the full run also executes with a wrong answer in the learner's place.
WRONG_ANSWER_NOTEBOOKS = ("07_image_classification.ipynb",)

#: Marks the cells this module adds to a notebook.
ADDED = "learner_path"


def substitute(nb: Any, wrong: bool = False) -> tuple[Any, set[str], list[str]]:
    """A copy of ``nb`` with each candidate of a ``use`` call replaced right after its stub:
    by the reference solution behind a call counter, or (``wrong``) by a function returning
    None. With the reference, a cell after the last ``use`` cell and one at the end print the
    counters (they are marked as added). Returns the copy, the exercise names and the
    candidates' names."""
    import nbformat

    nb = copy.deepcopy(nb)
    calls = use_calls(nb)
    if not calls:
        raise LookupError("the notebook calls use(...) nowhere")
    candidates = []
    for _, exercise, names in calls:
        for position, name in enumerate(names):
            cell = nb.cells[stub_cell(nb, name)]
            if wrong:
                line = f"{name} = lambda *args, **kwargs: None  # a wrong answer\n"
            else:
                line = SPY.format(name=name, exercise=exercise, position=position)
                candidates.append(name)
            cell.source = f"{cell.source}\n{line}"
    if not wrong:
        probe = ("print('COUNTS', {name: spy.calls[0] for name, spy in "
                 "__import__('learner_path_spy').SPIES.items()})")
        for where in (len(nb.cells), max(index for index, _, _ in calls) + 1):  # end first
            added = nbformat.v4.new_code_cell(probe)
            added.metadata[ADDED] = True
            nb.cells.insert(where, added)
    return nb, {exercise for _, exercise, _ in calls}, candidates


def _sanitizers() -> list[tuple[re.Pattern, str]]:
    lines = SANITIZE.read_text().splitlines()
    pairs = []
    for first, second in itertools.pairwise(lines):
        if first.startswith("regex: ") and second.startswith("replace: "):
            pairs.append((re.compile(first[7:]), second[9:]))
    return pairs


def text_of(cell: Any) -> str:
    """A code cell's text outputs, as nbval compares them (sanitised), without use lines."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(f"[{out['name']}] {USE_LINE.sub('', out['text'])}")
        elif out.get("output_type") in ("execute_result", "display_data"):
            data = out.get("data", {})
            for kind in ("text/plain", "text/html", "text/latex"):
                if kind in data:
                    parts.append(f"[{kind}] {data[kind]}")
        elif out.get("output_type") == "error":
            parts.append(f"[error] {out.get('ename')}")
    text = "".join(parts)
    for pattern, replacement in _sanitizers():
        text = pattern.sub(replacement, text)
    return text


def _ignored(cell: Any, exercises: set[str]) -> bool:
    if "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []):
        return True
    return any(f"check_{name}(" in cell.source for name in exercises)


def _counts(cell: Any) -> dict[str, int]:
    text = "".join(o.get("text", "") for o in cell.get("outputs", []))
    return ast.literal_eval(text.split("COUNTS", 1)[1].strip())


def compare(path: Path, wrong: bool = False) -> dict[str, Any]:
    """Run the learner's path of the notebook at ``path``; return what differs."""
    import nbformat

    from course_lib.refresh import markers_to_tags, run

    stored = markers_to_tags(nbformat.read(path, as_version=4))
    nb, exercises, candidates = substitute(stored, wrong)
    if wrong:
        last_use = max(index for index, _, _ in use_calls(nb))
        nb.cells = nb.cells[: last_use + 1]
    with tempfile.TemporaryDirectory() as tmp:
        data = path.parent / "data"
        if data.exists():
            (Path(tmp) / "data").symlink_to(data)
        (Path(tmp) / "learner_path_spy.py").write_text(SPY_MODULE)
        try:
            run(nb, Path(tmp))
        except Exception as exc:  # a cell raised: report it
            return {"ok": False, "problems": [f"a cell raised: {type(exc).__name__}: "
                                              f"{str(exc)[-600:]}"]}
    problems = []
    expected_line = ("not passing its checks yet; the experiment below uses the reference"
                     if wrong else "passes its checks; the experiment below uses your")
    added = [cell for cell in nb.cells if cell.get("metadata", {}).get(ADDED)]
    if added:
        after_use, at_end = (_counts(cell) for cell in added)
        unused = [name for name in candidates if at_end[name] <= after_use[name]]
        if unused:
            problems.append(f"nothing after the use() cells calls {unused}: the experiment "
                            "does not run on what use() returned")
    kept = [cell for cell in nb.cells if not cell.get("metadata", {}).get(ADDED)]
    for index, cell in enumerate(kept):
        if cell.cell_type != "code":
            continue
        printed = "".join(o.get("text", "") for o in cell.get("outputs", [])
                          if o.get("output_type") == "stream")
        if any(f'use("{e}"' in cell.source for e in exercises) and expected_line not in printed:
            problems.append(f"cell {index}: use() printed {printed.strip()[:200]!r}, "
                            f"expected a line with {expected_line!r}")
        if _ignored(cell, exercises):
            continue
        old, new = text_of(stored.cells[index]), text_of(cell)
        if old != new:
            problems.append(f"cell {index} differs from the stored output:\n  stored: "
                            f"{old[:300]!r}\n  learner's run: {new[:300]!r}")
    return {"ok": not problems, "problems": problems}


#: Written beside the executed notebook: wraps the reference so that its calls are counted.
SPY_MODULE = '''\
import functools

SPIES = {}


def spy(reference):
    """The reference, counting calls (a function) or instances made (a class) in .calls[0]."""
    if isinstance(reference, type):
        class Spy(reference):
            calls = [0]

            def __init__(self, *args, **kwargs):
                Spy.calls[0] += 1
                super().__init__(*args, **kwargs)

        Spy.__name__ = Spy.__qualname__ = reference.__name__
        return Spy

    @functools.wraps(reference)
    def counted(*args, **kwargs):
        counted.calls[0] += 1
        return reference(*args, **kwargs)

    counted.calls = [0]
    return counted
'''


def notebooks_with_use() -> list[Path]:
    """The course notebooks with at least one ``use("name", ...)`` call in a code cell."""
    found = []
    for path in sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        if re.search(r"\buse\(\s*[\"']", sources):
            found.append(path)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--json", type=Path, required=True, help="where to write the results")
    args = parser.parse_args(argv)
    results = {}
    explicit = bool(args.notebooks)
    for path in args.notebooks or notebooks_with_use():
        # A wrong answer's fallback is use()'s own logic (tests/test_exercise_use.py); in the
        # full run one notebook with two use() calls shows it end to end, every notebook
        # when named on the command line.
        for wrong in (False, True) if explicit or path.name in WRONG_ANSWER_NOTEBOOKS else (False,):
            key = f"{path.name}:{'wrong' if wrong else 'reference'}"
            try:
                results[key] = compare(path.resolve(), wrong)
            except LookupError as exc:
                results[key] = {"ok": False, "problems": [str(exc)]}
    args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
