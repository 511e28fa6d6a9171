r"""The sigmoid family: bounded, S-shaped functions and their hard versions.

:func:`sigmoid`, :func:`log_sigmoid`, :func:`tanh`, :func:`scaled_tanh` (LeCun's),
:func:`softsign`, :func:`hard_tanh` and :func:`hard_sigmoid`, each with its derivative
``*_grad`` with respect to the input. The logistic function only ever exponentiates
:math:`-|x|`, so nothing overflows, and the derivatives are written as
:math:`e/(1+e)^2` rather than :math:`s(1-s)`, which cancels to 0 in the tails.

Shape: any shape in, the same shape out; float32 stays float32, integers become float64.

Examples
--------
>>> sigmoid([-1000.0, 0.0, 1000.0])
array([0. , 0.5, 1. ])
>>> float(sigmoid_grad(40.0)) > 0
True
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from course_lib.activations._elementwise import (
    INF,
    constant_limits,
    elementwise,
    sech2_64,
    sigmoid64,
    sigmoid_slope64,
)

__all__ = [
    "hard_sigmoid",
    "hard_sigmoid_grad",
    "hard_tanh",
    "hard_tanh_grad",
    "log_sigmoid",
    "log_sigmoid_grad",
    "scaled_tanh",
    "scaled_tanh_grad",
    "sigmoid",
    "sigmoid_grad",
    "softsign",
    "softsign_grad",
    "tanh",
    "tanh_grad",
]


@elementwise(limits=constant_limits(0.0, 1.0))
def sigmoid(x: ArrayLike) -> np.ndarray:
    r"""Logistic sigmoid, :math:`\sigma(x) = 1 / (1 + e^{-x})`.

    Two branches that only ever exponentiate :math:`-|x|`: :math:`1/(1+e^{-x})` for
    :math:`x \ge 0` and :math:`e^{x}/(1+e^{x})` for :math:`x < 0`. Nothing overflows, and
    the negative tail keeps full relative precision down to the smallest normal number
    (:math:`2.2\cdot10^{-308}`, reached at :math:`x \approx -708.4`); below it the results
    are subnormal, with fewer significant bits (relative error :math:`2.6\cdot10^{-3}` at
    :math:`x = -740`), and ``sigmoid(-800)`` is 0, without a warning.

    Examples
    --------
    >>> sigmoid([-1000.0, 0.0, 1000.0])
    array([0. , 0.5, 1. ])
    """
    return sigmoid64(x)


@elementwise(limits=constant_limits(0.0, 0.0))
def sigmoid_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`sigmoid`, :math:`\sigma(x)\,\sigma(-x) \le 1/4`.

    Computed as :math:`e/(1+e)^2` with :math:`e = e^{-|x|}`, which stays exact in both
    tails; the textbook :math:`s(1-s)` returns exactly 0 for :math:`x > 37` because
    :math:`1 - s` cancels.
    """
    return sigmoid_slope64(x)


@elementwise(limits=constant_limits(-INF, 0.0))
def log_sigmoid(x: ArrayLike) -> np.ndarray:
    r"""Log of the sigmoid, :math:`\log\sigma(x) = -\log(1 + e^{-x})`.

    Computed as ``-logaddexp(0, -x)``: ``log_sigmoid(-800)`` is -800, not ``log(0) = -inf``.
    """
    return -np.logaddexp(0.0, -x)


@elementwise(limits=constant_limits(1.0, 0.0))
def log_sigmoid_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`log_sigmoid`, :math:`\sigma(-x) = 1 - \sigma(x)`."""
    return sigmoid64(-x)


@elementwise(limits=constant_limits(-1.0, 1.0))
def tanh(x: ArrayLike) -> np.ndarray:
    r"""Hyperbolic tangent, :math:`\tanh x = (e^x - e^{-x}) / (e^x + e^{-x}) = 2\sigma(2x) - 1`."""
    return np.tanh(x)


@elementwise(limits=constant_limits(0.0, 0.0))
def tanh_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`tanh`, :math:`1 - \tanh^2 x = \mathrm{sech}^2 x`.

    Computed as :math:`4e/(1+e)^2` with :math:`e = e^{-2|x|}`, exact in the tails where
    :math:`1 - \tanh^2` cancels to 0.
    """
    return sech2_64(x)


def _scaled_tanh_limits(a: float, b: float) -> tuple[float, float]:
    end = a * math.copysign(1.0, b) if b else 0.0
    return -end, end


@elementwise(limits=_scaled_tanh_limits)
def scaled_tanh(x: ArrayLike, a: float = 1.7159, b: float = 2.0 / 3.0) -> np.ndarray:
    r"""LeCun's scaled tanh, :math:`a \tanh(b x)` (LeCun, Bottou, Orr & Müller, 1998).

    With the defaults :math:`a = 1.7159`, :math:`b = 2/3`, :math:`f(\pm 1) \approx \pm 1`
    and the slope is largest (:math:`\approx 1.14`) at 0.
    """
    return a * np.tanh(b * x)


@elementwise(limits=constant_limits(0.0, 0.0))
def scaled_tanh_grad(x: ArrayLike, a: float = 1.7159, b: float = 2.0 / 3.0) -> np.ndarray:
    r"""Derivative of :func:`scaled_tanh`, :math:`a b \mathrm{sech}^2(b x)`."""
    return a * b * sech2_64(b * x)


@elementwise(limits=constant_limits(-1.0, 1.0))
def softsign(x: ArrayLike) -> np.ndarray:
    r"""Softsign, :math:`x / (1 + |x|)`.

    For :math:`|x| \ge 1` it is computed as :math:`\operatorname{sign}(x)\,(1 - 1/(1 + |x|))`,
    each step of which is monotone after rounding: the quotient :math:`x / (1 + |x|)` is not
    (softsign(6.0e15) would round above softsign(9.0e15)). Below 1 the quotient keeps full
    relative precision near 0.
    """
    a = np.abs(x)
    return np.where(a < 1.0, x / (1.0 + a), np.copysign(1.0 - 1.0 / (1.0 + a), x))


@elementwise(limits=constant_limits(0.0, 0.0))
def softsign_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`softsign`, :math:`1 / (1 + |x|)^2`."""
    return (1.0 / (1.0 + np.abs(x))) ** 2


def _check_interval(min_val: float, max_val: float) -> None:
    if not min_val < max_val:
        raise ValueError(
            f"hard_tanh(): min_val must be smaller than max_val; got min_val={min_val}, "
            f"max_val={max_val}"
        )


@elementwise(limits=lambda min_val, max_val: (min_val, max_val))
def hard_tanh(x: ArrayLike, min_val: float = -1.0, max_val: float = 1.0) -> np.ndarray:
    r"""Hard tanh, :math:`\min(\max(x, \mathrm{min\_val}), \mathrm{max\_val})`.

    Examples
    --------
    >>> hard_tanh([-3.0, 0.5, 3.0])
    array([-1. ,  0.5,  1. ])
    """
    _check_interval(min_val, max_val)
    return np.clip(x, min_val, max_val)


@elementwise(limits=constant_limits(0.0, 0.0))
def hard_tanh_grad(x: ArrayLike, min_val: float = -1.0, max_val: float = 1.0) -> np.ndarray:
    r"""Derivative of :func:`hard_tanh`: 1 strictly between the bounds, else 0.

    At ``min_val`` and at ``max_val`` the value is 0, as in PyTorch.
    """
    _check_interval(min_val, max_val)
    return ((x > min_val) & (x < max_val)).astype(np.float64)


@elementwise(limits=constant_limits(0.0, 1.0))
def hard_sigmoid(x: ArrayLike) -> np.ndarray:
    r"""Hard sigmoid, :math:`\mathrm{relu6}(x + 3) / 6 = \min(\max(x/6 + 1/2, 0), 1)`.

    PyTorch's definition (``torch.nn.functional.hardsigmoid``), used by MobileNetV3.
    """
    return np.clip(x + 3.0, 0.0, 6.0) / 6.0


@elementwise(limits=constant_limits(0.0, 0.0))
def hard_sigmoid_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`hard_sigmoid`: 1/6 for :math:`-3 < x < 3`, else 0.

    At :math:`\pm 3` the value is 0, as in PyTorch.
    """
    return np.where((x > -3.0) & (x < 3.0), 1.0 / 6.0, 0.0)
