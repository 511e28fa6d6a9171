r"""A piecewise activation built from two branches, as first written and repaired to be C¹.

The function joins a quadratic for :math:`x > 0` to a scaled softplus for :math:`x \le 0`.

* :func:`discontinuous_activation` and :func:`discontinuous_activation_grad` -- the
  function exactly as first written, kept *with its two bugs* so that they can be shown
  and tested:

  .. math::

      f(x) = \begin{cases} \alpha x^2 & x > 0 \\ \beta \log(1 + e^x) & x \le 0 \end{cases}

  1. it jumps at 0: :math:`f(0) = \beta\ln 2` but :math:`f(0^+) = 0`, and the slope jumps
     from :math:`\beta/2` to 0;
  2. it returns NaN for large positive x: both branches are computed for every element and
     masked by multiplying with ``(x > 0)`` or ``(x <= 0)``; where ``exp(x)`` overflows
     (x > 709.78 in float64, x > 88.72 in float32) the masked-out branch is
     :math:`\infty \cdot 0 = \mathrm{NaN}`, and NaN + anything is NaN.

* :func:`softplus_quadratic` and :func:`softplus_quadratic_grad` -- the C¹ repair: the same
  softplus for :math:`x \le 0`, and on the right the quadratic that continues it with the
  same value and slope at 0 (its first-order Taylor polynomial plus :math:`\alpha x^2`):

  .. math::

      g(x) = \begin{cases} \beta\ln 2 + \tfrac{\beta}{2}\,x + \alpha x^2 & x > 0 \\
                           \beta \log(1 + e^x) & x \le 0 \end{cases},\qquad
      g'(x) = \begin{cases} \tfrac{\beta}{2} + 2\alpha x & x > 0 \\
                           \beta\,\sigma(x) & x \le 0 \end{cases}

  Stability: each branch is evaluated only on its own half-line (``np.maximum(x, 0)`` and
  ``np.minimum(x, 0)``, the idiom of ``jax.nn.elu``), the softplus as
  ``log1p(exp(x))`` on :math:`x \le 0` only, so no finite input warns or gives NaN; the
  quadratic overflows to ``inf`` only where the true value exceeds the largest float.

All four functions take any real array and return the input's floating dtype (float32 stays
float32, integers become float64); they never modify their input. The PyTorch versions are
in :mod:`course_lib.torch_ref`.

Examples
--------
>>> x = np.array([-1e-9, 0.0, 1e-9, 1000.0])
>>> np.round(discontinuous_activation(x), 6)  # a jump at 0, NaN at 1000
array([0.693147, 0.693147, 0.      ,      nan])
>>> np.round(softplus_quadratic(x), 6)
array([6.93147000e-01, 6.93147000e-01, 6.93147000e-01, 5.00500693e+05])
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from course_lib.activations import sigmoid
from course_lib.validation import as_float_array, real

__all__ = [
    "discontinuous_activation",
    "discontinuous_activation_grad",
    "softplus_quadratic",
    "softplus_quadratic_grad",
]

_LN2 = math.log(2.0)


def _parameters(alpha: float, beta: float, where: str) -> tuple[float, float]:
    return real(alpha, "alpha", where=where), real(beta, "beta", where=where)


def _branches(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x`` in float64, and the inputs of the two branches: each sees only its half-line.

    The right branch gets ``max(x, 0)`` (with +inf replaced by 0; its limit is put in
    afterwards), the left branch ``min(x, 0)``; NaN reaches both and propagates.
    """
    x64 = x.astype(np.float64, copy=False)
    right = np.where(np.isposinf(x64), 0.0, np.maximum(x64, 0.0))
    return x64, right, np.minimum(x64, 0.0)


def _limit_at_inf(a: float, half_b: float, slope: bool = False) -> float:
    """The limit at +inf of ``b ln 2 + (b/2) x + a x**2`` (or, with ``slope``, of its slope)."""
    if a != 0.0:
        return math.copysign(math.inf, a)
    if slope:
        return half_b
    return math.copysign(math.inf, half_b) if half_b != 0.0 else 0.0


def discontinuous_activation(x: ArrayLike, alpha: float = 0.5, beta: float = 1.0) -> np.ndarray:
    r"""The piecewise activation as first written, bugs included (see the module docstring).

    .. math::

        f(x) = \alpha x^2\,[x > 0] + \beta \log(1 + e^x)\,[x \le 0]

    computed literally in the input's dtype: ``alpha * x**2 * (x > 0) + beta * log(1 +
    exp(x)) * (x <= 0)``. Returns NaN where ``exp(x)`` overflows (x > 709.78 in float64,
    x > 88.72 in float32). The overflow and invalid-value warnings numpy would print are
    silenced: the NaN is the documented result.

    Parameters
    ----------
    x : array_like
    alpha, beta : float, default 0.5 and 1.0

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``; float32 for float32 input, else float64.

    Examples
    --------
    >>> discontinuous_activation([-2.0, 0.0, 2.0, 800.0])
    array([0.12692801, 0.69314718, 2.        ,        nan])
    """
    a, b = _parameters(alpha, beta, "discontinuous_activation()")
    x = as_float_array(x)
    with np.errstate(over="ignore", invalid="ignore"):
        positive_part = a * np.square(x) * (x > 0)
        negative_part = b * np.log(1 + np.exp(x)) * (x <= 0)
        return (positive_part + negative_part).astype(x.dtype, copy=False)


def discontinuous_activation_grad(
    x: ArrayLike, alpha: float = 0.5, beta: float = 1.0
) -> np.ndarray:
    r"""The derivative as first written, bugs included.

    .. math::

        f'(x) = 2\alpha x\,[x > 0] + \beta\,\frac{e^x}{1+e^x}\,[x \le 0]

    At :math:`x = 0` it returns the left branch's :math:`\beta/2`; the right branch tends to
    0. NaN where ``exp(x)`` overflows (:math:`\infty/\infty`, then :math:`\mathrm{NaN}\cdot 0`).

    Examples
    --------
    >>> discontinuous_activation_grad([-1e-9, 0.0, 1e-9, 800.0])
    array([5.e-01, 5.e-01, 1.e-09,    nan])
    """
    a, b = _parameters(alpha, beta, "discontinuous_activation_grad()")
    x = as_float_array(x)
    with np.errstate(over="ignore", invalid="ignore"):
        positive_grad = 2 * a * x * (x > 0)
        negative_grad = b * (np.exp(x) / (1 + np.exp(x))) * (x <= 0)
        return (positive_grad + negative_grad).astype(x.dtype, copy=False)


def softplus_quadratic(x: ArrayLike, alpha: float = 0.5, beta: float = 1.0) -> np.ndarray:
    r"""The C¹ repair: :math:`\beta\,\mathrm{softplus}(x)` for :math:`x \le 0`, continued by
    :math:`\beta\ln 2 + \tfrac{\beta}{2}x + \alpha x^2` for :math:`x > 0`.

    Value and slope agree at 0 (:math:`\beta\ln 2` and :math:`\beta/2`); the second
    derivative jumps from :math:`\beta/4` to :math:`2\alpha` (the function is C¹, not C²).
    Stable for every finite input (see the module docstring); ``inf`` maps to ``inf``,
    ``-inf`` to 0 and NaN to NaN. Computed in float64 and rounded once to the input's dtype.

    Parameters
    ----------
    x : array_like
    alpha, beta : float, default 0.5 and 1.0

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``; float32 for float32 input, else float64.

    Examples
    --------
    >>> softplus_quadratic([-800.0, 0.0, 2.0])
    array([0.        , 0.69314718, 3.69314718])
    """
    a, b = _parameters(alpha, beta, "softplus_quadratic()")
    x = as_float_array(x)
    x64, right, left = _branches(x)
    with np.errstate(over="ignore"):  # beyond the largest float the true value is +-inf
        quadratic = b * _LN2 + right * (0.5 * b + a * right)
        out = np.where(x64 > 0, quadratic, b * np.log1p(np.exp(left)))
        out = np.where(np.isposinf(x64), _limit_at_inf(a, 0.5 * b), out)
        return out.astype(x.dtype, copy=False)


def softplus_quadratic_grad(x: ArrayLike, alpha: float = 0.5, beta: float = 1.0) -> np.ndarray:
    r"""Derivative of :func:`softplus_quadratic`: :math:`\beta\,\sigma(x)` for :math:`x \le 0`,
    :math:`\tfrac{\beta}{2} + 2\alpha x` for :math:`x > 0` (both :math:`\beta/2` at 0).

    Examples
    --------
    >>> softplus_quadratic_grad([-1e-9, 0.0, 1e-9, 3.0])
    array([0.5, 0.5, 0.5, 3.5])
    """
    a, b = _parameters(alpha, beta, "softplus_quadratic_grad()")
    x = as_float_array(x)
    x64, right, left = _branches(x)
    with np.errstate(over="ignore"):
        out = np.where(x64 > 0, 0.5 * b + (2.0 * a) * right, b * sigmoid(left))
        out = np.where(np.isposinf(x64), _limit_at_inf(a, 0.5 * b, slope=True), out)
        return out.astype(x.dtype, copy=False)
