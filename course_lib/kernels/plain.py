r"""The readable kernels: one ``@njit(parallel=True)`` loop per activation and derivative.

Each is the loop a learner writes first: ``prange`` splits the elements over threads and
each element is converted to float64 (``np.float64(x[i])``; numba's ``float()`` would keep
a float32 a float32), computed with the C library's ``math.exp``, ``math.log1p``,
``math.erfc`` & co., and stored, so a float32 result is rounded once. The formulas are the
stable ones of :mod:`course_lib.activations` (``exp(-|x|)`` for the sigmoid family, the
sigmoid form of the tanh-GELU), and a ``0 * inf`` is avoided where an input is infinite.

Each function ``name(x, *params, out=None)`` takes any shape, checks its input and writes
into ``out`` if given; the loop itself sees a flat array (``name.loop`` is the compiled
loop, ``inspect.getsource(name)`` shows it). The same activations, faster:
:mod:`course_lib.kernels.fast`. Both are reached by name through
``kernels.get(name).plain`` and ``kernels.get(name)``.

Examples
--------
>>> import numpy as np
>>> from course_lib.kernels import plain
>>> plain.sigmoid(np.array([-800.0, 0.0, 800.0]))
array([0. , 0.5, 1. ])
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from course_lib.kernels._dispatch import plain_kernel

__all__ = [
    "elu", "elu_grad", "gelu", "gelu_grad", "gelu_tanh", "gelu_tanh_grad", "leaky_relu",
    "leaky_relu_grad", "mish", "mish_grad", "relu", "relu_grad", "sigmoid", "sigmoid_grad",
    "softplus", "softplus_grad", "swish", "swish_grad", "tanh", "tanh_grad",
]

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_TANH_SCALE = 2.0 * math.sqrt(2.0 / math.pi)  # z = 2u = scale * (x + 0.044715 x^3)


@njit(cache=True, inline="always")
def _sigmoid(z):
    """1 / (1 + e^-z), with e^{-|z|} so that nothing overflows."""
    e = math.exp(-abs(z))
    return 1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)


@njit(cache=True, inline="always")
def _sigmoid_slope(z):
    """sigma(z) * sigma(-z) = e / (1 + e)^2 with e = e^{-|z|}: no cancellation in the tails."""
    e = math.exp(-abs(z))
    return e / ((1.0 + e) * (1.0 + e))


@plain_kernel
def relu(x, out):
    """ReLU, max(0, x). NaN stays NaN."""
    for i in prange(x.size):
        v = np.float64(x[i])
        out[i] = 0.0 if v <= 0.0 else v


@plain_kernel
def relu_grad(x, out):
    """1 for x > 0, else 0 (also at 0, as PyTorch)."""
    for i in prange(x.size):
        v = np.float64(x[i])
        out[i] = 1.0 if v > 0.0 else (0.0 if v <= 0.0 else v)  # v: NaN stays NaN


@plain_kernel
def leaky_relu(x, out, negative_slope):
    """x for x > 0, else negative_slope * x."""
    for i in prange(x.size):
        v = np.float64(x[i])
        if v > 0.0 or v != v:
            out[i] = v
        else:
            out[i] = negative_slope * v if negative_slope != 0.0 else 0.0  # 0 * -inf is NaN


@plain_kernel
def leaky_relu_grad(x, out, negative_slope):
    """1 for x > 0, else negative_slope (also at 0)."""
    for i in prange(x.size):
        v = np.float64(x[i])
        out[i] = 1.0 if v > 0.0 else (negative_slope if v <= 0.0 else v)


@plain_kernel
def elu(x, out, alpha):
    """x for x > 0, else alpha * (e^x - 1), with expm1 (exact near 0)."""
    for i in prange(x.size):
        v = np.float64(x[i])
        out[i] = v if v > 0.0 else alpha * math.expm1(v)


@plain_kernel
def elu_grad(x, out, alpha):
    """1 for x > 0, else alpha * e^x."""
    for i in prange(x.size):
        v = np.float64(x[i])
        out[i] = 1.0 if v > 0.0 else alpha * math.exp(v)


@plain_kernel
def sigmoid(x, out):
    """1 / (1 + e^-x): 1/(1 + e) for x >= 0 and e/(1 + e) for x < 0, e = e^{-|x|}."""
    for i in prange(x.size):
        out[i] = _sigmoid(np.float64(x[i]))


@plain_kernel
def sigmoid_grad(x, out):
    """sigma(x) sigma(-x) = e / (1 + e)^2, e = e^{-|x|}."""
    for i in prange(x.size):
        out[i] = _sigmoid_slope(np.float64(x[i]))


@plain_kernel
def tanh(x, out):
    """tanh x, from the C library."""
    for i in prange(x.size):
        out[i] = math.tanh(np.float64(x[i]))


@plain_kernel
def tanh_grad(x, out):
    """1 - tanh^2 x, as 4 sigma(2x) sigma(-2x) (1 - tanh^2 would cancel for large |x|)."""
    for i in prange(x.size):
        out[i] = 4.0 * _sigmoid_slope(2.0 * np.float64(x[i]))


@plain_kernel
def softplus(x, out, beta, threshold):
    """log(1 + e^{beta x}) / beta = (max(z, 0) + log1p(e^{-|z|})) / beta, z = beta x;
    x where z > threshold (PyTorch's rule)."""
    for i in prange(x.size):
        v = np.float64(x[i])
        z = beta * v
        if z > threshold:
            out[i] = v
        else:
            out[i] = (max(z, 0.0) + math.log1p(math.exp(-abs(z)))) / beta


@plain_kernel
def softplus_grad(x, out, beta, threshold):
    """sigma(beta x); 1 where beta x > threshold."""
    for i in prange(x.size):
        z = beta * np.float64(x[i])
        out[i] = 1.0 if z > threshold else _sigmoid(z)


@plain_kernel
def swish(x, out, beta):
    """x sigma(beta x); 0 (not -inf * 0) where the gate is 0."""
    for i in prange(x.size):
        v = np.float64(x[i])
        gate = _sigmoid(beta * v)
        out[i] = v * gate if gate != 0.0 else -0.0


@plain_kernel
def swish_grad(x, out, beta):
    """sigma(z) + z sigma(z) sigma(-z) with z = beta x."""
    for i in prange(x.size):
        z = beta * np.float64(x[i])
        slope = _sigmoid_slope(z)
        out[i] = _sigmoid(z) + (z * slope if slope != 0.0 else 0.0)


@plain_kernel
def mish(x, out):
    """x tanh(softplus(x)), softplus(x) = max(x, 0) + log1p(e^{-|x|})."""
    for i in prange(x.size):
        v = np.float64(x[i])
        gate = math.tanh(max(v, 0.0) + math.log1p(math.exp(-abs(v))))
        out[i] = v * gate if gate != 0.0 else -0.0


@plain_kernel
def mish_grad(x, out):
    """g + x (1 - g^2) sigma(x) with g = tanh(softplus(x))."""
    for i in prange(x.size):
        v = np.float64(x[i])
        gate = math.tanh(max(v, 0.0) + math.log1p(math.exp(-abs(v))))
        slope = (1.0 - gate * gate) * _sigmoid(v)
        out[i] = gate + (v * slope if slope != 0.0 else 0.0)


@plain_kernel
def gelu(x, out):
    """x Phi(x) = x erfc(-x / sqrt 2) / 2 (erfc, not 1 + erf, which cancels for x < 0)."""
    for i in prange(x.size):
        v = np.float64(x[i])
        cdf = 0.5 * math.erfc(-v * _SQRT_HALF)
        out[i] = v * cdf if cdf != 0.0 else -0.0


@plain_kernel
def gelu_grad(x, out):
    """Phi(x) + x phi(x)."""
    for i in prange(x.size):
        v = np.float64(x[i])
        density = math.exp(-0.5 * v * v) * _INV_SQRT_2PI
        out[i] = 0.5 * math.erfc(-v * _SQRT_HALF) + (v * density if density != 0.0 else 0.0)


@plain_kernel
def gelu_tanh(x, out):
    """x (1 + tanh u) / 2 = x sigma(2u), u = sqrt(2/pi) (x + 0.044715 x^3): the sigmoid form
    keeps the negative tail, where 1 + tanh u cancels."""
    for i in prange(x.size):
        v = np.float64(x[i])
        gate = _sigmoid(_GELU_TANH_SCALE * v * (1.0 + 0.044715 * v * v))
        out[i] = v * gate if gate != 0.0 else -0.0


@plain_kernel
def gelu_tanh_grad(x, out):
    """sigma(z) + x z'(x) sigma(z) sigma(-z), z = 2u(x)."""
    for i in prange(x.size):
        v = np.float64(x[i])
        z = _GELU_TANH_SCALE * v * (1.0 + 0.044715 * v * v)
        dz = _GELU_TANH_SCALE * (1.0 + 3.0 * 0.044715 * v * v)
        slope = _sigmoid_slope(z)
        out[i] = _sigmoid(z) + (v * dz * slope if slope != 0.0 else 0.0)
