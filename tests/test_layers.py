"""Tests of course_lib.layers.

* every input and parameter gradient of every layer against central differences
  (float64, relative error < 1e-7), in training and evaluation mode where they differ;
* forward values and gradients against PyTorch with copied weights (float64, rtol 1e-8);
* the layer contract: backward before forward raises, nothing is mutated, grads match
  params, dtypes are kept, wrong shapes raise ValueError naming the expected shape.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_lib import activations
from course_lib import layers as L
from course_lib.gradcheck import layer_gradient_errors, numerical_vjp, relative_error

TOL = 1e-7  # finite differences, float64
RTOL = 1e-8  # against PyTorch, float64


def _rng(seed=0):
    return np.random.default_rng(seed)


def _away_from_zero(rng, shape, gap=0.05):
    """Standard normal values pushed at least ``gap`` away from 0 (the ReLU-like kink)."""
    x = rng.standard_normal(shape)
    return np.where(x >= 0, x + gap, x - gap)


def _distinct(rng, shape):
    """Values whose gaps are >= 0.01, so a max never changes under a 1e-6 perturbation."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.01 - 0.005 * n).reshape(shape)


# ------------------------------------------------------------------------------------------
# Layer factories used by the gradient and contract tests: name -> (layer, input)
# ------------------------------------------------------------------------------------------
def _bn_eval():
    bn = L.BatchNorm1d(3)
    bn.running_mean = np.array([0.3, -0.2, 1.0])
    bn.running_var = np.array([0.5, 2.0, 1.5])
    bn.params["gamma"][...] = [1.5, -0.7, 0.9]
    bn.params["beta"][...] = [0.1, 0.2, -0.3]
    return bn.eval()


def _bn_train():
    bn = L.BatchNorm1d(3)
    bn.params["gamma"][...] = [1.5, -0.7, 0.9]
    bn.params["beta"][...] = [0.1, 0.2, -0.3]
    return bn


CASES = {
    "Linear": lambda r: (L.Linear(5, 4, rng=r), r.standard_normal((6, 5))),
    "Linear_3d_no_bias": lambda r: (
        L.Linear(5, 4, bias=False, rng=r), r.standard_normal((2, 3, 5))),
    "PReLU_shared": lambda r: (L.PReLU(init=0.1), _away_from_zero(r, (4, 3))),
    "PReLU_channels": lambda r: (L.PReLU(3, init=0.2), _away_from_zero(r, (2, 3, 2, 2))),
    "AdaptiveSwish": lambda r: (
        L.AdaptiveSwish(3, alpha=0.7, beta=-1.3), r.standard_normal((4, 3))),
    "BatchNorm1d_train": lambda r: (_bn_train(), r.standard_normal((6, 3))),
    "BatchNorm1d_eval": lambda r: (_bn_eval(), r.standard_normal((6, 3))),
    "Conv2D": lambda r: (L.Conv2D(2, 3, 3, rng=r), r.standard_normal((2, 2, 6, 5))),
    "Conv2D_stride2_pad1": lambda r: (
        L.Conv2D(2, 3, 3, stride=2, padding=1, rng=r), r.standard_normal((2, 2, 7, 7))),
    "Conv2D_stride3_pad2_k2": lambda r: (
        L.Conv2D(1, 2, 2, stride=3, padding=2, rng=r), r.standard_normal((2, 1, 6, 8))),
    "MaxPool2D": lambda r: (L.MaxPool2D(2), _distinct(r, (2, 2, 5, 4))),
    "MaxPool2D_k3": lambda r: (L.MaxPool2D(3), _distinct(r, (1, 2, 6, 7))),
    "Flatten": lambda r: (L.Flatten(), r.standard_normal((2, 3, 2, 2))),
    "RNN_tanh": lambda r: (L.RNN(3, 4, rng=r), r.standard_normal((2, 5, 3))),
    "RNN_relu": lambda r: (L.RNN(3, 4, "relu", rng=r), r.standard_normal((2, 5, 3))),
    "RNN_hard_tanh": lambda r: (
        L.RNN(3, 4, "hard_tanh", rng=r), 0.5 * r.standard_normal((2, 5, 3))),
    "RNN_gated": lambda r: (L.RNN(3, 4, "gated", rng=r), r.standard_normal((2, 5, 3))),
    "SelfAttention": lambda r: (L.SelfAttention(4, rng=r), r.standard_normal((2, 5, 4))),
    "SelfAttention_causal": lambda r: (
        L.SelfAttention(4, causal=True, rng=r), r.standard_normal((2, 5, 4))),
    "GLU": lambda r: (L.GLU(), r.standard_normal((3, 6))),
    "SwiGLU": lambda r: (L.SwiGLU(), r.standard_normal((2, 3, 6))),
    "GaussianGLU": lambda r: (L.GaussianGLU(mean=0.3, std=0.8), r.standard_normal((3, 6))),
    "Activation_gelu": lambda r: (L.Activation("gelu"), r.standard_normal((4, 3))),
    "Sequential_mlp": lambda r: (
        L.Sequential(
            L.Linear(4, 6, bias=False, rng=r),  # a bias before BN would get a zero gradient
            L.BatchNorm1d(6),
            L.Activation("tanh"),
            L.Linear(6, 2, rng=r),
        ),
        r.standard_normal((5, 4)),
    ),
    "Sequential_cnn": lambda r: (
        L.Sequential(
            L.Conv2D(1, 2, 3, padding=1, rng=r),
            L.Activation("softplus"),
            L.MaxPool2D(2),
            L.Flatten(),
            L.Linear(8, 3, rng=r),
        ),
        r.standard_normal((2, 1, 4, 4)),
    ),
}


def _make(name, seed=0):
    return CASES[name](_rng(seed))


def _output(layer, x):
    out = layer.forward(x)
    return out[0] if isinstance(out, tuple) else out


# ------------------------------------------------------------------------------------------
# Gradients against finite differences
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_match_finite_differences(name):
    layer, x = _make(name)
    errors = layer_gradient_errors(layer, x, rng=_rng(1))
    assert set(errors) == {"x", *layer.params}
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("name", activations.names())
def test_activation_layer_gradient_for_every_registered_activation(name):
    spec = activations.get(name)
    x = np.linspace(-3.0, 3.0, 25).reshape(5, 5) + 0.013
    for kink in spec.kinks:  # keep every point away from a kink
        assert np.min(np.abs(x - kink)) > 1e-3
    errors = layer_gradient_errors(L.Activation(name), x, rng=_rng(2))
    assert errors["x"] < TOL


def test_rnn_initial_state_gradient_matches_finite_differences():
    r = _rng(3)
    for activation in ("tanh", "gated"):
        rnn = L.RNN(3, 4, activation, rng=r)
        x = r.standard_normal((2, 4, 3))
        h0 = 0.5 * r.standard_normal((2, 4))
        dout = r.standard_normal((2, 4, 4))
        rnn.forward(x, h0=h0)
        rnn.backward(dout)
        numeric = numerical_vjp(lambda h: rnn.forward(x, h0=h), h0, dout)
        assert relative_error(rnn.dh0, numeric) < TOL


def test_rnn_hidden_grad_norms_are_the_gradient_reaching_each_step():
    r = _rng(4)
    rnn = L.RNN(2, 3, "tanh", rng=r)
    x = r.standard_normal((2, 6, 2))
    states = rnn.forward(x)
    dout = r.standard_normal(states.shape)
    rnn.backward(dout)
    norms = rnn.hidden_grad_norms.copy()
    assert norms.shape == (6,)
    assert norms[-1] == pytest.approx(np.linalg.norm(dout[:, -1]), rel=1e-12)
    for t in range(5):
        # dL/dh_t = dout_t + what flows back from the rest of the sequence, which is the
        # initial-state gradient of the same RNN run on the suffix from h_t.
        rnn.forward(x[:, t + 1 :], h0=states[:, t])
        rnn.backward(dout[:, t + 1 :])
        expected = np.linalg.norm(dout[:, t] + rnn.dh0)
        assert norms[t] == pytest.approx(expected, rel=1e-10)


def test_rnn_tanh_gradient_vanishes_through_time_and_gated_keeps_more():
    r = _rng(5)
    x = r.standard_normal((8, 30, 4))
    ratios = {}
    for activation in ("tanh", "gated"):
        rnn = L.RNN(4, 16, activation, rng=_rng(6))
        h = rnn.forward(x)
        dout = np.zeros_like(h)
        dout[:, -1] = 1.0
        rnn.backward(dout)
        ratios[activation] = rnn.hidden_grad_norms[0] / rnn.hidden_grad_norms[-1]
    assert ratios["tanh"] < 1e-3
    assert ratios["gated"] > 5 * ratios["tanh"]


# ------------------------------------------------------------------------------------------
# Against PyTorch (float64, copied weights)
# ------------------------------------------------------------------------------------------
def _t(a, grad=False):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


def _close(ours, theirs):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-12)


def test_linear_matches_torch():
    r = _rng(10)
    layer = L.Linear(5, 3, rng=r)
    layer.params["b"][...] = r.standard_normal(3)
    x, dout = r.standard_normal((4, 5)), r.standard_normal((4, 3))
    xt, wt, bt = _t(x, True), _t(layer.params["W"].T, True), _t(layer.params["b"], True)
    yt = F.linear(xt, wt, bt)
    yt.backward(_t(dout))
    _close(layer.forward(x), yt)
    _close(layer.backward(dout), xt.grad)
    _close(layer.grads["W"], wt.grad.T)
    _close(layer.grads["b"], bt.grad)


@pytest.mark.parametrize(
    "stride, padding, kernel", [(1, 0, 3), (2, 1, 3), (1, 2, 3), (2, 0, 2), (3, 1, 4)]
)
def test_conv2d_matches_torch(stride, padding, kernel):
    r = _rng(11)
    conv = L.Conv2D(3, 4, kernel, stride=stride, padding=padding, rng=r)
    conv.params["b"][...] = r.standard_normal(4)
    x = r.standard_normal((2, 3, 9, 8))
    xt, wt, bt = _t(x, True), _t(conv.params["W"], True), _t(conv.params["b"], True)
    yt = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
    y = conv.forward(x)
    assert y.shape == tuple(yt.shape)
    _close(y, yt)
    dout = r.standard_normal(y.shape)
    yt.backward(_t(dout))
    _close(conv.backward(dout), xt.grad)
    _close(conv.grads["W"], wt.grad)
    _close(conv.grads["b"], bt.grad)


def test_conv2d_on_the_benchmark_batch_matches_torch():
    from course_lib.data import load_digits_split

    x = load_digits_split(images=True).X_test
    conv = L.Conv2D(1, 16, 3, rng=np.random.default_rng(0))
    assert x.shape == (360, 1, 8, 8)
    y = conv.forward(x)
    _close(y, F.conv2d(_t(x), _t(conv.params["W"]), _t(conv.params["b"])))


def test_maxpool2d_matches_torch():
    r = _rng(12)
    for k, shape in [(2, (2, 3, 6, 6)), (2, (2, 1, 7, 5)), (3, (1, 2, 8, 9))]:
        x = _distinct(r, shape)
        xt = _t(x, True)
        yt = F.max_pool2d(xt, k)
        pool = L.MaxPool2D(k)
        y = pool.forward(x)
        _close(y, yt)
        dout = r.standard_normal(y.shape)
        yt.backward(_t(dout))
        _close(pool.backward(dout), xt.grad)


def test_maxpool2d_tie_goes_to_the_first_maximum_like_torch():
    x = np.ones((1, 1, 2, 2))
    pool = L.MaxPool2D(2)
    pool.forward(x)
    xt = _t(x, True)
    F.max_pool2d(xt, 2).backward(_t(np.ones((1, 1, 1, 1))))
    _close(pool.backward(np.ones((1, 1, 1, 1))), xt.grad)


def test_batchnorm1d_matches_torch_in_training_and_eval():
    r = _rng(13)
    ours = L.BatchNorm1d(4, eps=1e-5, momentum=0.1)
    ref = torch.nn.BatchNorm1d(4, eps=1e-5, momentum=0.1).double()
    gamma, beta = r.standard_normal(4), r.standard_normal(4)
    ours.params["gamma"][...] = gamma
    ours.params["beta"][...] = beta
    with torch.no_grad():
        ref.weight.copy_(_t(gamma))
        ref.bias.copy_(_t(beta))
    for step in range(3):  # several batches: running statistics accumulate
        x = 2.0 + 3.0 * r.standard_normal((7, 4))
        dout = r.standard_normal((7, 4))
        ref.zero_grad()
        xt = _t(x, True)
        yt = ref(xt)
        yt.backward(_t(dout))
        _close(ours.forward(x), yt)
        _close(ours.backward(dout), xt.grad)
        _close(ours.grads["gamma"], ref.weight.grad)
        _close(ours.grads["beta"], ref.bias.grad)
        _close(ours.running_mean, ref.running_mean)
        _close(ours.running_var, ref.running_var)
    ours.eval()
    ref.eval()
    x = r.standard_normal((5, 4))
    dout = r.standard_normal((5, 4))
    ref.zero_grad()
    xt = _t(x, True)
    yt = ref(xt)
    yt.backward(_t(dout))
    mean_before, var_before = ours.running_mean.copy(), ours.running_var.copy()
    _close(ours.forward(x), yt)
    _close(ours.backward(dout), xt.grad)
    _close(ours.grads["gamma"], ref.weight.grad)
    _close(ours.grads["beta"], ref.bias.grad)
    np.testing.assert_array_equal(ours.running_mean, mean_before)
    np.testing.assert_array_equal(ours.running_var, var_before)


def test_batchnorm1d_training_needs_two_samples():
    with pytest.raises(ValueError, match=r"\(N, 3\) with N > 1"):
        L.BatchNorm1d(3).forward(np.ones((1, 3)))
    assert L.BatchNorm1d(3).eval().forward(np.ones((1, 3))).shape == (1, 3)


@pytest.mark.parametrize("num_parameters, shape", [(1, (4, 3)), (3, (2, 3, 2, 2)), (3, (5, 3))])
def test_prelu_matches_torch(num_parameters, shape):
    r = _rng(14)
    ours = L.PReLU(num_parameters, init=0.25)
    alpha = r.uniform(0.05, 0.5, num_parameters)
    ours.params["alpha"][...] = alpha
    ref = torch.nn.PReLU(num_parameters).double()
    with torch.no_grad():
        ref.weight.copy_(_t(alpha))
    x = r.standard_normal(shape)
    x.flat[0] = 0.0  # the kink: both take the slope alpha there
    dout = r.standard_normal(shape)
    xt = _t(x, True)
    yt = ref(xt)
    yt.backward(_t(dout))
    _close(ours.forward(x), yt)
    _close(ours.backward(dout), xt.grad)
    _close(ours.grads["alpha"], ref.weight.grad)


def test_adaptive_swish_matches_torch_autograd():
    r = _rng(15)
    layer = L.AdaptiveSwish(5)
    alpha, beta = r.uniform(0.5, 2.0, 5), r.uniform(-2.0, 2.0, 5)
    layer.params["alpha"][...] = alpha
    layer.params["beta"][...] = beta
    x, dout = 3.0 * r.standard_normal((6, 5)), r.standard_normal((6, 5))
    xt, at, bt = _t(x, True), _t(alpha, True), _t(beta, True)
    yt = at * xt * torch.sigmoid(bt * xt)
    yt.backward(_t(dout))
    _close(layer.forward(x), yt)
    _close(layer.backward(dout), xt.grad)
    _close(layer.grads["alpha"], at.grad)
    _close(layer.grads["beta"], bt.grad)


@pytest.mark.parametrize("causal", [False, True])
def test_self_attention_matches_torch(causal):
    r = _rng(16)
    d = 6
    layer = L.SelfAttention(d, causal=causal, rng=r)
    x, dout = r.standard_normal((3, 5, d)), r.standard_normal((3, 5, d))
    xt = _t(x, True)
    wq, wk, wv = (_t(layer.params[k], True) for k in ("Wq", "Wk", "Wv"))
    q, k, v = xt @ wq, xt @ wk, xt @ wv
    yt = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    scores = q @ k.transpose(1, 2) / np.sqrt(d)
    if causal:
        scores = scores.masked_fill(torch.ones(5, 5, dtype=torch.bool).triu(1), float("-inf"))
    weights_t = torch.softmax(scores, dim=-1)
    yt.backward(_t(dout))
    y, weights = layer.forward(x)
    _close(y, yt)
    _close(weights, weights_t)
    assert layer.attention_weights is weights
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-14)
    if causal:
        assert np.all(weights[:, np.triu_indices(5, 1)[0], np.triu_indices(5, 1)[1]] == 0.0)
    _close(layer.backward(dout), xt.grad)
    for name, wt in zip(("Wq", "Wk", "Wv"), (wq, wk, wv)):
        _close(layer.grads[name], wt.grad)


def test_self_attention_softmax_is_stable_for_huge_scores():
    layer = L.SelfAttention(2, rng=0)
    layer.params["Wq"][...] = np.eye(2) * 1e3
    layer.params["Wk"][...] = np.eye(2) * 1e3
    y, weights = layer.forward(np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]]))
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(weights))
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_matches_torch(nonlinearity):
    r = _rng(17)
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


def test_rnn_gated_activation_formula():
    r = _rng(18)
    rnn = L.RNN(2, 3, "gated", rng=r)
    x = r.standard_normal((2, 4, 2))
    h = rnn.forward(x)
    h_prev = np.zeros((2, 3))
    for t in range(4):
        a = x[:, t] @ rnn.params["Wx"] + h_prev @ rnn.params["Wh"] + rnn.params["b"]
        z = 1.0 / (1.0 + np.exp(-(a + h_prev)))
        h_prev = z * np.tanh(a) + (1 - z) * h_prev
        np.testing.assert_allclose(h[:, t], h_prev, rtol=1e-13, atol=1e-15)


def test_gated_units_match_torch():
    r = _rng(19)
    x, dout = r.standard_normal((4, 3, 8)), r.standard_normal((4, 3, 4))
    refs = {
        "GLU": lambda t: F.glu(t, dim=-1),
        "SwiGLU": lambda t: t[..., :4] * F.silu(t[..., 4:]),
        "GaussianGLU": lambda t: t[..., :4] * torch.exp(-0.5 * ((t[..., 4:] - 0.5) / 2.0) ** 2),
    }
    layers = {"GLU": L.GLU(), "SwiGLU": L.SwiGLU(), "GaussianGLU": L.GaussianGLU(0.5, 2.0)}
    for name, layer in layers.items():
        xt = _t(x, True)
        yt = refs[name](xt)
        yt.backward(_t(dout))
        _close(layer.forward(x), yt)
        _close(layer.backward(dout), xt.grad)


def test_gated_units_reject_odd_last_axis():
    for layer in (L.GLU(), L.SwiGLU(), L.GaussianGLU()):
        with pytest.raises(ValueError, match=r"\(\*, 2H\) with an even"):
            layer.forward(np.ones((2, 5)))


def test_gaussian_glu_no_warning_for_huge_gate_input():
    y = L.GaussianGLU(std=1e-3).forward(np.array([[1.0, 1e306]]))
    assert y.tolist() == [[0.0]]


# ------------------------------------------------------------------------------------------
# The layer contract
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_before_forward_raises(name):
    layer, x = _make(name)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones(3))


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_mutation_new_arrays_and_grads_like_params(name):
    layer, x = _make(name)
    x_before = x.copy()
    out = _output(layer, x)
    np.testing.assert_array_equal(x, x_before)
    assert not np.shares_memory(out, x)
    dout = _rng(7).standard_normal(out.shape)
    dout_before = dout.copy()
    params_before = {k: v.copy() for k, v in layer.params.items()}
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dout, dout_before)
    np.testing.assert_array_equal(x, x_before)
    assert dx.shape == x.shape and dx.dtype == np.float64
    assert not np.shares_memory(dx, dout) and not np.shares_memory(dx, x)
    assert set(layer.grads) == set(layer.params)
    for k, v in layer.params.items():
        np.testing.assert_array_equal(v, params_before[k])
        assert layer.grads[k].shape == v.shape and layer.grads[k].dtype == v.dtype


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_in_float32_out(name):
    layer, x = _make(name)
    x32 = x.astype(np.float32)
    out = _output(layer, x32)
    assert out.dtype == np.float32
    dx = layer.backward(np.ones(out.shape, dtype=np.float32))
    assert dx.dtype == np.float32
    for k, v in layer.params.items():
        assert v.dtype == np.float64 and layer.grads[k].dtype == np.float64
    layer64, _ = _make(name)
    np.testing.assert_allclose(out, _output(layer64, x), rtol=1e-4, atol=1e-5)


def test_integer_input_is_promoted_to_float64():
    layer = L.Linear(3, 2, rng=0)
    out = layer.forward(np.array([[1, 2, 3]]))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, np.array([[1.0, 2.0, 3.0]]) @ layer.params["W"])
    with pytest.raises(TypeError, match="x must be a real-valued array"):
        layer.forward(np.array([["a", "b", "c"]]))


@pytest.mark.parametrize(
    "layer, bad_x, expected",
    [
        (L.Linear(4, 2, rng=0), np.ones((3, 5)), r"expected x of shape \(N, 4\), got \(3, 5\)"),
        (L.PReLU(3), np.ones((2, 4)), r"\(N, 3, \*\), got \(2, 4\)"),
        (L.AdaptiveSwish(3), np.ones((2, 4)), r"\(N, 3\), got \(2, 4\)"),
        (L.BatchNorm1d(3), np.ones((4, 3, 1)), r"\(N, 3\), got \(4, 3, 1\)"),
        (L.Conv2D(2, 4, 3, rng=0), np.ones((1, 3, 5, 5)), r"\(N, 2, H, W\), got \(1, 3, 5, 5\)"),
        (L.Conv2D(1, 4, 3, rng=0), np.ones((1, 1, 2, 5)), r"H, W >= 3"),
        (L.Conv2D(1, 4, 3, rng=0), np.ones((1, 8, 8)), r"\(N, 1, H, W\), got \(1, 8, 8\)"),
        (L.MaxPool2D(2), np.ones((2, 8, 8)), r"\(N, C, H, W\)"),
        (L.RNN(3, 4, rng=0), np.ones((2, 3)), r"\(N, T, 3\), got \(2, 3\)"),
        (L.SelfAttention(4, rng=0), np.ones((2, 3, 5)), r"\(N, T, 4\), got \(2, 3, 5\)"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, L.Layer) else None,
)
def test_wrong_input_shape_names_the_expected_shape(layer, bad_x, expected):
    with pytest.raises(ValueError, match=expected):
        layer.forward(bad_x)


@pytest.mark.parametrize("name", sorted(CASES))
def test_wrong_dout_shape_raises(name):
    layer, x = _make(name)
    out = _output(layer, x)
    with pytest.raises(ValueError, match=r"expected dout of shape"):
        layer.backward(np.ones(out.shape + (1,)))


def test_rnn_wrong_h0_shape():
    with pytest.raises(ValueError, match=r"expected h0 of shape \(2, 4\)"):
        L.RNN(3, 4, rng=0).forward(np.ones((2, 5, 3)), h0=np.ones((4,)))


def test_zero_grad_and_modes_in_sequential():
    model, x = _make("Sequential_mlp")
    out = model.forward(x)
    model.backward(np.ones_like(out))
    assert any(np.any(g != 0) for g in model.grads.values())
    model.zero_grad()
    assert set(model.grads) == set(model.params)
    assert all(np.all(g == 0) for g in model.grads.values())
    model.eval()
    assert not model.training and not model[1].training
    model.train()
    assert all(layer.training for layer in model)
    assert len(model) == 4 and "BatchNorm1d" in repr(model)


def test_sequential_params_are_the_layers_arrays():
    model, x = _make("Sequential_mlp")
    model.params["3.b"] += 1.0  # in-place update, as optimisers do
    np.testing.assert_array_equal(model[3].params["b"], np.ones(2))


def test_sequential_passes_the_first_element_of_a_tuple_on():
    r = _rng(8)
    attn = L.SelfAttention(4, rng=r)
    model = L.Sequential(attn, L.Linear(4, 2, rng=r))
    x = r.standard_normal((2, 3, 4))
    out = model.forward(x)
    np.testing.assert_allclose(out, model[1].forward(attn.forward(x)[0]))
    errors = layer_gradient_errors(model, x)
    assert max(errors.values()) < TOL


# ------------------------------------------------------------------------------------------
# Initialisation and constructor arguments
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "init, variance", [("he", 2 / 400), ("xavier", 2 / 600), ("lecun", 1 / 400)]
)
def test_init_variances(init, variance):
    w = L.init_weight((400, 200), 400, 200, init, rng=_rng(20))
    assert abs(w.mean()) < 5 * np.sqrt(variance / w.size)  # five standard errors
    assert w.var() == pytest.approx(variance, rel=0.02)


def test_layers_use_the_fan_in_of_their_shape():
    conv = L.Conv2D(16, 64, 3, init="he", rng=_rng(21))
    assert conv.params["W"].var() == pytest.approx(2 / 144, rel=0.05)
    lin = L.Linear(300, 100, init="lecun", rng=_rng(22))
    assert lin.params["W"].var() == pytest.approx(1 / 300, rel=0.05)


def test_init_is_reproducible_and_validated():
    a = L.Linear(3, 4, rng=np.random.default_rng(5))
    b = L.Linear(3, 4, rng=np.random.default_rng(5))
    c = L.Linear(3, 4, rng=5)
    np.testing.assert_array_equal(a.params["W"], b.params["W"])
    np.testing.assert_array_equal(a.params["W"], c.params["W"])
    with pytest.raises(ValueError, match="init must be one of"):
        L.Linear(3, 4, init="glorot")
    with pytest.raises(TypeError, match="rng"):
        L.Linear(3, 4, rng="seed")
    with pytest.raises(TypeError, match="in_features"):
        L.Linear(3.0, 4)
    with pytest.raises(ValueError, match="padding"):
        L.Conv2D(1, 1, 3, padding=-1)


def test_activation_layer_validates_name_and_params():
    with pytest.raises(ValueError, match="gelu"):
        L.Activation("gleu")
    with pytest.raises(TypeError, match="slope"):
        L.Activation("relu", slope=0.1)
    with pytest.raises(TypeError, match="gated"):
        L.RNN(2, 2, "gated", min_val=0.0)
    rnn = L.RNN(2, 3, "hard_tanh", min_val=-0.5, max_val=0.5, rng=0)
    assert np.all(np.abs(rnn.forward(10 * np.ones((1, 3, 2)))) <= 0.5)


def test_benchmark_constructor_signature():
    conv = L.Conv2D(1, 16, 3, rng=np.random.default_rng(0))
    out = conv.forward(np.zeros((360, 1, 8, 8)))
    assert out.shape == (360, 16, 6, 6)
    assert conv.params["W"].shape == (16, 1, 3, 3) and conv.params["b"].shape == (16,)


def test_docstring_examples():
    import doctest

    result = doctest.testmod(L, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 20 and result.failed == 0


def test_maxpool2d_propagates_nan():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 1, 0] = np.nan
    out = L.MaxPool2D(2).forward(x)
    assert np.isnan(out[0, 0, 0, 0]) and np.isfinite(out[0, 0, 0, 1])
