"""Tests of course_lib.layers.mlp: structure, weights, forward and backward against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib.layers import Activation, BatchNorm1d, Linear, Sequential, mlp


def _kinds(model):
    return [type(layer).__name__ for layer in model]


def test_layers_and_shapes():
    model = mlp([64, 32, 16, 10], "tanh", weight_init="xavier", rng=0)
    assert isinstance(model, Sequential)
    assert _kinds(model) == ["Linear", "Activation", "Linear", "Activation", "Linear"]
    assert [(lay.in_features, lay.out_features) for lay in model if isinstance(lay, Linear)] == [
        (64, 32), (32, 16), (16, 10)
    ]
    assert all(lay.name == "tanh" for lay in model if isinstance(lay, Activation))
    assert all(lay.weight_init == "xavier" for lay in model if isinstance(lay, Linear))
    assert model.forward(np.ones((3, 64))).shape == (3, 10)


def test_same_weights_as_building_the_layers_by_hand_with_one_generator():
    g = np.random.default_rng(42)
    by_hand = [Linear(5, 8, weight_init="lecun", rng=g), Linear(8, 8, weight_init="lecun", rng=g),
               Linear(8, 2, weight_init="lecun", rng=g)]
    for seed in (42, np.random.default_rng(42)):
        model = mlp([5, 8, 8, 2], "relu", weight_init="lecun", rng=seed)
        linears = [lay for lay in model if isinstance(lay, Linear)]
        for ours, theirs in zip(linears, by_hand, strict=True):
            np.testing.assert_array_equal(ours.params["W"], theirs.params["W"])
            np.testing.assert_array_equal(ours.params["b"], np.zeros(theirs.out_features))


def test_batchnorm_goes_before_every_hidden_activation():
    model = mlp([4, 6, 6, 3], "relu", batchnorm=True, rng=0)
    assert _kinds(model) == ["Linear", "BatchNorm1d", "Activation", "Linear", "BatchNorm1d",
                             "Activation", "Linear"]
    assert [lay.num_features for lay in model if isinstance(lay, BatchNorm1d)] == [6, 6]


def test_without_activation_the_stack_is_one_linear_map():
    model = mlp([3, 7, 7, 2], activation=None, rng=1)
    assert _kinds(model) == ["Linear", "Linear", "Linear"]
    x = np.random.default_rng(2).normal(size=(10, 3))
    w = model[0].params["W"] @ model[1].params["W"] @ model[2].params["W"]
    np.testing.assert_allclose(model.forward(x), x @ w, rtol=1e-12, atol=1e-12)
    assert _kinds(mlp([2, 2])) == ["Linear"]
    assert _kinds(mlp(np.array([2, 3, 2]), None)) == _kinds(mlp((2, 3, 2), None)) == ["Linear"] * 2


def test_activation_parameters_reach_the_layers():
    model = mlp([2, 3, 1], "leaky_relu", rng=0, negative_slope=0.3)
    assert model[1].activation_params == {"negative_slope": 0.3}
    model[0].params["W"][...] = [[-1.0, 1.0, 0.0], [0.0, 0.0, -2.0]]
    model[2].params["W"][...] = 1.0
    assert model.forward(np.array([[1.0, 1.0]]))[0, 0] == pytest.approx(-0.3 + 1.0 - 0.6)


@pytest.mark.parametrize("batchnorm", [False, True])
def test_forward_backward_and_every_parameter_gradient_agree_with_torch(batchnorm):
    model = mlp([5, 8, 6, 3], "gelu", weight_init="xavier", batchnorm=batchnorm, rng=3)
    rng = np.random.default_rng(6)
    for layer in model:  # non-trivial biases and batch-norm parameters
        if "b" in layer.params:
            layer.params["b"][...] = rng.normal(size=layer.params["b"].shape)
        if isinstance(layer, BatchNorm1d):
            layer.params["gamma"][...] = rng.uniform(0.5, 1.5, layer.num_features)
            layer.params["beta"][...] = rng.uniform(-0.5, 0.5, layer.num_features)
    x = np.random.default_rng(4).normal(size=(12, 5))
    dout = np.random.default_rng(5).normal(size=(12, 3))
    out = model.forward(x)
    dx = model.backward(dout)

    torch_layers, pairs = [], []  # pairs: (our key, torch parameter, transpose?)
    for i, layer in enumerate(model):
        if isinstance(layer, Linear):
            ref = torch.nn.Linear(layer.in_features, layer.out_features, dtype=torch.float64)
            with torch.no_grad():
                ref.weight.copy_(torch.from_numpy(layer.params["W"].T))
                ref.bias.copy_(torch.from_numpy(layer.params["b"]))
            pairs += [(f"{i}.W", ref.weight, True), (f"{i}.b", ref.bias, False)]
        elif isinstance(layer, BatchNorm1d):
            ref = torch.nn.BatchNorm1d(layer.num_features, dtype=torch.float64)
            with torch.no_grad():
                ref.weight.copy_(torch.from_numpy(layer.params["gamma"]))
                ref.bias.copy_(torch.from_numpy(layer.params["beta"]))
            pairs += [(f"{i}.gamma", ref.weight, False), (f"{i}.beta", ref.bias, False)]
        else:
            ref = torch.nn.GELU()
        torch_layers.append(ref)
    xt = torch.from_numpy(x).requires_grad_(True)
    out_torch = torch.nn.Sequential(*torch_layers)(xt)
    out_torch.backward(torch.from_numpy(dout))
    np.testing.assert_allclose(out, out_torch.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-13)
    assert {key for key, _, _ in pairs} == set(model.grads)
    for key, parameter, transpose in pairs:
        expected = parameter.grad.numpy()
        np.testing.assert_allclose(model.grads[key], expected.T if transpose else expected,
                                   rtol=1e-10, atol=1e-13, err_msg=key)


@pytest.mark.parametrize(
    "args, kwargs, error, words",
    [
        (([4],), {}, ValueError, "at least two sizes"),
        (([],), {}, ValueError, "at least two sizes"),
        (([4, 0, 2],), {}, ValueError, r"mlp\(\): sizes\[1\] must be an integer >= 1; got 0"),
        (([4, 2.5, 2],), {}, TypeError, r"sizes\[1\] must be an integer >= 1; got float 2.5"),
        (("42",), {}, TypeError, "sizes must be a sequence"),
        ((4,), {}, TypeError, "sizes must be a sequence"),
        (([4, 2], "relux"), {}, ValueError, "did you mean 'relu'"),
        (([4, 3, 2], None), {"negative_slope": 0.1}, TypeError, "without an activation"),
        (([4, 3, 2], "relu"), {"weight_init": "glorot"}, ValueError, "unknown weight_init"),
        (([4, 3, 2], "relu"), {"init": "he"}, TypeError, "init"),
        (([4, 3, 2], "relu"), {"rng": 1.5}, TypeError, r"mlp\(\): rng must be"),
        (([4, 3, 2], "elu"), {"slope": 0.1}, TypeError, "slope"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(args, kwargs, error, words):
    with pytest.raises(error, match=words):
        mlp(*args, **kwargs)
