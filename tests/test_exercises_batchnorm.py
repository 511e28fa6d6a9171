"""Checkers of course_lib.exercises.batchnorm: accept the solution, reject typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib.exercises import batchnorm
from course_lib.layers import BatchNorm1d
from exercise_helpers import stub, verdict


# --- the solutions are right ------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 7, 32])
def test_batchnorm_backward_solution_matches_torch_and_layer(n):
    rng = np.random.default_rng(n)
    x = 1.5 + 2.0 * rng.standard_normal((n, 3))
    dout = rng.standard_normal((n, 3))
    gamma = np.array([0.5, 1.0, -2.0])
    dx, dgamma, dbeta = batchnorm.batchnorm_backward_solution(x, dout, gamma, eps=1e-5)

    bn = torch.nn.BatchNorm1d(3, eps=1e-5, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
    tx = torch.from_numpy(x).requires_grad_(True)
    bn(tx).backward(torch.from_numpy(dout))
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dgamma, bn.weight.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dbeta, bn.bias.grad.numpy(), rtol=1e-10, atol=1e-12)

    layer = BatchNorm1d(3, eps=1e-5)
    layer.params["gamma"][...] = gamma
    layer.forward(x)
    np.testing.assert_allclose(dx, layer.backward(dout), rtol=1e-12, atol=1e-14)


def test_update_running_stats_solution_matches_torch_and_keeps_inputs():
    rng = np.random.default_rng(0)
    bn = torch.nn.BatchNorm1d(3, momentum=0.2, dtype=torch.float64)
    mean, var = np.zeros(3), np.ones(3)
    for _ in range(5):
        x = 3.0 + 2.0 * rng.standard_normal((6, 3))
        old = (mean.copy(), var.copy())
        new_mean, new_var = batchnorm.update_running_stats_solution(x, mean, var, momentum=0.2)
        np.testing.assert_array_equal(mean, old[0])
        np.testing.assert_array_equal(var, old[1])
        mean, var = new_mean, new_var
        bn(torch.from_numpy(x))
    np.testing.assert_allclose(mean, bn.running_mean.numpy(), rtol=1e-13)
    np.testing.assert_allclose(var, bn.running_var.numpy(), rtol=1e-13)


# --- each checker: solution correct, stub not implemented, typical mistakes wrong --------


@pytest.mark.parametrize(
    "checker, solution, passed",
    [
        (batchnorm.check_batchnorm_backward, batchnorm.batchnorm_backward_solution, 4),
        (batchnorm.check_update_running_stats, batchnorm.update_running_stats_solution, 5),
    ],
)
def test_solution_correct_and_stub_not_implemented(capsys, checker, solution, passed):
    assert f" correct - all {passed} checks passed." in verdict(capsys, checker, solution)
    assert ": not implemented yet - " in verdict(capsys, checker, stub)


def library_layer(x, dout, gamma, eps=1e-5):
    layer = BatchNorm1d(x.shape[1], eps=eps)
    layer.params["gamma"][...] = gamma
    layer.forward(x)
    dx = layer.backward(dout)
    return dx, layer.grads["gamma"], layer.grads["beta"]


def test_batchnorm_backward_accepts_the_library_layer(capsys):
    assert " correct - " in verdict(capsys, batchnorm.check_batchnorm_backward, library_layer)


def eval_mode_gradient(x, dout, gamma, eps=1e-5):
    # ignores that the batch mean and variance depend on x
    inv_std = 1.0 / np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - x.mean(axis=0)) * inv_std
    return dout * gamma * inv_std, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


def without_gamma(x, dout, gamma, eps=1e-5):
    return batchnorm.batchnorm_backward_solution(x, dout, np.ones_like(gamma), eps)


def without_eps(x, dout, gamma, eps=1e-5):
    return batchnorm.batchnorm_backward_solution(x, dout, gamma, eps=0.0)


def scales_dout_in_place(x, dout, gamma, eps=1e-5):
    result = batchnorm.batchnorm_backward_solution(x, dout.copy(), gamma, eps)
    dout *= gamma
    return result


def only_dx(x, dout, gamma, eps=1e-5):
    return batchnorm.batchnorm_backward_solution(x, dout, gamma, eps)[0]


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (eval_mode_gradient, "subtract the batch mean of dx_hat"),
        (without_gamma, "dx_hat = gamma * dout"),
        (without_eps, "as small as eps"),
        (scales_dout_in_place, "your code modified its input (dout was"),
        (only_dx, "expected a tuple of 3 items"),
    ],
)
def test_batchnorm_backward_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    line = verdict(capsys, batchnorm.check_batchnorm_backward, candidate)
    assert line.startswith("batchnorm_backward: wrong - for x=")
    assert expected_in_line in line


def biased_variance(x, running_mean, running_var, momentum=0.1):  # slide 5
    return ((1 - momentum) * running_mean + momentum * np.mean(x, axis=0),
            (1 - momentum) * running_var + momentum * np.var(x, axis=0))


def swapped_momentum(x, running_mean, running_var, momentum=0.1):  # Keras' convention
    return (momentum * running_mean + (1 - momentum) * np.mean(x, axis=0),
            momentum * running_var + (1 - momentum) * np.var(x, axis=0, ddof=1))


def updates_in_place(x, running_mean, running_var, momentum=0.1):
    running_mean *= 1 - momentum
    running_mean += momentum * np.mean(x, axis=0)
    running_var *= 1 - momentum
    running_var += momentum * np.var(x, axis=0, ddof=1)
    return running_mean, running_var


def only_mean(x, running_mean, running_var, momentum=0.1):
    return (1 - momentum) * running_mean + momentum * np.mean(x, axis=0)


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (biased_variance, "unbiased batch variance"),
        (swapped_momentum, "momentum is the weight of the new batch"),
        (updates_in_place, "your code modified its input (running_mean was"),
        (only_mean, "expected a tuple of 2 items"),
    ],
)
def test_update_running_stats_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    line = verdict(capsys, batchnorm.check_update_running_stats, candidate)
    assert line.startswith("update_running_stats: wrong - for x=")
    assert expected_in_line in line
