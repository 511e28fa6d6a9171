r"""Exercises on turning activation formulas into correct code, and on derivatives.

* ``relu_grad_at_zero_float64`` - question: does the value chosen for ReLU'(0) change a
  network trained in float64?
* :func:`check_leaky_relu_any_slope` - leaky ReLU right for *every* slope (the formula
  :math:`\max(a x, x)` is leaky ReLU only for :math:`a \le 1`).
* :func:`check_central_difference` - the central-difference derivative estimate of an
  elementwise function, in float64, for an array of any shape.
* :func:`check_elu_stable` and :func:`check_elu_stable_grad` - ELU and its derivative for
  any :math:`\alpha`: no overflow in the branch ``np.where`` discards, ``expm1`` for full
  precision next to 0, PyTorch's value :math:`\alpha` for the derivative at 0.

The references are computed in float64 and rounded once to the input's dtype (the
library's :mod:`course_lib.activations`), in the checker's own numeric state. float64
results must agree to a relative :math:`10^{-12}` (float32 arithmetic is refused there),
float32 results to :math:`10^{-5}`. No check asks for a result in the subnormal range
(below the smallest normal number, :math:`1.2\cdot10^{-38}` in float32): the ELU
derivative :math:`\alpha e^{x}` is tested at inputs where it is normal or exactly 0.

Used by: 02_mathematical_foundations.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from course_lib.activations import elu, elu_grad, leaky_relu
from course_lib.exercises._inputs import dense_grid
from course_lib.exercises.core import Case, check_function
from course_lib.exercises.help import question, register

__all__ = [
    "check_relu_grad_at_zero_float64",
    "leaky_relu_any_slope_solution",
    "check_leaky_relu_any_slope",
    "central_difference_solution",
    "check_central_difference",
    "elu_stable_solution",
    "check_elu_stable",
    "elu_stable_grad_solution",
    "check_elu_stable_grad",
]

_RTOL = 1e-12  # float64 results; float32 arithmetic (relative error ~1e-8) fails it
_RTOL32 = 1e-5


# --- question: ReLU'(0) in float64 ------------------------------------------------------

check_relu_grad_at_zero_float64 = question(
    "relu_grad_at_zero_float64",
    options={
        "a": "bit for bit identical",
        "b": "different in the last digits only, about 1e-15",
        "c": "clearly different, because every step takes another path",
    },
    answer="a",
    explanation=(
        "the value of ReLU'(0) is only used where a pre-activation is exactly 0.0. In float64 "
        "an exact zero from rounding has a chance of about 1e-16 per pre-activation, so in a "
        "small run none occurs, and the two runs do the same arithmetic."
    ),
    hints=(
        "when does backpropagation use the value of ReLU'(0) at all?",
        "only where a pre-activation x W + b is exactly 0.0. How often does a sum of "
        "float64 products land exactly on 0 when the data and weights are not integers?",
    ),
)


# --- leaky ReLU ---------------------------------------------------------------


def leaky_relu_any_slope_solution(x: ArrayLike, negative_slope: float = 0.01) -> np.ndarray:
    r"""Leaky ReLU: :math:`x` for :math:`x > 0`, :math:`a x` otherwise (``a = negative_slope``).

    ``np.where`` picks the branch, so any slope works (also > 1, where
    ``np.maximum(negative_slope * x, x)`` picks the wrong branch everywhere).
    """
    x = np.asarray(x)
    if x.dtype.kind != "f":  # integers (and lists of them) become float64; floats stay
        x = x.astype(np.float64)
    return np.where(x > 0, x, negative_slope * x)


def _leaky_reference(x: ArrayLike, negative_slope: float = 0.01) -> np.ndarray:
    return leaky_relu(x, negative_slope=negative_slope)


LEAKY_RELU_CASES = (
    Case((np.array([-3.0, -1.0, 0.0, 0.5, 2.0]),), {"negative_slope": 0.1},
         hint="for x > 0 return x, otherwise negative_slope * x; compute in the input's "
              "precision (float64 here)."),
    Case((np.array([-2.0, -0.5, 0.0, 1.0, 3.0]),), {"negative_slope": 2.0},
         hint="max(negative_slope * x, x) is leaky ReLU only for negative_slope <= 1; "
              "choose the branch by the sign of x (np.where(x > 0, ...))."),
    Case((np.array([-np.inf, -1.0, 1.0, np.inf]),), {"negative_slope": 0.01},
         hint="at x = ±inf the answer is ±inf; multiplying by a 0/1 mask gives inf * 0 = nan, "
              "choosing with np.where does not."),
    Case((np.array([[-4.0, 4.0], [-0.25, 0.25]], dtype=np.float32),), {"negative_slope": 0.2},
         hint="float32 in, float32 out, any shape."),
    Case((np.array([[-3.0e38, -1.5], [2.5, 3.0e38]], dtype=np.float32),),
         {"negative_slope": 0.5},
         hint="large float32 values must stay finite: 0.5 * x never overflows."),
    Case((np.array([-5, 0, 5]),), {"negative_slope": 0.5},
         hint="integer input is promoted to float64: -5 * 0.5 is -2.5, not -2."),
    Case((dense_grid(),), {"negative_slope": 0.3},
         hint="on a fine grid over [-40, 40] (10001 points): right everywhere, not only at "
              "the few inputs above."),
)


def check_leaky_relu_any_slope(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``leaky_relu(x, negative_slope=0.01)``; print one line."""
    check_function(candidate, _leaky_reference, LEAKY_RELU_CASES, title="leaky_relu_any_slope",
                   rtol=_RTOL, rtol32=_RTOL32)


register(
    "leaky_relu_any_slope",
    checker=check_leaky_relu_any_slope,
    solution=leaky_relu_any_slope_solution,
    hints=(
        "Try max(a x, x) with a = 2 at x = 1 and x = -1 on paper. Then choose the branch by "
        "the sign of x instead of taking a maximum.",
        "np.where(x > 0, x, negative_slope * x) chooses per element; it never multiplies an "
        "infinity by 0. Convert integers to float64 first, and leave float32 as it is.",
        "x = np.asarray(x); x = x if x.dtype.kind == 'f' else x.astype(np.float64); "
        "return np.where(x > 0, x, negative_slope * x)",
    ),
)


# --- central differences --------------------------------------------------------


def central_difference_solution(
    f: Callable[[np.ndarray], np.ndarray], x: ArrayLike, h: float = 1e-5
) -> np.ndarray:
    r"""Central-difference estimate of :math:`f'(x)` for an elementwise ``f``, in float64.

    .. math:: f'(x) \approx \frac{f(x + h) - f(x - h)}{2h}

    The truncation error is :math:`\frac{h^2}{6} f'''(x)`; the forward difference
    :math:`(f(x + h) - f(x))/h` has :math:`\frac{h}{2} f''(x)`. ``x`` of any shape;
    integers are promoted to float64.
    """
    x = np.asarray(x, dtype=np.float64)
    return (f(x + h) - f(x - h)) / (2.0 * h)


def _cubic(x: np.ndarray) -> np.ndarray:
    return x**3 - 2.0 * x


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(x, 0.0)


CENTRAL_DIFFERENCE_CASES = (
    Case((np.tanh, np.array([-2.0, -0.5, 0.0, 0.5, 2.0])), {"h": 1e-5},
         hint="divide f(x + h) - f(x - h) by 2h."),
    Case((_cubic, np.array([-1.0, 0.0, 2.0])), {"h": 1e-4},
         hint="use the central difference (f(x + h) - f(x - h)) / (2h); the forward "
              "difference (f(x + h) - f(x)) / h has an error of order h."),
    Case((np.sin, np.array([0.0, 1.0, 3.0])), {"h": 1e-3},
         hint="use the h you are given."),
    Case((_softplus, np.array([[-1.0, 0.0, 2.0], [0.5, -3.0, 1.5]])), {"h": 1e-5},
         hint="x can have any shape: shift every element by h at once (x + h), do not "
              "perturb one index of a 1-D array at a time."),
    Case((_cubic, np.array([-2, 0, 3])), {"h": 1e-4},
         hint="integer x: convert to float64 first (an integer array cannot hold x + h)."),
    Case((np.sin, dense_grid(-10.0, 10.0, 2001)), {"h": 1e-4},
         hint="on a fine grid over [-10, 10]: right everywhere, not only at the few inputs "
              "above."),
)


def check_central_difference(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``central_difference(f, x, h=1e-5)``; print one line."""
    check_function(
        candidate, central_difference_solution, CENTRAL_DIFFERENCE_CASES,
        title="central_difference", rtol=1e-9, atol=1e-9,
    )


register(
    "central_difference",
    checker=check_central_difference,
    solution=central_difference_solution,
    hints=(
        "The central difference looks h to the left and h to the right of every point and "
        "divides the change in f by the distance between the two points.",
        "(f(x + h) - f(x - h)) / (2 * h), computed for the whole array at once; convert x to "
        "float64 first and never change x in place.",
        "x = np.asarray(x, dtype=np.float64); return (f(x + h) - f(x - h)) / (2.0 * h)",
    ),
)


# --- ELU and its derivative --------------------------------------------------------


def elu_stable_solution(x: ArrayLike, alpha: float = 1.0) -> np.ndarray:
    r"""ELU: :math:`x` for :math:`x > 0`, :math:`\alpha\,(e^{x} - 1)` for :math:`x \le 0`.

    ``np.expm1(np.minimum(x, 0))``: the exponential only ever sees non-positive numbers,
    so the branch that ``np.where`` discards cannot overflow, and ``expm1`` computes
    :math:`e^{t} - 1` without the cancellation of ``np.exp(t) - 1`` for small :math:`|t|`.
    """
    x = np.asarray(x)
    if x.dtype.kind != "f":  # integers (and lists of them) become float64; floats stay
        x = x.astype(np.float64)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def elu_stable_grad_solution(x: ArrayLike, alpha: float = 1.0) -> np.ndarray:
    r"""Derivative of ELU: :math:`1` for :math:`x > 0`, :math:`\alpha e^{x}` for :math:`x \le 0`.

    At :math:`x = 0` it takes the left slope :math:`\alpha` (PyTorch's choice).
    ``np.exp(np.minimum(x, 0))`` keeps the discarded branch from overflowing for large
    positive x.
    """
    x = np.asarray(x)
    if x.dtype.kind != "f":  # integers (and lists of them) become float64; floats stay
        x = x.astype(np.float64)
    return np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0)))


def _elu_reference(x: ArrayLike, alpha: float = 1.0) -> np.ndarray:
    return elu(x, alpha=alpha)


def _elu_grad_reference(x: ArrayLike, alpha: float = 1.0) -> np.ndarray:
    return elu_grad(x, alpha=alpha)


ELU_CASES = (
    Case((np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]),), {"alpha": 1.0},
         hint="x for x > 0, alpha * (e^x - 1) for x <= 0."),
    Case((np.array([-2.0, 0.0, 2.0]),), {"alpha": 2.0},
         hint="the negative branch is alpha * (e^x - 1); the positive branch has no alpha."),
    Case((np.array([-800.0, -50.0, 50.0, 800.0]),), {"alpha": 1.0},
         hint="exp(800) overflows even though np.where throws that branch away: "
              "use np.expm1(np.minimum(x, 0))."),
    Case((np.array([-1e-10, -1e-7, -1e-4]),), {"alpha": 1.0},
         hint="np.exp(x) - 1 cancels for x next to 0 (e^x is close to 1) and loses up to "
              "half of its digits; np.expm1(x) computes e^x - 1 in one step, exactly."),
    Case((np.array([-1000.0, -100.0, 100.0, 1000.0], dtype=np.float32),), {"alpha": 0.5},
         hint="float32 in, float32 out; float32 exp overflows already above x = 88.72."),
    Case((np.array([[-1.5, 0.25], [2.0, -0.75]], dtype=np.float32),), {"alpha": 1.0},
         hint="float32 in, float32 out, any shape."),
    Case((np.array([-np.inf, np.inf]),), {"alpha": 1.5},
         hint="the limits: elu(-inf) = -alpha, elu(inf) = inf."),
    Case((np.array([-2, 0, 2]),), {"alpha": 1.0},
         hint="integer input is promoted to float64."),
    Case((dense_grid(),), {"alpha": 1.3},
         hint="on a fine grid over [-40, 40] (10001 points): right everywhere, not only at "
              "the few inputs above."),
)

ELU_GRAD_CASES = (
    Case((np.array([-3.0, -1.0, -0.5, 0.5, 1.0, 3.0]),), {"alpha": 1.0},
         hint="the slope is 1 for x > 0 and alpha * exp(x) for x <= 0."),
    Case((np.array([-1.0, 0.0, 1.0]),), {"alpha": 2.0},
         hint="at the kink x = 0 PyTorch uses the left slope, alpha * exp(0) = alpha; "
              "test x > 0 (not x >= 0) for the linear branch."),
    Case((np.array([-800.0, -50.0, 50.0, 800.0]),), {"alpha": 1.0},
         hint="exp(800) overflows even though np.where throws that branch away: "
              "use np.exp(np.minimum(x, 0)). And compute alpha * e^x directly: "
              "elu(x) + alpha rounds e^-50 away."),
    Case((np.array([-1000.0, -80.0, 80.0, 1000.0], dtype=np.float32),), {"alpha": 0.5},
         hint="float32 in, float32 out; float32 exp overflows already above x = 88.72."),
    Case((np.array([[-1.5, 0.25], [2.0, -0.75]], dtype=np.float32),), {"alpha": 1.0},
         hint="float32 in, float32 out, any shape: work on the whole array, no loop over x."),
    Case((np.array([-np.inf, np.inf]),), {"alpha": 1.5},
         hint="the limits: the slope is 0 at -inf and 1 at inf."),
    Case((np.array([-2, 0, 2]),), {"alpha": 1.0},
         hint="integer input is promoted to float64."),
    Case((dense_grid(),), {"alpha": 1.3},
         hint="on a fine grid over [-40, 40] (10001 points): right everywhere, not only at "
              "the few inputs above."),
)


def check_elu_stable(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``elu(x, alpha=1.0)``; print one line."""
    check_function(candidate, _elu_reference, ELU_CASES, title="elu_stable",
                   rtol=_RTOL, rtol32=_RTOL32)


def check_elu_stable_grad(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``elu_grad(x, alpha=1.0)``; print one line."""
    check_function(candidate, _elu_grad_reference, ELU_GRAD_CASES, title="elu_stable_grad",
                   rtol=_RTOL, rtol32=_RTOL32)


register(
    "elu_stable",
    checker=check_elu_stable,
    solution=elu_stable_solution,
    hints=(
        "np.where computes both branches for every element before choosing, so the negative "
        "branch must be safe for large positive x too; and e^x - 1 for x next to 0 subtracts "
        "two nearly equal numbers.",
        "Feed the exponential only np.minimum(x, 0), and use np.expm1(t), which computes "
        "e^t - 1 without cancellation. Keep float32 as float32, promote integers.",
        "x = np.asarray(x); x = x if x.dtype.kind == 'f' else x.astype(np.float64); "
        "return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))",
    ),
)

register(
    "elu_stable_grad",
    checker=check_elu_stable_grad,
    solution=elu_stable_grad_solution,
    hints=(
        "Differentiate each branch: x gives 1, alpha (e^x - 1) gives alpha e^x. Which branch "
        "does x = 0 belong to, and what must the discarded branch never do?",
        "np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0))) chooses per element and only "
        "ever exponentiates numbers <= 0. Keep float32 as float32, promote integers.",
        "x = np.asarray(x); x = x if x.dtype.kind == 'f' else x.astype(np.float64); "
        "return np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype)",
    ),
)
