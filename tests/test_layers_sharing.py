"""Weight sharing: one layer object used more than once in a Sequential, against torch
autograd (float64, the same weights)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib import layers as L
from course_lib.optim import SGD


def _t(a, grad=False):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


def test_a_linear_layer_used_twice_gets_the_sum_of_its_gradients():
    rng = np.random.default_rng(0)
    first, shared = L.Linear(3, 4, rng=rng), L.Linear(4, 4, rng=rng)
    shared.params["b"][...] = rng.standard_normal(4)
    model = L.Sequential(first, L.Activation("tanh"), shared, L.Activation("tanh"), shared)
    x, dout = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    y = model.forward(x)
    dx = model.backward(dout)

    xt = _t(x, True)
    w1, b1 = _t(first.params["W"], True), _t(first.params["b"], True)
    w, b = _t(shared.params["W"], True), _t(shared.params["b"], True)
    yt = torch.tanh(torch.tanh(xt @ w1 + b1) @ w + b) @ w + b
    yt.backward(_t(dout))
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(shared.grads["W"], w.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(shared.grads["b"], b.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(first.grads["W"], w1.grad.numpy(), rtol=1e-10, atol=1e-14)
    # listed once, under its first index, as torch's parameters() lists it once
    assert sorted(model.params) == ["0.W", "0.b", "2.W", "2.b"]
    assert model.grads["2.W"] is shared.grads["W"]


def test_a_shared_block_of_layers_and_a_second_backward():
    rng = np.random.default_rng(1)
    block = L.Sequential(L.Linear(3, 3, rng=rng), L.Activation("gelu"))
    scale = L.PReLU(init=0.3)
    model = L.Sequential(block, scale, block, scale)
    x, dout = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    w, b = _t(block[0].params["W"], True), _t(block[0].params["b"], True)
    a = _t(scale.params["weight"], True)
    xt = _t(x, True)

    def twin(h):
        return torch.nn.functional.prelu(torch.nn.functional.gelu(h @ w + b), a)

    twin(twin(xt)).backward(_t(dout))
    for _ in range(2):  # a second forward/backward starts again from zero, not from the sum
        model.forward(x)
        dx = model.backward(dout)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(block[0].grads["W"], w.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(scale.grads["weight"], a.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_an_optimiser_updates_a_shared_layer_once_per_step():
    shared = L.Linear(2, 2, rng=0)
    model = L.Sequential(shared, shared)
    model.forward(np.ones((1, 2)))
    model.backward(np.ones((1, 2)))
    before = shared.params["W"].copy()
    SGD(model, lr=0.1).step()
    np.testing.assert_allclose(shared.params["W"], before - 0.1 * shared.grads["W"])


@pytest.mark.parametrize("make", [lambda: L.Linear(2, 2, rng=0), lambda: L.Activation("relu")])
def test_an_unshared_model_is_unchanged(make):
    model = L.Sequential(make(), make())
    model.forward(np.ones((1, 2)))
    assert model.backward(np.ones((1, 2))).shape == (1, 2)
