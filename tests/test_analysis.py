"""Tests of course_lib.analysis against hand computations, closed forms and PyTorch (float64)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from course_lib.analysis import (
    ActivationStatistics,
    activation_outputs,
    activation_statistics,
    dead_unit_fraction,
    dead_units,
    gradient_norms_per_layer,
    layer_statistics,
    saturation_fraction,
)
from course_lib.layers import (
    RNN,
    Activation,
    AdaptiveSwish,
    BatchNorm1d,
    Conv2d,
    Flatten,
    GatedRNN,
    Linear,
    PReLU,
    SelfAttention,
    Sequential,
    mlp,
)
from course_lib.losses import MSELoss, SoftmaxCrossEntropy
from course_lib.torch_ref import functional

# Activations whose saturation is compared with torch (the torch side: the registry's entry).
SATURATING = ["elu", "gelu", "relu", "sigmoid", "softplus", "tanh"]


def _torch_mlp(model: Sequential):
    """A function running the same layers in torch (float64, weights copied), and the
    parameters of every layer that has some, one list per layer."""
    parameters = []
    steps = []
    for layer in model:
        if isinstance(layer, Linear):
            w = torch.tensor(layer.params["W"], requires_grad=True)
            b = torch.tensor(layer.params["b"], requires_grad=True)
            parameters.append([w, b])
            steps.append(("linear", (w, b)))
        elif isinstance(layer, BatchNorm1d):
            gamma = torch.tensor(layer.params["gamma"], requires_grad=True)
            beta = torch.tensor(layer.params["beta"], requires_grad=True)
            parameters.append([gamma, beta])
            steps.append(("batchnorm", (gamma, beta)))
        elif isinstance(layer, Activation):
            steps.append(("activation", functional(layer.name, **layer.activation_params)))
        else:  # pragma: no cover - the tests only build the layers above
            raise AssertionError(type(layer).__name__)

    def run(x):
        h, activations = torch.as_tensor(x), []
        for kind, what in steps:
            if kind == "linear":
                h = h @ what[0] + what[1]
            elif kind == "batchnorm":
                h = torch.nn.functional.batch_norm(h, None, None, *what, training=True, eps=1e-5)
            else:
                h = what(h)
                activations.append(h)
        return h, activations

    return run, parameters


def _torch_norms(parameters):
    """sqrt(sum of |grad|^2) over each layer's parameters, from torch's autograd."""
    return [
        math.sqrt(sum(torch.linalg.norm(p.grad).item() ** 2 for p in layer))
        for layer in parameters
    ]


# ------------------------------------------------------------------------------------------
# dead units
# ------------------------------------------------------------------------------------------
def test_dead_units_by_hand():
    h = np.array([[0.0, 1.0, 0.0, -0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(dead_units(h), [True, False, False, True])
    assert dead_unit_fraction(h) == 0.5


def test_dead_unit_fraction_counts_relu_units_negative_on_every_sample():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(50, 40)) + rng.normal(scale=3.0, size=40)  # some columns all negative
    expected = sum(1 for j in range(40) if max(z[:, j]) <= 0) / 40
    assert 0 < expected < 1
    assert dead_unit_fraction(np.maximum(z, 0.0)) == expected


def test_units_that_are_negative_everywhere_are_not_dead():
    # a leaky ReLU (or tanh) unit below zero on every sample still passes a gradient
    h = np.array([[-0.01, 0.0], [-0.02, 0.0]])
    np.testing.assert_array_equal(dead_units(h), [False, True])


def test_dead_units_keeps_the_unit_axes_and_accepts_float32_and_ints():
    h = np.zeros((5, 2, 3), dtype=np.float32)
    h[1, 0, 2] = 0.5
    mask = dead_units(h)
    assert mask.shape == (2, 3) and mask.sum() == 5 and not mask[0, 2]
    assert dead_unit_fraction([[0, 1], [0, 2]]) == 0.5


def test_dead_units_does_not_modify_its_input():
    h = np.array([[0.0, 1.0], [0.0, 2.0]])
    before = h.copy()
    dead_units(h)
    activation_statistics(h)
    np.testing.assert_array_equal(h, before)


@pytest.mark.parametrize(
    "bad, error, words",
    [
        (np.ones(4), ValueError, "(N, D)"),
        (np.ones((0, 3)), ValueError, "got (0, 3)"),
        (np.ones((3, 0)), ValueError, "got (3, 0)"),
        (np.array([[0.0, np.nan]]), ValueError, "must contain only finite values"),
        (np.array([[0.0, np.inf]]), ValueError, "must contain only finite values"),
        (np.array([["a", "b"]]), TypeError, "strings"),
    ],
)
@pytest.mark.parametrize("function", [dead_units, dead_unit_fraction, activation_statistics])
def test_bad_activations_are_refused_with_a_clear_message(function, bad, error, words):
    with pytest.raises(error, match="activations") as info:
        function(bad)
    assert words in str(info.value)


# ------------------------------------------------------------------------------------------
# saturation
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, edge",
    [
        # sigmoid'(z) = 1 / (4 cosh^2(z/2)) < 0.01  <=>  |z| > 2 arcosh(5)
        ("sigmoid", 2.0 * math.acosh(5.0)),
        # tanh'(z) = 1 / cosh^2(z) < 0.01  <=>  |z| > arcosh(10)
        ("tanh", math.acosh(10.0)),
    ],
)
def test_saturation_edges_of_sigmoid_and_tanh(name, edge):
    inside = np.array([-edge + 1e-6, 0.0, edge - 1e-6])
    outside = np.array([-edge - 1e-6, edge + 1e-6, 50.0, -800.0])
    assert saturation_fraction(inside, name) == 0.0
    assert saturation_fraction(outside, name) == 1.0
    assert saturation_fraction(np.concatenate([inside, outside]), name) == 4 / 7


def test_relu_is_saturated_exactly_where_it_is_off_including_the_kink():
    z = np.array([-2.0, -1e-300, 0.0, 1e-300, 3.0])
    assert saturation_fraction(z, "relu") == 3 / 5  # relu'(0) = 0, as in PyTorch
    assert saturation_fraction(z, "relu", threshold=1.0) == 3 / 5  # slope 1 is not below 1


def test_activation_parameters_are_passed_on():
    z = np.array([-3.0, -1.0, 2.0, 5.0])
    assert saturation_fraction(z, "leaky_relu", negative_slope=0.001) == 0.5
    assert saturation_fraction(z, "leaky_relu", negative_slope=0.1) == 0.0
    assert saturation_fraction(z, "leaky_relu", threshold=0.2, negative_slope=0.1) == 0.5


@pytest.mark.parametrize("name", SATURATING)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_saturation_fraction_agrees_with_torch_autograd(name, dtype):
    z = np.random.default_rng(7).normal(scale=4.0, size=2000).astype(dtype)
    zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    functional(name)(zt).sum().backward()
    expected = float(np.mean(np.abs(zt.grad.numpy()) < 0.05))
    assert 0.05 < expected < 0.95  # the comparison is not trivial
    assert saturation_fraction(z, name, threshold=0.05) == pytest.approx(expected, abs=1.5 / z.size)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"threshold": 0.0}, ValueError, r"saturation_fraction\(\): threshold must be a real "
         "number > 0; got 0.0"),
        ({"threshold": -1.0}, ValueError, "threshold must be a real number > 0"),
        ({"threshold": float("nan")}, ValueError, "threshold"),
        ({"threshold": "0.1"}, TypeError, "threshold"),
        ({"activation": "sigmiod"}, ValueError, "did you mean 'sigmoid'"),
    ],
)
def test_saturation_fraction_refuses_bad_arguments(kwargs, error, words):
    arguments = {"activation": "sigmoid", **kwargs}
    with pytest.raises(error, match=words):
        saturation_fraction(np.zeros(3), **arguments)


@pytest.mark.parametrize("bad", [np.array([]), np.array([0.0, np.nan])])
def test_saturation_fraction_refuses_empty_or_non_finite_input(bad):
    with pytest.raises(ValueError, match="pre_activations"):
        saturation_fraction(bad, "tanh")


# ------------------------------------------------------------------------------------------
# statistics of one array
# ------------------------------------------------------------------------------------------
def test_activation_statistics_by_hand():
    stats = activation_statistics(np.array([[0.0, 1.0], [0.0, 3.0]]))
    # mean 1, deviations (-1, 0, -1, 2): variance 6/4
    assert stats == ActivationStatistics(
        mean=1.0, std=math.sqrt(1.5), zero_fraction=0.5, dead_fraction=0.5
    )
    assert all(type(v) is float for v in (stats.mean, stats.std, stats.zero_fraction))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_activation_statistics_agree_with_torch(dtype):
    rng = np.random.default_rng(11)
    h = np.maximum(rng.normal(size=(300, 20)) + rng.normal(scale=2.0, size=20), 0).astype(dtype)
    t = torch.tensor(h, dtype=torch.float64)
    stats = activation_statistics(h)
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert stats.mean == pytest.approx(t.mean().item(), rel=rtol)
    assert stats.std == pytest.approx(t.std(unbiased=False).item(), rel=rtol)
    assert stats.zero_fraction == pytest.approx((t == 0).double().mean().item(), abs=1e-15)
    dead = (t == 0).all(dim=0).double().mean().item()
    assert stats.dead_fraction == pytest.approx(dead, abs=1e-15)


def test_activation_statistics_of_huge_values_do_not_overflow():
    stats = activation_statistics(np.array([[0.0], [2e300]]))  # squares would be inf
    assert stats.mean == pytest.approx(1e300, rel=1e-15)
    assert stats.std == pytest.approx(1e300, rel=1e-15)


# ------------------------------------------------------------------------------------------
# a forward pass through a model
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("batchnorm", [False, True])
def test_activation_outputs_agree_with_torch(batchnorm):
    model = mlp([5, 7, 6, 4, 3], "tanh", weight_init="xavier", batchnorm=batchnorm, rng=2)
    x = np.random.default_rng(4).normal(size=(9, 5))
    outputs = activation_outputs(model, x)
    run, _ = _torch_mlp(model)
    _, expected = run(x)
    assert [h.shape for h in outputs] == [(9, 7), (9, 6), (9, 4)]
    for ours, theirs in zip(outputs, expected, strict=True):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_activation_outputs_collect_every_activation_layer_and_only_those():
    rng = np.random.default_rng(0)
    model = Sequential(
        Linear(3, 4, rng=rng), PReLU(init=0.2), Linear(4, 4, rng=rng), AdaptiveSwish(4),
        Linear(4, 2, rng=rng), Activation("relu"),
    )
    x = rng.normal(size=(5, 3))
    z1 = x @ model[0].params["W"]
    h1 = np.where(z1 > 0, z1, 0.2 * z1)
    z2 = h1 @ model[2].params["W"]
    h2 = z2 / (1.0 + np.exp(-z2))
    h3 = np.maximum(h2 @ model[4].params["W"], 0.0)
    outputs = activation_outputs(model, x)
    assert len(outputs) == 3
    for ours, expected in zip(outputs, [h1, h2, h3], strict=True):
        np.testing.assert_allclose(ours, expected, rtol=1e-13, atol=1e-15)


def test_activation_outputs_of_a_linear_model_is_empty():
    assert activation_outputs(mlp([3, 4, 2], activation=None, rng=0), np.ones((2, 3))) == []
    assert layer_statistics(mlp([3, 2], rng=0), np.ones((2, 3))) == []


@pytest.mark.parametrize("function", [activation_outputs, layer_statistics])
def test_a_model_that_is_not_sequential_is_refused(function):
    with pytest.raises(TypeError, match=r"course_lib\.layers\.Sequential; got Linear"):
        function(Linear(2, 2, rng=0), np.ones((1, 2)))


def test_layer_statistics_agree_with_torch_and_find_dead_layers():
    model = mlp([6, 10, 10, 10, 2], "relu", rng=5)
    model[2].params["b"][:4] = -50.0  # four units of hidden layer 2 can never switch on
    x = np.random.default_rng(6).normal(size=(40, 6))
    stats = layer_statistics(model, x)
    run, _ = _torch_mlp(model)
    _, expected = run(x)
    assert len(stats) == 3
    for ours, t in zip(stats, expected, strict=True):
        t = t.detach()
        assert ours.mean == pytest.approx(t.mean().item(), rel=1e-12)
        assert ours.std == pytest.approx(t.std(unbiased=False).item(), rel=1e-12)
        assert ours.zero_fraction == pytest.approx((t == 0).double().mean().item(), abs=1e-15)
        # a dead unit: zero for every sample, counted from torch's output
        assert ours.dead_fraction == (t == 0).all(dim=0).double().mean().item()
    assert stats[1].dead_fraction >= 0.4


def test_layer_statistics_in_training_mode_batchnorm_keeps_relu_statistics():
    # relu(N(0, 1)) has mean 1/sqrt(2 pi) and std sqrt(1/2 - 1/(2 pi)); BN re-creates N(0, 1)
    model = mlp([30] + [64] * 12 + [2], "relu", weight_init="lecun", batchnorm=True, rng=1)
    stats = layer_statistics(model, np.random.default_rng(2).normal(size=(4000, 30)))
    for s in stats:
        assert s.mean == pytest.approx(1 / math.sqrt(2 * math.pi), abs=0.03)
        assert s.std == pytest.approx(math.sqrt(0.5 - 1 / (2 * math.pi)), abs=0.04)


# ------------------------------------------------------------------------------------------
# gradient norms
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "activation, weight_init, batchnorm",
    [("sigmoid", "xavier", False), ("relu", "he", False), ("tanh", "xavier", True)],
)
def test_gradient_norms_agree_with_torch_autograd(activation, weight_init, batchnorm):
    model = mlp([8, 16, 16, 16, 4], activation, weight_init=weight_init, batchnorm=batchnorm,
                rng=3)
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(32, 8)), rng.integers(0, 4, size=32)
    params_before = {k: v.copy() for k, v in model.params.items()}
    norms = gradient_norms_per_layer(model, SoftmaxCrossEntropy(), x, y)

    run, parameters = _torch_mlp(model)
    logits, _ = run(x)
    torch.nn.functional.cross_entropy(logits, torch.as_tensor(y)).backward()
    assert len(norms) == (7 if batchnorm else 4)  # every layer with parameters, BN included
    assert norms == pytest.approx(_torch_norms(parameters), rel=1e-10)
    for key, before in params_before.items():
        np.testing.assert_array_equal(model.params[key], before)  # nothing was trained


def test_gradient_norms_vanish_geometrically_through_sigmoid_layers():
    # sigmoid' <= 1/4: through 8 sigmoid layers the norm towards the input shrinks a lot
    model = mlp([20] + [20] * 8 + [3], "sigmoid", weight_init="xavier", rng=0)
    rng = np.random.default_rng(1)
    norms = gradient_norms_per_layer(model, SoftmaxCrossEntropy(), rng.normal(size=(64, 20)),
                                     rng.integers(0, 3, size=64))
    assert len(norms) == 9
    assert norms[0] < 1e-3 * norms[-2]


def test_gradient_norms_include_convolutions_in_order():
    rng = np.random.default_rng(0)
    model = Sequential(Conv2d(1, 2, 3, rng=rng), Activation("relu"), Flatten(),
                       Linear(2 * 4 * 4, 3, rng=rng))
    model[0].params["b"][...] = [0.1, -0.2]
    x = rng.normal(size=(4, 1, 6, 6))
    target = rng.normal(size=(4, 3))
    norms = gradient_norms_per_layer(model, MSELoss(), x, target)

    conv = [torch.tensor(model[0].params[k], requires_grad=True) for k in ("W", "b")]
    linear = [torch.tensor(model[3].params[k], requires_grad=True) for k in ("W", "b")]
    h = torch.relu(torch.nn.functional.conv2d(torch.as_tensor(x), *conv)).flatten(1)
    out = h @ linear[0] + linear[1]
    torch.nn.functional.mse_loss(out, torch.as_tensor(target)).backward()
    assert norms == pytest.approx(_torch_norms([conv, linear]), rel=1e-10)


def test_gradient_norms_cover_attention_and_recurrent_weights():
    rng = np.random.default_rng(9)
    n, t_len, d, h = 5, 4, 3, 6
    model = Sequential(SelfAttention(d, rng=rng), RNN(d, h, rng=rng), GatedRNN(h, h, rng=rng),
                       Flatten(), Linear(t_len * h, 2, rng=rng))
    for key, value in model.params.items():
        if key.endswith("b") or key.endswith("bz"):
            value[...] = 0.1 * rng.normal(size=value.shape)
    x, y = rng.normal(size=(n, t_len, d)), rng.integers(0, 2, size=n)
    norms = gradient_norms_per_layer(model, SoftmaxCrossEntropy(), x, y)

    p = {key: torch.tensor(value, requires_grad=True) for key, value in model.params.items()}
    xt = torch.as_tensor(x)
    q, k, v = xt @ p["0.Wq"], xt @ p["0.Wk"], xt @ p["0.Wv"]
    seq = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(d), dim=-1) @ v
    states, state = [], torch.zeros(n, h, dtype=torch.float64)
    for t in range(t_len):  # RNN (tanh)
        state = torch.tanh(seq[:, t] @ p["1.Wx"] + state @ p["1.Wh"] + p["1.b"])
        states.append(state)
    seq, states, state = torch.stack(states, dim=1), [], torch.zeros(n, h, dtype=torch.float64)
    for t in range(t_len):  # GatedRNN
        a = seq[:, t] @ p["2.Wx"] + state @ p["2.Wh"] + p["2.b"]
        z = torch.sigmoid(seq[:, t] @ p["2.Wxz"] + state @ p["2.Whz"] + p["2.bz"])
        state = z * torch.tanh(a) + (1 - z) * state
        states.append(state)
    logits = torch.stack(states, dim=1).flatten(1) @ p["4.W"] + p["4.b"]
    torch.nn.functional.cross_entropy(logits, torch.as_tensor(y)).backward()
    per_layer = [[p[key] for key in p if key.startswith(f"{i}.")] for i in (0, 1, 2, 4)]
    assert [len(group) for group in per_layer] == [3, 3, 6, 2]
    assert norms == pytest.approx(_torch_norms(per_layer), rel=1e-10)


class _LayerWithGradient:
    """A stand-in layer whose weight gradient is set by hand."""

    def __init__(self, grad):
        self.params = {"W": np.zeros_like(grad)}
        self.grads = {"W": grad}

    def forward(self, x):
        return x

    def backward(self, dout):
        return dout

    def train(self, mode=True):
        return self


def test_gradient_norms_of_huge_gradients_do_not_overflow():
    model = Sequential(_LayerWithGradient(np.array([[3e200, -4e200]])))
    norms = gradient_norms_per_layer(model, MSELoss(), np.ones((1, 2)), np.zeros((1, 2)))
    assert norms == pytest.approx([5e200], rel=1e-15)


def test_a_non_finite_gradient_is_reported():
    model = Sequential(_LayerWithGradient(np.array([[1.0, np.nan]])))
    with pytest.raises(ValueError, match=r"gradient of layer 0 \('W'\) must be finite"):
        gradient_norms_per_layer(model, MSELoss(), np.ones((1, 2)), np.zeros((1, 2)))


def test_gradient_norms_refuse_a_model_that_is_not_sequential():
    with pytest.raises(TypeError, match="Sequential"):
        gradient_norms_per_layer(Linear(2, 2, rng=0), MSELoss(), np.ones((1, 2)), np.zeros((1, 2)))


# ------------------------------------------------------------------------------------------
# the module
# ------------------------------------------------------------------------------------------
