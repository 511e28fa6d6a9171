"""course_lib.analysis.pre_activations and slope_statistics, against PyTorch autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib.analysis import pre_activations, slope_statistics
from course_lib.layers import Linear, mlp

TORCH_ACTIVATIONS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "gelu": torch.nn.functional.gelu,
    "selu": torch.selu,
    "swish": torch.nn.functional.silu,
    "elu": torch.nn.functional.elu,
}


def torch_pre_activations_and_slopes(model, x, f):
    """Pre-activations of an mlp computed in torch from its weights, and f'(z) by autograd."""
    linears = [layer for layer in model if isinstance(layer, Linear)]
    h = torch.from_numpy(x)
    zs, slopes = [], []
    for layer in linears[:-1]:
        z = (h @ torch.from_numpy(layer.params["W"]) + torch.from_numpy(layer.params["b"]))
        z = z.detach().requires_grad_(True)
        out = f(z)
        (slope,) = torch.autograd.grad(out.sum(), z)
        zs.append(z.detach().numpy())
        slopes.append(slope.numpy())
        h = out.detach()
    return zs, slopes


@pytest.mark.parametrize("name", sorted(TORCH_ACTIVATIONS))
def test_slopes_match_torch_autograd(name):
    rng = np.random.default_rng(len(name))
    x = 2.0 * rng.standard_normal((40, 6))
    model = mlp([6, 16, 12, 16, 3], name, rng=rng)
    zs, slopes = torch_pre_activations_and_slopes(model, x, TORCH_ACTIVATIONS[name])
    for ours, theirs in zip(pre_activations(model, x), zs, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-13)
    stats = slope_statistics(model, x, threshold=0.05)
    assert stats.names == (name,) * 3 and stats.threshold == 0.05
    want_mean = [np.mean(np.abs(s)) for s in slopes]
    want_fraction = [np.mean(np.abs(s) < 0.05) for s in slopes]
    np.testing.assert_allclose(stats.mean_abs_slope, want_mean, rtol=1e-10)
    np.testing.assert_array_equal(stats.saturated_fraction, want_fraction)
    assert stats.mean_abs_slope.dtype == np.float64 and stats.saturated_fraction.shape == (3,)


def test_layer_parameters_and_strict_threshold():
    x = np.random.default_rng(0).standard_normal((30, 4))
    default = slope_statistics(mlp([4, 8, 8, 2], "leaky_relu", rng=0), x)
    # the slope 0.01 for z < 0 is not below the threshold 0.01
    assert np.all(default.saturated_fraction == 0.0)
    np.testing.assert_array_less(0.01, default.mean_abs_slope)
    own = slope_statistics(mlp([4, 8, 8, 2], "leaky_relu", negative_slope=0.005, rng=0), x)
    assert np.all(own.saturated_fraction > 0.2)
    _, slopes = torch_pre_activations_and_slopes(
        mlp([4, 8, 8, 2], "leaky_relu", negative_slope=0.005, rng=0), x,
        lambda t: torch.nn.functional.leaky_relu(t, 0.005))
    np.testing.assert_allclose(own.mean_abs_slope, [np.abs(s).mean() for s in slopes],
                               rtol=1e-12)


def test_relu_kink_counts_as_saturated():
    model = mlp([3, 5, 2], "relu", rng=0)
    x = np.zeros((4, 3))  # z = b = 0 everywhere: relu'(0) = 0 (PyTorch's convention)
    stats = slope_statistics(model, x)
    assert stats.mean_abs_slope.tolist() == [0.0] and stats.saturated_fraction.tolist() == [1.0]


def test_batchnorm_pre_activations_are_normalised_in_training_mode():
    rng = np.random.default_rng(1)
    x = 5.0 + 3.0 * rng.standard_normal((64, 4))
    model = mlp([4, 10, 10, 2], "sigmoid", batchnorm=True, weight_init="xavier", rng=0)
    for z in pre_activations(model, x):
        np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-12)
        np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-3)


def test_float32_and_lists():
    model = mlp([3, 4, 2], "tanh", rng=0)
    x32 = np.ones((2, 3), dtype=np.float32)
    assert pre_activations(model, x32)[0].dtype == np.float32
    stats = slope_statistics(model, [[1, 2, 3], [0, 0, 0]])
    assert stats.mean_abs_slope.dtype == np.float64


def test_bad_arguments():
    model = mlp([3, 4, 2], "tanh", rng=0)
    with pytest.raises(ValueError, match="threshold"):
        slope_statistics(model, np.ones((2, 3)), threshold=0.0)
    with pytest.raises(TypeError, match="Sequential"):
        slope_statistics(Linear(3, 2), np.ones((2, 3)))
    with pytest.raises(TypeError, match="Sequential"):
        pre_activations("not a model", np.ones((2, 3)))
    assert slope_statistics(mlp([3, 2], "relu", rng=0), np.ones((2, 3))).names == ()
