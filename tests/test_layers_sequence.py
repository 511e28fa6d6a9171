"""RNN, GatedRNN and SelfAttention against PyTorch (float64, copied weights, rtol 1e-10),
backpropagation through time, and zero-length sequences.

Their finite-difference gradients and the layer contract are tested in tests/test_layers.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_lib import layers as L
from course_lib.gradcheck import numerical_vjp, relative_error

RTOL = 1e-10
TOL = 1e-7  # finite differences


def _t(a, grad=False):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


def _close(ours, theirs):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-13)


# ------------------------------------------------------------------------------------------
# RNN
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_matches_torch(nonlinearity):
    r = np.random.default_rng(17)
    n, t, d, h = 3, 6, 4, 5
    ours = L.RNN(d, h, nonlinearity, rng=r)
    ours.params["b"][...] = r.standard_normal(h) * 0.1
    ref = torch.nn.RNN(d, h, nonlinearity=nonlinearity, batch_first=True).double()
    with torch.no_grad():
        ref.weight_ih_l0.copy_(_t(ours.params["Wx"].T))
        ref.weight_hh_l0.copy_(_t(ours.params["Wh"].T))
        ref.bias_ih_l0.copy_(_t(ours.params["b"]))
        ref.bias_hh_l0.zero_()
    x, h0 = r.standard_normal((n, t, d)), r.standard_normal((n, h)) * 0.5
    dout = r.standard_normal((n, t, h))
    xt, h0t = _t(x, True), _t(h0[None], True)
    yt, _ = ref(xt, h0t)
    yt.backward(_t(dout))
    _close(ours.forward(x, h0=h0), yt)
    _close(ours.backward(dout), xt.grad)
    _close(ours.dh0, h0t.grad[0])
    _close(ours.grads["Wx"], ref.weight_ih_l0.grad.T)
    _close(ours.grads["Wh"], ref.weight_hh_l0.grad.T)
    _close(ours.grads["b"], ref.bias_ih_l0.grad)
    _close(ours.grads["b"], ref.bias_hh_l0.grad)


def test_rnn_hidden_grad_norms_are_the_gradient_reaching_each_step():
    r = np.random.default_rng(4)
    d, h, t_len = 2, 3, 6
    rnn = L.RNN(d, h, "tanh", rng=r)
    x = r.standard_normal((2, t_len, d))
    dout = r.standard_normal((2, t_len, h))
    rnn.forward(x)
    rnn.backward(dout)
    # torch: the gradient of the loss with respect to every hidden state h_t
    wx, wh = _t(rnn.params["Wx"], True), _t(rnn.params["Wh"], True)
    states, h_prev = [], torch.zeros(2, h, dtype=torch.float64)
    for t in range(t_len):
        h_prev = torch.tanh(_t(x[:, t]) @ wx + h_prev @ wh)
        h_prev.retain_grad()
        states.append(h_prev)
    (torch.stack(states, dim=1) * _t(dout)).sum().backward()
    expected = [torch.linalg.norm(s.grad).item() for s in states]
    np.testing.assert_allclose(rnn.hidden_grad_norms, expected, rtol=1e-12)


# ------------------------------------------------------------------------------------------
# GatedRNN
# ------------------------------------------------------------------------------------------
def _torch_gated_rnn(params, x, h0):
    """h_t = z_t * tanh(a_t) + (1 - z_t) * h_{t-1}, written out in torch."""
    p = {k: _t(v, True) for k, v in params.items()}
    h_prev, states = h0, []
    for t in range(x.shape[1]):
        a = x[:, t] @ p["Wx"] + h_prev @ p["Wh"] + p["b"]
        z = torch.sigmoid(x[:, t] @ p["Wxz"] + h_prev @ p["Whz"] + p["bz"])
        h_prev = z * torch.tanh(a) + (1 - z) * h_prev
        states.append(h_prev)
    return torch.stack(states, dim=1), p


def test_gated_rnn_matches_torch_autograd():
    r = np.random.default_rng(18)
    n, t, d, h = 3, 7, 4, 5
    ours = L.GatedRNN(d, h, rng=r)
    ours.params["b"][...] = 0.3 * r.standard_normal(h)
    ours.params["bz"][...] = 0.3 * r.standard_normal(h)
    x, h0 = r.standard_normal((n, t, d)), 0.5 * r.standard_normal((n, h))
    dout = r.standard_normal((n, t, h))
    xt, h0t = _t(x, True), _t(h0, True)
    yt, pt = _torch_gated_rnn(ours.params, xt, h0t)
    yt.backward(_t(dout))
    _close(ours.forward(x, h0=h0), yt)
    _close(ours.backward(dout), xt.grad)
    _close(ours.dh0, h0t.grad)
    assert set(ours.grads) == set(pt) == {"Wx", "Wh", "b", "Wxz", "Whz", "bz"}
    for name, tensor in pt.items():
        _close(ours.grads[name], tensor.grad)


@pytest.mark.parametrize("make", [lambda r: L.RNN(3, 4, "tanh", rng=r),
                                  lambda r: L.GatedRNN(3, 4, rng=r)], ids=["RNN", "GatedRNN"])
def test_initial_state_gradient_matches_finite_differences(make):
    r = np.random.default_rng(3)
    rnn = make(r)
    x = r.standard_normal((2, 4, 3))
    h0 = 0.5 * r.standard_normal((2, 4))
    dout = r.standard_normal((2, 4, 4))
    rnn.forward(x, h0=h0)
    rnn.backward(dout)
    numeric = numerical_vjp(lambda h: rnn.forward(x, h0=h), h0, dout)
    assert relative_error(rnn.dh0, numeric) < TOL


def test_tanh_gradient_vanishes_through_time_and_the_gate_keeps_more():
    x = np.random.default_rng(5).standard_normal((8, 30, 4))
    ratios = {}
    for name, rnn in (("tanh", L.RNN(4, 16, "tanh", rng=6)), ("gated", L.GatedRNN(4, 16, rng=6))):
        h = rnn.forward(x)
        dout = np.zeros_like(h)
        dout[:, -1] = 1.0
        rnn.backward(dout)
        ratios[name] = rnn.hidden_grad_norms[0] / rnn.hidden_grad_norms[-1]
    assert ratios["tanh"] < 1e-3
    assert ratios["gated"] > 5 * ratios["tanh"]


@pytest.mark.parametrize("cls", [L.RNN, L.GatedRNN])
def test_a_zero_length_sequence_is_refused_like_torch(cls):
    with pytest.raises(RuntimeError, match="sequence length"):
        torch.nn.RNN(3, 4, batch_first=True)(torch.zeros(2, 0, 3))
    with pytest.raises(ValueError, match=rf"{cls.__name__}\(3, 4\): x must have shape "
                                         r"\(N, T, 3\) with T >= 1.*got \(2, 0, 3\)"):
        cls(3, 4, rng=0).forward(np.zeros((2, 0, 3)))


@pytest.mark.parametrize("cls", [L.RNN, L.GatedRNN])
def test_wrong_h0_shape_names_the_expected_shape(cls):
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, 4\); got \(4,\)"):
        cls(3, 4, rng=0).forward(np.ones((2, 5, 3)), h0=np.ones((4,)))


# ------------------------------------------------------------------------------------------
# SelfAttention
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("causal", [False, True])
def test_self_attention_matches_torch(causal):
    r = np.random.default_rng(16)
    d, t_len = 6, 5
    layer = L.SelfAttention(d, causal=causal, rng=r)
    x, dout = r.standard_normal((3, t_len, d)), r.standard_normal((3, t_len, d))
    xt = _t(x, True)
    wq, wk, wv = (_t(layer.params[k], True) for k in ("Wq", "Wk", "Wv"))
    q, k, v = xt @ wq, xt @ wk, xt @ wv
    yt = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    scores = q @ k.transpose(1, 2) / np.sqrt(d)
    if causal:
        mask = torch.ones(t_len, t_len, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(mask, float("-inf"))
    weights_t = torch.softmax(scores, dim=-1)
    yt.backward(_t(dout))
    y = layer.forward(x)
    assert type(y) is np.ndarray
    _close(y, yt)
    _close(layer.attention_weights, weights_t)
    if causal:
        upper = np.triu_indices(t_len, 1)
        assert np.all(layer.attention_weights[:, upper[0], upper[1]] == 0.0)
    _close(layer.backward(dout), xt.grad)
    for name, wt in zip(("Wq", "Wk", "Wv"), (wq, wk, wv), strict=True):
        _close(layer.grads[name], wt.grad)


def test_self_attention_softmax_is_stable_for_huge_scores():
    layer = L.SelfAttention(2, rng=0)
    layer.params["Wq"][...] = np.eye(2) * 1e3
    layer.params["Wk"][...] = np.eye(2) * 1e3
    y = layer.forward(np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]]))
    weights = layer.attention_weights
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(weights))
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-15)


@pytest.mark.parametrize("causal", [False, True])
def test_self_attention_on_a_zero_length_sequence_is_empty_like_torch(causal):
    layer = L.SelfAttention(4, causal=causal, rng=0)
    x = np.zeros((2, 0, 4))
    empty = _t(x)
    expected = F.scaled_dot_product_attention(empty, empty, empty, is_causal=causal)
    y = layer.forward(x)
    assert y.shape == tuple(expected.shape) == (2, 0, 4)
    assert layer.attention_weights.shape == (2, 0, 0)
    dx = layer.backward(np.zeros((2, 0, 4)))
    assert dx.shape == (2, 0, 4)
    assert all(g.shape == (4, 4) and not np.any(g) for g in layer.grads.values())


def test_sequential_passes_the_attention_output_on():
    r = np.random.default_rng(8)
    attn, linear = L.SelfAttention(4, rng=r), L.Linear(4, 2, rng=r)
    model = L.Sequential(attn, linear)
    x = r.standard_normal((2, 3, 4))
    q, k, v = (x @ attn.params[name] for name in ("Wq", "Wk", "Wv"))
    expected = torch.softmax(_t(q @ k.transpose(0, 2, 1) / 2.0), dim=-1).numpy() @ v
    expected = expected @ linear.params["W"] + linear.params["b"]
    _close(model.forward(x), expected)
