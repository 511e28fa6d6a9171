"""Help on demand: every exercise and question has tiered hints and an accepted solution."""

from __future__ import annotations

import re

import numpy as np
import pytest
from exercise_helpers import hint_candidate, hint_code

from course_lib import exercises
from course_lib.exercises import help as exercise_help

NAMES = exercises.names()


def test_there_are_exercises_and_names_are_unique_and_sorted():
    assert NAMES and NAMES == sorted(set(NAMES))


@pytest.mark.parametrize("name", NAMES)
def test_every_exercise_has_two_or_three_hint_levels(name, capsys):
    record = exercise_help._REGISTRY[name]
    assert 2 <= len(record.hints) <= 3
    for level in range(1, len(record.hints) + 1):
        exercises.hint(name, level)
        out = capsys.readouterr().out
        assert out.startswith(f"{name}, hint {level} of {len(record.hints)}: ")
        assert all(len(line) < 90 for line in out.splitlines())
    assert len(set(record.hints)) == len(record.hints)


@pytest.mark.parametrize("name", NAMES)
def test_registry_plumbing_each_checker_is_wired_to_its_reference(name, capsys):
    """PLUMBING ONLY: each registered checker runs and accepts the registered reference,
    also under np.seterr(all="raise") in the notebook.

    This cannot fail when a reference is wrong (the checker compares the reference with
    itself); each reference is checked against an independent oracle (torch, mpmath,
    scipy, finite differences) in tests/test_exercises_<topic>.py.
    """
    record = exercise_help._REGISTRY[name]
    old = np.seterr(all="raise")
    try:
        record.check_solution()
    finally:
        np.seterr(**old)
    out = capsys.readouterr().out
    assert re.match(rf"{re.escape(name)}: correct\b", out), out
    assert exercises.last_verdict(name).status == "correct"


HINTS_WITH_CODE = [
    (name, level)
    for name in NAMES
    for level, text in enumerate(exercise_help._REGISTRY[name].hints, 1)
    if exercise_help._REGISTRY[name].kind == "exercise"
    and hint_code(text) is not None
]


@pytest.mark.parametrize("name, level", HINTS_WITH_CODE)
def test_every_hint_that_shows_code_passes_its_checker(name, level, capsys):
    """The code of a hint, taken from its text and run as the learner would, is correct.

    A hint shows code as a one-line function body ("a = ...; return ..."), in backticks, or
    as a block after a line break; one that shows only a fragment says "Part of the code".
    """
    record = exercise_help._REGISTRY[name]
    text = record.hints[level - 1]
    found = hint_code(text)
    try:
        candidate = hint_candidate(record, *found)
    except SyntaxError as error:
        pytest.fail(f"hint({name!r}, {level}) shows code that does not run as written: "
                    f"{error}")
    record.checker(*candidate)
    capsys.readouterr()
    verdict_ = exercises.last_verdict(name)
    assert verdict_.status == "correct", f"hint({name!r}, {level}): {verdict_.text}"


@pytest.mark.parametrize("name", NAMES)
def test_solution_prints_the_reference(name, capsys):
    exercises.solution(name)
    out = capsys.readouterr().out
    assert all(len(line) <= 100 for line in out.splitlines()[:3]), out
    record = exercise_help._REGISTRY[name]
    assert "write your own" not in out
    if record.kind == "exercise":
        assert out.startswith(f"{name}: the reference solution")
        assert re.search(rf"^(def|class) {record.solution.__name__}\b", out, re.MULTILINE), out
    else:
        assert out.startswith(f"{name}: the answer. ")


@pytest.mark.parametrize("call, expected", [
    (lambda: exercises.hint("relu_layr"), "did you mean 'relu_layer'"),
    (lambda: exercises.solution("relu_layr"), "did you mean 'relu_layer'"),
    (lambda: exercises.hint("nope_nothing_close"), "there is no exercise or question"),
    (lambda: exercises.hint(3), "the name must be a string"),
    (lambda: exercises.hint("relu_layer", 0), "has hint levels 1, 2, 3; got 0"),
    (lambda: exercises.hint("relu_layer", 99), "has hint levels 1, 2, 3; got 99"),
    (lambda: exercises.hint("relu_layer", "a"), "the level must be a whole number"),
    (lambda: exercises.hint("relu_layer", 1.5), "the level must be a whole number"),
    (lambda: exercises.hint("relu_layer", True), "the level must be a whole number"),
])
def test_help_never_raises_on_a_typo_and_says_what_to_type(call, expected, capsys):
    assert call() is None
    out, err = capsys.readouterr()
    assert err == "" and expected in " ".join(out.split()), out
    assert "names() lists" in out or "Try hint(" in out
    assert len(out) < 300  # suggestions, not the list of every name
    assert all(len(line) < 90 for line in out.splitlines())


def test_a_level_given_as_a_numpy_integer_is_fine(capsys):
    exercises.hint("relu_layer", np.int64(2))
    assert capsys.readouterr().out.startswith("relu_layer, hint 2 of 3: ")


def test_wrong_verdicts_point_to_the_next_hint_then_the_solution(capsys):
    check = exercises.question(
        "test_only_question", options={"a": "yes", "b": "no"}, answer="a",
        explanation="because.", hints=("first", "second"),
    )
    try:
        check("b")
        assert capsys.readouterr().out.rstrip().endswith("Stuck? hint('test_only_question', 1)")
        exercises.hint("test_only_question", 1)
        capsys.readouterr()
        check("b")
        assert capsys.readouterr().out.rstrip().endswith("hint('test_only_question', 2)")
        exercises.hint("test_only_question", 2)
        capsys.readouterr()
        check("b")
        assert capsys.readouterr().out.rstrip().endswith("solution('test_only_question')")
        for answer, start in [(None, "not answered yet"), ("z", "wrong"), (3, "wrong"),
                              (" A ", "correct")]:
            check(answer)
            assert capsys.readouterr().out.startswith(f"test_only_question: {start}")
    finally:
        exercise_help._REGISTRY.pop("test_only_question", None)
        exercise_help._HINTS_SEEN.pop("test_only_question", None)


def test_numeric_questions_accept_answers_within_the_tolerance(capsys):
    check = exercises.question("test_only_number", answer=47, rtol=0.05,
                               explanation="e^-0.1t < 0.01 from t = 47.", hints=("a", "b"))
    try:
        for given, start in [(47, "correct"), ("46", "correct"), (40, "wrong"),
                             (float("nan"), "wrong"), ("many", "wrong"), (None, "not answered")]:
            check(given)
            assert capsys.readouterr().out.startswith(f"test_only_number: {start}"), given
    finally:
        exercise_help._REGISTRY.pop("test_only_number", None)


GARBAGE = (None, 3, "relu", [1.0, 2.0], lambda *a, **k: None, lambda *a, **k: 1 / 0)


@pytest.mark.parametrize("name", NAMES)
def test_every_checker_gives_a_verdict_for_garbage_and_never_raises(name, capsys):
    record = exercise_help._REGISTRY[name]
    n_args = len(record.checker_args) if record.checker_args is not None else 1
    for garbage in GARBAGE:
        record.checker(*([garbage] * n_args))
        out, err = capsys.readouterr()
        assert err == ""
        first = out.splitlines()[0]
        assert re.match(rf"{re.escape(name)}: (wrong|not answered yet)\b", first), (garbage, out)


QUESTIONS = [n for n in NAMES if exercise_help._REGISTRY[n].kind == "question"
             and getattr(exercise_help._REGISTRY[n].checker, "options", None)]


@pytest.mark.parametrize("name", QUESTIONS)
def test_a_question_shows_its_options_from_the_registry_before_it_is_answered(name, capsys):
    record = exercise_help._REGISTRY[name]
    record.checker(None)
    out = capsys.readouterr().out
    flat = " ".join(out.split())
    for key, text in record.checker.options.items():
        assert f"({key}) {' '.join(text.split())}" in flat, out
    assert exercises.last_verdict(name).status == "not_implemented"


@pytest.mark.parametrize("name", QUESTIONS)
def test_no_notebook_restates_a_questions_options(name):
    """One source for the options: the notebook shows them through the checker's output
    (the registry), never in its own prose, where they drifted apart from the checker's."""
    import json
    from pathlib import Path

    options = exercise_help._REGISTRY[name].checker.options
    root = Path(__file__).resolve().parents[1] / "notebooks"
    for path in sorted(root.glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        if not any(name in "".join(c["source"]) for c in cells if c["cell_type"] == "code"):
            continue
        for cell in cells:
            if cell["cell_type"] != "markdown":
                continue
            lines = "".join(cell["source"]).splitlines()
            restated = [line for line in lines
                        if re.match(rf"\s*[-*]\s*\(({'|'.join(options)})\)\s", line)]
            assert not restated, (f"{path.name} restates the options of {name!r}; let the "
                                  f"checker's output show them: {restated}")
