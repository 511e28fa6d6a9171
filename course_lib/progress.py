"""Your progress through the course: every exercise and question, by notebook, at a glance.

In a notebook or a Python session::

    import course_lib
    course_lib.progress()             # or: from course_lib import progress; progress()
    course_lib.progress(reset=True)   # forget everything recorded so far

In a terminal: ``python -m course_lib.progress`` (``--reset`` to clear). An instructor
merges several learners' files into one table, and a CSV file with one row per learner and
exercise: ``python -m course_lib.progress --merge alice.json bob.json --csv class.csv``
(a learner is named after their file).

The table lists every exercise and "predict, then run" question in notebook order with
its status after the last check: ``not tried``, ``not implemented yet`` (a stub that still
raises ``NotImplementedError`` was checked) or ``not answered yet`` (a question run without
a prediction), ``wrong`` or ``correct``; how many checks ran; the highest hint level seen
and whether the solution was shown; the date of the last check.

What is recorded, and where: the checkers record each verdict, and ``hint()`` and
``solution()`` what was asked for, in one small JSON file on your computer
(``$COURSE_PROGRESS_DIR/progress.json``, else your per-user data folder, e.g.
``~/.local/share/activation-functions-course/progress.json`` on Linux). Only names,
statuses, counts, hint levels and dates: no code, no answers. Nothing is sent anywhere.
``COURSE_PROGRESS=off`` turns recording off. Details in :mod:`course_lib.exercises._records`.
"""

from __future__ import annotations

import argparse
import html
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["progress", "table", "summary", "merge", "main"]

#: Status words in the table, by the recorded status and the kind of item.
_WORDS = {"correct": "correct", "wrong": "wrong"}
_NOT_DONE = {"exercise": "not implemented yet", "question": "not answered yet"}
NOT_TRIED = "not tried"
COLUMNS = ["notebook", "name", "kind", "status", "checks", "hint_level", "hints",
           "solution_shown", "last_checked"]


def _records() -> Any:
    from course_lib.exercises import _records

    return _records


def _course_items() -> list[tuple[str, str, Any]]:
    """(notebook, name, registered record) for every exercise and question, in order."""
    from course_lib.exercises._catalogue import CATALOGUE
    from course_lib.exercises.help import _REGISTRY, names

    registered = set(names())
    items = [(notebook, name, _REGISTRY[name]) for notebook, listed in CATALOGUE
             for name in listed if name in registered]
    listed = {name for _, name, _ in items}
    items += [("(not in a notebook)", name, _REGISTRY[name])
              for name in sorted(registered - listed)]
    return items


def _status(entry: dict[str, Any], kind: str) -> str:
    status = entry.get("status")
    if status in _WORDS:
        return _WORDS[status]
    return _NOT_DONE[kind] if status == "not_implemented" else NOT_TRIED


def _rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    count = _records().count
    rows = []
    for notebook, name, record in _course_items():
        entry = data["exercises"].get(name, {})
        rows.append({
            "notebook": notebook, "name": name, "kind": record.kind,
            "status": _status(entry, record.kind), "checks": count(entry, "checks"),
            "hint_level": count(entry, "hint_level"), "hints": len(record.hints),
            "solution_shown": entry.get("solution_shown") is True,
            "last_checked": str(entry.get("last_checked") or ""),
        })
    return rows


def table(path: str | Path | None = None) -> Any:
    """The progress table (a pandas DataFrame, one row per exercise or question) of the
    file ``path`` (default: yours). A missing file is an empty record."""
    records = _records()
    path = records.progress_file() if path is None else Path(path)
    try:
        data = records.load_progress(path)
    except FileNotFoundError:
        data = records.empty_progress()
    return _frame(data)


def _frame(data: dict[str, Any]) -> Any:
    import pandas as pd

    return pd.DataFrame(_rows(data), columns=COLUMNS)


def summary(frame: Any) -> str:
    """One line: how many items are correct, wrong, run as a stub (or a question without a
    prediction) and not tried."""
    counts = frame["status"].value_counts()
    total = len(frame)
    started = int(counts.get(_NOT_DONE["exercise"], 0) + counts.get(_NOT_DONE["question"], 0))
    parts = [f"{int(counts.get('correct', 0))} of {total} correct",
             f"{int(counts.get('wrong', 0))} wrong"]
    if started:
        parts.append(f"{started} not implemented or answered yet")
    parts.append(f"{int(counts.get(NOT_TRIED, 0))} not tried")
    return ", ".join(parts) + "."


def _shown(frame: Any) -> Any:
    """The table as a learner reads it: hints as "2 of 3", the solution as "shown"."""
    shown = frame.copy()
    shown["hints seen"] = [f"{level} of {n}" if level else "-"
                           for level, n in zip(frame["hint_level"], frame["hints"], strict=True)]
    shown["solution"] = ["shown" if s else "-" for s in frame["solution_shown"]]
    shown["last checked"] = [d or "-" for d in frame["last_checked"]]
    shown = shown.rename(columns={"name": "exercise or question"})
    return shown[["notebook", "exercise or question", "kind", "status", "checks",
                  "hints seen", "solution", "last checked"]]


def text(frame: Any) -> str:
    """The table as plain text, one block per notebook."""
    return _blocks(_shown(frame))


def _blocks(shown: Any) -> str:
    """Plain text of a table with a ``notebook`` column: one left-aligned block per notebook."""
    columns = [c for c in shown.columns if c != "notebook"]
    widths = {c: max(len(str(c)), *(len(str(v)) for v in shown[c])) for c in columns}
    header = "  ".join(str(c).ljust(widths[c]) for c in columns)
    lines = []
    for notebook, block in shown.groupby("notebook", sort=False):
        lines += ["", notebook, "  " + header.rstrip()]
        for _, row in block.iterrows():
            lines.append("  " + "  ".join(str(row[c]).ljust(widths[c])
                                          for c in columns).rstrip())
    return "\n".join(lines[1:])


def _footer(path: Path, problem: str) -> str:
    records = _records()
    lines = [problem] if problem else []
    where = f"Recorded in {path}" if path.is_file() else f"Nothing recorded yet ({path})"
    lines.append(where + "; nothing is sent anywhere.")
    if not records.recording_enabled():
        lines.append("Recording is off (COURSE_PROGRESS=off): checks are not recorded.")
    return "\n".join(lines)


def _notebook_display() -> Any:
    """IPython's ``display`` when running in a notebook kernel, else None. (IPython is
    looked up, not imported: in a terminal the table is printed as text.)"""
    ipython_module = sys.modules.get("IPython")
    shell = ipython_module.get_ipython() if ipython_module is not None else None
    if getattr(shell, "kernel", None) is None:
        return None
    return ipython_module.display


class _HTML:
    """An object a notebook shows as HTML."""

    def __init__(self, html: str, plain: str) -> None:
        self.html, self.plain = html, plain

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.plain


def _clear() -> str:
    """Delete your progress file; return what was cleared."""
    records = _records()
    path = records.progress_file()
    if not path.is_file():
        return f"Nothing to clear: there is no progress file at {path}."
    try:
        count = len(records.load_progress(path)["exercises"])
        what = f"{count} exercise(s) and question(s) recorded"
    except (records.ProgressFileError, OSError):
        what = "a file that could not be read"
    path.unlink()
    return f"Cleared your progress: deleted {path} ({what})."


def progress(reset: bool = False) -> None:
    """Show every exercise and question of the course by notebook, with your status.

    ``reset=True`` deletes your progress file instead (nothing is asked) and says what it
    cleared. In a notebook the table is shown as HTML, elsewhere as plain text.
    """
    if not isinstance(reset, bool):
        raise TypeError(f"progress(): reset must be True or False; got {reset!r}")
    if reset:
        print(_clear())
        return
    records = _records()
    path = records.progress_file()
    problem = ""
    try:
        frame = table(path)
    except records.ProgressFileError as error:
        problem = f"Could not read your progress: {error}"
        frame = _frame(records.empty_progress())
    head = f"Your progress: {summary(frame)}"
    plain = f"{head}\n\n{text(frame)}\n\n{_footer(path, problem)}"
    display = _notebook_display()
    if display is None:
        print(plain)
        return
    foot = html.escape(_footer(path, problem)).replace("\n", "<br>")
    body = _shown(frame).set_index(["notebook", "exercise or question"]).to_html(border=0)
    display.display(_HTML(f"<p><b>{html.escape(head)}</b></p>{body}<p>{foot}</p>", plain))


def _learner_names(paths: Sequence[Path]) -> list[str]:
    """Each file's learner: its name without .json; its folder too where names repeat."""
    stems = [p.stem for p in paths]
    names = [stem if stems.count(stem) == 1 else f"{path.parent.name}/{stem}"
             for path, stem in zip(paths, stems, strict=True)]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f"--merge: two files give the learner name {name!r}; rename one "
                             "(a learner is named after their file, e.g. alice.json)")
    return names


def merge(paths: Sequence[str | Path]) -> Any:
    """One long table of several learners' progress files: one row per learner and item,
    with the columns of :func:`table` after ``learner``. Raises FileNotFoundError or
    :class:`course_lib.exercises._records.ProgressFileError` naming the file at fault."""
    import pandas as pd

    records = _records()
    paths = [Path(p) for p in paths]
    if not paths:
        raise ValueError("--merge: give at least one progress file")
    frames = []
    for learner, path in zip(_learner_names(paths), paths, strict=True):
        frame = _frame(records.load_progress(path))
        frame.insert(0, "learner", learner)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def wide(long: Any) -> Any:
    """Status per learner (columns) and item (rows), in course order; for the terminal."""
    order = list(dict.fromkeys(long["learner"]))
    frame = long.pivot_table(index=["notebook", "name"], columns="learner", values="status",
                             aggfunc="first", sort=False)
    return frame[order].reset_index()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m course_lib.progress [--reset | --merge FILE... [--csv OUT]]``."""
    parser = argparse.ArgumentParser(
        prog="python -m course_lib.progress",
        description="Show your progress through the course (recorded on this computer only).")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--reset", action="store_true", help="delete your progress file")
    group.add_argument("--merge", nargs="+", metavar="FILE",
                       help="merge several learners' progress files into one table")
    parser.add_argument("--csv", metavar="OUT",
                        help="with --merge: also write one row per learner and item to OUT")
    args = parser.parse_args(argv)
    if args.csv and not args.merge:
        parser.error("--csv needs --merge FILE...")
    if args.reset:
        print(_clear())
        return 0
    if not args.merge:
        progress()
        return 0
    try:
        long = merge(args.merge)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    if args.csv:
        long.to_csv(args.csv, index=False)
    print(_blocks(wide(long).rename(columns={"name": "exercise or question"})))
    print()
    for learner, block in long.groupby("learner", sort=False):
        print(f"{learner}: {summary(block)}")
    if args.csv:
        print(f"Wrote {len(long)} rows (one per learner and item) to {args.csv}.")
    return 0


class _CallableModule(types.ModuleType):
    """``course_lib.progress`` is this module; calling it calls :func:`progress`, so that
    ``course_lib.progress()`` and ``from course_lib import progress; progress()`` work."""

    def __call__(self, reset: bool = False) -> None:
        progress(reset=reset)


sys.modules[__name__].__class__ = _CallableModule

if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except BrokenPipeError:  # the reader stopped early (``| head``): not an error
        sys.stderr.close()
        raise SystemExit(0) from None
