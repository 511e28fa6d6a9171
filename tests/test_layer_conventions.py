"""The parameter-naming rule of course_lib.layers (stated in its docstring) and the one
table from the course's names to PyTorch's, checked against PyTorch's modules."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest
import torch

from course_lib import layers as L
from course_lib import torch_ref

# One small instance of every layer class.
INSTANCES = {
    "Linear": L.Linear(3, 2, rng=0),
    "Conv2d": L.Conv2d(2, 3, 3, rng=0),
    "BatchNorm1d": L.BatchNorm1d(4),
    "PReLU": L.PReLU(3),
    "AdaptiveSwish": L.AdaptiveSwish(4),
    "RNN": L.RNN(3, 4, rng=0),
    "GatedRNN": L.GatedRNN(3, 4, rng=0),
    "SelfAttention": L.SelfAttention(4, rng=0),
    "Activation": L.Activation("relu"),
    "Flatten": L.Flatten(),
    "MaxPool2d": L.MaxPool2d(2),
    "GLU": L.GLU(),
    "SwiGLU": L.SwiGLU(),
    "GaussianGLU": L.GaussianGLU(),
}
# Layers with parameters and no PyTorch module holding the same numbers, and why.
NO_TORCH_TWIN = {
    "RNN": "torch.nn.RNN has two biases (bias_ih, bias_hh) where the formula has one b",
    "GatedRNN": "the course's gated cell is not torch.nn.GRU",
    "SelfAttention": "torch.nn.MultiheadAttention packs Wq, Wk, Wv into one in_proj_weight",
}
# The rule: W (and what it multiplies), b, each with an optional gate suffix; gamma/beta of
# a normalisation; an activation's own parameter name.
RULE = re.compile(r"(W[a-z]*|b[a-z]?|gamma|beta|alpha|weight)")
TWINS = {
    "Linear": lambda layer: torch.nn.Linear(3, 2, dtype=torch.float64),
    "Conv2d": lambda layer: torch.nn.Conv2d(2, 3, 3, dtype=torch.float64),
    "BatchNorm1d": lambda layer: torch.nn.BatchNorm1d(4, dtype=torch.float64),
    "PReLU": lambda layer: torch.nn.PReLU(3, dtype=torch.float64),
    "AdaptiveSwish": lambda layer: torch_ref.AdaptiveSwish(4),
}


def test_every_layer_class_has_an_instance_here():
    classes = {name for name in L.__all__
               if inspect.isclass(getattr(L, name)) and issubclass(getattr(L, name), L.Layer)}
    assert classes - {"Layer", "Sequential"} == set(INSTANCES)


@pytest.mark.parametrize("name", sorted(INSTANCES))
def test_parameter_names_follow_the_rule(name):
    for key in INSTANCES[name].params:
        assert RULE.fullmatch(key), f"{name}.params[{key!r}] breaks the naming rule"


@pytest.mark.parametrize("name", sorted(INSTANCES))
def test_every_layer_with_parameters_is_in_the_torch_table_or_says_why_not(name):
    if INSTANCES[name].params:
        assert (name in L.TORCH_PARAMETER_NAMES) != (name in NO_TORCH_TWIN), name


@pytest.mark.parametrize("name", sorted(L.TORCH_PARAMETER_NAMES))
def test_the_table_names_torchs_parameters_with_their_shapes(name):
    layer, twin = INSTANCES[name], TWINS[name](INSTANCES[name])
    table = L.TORCH_PARAMETER_NAMES[name]
    assert set(table) == set(layer.params)
    torch_params = dict(twin.named_parameters())
    assert {torch_name for torch_name, _ in table.values()} == set(torch_params)
    for key, (torch_name, transposed) in table.items():
        ours = layer.params[key].T if transposed else layer.params[key]
        assert ours.shape == tuple(torch_params[torch_name].shape), key


def test_from_layers_copies_through_the_table():
    layer = L.PReLU(3, init=0.1)
    layer.params["weight"][...] = np.array([0.1, 0.2, 0.3])
    twin = torch_ref.from_layers(layer)[0]
    np.testing.assert_array_equal(twin.weight.detach().numpy(), [0.1, 0.2, 0.3])
