"""Help on demand: every exercise and question has tiered hints and an accepted solution."""

from __future__ import annotations

import re

import numpy as np
import pytest

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
def test_every_solution_is_accepted_by_its_own_checker(name, capsys):
    record = exercise_help._REGISTRY[name]
    record.check_solution()
    out = capsys.readouterr().out
    assert re.match(rf"{re.escape(name)}: correct\b", out), out


@pytest.mark.parametrize("name", NAMES)
def test_solution_prints_the_reference(name, capsys):
    exercises.solution(name)
    out = capsys.readouterr().out
    assert out.startswith(f"{name}: the reference solution.")
    record = exercise_help._REGISTRY[name]
    if record.kind == "exercise":
        assert re.search(rf"^(def|class) {record.solution.__name__}\b", out, re.MULTILINE), out
    else:
        assert "answer:" in out


def test_an_unknown_name_is_a_clear_error_listing_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown exercise 'nope'; Known: .*"):
        exercises.hint("nope")
    with pytest.raises(ValueError, match="Known: "):
        exercises.solution("nope")


def test_a_level_out_of_range_names_the_range():
    name = NAMES[0]
    n = len(exercise_help._REGISTRY[name].hints)
    with pytest.raises(ValueError, match=rf"level must be an integer >= 1 and <= {n}; got {n + 1}"):
        exercises.hint(name, n + 1)
    with pytest.raises(TypeError, match="level must be an integer"):
        exercises.hint(name, "2")


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


@pytest.mark.parametrize("name", NAMES)
def test_every_solution_is_accepted_under_seterr_raise(name, capsys):
    old = np.seterr(all="raise")
    try:
        exercise_help._REGISTRY[name].check_solution()
    finally:
        np.seterr(**old)
    assert re.match(rf"{re.escape(name)}: correct\b", capsys.readouterr().out)
