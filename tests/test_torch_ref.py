"""course_lib.torch_ref: the PyTorch twins agree with the numpy versions and pass gradcheck.

The numpy side (course_lib.custom, course_lib.layers) is written by hand; the torch side is an
autograd.Function with its own backward, or plain autograd. Agreement in float64 to rtol
1e-10 is a real check of both.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import course_lib.activations as act
from course_lib import custom, torch_ref
from course_lib.layers import Activation, AdaptiveSwish, Linear, PReLU, Sequential

F64 = torch.float64
PARAMS = [(0.5, 1.0), (2.0, 0.3), (0.0, 1.5)]


def values_and_grads(fn, x: np.ndarray, alpha: float, beta: float):
    xt = torch.tensor(x, requires_grad=True)
    y = fn(xt, alpha, beta)
    y.backward(torch.ones_like(y))
    return y.detach().numpy(), xt.grad.numpy()


# --- the piecewise activation and its C¹ repair ------------------------------------------

GRID = np.concatenate([np.linspace(-30.0, 30.0, 601), [-1e-9, 0.0, 1e-9, 700.0, 709.0]])


@pytest.mark.parametrize("alpha, beta", PARAMS)
def test_discontinuous_function_matches_numpy_values_and_grads(alpha, beta):
    x = np.concatenate([GRID, [709.9, 710.0, 1000.0]])  # NaN there on both sides
    y, dy = values_and_grads(torch_ref.discontinuous_activation, x, alpha, beta)
    np.testing.assert_allclose(y, custom.discontinuous_activation(x, alpha, beta), rtol=1e-10,
                               atol=0, equal_nan=True)
    np.testing.assert_allclose(dy, custom.discontinuous_activation_grad(x, alpha, beta), rtol=1e-10,
                               atol=0, equal_nan=True)
    assert np.all(np.isnan(y[-3:])) and np.all(np.isnan(dy[-3:]))


@pytest.mark.parametrize("alpha, beta", PARAMS)
def test_softplus_quadratic_function_matches_numpy_values_and_grads(alpha, beta):
    x = np.concatenate([GRID, [-700.0, -1e4, 1e4, 1e150]])
    y, dy = values_and_grads(torch_ref.softplus_quadratic, x, alpha, beta)
    np.testing.assert_allclose(y, custom.softplus_quadratic(x, alpha, beta), rtol=1e-10, atol=0)
    np.testing.assert_allclose(dy, custom.softplus_quadratic_grad(x, alpha, beta), rtol=1e-10,
                               atol=0)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(dy))


def test_float32_agrees_with_numpy_float32():
    x = np.linspace(-50.0, 50.0, 1001).astype(np.float32)
    for fn_t, fn_np, fn_np_grad in (
        (torch_ref.softplus_quadratic, custom.softplus_quadratic, custom.softplus_quadratic_grad),
        (
            torch_ref.discontinuous_activation,
            custom.discontinuous_activation,
            custom.discontinuous_activation_grad,
        ),
    ):
        y, dy = values_and_grads(fn_t, x, 0.5, 1.0)
        assert y.dtype == np.float32
        np.testing.assert_allclose(y, fn_np(x), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(dy, fn_np_grad(x), rtol=1e-5, atol=1e-6)


def _gradcheck(fn, x: np.ndarray) -> bool:
    xt = torch.tensor(x, dtype=F64, requires_grad=True)
    return torch.autograd.gradcheck(lambda v: fn(v, 0.5, 1.0), (xt,), eps=1e-6, atol=1e-5,
                                    rtol=1e-3, raise_exception=False)


def test_gradcheck_passes_for_the_c1_function_everywhere():
    assert _gradcheck(torch_ref.softplus_quadratic, np.array([-3.0, -1e-7, 0.0, 1e-7, 2.0]))
    assert _gradcheck(torch_ref.softplus_quadratic, np.linspace(-5.0, 5.0, 41))


def test_gradcheck_passes_for_the_slide_function_only_away_from_zero():
    assert _gradcheck(torch_ref.discontinuous_activation, np.array([-3.0, -0.5, -0.01, 0.01, 2.0]))
    for x0 in (0.0, 1e-7, -1e-7, -5e-7):
        assert not _gradcheck(torch_ref.discontinuous_activation, np.array([-1.0, x0, 1.0]))


def test_functions_reject_non_tensors_and_bad_parameters():
    with pytest.raises(TypeError, match=r"x must be a torch\.Tensor"):
        torch_ref.softplus_quadratic(np.zeros(3))
    with pytest.raises(TypeError, match="floating-point tensor"):
        torch_ref.discontinuous_activation(torch.zeros(3, dtype=torch.int64))
    with pytest.raises(TypeError, match="alpha must be a real number"):
        torch_ref.softplus_quadratic(torch.zeros(3), alpha="big")


# --- AdaptiveSwish -------------------------------------------------------------------------


def test_adaptive_swish_matches_the_numpy_layer():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 5)) * 3.0
    dout = rng.standard_normal((16, 5))
    alpha, beta = rng.uniform(0.5, 2.0, 5), rng.uniform(-1.5, 2.5, 5)

    layer = AdaptiveSwish(5)
    layer.params["alpha"][...] = alpha
    layer.params["beta"][...] = beta
    y = layer.forward(x)
    dx = layer.backward(dout)

    twin = torch_ref.AdaptiveSwish(5)
    with torch.no_grad():
        twin.alpha.copy_(torch.from_numpy(alpha))
        twin.beta.copy_(torch.from_numpy(beta))
    xt = torch.tensor(x, requires_grad=True)
    yt = twin(xt)
    yt.backward(torch.from_numpy(dout))
    np.testing.assert_allclose(yt.detach().numpy(), y, rtol=1e-10, atol=0)
    np.testing.assert_allclose(xt.grad.numpy(), dx, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(twin.alpha.grad.numpy(), layer.grads["alpha"], rtol=1e-10)
    np.testing.assert_allclose(twin.beta.grad.numpy(), layer.grads["beta"], rtol=1e-10)


def test_adaptive_swish_gradcheck_for_input_alpha_and_beta():
    torch.manual_seed(0)
    twin = torch_ref.AdaptiveSwish(3)
    x = torch.randn(4, 3, dtype=F64, requires_grad=True)
    alpha = torch.tensor([0.5, 1.0, 2.0], dtype=F64, requires_grad=True)
    beta = torch.tensor([-1.0, 0.0, 3.0], dtype=F64, requires_grad=True)

    def f(x, alpha, beta):
        return torch.func.functional_call(twin, {"alpha": alpha, "beta": beta}, (x,))

    assert torch.autograd.gradcheck(f, (x, alpha, beta), eps=1e-6, atol=1e-7, rtol=1e-5)


def test_adaptive_swish_parameters_shape_and_errors():
    twin = torch_ref.AdaptiveSwish(4, alpha=0.2, beta=1.5)
    assert [n for n, _ in twin.named_parameters()] == ["alpha", "beta"]
    assert all(isinstance(p, torch.nn.Parameter) for p in twin.parameters())
    assert twin.alpha.shape == (4,) and twin.alpha.dtype == F64
    assert twin.alpha.detach().tolist() == [0.2] * 4 and twin.beta.detach().tolist() == [1.5] * 4
    with pytest.raises(ValueError, match=r"x must have shape \(N, 4\); got \(2, 3\)"):
        twin(torch.zeros(2, 3, dtype=F64))
    with pytest.raises(TypeError, match="num_features must be an integer"):
        torch_ref.AdaptiveSwish(2.5)


# --- from_layers ---------------------------------------------------------------------------

def _compare_models(model, x: np.ndarray, dout: np.ndarray, grad_rtol: float = 1e-10) -> None:
    twin = torch_ref.from_layers(model)
    y = model.forward(x)
    dx = model.backward(dout)
    xt = torch.tensor(x, requires_grad=True)
    yt = twin(xt)
    yt.backward(torch.from_numpy(dout))
    np.testing.assert_allclose(yt.detach().numpy(), y, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(xt.grad.numpy(), dx, rtol=grad_rtol, atol=1e-13)
    grads = model.grads
    torch_params = list(twin.parameters())
    assert len(torch_params) == len(model.params)
    for (key, g), p in zip(grads.items(), torch_params, strict=True):
        expected = g.T if g.ndim == 2 else g  # torch stores Linear weights transposed
        np.testing.assert_allclose(p.grad.numpy(), expected, rtol=grad_rtol, atol=1e-13,
                                   err_msg=key)


@pytest.mark.parametrize("name", act.names())
def test_from_layers_same_function_and_gradients(name):
    rng = np.random.default_rng(1)
    model = Sequential(Linear(4, 6, rng=rng), Activation(name), Linear(6, 2, rng=rng))
    x = rng.standard_normal((8, 4)) * 2
    # torch's hardsigmoid backward multiplies by the float32 constant 1.0f / 6.0f even in
    # float64 (0.1666666716...): its gradients are 3e-8 off the exact 1/6
    grad_rtol = 1e-7 if name == "hard_sigmoid" else 1e-10
    _compare_models(model, x, rng.standard_normal((8, 2)), grad_rtol)


def test_from_layers_with_parameters_adaptive_swish_and_prelu():
    rng = np.random.default_rng(2)
    swish = AdaptiveSwish(6, alpha=0.7, beta=1.3)
    swish.params["beta"][...] = rng.uniform(0.5, 2.0, 6)
    model = Sequential(Linear(3, 6, rng=rng), swish, Linear(6, 5, rng=rng),
                       Activation("leaky_relu", negative_slope=0.2), PReLU(init=0.1),
                       Activation("softplus", beta=2.0), Linear(5, 1, bias=False, rng=rng))
    _compare_models(model, rng.standard_normal((7, 3)), rng.standard_normal((7, 1)))
    twin = torch_ref.from_layers(model)
    assert isinstance(twin[1], torch_ref.AdaptiveSwish)
    # a copy, not shared memory: changing the twin leaves the model alone
    with torch.no_grad():
        twin[0].weight.zero_()
    assert np.all(model.layers[0].params["W"] != 0)


def test_from_layers_single_layer_and_errors():
    layer = Linear(2, 3, rng=0)
    twin = torch_ref.from_layers(layer)
    assert isinstance(twin, torch.nn.Sequential) and len(twin) == 1
    with pytest.raises(TypeError, match="layer 0 must be a Linear"):
        torch_ref.from_layers(Sequential(object.__new__(Sequential)))


def test_activations_without_a_torch_module_become_expressions():
    # PyTorch has no snake, and SiLU has no beta: the registry's torch expression is used
    x = np.linspace(-3.0, 3.0, 13)
    for layer in (Activation("snake", a=2.0), Activation("swish", beta=2.0)):
        twin = torch_ref.from_layers(layer)
        assert isinstance(twin[0], torch_ref.Expression)
        np.testing.assert_allclose(twin(torch.from_numpy(x)).numpy(), layer.forward(x),
                                   rtol=1e-12)
    assert isinstance(torch_ref.module("swish"), torch.nn.SiLU)


def test_functional_refuses_unknown_names_and_parameters():
    with pytest.raises(ValueError, match="did you mean 'gelu'"):
        torch_ref.functional("gleu")
    with pytest.raises(TypeError, match="activation 'elu' has no parameter 'beta'"):
        torch_ref.functional("elu", beta=2.0)
    with pytest.raises(ValueError, match="beta must be"):
        torch_ref.module("softplus", beta=0.0)


def test_from_layers_accepts_a_learners_subclass_of_a_library_layer():
    """A subclass keeps its base class's parameter names (found through the MRO)."""

    class MyLinear(Linear):
        pass

    class MyPReLU(PReLU):
        pass

    rng = np.random.default_rng(3)
    model = Sequential(MyLinear(3, 4, rng=rng), MyPReLU(init=0.2), Linear(4, 2, rng=rng))
    _compare_models(model, rng.standard_normal((5, 3)), rng.standard_normal((5, 2)))
