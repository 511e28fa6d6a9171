"""Checkers of course_lib.exercises.nonlinearity: accept the solution, reject typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import activations
from course_lib.exercises import nonlinearity
from course_lib.layers import Linear, Sequential
from exercise_helpers import stub, verdict


# --- the solutions are right ------------------------------------------------------------


def test_collapse_solution_equals_two_library_layers():
    rng = np.random.default_rng(0)
    first, second = Linear(4, 6, rng=rng), Linear(6, 3, rng=rng)
    first.params["b"][...] = rng.normal(size=6)
    second.params["b"][...] = rng.normal(size=3)
    W, b = nonlinearity.collapse_linear_layers_solution(
        first.params["W"], first.params["b"], second.params["W"], second.params["b"]
    )
    x = rng.normal(size=(10, 4))
    np.testing.assert_allclose(x @ W + b, Sequential(first, second).forward(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-14), (np.float32, 2e-6)])
def test_tanh_from_sigmoid_solution_equals_tanh(dtype, rtol):
    x = np.concatenate([np.linspace(-20, 20, 81), [-1000.0, 1000.0, -400.0]]).astype(dtype)
    got = nonlinearity.tanh_from_sigmoid_solution(x)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, activations.tanh(x), rtol=rtol, atol=1e-15)
    assert nonlinearity.tanh_from_sigmoid_solution(np.array([1, 2])).dtype == np.float64


# --- checkers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "checker, solution",
    [
        (nonlinearity.check_collapse_linear_layers, nonlinearity.collapse_linear_layers_solution),
        (nonlinearity.check_tanh_from_sigmoid, nonlinearity.tanh_from_sigmoid_solution),
    ],
)
def test_solution_correct_and_stub_not_implemented(capsys, checker, solution):
    assert " correct - all " in verdict(capsys, checker, solution)
    assert ": not implemented yet - " in verdict(capsys, checker, stub)


def forgets_b1(W1, b1, W2, b2):
    return W1 @ W2, b2


def adds_biases(W1, b1, W2, b2):
    return W1 @ W2, b1 + b2 if b1.shape == b2.shape else b1[: b2.size] + b2


def wrong_order(W1, b1, W2, b2):
    return W2.T @ W1.T, b1 @ W2 + b2


def swapped_product(W1, b1, W2, b2):
    return W2 @ W1, b1 @ W2 + b2


def in_place(W1, b1, W2, b2):
    b2 += b1 @ W2
    return W1 @ W2, b2


def only_weight(W1, b1, W2, b2):
    return W1 @ W2


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (forgets_b1, "in item 1"),
        (adds_biases, "in item 1"),
        (wrong_order, "in item 0 (first difference at index (0, 1)"),
        (swapped_product, "expected shape (2, 2), got shape (3, 3) in item 0"),
        (in_place, "your code modified its input (b2 was"),
        (only_weight, "expected a tuple of 2 items"),
    ],
)
def test_collapse_rejects(capsys, candidate, expected):
    line = verdict(capsys, nonlinearity.check_collapse_linear_layers, candidate)
    assert line.startswith("collapse_linear_layers: wrong - for W1=[[")
    assert expected in line


def naive_sigmoid_tanh(x):
    return 2 / (1 + np.exp(-2 * x)) - 1


def wrong_argument(x):
    return 2 * activations.sigmoid(x) - 1


def always_float64(x):
    return 2 * activations.sigmoid(2 * np.asarray(x, dtype=np.float64)) - 1


def doubles_in_place(x):
    x *= 2
    return 2 * activations.sigmoid(x) - 1


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (wrong_argument, "for x=[-3.0, -1.0, 0.0, 0.5, 2.0]: expected [-0.99505475, -0.76159416, 0.0, 0.46211716, 0.96402758], got"),
        (naive_sigmoid_tanh, "for x=[-1000.0, -400.0, 400.0, 1000.0]: expected [-1.0, -1.0, 1.0, 1.0], but your code warned RuntimeWarning: overflow encountered in exp"),
        (always_float64, "(float32, shape (2, 2)): expected dtype float32, got float64"),
        (doubles_in_place, "your code modified its input (x was [-3.0, -1.0, 0.0, 0.5, 2.0], is now [-6.0, -2.0, 0.0, 1.0, 4.0])"),
    ],
)
def test_tanh_from_sigmoid_rejects(capsys, candidate, expected):
    line = verdict(capsys, nonlinearity.check_tanh_from_sigmoid, candidate)
    assert line.startswith("tanh_from_sigmoid: wrong - for x=")
    assert expected in line
