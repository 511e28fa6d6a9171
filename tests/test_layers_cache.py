"""A layer's cache is its own: changing the input array after forward changes no gradient."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import layers

LAYERS = {
    "Linear": (lambda: layers.Linear(4, 3, rng=0), (5, 4)),
    "Activation": (lambda: layers.Activation("gelu"), (5, 4)),
    "PReLU": (lambda: layers.PReLU(4), (5, 4)),
    "AdaptiveSwish": (lambda: layers.AdaptiveSwish(4), (5, 4)),
    "BatchNorm1d": (lambda: layers.BatchNorm1d(4), (5, 4)),
    "Conv2d": (lambda: layers.Conv2d(2, 3, 3, padding=1, rng=0), (2, 2, 5, 5)),
    "MaxPool2d": (lambda: layers.MaxPool2d(2), (2, 2, 4, 4)),
    "RNN": (lambda: layers.RNN(4, 3, rng=0), (2, 5, 4)),
    "GatedRNN": (lambda: layers.GatedRNN(4, 3, rng=0), (2, 5, 4)),
    "SelfAttention": (lambda: layers.SelfAttention(4, rng=0), (2, 5, 4)),
    "SwiGLU": (lambda: layers.SwiGLU(), (5, 4)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_changing_the_input_after_forward_changes_no_gradient(name):
    make, shape = LAYERS[name]
    x = np.random.default_rng(1).standard_normal(shape)
    reference, layer = make(), make()
    out = reference.forward(x.copy())
    dout = np.random.default_rng(2).standard_normal(out.shape)
    expected = reference.backward(dout)

    layer.forward(x)
    x *= -3.0  # the caller reuses their array
    got = layer.backward(dout)
    np.testing.assert_array_equal(got, expected)
    for key, grad in reference.grads.items():
        np.testing.assert_array_equal(layer.grads[key], grad)
