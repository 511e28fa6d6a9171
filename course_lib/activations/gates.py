r"""Self-gated activations :math:`x\,g(x)`, and Snake.

:func:`swish` (:func:`silu` for :math:`\beta = 1`), :func:`mish`, :func:`gelu` (exact, with the
normal CDF), :func:`gelu_tanh` (its tanh approximation), :func:`hard_swish`, and the
periodic :func:`snake`; each with its derivative ``*_grad`` with respect to the input.
Stability: every gate is evaluated from :math:`e^{-|x|}` or from the normal CDF's
``erfcx`` form, so no tail overflows or cancels (``gelu(np.float32(-5))`` is right to the
last bit float32 holds).

Shape: any shape in, the same shape out; float32 stays float32, integers become float64.

Examples
--------
>>> swish([-1000.0, 0.0, 1.0])
array([-0.        ,  0.        ,  0.73105858])
>>> float(gelu_grad(0.0))
0.5
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import erfcx, ndtr

from course_lib.activations._elementwise import (
    INF,
    constant_limits,
    elementwise,
    sigmoid64,
)

__all__ = [
    "gelu",
    "gelu_grad",
    "gelu_tanh",
    "gelu_tanh_grad",
    "hard_swish",
    "hard_swish_grad",
    "mish",
    "mish_grad",
    "silu",
    "silu_grad",
    "snake",
    "snake_grad",
    "swish",
    "swish_grad",
]

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_TANH_COEF = 0.044715
# Beyond |x| = 1e3 the gate of gelu_tanh, sigmoid(2 u(x)), is exactly 0 or 1 in float64
# (|2 u| > 7e7), so clipping the gate's argument there changes no bit of the result and keeps
# x**3 from overflowing.
_GELU_TANH_GATE_LIMIT = 1e3

@elementwise(limits=constant_limits(0.0, INF), positive=("beta",))
def swish(x: ArrayLike, beta: float = 1.0) -> np.ndarray:
    r"""Swish, :math:`x\,\sigma(\beta x)` (Ramachandran et al., 2017); SiLU when :math:`\beta = 1`.

    Uses the stable two-branch sigmoid, so ``swish(-1000)`` is ``-0.0``, not a NaN from
    ``-1000 * 0 / inf``.

    Examples
    --------
    >>> swish([-1000.0, 0.0, 1.0])
    array([-0.        ,  0.        ,  0.73105858])
    """
    return x * sigmoid64(beta * x)


@elementwise(limits=constant_limits(0.0, 1.0), positive=("beta",))
def swish_grad(x: ArrayLike, beta: float = 1.0) -> np.ndarray:
    r"""Derivative of :func:`swish`.

    .. math:: \sigma(\beta x) + \beta x\,\sigma(\beta x)\,\sigma(-\beta x)


    :math:`1 - \sigma(\beta x)` is computed as :math:`\sigma(-\beta x)`, which does not cancel.
    """
    # Beyond |beta x| = 1e3 the product z s(z) s(-z) is exactly 0 in float64; clipping z
    # there changes nothing and keeps an overflowing beta * x from making inf * 0 = NaN.
    z = np.clip(beta * x, -1e3, 1e3)
    s = sigmoid64(z)
    return s + z * s * sigmoid64(-z)


silu = swish
silu_grad = swish_grad


def _mish_gate(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Return :math:`t = \tanh(\mathrm{softplus}(x))` and :math:`1 - t`, both without cancellation.

    With :math:`e = e^{-|x|}`: for :math:`x \le 0`, :math:`n = e(e + 2)`,
    :math:`t = n/(n + 2)`, :math:`1 - t = 2/(n + 2)`; for :math:`x > 0`,
    :math:`t = (1 + 2e)/(1 + 2e + 2e^2)`, :math:`1 - t = 2e^2/(1 + 2e + 2e^2)`.
    Only :math:`e \le 1` is ever formed, so nothing overflows.
    """
    e = np.exp(-np.abs(x))
    n = e * (e + 2.0)
    d = 1.0 + 2.0 * e + 2.0 * e * e
    t = np.where(x > 0.0, (1.0 + 2.0 * e) / d, n / (n + 2.0))
    one_minus_t = np.where(x > 0.0, 2.0 * e * e / d, 2.0 / (n + 2.0))
    return t, one_minus_t


@elementwise(limits=constant_limits(0.0, INF))
def mish(x: ArrayLike) -> np.ndarray:
    r"""Mish, :math:`x \tanh(\mathrm{softplus}(x))` (Misra, 2019).

    :math:`\tanh(\log(1 + e^{x}))` is the rational function
    :math:`((1+e^x)^2 - 1)/((1+e^x)^2 + 1)` of :math:`e^{x}`; it is evaluated in terms of
    :math:`e^{-|x|}` so that neither tail overflows nor cancels (the naive
    ``np.log(1 + np.exp(x))`` overflows for :math:`x > 709`). Minimum :math:`\approx -0.308843`
    at :math:`x \approx -1.19243`.
    """
    t, _ = _mish_gate(x)
    return x * t


@elementwise(limits=constant_limits(0.0, 1.0))
def mish_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`mish`, :math:`t + x\,(1 - t^2)\,\sigma(x)`.

    Here :math:`t = \tanh(\mathrm{softplus}(x))`; :math:`1 - t` is formed without cancellation.
    """
    t, one_minus_t = _mish_gate(x)
    return t + x * one_minus_t * (1.0 + t) * sigmoid64(x)


@elementwise(limits=constant_limits(0.0, INF))
def gelu(x: ArrayLike) -> np.ndarray:
    r"""Gaussian error linear unit, exact form :math:`x\,\Phi(x)` (Hendrycks & Gimpel, 2016).

    .. math:: \mathrm{gelu}(x) = x\,\Phi(x) = \tfrac{x}{2}\left(1 + \mathrm{erf}(x/\sqrt2)\right)

    :math:`\Phi` is evaluated by :func:`_normal_cdf`, which never forms ``1 + erf(x/√2)``:
    that sum cancels in the lower tail (it loses 4% of ``gelu(-5)`` in float32).

    Examples
    --------
    >>> gelu([-5.0, 0.0, 1.0])
    array([-1.43325786e-06,  0.00000000e+00,  8.41344746e-01])
    """
    return x * _normal_cdf(x)


@elementwise(limits=constant_limits(0.0, 1.0))
def gelu_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`gelu`, :math:`\Phi(x) + x\,\varphi(x)`.

    :math:`\varphi` is the standard normal density.
    """
    return _normal_cdf(x) + x * (_INV_SQRT_2PI * np.exp(-0.5 * x * x))


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    r"""Standard normal CDF :math:`\Phi(x)`, accurate down to the smallest subnormal result.

    For :math:`x < 0` it uses :math:`\Phi(x) = \tfrac12\,\mathrm{erfcx}(-x/\sqrt2)\,e^{-x^2/2}`:
    a factor of moderate size times an exponential that numpy evaluates correctly far into
    the subnormal range. (``scipy.special.ndtr`` returns 0 as soon as :math:`\Phi(x)` is
    subnormal, below :math:`x \approx -37.5`, where ``gelu`` and its slope are still
    representable.) For :math:`x \ge 0`, ``ndtr`` is exact to rounding.
    """
    neg = np.minimum(x, 0.0)
    lower_tail = 0.5 * erfcx(-neg / math.sqrt(2.0)) * np.exp(-0.5 * neg * neg)
    return np.where(x < 0.0, lower_tail, ndtr(x))


def _gelu_tanh_inner(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """u(x) = sqrt(2/pi) (x + 0.044715 x^3) and u'(x), on the clipped argument (see above)."""
    xc = np.clip(x, -_GELU_TANH_GATE_LIMIT, _GELU_TANH_GATE_LIMIT)
    u = _SQRT_2_OVER_PI * (xc + _GELU_TANH_COEF * xc**3)
    du = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_TANH_COEF * xc * xc)
    return u, du


@elementwise(limits=constant_limits(0.0, INF))
def gelu_tanh(x: ArrayLike) -> np.ndarray:
    r"""GELU's tanh approximation (Hendrycks & Gimpel, 2016).

    .. math:: \tfrac{x}{2}\left(1 + \tanh\!\big(\sqrt{2/\pi}\,(x + 0.044715\,x^3)\big)\right)
              = x\,\sigma\!\big(2\sqrt{2/\pi}\,(x + 0.044715\,x^3)\big)

    The sigmoid form is used because :math:`1 + \tanh u` cancels for very negative
    :math:`u`. This is PyTorch's ``gelu(x, approximate="tanh")``.
    """
    u, _ = _gelu_tanh_inner(x)
    return x * sigmoid64(2.0 * u)


@elementwise(limits=constant_limits(0.0, 1.0))
def gelu_tanh_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`gelu_tanh`, :math:`\sigma(2u) + 2x\,u'\,\sigma(2u)\,\sigma(-2u)`."""
    u, du = _gelu_tanh_inner(x)
    s = sigmoid64(2.0 * u)
    # x multiplies last: beyond the clip the gate factors are exactly 0 and 2 x could overflow.
    return s + x * (2.0 * du * s * sigmoid64(-2.0 * u))


@elementwise(limits=constant_limits(0.0, INF))
def hard_swish(x: ArrayLike) -> np.ndarray:
    r"""Hard swish, :math:`x \cdot \mathrm{relu6}(x + 3) / 6` (Howard et al., 2019).

    Examples
    --------
    >>> hard_swish([-4.0, 0.0, 1.0, 4.0])
    array([-0.        ,  0.        ,  0.66666667,  4.        ])
    """
    return x * (np.clip(x + 3.0, 0.0, 6.0) / 6.0)


@elementwise(limits=constant_limits(0.0, 1.0))
def hard_swish_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`hard_swish`: 0 for :math:`x < -3`, :math:`x/3 + 1/2` between, 1 above.

    At the kinks PyTorch (2.13) returns 0 at :math:`x = -3` and 1 at :math:`x = 3`; so do we.
    """
    return np.where(x <= -3.0, 0.0, np.where(x < 3.0, x / 3.0 + 0.5, 1.0))


@elementwise(limits=constant_limits(-INF, INF), positive=("a",))
def snake(x: ArrayLike, a: float = 1.0) -> np.ndarray:
    r"""Snake, :math:`x + \sin^2(a x)/a` with frequency :math:`a > 0` (Liu Ziyin et al., 2020).

    Where :math:`a x` overflows (only possible for :math:`a > 1`) the periodic term is below
    the spacing of float64 numbers at x, and the value is x.
    """
    ax = a * x
    finite = np.isfinite(ax)
    s = np.sin(np.where(finite, ax, 0.0))
    return np.where(finite, x + s * s / a, x)


def _snake_grad_limits(a: float) -> tuple[float, float]:
    # 1 + sin(2 a x) oscillates between 0 and 2 for ever: there is no limit.
    return math.nan, math.nan


@elementwise(limits=_snake_grad_limits, positive=("a",))
def snake_grad(x: ArrayLike, a: float = 1.0) -> np.ndarray:
    r"""Derivative of :func:`snake`, :math:`1 + \sin(2ax) = (\sin ax + \cos ax)^2`.

    The squared form avoids the cancellation of :math:`1 + \sin 2ax` near its zeros. At
    :math:`\pm\infty`, and where :math:`a x` overflows, the slope has no defined value
    (it oscillates between 0 and 2) and the result is NaN.
    """
    ax = a * x
    finite = np.isfinite(ax)
    ax = np.where(finite, ax, 0.0)
    return np.where(finite, (np.sin(ax) + np.cos(ax)) ** 2, np.nan)
