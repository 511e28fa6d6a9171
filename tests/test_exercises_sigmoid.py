"""Checkers of course_lib.exercises.sigmoid: accept the solution, reject typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import torch

from course_lib import activations
from course_lib.exercises import sigmoid
from exercise_helpers import verdict


def stub(x):
    raise NotImplementedError


# --- the solutions are right ------------------------------------------------------------

X = np.concatenate([np.linspace(-800.0, 800.0, 3201), [-1e-9, 0.0, 1e-9, -np.inf, np.inf]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stable_sigmoid_solution_matches_scipy_and_torch(dtype):
    x = X.astype(dtype)
    got = sigmoid.stable_sigmoid_solution(x)
    assert got.dtype == dtype
    rtol = 4 * np.finfo(dtype).eps  # a few roundings in the working precision
    normal = np.abs(got) >= np.finfo(dtype).tiny  # subnormal results are rounded differently
    np.testing.assert_allclose(got[normal], scipy.special.expit(x)[normal], rtol=rtol, atol=0)
    ref = torch.sigmoid(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got[normal], ref[normal], rtol=rtol, atol=0)
    assert np.all(got[X <= -746] == 0) and np.all(got[X >= 40] == 1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log_sigmoid_solution_matches_scipy_and_torch(dtype):
    x = X.astype(dtype)
    got = sigmoid.log_sigmoid_solution(x)
    assert got.dtype == dtype
    rtol = 4 * np.finfo(dtype).eps
    normal = np.abs(got) >= np.finfo(dtype).tiny
    np.testing.assert_allclose(got[normal], scipy.special.log_expit(x)[normal], rtol=rtol, atol=0)
    ref = torch.nn.functional.logsigmoid(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got[normal], ref[normal], rtol=rtol, atol=0)
    assert got[0] == -800.0  # the point of the exercise: not log(0) = -inf


def test_solutions_agree_with_library_and_keep_input():
    x = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    before = x.copy()
    np.testing.assert_allclose(sigmoid.stable_sigmoid_solution(x), activations.sigmoid(x),
                               rtol=1e-15, atol=0)
    np.testing.assert_allclose(sigmoid.log_sigmoid_solution(x), activations.log_sigmoid(x),
                               rtol=1e-15, atol=0)
    np.testing.assert_array_equal(x, before)
    assert sigmoid.stable_sigmoid_solution(np.array([-2, 0, 2])).dtype == np.float64


# --- each checker: solution correct, stub not implemented, typical mistakes wrong --------


@pytest.mark.parametrize(
    "checker, solution",
    [
        (sigmoid.check_stable_sigmoid, sigmoid.stable_sigmoid_solution),
        (sigmoid.check_log_sigmoid, sigmoid.log_sigmoid_solution),
        (sigmoid.check_stable_sigmoid, activations.sigmoid),
        (sigmoid.check_log_sigmoid, activations.log_sigmoid),
    ],
)
def test_solution_correct_and_stub_not_implemented(capsys, checker, solution):
    assert " correct - all 6 checks passed." in verdict(capsys, checker, solution)
    assert ": not implemented yet - " in verdict(capsys, checker, stub)


def naive_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def clipped_sigmoid(x):  # slide 4
    return 1.0 / (1.0 + np.exp(-np.clip(x, -500, 500)))


def where_both_branches(x):
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))


def forced_float64(x):
    return sigmoid.stable_sigmoid_solution(np.asarray(x, dtype=np.float64))


def in_place(x):
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    z = np.exp(-np.abs(x))
    positive = x >= 0
    x[positive] = 1.0 / (1.0 + z[positive])
    x[~positive] = z[~positive] / (1.0 + z[~positive])
    return x


def integer_result(x):
    return sigmoid.stable_sigmoid_solution(x).astype(np.asarray(x).dtype)


def as_list(x):
    return sigmoid.stable_sigmoid_solution(x).tolist()


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (naive_sigmoid, "warned RuntimeWarning: overflow encountered in exp"),
        (clipped_sigmoid, "not a clipped exp(-500)"),
        (where_both_branches, "np.where evaluates both branches"),
        (forced_float64, "expected dtype float32, got float64"),
        (in_place, "your code modified its input"),
        (integer_result, "expected dtype float64, got int64"),
        (as_list, "expected a numpy array"),
    ],
)
def test_stable_sigmoid_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    line = verdict(capsys, sigmoid.check_stable_sigmoid, candidate)
    assert line.startswith("stable_sigmoid: wrong - for x=")
    assert expected_in_line in line
    assert "Hint:" in line


def log_of_sigmoid(x):
    return np.log(sigmoid.stable_sigmoid_solution(x))


def log1p_exp_naive(x):
    return -np.log1p(np.exp(-x))


def log_of_one_plus(x):
    # loses the tiny values for large x: log(1 + 4e-18) is log(1) = 0
    x = np.asarray(x, dtype=np.float64)
    return np.minimum(x, 0.0) - np.log(1.0 + np.exp(-np.abs(x)))


def log_sigmoid_float64_only(x):
    return sigmoid.log_sigmoid_solution(np.asarray(x, dtype=np.float64))


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (log_of_sigmoid, "divide by zero encountered in log"),
        (log1p_exp_naive, "overflow encountered in exp"),
        (log_of_one_plus, "log sigma(40) = -4.25e-18"),
        (log_sigmoid_float64_only, "expected dtype float32, got float64"),
    ],
)
def test_log_sigmoid_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    line = verdict(capsys, sigmoid.check_log_sigmoid, candidate)
    assert line.startswith("log_sigmoid: wrong - for x=")
    assert expected_in_line in line
