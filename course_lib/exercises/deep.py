r"""Exercises on the activations of deep networks: Mish, Snake and derivatives on a grid.

* :func:`check_stable_mish` - :math:`\mathrm{mish}(x) = x\tanh(\mathrm{softplus}(x))`
  without overflow for any finite float32 or float64 input and without losing the tiny
  values of the negative tail.
* :func:`check_stable_mish_grad` - its derivative
  :math:`\tanh(s) + x\,(1 - \tanh^2 s)\,\sigma(x)` with :math:`s = \mathrm{softplus}(x)`,
  under the same conditions.
* :func:`check_snake` - Snake with its frequency, :math:`x + \sin^2(a x)/a`.
* :func:`check_derivative_on_grid` - the numerical derivative of ``f`` on a grid ``x``,
  with the grid's real spacing.
* :func:`check_swish_he_signal` - predict what He's initialisation does to the signal of a
  50-layer swish network.

The reference solutions ``<exercise>_solution`` are written to be read; the tests compare
them with PyTorch and :mod:`course_lib.activations`.

Used by: 10_deep_network_activations.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from course_lib.activations import sigmoid
from course_lib.exercises.core import Case, check_function
from course_lib.exercises.help import question, register
from course_lib.validation import as_float_array

__all__ = [
    "check_derivative_on_grid",
    "check_snake",
    "check_stable_mish",
    "check_stable_mish_grad",
    "check_swish_he_signal",
    "derivative_on_grid_solution",
    "snake_solution",
    "stable_mish_grad_solution",
    "stable_mish_solution",
]


# --- a stable Mish and its derivative -------------------------------------------------------


def stable_mish_solution(x: ArrayLike) -> np.ndarray:
    r"""Mish, :math:`x\tanh(\mathrm{softplus}(x))`, stable for every finite input.

    .. math::

        \mathrm{softplus}(x) = \log(1 + e^{x}) = \mathrm{logaddexp}(x, 0)

    ``np.logaddexp`` never forms :math:`e^{x}` for large x (``np.log(1 + np.exp(x))``
    overflows for :math:`x > 709` in float64 and :math:`x > 88` in float32), and for very
    negative x it returns the tiny :math:`e^{x}` itself instead of ``log(1 + tiny) = 0``.
    """
    x = as_float_array(x)  # float32 stays float32; integers become float64
    return x * np.tanh(np.logaddexp(x, 0))


#: Every elementwise checker ends with a dense grid: a formula that is right at the chosen
#: points but wrong between them (a cut-off such as "x for x > 5") fails there.
_DENSE = np.concatenate([-np.logspace(4, 1.5, 60), np.linspace(-30.0, 30.0, 1201),
                         np.logspace(1.5, 4, 60)])


_MISH_VALUES = np.array([-3.0, -1.1924, -0.5, 0.0, 0.5, 1.0, 3.0])
_MISH_LARGE = np.array([-1000.0, -700.0, -60.0, -30.0, 30.0, 710.0, 800.0, 1e4])
_MISH_FLOAT32 = np.array([[-80.0, -20.0, -1.0, 0.0], [1.0, 20.0, 100.0, 1000.0]], dtype=np.float32)

STABLE_MISH_CASES = (
    Case((_MISH_VALUES,),
         hint="mish(x) = x * tanh(softplus(x)) with softplus(x) = log(1 + exp(x)); "
              "its minimum is about -0.3088 near x = -1.19."),
    Case((_MISH_LARGE,),
         hint="compute softplus as np.logaddexp(x, 0), which never overflows; "
              "do not clip x: mish(-30) = -30 tanh(e^-30) = -2.8e-12."),
    Case((_MISH_FLOAT32,),
         hint="float32 in, float32 out, any shape; float32 exp overflows already at x = 89."),
    Case((np.array([-2, 0, 3]),),
         hint="integer input is promoted to float64."),
    Case((_DENSE,),
         hint="a dense grid from -1e4 to 1e4: your formula is right at the points above but "
              "not everywhere between them; no cut-offs (mish(x) is not x for x > 5)."),
)


def check_stable_mish(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``stable_mish(x)``; print one line."""
    check_function(candidate, stable_mish_solution, STABLE_MISH_CASES,
                   title="stable_mish", rtol=1e-12, atol=1e-300)


def stable_mish_grad_solution(x: ArrayLike) -> np.ndarray:
    r"""The derivative of Mish, stable for every finite input.

    With :math:`t = \tanh(\mathrm{softplus}(x))` and :math:`\mathrm{softplus}' = \sigma`:

    .. math::

        \mathrm{mish}'(x) = t + x\,(1 - t^2)\,\sigma(x).

    The library's two-branch sigmoid never overflows (``1 / (1 + np.exp(-x))`` does for
    :math:`x < -709`) and keeps :math:`e^{x}` where it is subnormal (``scipy.special.expit``
    returns 0 below :math:`x = -709`, which the checker's ``atol=1e-300`` forgives).
    :math:`1 - t^2` loses its relative precision for large x,
    but there it is multiplied into a term far below :math:`t \approx 1`, so the sum keeps
    full precision; all factors are at most :math:`|x|`, so nothing overflows.
    """
    x = as_float_array(x)
    t = np.tanh(np.logaddexp(x, 0))
    return t + x * (1 - t * t) * sigmoid(x)


_MISH_GRAD_VALUES = np.array([-3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0])
_MISH_GRAD_LARGE = np.array([-1e4, -1000.0, -700.0, -40.0, 40.0, 710.0, 800.0, 1e4])
_MISH_GRAD_FLOAT32 = np.array([[-80.0, -20.0, -3.0, 0.0], [1.0, 20.0, 100.0, 1000.0]],
                              dtype=np.float32)

STABLE_MISH_GRAD_CASES = (
    Case((_MISH_GRAD_VALUES,),
         hint="product rule: d/dx [x t(x)] = t + x t'(x), with t = tanh(softplus(x)), "
              "t' = (1 - t^2) * softplus'(x) and softplus'(x) = sigmoid(x); mish'(0) = 0.6."),
    Case((_MISH_GRAD_LARGE,),
         hint="softplus via np.logaddexp(x, 0), the sigmoid via scipy.special.expit, "
              "1 - t^2 from t itself (cosh(800) overflows)."),
    Case((_MISH_GRAD_FLOAT32,),
         hint="float32 in, float32 out, any shape; float32 exp overflows already at x = 89."),
    Case((np.array([-2, 0, 3]),),
         hint="integer input is promoted to float64."),
    Case((_DENSE,),
         hint="a dense grid from -1e4 to 1e4: your formula is right at the points above but "
              "not everywhere between them; no cut-offs (mish'(x) is not 1 for x > 5)."),
)


def check_stable_mish_grad(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``stable_mish_grad(x)``; print one line."""
    check_function(candidate, stable_mish_grad_solution, STABLE_MISH_GRAD_CASES,
                   title="stable_mish_grad", rtol=1e-10, atol=1e-300)


# --- Snake with its frequency ---------------------------------------------------------------


def snake_solution(x: ArrayLike, a: float = 1.0) -> np.ndarray:
    r"""Snake (Liu Ziyin et al., 2020), :math:`x + \sin^2(a x)/a` with frequency :math:`a > 0`.

    The :math:`1/a` keeps the slope :math:`1 + \sin(2 a x)` between 0 and 2 for every
    frequency (Snake is monotonic), and makes Snake tend to the identity as
    :math:`a \to 0`.
    """
    x = as_float_array(x)
    return x + np.sin(a * x) ** 2 / a


_SNAKE_X = np.linspace(-4.0, 4.0, 9)

SNAKE_CASES = (
    Case((_SNAKE_X,), {"a": 1.0},
         hint="snake(x, a) = x + sin(a x)^2 / a; for a = 1 this is x + sin(x)^2."),
    Case((_SNAKE_X,), {"a": 0.5},
         hint="divide the squared sine by the frequency a: the bump has height 1/a "
              "(the slide's version drops the 1/a, which only matters when a != 1)."),
    Case((_SNAKE_X,), {"a": 3.0},
         hint="the frequency multiplies x inside the sine, and 1/a scales the sine squared."),
    Case((np.array([[-2.0, 0.5], [1.0, 6.0]], dtype=np.float32),), {"a": 2.0},
         hint="float32 in, float32 out, any shape."),
    Case((np.array([-3, 0, 2]),), {"a": 0.25},
         hint="integer input is promoted to float64."),
    Case((np.linspace(-30.0, 30.0, 1201),), {"a": 0.7},
         hint="a dense grid from -30 to 30: x + sin(a x)^2 / a must be right everywhere, "
              "not only at the points above."),
)


def check_snake(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``snake(x, a=1.0)``; print one line."""
    check_function(candidate, snake_solution, SNAKE_CASES, title="snake", rtol=1e-12)


# --- a numerical derivative on a grid -------------------------------------------------------


def derivative_on_grid_solution(f: Callable[[np.ndarray], np.ndarray], x: ArrayLike) -> np.ndarray:
    r"""Central differences of ``f`` on the grid ``x`` (any spacing), one value per point.

    .. math::

        f'(x_i) \approx \frac{f(x_{i+1}) - f(x_{i-1})}{x_{i+1} - x_{i-1}}
        \quad\text{(uniform grid; np.gradient weights non-uniform ones correctly)},

    with one-sided differences at the two ends. Passing the grid itself to ``np.gradient``
    makes the spacing right by construction; a hand-typed ``dx`` is what went wrong on the
    slide.
    """
    x = as_float_array(x)
    return np.gradient(f(x), x)


DERIVATIVE_ON_GRID_CASES = (
    Case((np.sin, np.linspace(-5.0, 5.0, 11)),
         hint="the spacing of this grid is 1.0: pass the grid itself, np.gradient(f(x), x), "
              "not a spacing typed by hand; keep numpy's default differences at the ends."),
    Case((np.sin, np.linspace(-5.0, 5.0, 1000)),
         hint="the slide's grid: 1000 points on [-5, 5] are 10/999 = 0.01001 apart, not "
              "0.001; np.gradient(y, 0.001) is ten times too large."),
    Case((np.tanh, np.array([-3.0, -1.0, -0.5, 0.0, 0.1, 0.3, 1.0, 2.5])),
         hint="this grid is not uniform: no single dx is right. Use the real distances: "
              "np.gradient(y, x), or (y[i+1] - y[i-1]) / (x[i+1] - x[i-1]) inside and "
              "one-sided differences (y[1] - y[0]) / (x[1] - x[0]) at the two ends "
              "(both are accepted)."),
    Case((np.exp, np.linspace(0.0, 1.0, 6, dtype=np.float32)),
         hint="float32 grid in, float32 derivative out."),
)


def _secant_central_differences(f: Callable[[np.ndarray], np.ndarray],
                                x: np.ndarray) -> np.ndarray:
    """The other central difference a text allows on any grid: (y[i+1] - y[i-1]) /
    (x[i+1] - x[i-1]) inside, one-sided at the ends (first order where the grid is not
    uniform; the same numbers as ``np.gradient`` where it is)."""
    y = f(x)
    out = np.empty_like(y)
    out[1:-1] = (y[2:] - y[:-2]) / (x[2:] - x[:-2])
    out[0] = (y[1] - y[0]) / (x[1] - x[0])
    out[-1] = (y[-1] - y[-2]) / (x[-1] - x[-2])
    return out


def check_derivative_on_grid(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``derivative_on_grid(f, x)``; print the verdict.

    Both central differences that use the grid's real distances are accepted:
    ``np.gradient(f(x), x)`` (second order on any grid) and
    ``(y[i+1] - y[i-1]) / (x[i+1] - x[i-1])`` with one-sided ends. An answer that matches
    the second to 12 digits is compared as if it were the first.
    """
    if callable(candidate):
        learner = candidate

        def candidate(f: Callable, x: np.ndarray) -> object:
            got = learner(f, x)
            x = as_float_array(x)
            if (isinstance(got, np.ndarray) and type(got) is np.ndarray
                    and got.shape == x.shape and got.dtype == x.dtype and x.size >= 3):
                with np.errstate(all="ignore"):
                    other = _secant_central_differences(f, x)
                if np.allclose(got, other, rtol=1e-12 if x.dtype == np.float64 else 1e-6,
                               atol=0.0):
                    return np.gradient(f(x), x)
            return got

    check_function(candidate, derivative_on_grid_solution, DERIVATIVE_ON_GRID_CASES,
                   title="derivative_on_grid", rtol=1e-9)


# --- registry ------------------------------------------------------------------------------

register(
    "stable_mish",
    checker=check_stable_mish,
    solution=stable_mish_solution,
    hints=(
        "Which part of x * tanh(log(1 + exp(x))) overflows, and for which x? What should "
        "the result be there?",
        "softplus(x) = log(1 + exp(x)) is np.logaddexp(x, 0), or max(x, 0) + "
        "log1p(exp(-|x|)); neither ever exponentiates a large positive number.",
        "x = np.asarray(x); if x.dtype.kind != 'f': x = x.astype(np.float64); "
        "return x * np.tanh(np.logaddexp(x, 0))",
    ),
)

register(
    "stable_mish_grad",
    checker=check_stable_mish_grad,
    solution=stable_mish_grad_solution,
    hints=(
        "Use the product rule on x * t(x) with t = tanh(softplus(x)); then make sure no "
        "step exponentiates a large positive number.",
        "t' = (1 - t^2) * sigmoid(x). Compute softplus with np.logaddexp(x, 0) and the "
        "sigmoid with scipy.special.expit.",
        "x = np.asarray(x); if x.dtype.kind != 'f': x = x.astype(np.float64); "
        "t = np.tanh(np.logaddexp(x, 0)); return t + x * (1 - t * t) * expit(x)",
    ),
)

register(
    "snake",
    checker=check_snake,
    solution=snake_solution,
    hints=(
        "Where does the frequency a enter the formula, and what divides the squared sine?",
        "snake(x, a) = x + sin(a x)^2 / a; np.sin and ** 2 work element-wise on arrays.",
        "x = np.asarray(x); if x.dtype.kind != 'f': x = x.astype(np.float64); "
        "return x + np.sin(a * x) ** 2 / a",
    ),
)

register(
    "derivative_on_grid",
    checker=check_derivative_on_grid,
    solution=derivative_on_grid_solution,
    hints=(
        "How far apart are the points of np.linspace(-5, 5, 1000)? What if the points are "
        "not evenly spaced at all?",
        "np.gradient(y, x) accepts the coordinates themselves instead of a spacing.",
        "return np.gradient(f(x), x)",
    ),
)

check_swish_he_signal = question(
    "swish_he_signal",
    options={
        "a": "it stays about the same, as with ReLU: swish is a smooth ReLU",
        "b": "it shrinks by a factor of more than 1000",
        "c": "it grows by a factor of more than 1000",
    },
    answer="b",
    explanation=(
        "He's rule doubles the variance per layer to make up for ReLU zeroing half of it, "
        "but near 0 swish is x/2 + x^2/4: a small signal keeps only 2 * (1/2)^2 = 1/2 of its "
        "variance per layer and vanishes geometrically."
    ),
    hints=(
        "What does swish look like for small inputs? Compare its slope at 0 with ReLU's "
        "slope for positive inputs.",
        "A layer multiplies the variance of a small signal by about n Var(w) f'(0)^2, "
        "with n Var(w) = 2 for He's rule.",
    ),
)
