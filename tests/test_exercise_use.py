"""``use(name, candidate)``: the learner's code runs the experiment once it passes its checks."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.activations import sigmoid
from course_lib.exercises import last_verdict, use
from course_lib.exercises.custom import CustomC1ActivationSolution
from course_lib.exercises.nonlinearity import tanh_from_sigmoid_solution


def stub(x):
    raise NotImplementedError


def tanh_via_tanh(x):
    """A correct answer in another style than the reference (not the same object)."""
    x = np.asarray(x)
    return np.tanh(x if x.dtype.kind == "f" else x.astype(np.float64))


def tanh_overflowing(x):
    """Right values for moderate x, overflow warnings for large negative x."""
    x = np.asarray(x, dtype=float)
    return 2 / (1 + np.exp(-2 * x)) - 1


def test_a_stub_falls_back_to_the_reference_and_says_so(capsys):
    chosen = use("tanh_from_sigmoid", stub)
    assert chosen is tanh_from_sigmoid_solution
    out = capsys.readouterr().out
    assert out == ("tanh_from_sigmoid: not implemented yet; the experiment below uses the "
                   "reference solution.\n")


def test_a_correct_implementation_is_used(capsys):
    chosen = use("tanh_from_sigmoid", tanh_via_tanh)
    assert chosen is tanh_via_tanh
    out = capsys.readouterr().out
    assert out == ("tanh_from_sigmoid: passes its checks; the experiment below uses your "
                   "implementation.\n")
    assert last_verdict("tanh_from_sigmoid").status == "correct"


@pytest.mark.parametrize("wrong", [
    tanh_overflowing,                                   # warns at x = -1000
    lambda x: 2 * sigmoid(np.asarray(x)) - 1,           # sigma(x) instead of sigma(2x)
    lambda x: np.float32(np.tanh(np.asarray(x, dtype=float))),  # float32 where float64 is asked
    lambda x: None,
])
def test_a_wrong_implementation_falls_back_with_one_line(wrong, capsys):
    chosen = use("tanh_from_sigmoid", wrong)
    assert chosen is tanh_from_sigmoid_solution
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "not passing its checks yet; the experiment below uses the reference solution" in out


def test_the_candidate_is_judged_again_not_trusted_from_an_earlier_check(capsys):
    use("tanh_from_sigmoid", tanh_via_tanh)  # a correct verdict is recorded ...
    chosen = use("tanh_from_sigmoid", lambda x: 0 * np.asarray(x, dtype=float))
    assert chosen is tanh_from_sigmoid_solution  # ... and does not vouch for another function
    capsys.readouterr()


def test_an_exercise_with_several_parts_returns_them_together(capsys):
    forward, backward = use("custom_c1_activation", stub, stub)
    assert (forward, backward) == (CustomC1ActivationSolution.forward,
                                   CustomC1ActivationSolution.backward)
    mine = (CustomC1ActivationSolution.forward, CustomC1ActivationSolution.backward)
    assert use("custom_c1_activation", *mine) == mine
    assert "passes its checks" in capsys.readouterr().out.splitlines()[-1]


@pytest.mark.parametrize("name, args, error, words", [
    ("tanh_from_sigmod", (stub,), ValueError, "an exercise's name"),
    ("deep_linear_xor", (stub,), ValueError, "an exercise's name"),   # a question
    (3, (stub,), ValueError, "got 3"),
    ("custom_c1_activation", (stub,), TypeError, "takes 2 implementation"),
])
def test_bad_arguments_are_named(name, args, error, words):
    with pytest.raises(error, match=words):
        use(name, *args)
