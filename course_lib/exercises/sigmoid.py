r"""Exercises on a numerically stable sigmoid and log-sigmoid.

* :func:`check_stable_sigmoid` - the two-branch sigmoid that exponentiates only
  :math:`-|x|`: no overflow warning for any finite input, full relative precision
  in the negative tail, float32 kept, integers promoted.
* :func:`check_log_sigmoid` - :math:`\log\sigma(x)` computed in the log domain:
  :math:`-800` (not :math:`-\infty`) at :math:`x = -800` and
  :math:`-e^{-40}` (not 0) at :math:`x = 40`.

The reference solutions ``<exercise>_solution`` are written to be read; the tests
compare them with :mod:`course_lib.activations`, SciPy and PyTorch.

Used by: 04_stable_sigmoid.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from course_lib.exercises.core import Case, check_function
from course_lib.validation import as_float_array

__all__ = [
    "stable_sigmoid_solution",
    "check_stable_sigmoid",
    "log_sigmoid_solution",
    "check_log_sigmoid",
]


# --- the two-branch sigmoid -------------------------------------------------------


def stable_sigmoid_solution(x: ArrayLike) -> np.ndarray:
    r"""Sigmoid :math:`1/(1+e^{-x})` that never overflows.

    .. math::

        \sigma(x) = \begin{cases} \dfrac{1}{1+z} & x \ge 0 \\[1ex]
        \dfrac{z}{1+z} & x < 0 \end{cases}, \qquad z = e^{-|x|} \in (0, 1].

    Both branches use the same :math:`z`, which cannot overflow, so it does not
    matter that ``np.where`` evaluates both of them for every element.
    """
    x = as_float_array(x)  # float32 stays float32; integers become float64
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z)).astype(x.dtype)


STABLE_SIGMOID_CASES = (
    Case((np.array([-3.0, -1.0, 0.0, 1.0, 3.0]),),
         hint="sigma(x) = 1 / (1 + exp(-x)); sigma(0) = 0.5."),
    Case((np.array([-700.0, -600.0, -30.0]),),
         hint="sigma(-600) is exp(-600) = 2.65e-261, not a clipped exp(-500): "
              "do not clip the input, use the two-branch formula."),
    Case((np.array([-1000.0, -745.5, -40.0, 40.0, 745.5, 1000.0]),),
         hint="for large |x| exp(|x|) overflows. Exponentiate only -|x|: with z = exp(-|x|), "
              "sigma is 1/(1+z) for x >= 0 and z/(1+z) for x < 0."),
    Case((np.array([[-100.0, -20.0, 0.0], [5.0, 20.0, 100.0]], dtype=np.float32),),
         hint="float32 in, float32 out, any shape; float32 exp overflows already at x = 89."),
    Case((np.array([-2, 0, 2]),),
         hint="integer input is promoted to float64."),
    Case((np.array([-np.inf, np.inf]),),
         hint="the limits are sigma(-inf) = 0 and sigma(inf) = 1."),
)


def check_stable_sigmoid(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``stable_sigmoid(x)``; print one line."""
    check_function(candidate, stable_sigmoid_solution, STABLE_SIGMOID_CASES,
                   title="stable_sigmoid", rtol=1e-12)


# --- log-sigmoid --------------------------------------------------------------------


def log_sigmoid_solution(x: ArrayLike) -> np.ndarray:
    r"""Log of the sigmoid, computed without ever forming :math:`\sigma(x)`.

    .. math::

        \log\sigma(x) = -\log\bigl(1 + e^{-x}\bigr)
        = \min(x, 0) - \operatorname{log1p}\bigl(e^{-|x|}\bigr).

    ``exp(-|x|)`` cannot overflow and ``log1p`` keeps the tiny values for large
    positive x (``log_sigmoid(40)`` is :math:`-4.25\times10^{-18}`, not 0).
    The same as ``-np.logaddexp(0, -x)``.
    """
    x = as_float_array(x)
    return (np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))).astype(x.dtype)


LOG_SIGMOID_CASES = (
    Case((np.array([-3.0, -1.0, 0.0, 1.0, 3.0]),),
         hint="log sigma(x) = -log(1 + exp(-x)); log sigma(0) = -log 2."),
    Case((np.array([-800.0, -750.0, -100.0]),),
         hint="sigma(-800) underflows to 0 and log(0) = -inf; for x < 0 use "
              "log sigma(x) = x - log1p(exp(x)), which is -800 at x = -800."),
    Case((np.array([40.0, 100.0, 800.0]),),
         hint="sigma(40) rounds to 1 and log(1) = 0, but log sigma(40) = -4.25e-18: "
              "use -log1p(exp(-x)) for x >= 0 (or -np.logaddexp(0, -x))."),
    Case((np.array([[-200.0, -1.0], [1.0, 30.0]], dtype=np.float32),),
         hint="float32 in, float32 out, any shape."),
    Case((np.array([-5, 0, 5]),),
         hint="integer input is promoted to float64."),
    Case((np.array([-np.inf, np.inf]),),
         hint="the limits are log sigma(-inf) = -inf and log sigma(inf) = 0."),
)


def check_log_sigmoid(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``log_sigmoid(x)``; print one line."""
    check_function(candidate, log_sigmoid_solution, LOG_SIGMOID_CASES,
                   title="log_sigmoid", rtol=1e-12)
