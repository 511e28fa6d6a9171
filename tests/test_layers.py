"""Tests of course_lib.layers: the layer contract for every layer, and the dense, adaptive,
normalisation and gated layers against PyTorch.

* every input and parameter gradient of every layer against central differences
  (float64, relative error < 1e-7), in training and evaluation mode where they differ;
* the contract: backward before forward raises, nothing is mutated (``dout`` included),
  grads match params, dtypes are kept, zero-size batches work, wrong shapes and arguments
  raise ValueError / TypeError naming what was expected;
* Linear, BatchNorm1d, PReLU, AdaptiveSwish, GLU, SwiGLU, GaussianGLU against PyTorch with
  copied weights (float64, rtol 1e-10).

Convolution and pooling: tests/test_layers_conv.py. RNN, GatedRNN and SelfAttention:
tests/test_layers_sequence.py.
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_lib import activations
from course_lib import layers as L
from course_lib.gradcheck import layer_gradient_errors

TOL = 1e-7  # finite differences, float64
RTOL = 1e-10  # against PyTorch, float64


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


def _t(a, grad=False):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


def _close(ours, theirs, rtol=RTOL):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-13)


# ------------------------------------------------------------------------------------------
# Every layer: name -> (layer, input)
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


def _gated_rnn(r):
    rnn = L.GatedRNN(3, 4, rng=r)
    rnn.params["b"][...] = 0.1 * r.standard_normal(4)
    rnn.params["bz"][...] = 0.1 * r.standard_normal(4)
    return rnn


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
    "Conv2d": lambda r: (L.Conv2d(2, 3, 3, rng=r), r.standard_normal((2, 2, 6, 5))),
    "Conv2d_stride2_pad1": lambda r: (
        L.Conv2d(2, 3, 3, stride=2, padding=1, rng=r), r.standard_normal((2, 2, 7, 7))),
    "Conv2d_stride3_pad2_k2": lambda r: (
        L.Conv2d(1, 2, 2, stride=3, padding=2, rng=r), r.standard_normal((2, 1, 6, 8))),
    "MaxPool2d": lambda r: (L.MaxPool2d(2), _distinct(r, (2, 2, 5, 4))),
    "MaxPool2d_k3": lambda r: (L.MaxPool2d(3), _distinct(r, (1, 2, 6, 7))),
    "Flatten": lambda r: (L.Flatten(), r.standard_normal((2, 3, 2, 2))),
    "RNN_tanh": lambda r: (L.RNN(3, 4, rng=r), r.standard_normal((2, 5, 3))),
    "RNN_relu": lambda r: (L.RNN(3, 4, "relu", rng=r), r.standard_normal((2, 5, 3))),
    "RNN_hard_tanh": lambda r: (
        L.RNN(3, 4, "hard_tanh", rng=r), 0.5 * r.standard_normal((2, 5, 3))),
    "GatedRNN": lambda r: (_gated_rnn(r), r.standard_normal((2, 5, 3))),
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
            L.Conv2d(1, 2, 3, padding=1, rng=r),
            L.Activation("softplus"),
            L.MaxPool2d(2),
            L.Flatten(),
            L.Linear(8, 3, rng=r),
        ),
        r.standard_normal((2, 1, 4, 4)),
    ),
    "Sequential_attention": lambda r: (
        L.Sequential(L.SelfAttention(4, rng=r), L.Linear(4, 2, rng=r)),
        r.standard_normal((2, 3, 4)),
    ),
}


def _make(name, seed=0):
    return CASES[name](_rng(seed))


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


# ------------------------------------------------------------------------------------------
# The layer contract
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_returns_one_array(name):
    layer, x = _make(name)
    out = layer.forward(x)
    assert type(out) is np.ndarray


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_before_forward_raises(name):
    layer, _ = _make(name)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones(3))


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_mutation_new_arrays_and_grads_like_params(name):
    layer, x = _make(name)
    x_before = x.copy()
    out = layer.forward(x)
    np.testing.assert_array_equal(x, x_before)
    assert not np.shares_memory(out, x)
    dout = _rng(7).standard_normal(out.shape)
    dout_before = dout.copy()
    params_before = {k: v.copy() for k, v in layer.params.items()}
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dout, dout_before)  # backward never writes into dout
    np.testing.assert_array_equal(x, x_before)
    assert dx.shape == x.shape and dx.dtype == np.float64
    assert not np.shares_memory(dx, dout) and not np.shares_memory(dx, x)
    assert set(layer.grads) == set(layer.params)
    for k, v in layer.params.items():
        np.testing.assert_array_equal(v, params_before[k])
        assert layer.grads[k].shape == v.shape and layer.grads[k].dtype == v.dtype


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_does_not_mutate_a_read_only_dout(name):
    layer, x = _make(name)
    out = layer.forward(x)
    dout = _rng(8).standard_normal(out.shape)
    dout.flags.writeable = False  # any in-place write into dout raises ValueError
    layer.backward(dout)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_in_float32_out(name):
    layer, x = _make(name)
    x32 = x.astype(np.float32)
    out = layer.forward(x32)
    assert out.dtype == np.float32
    dx = layer.backward(np.ones(out.shape, dtype=np.float32))
    assert dx.dtype == np.float32
    for k, v in layer.params.items():
        assert v.dtype == np.float64 and layer.grads[k].dtype == np.float64
    layer64, _ = _make(name)
    np.testing.assert_allclose(out, layer64.forward(x), rtol=1e-4, atol=1e-5)


ZERO_BATCH = sorted(set(CASES) - {"BatchNorm1d_train", "Sequential_mlp"})  # BN needs N > 1


@pytest.mark.parametrize("name", ZERO_BATCH)
def test_zero_size_batch_gives_empty_output_and_zero_gradients(name):
    layer, x = _make(name)
    full = layer.forward(x)
    empty = layer.forward(x[:0])
    assert empty.shape == (0, *full.shape[1:])
    dx = layer.backward(np.zeros(empty.shape))
    assert dx.shape == (0, *x.shape[1:])
    for k, g in layer.grads.items():
        assert g.shape == layer.params[k].shape and not np.any(g)


def test_batchnorm1d_zero_size_batch_is_refused_in_training_like_a_single_sample():
    with pytest.raises(ValueError, match=r"x must have shape \(N, 3\) with N > 1"):
        L.BatchNorm1d(3).forward(np.ones((0, 3)))


def test_integer_input_is_promoted_to_float64():
    layer = L.Linear(3, 2, rng=0)
    out = layer.forward(np.array([[1, 2, 3]]))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, np.array([[1.0, 2.0, 3.0]]) @ layer.params["W"])
    with pytest.raises(TypeError, match=r"Linear\(3, 2\): x must be a real-valued array"):
        layer.forward(np.array([["a", "b", "c"]]))


@pytest.mark.parametrize(
    "layer, bad_x, expected",
    [
        (L.Linear(3, 5, rng=0), np.ones((2, 4)),
         r"Linear\(3, 5\): x must have shape \(N, 3\) or \(\*, 3\); got \(2, 4\)"),
        (L.PReLU(3), np.ones((2, 4)), r"PReLU\(3\): x must have shape \(N, 3, \*\); got \(2, 4\)"),
        (L.AdaptiveSwish(3), np.ones((2, 4)), r"\(N, 3\) or \(\*, 3\); got \(2, 4\)"),
        (L.BatchNorm1d(3), np.ones((4, 3, 1)),
         r"BatchNorm1d\(3\): x must have shape \(N, 3\); got \(4, 3, 1\)"),
        (L.BatchNorm1d(3), np.ones((1, 3)), r"\(N, 3\) with N > 1 in training mode"),
        (L.Conv2d(2, 4, 3, rng=0), np.ones((1, 3, 5, 5)),
         r"Conv2d\(2, 4, 3\): x must have shape \(N, 2, H, W\); got \(1, 3, 5, 5\)"),
        (L.Conv2d(1, 4, 3, rng=0), np.ones((1, 1, 2, 5)), r"H, W >= 3"),
        (L.Conv2d(1, 4, 3, rng=0), np.ones((1, 8, 8)), r"\(N, 1, H, W\); got \(1, 8, 8\)"),
        (L.MaxPool2d(2), np.ones((2, 8, 8)), r"MaxPool2d\(2\): x must have shape \(N, C, H, W\)"),
        (L.Flatten(), np.ones(4), r"Flatten\(\): x must have shape \(N, \*\) with at least two"),
        (L.RNN(3, 4, rng=0), np.ones((2, 3)), r"RNN\(3, 4\): x must have shape \(N, T, 3\)"),
        (L.GatedRNN(3, 4, rng=0), np.ones((2, 5, 2)), r"GatedRNN\(3, 4\): x must have shape"),
        (L.SelfAttention(4, rng=0), np.ones((2, 3, 5)),
         r"SelfAttention\(4\): x must have shape \(N, T, 4\); got \(2, 3, 5\)"),
        (L.GLU(), np.ones((2, 5)), r"GLU\(\): x must have shape \(\*, 2H\) with an even"),
        (L.SwiGLU(), np.ones((2, 0)), r"\(\*, 2H\) with an even, non-zero last axis"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, L.Layer) else "",
)
def test_wrong_input_shape_names_the_expected_shape(layer, bad_x, expected):
    with pytest.raises(ValueError, match=expected):
        layer.forward(bad_x)


@pytest.mark.parametrize("name", sorted(set(CASES) - {"Sequential_mlp", "Sequential_cnn",
                                                     "Sequential_attention"}))
def test_wrong_dout_shape_names_the_expected_shape(name):
    layer, x = _make(name)
    out = layer.forward(x)
    expected = "(" + ", ".join(str(s) for s in out.shape) + ")"
    with pytest.raises(ValueError, match=r"dout must have shape") as info:
        layer.backward(np.ones((*out.shape, 1)))
    assert f"dout must have shape {expected}; got {(*out.shape, 1)}" in str(info.value)


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: L.Linear(2.5, 3), TypeError, r"Linear\(\): in_features must be an integer"),
        (lambda: L.Linear(3, 0), ValueError, r"out_features must be an integer >= 1; got 0"),
        (lambda: L.Linear(True, 3), TypeError, "in_features"),
        (lambda: L.Linear(3, 4, weight_init="glorot"), ValueError,
         r"unknown weight_init 'glorot'.*Known: he, xavier, lecun"),
        (lambda: L.Linear(3, 4, rng="seed"), TypeError, r"Linear\(\): rng must be"),
        (lambda: L.Linear(3, 4, rng=-1), ValueError, "rng seed must be >= 0"),
        (lambda: L.Conv2d(1, 1, 3, padding=1.5), TypeError, r"Conv2d\(\): padding must be"),
        (lambda: L.Conv2d(1, 1, 3, padding=-1), ValueError,
         r"padding must be an integer >= 0; got -1"),
        (lambda: L.Conv2d(1, 1, 3, stride=0), ValueError, "stride"),
        (lambda: L.Conv2d(1, 1, 3.0), TypeError, "kernel_size"),
        (lambda: L.MaxPool2d(0), ValueError, r"MaxPool2d\(\): kernel_size"),
        (lambda: L.PReLU(init="0.25"), TypeError, r"PReLU\(\): init must be a real number"),
        (lambda: L.PReLU(0), ValueError, "num_parameters"),
        (lambda: L.AdaptiveSwish(3, beta=float("nan")), ValueError, "beta must be a finite"),
        (lambda: L.BatchNorm1d(3, eps=0.0), ValueError, r"eps must be a real number > 0"),
        (lambda: L.BatchNorm1d(3, momentum=1.5), ValueError, r"momentum must be .* <= 1"),
        (lambda: L.GaussianGLU(std=0.0), ValueError, r"GaussianGLU\(\): std must be"),
        (lambda: L.RNN(3, 4, "gated"), ValueError, "unknown activation 'gated'"),
        (lambda: L.RNN(2, 2, "hard_tanh", slope=0.0), TypeError, "slope"),
        (lambda: L.GatedRNN(3, 4.0), TypeError, r"GatedRNN\(\): hidden_size"),
        (lambda: L.SelfAttention(0), ValueError, "hidden_size"),
        (lambda: L.Activation("gleu"), ValueError, "did you mean 'gelu'"),
        (lambda: L.Activation("relu", slope=0.1), TypeError, "slope"),
        (lambda: L.Sequential(L.Linear(2, 2, rng=0), "relu"), TypeError, "layer 1 must have"),
        (lambda: L.init_weight((2, 2), 0, 2), ValueError, r"init_weight\(\): fan_in"),
    ],
)
def test_bad_constructor_arguments_are_refused_with_a_clear_message(make, error, words):
    with pytest.raises(error, match=words):
        make()


# ------------------------------------------------------------------------------------------
# Sequential, initialisation, rng
# ------------------------------------------------------------------------------------------
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
    model, _ = _make("Sequential_mlp")
    model.params["3.b"] += 1.0  # in-place update, as optimisers do
    np.testing.assert_array_equal(model[3].params["b"], np.ones(2))


@pytest.mark.parametrize(
    "weight_init, variance", [("he", 2 / 400), ("xavier", 2 / 600), ("lecun", 1 / 400)]
)
def test_init_variances(weight_init, variance):
    w = L.init_weight((400, 200), 400, 200, weight_init, rng=_rng(20))
    assert abs(w.mean()) < 5 * np.sqrt(variance / w.size)  # five standard errors
    assert w.var() == pytest.approx(variance, rel=0.02)


def test_layers_use_the_fan_in_of_their_shape():
    conv = L.Conv2d(16, 64, 3, weight_init="he", rng=_rng(21))
    assert conv.params["W"].var() == pytest.approx(2 / 144, rel=0.05)
    lin = L.Linear(300, 100, weight_init="lecun", rng=_rng(22))
    assert lin.params["W"].var() == pytest.approx(1 / 300, rel=0.05)


def test_an_int_seed_and_a_generator_give_the_same_weights():
    a = L.Linear(3, 4, rng=np.random.default_rng(5))
    c = L.Linear(3, 4, rng=5)
    np.testing.assert_array_equal(a.params["W"], c.params["W"])
    g = np.random.default_rng(5)
    first, second = L.Linear(3, 4, rng=g), L.Linear(3, 4, rng=g)  # one generator goes on
    assert not np.array_equal(first.params["W"], second.params["W"])
    for make in (lambda rng: L.RNN(2, 3, rng=rng), lambda rng: L.GatedRNN(2, 3, rng=rng),
                 lambda rng: L.SelfAttention(3, rng=rng), lambda rng: L.Conv2d(1, 2, 3, rng=rng)):
        seeded, generated = make(7), make(np.random.default_rng(7))
        for k in seeded.params:
            np.testing.assert_array_equal(seeded.params[k], generated.params[k])


def test_activation_layer_keeps_its_parameters():
    rnn = L.RNN(2, 3, "hard_tanh", min_val=-0.5, max_val=0.5, rng=0)
    assert np.all(np.abs(rnn.forward(10 * np.ones((1, 3, 2)))) <= 0.5)
    layer = L.Activation("leaky_relu", negative_slope=0.3)
    np.testing.assert_array_equal(layer.forward(np.array([-1.0, 2.0])), [-0.3, 2.0])


# ------------------------------------------------------------------------------------------
# Against PyTorch (float64, copied weights)
# ------------------------------------------------------------------------------------------
def test_linear_matches_torch():
    r = _rng(10)
    layer = L.Linear(5, 3, rng=r)
    layer.params["b"][...] = r.standard_normal(3)
    x, dout = r.standard_normal((4, 5)), r.standard_normal((4, 3))
    ref = torch.nn.Linear(5, 3, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(_t(layer.params["W"].T))
        ref.bias.copy_(_t(layer.params["b"]))
    xt = _t(x, True)
    yt = ref(xt)
    yt.backward(_t(dout))
    _close(layer.forward(x), yt)
    _close(layer.backward(dout), xt.grad)
    _close(layer.grads["W"], ref.weight.grad.T)
    _close(layer.grads["b"], ref.bias.grad)


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
    for _ in range(3):  # several batches: running statistics accumulate
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
    x, dout = r.standard_normal((5, 4)), r.standard_normal((5, 4))
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
    assert L.BatchNorm1d(3).eval().forward(np.ones((1, 3))).shape == (1, 3)


@pytest.mark.parametrize("num_parameters, shape", [(1, (4, 3)), (3, (2, 3, 2, 2)), (3, (5, 3))])
def test_prelu_matches_torch(num_parameters, shape):
    r = _rng(14)
    ours = L.PReLU(num_parameters, init=0.25)
    ref = torch.nn.PReLU(num_parameters, init=0.25).double()
    _close(ours.params["weight"], ref.weight)  # same initial slope, same name
    weight = r.uniform(0.05, 0.5, num_parameters)
    ours.params["weight"][...] = weight
    with torch.no_grad():
        ref.weight.copy_(_t(weight))
    x = r.standard_normal(shape)
    x.flat[0] = 0.0  # the kink: both take the slope there
    dout = r.standard_normal(shape)
    xt = _t(x, True)
    yt = ref(xt)
    yt.backward(_t(dout))
    _close(ours.forward(x), yt)
    _close(ours.backward(dout), xt.grad)
    _close(ours.grads["weight"], ref.weight.grad)


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


def test_gaussian_glu_no_warning_for_huge_gate_input():
    y = L.GaussianGLU(std=1e-3).forward(np.array([[1.0, 1e306]]))
    assert y.tolist() == [[0.0]]


# ------------------------------------------------------------------------------------------
# The package
# ------------------------------------------------------------------------------------------
def test_every_public_name_is_re_exported():
    # module sizes and import cycles: tests/test_layout.py; docstring examples: pytest's
    # --doctest-modules
    exported = set()
    for info in pkgutil.iter_modules(L.__path__):
        exported |= set(importlib.import_module(f"course_lib.layers.{info.name}").__all__)
    assert exported | {"TORCH_PARAMETER_NAMES"} == set(L.__all__)
    assert all(hasattr(L, name) for name in L.__all__)
