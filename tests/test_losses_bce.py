"""BCEWithLogitsLoss against PyTorch, finite differences and its edge cases."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib.layers import Linear, Sequential
from course_lib.losses import BCEWithLogitsLoss
from course_lib.optim import Adam
from course_lib.train import fit


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("scale", [1.0, 50.0, 1000.0])
def test_matches_torch_value_and_gradient(dtype, rtol, scale):
    rng = np.random.default_rng(0)
    logits = (scale * rng.standard_normal((6, 5))).astype(dtype)
    target = rng.random((6, 5)).astype(dtype)  # soft targets, as pixel intensities
    target[0] = [0.0, 1.0, 0.0, 1.0, 0.5]
    loss = BCEWithLogitsLoss()
    value = loss.forward(logits, target)
    grad = loss.backward()

    z = torch.from_numpy(logits).requires_grad_(True)
    expected = torch.nn.BCEWithLogitsLoss()(z, torch.from_numpy(target))
    expected.backward()
    assert isinstance(value, float)
    assert value == pytest.approx(expected.item(), rel=rtol)
    assert grad.dtype == dtype and grad.shape == logits.shape
    np.testing.assert_allclose(grad, z.grad.numpy(), rtol=rtol, atol=rtol * 1e-3)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    logits, target = rng.standard_normal((3, 4)), rng.random((3, 4))
    loss = BCEWithLogitsLoss()
    loss.forward(logits, target)
    grad = loss.backward()
    eps = 1e-6
    for idx in np.ndindex(logits.shape):
        plus, minus = logits.copy(), logits.copy()
        plus[idx] += eps
        minus[idx] -= eps
        bce = BCEWithLogitsLoss()
        numeric = (bce(plus, target) - bce(minus, target)) / (2 * eps)
        assert grad[idx] == pytest.approx(numeric, rel=1e-6, abs=1e-10)


def test_huge_logits_give_finite_exact_losses_without_warnings():
    loss = BCEWithLogitsLoss()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = loss(np.array([1000.0, -1000.0]), np.array([0.0, 1.0]))
        grad = loss.backward()
    assert value == pytest.approx(1000.0, rel=1e-15)  # each term is 1000
    np.testing.assert_array_equal(grad, [0.5, -0.5])
    # a confident right answer costs almost nothing, but not exactly 0: log(1 + e^-40)
    value = loss(np.array([40.0]), np.array([1.0]))
    assert value == pytest.approx(4.248354255291589e-18, rel=1e-12)


def test_inputs_are_not_modified_and_integer_targets_work():
    logits = np.array([[0.5, -1.0]])
    target = np.array([[1, 0]])
    kept = (logits.copy(), target.copy())
    loss = BCEWithLogitsLoss()
    value = loss(logits, target)
    grad = loss.backward()
    np.testing.assert_array_equal(logits, kept[0])
    np.testing.assert_array_equal(target, kept[1])
    assert grad.dtype == np.float64
    assert value == pytest.approx(float(np.mean(np.log1p(np.exp([-0.5, -1.0])))), rel=1e-14)


def test_errors():
    loss = BCEWithLogitsLoss()
    with pytest.raises(RuntimeError, match="before forward"):
        loss.backward()
    with pytest.raises(ValueError, match=r"target must have the shape of the prediction, \(2,\)"):
        loss(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="must not be empty"):
        loss(np.zeros(0), np.zeros(0))
    with pytest.raises(TypeError, match="prediction"):
        loss(np.array(["a", "b"]), np.zeros(2))


def test_trains_a_model_with_fit():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((64, 3))
    target = (x[:, :1] + x[:, 1:2] > 0).astype(float)
    model = Sequential(Linear(3, 1, rng=3))
    history = fit(model, BCEWithLogitsLoss(), Adam(model, lr=0.1), x, target, epochs=30,
                  batch_size=16, progress=False)
    assert history.loss[-1] < 0.25 * history.loss[0]
