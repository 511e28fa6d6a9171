r"""The fast kernels: each activation and its derivative as one fused, vectorised pass.

Each kernel ``f(x, *params, out=None)`` equals its :mod:`course_lib.activations`
counterpart to a relative 1e-12 (float64) or 1e-5 (float32), tails, ``±inf`` and NaN
included, for float32 and float64 arrays of any shape. It is one pass over memory, split
over threads with ``numba.prange`` like the readable kernels of
:mod:`course_lib.kernels.plain`, but faster because it never calls the C library: every
exponential, ``log1p`` and normal tail comes from :mod:`course_lib.kernels.vecmath`,
whose multiply-adds and shifts LLVM turns into SIMD instructions (8 float64 or 16 float32
numbers at a time), where ``math.exp`` is one scalar call per element.

The formulas are arranged to save work: one exponential :math:`u = e^{-|x|}` (which never
overflows) and at most one division per element; softplus has a loop of its own for
:math:`\beta = 1`, swish is :math:`x\,(1 \text{ or } u)/(1+u)`, mish a rational function of
:math:`u`, GELU :math:`\max(x, 0) - |x|\,Q(|x|)`. Float32 input is computed in float32
(twice as many numbers per instruction), except the derivatives, which have zeros where any
rounding is amplified (computed in float64 and rounded once), and the gate argument
:math:`2u(x)` of ``gelu_tanh``, computed in float64.

Each loop compiles on its first call for each dtype (about a second) and is cached on disk
where the package folder or the home folder is writable.

Examples
--------
>>> import numpy as np
>>> from course_lib.kernels import fast
>>> fast.gelu(np.linspace(-3.0, 3.0, 7))
array([-0.00404969, -0.04550026, -0.15865525,  0.        ,  0.84134475,
        1.95449974,  2.99595031])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.kernels._dispatch import check_parameters, run
from course_lib.kernels._jit import elementwise_loop, like, scalar
from course_lib.kernels.vecmath import (
    exp_neg,
    exp_neg64,
    exp_neg_sum,
    expm1_neg,
    gauss_tail64,
    log1p_unit,
    times_gauss_q,
)

__all__ = [
    "elu", "elu_grad", "gelu", "gelu_grad", "gelu_tanh", "gelu_tanh_grad", "leaky_relu",
    "leaky_relu_grad", "mish", "mish_grad", "relu", "relu_grad", "sigmoid", "sigmoid_grad",
    "softplus", "softplus_grad", "swish", "swish_grad", "tanh", "tanh_grad",
]

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_TANH_COEF = 0.044715


@scalar
def _finite(x):
    """x, with -inf replaced by the most negative float32: a gate that underflows to 0 then
    gives -0.0, where -inf * 0 would be NaN. NaN passes."""
    lowest = like(x, -3.4e38)
    return lowest if x < lowest else x


# Scalar formulas. Forward functions work in the precision of their argument; the
# derivatives are always given float64 (see the module docstring). Each is written so that
# the limits at +-inf come out right and NaN propagates.
@scalar
def _relu(x):
    return like(x, 0.0) if x <= 0.0 else x  # NaN fails the test and is returned


@scalar
def _relu_grad(x):
    return 1.0 if x > 0.0 else (0.0 if x <= 0.0 else x)


@scalar
def _leaky_relu(x, negative_slope):
    slope = like(x, negative_slope)
    if x <= 0.0:
        return slope * x if slope != 0.0 else like(x, 0.0)  # 0 * -inf would be NaN
    return x


@scalar
def _leaky_relu_grad(x, negative_slope):
    return 1.0 if x > 0.0 else (negative_slope if x <= 0.0 else x)


@scalar
def _elu(x, alpha):
    a = like(x, 0.0) if x > 0.0 else -x  # expm1 is only ever asked about -a <= 0
    return like(x, alpha) * expm1_neg(a) if x <= 0.0 else x


@scalar
def _elu_grad(x, alpha):
    a = 0.0 if x > 0.0 else -x  # NaN stays NaN
    return 1.0 if x > 0.0 else alpha * exp_neg64(a)


@scalar
def _sigmoid(x):
    u = exp_neg(abs(x))
    return (like(x, 1.0) if x >= 0.0 else u) / (like(x, 1.0) + u)


@scalar
def _sigmoid_grad(x):
    u = exp_neg64(abs(x))
    return u / ((1.0 + u) * (1.0 + u))


@scalar
def _tanh(x):
    e = expm1_neg(like(x, 2.0) * abs(x))  # e^{-2|x|} - 1 in (-1, 0], exact near 0
    t = abs(e) / (like(x, 2.0) + e)  # abs: -e would make tanh(0) = -0.0
    return t if x >= 0.0 else -t


@scalar
def _tanh_grad(x):
    u = exp_neg64(2.0 * abs(x))
    return 4.0 * u / ((1.0 + u) * (1.0 + u))


@scalar
def _softplus_unscaled(z):
    # log(1 + e^z) = max(z, 0) + log(1 + e^{-|z|}): the exponential never overflows.
    positive_part = z if z > 0.0 else like(z, 0.0)
    return positive_part + log1p_unit(exp_neg(abs(z)))


@scalar
def _softplus(x, beta, threshold):
    b = like(x, beta)
    z = b * x
    value = _softplus_unscaled(z) * (like(x, 1.0) / b)  # 1 / b is hoisted out of the loop
    return x if z > like(x, threshold) else value


@scalar
def _softplus_beta1(x, threshold):
    # beta = 1, PyTorch's default, without the two multiplications by beta and 1 / beta.
    return x if x > like(x, threshold) else _softplus_unscaled(x)


@scalar
def _softplus_grad(x, beta, threshold):
    z = beta * x
    return 1.0 if z > threshold else _sigmoid(z)


@scalar
def _swish(x, beta):
    # x sigma(z) = x (1 or u) / (1 + u) with z = beta x, u = e^{-|z|}: one exp, one division.
    z = like(x, beta) * x
    u = exp_neg(abs(z))
    gate_numerator = like(x, 1.0) if z >= 0.0 else u
    return _finite(x) * gate_numerator / (like(x, 1.0) + u)


@scalar
def _swish_grad(x, beta):
    z = beta * x
    u = exp_neg64(abs(z))
    inv = 1.0 / (1.0 + u)
    s = inv if z >= 0.0 else u * inv
    slope = u * inv * inv  # sigma(z) sigma(-z), exact in both tails
    return s + (0.0 if slope == 0.0 else z * slope)


@scalar
def _mish(x):
    one = like(x, 1.0)
    two = like(x, 2.0)
    u = exp_neg(abs(x))
    n = u * (u + two)
    positive = x > 0.0
    numerator = one + two * u if positive else n
    denominator = one + two * u + two * u * u if positive else n + two
    gate = numerator / denominator  # one division for both branches
    return _finite(x) * gate


@scalar
def _mish_grad(x):
    # gate = num/den and 1 - gate = rest/den share a denominator with sigma(x) = s_num/(1+u):
    # one division serves all three.
    u = exp_neg64(abs(x))
    n = u * (u + 2.0)
    positive = x > 0.0
    num = 1.0 + 2.0 * u if positive else n
    den = 1.0 + 2.0 * u + 2.0 * u * u if positive else n + 2.0
    rest = 2.0 * u * u if positive else 2.0
    inv = 1.0 / (den * (1.0 + u))
    gate = num * (1.0 + u) * inv
    one_minus_gate = rest * (1.0 + u) * inv
    s = (1.0 if positive else u) * den * inv
    slope = one_minus_gate * (1.0 + gate) * s
    return gate + (0.0 if slope == 0.0 else x * slope)


@scalar
def _gelu(x):
    # x Phi(x) = max(x, 0) - |x| Q(|x|) for either sign of x, with Q(t) = 1 - Phi(t):
    # x (1 - Q) for x >= 0 and x Q for x < 0, where 1 + erf would cancel.
    positive_part = x if x > 0.0 else like(x, 0.0)  # (NaN comes through the second term)
    return positive_part - times_gauss_q(abs(x))


@scalar
def _gelu_grad(x):
    t = abs(x)
    t = 40.0 if t > 40.0 else t
    phi, q = gauss_tail64(t)
    return (1.0 - q) + t * phi if x >= 0.0 else q - t * phi


@scalar
def _gelu_tanh(x):
    # x sigma(z) with z = 2u(x). For float32 x, z is computed in float64 (in float32 its
    # rounding would cost sigma(z) up to 2e-5 where |z| is large) and handed to the float32
    # exponential as a float32 value plus the float32 rounding of the remainder.
    d = np.float64(x)
    z = (2.0 * _SQRT_2_OVER_PI) * d * (1.0 + _GELU_TANH_COEF * d * d)
    a = abs(z)
    a = 800.0 if a > 800.0 else a  # e^-800 = 0 in float64 and float32; NaN passes
    a_like = like(x, a)
    u = exp_neg_sum(a_like, like(x, a - np.float64(a_like)))
    gate_numerator = like(x, 1.0) if z >= 0.0 else u
    return _finite(x) * gate_numerator / (like(x, 1.0) + u)


@scalar
def _gelu_tanh_grad(x):
    z = (2.0 * _SQRT_2_OVER_PI) * x * (1.0 + _GELU_TANH_COEF * x * x)
    u = exp_neg64(abs(z))
    inv = 1.0 / (1.0 + u)
    s = inv if z >= 0.0 else u * inv
    slope = u * inv * inv
    dz = (2.0 * _SQRT_2_OVER_PI) * (1.0 + 3.0 * _GELU_TANH_COEF * x * x)  # d(2u)/dx
    return s + (0.0 if slope == 0.0 else x * dz * slope)


_relu_loop = elementwise_loop(_relu, __name__)
_relu_grad_loop = elementwise_loop(_relu_grad, __name__, in_float64=True)
_leaky_relu_loop = elementwise_loop(_leaky_relu, __name__)
_leaky_relu_grad_loop = elementwise_loop(_leaky_relu_grad, __name__, in_float64=True)
_elu_loop = elementwise_loop(_elu, __name__)
_elu_grad_loop = elementwise_loop(_elu_grad, __name__, in_float64=True)
_sigmoid_loop = elementwise_loop(_sigmoid, __name__)
_sigmoid_grad_loop = elementwise_loop(_sigmoid_grad, __name__, in_float64=True)
_tanh_loop = elementwise_loop(_tanh, __name__)
_tanh_grad_loop = elementwise_loop(_tanh_grad, __name__, in_float64=True)
_softplus_loop = elementwise_loop(_softplus, __name__)
_softplus_beta1_loop = elementwise_loop(_softplus_beta1, __name__)
_softplus_grad_loop = elementwise_loop(_softplus_grad, __name__, in_float64=True)
_swish_loop = elementwise_loop(_swish, __name__)
_swish_grad_loop = elementwise_loop(_swish_grad, __name__, in_float64=True)
_mish_loop = elementwise_loop(_mish, __name__)
_mish_grad_loop = elementwise_loop(_mish_grad, __name__, in_float64=True)
_gelu_loop = elementwise_loop(_gelu, __name__)
_gelu_grad_loop = elementwise_loop(_gelu_grad, __name__, in_float64=True)
_gelu_tanh_loop = elementwise_loop(_gelu_tanh, __name__)
_gelu_tanh_grad_loop = elementwise_loop(_gelu_tanh_grad, __name__, in_float64=True)


def _kernel(loop: Callable[..., None], name: str, x: ArrayLike, out: np.ndarray | None,
            **params: Any) -> np.ndarray:
    where = f"kernels.{name}()"
    return run(loop, where, x, out, check_parameters(name.removesuffix("_grad"), where, params))


def relu(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""ReLU, :math:`\max(0, x)`.

    No exponential here: the plain loop is as fast, both run at memory speed.

    Parameters
    ----------
    x : array_like
        Any shape; float32 stays float32, float64 stays float64, integers become float64.
        Never modified (unless it is also passed as ``out``).
    out : ndarray, optional
        Where to write the result: same shape and dtype as ``x``. Returned.

    Returns
    -------
    ndarray
        Same shape and dtype as ``x``. NaN stays NaN.

    Examples
    --------
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    return _kernel(_relu_loop, "relu", x, out)


def relu_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of :func:`relu`: 1 for x > 0, else 0 (0 at the kink, as PyTorch)."""
    return _kernel(_relu_grad_loop, "relu_grad", x, out)


def leaky_relu(x: ArrayLike, negative_slope: float = 0.01, *,
               out: np.ndarray | None = None) -> np.ndarray:
    r"""Leaky ReLU, :math:`x` for :math:`x > 0`, else :math:`\mathrm{negative\_slope}\cdot x`.

    As :func:`relu`: no exponential, no faster than the plain loop.

    Examples
    --------
    >>> leaky_relu(np.array([-100.0, 2.0]))
    array([-1.,  2.])
    """
    return _kernel(_leaky_relu_loop, "leaky_relu", x, out, negative_slope=negative_slope)


def leaky_relu_grad(x: ArrayLike, negative_slope: float = 0.01, *,
                    out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of :func:`leaky_relu`: 1 for x > 0, else the slope (also at 0)."""
    return _kernel(_leaky_relu_grad_loop, "leaky_relu_grad", x, out,
                   negative_slope=negative_slope)


def elu(x: ArrayLike, alpha: float = 1.0, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""ELU, :math:`x` for :math:`x > 0`, else :math:`\alpha(e^{x} - 1)`.

    Faster than the plain loop because its ``expm1`` is the vectorised one of
    :mod:`~course_lib.kernels.vecmath` (exact near 0, like the C library's).

    Examples
    --------
    >>> elu(np.array([-1000.0, 1.0]))
    array([-1.,  1.])
    """
    return _kernel(_elu_loop, "elu", x, out, alpha=alpha)


def elu_grad(x: ArrayLike, alpha: float = 1.0, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`elu`: 1 for :math:`x > 0`, else :math:`\alpha e^{x}` (also at 0)."""
    return _kernel(_elu_grad_loop, "elu_grad", x, out, alpha=alpha)


def sigmoid(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Logistic sigmoid, :math:`\sigma(x) = 1/(1 + e^{-x})`.

    :math:`1/(1+u)` for :math:`x \ge 0` and :math:`u/(1+u)` for :math:`x < 0`,
    :math:`u = e^{-|x|}`: full relative precision in the tail. Faster than the plain loop
    because the exponential is a vectorised polynomial, not a C library call per element.

    Examples
    --------
    >>> sigmoid(np.array([-800.0, 0.0, 800.0]))
    array([0. , 0.5, 1. ])
    """
    return _kernel(_sigmoid_loop, "sigmoid", x, out)


def sigmoid_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`sigmoid`, :math:`u/(1+u)^2` with :math:`u = e^{-|x|}`."""
    return _kernel(_sigmoid_grad_loop, "sigmoid_grad", x, out)


def tanh(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""tanh, :math:`\operatorname{sign}(x)\,\frac{-m}{2 + m}` with :math:`m = e^{-2|x|} - 1`.

    :math:`m` comes from the vectorised ``expm1``, so small :math:`|x|` keeps full relative
    precision and nothing overflows; faster than the C library's ``tanh`` per element.

    Examples
    --------
    >>> tanh(np.array([-1e4, 0.0, 0.5]))
    array([-1.        ,  0.        ,  0.46211716])
    """
    return _kernel(_tanh_loop, "tanh", x, out)


def tanh_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`tanh`, :math:`4u/(1+u)^2` with :math:`u = e^{-2|x|}`."""
    return _kernel(_tanh_grad_loop, "tanh_grad", x, out)


def softplus(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0, *,
             out: np.ndarray | None = None) -> np.ndarray:
    r"""Softplus, :math:`\frac{1}{\beta}\log(1 + e^{\beta x})`; ``x`` where
    :math:`\beta x > \mathrm{threshold}` (PyTorch's rule).

    :math:`(\max(z, 0) + \log(1 + e^{-|z|}))/\beta`, :math:`z = \beta x`, with the
    vectorised ``exp`` and ``log1p`` instead of two C library calls per element (and a loop
    without the multiplications for :math:`\beta = 1`). ``beta`` must be positive.

    Examples
    --------
    >>> softplus(np.array([-1000.0, 0.0, 100.0]))
    array([  0.        ,   0.69314718, 100.        ])
    """
    b, t = check_parameters("softplus", "kernels.softplus()",
                            {"beta": beta, "threshold": threshold})
    if b == 1.0:
        return run(_softplus_beta1_loop, "kernels.softplus()", x, out, (t,))
    return run(_softplus_loop, "kernels.softplus()", x, out, (b, t))


def softplus_grad(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0, *,
                  out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`softplus`, :math:`\sigma(\beta x)`; 1 where
    :math:`\beta x > \mathrm{threshold}`."""
    return _kernel(_softplus_grad_loop, "softplus_grad", x, out, beta=beta, threshold=threshold)


def swish(x: ArrayLike, beta: float = 1.0, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Swish (SiLU for :math:`\beta = 1`), :math:`x\,\sigma(\beta x)`.

    :math:`x/(1+u)` for :math:`z = \beta x \ge 0` and :math:`x\,u/(1+u)` otherwise,
    :math:`u = e^{-|z|}`: one vectorised exponential, one division. Where the gate
    underflows the result is :math:`-0`, and ``swish(-inf)`` is 0. ``beta`` must be positive.

    Examples
    --------
    >>> swish(np.array([-1000.0, 0.0, 1.0]))
    array([-0.        ,  0.        ,  0.73105858])
    """
    return _kernel(_swish_loop, "swish", x, out, beta=beta)


def swish_grad(x: ArrayLike, beta: float = 1.0, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`swish`, :math:`\sigma(z) + z\,\sigma(z)\sigma(-z)`,
    :math:`z = \beta x`."""
    return _kernel(_swish_grad_loop, "swish_grad", x, out, beta=beta)


def mish(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Mish, :math:`x\tanh(\log(1 + e^{x}))`.

    :math:`\tanh(\mathrm{softplus}(x))` is a rational function of :math:`u = e^{-|x|}`:
    :math:`(1+2u)/(1+2u+2u^2)` for :math:`x > 0` and :math:`n/(n+2)`, :math:`n = u(u+2)`,
    otherwise; so one vectorised ``exp`` and one division replace the plain loop's
    ``exp``, ``log1p`` and ``tanh`` calls.

    Examples
    --------
    >>> mish(np.array([-1.0, 0.0, 1.0]))
    array([-0.30340146,  0.        ,  0.86509839])
    """
    return _kernel(_mish_loop, "mish", x, out)


def mish_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`mish`, :math:`g + x\,(1 - g)(1 + g)\,\sigma(x)`,
    :math:`g = \tanh(\mathrm{softplus}(x))`; :math:`g`, :math:`1 - g` and :math:`\sigma(x)`
    share one division."""
    return _kernel(_mish_grad_loop, "mish_grad", x, out)


def gelu(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Exact GELU, :math:`x\,\Phi(x)`.

    :math:`\max(x, 0) - t\,Q(t)` with :math:`t = |x|` and the normal tail
    :math:`Q = 1 - \Phi` from :mod:`~course_lib.kernels.vecmath` (a vectorised exponential
    times a rational function, instead of the C library's ``erfc``); no cancellation for
    :math:`x < 0`.

    Examples
    --------
    >>> gelu(np.array([-5.0, 0.0, 1.0]))
    array([-1.43325786e-06,  0.00000000e+00,  8.41344746e-01])
    """
    return _kernel(_gelu_loop, "gelu", x, out)


def gelu_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`gelu`, :math:`\Phi(x) + x\,\varphi(x)`, from the same
    :math:`\varphi` and :math:`Q`."""
    return _kernel(_gelu_grad_loop, "gelu_grad", x, out)


def gelu_tanh(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""GELU's tanh approximation, :math:`\tfrac{x}{2}(1 + \tanh u) = x\,\sigma(2u)`,
    :math:`u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)`.

    The sigmoid form avoids the cancellation of :math:`1 + \tanh u` for negative :math:`u`,
    and its one vectorised exponential is faster than the C library's ``tanh``.

    Examples
    --------
    >>> gelu_tanh(np.array([-5.0, 0.0, 1.0]))
    array([-2.29179620e-07,  0.00000000e+00,  8.41191991e-01])
    """
    return _kernel(_gelu_tanh_loop, "gelu_tanh", x, out)


def gelu_tanh_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`gelu_tanh`, :math:`\sigma(2u) + 2x\,u'(x)\,\sigma(2u)\,\sigma(-2u)`."""
    return _kernel(_gelu_tanh_grad_loop, "gelu_tanh_grad", x, out)
