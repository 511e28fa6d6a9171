"""Checkers of course_lib.exercises.batchnorm: accept right answers, reject typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from exercise_helpers import rejects, stub, verdict
from exercise_mutations import (
    as_list,
    elementwise_wrong_answers,
    float32_arithmetic,
    modifies_input,
    reduced_precision,
)

from course_lib.exercises import batchnorm, batchnorm_eval
from course_lib.layers import Activation, BatchNorm1d, Linear, Sequential

Solution = batchnorm.batchnorm_relu_layer_solution


# --- the reference solutions are right ------------------------------------------------------


def _torch_bn_relu(x, dout, gamma, beta, training, running=None, momentum=0.1):
    bn = torch.nn.BatchNorm1d(x.shape[1], momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
        bn.bias.copy_(torch.from_numpy(beta))
        if running is not None:
            bn.running_mean.copy_(torch.from_numpy(running[0]))
            bn.running_var.copy_(torch.from_numpy(running[1]))
    bn.train(training)
    tx = torch.from_numpy(x).requires_grad_(True)
    out = torch.relu(bn(tx))
    out.backward(torch.from_numpy(dout))
    return (out.detach().numpy(), tx.grad.numpy(), bn.weight.grad.numpy(),
            bn.bias.grad.numpy(), bn.running_mean.numpy(), bn.running_var.numpy())


@pytest.mark.parametrize("n", [2, 7, 32])
@pytest.mark.parametrize("training", [True, False])
def test_layer_solution_matches_torch(n, training):
    rng = np.random.default_rng(n)
    x = 1.5 + 2.0 * rng.standard_normal((n, 3))
    dout = rng.standard_normal((n, 3))
    gamma, beta = np.array([0.5, 1.0, -2.0]), np.array([0.1, -0.2, 0.3])
    running = (np.array([1.0, 2.0, -1.0]), np.array([0.5, 4.0, 2.0]))
    layer = Solution(3)
    layer.gamma, layer.beta = gamma, beta
    layer.running_mean, layer.running_var = running[0].copy(), running[1].copy()
    if not training:
        layer.eval()
    ours = (layer.forward(x), *layer.backward(dout), layer.running_mean, layer.running_var)
    theirs = _torch_bn_relu(x, dout, gamma, beta, training, running)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_layer_solution_matches_library_layers_and_keeps_float32():
    rng = np.random.default_rng(3)
    x, dout = rng.normal(2.0, 3.0, (10, 4)), rng.standard_normal((10, 4))
    library = Sequential(BatchNorm1d(4), Activation("relu"))
    library[0].params["gamma"][...] = [1.0, 0.5, 2.0, -1.0]
    layer = Solution(4)
    layer.gamma = library[0].params["gamma"].copy()
    np.testing.assert_allclose(layer.forward(x), library.forward(x), rtol=1e-13, atol=1e-15)
    dx, dgamma, dbeta = layer.backward(dout)
    np.testing.assert_allclose(dx, library.backward(dout), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dgamma, library[0].grads["gamma"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dbeta, library[0].grads["beta"], rtol=1e-12, atol=1e-14)
    layer32 = Solution(4)
    for name in ("gamma", "beta", "running_mean", "running_var"):
        setattr(layer32, name, getattr(layer32, name).astype(np.float32))
    out32 = layer32.forward(x.astype(np.float32))
    grads32 = layer32.backward(dout.astype(np.float32))
    assert {a.dtype for a in (out32, *grads32, layer32.running_var)} == {np.dtype(np.float32)}


def test_update_running_stats_solution_matches_torch_and_keeps_inputs():
    rng = np.random.default_rng(0)
    bn = torch.nn.BatchNorm1d(3, momentum=0.2, dtype=torch.float64)
    mean, var = np.zeros(3), np.ones(3)
    for _ in range(5):
        x = 3.0 + 2.0 * rng.standard_normal((6, 3))
        old = (mean.copy(), var.copy())
        new_mean, new_var = batchnorm_eval.update_running_stats_solution(x, mean, var, momentum=0.2)
        np.testing.assert_array_equal(mean, old[0])
        np.testing.assert_array_equal(var, old[1])
        mean, var = new_mean, new_var
        bn(torch.from_numpy(x))
    np.testing.assert_allclose(mean, bn.running_mean.numpy(), rtol=1e-13)
    np.testing.assert_allclose(var, bn.running_var.numpy(), rtol=1e-13)


def test_fold_batchnorm_solution_equals_linear_then_eval_mode_batchnorm():
    rng = np.random.default_rng(1)
    linear, bn = Linear(5, 3, rng=rng), BatchNorm1d(3, eps=1e-3)
    bn.params["gamma"][...] = [0.5, 2.0, -1.0]
    bn.params["beta"][...] = [0.1, 0.0, -0.4]
    bn.running_mean[...] = [1.0, -2.0, 0.5]
    bn.running_var[...] = [0.25, 3.0, 1e-4]
    bn.eval()
    x = rng.standard_normal((7, 5))
    W, b = batchnorm_eval.fold_batchnorm_solution(
        linear.params["W"], linear.params["b"], bn.params["gamma"], bn.params["beta"],
        bn.running_mean, bn.running_var, eps=1e-3)
    np.testing.assert_allclose(x @ W + b, bn.forward(linear.forward(x)), rtol=1e-12, atol=1e-12)


# --- the BatchNorm + ReLU layer: right answers ------------------------------------------------


class StubLayer:
    """The notebook's stub: __init__, train and eval given, forward and backward to write."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        self.gamma = np.ones(num_features)
        self.beta = np.zeros(num_features)
        self.running_mean = np.zeros(num_features)
        self.running_var = np.ones(num_features)
        self.eps, self.momentum = eps, momentum
        self.training = True

    def train(self):
        self.training = True

    def eval(self):
        self.training = False

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError


class LibraryLayers(StubLayer):
    """Correct: the library's BatchNorm1d and ReLU, parameters copied in on every forward."""

    def forward(self, x):
        x = np.asarray(x)
        dtype = x.dtype if x.dtype.kind == "f" else np.float64
        self.bn = BatchNorm1d(len(self.gamma), eps=self.eps, momentum=self.momentum)
        self.bn.params["gamma"] = np.asarray(self.gamma, dtype=np.float64)
        self.bn.params["beta"] = np.asarray(self.beta, dtype=np.float64)
        self.bn.running_mean = np.asarray(self.running_mean, dtype=np.float64)
        self.bn.running_var = np.asarray(self.running_var, dtype=np.float64)
        self.bn.train(self.training)
        self.relu = Activation("relu")
        out = self.relu.forward(self.bn.forward(x))
        self.running_mean = self.bn.running_mean.astype(dtype)
        self.running_var = self.bn.running_var.astype(dtype)
        return out

    def backward(self, dout):
        dx = self.bn.backward(self.relu.backward(dout))
        dtype = dx.dtype
        return dx, self.bn.grads["gamma"].astype(dtype), self.bn.grads["beta"].astype(dtype)


class StepByStep(StubLayer):
    """Correct: cs231n style, the computational graph backwards one node at a time."""

    def forward(self, x):
        x = np.asarray(x)
        x = x if x.dtype.kind == "f" else x.astype(np.float64)
        if self.training:
            n = x.shape[0]
            mu = np.sum(x, axis=0) / n
            xc = x - mu
            var = np.sum(xc**2, axis=0) / n
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mu
            self.running_var = ((1 - self.momentum) * self.running_var
                                + self.momentum * np.sum(xc**2, axis=0) / (n - 1))
        else:
            xc, var = x - self.running_mean, self.running_var
        std = np.sqrt(var + self.eps)
        x_hat = xc / std
        y = self.gamma * x_hat + self.beta
        self.c = (xc, std, x_hat, y, self.training)
        return np.maximum(y, 0.0 * y)

    def backward(self, dout):
        xc, std, x_hat, y, training = self.c
        dy = np.where(y > 0, dout, 0.0)
        dgamma, dbeta = np.sum(dy * x_hat, axis=0), np.sum(dy, axis=0)
        dx_hat = dy * self.gamma
        if not training:
            return dx_hat / std, dgamma, dbeta
        n = dy.shape[0]
        dxc = dx_hat / std
        dstd = -np.sum(dx_hat * xc, axis=0) / std**2
        dvar = 0.5 * dstd / std
        dxc = dxc + 2.0 * xc * dvar / n
        dx = dxc - np.sum(dxc, axis=0) / n
        return dx, dgamma, dbeta


class CopiesX(Solution(1).__class__):
    """Correct: caches a copy of x and recomputes what backward needs."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.gamma, self.beta = np.ones(num_features), np.zeros(num_features)
        self.running_mean, self.running_var = np.zeros(num_features), np.ones(num_features)

    def forward(self, x):
        self.x = np.array(x, dtype=np.result_type(np.asarray(x).dtype, np.float32)
                          if np.asarray(x).dtype.kind == "f" else np.float64, copy=True)
        return super().forward(self.x)


@pytest.mark.parametrize("layer_class", [Solution, LibraryLayers, StepByStep, CopiesX])
def test_layer_checker_accepts_right_answers(capsys, layer_class):
    line = verdict(capsys, batchnorm.check_batchnorm_relu_layer, layer_class)
    assert line.startswith("batchnorm_relu_layer: correct - all 11 checks passed.")
    assert "Gradient check of your layer" in line


def test_layer_stub_is_not_implemented(capsys):
    line = verdict(capsys, batchnorm.check_batchnorm_relu_layer, StubLayer)
    assert line.startswith("batchnorm_relu_layer: not implemented yet - ")


def test_layer_checker_wants_the_class(capsys):
    line = verdict(capsys, batchnorm.check_batchnorm_relu_layer, StepByStep(3))
    assert "pass the class itself" in line


# --- the BatchNorm + ReLU layer: wrong answers ------------------------------------------------


def patched(**methods):
    """The reference layer with some methods replaced (each gets the layer as self)."""

    def make(num_features, eps=1e-5, momentum=0.1):
        layer = Solution(num_features, eps, momentum)
        for name, method in methods.items():
            setattr(layer, name, method.__get__(layer))
        return layer

    return make


def reference_backward(self, dout):
    return type(self).backward(self, dout)


def reference_forward(self, x):
    return type(self).forward(self, x)


def dgamma_before_relu(self, dout):
    dx, _, dbeta = reference_backward(self, dout)
    return dx, np.sum(dout * self.cache[0], axis=0), dbeta


def dbeta_before_relu(self, dout):
    dx, dgamma, _ = reference_backward(self, dout)
    return dx, dgamma, np.sum(dout, axis=0)


def ignores_batch_dependence(self, dout):
    _, inv_std, active, _ = self.cache
    _, dgamma, dbeta = reference_backward(self, dout)
    return np.where(active, dout, 0.0) * self.gamma * inv_std, dgamma, dbeta


def training_formula_always(self, dout):
    x_hat, inv_std, active, _ = self.cache
    self.cache = (x_hat, inv_std, active, True)
    return reference_backward(self, dout)


def forward_ignores_mode(self, x):
    self.training = True
    return reference_forward(self, x)


def eval_also_updates(self, x):
    result = reference_forward(self, x)
    if not self.training:
        self.running_mean = 0.9 * self.running_mean + 0.1 * np.mean(x, axis=0)
    return result


def biased_running_var(self, x):
    old = self.running_var
    result = reference_forward(self, x)
    if self.training:
        self.running_var = 0.9 * old + 0.1 * np.var(x, axis=0)
    return result


def keras_momentum(self, x):
    old_mean, old_var = self.running_mean, self.running_var
    result = reference_forward(self, x)
    if self.training:
        self.running_mean = 0.1 * old_mean + 0.9 * np.mean(x, axis=0)
        self.running_var = 0.1 * old_var + 0.9 * np.var(x, axis=0, ddof=1)
    return result


def kink_one(self, dout):
    x_hat, inv_std, _, training = self.cache
    self.cache = (x_hat, inv_std, self.gamma * x_hat + self.beta >= 0, training)
    return reference_backward(self, dout)


def one_pass_variance(self, x):
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=0)
    var = np.mean(x * x, axis=0) - mean * mean
    inv_std = 1.0 / np.sqrt(var + self.eps)
    x_hat = (x - mean) * inv_std
    y = self.gamma * x_hat + self.beta
    n = x.shape[0]
    self.running_mean = 0.9 * self.running_mean + 0.1 * mean
    self.running_var = 0.9 * self.running_var + 0.1 * var * n / (n - 1)
    self.cache = (x_hat, inv_std, y > 0, True)
    return np.maximum(y, 0.0)


def no_eps(self, x):
    self.eps = 0.0
    return reference_forward(self, x)


def multiply_mask(self, dout):
    x_hat, inv_std, active, training = self.cache
    dy = dout * active  # stays int64 for integer dout
    if not training:
        return dy * self.gamma * inv_std, np.sum(dy * x_hat, axis=0), np.sum(dy, axis=0)
    n = dy.shape[0]
    dx_hat = dy * self.gamma
    dx = inv_std / n * (n * dx_hat - dx_hat.sum(0) - x_hat * (dx_hat * x_hat).sum(0))
    return dx, np.sum(dy * x_hat, axis=0), np.sum(dy, axis=0)


def mask_dout_in_place(self, dout):
    result = reference_backward(self, dout.copy())
    dout *= self.cache[2]
    return result


class KeepsCallersX(Solution(1).__class__):
    """Caches the caller's x and recomputes x_hat from it in backward."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.gamma, self.beta = np.ones(num_features), np.zeros(num_features)
        self.running_mean, self.running_var = np.zeros(num_features), np.ones(num_features)

    def forward(self, x):
        self.x = x
        return super().forward(x)

    def backward(self, dout):
        running = (self.running_mean, self.running_var)
        super().forward(self.x)  # recompute the cache from the (changed) caller's x
        self.running_mean, self.running_var = running
        return super().backward(dout)


def as_float64(self, x):
    return reference_forward(self, np.asarray(x, dtype=np.float64))


def in_float32(self, x):
    self.gamma = np.asarray(self.gamma, np.float32)
    self.beta = np.asarray(self.beta, np.float32)
    self.running_mean = np.asarray(self.running_mean, np.float32)
    self.running_var = np.asarray(self.running_var, np.float32)
    out = reference_forward(self, np.asarray(x, dtype=np.float32))
    dtype = np.asarray(x).dtype if np.asarray(x).dtype.kind == "f" else np.float64
    self.running_mean = self.running_mean.astype(dtype)
    self.running_var = self.running_var.astype(dtype)
    return out.astype(dtype)


def only_dx(self, dout):
    return reference_backward(self, dout)[0]


def first_cache_kept(self, x):
    cache = self.cache
    result = reference_forward(self, x)
    if cache is not None:
        self.cache = cache
    return result


def integer_buffer(self, x):
    out = reference_forward(self, x)
    buffer = np.zeros_like(np.asarray(x))
    buffer[...] = out
    return buffer


@pytest.mark.parametrize(
    "make, expected",
    [
        (patched(backward=dgamma_before_relu),
         ("dgamma: first difference", "hint:dgamma = sum over the batch")),
        (patched(backward=dbeta_before_relu),
         ("dbeta: first difference", "hint:dbeta = sum over the batch")),
        (patched(backward=ignores_batch_dependence),
         ("dx: first difference", "hint:dx = (N dx_hat - sum(dx_hat)")),
        (patched(backward=training_formula_always),
         ("dx: first difference", "hint:no batch terms")),
        (patched(forward=forward_ignores_mode), ("out: first difference",
                                         "hint:evaluation mode normalises with running_mean")),
        (patched(forward=eval_also_updates), ("running_mean: first difference",
                                        "hint:must not change the running statistics")),
        (patched(forward=biased_running_var),
         ("running_var: first difference", "hint:UNBIASED batch variance")),
        (patched(forward=keras_momentum),
         ("running_mean: first difference", "hint:momentum weights the new batch")),
        (patched(backward=kink_one), ("dx: first difference", "hint:relu'(0) = 0, test y > 0")),
        (patched(forward=one_pass_variance),
         ("out: first difference", "hint:not as mean(x**2) - mean**2")),
        (patched(forward=no_eps), ("out: first difference", "hint:sqrt(var + eps)")),
        (patched(backward=multiply_mask), ("dbeta: dtype int64, expected float64",
                                           "hint:the integer input dout")),
        (patched(backward=mask_dout_in_place), "modified its input dout"),
        (KeepsCallersX, ("dx: first difference", "hint:cache NEW arrays")),
        (patched(forward=as_float64), ("out: dtype float64, expected float32",
                                       "hint:float32 in must give float32 out")),
        (patched(forward=in_float32), "out: first difference at index (0, 0)"),
        (patched(backward=only_dx), "backward must return the tuple (dx, dgamma, dbeta)"),
        (patched(forward=first_cache_kept),
         ("dx: first difference", "hint:cache of the latest forward")),
        (patched(forward=integer_buffer), ("out: dtype int64, expected float64",
                                           "hint:the integer input x")),
    ],
)
def test_layer_checker_rejects_typical_mistakes(capsys, make, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    found = rejects(capsys, batchnorm.check_batchnorm_relu_layer, make, *expected)
    assert "Stuck? " in found.text


def test_layer_checker_survives_hostile_answers(capsys):
    def returns_none(num_features):
        return None

    def slow_masked(self, x):
        return np.ma.masked_array(reference_forward(self, x) + 1.0, mask=True)

    for make in (returns_none, patched(forward=slow_masked), 42):
        line = verdict(capsys, batchnorm.check_batchnorm_relu_layer, make)
        assert line.startswith("batchnorm_relu_layer: wrong - ")


def test_layer_checker_ignores_the_notebooks_numeric_state(capsys):
    old = np.seterr(all="raise")
    try:
        line = verdict(capsys, batchnorm.check_batchnorm_relu_layer, Solution)
    finally:
        np.seterr(**old)
    assert line.startswith("batchnorm_relu_layer: correct")


# --- running statistics ---------------------------------------------------------------------


def running_stats_by_hand(x, running_mean, running_var, momentum=0.1):
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(float)
    n = x.shape[0]
    mean = x.sum(axis=0) / n
    var = ((x - mean) ** 2).sum(axis=0) / (n - 1)
    return (running_mean + momentum * (mean - running_mean),
            running_var + momentum * (var - running_var))


def running_stats_with_torch(x, running_mean, running_var, momentum=0.1):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    bn = torch.nn.BatchNorm1d(x.shape[1], momentum=momentum, dtype=torch.float64)
    bn.running_mean.copy_(torch.from_numpy(np.asarray(running_mean, dtype=np.float64)))
    bn.running_var.copy_(torch.from_numpy(np.asarray(running_var, dtype=np.float64)))
    with torch.no_grad():
        bn(torch.from_numpy(x.astype(np.float64)))
    return bn.running_mean.numpy().astype(dtype), bn.running_var.numpy().astype(dtype)


@pytest.mark.parametrize("candidate", [batchnorm_eval.update_running_stats_solution,
                                       running_stats_by_hand, running_stats_with_torch])
def test_running_stats_checker_accepts_right_answers(capsys, candidate):
    line = verdict(capsys, batchnorm_eval.check_update_running_stats, candidate)
    assert line.startswith("update_running_stats: correct - all 7 checks passed.")


def test_running_stats_stub_is_not_implemented(capsys):
    line = verdict(capsys, batchnorm_eval.check_update_running_stats, stub)
    assert line.startswith("update_running_stats: not implemented yet - ")


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


def one_pass(x, running_mean, running_var, momentum=0.1):
    n = x.shape[0]
    var = (np.mean(x * x, axis=0) - np.mean(x, axis=0) ** 2) * n / (n - 1)
    return ((1 - momentum) * running_mean + momentum * np.mean(x, axis=0),
            (1 - momentum) * running_var + momentum * var)


def forced_float64(x, running_mean, running_var, momentum=0.1):
    return batchnorm_eval.update_running_stats_solution(
        np.asarray(x, dtype=float), np.asarray(running_mean, dtype=float),
        np.asarray(running_var, dtype=float), momentum)


def computed_in_float32(x, running_mean, running_var, momentum=0.1):
    new = batchnorm_eval.update_running_stats_solution(
        np.asarray(x, np.float32), np.asarray(running_mean, np.float32),
        np.asarray(running_var, np.float32), momentum)
    return tuple(a.astype(np.result_type(running_mean, x, np.float32)) for a in new)


def keepdims(x, running_mean, running_var, momentum=0.1):
    new = batchnorm_eval.update_running_stats_solution(x, running_mean, running_var, momentum)
    return new[0][None, :], new[1][None, :]


def fixed_momentum(x, running_mean, running_var, momentum=0.1):
    return batchnorm_eval.update_running_stats_solution(x, running_mean, running_var, 0.1)


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (biased_variance, ("running_var: first difference", "hint:unbiased batch variance")),
        (swapped_momentum, ("running_mean: first difference",
                             "hint:momentum is the weight of the new batch")),
        (updates_in_place, "modified its input running_mean"),
        (only_mean, "returned a numpy array of shape (2,), expected 2 values"),
        (one_pass, ("running_var: first difference", "hint:not as mean(x**2) - mean**2")),
        (forced_float64, ("running_mean: dtype float64, expected float32",
                         "hint:float32 in must give float32 out")),
        (computed_in_float32, "running_mean: first difference at index 0"),
        (keepdims, "running_mean: shape (1, 2), expected (2,)"),
        (fixed_momentum, ("running_mean: first difference", "hint:momentum * batch")),
    ],
)
def test_running_stats_checker_rejects_typical_mistakes(capsys, candidate, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    rejects(capsys, batchnorm_eval.check_update_running_stats, candidate, *expected)


# --- folding BN into the linear layer -------------------------------------------------------


def fold_with_diag(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    s = gamma / np.sqrt(running_var + eps)
    return W @ np.diag(s), s * b - s * running_mean + beta


def fold_with_einsum(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    inv = 1.0 / np.sqrt(running_var + eps)
    return np.einsum("ij,j->ij", W, gamma * inv), beta + gamma * (b - running_mean) * inv


@pytest.mark.parametrize("candidate", [batchnorm_eval.fold_batchnorm_solution, fold_with_diag,
                                       fold_with_einsum])
def test_fold_checker_accepts_right_answers(capsys, candidate):
    line = verdict(capsys, batchnorm_eval.check_fold_batchnorm, candidate)
    assert line.startswith("fold_batchnorm: correct - all 5 checks passed.")


def test_fold_stub_is_not_implemented(capsys):
    assert verdict(capsys, batchnorm_eval.check_fold_batchnorm, stub).startswith(
        "fold_batchnorm: not implemented yet - ")


def scales_rows(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    s = gamma / np.sqrt(running_var + eps)
    return W * s[:, None], (b - running_mean) * s + beta


def without_eps(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    s = gamma / np.sqrt(running_var)
    return W * s, (b - running_mean) * s + beta


def fixed_eps(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    return batchnorm_eval.fold_batchnorm_solution(W, b, gamma, beta, running_mean, running_var)


def without_beta(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    s = gamma / np.sqrt(running_var + eps)
    return W * s, (b - running_mean) * s


def variance_not_std(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    s = gamma / (running_var + eps)
    return W * s, (b - running_mean) * s + beta


def mean_not_scaled(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    s = gamma / np.sqrt(running_var + eps)
    return W * s, b * s - running_mean + beta


def scales_W_in_place(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    s = gamma / np.sqrt(running_var + eps)
    W *= s
    return W, (b - running_mean) * s + beta


def fold_forced_float64(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    args = (np.asarray(a, dtype=float) for a in (W, b, gamma, beta, running_mean, running_var))
    return batchnorm_eval.fold_batchnorm_solution(*args, eps=eps)


def transposed(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    W2, b2 = batchnorm_eval.fold_batchnorm_solution(W, b, gamma, beta, running_mean, running_var,
                                                    eps)
    return W2.T, b2


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (scales_rows, ("W_folded: first difference at W=-0.5", "hint:W * s, not W * s[:, None]")),
        (without_eps, ("W_folded: first difference at W=1.0", "hint:sqrt(running_var_j + eps)")),
        (fixed_eps, ("W_folded: first difference", "hint:here 0.1")),
        (without_beta, "b_folded: first difference at index 0"),
        (variance_not_std, "W_folded: first difference at W=1.0"),
        (mean_not_scaled,
         ("b_folded: first difference", "hint:b' = (b - running_mean) * s + beta")),
        (scales_W_in_place, "modified its input W"),
        (fold_forced_float64, ("W_folded: dtype float64, expected float32",
                              "hint:float32 in must give float32 out")),
        (transposed, "W_folded: first difference at W=-0.5"),
    ],
)
def test_fold_checker_rejects_typical_mistakes(capsys, candidate, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    rejects(capsys, batchnorm_eval.check_fold_batchnorm, candidate, *expected)


# --- the question -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, start",
    [("c", "correct - (c)"), (" C ", "correct - (c)"), ("a", "wrong - you chose (a)"),
     ("b", "wrong - you chose (b)"), (None, "not answered yet"), (..., "not answered yet"),
     ("d", "wrong - answer with one of"), (3, "wrong - answer with one of"),
     ([1], "wrong - answer with one of")],
)
def test_question(capsys, answer, start):
    assert batchnorm.check_relu_gradient_depth15_lecun(answer) is None
    out, err = capsys.readouterr()
    assert err == "" and all(len(line) < 90 for line in out.splitlines()), out
    assert out.startswith(f"relu_gradient_depth15_lecun: {start}"), out


def _elementwise_first_difference(checker, solution, *, dout=False):
    return elementwise_wrong_answers(checker, solution, dout=dout,
                                     float32_finding="first difference")


# --- wrong answers of every class (issue 18): each must be rejected, the finding naming it ---


def _out_float16(self, x):
    return reference_forward(self, x).astype(np.float16)


def _dx_as_list(self, dout):
    dx, dgamma, dbeta = reference_backward(self, dout)
    return dx.tolist(), dgamma, dbeta


_RUN = batchnorm_eval.update_running_stats_solution


def axis_none(x, running_mean, running_var, momentum=0.1):
    """An axis bug: the statistics of the whole batch, one number for every feature."""
    x = np.asarray(x)
    return ((1 - momentum) * running_mean + momentum * x.mean(),
            (1 - momentum) * running_var + momentum * x.var(ddof=1))


def axis_one(x, running_mean, running_var, momentum=0.1):
    """An axis bug: per-sample statistics, cut to one per feature."""
    x = np.asarray(x)
    d = x.shape[1]
    return ((1 - momentum) * running_mean + momentum * np.resize(x.mean(axis=1), d),
            (1 - momentum) * running_var + momentum * np.resize(x.var(axis=1, ddof=1), d))
_FOLD = batchnorm_eval.fold_batchnorm_solution

EVERY_CLASS = [
    (batchnorm.check_batchnorm_relu_layer, patched(forward=_out_float16),
     "out: dtype float16, expected float64"),
    (batchnorm.check_batchnorm_relu_layer, patched(backward=_dx_as_list),
     "dx: returned a list, expected a numpy array"),
    (batchnorm_eval.check_update_running_stats, reduced_precision(_RUN),
     "running_mean: dtype float16, expected float64"),
    (batchnorm_eval.check_update_running_stats, as_list(_RUN), "running_mean: returned a list"),
    (batchnorm_eval.check_update_running_stats, float32_arithmetic(_RUN),
     "running_mean: first difference"),
    (batchnorm_eval.check_update_running_stats, modifies_input(_RUN, 2),
     "modified its input running_var"),
    (batchnorm_eval.check_update_running_stats, axis_none,
     "(the batch mean over all of x, not per feature)"),
    (batchnorm_eval.check_update_running_stats, axis_one,
     "(the batch mean over axis 1, not over the batch axis 0)"),
    (batchnorm_eval.check_fold_batchnorm, reduced_precision(_FOLD),
     "W_folded: dtype float16, expected float64"),
    (batchnorm_eval.check_fold_batchnorm, as_list(_FOLD), "W_folded: returned a list"),
    (batchnorm_eval.check_fold_batchnorm, float32_arithmetic(_FOLD), "first difference"),
    (batchnorm_eval.check_fold_batchnorm, modifies_input(_FOLD, 4),
     "modified its input running_mean"),
]


@pytest.mark.parametrize("checker, candidate, expected", EVERY_CLASS)
def test_wrong_answers_of_every_class_are_rejected_and_named(capsys, checker, candidate,
                                                            expected):
    rejects(capsys, checker, candidate, expected)


# --- every checker's reference, on every one of its inputs, against an independent oracle ---


def test_the_fold_reference_on_every_case_agrees_with_torch_linear_then_batch_norm():
    rng = np.random.default_rng(5)
    for case in (*batchnorm_eval.FOLD_BATCHNORM_CASES, *batchnorm_eval.FOLD_BATCHNORM_CASES_32):
        W, b, gamma, beta, mean, var = (np.asarray(a, dtype=np.float64) for a in case.args)
        eps = case.kwargs.get("eps", 1e-5)
        x = rng.normal(size=(7, W.shape[0]))
        t = {k: torch.from_numpy(v) for k, v in dict(W=W, b=b, g=gamma, be=beta, m=mean,
                                                       v=var, x=x).items()}
        want = torch.nn.functional.batch_norm(t["x"] @ t["W"] + t["b"], t["m"], t["v"],
                                              t["g"], t["be"], training=False, eps=eps)
        W_f, b_f = batchnorm_eval.fold_batchnorm_solution(*case.args, **case.kwargs)
        rtol = 1e-12 if W_f.dtype == np.float64 else 1e-5
        np.testing.assert_allclose(x @ W_f.astype(np.float64) + b_f, want.numpy(), rtol=rtol,
                                   atol=rtol)
