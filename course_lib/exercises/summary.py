r"""Exercises and self-test questions that close the course.

* :func:`check_algebraic_softplus` - the rectifier
  :math:`f(x) = \tfrac12\bigl(x + \sqrt{x^2 + b}\bigr)` and its derivative, stable for
  every finite input: no cancellation for :math:`x \ll 0` (the identity
  :math:`(x + h)(h - x) = b` with :math:`h = \sqrt{x^2 + b}`), no overflow of :math:`x^2`
  (``np.hypot``), float32 kept, integers promoted.
* :func:`check_mean_output` - :math:`E f(Z)` for :math:`Z \sim N(0, 1)` by quadrature, the
  number behind "zero-centred" in the cheat sheet.
* Self-test questions across the course, each ``check_selftest_<topic>(answer)``.

The reference solutions ``<exercise>_solution`` are written to be read; the tests compare
them with mpmath, finite differences and :func:`course_lib.activations.property_table`.

Used by: 15_resources_and_summary.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib import activations
from course_lib.exercises.core import Case, check_function
from course_lib.exercises.help import question, register
from course_lib.validation import as_float_array

__all__ = [
    "algebraic_softplus_solution",
    "check_algebraic_softplus",
    "mean_output_solution",
    "check_mean_output",
    "check_cheat_sheet_monotonic",
    "check_selftest_linear_stack",
    "check_selftest_sigmoid_depth",
    "check_selftest_batchnorm_eval",
    "check_selftest_time_decay",
    "check_selftest_softmax_shift",
    "check_selftest_int8_memory",
]


# --- a stable algebraic rectifier ----------------------------------------------------------


def algebraic_softplus_solution(x: ArrayLike, b: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    r"""A softplus-like rectifier made of a square root, and its derivative.

    .. math::

        f(x) = \frac{x + h}{2}, \qquad f'(x) = \frac{1}{2}\Bigl(1 + \frac{x}{h}\Bigr)
        = \frac{f(x)}{h}, \qquad h = \sqrt{x^2 + b}.

    For :math:`x < 0`, :math:`x + h` subtracts two nearly equal numbers; since
    :math:`(h + |x|)(h - |x|) = b`, the same value is :math:`b / (2(h + |x|))`, which has
    no subtraction. Both branches of ``np.where`` use :math:`|x|`, so neither can divide
    by zero. ``np.hypot(x, sqrt(b))`` is :math:`h` without forming :math:`x^2` (which
    overflows for :math:`|x| > 1.3\times10^{154}`); ``math.sqrt`` keeps float32 float32.

    Returns
    -------
    (f(x), f'(x)) : two arrays of the shape and dtype of x (integers give float64)
    """
    x = as_float_array(x)
    h = np.hypot(x, math.sqrt(b))
    a = np.abs(x)
    y = np.where(x >= 0, 0.5 * (a + h), 0.5 * b / (a + h))
    return y, y / h


ALGEBRAIC_SOFTPLUS_CASES = (
    Case((np.array([-3.0, -1.0, 0.0, 1.0, 3.0]),),
         hint="f(x) = (x + sqrt(x**2 + b)) / 2 and f'(x) = (1 + x / sqrt(x**2 + b)) / 2; "
              "at x = 0, f = sqrt(b)/2 = 1 and f' = 1/2."),
    Case((np.array([-2.0, 0.0, 0.5, 2.0]), 1.0),
         hint="use the parameter b, not a fixed 4."),
    Case((np.array([-1e3, -1e6, -1e8, -1e12]),),
         hint="for x << 0, x + sqrt(x**2 + b) subtracts two nearly equal numbers and loses "
              "every digit (0 at x = -1e12, where f = 1e-12). Since (h + |x|)(h - |x|) = b, "
              "write f = b / (2 (h + |x|)) for x < 0, and f' = f / h."),
    Case((np.array([1e10, 1e15, 1e20]),),
         hint="np.where evaluates both branches for every x: a branch b / (2 (h - x)) "
              "divides by zero for large positive x, where h rounds to x. Use |x| in both."),
    Case((np.array([-1e300, -1e200, 1e200, 1e300]),),
         hint="x**2 overflows for |x| > 1.3e154: np.hypot(x, math.sqrt(b)) computes "
              "sqrt(x**2 + b) without forming x**2."),
    Case((np.array([[-1e30, -10.0, 0.0], [1e-3, 10.0, 1e30]], dtype=np.float32),),
         hint="float32 in, float32 out, any shape: np.sqrt(b) is a float64 number that turns "
              "a float32 result into float64 (math.sqrt(b) does not), and float32 x**2 "
              "overflows already for |x| > 1.8e19."),
    Case((np.array([-2, 0, 2]),),
         hint="integer input is promoted to float64."),
    Case((np.concatenate([-np.logspace(12, 1.5, 80), np.linspace(-30.0, 30.0, 1201),
                          np.logspace(1.5, 12, 80)]), 2.5),
         hint="a dense grid from -1e12 to 1e12: right at the points above is not enough; no "
              "cut-offs (f(x) is not 0 for x < -100, nor x for x > 100)."),
)


def check_algebraic_softplus(candidate: Callable[..., Any]) -> None:
    """Check the learner's ``algebraic_softplus(x, b=4.0)``, which returns ``(f, f')``."""
    check_function(candidate, algebraic_softplus_solution, ALGEBRAIC_SOFTPLUS_CASES,
                   title="algebraic_softplus", rtol=1e-10)


register(
    "algebraic_softplus",
    checker=check_algebraic_softplus,
    solution=algebraic_softplus_solution,
    hints=(
        "Two traps: for very negative x the formula subtracts two nearly equal numbers, and "
        "x**2 overflows long before f does. Look for a form of f without the subtraction "
        "(multiply and divide by h - x), and a way to get h = sqrt(x**2 + b) without x**2.",
        "h = np.hypot(x, math.sqrt(b)); for x >= 0, f = (x + h) / 2; for x < 0, "
        "f = b / (2 (h - x)) = b / (2 (h + |x|)). The derivative is f' = f / h. Build both "
        "branches from |x| inside one np.where.",
        "x = np.asarray(x); if x.dtype.kind != 'f': x = x.astype(np.float64); "
        "h = np.hypot(x, math.sqrt(b)); a = np.abs(x); "
        "y = np.where(x >= 0, 0.5 * (a + h), 0.5 * b / (a + h)); return y, y / h",
    ),
)


# --- the mean output for a standard normal input -------------------------------------------


def mean_output_solution(f: Callable[[np.ndarray], np.ndarray]) -> float:
    r""":math:`E f(Z) = \int f(z)\,\varphi(z)\,dz` for :math:`Z \sim N(0, 1)`, by the
    trapezoidal rule.

    The normal density :math:`\varphi(z) = e^{-z^2/2}/\sqrt{2\pi}` is below
    :math:`10^{-31}` beyond :math:`|z| = 12`, so the integral over :math:`[-12, 12]` with a
    step of :math:`10^{-4}` is accurate to about :math:`10^{-9}`, kinks included.
    """
    z = np.linspace(-12.0, 12.0, 240_001)
    density = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return float(np.trapezoid(f(z) * density, z))


MEAN_OUTPUT_CASES = (
    Case((activations.relu,),
         hint="E relu(Z) = 1/sqrt(2 pi) = 0.3989: integrate f(z) times the normal density "
              "exp(-z**2/2)/sqrt(2 pi) over z, e.g. with np.trapezoid on a fine grid."),
    Case((activations.sigmoid,),
         hint="E sigmoid(Z) = 1/2 by symmetry. Integrate over a wide interval (|z| up to "
              "10 or more): the tails matter at this precision."),
    Case((activations.tanh,),
         hint="E tanh(Z) = 0 (tanh is odd). A sample mean of random draws is off by about "
              "1e-3: use quadrature, not random samples."),
    Case((activations.gelu,),
         hint="E gelu(Z) = 1/(2 sqrt(pi)) = 0.2821."),
    Case((activations.elu,),
         hint="the integrand is f(z) * phi(z), weighted by dz: np.trapezoid(f(z) * phi, z)."),
    Case((activations.selu,),
         hint="SELU's constants make E selu(Z) = 0 for a standard normal Z."),
)


def check_mean_output(candidate: Callable[..., float]) -> None:
    """Check the learner's ``mean_output(f)``, :math:`E f(Z)` as a Python float (float64);
    print the verdict.

    The tolerance (1e-6) is that of a quadrature the learner may choose (grid, interval):
    it cannot tell float32 arithmetic from float64, but the type check rejects a float32 or
    float16 result.
    """
    check_function(candidate, mean_output_solution, MEAN_OUTPUT_CASES,
                   title="mean_output", rtol=1e-5, atol=1e-6, returns=float)


register(
    "mean_output",
    checker=check_mean_output,
    solution=mean_output_solution,
    hints=(
        "E f(Z) is an integral: f(z) weighted by the standard normal density, over all z. "
        "Evaluate it on a fine grid wide enough that the density is negligible at its ends.",
        "z = np.linspace(-12, 12, 240001); phi = np.exp(-z**2 / 2) / np.sqrt(2 * np.pi); "
        "then np.trapezoid(f(z) * phi, z).",
        "z = np.linspace(-12.0, 12.0, 240_001); "
        "return float(np.trapezoid(f(z) * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi), z))",
    ),
)


# --- predict, then run ---------------------------------------------------------------------

check_cheat_sheet_monotonic = question(
    "cheat_sheet_monotonic",
    options={"a": "ELU", "b": "softplus", "c": "GELU"},
    answer="c",
    explanation=(
        "GELU, x Phi(x), dips to its minimum -0.170 at x = -0.75 and rises again towards 0 "
        "as x goes to -inf: it decreases on (-inf, -0.75). Swish, mish and hard swish, the "
        "other self-gated functions x g(x), do the same. ELU and softplus only increase."
    ),
    hints=(
        "Where could a function that is close to 0 for very negative x and close to x for "
        "large x go down? Look at what each does for x between -3 and 0.",
        "x Phi(x) is negative for x < 0 but tends to 0 as x goes to -inf. Can it then be "
        "increasing everywhere?",
    ),
)


# --- self-test: one question per idea, across the course -----------------------------------

check_selftest_linear_stack = question(
    "selftest_linear_stack",
    options={
        "a": "exactly the functions one linear layer x W + b can compute",
        "b": "polynomials of x up to degree 3",
        "c": "any continuous function, given enough hidden units",
    },
    answer="a",
    explanation=(
        "((x W1 + b1) W2 + b2) W3 + b3 = x (W1 W2 W3) + (b1 W2 W3 + b2 W3 + b3): one "
        "weight matrix and one bias. Only a non-linearity between the layers adds power."
    ),
    hints=(
        "Multiply the three layers out.",
        "A product of matrices is a matrix; what is the product of W1, W2 and W3?",
    ),
)

check_selftest_sigmoid_depth = question(
    "selftest_sigmoid_depth",
    answer=0.25**10,
    rtol=0.05,
    explanation=(
        "sigmoid'(x) is at most 1/4 (at x = 0), so ten sigmoid derivatives multiply a "
        "gradient by at most 0.25**10 = 9.5e-7. The weights multiply it too, so this bounds "
        "only the slopes' share: with Xavier weights the gradient shrinks layer by layer "
        "(notebook 08), with large weights it need not (notebook 04)."
    ),
    hints=(
        "What is the largest value of the sigmoid's derivative, and where?",
        "sigmoid'(0) = sigmoid(0) (1 - sigmoid(0)) = 1/4; the factors multiply: 0.25**10.",
    ),
)

check_selftest_batchnorm_eval = question(
    "selftest_batchnorm_eval",
    options={
        "a": "the mean and variance of the batch it is given",
        "b": "running averages of the mean and variance collected during training",
        "c": "mean 0 and variance 1, fixed in advance",
    },
    answer="b",
    explanation=(
        "in evaluation mode a prediction must not depend on the other examples of the batch "
        "(or work for a batch of one), so BatchNorm uses the running statistics."
    ),
    hints=(
        "A deployed model may see one example at a time. What batch statistics are there?",
        "torch.nn.BatchNorm1d keeps running_mean and running_var for this.",
    ),
)

check_selftest_time_decay = question(
    "selftest_time_decay",
    answer=47,
    rtol=0.005,
    explanation=(
        "exp(-0.1 t) < 0.01 means t > 10 ln 100 = 46.05, so from step 47 on the time "
        "factor keeps less than 1 % of the state: the network forgets what came first."
    ),
    hints=(
        "Solve exp(-0.1 t) = 0.01 for t.",
        "t = ln(100) / 0.1 = 46.05; the first whole step beyond it is the answer.",
    ),
)

check_selftest_softmax_shift = question(
    "selftest_softmax_shift",
    options={
        "a": "[0.269, 0.731]",
        "b": "[nan, nan], with an overflow warning",
        "c": "[0.0, 1.0]",
    },
    answer="b",
    explanation=(
        "exp(1000) overflows to inf and inf / inf is nan. Subtracting the maximum first "
        "(scores [-1, 0]) gives the right [0.269, 0.731]: softmax does not change when a "
        "constant is subtracted from every score."
    ),
    hints=(
        "What is np.exp(1000.0) in float64?",
        "The largest float64 is about exp(709.8).",
    ),
)

check_selftest_int8_memory = question(
    "selftest_int8_memory",
    answer=4,
    rtol=0.01,
    explanation=(
        "a float32 number takes 4 bytes and an int8 code 1 byte: int8 activations take a "
        "quarter of the memory (an eighth of float64), at the price of a rounding error of "
        "up to half a quantisation step."
    ),
    hints=(
        "How many bytes does one float32 number take? One int8 number?",
        "float32: 32 bits = 4 bytes; int8: 8 bits = 1 byte.",
    ),
)
