r"""Exercises on turning activation formulas into correct code, and on derivatives.

* :func:`check_leaky_relu` - leaky ReLU right for *every* slope (the slide's
  :math:`\max(\alpha x, x)` is leaky ReLU only for :math:`\alpha \le 1`).
* :func:`check_elu_grad` - the ELU derivative, PyTorch's value at the kink,
  no overflow in the branch ``np.where`` discards.
* :func:`check_central_difference` - the central-difference derivative estimate
  of an elementwise function.

The reference solutions ``<exercise>_solution`` are written to be read; tests
check them against :mod:`course_lib.activations` and :mod:`course_lib.gradcheck`.

Used by: 02_mathematical_foundations.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from course_lib.exercises.core import Case, check_function

__all__ = [
    "leaky_relu_solution",
    "check_leaky_relu",
    "elu_grad_solution",
    "check_elu_grad",
    "central_difference_solution",
    "check_central_difference",
]


def _as_float(x: ArrayLike) -> np.ndarray:
    """float32/float64 arrays as they are; everything else (ints, lists) as float64."""
    x = np.asarray(x)
    return x if x.dtype in (np.float32, np.float64) else x.astype(np.float64)


# --- leaky ReLU ---------------------------------------------------------------


def leaky_relu_solution(x: ArrayLike, negative_slope: float = 0.01) -> np.ndarray:
    r"""Leaky ReLU, :math:`x` for :math:`x > 0` and :math:`\text{negative\_slope}\cdot x` otherwise.

    ``np.where`` picks the branch, so any slope works (also > 1, where
    ``np.maximum(negative_slope * x, x)`` picks the wrong branch everywhere).
    """
    x = _as_float(x)
    return np.where(x > 0, x, negative_slope * x).astype(x.dtype)


LEAKY_RELU_CASES = (
    Case((np.array([-3.0, -1.0, 0.0, 0.5, 2.0]),), {"negative_slope": 0.1},
         hint="for x > 0 return x, otherwise negative_slope * x."),
    Case((np.array([-2.0, -0.5, 0.0, 1.0, 3.0]),), {"negative_slope": 2.0},
         hint="max(negative_slope * x, x) is leaky ReLU only for negative_slope <= 1; "
              "choose the branch by the sign of x (np.where(x > 0, ...))."),
    Case((np.array([-np.inf, -1.0, 1.0, np.inf]),), {"negative_slope": 0.01},
         hint="at x = ±inf the answer is ±inf; multiplying by a 0/1 mask gives inf * 0 = nan, "
              "choosing with np.where does not."),
    Case((np.array([[-4.0, 4.0], [-0.25, 0.25]], dtype=np.float32),), {"negative_slope": 0.2},
         hint="float32 in, float32 out, any shape."),
    Case((np.array([-5, 0, 5]),), {"negative_slope": 0.5},
         hint="integer input is promoted to float64: -5 * 0.5 is -2.5, not -2."),
)


def check_leaky_relu(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``leaky_relu(x, negative_slope=0.01)``; print one line."""
    check_function(candidate, leaky_relu_solution, LEAKY_RELU_CASES, title="leaky_relu")


# --- derivative of ELU --------------------------------------------------------


def elu_grad_solution(x: ArrayLike, alpha: float = 1.0) -> np.ndarray:
    r"""Derivative of ELU: :math:`1` for :math:`x > 0`, :math:`\alpha e^{x}` for :math:`x \le 0`.

    At :math:`x = 0` it takes the left slope :math:`\alpha` (PyTorch's choice).
    ``np.exp(np.minimum(x, 0))`` keeps the discarded branch from overflowing
    for large positive x.
    """
    x = _as_float(x)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0))).astype(x.dtype)


ELU_GRAD_CASES = (
    Case((np.array([-3.0, -1.0, -0.5, 0.5, 1.0, 3.0]),), {"alpha": 1.0},
         hint="the slope is 1 for x > 0 and alpha * exp(x) for x <= 0."),
    Case((np.array([-1.0, 0.0, 1.0]),), {"alpha": 2.0},
         hint="at the kink x = 0 PyTorch uses the left slope, alpha * exp(0) = alpha; "
              "test x > 0 (not x >= 0) for the linear branch."),
    Case((np.array([-800.0, -50.0, 50.0, 800.0]),), {"alpha": 1.0},
         hint="exp(800) overflows even though np.where throws that branch away: "
              "use np.exp(np.minimum(x, 0))."),
    Case((np.array([-100.0, -1.0, 0.0, 100.0], dtype=np.float32),), {"alpha": 0.5},
         hint="float32 in, float32 out (float32 exp overflows already above x = 88)."),
    Case((np.array([-2, 0, 2]),), {"alpha": 1.0},
         hint="integer input is promoted to float64."),
)


def check_elu_grad(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``elu_grad(x, alpha=1.0)``; print one line."""
    check_function(candidate, elu_grad_solution, ELU_GRAD_CASES, title="elu_grad", rtol=1e-12)


# --- central differences --------------------------------------------------------


def central_difference_solution(
    f: Callable[[np.ndarray], np.ndarray], x: ArrayLike, h: float = 1e-5
) -> np.ndarray:
    r"""Central-difference estimate of :math:`f'(x)` for an elementwise ``f``.

    .. math:: f'(x) \approx \frac{f(x + h) - f(x - h)}{2h}

    The error is :math:`O(h^2)`; the forward difference
    :math:`(f(x + h) - f(x))/h` is only :math:`O(h)`.
    """
    x = np.asarray(x, dtype=np.float64)
    return (f(x + h) - f(x - h)) / (2.0 * h)


def _cubic(x: np.ndarray) -> np.ndarray:
    return x**3 - 2.0 * x


CENTRAL_DIFFERENCE_CASES = (
    Case((np.tanh, np.array([-2.0, -0.5, 0.0, 0.5, 2.0])), {"h": 1e-5},
         hint="divide f(x + h) - f(x - h) by 2h."),
    Case((_cubic, np.array([-1.0, 0.0, 2.0])), {"h": 1e-4},
         hint="use the central difference (f(x + h) - f(x - h)) / (2h); the forward "
              "difference (f(x + h) - f(x)) / h has an error of order h."),
    Case((np.sin, np.array([0.0, 1.0, 3.0])), {"h": 1e-3},
         hint="use the h you are given."),
)


def check_central_difference(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``central_difference(f, x, h=1e-5)``; print one line."""
    check_function(
        candidate, central_difference_solution, CENTRAL_DIFFERENCE_CASES,
        title="central_difference", rtol=1e-9, atol=1e-9,
    )
