r"""Rectifiers: ReLU and its relatives with a linear positive side.

:func:`relu`, :func:`leaky_relu`, :func:`prelu` (fixed weight), :func:`elu`, :func:`selu`,
:func:`celu` and the smooth :func:`softplus`, each with its derivative ``*_grad`` with respect
to the input. Each negative branch is written so that the discarded branch never overflows
(``expm1(minimum(x, 0))`` for the ELU family, ``logaddexp`` for softplus); derivatives at
the kink follow PyTorch (``relu'(0) = 0``, ``leaky_relu'(0) = negative_slope``,
``elu'(0) = alpha``).

Shape: any shape in, the same shape out; float32 stays float32, integers become float64.

Examples
--------
>>> relu([-2.0, 0.0, 3.0])
array([0., 0., 3.])
>>> float(elu_grad(0.0, alpha=2.0))
2.0
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from course_lib.activations._elementwise import (
    INF,
    constant_limits,
    elementwise,
    exp_neg,
    sigmoid64,
)

__all__ = [
    "SELU_ALPHA",
    "SELU_SCALE",
    "celu",
    "celu_grad",
    "elu",
    "elu_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "prelu",
    "prelu_grad",
    "relu",
    "relu_grad",
    "selu",
    "selu_grad",
    "softplus",
    "softplus_grad",
]

#: SELU's constants (Klambauer et al., 2017), to the digits PyTorch uses.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

@elementwise(limits=constant_limits(0.0, INF))
def relu(x: ArrayLike) -> np.ndarray:
    r"""Rectified linear unit, :math:`\max(0, x)` (Nair & Hinton, 2010).

    Examples
    --------
    >>> relu([-2.0, 0.0, 3.0])
    array([0., 0., 3.])
    """
    return np.maximum(x, 0.0)


@elementwise(limits=constant_limits(0.0, 1.0))
def relu_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`relu`: 1 for :math:`x > 0`, else 0.

    At the kink the value is 0, as in PyTorch (``relu'(0) = 0``).
    """
    return (x > 0.0).astype(np.float64)


def _slope_limits(negative_slope: float) -> tuple[float, float]:
    return (-INF if negative_slope > 0 else INF if negative_slope < 0 else 0.0), INF


@elementwise(limits=_slope_limits)
def leaky_relu(x: ArrayLike, negative_slope: float = 0.01) -> np.ndarray:
    r"""Leaky ReLU, :math:`x` for :math:`x > 0`, else :math:`\mathrm{negative\_slope}\cdot x`.

    Maas, Hannun & Ng (2013). Written with ``where``, not as :math:`\max(x, a x)`, which is
    only right for slopes below 1.

    Examples
    --------
    >>> leaky_relu([-100.0, 2.0])
    array([-1.,  2.])
    """
    return np.where(x > 0.0, x, negative_slope * x)


@elementwise(limits=lambda negative_slope: (negative_slope, 1.0))
def leaky_relu_grad(x: ArrayLike, negative_slope: float = 0.01) -> np.ndarray:
    r"""Derivative of :func:`leaky_relu`: 1 for :math:`x > 0`, else the slope.

    At the kink the value is ``negative_slope``, as in PyTorch.
    """
    return np.where(x > 0.0, 1.0, negative_slope)


@elementwise(limits=lambda weight: _slope_limits(weight))
def prelu(x: ArrayLike, weight: float = 0.25) -> np.ndarray:
    r"""Parametric ReLU, :math:`x` for :math:`x > 0`, else :math:`w x` (He et al., 2015).

    This is the function with a fixed ``weight``; the layer that learns it lives in
    :mod:`course_lib.layers`.

    Examples
    --------
    >>> prelu([-4.0, 4.0])
    array([-1.,  4.])
    """
    return np.where(x > 0.0, x, weight * x)


@elementwise(limits=lambda weight: (weight, 1.0))
def prelu_grad(x: ArrayLike, weight: float = 0.25) -> np.ndarray:
    r"""Derivative of :func:`prelu` with respect to x: 1 for :math:`x > 0`, else ``weight``.

    At the kink the value is ``weight``, as in PyTorch.
    """
    return np.where(x > 0.0, 1.0, weight)


@elementwise(limits=lambda alpha: (-alpha, INF))
def elu(x: ArrayLike, alpha: float = 1.0) -> np.ndarray:
    r"""Exponential linear unit (Clevert et al., 2016).

    .. math:: \mathrm{elu}(x) = x \text{ for } x > 0, \quad \alpha (e^{x} - 1) \text{ otherwise.}

    ``expm1(minimum(x, 0))`` keeps the discarded branch from overflowing for large x and is
    exact for small negative x, where ``exp(x) - 1`` cancels.

    Examples
    --------
    >>> elu([-1000.0, 1000.0])
    array([  -1., 1000.])
    """
    return np.where(x > 0.0, x, alpha * np.expm1(np.minimum(x, 0.0)))


@elementwise(limits=lambda alpha: (0.0, 1.0))
def elu_grad(x: ArrayLike, alpha: float = 1.0) -> np.ndarray:
    r"""Derivative of :func:`elu`: 1 for :math:`x > 0`, else :math:`\alpha e^{x}`.

    At 0 the value is the left slope, :math:`\alpha`, as in PyTorch.
    """
    return np.where(x > 0.0, 1.0, alpha * exp_neg(x))


@elementwise(limits=constant_limits(-SELU_SCALE * SELU_ALPHA, INF))
def selu(x: ArrayLike) -> np.ndarray:
    r"""Scaled ELU, :math:`\lambda\,\mathrm{elu}_\alpha(x)` with the self-normalising constants.

    :math:`\alpha \approx 1.6733`, :math:`\lambda \approx 1.0507` (Klambauer et al., 2017):
    a standard normal input keeps mean 0 and variance 1.

    Examples
    --------
    >>> selu([0.0, 1.0])
    array([0.       , 1.05070099])
    """
    return SELU_SCALE * np.where(x > 0.0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0.0)))


@elementwise(limits=constant_limits(0.0, SELU_SCALE))
def selu_grad(x: ArrayLike) -> np.ndarray:
    r"""d selu / dx: :math:`\lambda` for :math:`x > 0`, else :math:`\lambda\alpha e^x`.

    At 0 the value is the left slope, :math:`\lambda\alpha \approx 1.7581`, as in PyTorch.
    """
    return SELU_SCALE * np.where(x > 0.0, 1.0, SELU_ALPHA * exp_neg(x))


@elementwise(limits=lambda alpha: (-alpha, INF), positive=("alpha",))
def celu(x: ArrayLike, alpha: float = 1.0) -> np.ndarray:
    r"""Continuously differentiable ELU (Barron, 2017).

    .. math:: \mathrm{celu}(x) = x \text{ for } x > 0, \quad
              \alpha\,(e^{x/\alpha} - 1) \text{ otherwise}, \qquad \alpha > 0.

    Its slope is 1 on both sides of 0 for every :math:`\alpha`.

    Examples
    --------
    >>> celu([-1000.0, 2.0], alpha=2.0)
    array([-2.,  2.])
    """
    return np.where(x > 0.0, x, alpha * np.expm1(np.minimum(x, 0.0) / alpha))


@elementwise(limits=lambda alpha: (0.0, 1.0), positive=("alpha",))
def celu_grad(x: ArrayLike, alpha: float = 1.0) -> np.ndarray:
    r"""Derivative of :func:`celu`: 1 for :math:`x > 0`, else :math:`e^{x/\alpha}` (1 at 0)."""
    return np.where(x > 0.0, 1.0, np.exp(np.minimum(x, 0.0) / alpha))


@elementwise(limits=constant_limits(0.0, INF), positive=("beta",), may_be_inf=("threshold",))
def softplus(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    r"""Softplus, a smooth ReLU: :math:`\frac{1}{\beta}\log(1 + e^{\beta x})`.

    Stable for every finite x: ``logaddexp(beta*x, 0) / beta`` instead of
    ``log(1 + exp(beta*x))``, which overflows for :math:`\beta x > 709`.

    As in PyTorch, where :math:`\beta x > \mathrm{threshold}` the function returns ``x``
    itself. The two differ by :math:`\log(1 + e^{-\beta x})/\beta < 2.1\cdot 10^{-9}/\beta`
    at the default threshold of 20 (a relative error below :math:`10^{-10}`); pass
    ``threshold=math.inf`` to get the exact function everywhere.

    Examples
    --------
    >>> softplus([-1000.0, 0.0, 1000.0])
    array([0.00000000e+00, 6.93147181e-01, 1.00000000e+03])
    """
    z = beta * x
    return np.where(z > threshold, x, np.logaddexp(z, 0.0) / beta)


@elementwise(limits=constant_limits(0.0, 1.0), positive=("beta",), may_be_inf=("threshold",))
def softplus_grad(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    r"""Derivative of :func:`softplus`, :math:`\sigma(\beta x)`.

    1 where :math:`\beta x > \mathrm{threshold}`, as in PyTorch.
    """
    z = beta * x
    return np.where(z > threshold, 1.0, sigmoid64(z))
