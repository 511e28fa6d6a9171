r"""The machinery every element-wise activation shares: float64 inside, one rounding out.

:func:`elementwise` turns a float64 formula ``core(x, **params)`` into a public function
that checks its input and parameters (through :mod:`course_lib.validation`), puts in the
limits at ``±inf``, propagates NaN and rounds the float64 result once to the input's
floating dtype (integers, booleans and lists become float64). The formula itself only ever
sees finite float64 numbers, so it can be written for finite input alone.

The stable float64 building blocks used by several modules live here too:
:func:`sigmoid64` (only :math:`e^{-|z|}` is formed), :func:`sigmoid_slope64` and
:func:`sech2_64` (exact in the tails, where :math:`s(1 - s)` and :math:`1 - \tanh^2`
cancel).

Examples
--------
>>> @elementwise(limits=constant_limits(0.0, INF))
... def double_relu(x, scale=2.0):
...     return scale * np.maximum(x, 0.0)
>>> double_relu(np.array([-1.0, 3.0, np.inf, np.nan], dtype=np.float32))
array([ 0.,  6., inf, nan], dtype=float32)
>>> double_relu(1.0, scale="2")
Traceback (most recent call last):
    ...
TypeError: double_relu(): scale must be a real number; got str '2'
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.validation import as_float_array, real

__all__ = [
    "INF",
    "constant_limits",
    "elementwise",
    "exp_neg",
    "sech2_64",
    "sigmoid64",
    "sigmoid_slope64",
]

INF = math.inf


def elementwise(
    limits: Callable[..., tuple[float, float]],
    positive: tuple[str, ...] = (),
    may_be_inf: tuple[str, ...] = (),
) -> Callable[[Callable[..., np.ndarray]], Callable[..., np.ndarray]]:
    """Turn a float64 formula into a public activation (or derivative) function.

    Parameters
    ----------
    limits : callable
        ``limits(**params) -> (value at -inf, value at +inf)``.
    positive : tuple of str
        Parameters that must be > 0.
    may_be_inf : tuple of str
        Parameters that may be ``±inf`` (all others must be finite).

    The decorated ``core(x, **params)`` receives a private float64 array of finite numbers
    (NaN and infinities are replaced by 0 before the call) and float parameters.
    """

    def decorate(core: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
        signature = inspect.signature(core)
        function = core.__name__
        where = f"{function}()"

        @functools.wraps(core)
        def wrapper(x: ArrayLike, *args: Any, **kwargs: Any) -> np.ndarray:
            try:
                bound = signature.bind(x, *args, **kwargs)
            except TypeError as exc:
                raise TypeError(f"{where}: {exc}") from None
            bound.apply_defaults()
            params = {
                key: real(
                    value,
                    key,
                    where=where,
                    low=0.0 if key in positive else None,
                    low_open=True,
                    allow_inf=key in may_be_inf,
                )
                for key, value in list(bound.arguments.items())[1:]
            }
            arr = as_float_array(x, "x", where=where)
            out_dtype = arr.dtype if arr.dtype.itemsize <= 8 else np.dtype(np.float64)
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


def constant_limits(lo: float, hi: float) -> Callable[..., tuple[float, float]]:
    """Limits at ``-inf`` and ``+inf`` that do not depend on the parameters."""
    return lambda **_: (lo, hi)


def sigmoid64(z: np.ndarray) -> np.ndarray:
    """Stable logistic function on float64, no warnings: exp is only taken of -|z|."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_slope64(z: np.ndarray) -> np.ndarray:
    """sigma'(z) = e / (1 + e)^2 with e = exp(-|z|): exact in the tails, unlike s (1 - s)."""
    e = np.exp(-np.abs(z))
    return e / (1.0 + e) ** 2


def sech2_64(z: np.ndarray) -> np.ndarray:
    """sech^2(z) = 4 e / (1 + e)^2 with e = exp(-2|z|): exact where 1 - tanh^2 cancels."""
    e = np.exp(-2.0 * np.abs(z))
    return 4.0 * e / (1.0 + e) ** 2


def exp_neg(x: np.ndarray) -> np.ndarray:
    """exp(min(x, 0)): the negative branch's exponential, never overflowing."""
    return np.exp(np.minimum(x, 0.0))
