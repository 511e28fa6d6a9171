"""Checkers of course_lib.exercises.relu: accept the solution, reject typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib.exercises import relu
from course_lib.layers import Activation
from exercise_helpers import verdict


def stub(x, dout, negative_slope=0.01):
    raise NotImplementedError


# --- the solutions are right ------------------------------------------------------------

X = np.concatenate([np.linspace(-3.0, 3.0, 61), [0.0, -1e-300, 1e-300]])


def torch_input_grad(function, x, dout):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    function(t).backward(torch.tensor(dout, dtype=torch.float64))
    return t.grad.numpy()


def test_relu_backward_solution_matches_torch_and_layer():
    dout = np.random.default_rng(0).standard_normal(X.shape)
    got = relu.relu_backward_solution(X, dout)
    np.testing.assert_array_equal(got, torch_input_grad(torch.relu, X, dout))
    layer = Activation("relu")
    layer.forward(X)
    np.testing.assert_array_equal(got, layer.backward(dout))
    assert np.count_nonzero(X == 0) == 2 and np.all(got[X == 0] == 0.0)  # relu'(0) = 0


@pytest.mark.parametrize("slope", [0.01, 0.2, 2.0])
def test_leaky_relu_backward_solution_matches_torch_and_layer(slope):
    dout = np.random.default_rng(1).standard_normal(X.shape)
    got = relu.leaky_relu_backward_solution(X, dout, negative_slope=slope)
    want = torch_input_grad(lambda t: torch.nn.functional.leaky_relu(t, slope), X, dout)
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
    layer = Activation("leaky_relu", negative_slope=slope)
    layer.forward(X)
    np.testing.assert_allclose(got, layer.backward(dout), rtol=1e-15, atol=0)


def test_solutions_keep_dtype_promote_ints_and_leave_inputs_alone():
    x = np.array([-2, -1, 0, 1, 2])
    dout = np.ones_like(x)  # the slide's int upstream gradient
    before = dout.copy()
    for solution in (relu.relu_backward_solution, relu.leaky_relu_backward_solution):
        got = solution(x, dout)
        assert got.dtype == np.float64
        np.testing.assert_array_equal(dout, before)
        x32 = np.array([-1.0, 2.0], dtype=np.float32)
        assert solution(x32, np.ones(2, dtype=np.float32)).dtype == np.float32
    np.testing.assert_array_equal(relu.relu_backward_solution(x, np.full(5, 0.5)),
                                  [0.0, 0.0, 0.0, 0.5, 0.5])


# --- each checker: solution correct, stub not implemented, typical mistakes wrong --------


@pytest.mark.parametrize(
    "checker, solution",
    [
        (relu.check_relu_backward, relu.relu_backward_solution),
        (relu.check_leaky_relu_backward, relu.leaky_relu_backward_solution),
    ],
)
def test_solution_correct_and_stub_not_implemented(capsys, checker, solution):
    assert " correct - all 5 checks passed." in verdict(capsys, checker, solution)
    assert ": not implemented yet - " in verdict(capsys, checker, stub)


def relu_kink_one(x, dout):
    return np.where(x >= 0, dout, 0.0)


def relu_slide_mask(x, dout):  # slide 3: fine for floats, an int gradient for int dout
    return dout * (x > 0)


def relu_zeros_like_x(x, dout):
    dx = np.zeros_like(x)
    dx[x > 0] = dout[x > 0]
    return dx


def relu_in_place(x, dout):
    dout[x <= 0] = 0.0
    return dout


def relu_forced_float64(x, dout):
    return np.where(x > 0, dout, 0.0).astype(np.float64)


def relu_returns_mask(x, dout):
    return (x > 0).astype(np.float64)


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (relu_kink_one, "at the kink x = 0 the convention (PyTorch's) is relu'(0) = 0"),
        (relu_slide_mask, "expected dtype float64, got int64"),
        (relu_zeros_like_x, "expected dtype float64, got int64"),
        (relu_in_place, "your code modified its input (dout was"),
        (relu_forced_float64, "expected dtype float32, got float64"),
        (relu_returns_mask, "dx = dout where x > 0"),
    ],
)
def test_relu_backward_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    line = verdict(capsys, relu.check_relu_backward, candidate)
    assert line.startswith("relu_backward: wrong - for x=")
    assert expected_in_line in line


def leaky_kink_one(x, dout, negative_slope=0.01):
    return np.where(x >= 0, dout, negative_slope * dout)


def leaky_max(x, dout, negative_slope=0.01):
    return np.maximum(negative_slope * dout, dout)


def leaky_empty_like_x(x, dout, negative_slope=0.01):
    dx = np.empty_like(x)
    dx[x > 0] = dout[x > 0]
    dx[x <= 0] = negative_slope * dout[x <= 0]
    return dx


def leaky_in_place(x, dout, negative_slope=0.01):
    dout[x <= 0] *= negative_slope
    return dout


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (leaky_kink_one, "at the kink x = 0 PyTorch uses the left slope"),
        (leaky_max, "expected [0.1, 0.2, 3.0, 4.0], got [1.0, 2.0, 3.0, 4.0]"),
        (leaky_empty_like_x, "expected dtype float64, got int64"),
        (leaky_in_place, "your code modified its input (dout was"),
    ],
)
def test_leaky_relu_backward_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    line = verdict(capsys, relu.check_leaky_relu_backward, candidate)
    assert line.startswith("leaky_relu_backward: wrong - for x=")
    assert expected_in_line in line
