"""Checkers of course_lib.exercises.formulas: accept the solution, reject typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import activations, gradcheck
from course_lib.exercises import formulas
from exercise_helpers import stub, verdict


# --- the solutions are right ------------------------------------------------------------

X = np.concatenate([np.linspace(-30, 30, 121), [0.0, -1e-9, 1e-9, -800.0, 800.0]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("slope", [0.01, 0.3, 1.0, 2.5])
def test_leaky_relu_solution_matches_library(dtype, slope):
    x = X.astype(dtype)
    got = formulas.leaky_relu_solution(x, slope)
    want = activations.leaky_relu(x, negative_slope=slope)
    assert got.dtype == want.dtype == dtype
    # the library rounds once from float64; float32 arithmetic may differ in the last bit
    np.testing.assert_allclose(got, want, rtol=1.2e-7 if dtype == np.float32 else 0.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("alpha", [0.5, 1.0, 2.0])
def test_elu_grad_solution_matches_library(dtype, alpha):
    x = X.astype(dtype)
    got = formulas.elu_grad_solution(x, alpha)
    want = activations.elu_grad(x, alpha=alpha)
    assert got.dtype == want.dtype == dtype
    np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-14)


def test_central_difference_solution_matches_gradcheck():
    x = np.array([-1.5, 0.3, 2.0])
    ours = formulas.central_difference_solution(np.tanh, x, h=1e-6)
    theirs = gradcheck.numerical_gradient(lambda z: np.sum(np.tanh(z)), x, eps=1e-6)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)
    np.testing.assert_allclose(ours, activations.tanh_grad(x), rtol=1e-8)


# --- each checker: solution correct, stub not implemented, typical mistakes wrong --------


@pytest.mark.parametrize(
    "checker, solution",
    [
        (formulas.check_leaky_relu, formulas.leaky_relu_solution),
        (formulas.check_elu_grad, formulas.elu_grad_solution),
        (formulas.check_central_difference, formulas.central_difference_solution),
    ],
)
def test_solution_correct_and_stub_not_implemented(capsys, checker, solution):
    assert " correct - all " in verdict(capsys, checker, solution)
    assert ": not implemented yet - " in verdict(capsys, checker, stub)


def leaky_slide_formula(x, negative_slope=0.01):
    return np.maximum(negative_slope * x, x)


def leaky_mask(x, negative_slope=0.01):
    x = np.asarray(x, dtype=float)
    return x * (x > 0) + negative_slope * x * (x <= 0)


def leaky_in_place(x, negative_slope=0.01):
    x[x < 0] *= negative_slope
    return x


def leaky_forced_float64(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, negative_slope * x)


def leaky_keeps_int(x, negative_slope=0.01):
    x = np.asarray(x)
    return np.where(x > 0, x, negative_slope * x).astype(x.dtype)


def leaky_mask_quiet(x, negative_slope=0.01):
    x = np.asarray(x)
    with np.errstate(invalid="ignore"):
        return x * (x > 0) + negative_slope * x * (x <= 0)


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (leaky_slide_formula, "negative_slope=2.0: expected [-4.0, -1.0, 0.0, 1.0, 3.0], got [-2.0, -0.5, 0.0, 2.0, 6.0]"),
        (leaky_mask, "your code warned RuntimeWarning: invalid value encountered in multiply"),
        (leaky_mask_quiet, "first difference at x=-inf: expected -inf, got nan"),
        (leaky_in_place, "your code modified its input (x was [-3.0, -1.0, 0.0, 0.5, 2.0], is now"),
        (leaky_forced_float64, "(float32, shape (2, 2)), negative_slope=0.2: expected dtype float32, got float64"),
        (leaky_keeps_int, "for x=[-5, 0, 5] (int64), negative_slope=0.5: expected dtype float64, got int64"),
        (lambda x, negative_slope=0.01: list(leaky_relu_ok(x, negative_slope)), "got a list"),
    ],
)
def test_leaky_relu_rejects(capsys, candidate, expected):
    line = verdict(capsys, formulas.check_leaky_relu, candidate)
    assert line.startswith("leaky_relu: wrong - for x=")
    assert expected in line
    assert "Hint: " in line


def leaky_relu_ok(x, negative_slope):
    return formulas.leaky_relu_solution(x, negative_slope)


def elu_grad_wrong_kink(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    return np.where(x >= 0, 1.0, alpha * np.exp(np.minimum(x, 0)))


def elu_grad_slide_style(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(x))


def elu_grad_from_output(x, alpha=1.0):
    """f(x) + alpha for x <= 0, computed with exp(x) - 1: right values, overflows at large x."""
    return np.where(x > 0, 1.0, alpha * (np.exp(x) - 1) + alpha)


def elu_grad_float64(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))


def elu_grad_in_place(x, alpha=1.0):
    neg = x <= 0
    x[neg] = alpha * np.exp(x[neg])
    x[~neg] = 1.0
    return x


def elu_grad_forgets_alpha(x, alpha=1.0):
    return np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0)))


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (elu_grad_wrong_kink, "x=[-1.0, 0.0, 1.0], alpha=2.0: expected [0.73575888, 2.0, 1.0], got [0.73575888, 1.0, 1.0] (first difference at x=0.0"),
        (elu_grad_slide_style, "for x=[-800.0, -50.0, 50.0, 800.0], alpha=1.0: expected [0.0, 1.9287498e-22, 1.0, 1.0], but your code warned RuntimeWarning: overflow encountered in exp"),
        (elu_grad_from_output, "RuntimeWarning: overflow encountered in exp"),
        (elu_grad_float64, "expected dtype float32, got float64"),
        (elu_grad_in_place, "your code modified its input"),
        (elu_grad_forgets_alpha, "alpha=2.0: expected [0.73575888, 2.0, 1.0], got [0.36787944, 1.0, 1.0]"),
    ],
)
def test_elu_grad_rejects(capsys, candidate, expected):
    line = verdict(capsys, formulas.check_elu_grad, candidate)
    assert line.startswith("elu_grad: wrong - for x=")
    assert expected in line


def forward_difference(f, x, h=1e-5):
    return (f(x + h) - f(x)) / h


def missing_two(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / h


def fixed_step(f, x, h=1e-5):
    return (f(x + 1e-5) - f(x - 1e-5)) / 2e-5


def shifts_in_place(f, x, h=1e-5):
    x += h
    up = f(x)
    x -= 2 * h
    down = f(x)
    return (up - down) / (2 * h)


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (forward_difference, "for f=a ufunc named 'tanh', x=[-2.0, -0.5, 0.0, 0.5, 2.0], h=1e-05: expected"),
        (missing_two, "Hint: divide f(x + h) - f(x - h) by 2h."),
        (fixed_step, "for f=a function named '_cubic', x=[-1.0, 0.0, 2.0], h=0.0001: expected [1.00000000999"),
        (shifts_in_place, "your code modified its input (x was [-2.0, -0.5, 0.0, 0.5, 2.0], is now"),
    ],
)
def test_central_difference_rejects(capsys, candidate, expected):
    line = verdict(capsys, formulas.check_central_difference, candidate)
    assert line.startswith("central_difference: wrong - for f=")
    assert expected in line
