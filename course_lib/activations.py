r"""Activation functions and their derivatives, as pure numpy functions, with a registry.

Every activation ``f`` comes with ``f_grad``, its derivative with respect to the input
``x``, written in terms of ``x`` (never of the output). Both share one contract:

* float32 in gives float32 out, float64 gives float64 (float16 stays float16); integers,
  booleans, Python scalars and lists are promoted to float64, never truncated.
* Any shape, including 0-d; the input is never modified and never returned.
* The arithmetic is done in float64 and rounded once to the input's dtype, so a float32
  result is correctly rounded to within one unit in the last place, tails included
  (``gelu(np.float32(-5))`` is right to the last bit that float32 holds).
* No ``RuntimeWarning`` for any finite input: each formula is written so that nothing
  overflows or divides by zero (``logaddexp`` for softplus, ``expm1(minimum(x, 0))`` for
  ELU, ``exp(-|x|)`` for the sigmoid family). Where a result is genuinely beyond the
  float range (``selu(3.4e38)`` in float32) it is ``±inf``, as IEEE arithmetic says.
* ``±inf`` gives the limit of the function as ``x → ±inf`` and ``NaN`` gives ``NaN``.
  Where no limit exists (the slope of Snake oscillates for ever), the answer is ``NaN``.
* At a kink the derivative follows PyTorch's autograd; each docstring states the value.

The registry makes every activation reachable by name, for tests, plots and analysis::

    >>> from course_lib.activations import get, names
    >>> spec = get("gelu")
    >>> float(spec(1.0)), float(spec.derivative(0.0))
    (0.8413447460685429, 0.5)
    >>> spec.properties.monotonic
    False

Used by every notebook; in particular 01 (fundamentals), 02 (formulas, derivatives and the
property table), 03 (ReLU), 04 (sigmoid), 06, 08, 10, 14 and 15 (the cheat sheet).
"""

from __future__ import annotations

import difflib
import functools
import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import erfcx, ndtr

__all__ = [
    "ActivationSpec",
    "Properties",
    "as_float_array",
    "real_parameter",
    "get",
    "names",
    "celu",
    "celu_grad",
    "elu",
    "elu_grad",
    "gelu",
    "gelu_grad",
    "gelu_tanh",
    "gelu_tanh_grad",
    "hard_sigmoid",
    "hard_sigmoid_grad",
    "hard_swish",
    "hard_swish_grad",
    "hard_tanh",
    "hard_tanh_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "log_sigmoid",
    "log_sigmoid_grad",
    "mish",
    "mish_grad",
    "prelu",
    "prelu_grad",
    "relu",
    "relu_grad",
    "scaled_tanh",
    "scaled_tanh_grad",
    "selu",
    "selu_grad",
    "sigmoid",
    "sigmoid_grad",
    "silu",
    "silu_grad",
    "snake",
    "snake_grad",
    "softplus",
    "softplus_grad",
    "softsign",
    "softsign_grad",
    "swish",
    "swish_grad",
    "tanh",
    "tanh_grad",
]

INF = math.inf

#: SELU's constants (Klambauer et al., 2017), to the digits PyTorch uses.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_TANH_COEF = 0.044715
# Beyond |x| = 1e3 the gate of gelu_tanh, sigmoid(2 u(x)), is exactly 0 or 1 in float64
# (|2 u| > 7e7), so clipping the gate's argument there changes no bit of the result and keeps
# x**3 from overflowing.
_GELU_TANH_GATE_LIMIT = 1e3


# --------------------------------------------------------------------------------------------
# Input validation and the shared element-wise machinery
# --------------------------------------------------------------------------------------------
def as_float_array(x: ArrayLike, name: str = "x") -> np.ndarray:
    """Return ``x`` as a floating-point numpy array, or raise a clear ``TypeError``.

    Floating dtypes are kept (float16, float32, float64); booleans, integers, Python
    scalars and lists become float64. Complex numbers, strings, objects, dates and ragged
    lists are refused. The result may share memory with ``x``: callers must not write to it.

    Parameters
    ----------
    x : array_like
        The values to check.
    name : str
        The argument's name, used in the error message.

    Examples
    --------
    >>> as_float_array([1, 2]).dtype
    dtype('float64')
    >>> as_float_array(np.ones(3, dtype=np.float32)).dtype
    dtype('float32')
    """
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except (ValueError, TypeError) as exc:
            raise TypeError(
                f"{name} must be a real-valued array (a number, a list of numbers or a numpy "
                f"array); got a {type(x).__name__} that numpy cannot turn into one ({exc})"
            ) from None
    kind = arr.dtype.kind
    if kind == "f":
        return arr
    if kind in "biu":
        return arr.astype(np.float64)
    what = {
        "c": "complex numbers",
        "O": "Python objects",
        "U": "strings",
        "S": "bytes",
        "M": "dates",
        "m": "time differences",
        "V": "structured records",
    }.get(kind, "non-numeric values")
    raise TypeError(
        f"{name} must be a real-valued array (float, integer or bool); got an array of "
        f"{what} (dtype {arr.dtype})"
    )


def real_parameter(function: str, name: str, value: Any, allow_inf: bool = False) -> float:
    """Check that a parameter is a real number (finite unless allowed) and return a float.

    Raises ``TypeError`` naming ``function`` and ``name`` for anything that is not a real
    number (bools, strings, arrays of more than one value), ``ValueError`` for NaN and, unless
    ``allow_inf``, for infinities.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
            value = value.item()
        else:
            raise TypeError(
                f"{function}(): parameter {name!r} must be a real number; got "
                f"{type(value).__name__} {value!r}"
            )
    value = float(value)
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise ValueError(f"{function}(): parameter {name!r} must be finite; got {value}")
    return value


def _elementwise(
    limits: Callable[..., tuple[float, float]],
    positive: tuple[str, ...] = (),
    may_be_inf: tuple[str, ...] = (),
) -> Callable[[Callable[..., np.ndarray]], Callable[..., np.ndarray]]:
    """Turn a float64 formula into a public activation (or derivative) function.

    The decorated ``core(x, **params)`` receives a float64 array of finite numbers (NaN and
    infinities are replaced by 0 before the call) and checked float parameters.
    The wrapper validates the input and the parameters, puts in the limits at ``±inf``
    given by ``limits(**params) -> (value at -inf, value at +inf)``, propagates NaN, and
    rounds the result once to the input's floating dtype.
    """

    def decorate(core: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
        signature = inspect.signature(core)
        function = core.__name__

        @functools.wraps(core)
        def wrapper(x: ArrayLike, *args: Any, **kwargs: Any) -> np.ndarray:
            try:
                bound = signature.bind(x, *args, **kwargs)
            except TypeError as exc:
                raise TypeError(f"{function}(): {exc}") from None
            bound.apply_defaults()
            params = {
                key: real_parameter(function, key, value, allow_inf=key in may_be_inf)
                for key, value in list(bound.arguments.items())[1:]
            }
            for key in positive:
                if params[key] <= 0.0:
                    raise ValueError(
                        f"{function}(): parameter {key!r} must be positive; got {params[key]}"
                    )
            arr = as_float_array(x)
            out_dtype = arr.dtype if arr.dtype != np.longdouble else np.dtype(np.float64)
            x64 = np.array(arr, dtype=np.float64)  # always a private copy
            nan = np.isnan(x64)
            pos_inf = x64 == INF
            neg_inf = x64 == -INF
            special = nan | pos_inf | neg_inf
            has_special = bool(special.any())
            if has_special:
                x64[special] = 0.0
            with np.errstate(over="ignore"):
                y = np.array(core(x64, **params), dtype=np.float64)
                if y.shape != x64.shape:  # a formula that returned a constant
                    y = np.broadcast_to(y, x64.shape).copy()
                if has_special:
                    at_minus_inf, at_plus_inf = limits(**params)
                    y[neg_inf] = at_minus_inf
                    y[pos_inf] = at_plus_inf
                    y[nan] = np.nan
                return y.astype(out_dtype, copy=False)

        return wrapper

    return decorate


def _constant(lo: float, hi: float) -> Callable[..., tuple[float, float]]:
    return lambda **_: (lo, hi)


def _sigmoid64(z: np.ndarray) -> np.ndarray:
    """Stable logistic function on float64, no warnings: exp is only taken of -|z|."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_slope64(z: np.ndarray) -> np.ndarray:
    """sigma'(z) = e / (1 + e)^2 with e = exp(-|z|): exact in the tails, unlike s (1 - s)."""
    e = np.exp(-np.abs(z))
    return e / (1.0 + e) ** 2


def _sech2_64(z: np.ndarray) -> np.ndarray:
    """sech^2(z) = 4 e / (1 + e)^2 with e = exp(-2|z|): exact where 1 - tanh^2 cancels."""
    e = np.exp(-2.0 * np.abs(z))
    return 4.0 * e / (1.0 + e) ** 2


# --------------------------------------------------------------------------------------------
# Rectifiers
# --------------------------------------------------------------------------------------------
@_elementwise(limits=_constant(0.0, INF))
def relu(x: ArrayLike) -> np.ndarray:
    r"""Rectified linear unit, :math:`\max(0, x)` (Nair & Hinton, 2010).

    Examples
    --------
    >>> relu([-2.0, 0.0, 3.0])
    array([0., 0., 3.])
    """
    return np.maximum(x, 0.0)


@_elementwise(limits=_constant(0.0, 1.0))
def relu_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`relu`: 1 for :math:`x > 0`, else 0.

    At the kink the value is 0, as in PyTorch (``relu'(0) = 0``).
    """
    return (x > 0.0).astype(np.float64)


def _slope_limits(negative_slope: float) -> tuple[float, float]:
    return (-INF if negative_slope > 0 else INF if negative_slope < 0 else 0.0), INF


@_elementwise(limits=_slope_limits)
def leaky_relu(x: ArrayLike, negative_slope: float = 0.01) -> np.ndarray:
    r"""Leaky ReLU, :math:`x` for :math:`x > 0`, else :math:`\text{negative\_slope}\cdot x`.

    Maas, Hannun & Ng (2013). Written with ``where``, not as :math:`\max(x, a x)`, which is
    only right for slopes below 1.

    Examples
    --------
    >>> leaky_relu([-100.0, 2.0])
    array([-1.,  2.])
    """
    return np.where(x > 0.0, x, negative_slope * x)


@_elementwise(limits=lambda negative_slope: (negative_slope, 1.0))
def leaky_relu_grad(x: ArrayLike, negative_slope: float = 0.01) -> np.ndarray:
    r"""Derivative of :func:`leaky_relu`: 1 for :math:`x > 0`, else the slope.

    At the kink the value is ``negative_slope``, as in PyTorch.
    """
    return np.where(x > 0.0, 1.0, negative_slope)


@_elementwise(limits=lambda weight: _slope_limits(weight))
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


@_elementwise(limits=lambda weight: (weight, 1.0))
def prelu_grad(x: ArrayLike, weight: float = 0.25) -> np.ndarray:
    r"""Derivative of :func:`prelu` with respect to x: 1 for :math:`x > 0`, else ``weight``.

    At the kink the value is ``weight``, as in PyTorch.
    """
    return np.where(x > 0.0, 1.0, weight)


def _exp_neg(x: np.ndarray) -> np.ndarray:
    """exp(min(x, 0)): the negative branch's exponential, never overflowing."""
    return np.exp(np.minimum(x, 0.0))


@_elementwise(limits=lambda alpha: (-alpha, INF))
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


@_elementwise(limits=lambda alpha: (0.0, 1.0))
def elu_grad(x: ArrayLike, alpha: float = 1.0) -> np.ndarray:
    r"""Derivative of :func:`elu`: 1 for :math:`x > 0`, else :math:`\alpha e^{x}`.

    At 0 the value is the left slope, :math:`\alpha`, as in PyTorch.
    """
    return np.where(x > 0.0, 1.0, alpha * _exp_neg(x))


@_elementwise(limits=_constant(-SELU_SCALE * SELU_ALPHA, INF))
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


@_elementwise(limits=_constant(0.0, SELU_SCALE))
def selu_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`selu`: :math:`\lambda` for :math:`x > 0`, else :math:`\lambda\alpha e^{x}`.

    At 0 the value is the left slope, :math:`\lambda\alpha \approx 1.7581`, as in PyTorch.
    """
    return SELU_SCALE * np.where(x > 0.0, 1.0, SELU_ALPHA * _exp_neg(x))


@_elementwise(limits=lambda alpha: (-alpha, INF), positive=("alpha",))
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


@_elementwise(limits=lambda alpha: (0.0, 1.0), positive=("alpha",))
def celu_grad(x: ArrayLike, alpha: float = 1.0) -> np.ndarray:
    r"""Derivative of :func:`celu`: 1 for :math:`x > 0`, else :math:`e^{x/\alpha}` (1 at 0)."""
    return np.where(x > 0.0, 1.0, np.exp(np.minimum(x, 0.0) / alpha))


# --------------------------------------------------------------------------------------------
# Sigmoid family
# --------------------------------------------------------------------------------------------
@_elementwise(limits=_constant(0.0, 1.0))
def sigmoid(x: ArrayLike) -> np.ndarray:
    r"""Logistic sigmoid, :math:`\sigma(x) = 1 / (1 + e^{-x})`.

    Two branches that only ever exponentiate :math:`-|x|`: :math:`1/(1+e^{-x})` for
    :math:`x \ge 0` and :math:`e^{x}/(1+e^{x})` for :math:`x < 0`. Nothing overflows and
    the negative tail keeps full relative precision (``sigmoid(-800)`` is :math:`e^{-800}`
    rounded, which is 0 in float64, without a warning).

    Examples
    --------
    >>> sigmoid([-1000.0, 0.0, 1000.0])
    array([0. , 0.5, 1. ])
    """
    return _sigmoid64(x)


@_elementwise(limits=_constant(0.0, 0.0))
def sigmoid_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`sigmoid`, :math:`\sigma(x)\,\sigma(-x) \le 1/4`.

    Computed as :math:`e/(1+e)^2` with :math:`e = e^{-|x|}`, which stays exact in both
    tails; the textbook :math:`s(1-s)` returns exactly 0 for :math:`x > 37` because
    :math:`1 - s` cancels.
    """
    return _sigmoid_slope64(x)


@_elementwise(limits=_constant(-INF, 0.0))
def log_sigmoid(x: ArrayLike) -> np.ndarray:
    r"""Log of the sigmoid, :math:`\log\sigma(x) = -\log(1 + e^{-x})`.

    Computed as ``-logaddexp(0, -x)``: ``log_sigmoid(-800)`` is -800, not ``log(0) = -inf``.
    """
    return -np.logaddexp(0.0, -x)


@_elementwise(limits=_constant(1.0, 0.0))
def log_sigmoid_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`log_sigmoid`, :math:`\sigma(-x) = 1 - \sigma(x)`."""
    return _sigmoid64(-x)


@_elementwise(limits=_constant(-1.0, 1.0))
def tanh(x: ArrayLike) -> np.ndarray:
    r"""Hyperbolic tangent, :math:`\tanh x = (e^{x} - e^{-x}) / (e^{x} + e^{-x}) = 2\sigma(2x) - 1`."""
    return np.tanh(x)


@_elementwise(limits=_constant(0.0, 0.0))
def tanh_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`tanh`, :math:`1 - \tanh^2 x = \operatorname{sech}^2 x`.

    Computed as :math:`4e/(1+e)^2` with :math:`e = e^{-2|x|}`, exact in the tails where
    :math:`1 - \tanh^2` cancels to 0.
    """
    return _sech2_64(x)


def _check_interval(min_val: float, max_val: float) -> None:
    if not min_val < max_val:
        raise ValueError(
            f"hard_tanh(): min_val must be smaller than max_val; got min_val={min_val}, "
            f"max_val={max_val}"
        )


@_elementwise(limits=lambda min_val, max_val: (min_val, max_val))
def hard_tanh(x: ArrayLike, min_val: float = -1.0, max_val: float = 1.0) -> np.ndarray:
    r"""Hard tanh, :math:`\min(\max(x, \text{min\_val}), \text{max\_val})`.

    Examples
    --------
    >>> hard_tanh([-3.0, 0.5, 3.0])
    array([-1. ,  0.5,  1. ])
    """
    _check_interval(min_val, max_val)
    return np.clip(x, min_val, max_val)


@_elementwise(limits=_constant(0.0, 0.0))
def hard_tanh_grad(x: ArrayLike, min_val: float = -1.0, max_val: float = 1.0) -> np.ndarray:
    r"""Derivative of :func:`hard_tanh`: 1 strictly between the bounds, else 0.

    At ``min_val`` and at ``max_val`` the value is 0, as in PyTorch.
    """
    _check_interval(min_val, max_val)
    return ((x > min_val) & (x < max_val)).astype(np.float64)


@_elementwise(limits=_constant(0.0, 1.0))
def hard_sigmoid(x: ArrayLike) -> np.ndarray:
    r"""Hard sigmoid, :math:`\mathrm{relu6}(x + 3) / 6 = \min(\max(x/6 + 1/2, 0), 1)`.

    PyTorch's definition (``torch.nn.functional.hardsigmoid``), used by MobileNetV3.
    """
    return np.clip(x + 3.0, 0.0, 6.0) / 6.0


@_elementwise(limits=_constant(0.0, 0.0))
def hard_sigmoid_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`hard_sigmoid`: 1/6 for :math:`-3 < x < 3`, else 0 (0 at ±3, as PyTorch)."""
    return np.where((x > -3.0) & (x < 3.0), 1.0 / 6.0, 0.0)


@_elementwise(limits=_constant(0.0, INF))
def hard_swish(x: ArrayLike) -> np.ndarray:
    r"""Hard swish, :math:`x \cdot \mathrm{relu6}(x + 3) / 6` (Howard et al., 2019).

    Examples
    --------
    >>> hard_swish([-4.0, 0.0, 1.0, 4.0])
    array([-0.        ,  0.        ,  0.66666667,  4.        ])
    """
    return x * (np.clip(x + 3.0, 0.0, 6.0) / 6.0)


@_elementwise(limits=_constant(0.0, 1.0))
def hard_swish_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`hard_swish`: 0 for :math:`x < -3`, :math:`x/3 + 1/2` between, 1 above.

    At the kinks PyTorch (2.13) returns 0 at :math:`x = -3` and 1 at :math:`x = 3`; so do we.
    """
    return np.where(x <= -3.0, 0.0, np.where(x < 3.0, x / 3.0 + 0.5, 1.0))


# --------------------------------------------------------------------------------------------
# Smooth rectifiers and self-gated functions
# --------------------------------------------------------------------------------------------
@_elementwise(limits=_constant(0.0, INF), positive=("beta",), may_be_inf=("threshold",))
def softplus(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    r"""Softplus, a smooth ReLU: :math:`\frac{1}{\beta}\log(1 + e^{\beta x})`.

    Stable for every finite x: ``logaddexp(beta*x, 0) / beta`` instead of
    ``log(1 + exp(beta*x))``, which overflows for :math:`\beta x > 709`.

    As in PyTorch, where :math:`\beta x > \text{threshold}` the function returns ``x``
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


@_elementwise(limits=_constant(0.0, 1.0), positive=("beta",), may_be_inf=("threshold",))
def softplus_grad(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    r"""Derivative of :func:`softplus`, :math:`\sigma(\beta x)`; 1 where :math:`\beta x > \text{threshold}`."""
    z = beta * x
    return np.where(z > threshold, 1.0, _sigmoid64(z))


@_elementwise(limits=_constant(-1.0, 1.0))
def softsign(x: ArrayLike) -> np.ndarray:
    r"""Softsign, :math:`x / (1 + |x|)`."""
    return x / (1.0 + np.abs(x))


@_elementwise(limits=_constant(0.0, 0.0))
def softsign_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`softsign`, :math:`1 / (1 + |x|)^2`."""
    return (1.0 / (1.0 + np.abs(x))) ** 2


@_elementwise(limits=_constant(0.0, INF), positive=("beta",))
def swish(x: ArrayLike, beta: float = 1.0) -> np.ndarray:
    r"""Swish, :math:`x\,\sigma(\beta x)` (Ramachandran et al., 2017); SiLU when :math:`\beta = 1`.

    Uses the stable two-branch sigmoid, so ``swish(-1000)`` is ``-0.0``, not a NaN from
    ``-1000 * 0 / inf``.

    Examples
    --------
    >>> swish([-1000.0, 0.0, 1.0])
    array([-0.        ,  0.        ,  0.73105858])
    """
    return x * _sigmoid64(beta * x)


@_elementwise(limits=_constant(0.0, 1.0), positive=("beta",))
def swish_grad(x: ArrayLike, beta: float = 1.0) -> np.ndarray:
    r"""Derivative of :func:`swish`, :math:`\sigma(\beta x) + \beta x\,\sigma(\beta x)\,\sigma(-\beta x)`.

    :math:`1 - \sigma(\beta x)` is computed as :math:`\sigma(-\beta x)`, which does not cancel.
    """
    # Beyond |beta x| = 1e3 the product z s(z) s(-z) is exactly 0 in float64; clipping z
    # there changes nothing and keeps an overflowing beta * x from making inf * 0 = NaN.
    z = np.clip(beta * x, -1e3, 1e3)
    s = _sigmoid64(z)
    return s + z * s * _sigmoid64(-z)


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


@_elementwise(limits=_constant(0.0, INF))
def mish(x: ArrayLike) -> np.ndarray:
    r"""Mish, :math:`x \tanh(\mathrm{softplus}(x))` (Misra, 2019).

    :math:`\tanh(\log(1 + e^{x}))` is the rational function
    :math:`((1+e^x)^2 - 1)/((1+e^x)^2 + 1)` of :math:`e^{x}`; it is evaluated in terms of
    :math:`e^{-|x|}` so that neither tail overflows nor cancels (the slide's
    ``np.log(1 + np.exp(x))`` overflows for :math:`x > 709`). Minimum :math:`\approx -0.308843`
    at :math:`x \approx -1.19243`.
    """
    t, _ = _mish_gate(x)
    return x * t


@_elementwise(limits=_constant(0.0, 1.0))
def mish_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`mish`, :math:`t + x\,(1 - t^2)\,\sigma(x)` with :math:`t = \tanh(\mathrm{softplus}(x))`."""
    t, one_minus_t = _mish_gate(x)
    return t + x * one_minus_t * (1.0 + t) * _sigmoid64(x)


@_elementwise(limits=_constant(0.0, INF))
def gelu(x: ArrayLike) -> np.ndarray:
    r"""Gaussian error linear unit, exact form :math:`x\,\Phi(x)` (Hendrycks & Gimpel, 2016).

    .. math:: \mathrm{gelu}(x) = x\,\Phi(x) = \tfrac{x}{2}\left(1 + \operatorname{erf}(x/\sqrt2)\right)

    :math:`\Phi` is evaluated by :func:`_normal_cdf`, which never forms ``1 + erf(x/√2)``:
    that sum cancels in the lower tail (it loses 4% of ``gelu(-5)`` in float32).

    Examples
    --------
    >>> gelu([-5.0, 0.0, 1.0])
    array([-1.43325786e-06,  0.00000000e+00,  8.41344746e-01])
    """
    return x * _normal_cdf(x)


@_elementwise(limits=_constant(0.0, 1.0))
def gelu_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`gelu`, :math:`\Phi(x) + x\,\varphi(x)` with :math:`\varphi` the normal density."""
    return _normal_cdf(x) + x * (_INV_SQRT_2PI * np.exp(-0.5 * x * x))


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    r"""Standard normal CDF :math:`\Phi(x)`, accurate down to the smallest subnormal result.

    For :math:`x < 0` it uses :math:`\Phi(x) = \tfrac12\,\operatorname{erfcx}(-x/\sqrt2)\,e^{-x^2/2}`:
    a factor of moderate size times an exponential that numpy evaluates correctly far into
    the subnormal range. (``scipy.special.ndtr`` returns 0 as soon as :math:`\Phi(x)` is
    subnormal, below :math:`x \approx -37.5`, where ``gelu`` and its slope are still
    representable.) For :math:`x \ge 0`, ``ndtr`` is exact to rounding.
    """
    neg = np.minimum(x, 0.0)
    lower_tail = 0.5 * erfcx(-neg / math.sqrt(2.0)) * np.exp(-0.5 * neg * neg)
    return np.where(x < 0.0, lower_tail, ndtr(x))


def _gelu_tanh_inner(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """u(x) = sqrt(2/pi) (x + 0.044715 x^3) and u'(x), on the clipped argument (see the constant)."""
    xc = np.clip(x, -_GELU_TANH_GATE_LIMIT, _GELU_TANH_GATE_LIMIT)
    u = _SQRT_2_OVER_PI * (xc + _GELU_TANH_COEF * xc**3)
    du = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_TANH_COEF * xc * xc)
    return u, du


@_elementwise(limits=_constant(0.0, INF))
def gelu_tanh(x: ArrayLike) -> np.ndarray:
    r"""GELU's tanh approximation (Hendrycks & Gimpel, 2016).

    .. math:: \tfrac{x}{2}\left(1 + \tanh\!\big(\sqrt{2/\pi}\,(x + 0.044715\,x^3)\big)\right)
              = x\,\sigma\!\big(2\sqrt{2/\pi}\,(x + 0.044715\,x^3)\big)

    The sigmoid form is used because :math:`1 + \tanh u` cancels for very negative
    :math:`u`. This is PyTorch's ``gelu(x, approximate="tanh")``.
    """
    u, _ = _gelu_tanh_inner(x)
    return x * _sigmoid64(2.0 * u)


@_elementwise(limits=_constant(0.0, 1.0))
def gelu_tanh_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of :func:`gelu_tanh`, :math:`\sigma(2u) + 2x\,u'\,\sigma(2u)\,\sigma(-2u)`."""
    u, du = _gelu_tanh_inner(x)
    s = _sigmoid64(2.0 * u)
    # x multiplies last: beyond the clip the gate factors are exactly 0 and 2 x could overflow.
    return s + x * (2.0 * du * s * _sigmoid64(-2.0 * u))


@_elementwise(limits=_constant(-INF, INF), positive=("a",))
def snake(x: ArrayLike, a: float = 1.0) -> np.ndarray:
    r"""Snake, :math:`x + \sin^2(a x)/a` with frequency :math:`a > 0` (Liu Ziyin et al., 2020).

    The slide's version drops the :math:`1/a`, which changes the function for every
    :math:`a \ne 1`. Where :math:`a x` overflows (only possible for :math:`a > 1`) the
    periodic term is below the spacing of float64 numbers at x, and the value is x.
    """
    ax = a * x
    finite = np.isfinite(ax)
    s = np.sin(np.where(finite, ax, 0.0))
    return np.where(finite, x + s * s / a, x)


def _snake_grad_limits(a: float) -> tuple[float, float]:
    # 1 + sin(2 a x) oscillates between 0 and 2 for ever: there is no limit.
    return math.nan, math.nan


@_elementwise(limits=_snake_grad_limits, positive=("a",))
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


@_elementwise(limits=lambda a, b: (-a * math.copysign(1.0, b) if b else 0.0, a * math.copysign(1.0, b) if b else 0.0))
def scaled_tanh(x: ArrayLike, a: float = 1.7159, b: float = 2.0 / 3.0) -> np.ndarray:
    r"""LeCun's scaled tanh, :math:`a \tanh(b x)` (LeCun, Bottou, Orr & Müller, 1998).

    With the defaults :math:`a = 1.7159`, :math:`b = 2/3`, :math:`f(\pm 1) \approx \pm 1`
    and the slope is largest (:math:`\approx 1.14`) at 0.
    """
    return a * np.tanh(b * x)


@_elementwise(limits=_constant(0.0, 0.0))
def scaled_tanh_grad(x: ArrayLike, a: float = 1.7159, b: float = 2.0 / 3.0) -> np.ndarray:
    r"""Derivative of :func:`scaled_tanh`, :math:`a b \operatorname{sech}^2(b x)`."""
    return a * b * _sech2_64(b * x)


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Properties:
    """What an activation does, for its default parameters; every field is checked by tests.

    Attributes
    ----------
    output_range : (float, float)
        Infimum and supremum of f over the real line (may be ``±inf``).
    range_closed : (bool, bool)
        Whether each end of the range is attained by a finite input.
    monotonic : bool
        f is non-decreasing on the whole real line.
    smooth : bool
        f is continuously differentiable (C¹) on the whole real line.
    zero_centred : bool
        For a standard normal input the mean output is zero
        (:math:`|E f(Z)| < 10^{-3} \\sqrt{E f(Z)^2}`): the next layer sees inputs of both
        signs in balance.
    self_gated : bool
        :math:`f(x) = x\\,g(x)` with a continuous, non-decreasing gate :math:`g` running from
        0 at :math:`-\\infty` to 1 at :math:`+\\infty`.
    """

    output_range: tuple[float, float]
    range_closed: tuple[bool, bool]
    monotonic: bool
    smooth: bool
    zero_centred: bool
    self_gated: bool

    @property
    def bounded_below(self) -> bool:
        """f has a finite lower bound."""
        return math.isfinite(self.output_range[0])

    @property
    def bounded_above(self) -> bool:
        """f has a finite upper bound."""
        return math.isfinite(self.output_range[1])

    def range_text(self, digits: int = 4) -> str:
        """The output range in interval notation, e.g. ``[0, ∞)`` or ``(-1, 1)``."""

        def end(v: float) -> str:
            if math.isinf(v):
                return "∞" if v > 0 else "-∞"
            return f"{v:.{digits}g}"

        lo, hi = self.output_range
        left = "[" if self.range_closed[0] else "("
        right = "]" if self.range_closed[1] else ")"
        return f"{left}{end(lo)}, {end(hi)}{right}"


@dataclass(frozen=True)
class ActivationSpec:
    """One registered activation: call it, differentiate it, read its formula and properties.

    ``spec(x, **params)`` (or ``spec.forward``) evaluates the function and
    ``spec.derivative(x, **params)`` its derivative with respect to x. Parameters not given
    take ``spec.defaults``; an unknown one raises ``TypeError`` naming it.
    """

    name: str
    formula: str
    defaults: Mapping[str, float]
    properties: Properties
    kinks: tuple[float, ...]
    citation: str
    _forward: Callable[..., np.ndarray] = field(repr=False)
    _derivative: Callable[..., np.ndarray] = field(repr=False)
    aliases: tuple[str, ...] = ()

    def _check(self, params: Mapping[str, Any]) -> None:
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            valid = ", ".join(self.defaults) or "none"
            raise TypeError(
                f"activation {self.name!r} has no parameter {unknown[0]!r}; its parameters "
                f"are: {valid}"
            )

    def forward(self, x: ArrayLike, **params: float) -> np.ndarray:
        """Evaluate the activation at x."""
        self._check(params)
        return self._forward(x, **params)

    __call__ = forward

    def derivative(self, x: ArrayLike, **params: float) -> np.ndarray:
        """Evaluate the derivative with respect to x (PyTorch's convention at kinks)."""
        self._check(params)
        return self._derivative(x, **params)


_REGISTRY: dict[str, ActivationSpec] = {}
_ALIASES: dict[str, str] = {}


def _register(
    forward: Callable[..., np.ndarray],
    derivative: Callable[..., np.ndarray],
    *,
    formula: str,
    output_range: tuple[float, float],
    range_closed: tuple[bool, bool],
    monotonic: bool,
    smooth: bool,
    zero_centred: bool,
    self_gated: bool,
    kinks: tuple[float, ...] = (),
    citation: str = "",
    aliases: tuple[str, ...] = (),
) -> None:
    name = forward.__name__
    params = list(inspect.signature(forward).parameters.values())[1:]
    defaults = MappingProxyType({p.name: p.default for p in params})
    spec = ActivationSpec(
        name=name,
        formula=formula,
        defaults=defaults,
        properties=Properties(
            output_range=output_range,
            range_closed=range_closed,
            monotonic=monotonic,
            smooth=smooth,
            zero_centred=zero_centred,
            self_gated=self_gated,
        ),
        kinks=kinks,
        citation=citation,
        _forward=forward,
        _derivative=derivative,
        aliases=aliases,
    )
    _REGISTRY[name] = spec
    for alias in aliases:
        _ALIASES[alias] = name


_R = (-INF, INF)
_OPEN = (False, False)

_register(relu, relu_grad, formula=r"\max(0, x)", output_range=(0.0, INF), range_closed=(True, False),
          monotonic=True, smooth=False, zero_centred=False, self_gated=False, kinks=(0.0,),
          citation="Nair & Hinton, ICML 2010")
_register(leaky_relu, leaky_relu_grad,
          formula=r"\begin{cases} x & x > 0 \\ \text{negative\_slope}\cdot x & x \le 0 \end{cases}",
          output_range=_R, range_closed=_OPEN, monotonic=True, smooth=False, zero_centred=False,
          self_gated=False, kinks=(0.0,), citation="Maas, Hannun & Ng, ICML 2013 workshop")
_register(prelu, prelu_grad, formula=r"\begin{cases} x & x > 0 \\ w x & x \le 0 \end{cases}",
          output_range=_R, range_closed=_OPEN, monotonic=True, smooth=False, zero_centred=False,
          self_gated=False, kinks=(0.0,), citation="He et al., ICCV 2015, arXiv:1502.01852")
_register(elu, elu_grad, formula=r"\begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}",
          output_range=(-1.0, INF), range_closed=_OPEN, monotonic=True, smooth=True,
          zero_centred=False, self_gated=False, citation="Clevert et al., ICLR 2016, arXiv:1511.07289")
_register(selu, selu_grad,
          formula=r"\lambda \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}",
          output_range=(-SELU_SCALE * SELU_ALPHA, INF), range_closed=_OPEN, monotonic=True,
          smooth=False, zero_centred=True, self_gated=False, kinks=(0.0,),
          citation="Klambauer et al., NeurIPS 2017, arXiv:1706.02515")
_register(celu, celu_grad,
          formula=r"\begin{cases} x & x > 0 \\ \alpha (e^{x/\alpha} - 1) & x \le 0 \end{cases}",
          output_range=(-1.0, INF), range_closed=_OPEN, monotonic=True, smooth=True,
          zero_centred=False, self_gated=False, citation="Barron, arXiv:1704.07483")
_register(sigmoid, sigmoid_grad, formula=r"\sigma(x) = \frac{1}{1 + e^{-x}}", output_range=(0.0, 1.0),
          range_closed=_OPEN, monotonic=True, smooth=True, zero_centred=False, self_gated=False)
_register(log_sigmoid, log_sigmoid_grad, formula=r"\log \sigma(x) = -\log(1 + e^{-x})",
          output_range=(-INF, 0.0), range_closed=_OPEN, monotonic=True, smooth=True,
          zero_centred=False, self_gated=False)
_register(tanh, tanh_grad, formula=r"\tanh x = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
          output_range=(-1.0, 1.0), range_closed=_OPEN, monotonic=True, smooth=True,
          zero_centred=True, self_gated=False)
_register(hard_tanh, hard_tanh_grad, formula=r"\min(\max(x, \text{min\_val}), \text{max\_val})",
          output_range=(-1.0, 1.0), range_closed=(True, True), monotonic=True, smooth=False,
          zero_centred=True, self_gated=False, kinks=(-1.0, 1.0))
_register(hard_sigmoid, hard_sigmoid_grad, formula=r"\frac{\mathrm{relu6}(x + 3)}{6}",
          output_range=(0.0, 1.0), range_closed=(True, True), monotonic=True, smooth=False,
          zero_centred=False, self_gated=False, kinks=(-3.0, 3.0),
          citation="Howard et al., arXiv:1905.02244")
_register(hard_swish, hard_swish_grad, formula=r"x \cdot \frac{\mathrm{relu6}(x + 3)}{6}",
          output_range=(-0.375, INF), range_closed=(True, False), monotonic=False, smooth=False,
          zero_centred=False, self_gated=True, kinks=(-3.0, 3.0),
          citation="Howard et al., arXiv:1905.02244")
_register(softplus, softplus_grad, formula=r"\frac{1}{\beta}\log(1 + e^{\beta x})",
          output_range=(0.0, INF), range_closed=_OPEN, monotonic=True, smooth=True,
          zero_centred=False, self_gated=False)
_register(softsign, softsign_grad, formula=r"\frac{x}{1 + |x|}", output_range=(-1.0, 1.0),
          range_closed=_OPEN, monotonic=True, smooth=True, zero_centred=True, self_gated=False)
_register(swish, swish_grad, formula=r"x\,\sigma(\beta x)", output_range=(-0.27846454276107385, INF),
          range_closed=(True, False), monotonic=False, smooth=True, zero_centred=False,
          self_gated=True, aliases=("silu",),
          citation="Ramachandran, Zoph & Le, arXiv:1710.05941; Elfwing et al., arXiv:1702.03118")
_register(mish, mish_grad, formula=r"x \tanh(\log(1 + e^{x}))", output_range=(-0.3088434130172505, INF),
          range_closed=(True, False), monotonic=False, smooth=True, zero_centred=False,
          self_gated=True, citation="Misra, BMVC 2020, arXiv:1908.08681")
_register(gelu, gelu_grad, formula=r"x\,\Phi(x) = \frac{x}{2}\left(1 + \operatorname{erf}(x/\sqrt{2})\right)",
          output_range=(-0.16997120747990369, INF), range_closed=(True, False), monotonic=False,
          smooth=True, zero_centred=False, self_gated=True,
          citation="Hendrycks & Gimpel, arXiv:1606.08415")
_register(gelu_tanh, gelu_tanh_grad,
          formula=r"\frac{x}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715 x^{3})\right)\right)",
          output_range=(-0.17004075057125406, INF), range_closed=(True, False), monotonic=False,
          smooth=True, zero_centred=False, self_gated=True,
          citation="Hendrycks & Gimpel, arXiv:1606.08415")
_register(snake, snake_grad, formula=r"x + \frac{\sin^{2}(a x)}{a}", output_range=_R,
          range_closed=_OPEN, monotonic=True, smooth=True, zero_centred=False, self_gated=False,
          citation="Liu Ziyin, Hartwig & Ueda, NeurIPS 2020, arXiv:2006.08195")
_register(scaled_tanh, scaled_tanh_grad, formula=r"a \tanh(b x)", output_range=(-1.7159, 1.7159),
          range_closed=_OPEN, monotonic=True, smooth=True, zero_centred=True, self_gated=False,
          citation="LeCun, Bottou, Orr & Müller, Efficient BackProp, 1998")


def names() -> list[str]:
    """Names of every registered activation, in registry order (aliases not repeated)."""
    return list(_REGISTRY)


def get(name: str) -> ActivationSpec:
    """Return the registered activation called ``name`` (aliases such as ``"silu"`` work).

    Raises
    ------
    ValueError
        For an unknown name, naming the closest match and listing the valid names.

    Examples
    --------
    >>> get("relu").name
    'relu'
    >>> get("silu").name
    'swish'
    """
    if not isinstance(name, str):
        raise TypeError(f"activation name must be a string; got {type(name).__name__} {name!r}")
    key = name.strip().lower().replace("-", "_")
    if key in _REGISTRY:
        return _REGISTRY[key]
    if key in _ALIASES:
        return _REGISTRY[_ALIASES[key]]
    known = sorted([*_REGISTRY, *_ALIASES])
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"unknown activation {name!r}{hint} Known: {', '.join(known)}")
