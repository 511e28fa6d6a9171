"""Conv2d, MaxPool2d and Flatten against PyTorch (float64, copied weights, rtol 1e-10).

Their finite-difference gradients and the layer contract are tested in tests/test_layers.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_lib import layers as L

RTOL = 1e-10


def _t(a, grad=False):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


def _close(ours, theirs):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-13)


def _distinct(rng, shape):
    """Values whose gaps are >= 0.01: no ties, so every window has one maximum."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.01 - 0.005 * n).reshape(shape)


@pytest.mark.parametrize(
    "stride, padding, kernel", [(1, 0, 3), (2, 1, 3), (1, 2, 3), (2, 0, 2), (3, 1, 4)]
)
def test_conv2d_matches_torch(stride, padding, kernel):
    r = np.random.default_rng(11)
    conv = L.Conv2d(3, 4, kernel, stride=stride, padding=padding, rng=r)
    conv.params["b"][...] = r.standard_normal(4)
    ref = torch.nn.Conv2d(3, 4, kernel, stride=stride, padding=padding, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(_t(conv.params["W"]))  # same layout (F, C, k, k)
        ref.bias.copy_(_t(conv.params["b"]))
    x = r.standard_normal((2, 3, 9, 8))
    xt = _t(x, True)
    yt = ref(xt)
    y = conv.forward(x)
    assert y.shape == tuple(yt.shape)
    _close(y, yt)
    dout = r.standard_normal(y.shape)
    yt.backward(_t(dout))
    _close(conv.backward(dout), xt.grad)
    _close(conv.grads["W"], ref.weight.grad)
    _close(conv.grads["b"], ref.bias.grad)


def test_conv2d_on_the_benchmark_batch_matches_torch():
    from course_lib.data import load_digits_split

    x = load_digits_split(images=True).X_test
    conv = L.Conv2d(1, 16, 3, rng=np.random.default_rng(0))
    assert x.shape == (360, 1, 8, 8)
    assert conv.params["W"].shape == (16, 1, 3, 3) and conv.params["b"].shape == (16,)
    y = conv.forward(x)
    assert y.shape == (360, 16, 6, 6)
    _close(y, F.conv2d(_t(x), _t(conv.params["W"]), _t(conv.params["b"])))


def test_maxpool2d_matches_torch():
    r = np.random.default_rng(12)
    for k, shape in [(2, (2, 3, 6, 6)), (2, (2, 1, 7, 5)), (3, (1, 2, 8, 9))]:
        x = _distinct(r, shape)
        xt = _t(x, True)
        yt = torch.nn.MaxPool2d(k)(xt)
        pool = L.MaxPool2d(k)
        y = pool.forward(x)
        _close(y, yt)
        dout = r.standard_normal(y.shape)
        yt.backward(_t(dout))
        _close(pool.backward(dout), xt.grad)


def test_maxpool2d_tie_goes_to_the_first_maximum_like_torch():
    x = np.ones((1, 1, 2, 2))
    pool = L.MaxPool2d(2)
    pool.forward(x)
    xt = _t(x, True)
    F.max_pool2d(xt, 2).backward(_t(np.ones((1, 1, 1, 1))))
    _close(pool.backward(np.ones((1, 1, 1, 1))), xt.grad)


def test_maxpool2d_propagates_nan():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 1, 0] = np.nan
    out = L.MaxPool2d(2).forward(x)
    assert np.isnan(out[0, 0, 0, 0]) and np.isfinite(out[0, 0, 0, 1])


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (0, 2, 3), (3, 0, 2), (0, 1)])
def test_flatten_matches_torch_including_zero_size_batches(shape):
    x = np.random.default_rng(13).standard_normal(shape)
    xt = _t(x, True)
    yt = torch.nn.Flatten()(xt)
    layer = L.Flatten()
    y = layer.forward(x)
    assert y.shape == tuple(yt.shape)
    _close(y, yt)
    dout = np.random.default_rng(14).standard_normal(y.shape)
    yt.backward(_t(dout))
    dx = layer.backward(dout)
    assert dx.shape == shape
    _close(dx, xt.grad)


@pytest.mark.parametrize("kind", ["conv", "pool"])
def test_zero_size_batch_matches_torch_shape(kind):
    x = np.zeros((0, 2, 6, 6))
    ours = L.Conv2d(2, 3, 3, rng=0) if kind == "conv" else L.MaxPool2d(2)
    ref = torch.nn.Conv2d(2, 3, 3, dtype=torch.float64) if kind == "conv" else torch.nn.MaxPool2d(2)
    y = ours.forward(x)
    assert y.shape == tuple(ref(_t(x)).shape)
    assert ours.backward(y).shape == x.shape
