r"""Exercises on designing a piecewise activation that is continuous and smooth at its junction.

* ``discontinuous_value_at_1000`` - question: what the literal two-branch formula returns at
  :math:`x = 1000` (NaN: the masked-out branch computes :math:`\infty \cdot 0`).
* ``gradcheck_next_to_jump`` - question: a gradient check at :math:`x = 0.001`, next to the
  jump at 0, passes (its two points lie on one side).
* :func:`check_c1_join_coefficients` - the constant and linear coefficient of a quadratic
  right branch that meets :math:`\beta\,\mathrm{softplus}(x)` at :math:`x = c` with the same
  value and slope, computed without overflow for any finite :math:`c`.
* :func:`check_custom_c1_activation` - the learner's *own* activation, forward and backward,
  checked by its properties: defined in :mod:`course_lib.exercises.own_activation` (with its
  reference, :class:`CustomC1ActivationSolution`) and re-exported here.

Used by: 06_custom_activation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from course_lib.activations import sigmoid, softplus
from course_lib.exercises.core import Case, check_function
from course_lib.exercises.help import question, register
from course_lib.exercises.own_activation import (
    CustomC1ActivationSolution,
    check_custom_c1_activation,
)

__all__ = [
    "CustomC1ActivationSolution",
    "c1_join_coefficients_solution",
    "check_c1_join_coefficients",
    "check_custom_c1_activation",
    "check_gradcheck_next_to_jump",
    "check_discontinuous_value_at_1000",
]


# --- question: the slide's function at x = 1000 ----------------------------------------------

check_discontinuous_value_at_1000 = question(
    "discontinuous_value_at_1000",
    options={
        "a": "500000.0, the quadratic branch 0.5 * 1000**2",
        "b": "inf, because exp(1000) overflows",
        "c": "nan",
    },
    answer="c",
    explanation=(
        "Both branches are computed for every element; exp(1000) = inf, log(1 + inf) = inf, "
        "and the mask (x <= 0) = 0 multiplies it: inf * 0 = nan. nan + 500000.0 is nan."
    ),
    hints=(
        "the code does not choose a branch per element: it computes both and multiplies "
        "each by a mask of zeros and ones.",
        "what is np.exp(1000.0) in float64, and what is that number times 0?",
    ),
)


check_gradcheck_next_to_jump = question(
    "gradcheck_next_to_jump",
    options={
        "a": "it passes: the relative error is tiny, about 1e-10",
        "b": "it fails: the function jumps at 0, so the error is of order one",
        "c": "it returns NaN",
    },
    answer="a",
    explanation=(
        "A central difference looks only at x - h and x + h. At x = 0.001 both lie on the "
        "quadratic branch, which is smooth there, so the check passes. A gradient check finds "
        "a jump only when its two points straddle it: test at and next to every junction."
    ),
    hints=(
        "which two points does the central difference (f(x + h) - f(x - h)) / (2h) use "
        "for x = 0.001 and h = 1e-6?",
        "are x - h and x + h on the same side of 0?",
    ),
)


# --- short exercise: a C¹ join at x = c --------------------------------------------------------


def c1_join_coefficients_solution(alpha: float, beta: float, c: float) -> tuple[float, float]:
    r"""Coefficients :math:`(a_0, a_1)` of :math:`q(x) = a_0 + a_1 (x-c) + \alpha (x-c)^2`
    so that :math:`q` continues :math:`\beta\,\mathrm{softplus}(x)` at :math:`x = c` in value
    and slope.

    .. math::

        a_0 = \beta\,\mathrm{softplus}(c) = \beta \log(1 + e^{c}),\qquad
        a_1 = \beta\,\sigma(c).

    :math:`\alpha` does not enter: :math:`\alpha (x-c)^2` has value 0 and slope 0 at
    :math:`c`. Stable for every finite :math:`c`: the library's ``softplus`` and
    ``sigmoid`` never form :math:`e^{|c|}`.
    """
    value = beta * float(softplus(c))  # log(1 + e^c) without overflow
    slope = beta * float(sigmoid(c))
    return value, slope


C1_JOIN_CASES = (
    Case((0.5, 1.0, 0.0), hint="at c = 0: softplus(0) = ln 2 and sigma(0) = 1/2."),
    Case((2.0, 3.0, -1.5),
         hint="a0 is the left branch's value at c, beta * log(1 + exp(c)); a1 its slope, "
              "beta * sigma(c). alpha does not enter."),
    Case((0.5, 0.7, 2.0), hint="scale both by beta."),
    Case((0.5, 1.0, 800.0),
         hint="log(1 + exp(800)) overflows although the answer is about 800: use "
              "np.logaddexp(c, 0) (or the library's softplus)."),
    Case((0.5, 1.0, -800.0),
         hint="1 / (1 + exp(800)) overflows on the way to 0: use a stable sigmoid."),
)


def check_c1_join_coefficients(candidate: Callable[..., Any]) -> None:
    """Check the learner's ``c1_join_coefficients(alpha, beta, c)``: two Python floats
    (float64; a numpy float32 or float16 scalar is wrong whatever its value); print the
    verdict."""
    check_function(candidate, c1_join_coefficients_solution, C1_JOIN_CASES,
                   title="c1_join_coefficients", rtol=1e-12, output_names=("a0", "a1"),
                   returns=float)


register(
    "c1_join_coefficients",
    checker=check_c1_join_coefficients,
    solution=c1_join_coefficients_solution,
    hints=(
        "C¹ means two conditions at the junction c: the values agree and the slopes agree. "
        "Evaluate q and q' at x = c: the (x - c) terms vanish.",
        "q(c) = a0 must equal beta * softplus(c); q'(c) = a1 must equal beta * sigmoid(c). "
        "For large |c| compute softplus as np.logaddexp(c, 0).",
        "from course_lib.activations import sigmoid; "
        "return float(beta * np.logaddexp(c, 0.0)), float(beta * sigmoid(c))",
    ),
)
