r"""Hardware-style approximations, each with a measured maximum error.

* :func:`pwl_tanh`: tanh by three line segments with slopes 1, 1/4 and 0 (in fixed point
  a copy, a shift and a constant);
* :func:`hard_sigmoid`, :func:`hard_swish`: PyTorch's (and MobileNetV3's) piecewise-linear
  gates, exact kernels of :mod:`course_lib.activations` and approximations of the sigmoid
  and swish;
* :func:`lut_sigmoid`: the sigmoid from a 257-entry table with linear interpolation.

:data:`APPROXIMATIONS` records for each the function it stands for and its maximum
absolute error over a stated interval, which :func:`approximation_error` measures (and the
tests check). Each is a compiled parallel loop with the contract of the fast kernels
(float32 stays float32, any shape, ``out=``).

Examples
--------
>>> import numpy as np
>>> from course_lib.kernels import approx
>>> err, where = approx.approximation_error("pwl_tanh")
>>> round(err, 4), abs(where)
(0.0704, 0.625)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from course_lib import activations as _act
from course_lib.kernels._dispatch import kernel_input, run
from course_lib.kernels._jit import elementwise_loop, like, scalar
from course_lib.validation import choice, integer, real

__all__ = [
    "APPROXIMATIONS",
    "Approximation",
    "approximation_error",
    "hard_sigmoid",
    "hard_swish",
    "lut_sigmoid",
    "pwl_tanh",
]

# Piecewise-linear tanh: sign(x) * min(|x|, c + |x|/4, 1). Knees at 0.625 and 2.125.
_PWL_TANH_OFFSET = 0.46875  # c = 0.75 * 0.625

# Lookup-table sigmoid: sigma at 0, 1/16, ..., 16 (257 entries); linear interpolation,
# sigma(-x) = 1 - sigma(x) for x < 0, and sigma(16) beyond 16.
_LUT_STEP = 1.0 / 16.0
_LUT_SIZE = 257
_LUT_TABLE64 = 1.0 / (1.0 + np.exp(-np.arange(_LUT_SIZE) * _LUT_STEP))
_LUT_TABLE32 = _LUT_TABLE64.astype(np.float32)


@scalar
def _pwl_tanh(x):
    a = abs(x)
    y = like(x, _PWL_TANH_OFFSET) + like(x, 0.25) * a
    y = a if a < y else y
    y = like(x, 1.0) if y > 1.0 else y
    return y if x >= 0.0 else -y  # NaN: every comparison fails, NaN comes through


@scalar
def _hard_sigmoid(x):
    y = x + like(x, 3.0)
    y = like(x, 0.0) if y < 0.0 else y
    y = like(x, 6.0) if y > 6.0 else y
    return y / like(x, 6.0)


@scalar
def _hard_swish(x):
    gate = _hard_sigmoid(x)
    return like(x, 0.0) if gate == 0.0 else x * gate


@scalar
def _lut_sigmoid(x, table):
    a = abs(x) * like(x, 1.0 / _LUT_STEP)  # position in the table
    a = like(x, _LUT_SIZE - 1.0) if a > _LUT_SIZE - 1.0 else a
    i = np.int32(a) if a < _LUT_SIZE - 1.0 else np.int32(_LUT_SIZE - 2)  # NaN: last index
    frac = a - like(x, i)
    y = table[i] + frac * (table[i + 1] - table[i])
    y = y if x >= 0.0 else like(x, 1.0) - y
    return y if x == x else x


_pwl_tanh_loop = elementwise_loop(_pwl_tanh, __name__)
_hard_sigmoid_loop = elementwise_loop(_hard_sigmoid, __name__)
_hard_swish_loop = elementwise_loop(_hard_swish, __name__)
_lut_sigmoid_loop = elementwise_loop(_lut_sigmoid, __name__)


def pwl_tanh(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Piecewise-linear tanh. Max abs error 0.0704 (at :math:`|x| = 0.625`).

    .. math:: \operatorname{pwl\_tanh}(x) = \operatorname{sign}(x)\,
              \min\!\left(|x|,\; 0.46875 + \tfrac{|x|}{4},\; 1\right)

    Three segments with slopes 1, 1/4 and 0, knees at :math:`|x| = 0.625` and
    :math:`2.125`. The offset :math:`0.46875 = 15/32` is a dyadic number (exact in binary
    and in fixed point) next to the offset that minimises the maximum error, about 0.4671
    (error 0.0697); its error, 0.0704, is 3.4 times smaller than that of hard tanh
    (0.238, at :math:`|x| = 1`).

    Examples
    --------
    >>> pwl_tanh(np.array([-3.0, 0.5, 1.0]))
    array([-1.     ,  0.5    ,  0.71875])
    """
    return run(_pwl_tanh_loop, "pwl_tanh()", x, out, ())


def hard_sigmoid(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Hard sigmoid, :math:`\min(\max(x + 3, 0), 6)/6`; equals
    :func:`course_lib.activations.hard_sigmoid`.

    As an approximation of the sigmoid its maximum absolute error is 0.0692, at
    :math:`x \approx \pm 1.317`.

    Examples
    --------
    >>> hard_sigmoid(np.array([-4.0, 0.0, 1.5]))
    array([0.  , 0.5 , 0.75])
    """
    return run(_hard_sigmoid_loop, "hard_sigmoid()", x, out, ())


def hard_swish(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Hard swish, :math:`x \min(\max(x + 3, 0), 6)/6` (Howard et al., 2019); equals
    :func:`course_lib.activations.hard_swish`.

    As an approximation of swish (:math:`x\sigma(x)`) its maximum absolute error is 0.1423,
    at :math:`x = \pm 3`.
    """
    return run(_hard_swish_loop, "hard_swish()", x, out, ())


def lut_sigmoid(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Sigmoid from a lookup table with linear interpolation. Max abs error 4.7e-5.

    The table holds :math:`\sigma(k/16)` for :math:`k = 0, \dots, 256` (257 entries,
    :math:`x \in [0, 16]`, 2 KB in float64); negative inputs use
    :math:`\sigma(-x) = 1 - \sigma(x)`, and :math:`|x| > 16` gives :math:`\sigma(\pm 16)`
    (off by at most 1.1e-7). Linear interpolation errs by at most
    :math:`h^2 \max|\sigma''|/8` with :math:`h = 1/16`; the measured maximum is 4.7e-5, at
    :math:`|x| \approx 1.34`. No ``exp`` and no division: one multiply, one table read,
    one multiply-add.

    Examples
    --------
    >>> lut_sigmoid(np.array([-20.0, 0.0, 1.0]))
    array([1.12535162e-07, 5.00000000e-01, 7.31058579e-01])
    """
    arr = kernel_input(x, "lut_sigmoid()")
    table = _LUT_TABLE32 if arr.dtype == np.float32 else _LUT_TABLE64
    return run(_lut_sigmoid_loop, "lut_sigmoid()", arr, out, (table,))


@dataclass(frozen=True)
class Approximation:
    """A fast approximation, the function it stands for, and its stated maximum error.

    Attributes
    ----------
    name : str
    function : callable
        The fast kernel, ``function(x, out=None)``.
    exact : callable
        The function it approximates, from :mod:`course_lib.activations`.
    interval : (float, float)
        Where the error is measured; the maximum over the whole real line lies inside.
    max_abs_error : float
        The stated bound: the measured maximum, rounded up in its third digit.
    """

    name: str
    function: Callable[..., np.ndarray]
    exact: Callable[..., np.ndarray]
    interval: tuple[float, float]
    max_abs_error: float


#: The approximations, by name. ``approximation_error(name)`` measures each one.
APPROXIMATIONS: dict[str, Approximation] = {
    a.name: a
    for a in (
        Approximation("pwl_tanh", pwl_tanh, _act.tanh, (-20.0, 20.0), 0.0705),
        Approximation("hard_sigmoid", hard_sigmoid, _act.sigmoid, (-20.0, 20.0), 0.0692),
        Approximation("hard_swish", hard_swish, _act.swish, (-20.0, 20.0), 0.143),
        Approximation("lut_sigmoid", lut_sigmoid, _act.sigmoid, (-20.0, 20.0), 4.70e-5),
    )
}


def approximation_error(
    name: str, interval: tuple[float, float] | None = None, num: int = 400_001,
    dtype: DTypeLike = np.float64,
) -> tuple[float, float]:
    r"""Measure the maximum absolute error of an approximation: :math:`\max_x |\hat f(x) - f(x)|`.

    Parameters
    ----------
    name : str
        A key of :data:`APPROXIMATIONS`.
    interval : (float, float), optional
        Where to measure; default the approximation's stated interval.
    num : int
        Number of equally spaced points (the grid also includes the knees of
        ``pwl_tanh`` and the kinks of the hard functions, where maxima sit).
    dtype : float32 or float64
        Precision of the approximation's input and output; the exact function is
        evaluated in float64.

    Returns
    -------
    (error, x) : (float, float)
        The largest absolute error and the input where it occurs.
    """
    where = "approximation_error()"
    approx = APPROXIMATIONS[choice(name, "approximation", list(APPROXIMATIONS), where=where)]
    num = integer(num, "num", where=where, minimum=2)
    lo, hi = approx.interval if interval is None else interval
    lo = real(lo, "interval[0]", where=where)
    hi = real(hi, "interval[1]", where=where)
    if not lo < hi:
        raise ValueError(f"{where}: interval must have low < high; got ({lo}, {hi})")
    special = np.array([-3.0, 3.0, -2.125, -0.625, 0.625, 2.125])
    x = np.concatenate([np.linspace(lo, hi, num), special[(special >= lo) & (special <= hi)]])
    x = x.astype(dtype)
    error = np.abs(approx.function(x).astype(np.float64) - approx.exact(x.astype(np.float64)))
    i = int(np.argmax(error))
    return float(error[i]), float(x[i])
