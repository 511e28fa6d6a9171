"""A learner's progress: recorded by the checkers, shown by ``course_lib.progress()``.

Recording is off for the test session (``tests/conftest.py``); the tests that record turn
it on for themselves, in a temporary folder or in a subprocess with a fresh HOME.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from course_lib import progress as progress_module
from course_lib.exercises import _records, names
from course_lib.exercises._catalogue import CATALOGUE, notebook_of
from course_lib.exercises.help import _REGISTRY
from course_lib.exercises.relu import check_relu_layer, relu_layer_solution
from course_lib.exercises.sigmoid import check_log_sigmoid

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

SESSION = """
import numpy as np
from course_lib.exercises import hint, use
from course_lib.exercises.relu import check_relu_layer, relu_layer_solution
from course_lib.exercises.sigmoid import (
    check_log_sigmoid, check_sigmoid_and_derivative, sigmoid_and_derivative_solution)

check_relu_layer(relu_layer_solution)
check_sigmoid_and_derivative(sigmoid_and_derivative_solution)
check_log_sigmoid(lambda x: np.log(1 / (1 + np.exp(-np.asarray(x, dtype=float)))))
hint("log_sigmoid", 2)
use("relu_layer", relu_layer_solution)  # judged silently: not a check
"""


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"COURSE_PROGRESS", "COURSE_PROGRESS_DIR", "XDG_DATA_HOME", "APPDATA"}}
    env.update(HOME=str(home), USERPROFILE=str(home), PYTHONPATH=str(ROOT), **extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture
def recording(tmp_path, monkeypatch):
    """Recording on, into a temporary folder; returns the progress file's path."""
    monkeypatch.delenv("COURSE_PROGRESS", raising=False)
    monkeypatch.setenv("COURSE_PROGRESS_DIR", str(tmp_path / "data"))
    _records._PROBLEMS_SAID.clear()
    yield tmp_path / "data" / "progress.json"
    _records._PROBLEMS_SAID.clear()


def _row(frame: pd.DataFrame, name: str) -> dict:
    return frame.set_index("name").loc[name].to_dict()


@pytest.mark.skipif(sys.platform in {"win32", "darwin"}, reason="the Linux data folder")
def test_a_session_is_recorded_in_the_documented_folder_and_shown(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    _run(["-c", SESSION], _env(home))
    path = home / ".local" / "share" / "activation-functions-course" / "progress.json"
    assert list(home.rglob("*progress*")) == [path]  # nothing else, nowhere else
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert set(stored["exercises"]) == {"relu_layer", "sigmoid_and_derivative", "log_sigmoid"}
    assert {k for entry in stored["exercises"].values() for k in entry} <= set(_records.FIELDS)

    frame = progress_module.table(path)
    assert _row(frame, "relu_layer")["status"] == "correct"
    assert _row(frame, "relu_layer")["checks"] == 1  # use() judged it again, silently
    assert _row(frame, "sigmoid_and_derivative")["status"] == "correct"
    wrong = _row(frame, "log_sigmoid")
    assert (wrong["status"], wrong["checks"], wrong["hint_level"], wrong["solution_shown"]) == (
        "wrong", 1, 2, False)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", wrong["last_checked"])
    others = frame[~frame["name"].isin(["relu_layer", "sigmoid_and_derivative", "log_sigmoid"])]
    assert set(others["status"]) == {"not tried"}
    assert progress_module.summary(frame).startswith(f"2 of {len(names())} correct, 1 wrong")

    shown = _run(["-m", "course_lib.progress"], _env(home)).stdout
    assert shown.startswith(f"Your progress: 2 of {len(names())} correct, 1 wrong, ")
    assert re.search(r"log_sigmoid +exercise +wrong +1 +2 of 3 +- +\d{4}-", shown)
    assert f"Recorded in {path}" in shown


def test_nothing_is_written_when_recording_is_off(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    _run(["-c", SESSION], _env(home, COURSE_PROGRESS="off", XDG_DATA_HOME=str(home / "x")))
    assert list(home.rglob("*progress*")) == []
    assert list(home.rglob("activation-functions-course")) == []


@pytest.mark.parametrize("how", [
    ["-c", "import course_lib; course_lib.progress()"],
    ["-c", "from course_lib import progress; progress()"],
    ["-c", "import course_lib.progress as p; p.progress(); p()"],
    ["-m", "course_lib.progress"],
], ids=["attribute", "from-import", "module", "python-m"])
def test_progress_can_be_called_every_documented_way(tmp_path, how):
    proc = _run(["-W", "error", *how], _env(tmp_path, COURSE_PROGRESS_DIR=str(tmp_path)))
    assert proc.stdout.startswith(f"Your progress: 0 of {len(names())} correct")
    assert proc.stderr == ""


def test_reset_deletes_the_file_and_says_what_it_cleared(recording, capsys):
    check_relu_layer(relu_layer_solution)
    assert recording.is_file()
    capsys.readouterr()
    progress_module.progress(reset=True)
    out = capsys.readouterr().out
    assert out == f"Cleared your progress: deleted {recording} (1 exercise(s) and question(s) " \
                  "recorded).\n"
    assert not recording.exists()
    progress_module.main(["--reset"])
    assert capsys.readouterr().out == (f"Nothing to clear: there is no progress file at "
                                       f"{recording}.\n")
    with pytest.raises(TypeError, match="reset must be True or False; got 'yes'"):
        progress_module.progress(reset="yes")


def _learner_file(path: Path, exercises: dict) -> Path:
    data = _records.empty_progress()
    data["exercises"] = exercises
    _records.save_progress(path, data)
    return path


def test_an_instructor_merges_two_learners_into_one_csv(tmp_path, capsys):
    alice = _learner_file(tmp_path / "alice.json", {
        "relu_layer": {"status": "correct", "checks": 3, "hint_level": 1,
                       "solution_shown": False, "last_checked": "2026-11-30"}})
    bob = _learner_file(tmp_path / "bob.json", {
        "relu_layer": {"status": "wrong", "checks": 5, "hint_level": 3,
                       "solution_shown": True, "last_checked": "2026-12-01"},
        "deep_linear_xor": {"status": "not_implemented", "checks": 1,
                            "last_checked": "2026-12-01"}})
    out = tmp_path / "class.csv"
    assert progress_module.main(["--merge", str(alice), str(bob), "--csv", str(out)]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"relu_layer +correct +wrong", printed)
    assert "alice: 1 of" in printed and "bob: 0 of" in printed

    merged = pd.read_csv(out, keep_default_na=False)
    n = len(names())
    assert len(merged) == 2 * n
    assert list(merged.columns) == ["learner", *progress_module.COLUMNS]
    assert list(merged["learner"]) == ["alice"] * n + ["bob"] * n
    rows = merged.set_index(["learner", "name"])
    assert rows.loc[("alice", "relu_layer"), "status"] == "correct"
    bob_relu = rows.loc[("bob", "relu_layer")]
    assert (bob_relu["status"], bob_relu["checks"], bob_relu["hint_level"]) == ("wrong", 5, 3)
    assert bool(bob_relu["solution_shown"]) and bob_relu["last_checked"] == "2026-12-01"
    assert rows.loc[("bob", "deep_linear_xor"), "status"] == "not answered yet"
    assert rows.loc[("alice", "deep_linear_xor"), "status"] == "not tried"


@pytest.mark.parametrize(("content", "message"), [
    (None, "no progress file at"),
    ("{not json", "is not a progress file: it is not valid JSON"),
    ('{"cells": []}', "is not a progress file of this course"),
    ('{"format": "activation-functions-course progress", "version": 2, "exercises": {}}',
     "was written by a newer version of the course \\(format version 2; this one reads 1\\)"),
])
def test_a_file_that_cannot_be_merged_gives_a_clear_error(tmp_path, capsys, content, message):
    path = tmp_path / "carol.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as raised:
        progress_module.main(["--merge", str(path)])
    assert raised.value.code == 2
    error = capsys.readouterr().err
    assert re.search(message, error), error
    assert str(path) in error


def _wrong_log_sigmoid(x):
    return np.log(1 / (1 + np.exp(-np.asarray(x, dtype=float))))


def test_a_corrupt_file_never_breaks_a_checker(recording, capsys):
    recording.parent.mkdir(parents=True)
    recording.write_text("{half a file", encoding="utf-8")
    check_relu_layer(relu_layer_solution)
    captured = capsys.readouterr()
    assert captured.out.startswith("relu_layer: correct")
    assert "is not valid JSON" in captured.err and "a new one started" in captured.err
    assert json.loads(recording.read_text())["exercises"]["relu_layer"]["status"] == "correct"
    aside = list(recording.parent.glob("progress.unreadable-*.json"))
    assert [p.read_text() for p in aside] == ["{half a file"]


def test_a_file_that_cannot_be_written_never_breaks_a_checker(recording, capsys, monkeypatch):
    blocker = recording.parent
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    with np.errstate(all="ignore"):
        check_log_sigmoid(_wrong_log_sigmoid)
        check_log_sigmoid(_wrong_log_sigmoid)
    captured = capsys.readouterr()
    assert captured.out.count("log_sigmoid: wrong") == 2
    assert captured.err.count("Your progress is not recorded") == 1  # said once


def test_a_newer_file_is_left_alone(recording, capsys):
    newer = '{"format": "activation-functions-course progress", "version": 9, "exercises": {}}'
    recording.parent.mkdir(parents=True)
    recording.write_text(newer, encoding="utf-8")
    check_relu_layer(relu_layer_solution)
    assert "newer version of the course" in capsys.readouterr().err
    assert recording.read_text() == newer
    progress_module.progress()
    assert "Could not read your progress" in capsys.readouterr().out


def test_writes_are_atomic(recording, monkeypatch):
    check_relu_layer(relu_layer_solution)
    before = recording.read_text()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(_records.json, "dump", crash)
    with pytest.raises(OSError, match="disk full"):
        _records.save_progress(recording, _records.empty_progress())
    assert recording.read_text() == before  # the old file is whole
    assert [p.name for p in recording.parent.iterdir()] == ["progress.json"]  # no temp file


def test_the_table_lists_every_registered_name_once_in_notebook_order():
    frame = progress_module.table(Path("/nonexistent/progress.json"))
    assert sorted(frame["name"]) == names()
    assert list(frame["notebook"]) == sorted(frame["notebook"])
    assert set(frame["status"]) == {"not tried"}


def _checked_names(notebook: Path) -> list[str]:
    """The registered names a notebook's code cells check or use(), in first-call order."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    found = []
    for name, record in _REGISTRY.items():
        calls = [rf"\b{re.escape(record.checker.__name__)}\(",
                 rf"\buse\(\s*[\"']{re.escape(name)}[\"']"]
        places = [m.start() for pattern in calls for m in [re.search(pattern, code)] if m]
        if places:
            found.append((min(places), name))
    return [name for _, name in sorted(found)]


def test_the_catalogue_matches_the_notebooks():
    names()  # every topic module registered
    assert [notebook for notebook, _ in CATALOGUE] == [p.stem for p in NOTEBOOKS]
    for path, (notebook, listed) in zip(NOTEBOOKS, CATALOGUE, strict=True):
        assert list(listed) == _checked_names(path), notebook
    every = [name for _, listed in CATALOGUE for name in listed]
    assert sorted(every) == names()  # each registered name in exactly one notebook
    assert len(notebook_of()) == len(every)


def test_a_notebook_shows_the_table_as_html(recording, monkeypatch, capsys):
    check_relu_layer(relu_layer_solution)
    capsys.readouterr()
    shown = []
    fake_display = type("Display", (), {"display": staticmethod(shown.append)})
    monkeypatch.setattr(progress_module, "_notebook_display", lambda: fake_display)
    progress_module.progress()
    assert capsys.readouterr().out == ""
    [table] = shown
    page = table._repr_html_()
    assert page.startswith(f"<p><b>Your progress: 1 of {len(names())} correct")
    assert page.count("<tr>") == len(names()) + 1  # a row per name and the header
    assert re.search(r"<th>relu_layer</th>\s*<td>exercise</td>\s*<td>correct</td>", page)
    assert repr(table).startswith("Your progress: 1 of")


def test_the_notebook_refresh_records_nothing():
    from course_lib.refresh import kernel_environment

    assert kernel_environment({"COURSE_PROGRESS": "on"})["COURSE_PROGRESS"] == "off"
    assert os.environ["COURSE_PROGRESS"] == "off"  # this session (tests/conftest.py)


def test_hints_and_solutions_are_recorded_but_not_as_checks(recording, capsys):
    from course_lib.exercises import hint, question, solution

    hint("relu_layer", 2)
    hint("relu_layer", 1)  # the highest level seen stays
    solution("relu_layer")
    check = question("demo_unregistered", options={"a": "x", "b": "y"}, answer="a",
                     explanation="x.", hints=("one", "two"))
    _REGISTRY.pop("demo_unregistered")  # an example, not a course exercise
    check("a")
    capsys.readouterr()
    stored = json.loads(recording.read_text())["exercises"]
    assert stored == {"relu_layer": {"hint_level": 2, "solution_shown": True}}
    row = _row(progress_module.table(recording), "relu_layer")
    assert (row["status"], row["checks"], row["hint_level"], row["solution_shown"]) == (
        "not tried", 0, 2, True)


def test_a_hand_edited_entry_is_read_as_far_as_it_makes_sense(recording, capsys):
    _learner_file(recording, {"relu_layer": {"status": "great", "checks": "many",
                                             "hint_level": True, "solution_shown": "yes"}})
    row = _row(progress_module.table(recording), "relu_layer")
    assert (row["status"], row["checks"], row["hint_level"], row["solution_shown"]) == (
        "not tried", 0, 0, False)
    check_relu_layer(relu_layer_solution)
    assert capsys.readouterr().err == ""
    entry = json.loads(recording.read_text())["exercises"]["relu_layer"]
    assert (entry["status"], entry["checks"]) == ("correct", 1)
