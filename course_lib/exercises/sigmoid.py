r"""Exercises on a numerically stable sigmoid, its derivative and its logarithm.

* :func:`check_sigmoid_and_derivative` - one function returning the pair
  :math:`(\sigma(x), \sigma'(x))`: the two-branch sigmoid that exponentiates only
  :math:`-|x|`, and the derivative :math:`\sigma(x)\,\sigma(-x)` without the cancelling
  :math:`1 - \sigma(x)`. No warning for any input, full relative precision in both tails,
  float32 kept, integers promoted, any shape.
* :func:`check_log_sigmoid` - :math:`\log\sigma(x)` computed in the log domain:
  :math:`-800` (not :math:`-\infty`) at :math:`x = -800` and :math:`-e^{-40}` (not 0) at
  :math:`x = 40`.
* ``sigmoid_depth_gain8`` - the question asked before the weight-gain experiment.

The references are computed in float64 and rounded once to the input's dtype, in the
checker's own numeric state; float64 results must agree to a relative :math:`10^{-12}`
(float32 arithmetic is refused there), float32 results to :math:`10^{-5}` (float32
arithmetic, e.g. ``scipy.special.expit`` on float32 input, is accepted).

Subnormal results. Below the smallest normal number (:math:`2.2\cdot10^{-308}` in float64,
:math:`1.2\cdot10^{-38}` in float32) a float has fewer significant bits, so full relative
precision is not asked there: a result whose exact value is subnormal must itself be
subnormal or 0 (the checkers compare both sides with subnormals set to 0). The notebook
says the same.

Used by: 04_stable_sigmoid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.exercises._inputs import dense_grid
from course_lib.exercises.core import Case, check_function
from course_lib.exercises.help import question, register

__all__ = [
    "sigmoid_and_derivative_solution",
    "check_sigmoid_and_derivative",
    "log_sigmoid_solution",
    "check_log_sigmoid",
    "check_sigmoid_depth_gain8",
]

_RTOL = 1e-12
_RTOL32 = 1e-5


def _as_float(x: ArrayLike) -> np.ndarray:
    """float arrays as they are; integers, booleans and lists as float64."""
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _flush_subnormals(value: Any) -> Any:
    """``value`` with every subnormal float (0 < |v| < smallest normal) set to 0.

    Arrays of any float dtype, and tuples and lists of them (a list stays a list), are
    flushed; anything else is returned unchanged, so that the checker still reports None or
    a list of numbers as what it is.
    """
    if isinstance(value, (tuple, list)):
        return type(value)(_flush_subnormals(v) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        plain = np.array(np.ma.getdata(value), subok=False)
        with np.errstate(all="ignore"):
            tiny = np.finfo(plain.dtype).tiny
            return np.where(np.abs(plain) < tiny, np.zeros((), plain.dtype), plain)
    return value


def _flushed(function: Callable[[np.ndarray], Any]) -> Callable[[np.ndarray], Any]:
    def call(x: np.ndarray) -> Any:
        return _flush_subnormals(function(x))

    return call


# --- sigmoid and its derivative (substantial) ---------------------------------------------


def sigmoid_and_derivative_solution(x: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    r"""The sigmoid and its derivative, stable for every input.

    .. math::

        \sigma(x) = \begin{cases} \dfrac{1}{1+z} & x \ge 0 \\[1ex]
        \dfrac{z}{1+z} & x < 0 \end{cases}, \qquad
        \sigma'(x) = \sigma(x)\,\sigma(-x) = \frac{z}{(1+z)^2}, \qquad z = e^{-|x|}.

    ``z`` is in (0, 1], so nothing overflows, whichever branch ``np.where`` discards, and
    the derivative never subtracts from 1. Computed in float64 and rounded once to the
    input's dtype.
    """
    x = _as_float(x)  # float32 stays float32; integers become float64
    x64 = x.astype(np.float64)
    z = np.exp(-np.abs(x64))
    s = np.where(x64 >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    ds = z / (1.0 + z) ** 2
    return s.astype(x.dtype), ds.astype(x.dtype)


_S_BASIC = "sigma(x) = 1 / (1 + exp(-x)); sigma(0) = 0.5."
_DS_BASIC = "sigma'(x) = sigma(x) * sigma(-x); sigma'(0) = 0.25."

SIGMOID_AND_DERIVATIVE_CASES = (
    Case((np.array([-3.0, -1.0, 0.0, 1.0, 3.0]),),
         hint={"sigmoid": _S_BASIC, "derivative": _DS_BASIC}),
    Case((np.array([-740.0, -700.0, -600.0, -30.0]),),
         hint={"sigmoid": "in the negative tail sigma(x) is about exp(x): sigma(-600) is "
                          "2.65e-261. Do not clip the input (clipping at -500 gives exp(-500)), "
                          "and do not use 0.5 * (1 + tanh(x / 2)), which cancels for x < 0.",
               "derivative": "in the negative tail sigma'(x) is about exp(x) too: compute it "
                             "as z / (1 + z)**2 with z = exp(-|x|), or sigma(x) * sigma(-x)."}),
    Case((np.array([20.0, 30.0, 40.0, 100.0]),),
         hint={"sigmoid": _S_BASIC,
               "derivative": "1 - sigma(x) cancels for large x: sigma(40) rounds to 1, so "
                             "s * (1 - s) is 0, but sigma'(40) = 4.2e-18. Use sigma(x) * "
                             "sigma(-x), or z / (1 + z)**2 with z = exp(-|x|)."}),
    Case((np.array([-1000.0, -745.5, 745.5, 1000.0]),),
         hint="exp(|x|) overflows beyond x = 709.78, also in the branch np.where discards: "
              "exponentiate only -|x|, z = exp(-|x|), and build both results from z."),
    Case((np.array([[-100.0, -20.0, -10.0, 0.0], [10.0, 20.0, 100.0, 1000.0]],
                   dtype=np.float32),),
         hint={"": "float32 in, float32 out, any shape; float32 exp overflows already beyond "
                   "x = 88.72.",
               "derivative": "in float32, 1 - sigma(x) keeps only a few digits from x = 10 on "
                             "(sigma(10) = 0.9999546): use sigma(x) * sigma(-x) or "
                             "z / (1 + z)**2."}),
    Case((np.array([-2, 0, 2]),),
         hint="integer input is promoted to float64 (an integer buffer like np.empty_like(x) "
              "would truncate)."),
    Case((np.array([-np.inf, np.inf]),),
         hint="the limits: sigma(-inf) = 0, sigma(inf) = 1, and sigma'(+-inf) = 0."),
    Case((dense_grid(),),
         hint="on a fine grid over [-40, 40] (10001 points): right everywhere, not only at "
              "the few inputs above."),
)


def check_sigmoid_and_derivative(candidate: Callable[..., Any]) -> None:
    """Check the learner's ``sigmoid_and_derivative(x)`` returning ``(s, ds)``; print one line.

    Results whose exact value is subnormal must be subnormal or 0 (see the module notes).
    """
    if callable(candidate):
        candidate = _flushed(candidate)
    check_function(candidate, _flushed(sigmoid_and_derivative_solution),
                   SIGMOID_AND_DERIVATIVE_CASES, title="sigmoid_and_derivative", rtol=_RTOL,
                   rtol32=_RTOL32, output_names=("sigmoid", "derivative"))


register(
    "sigmoid_and_derivative",
    checker=check_sigmoid_and_derivative,
    solution=sigmoid_and_derivative_solution,
    hints=(
        "Which exponential can never overflow? Write both the sigmoid and its derivative in "
        "terms of z = exp(-|x|), which lies in (0, 1]; never compute 1 - sigma(x).",
        "sigma(x) = 1/(1+z) for x >= 0 and z/(1+z) for x < 0 (np.where picks); sigma'(x) = "
        "sigma(x) * sigma(-x) = z / (1+z)**2 for every x. Convert integer x to float64 first.",
        "x = np.asarray(x); x = x if x.dtype.kind == 'f' else x.astype(np.float64); "
        "z = np.exp(-np.abs(x)); s = np.where(x >= 0, 1 / (1 + z), z / (1 + z)); "
        "return s, z / (1 + z)**2",
    ),
)


# --- log-sigmoid (short) --------------------------------------------------------------------


def log_sigmoid_solution(x: ArrayLike) -> np.ndarray:
    r"""Log of the sigmoid, computed without ever forming :math:`\sigma(x)`.

    .. math::

        \log\sigma(x) = -\log\bigl(1 + e^{-x}\bigr)
        = \min(x, 0) - \mathrm{log1p}\bigl(e^{-|x|}\bigr).

    ``exp(-|x|)`` cannot overflow and ``log1p`` keeps the tiny values for large
    positive x (``log_sigmoid(40)`` is :math:`-4.25\times10^{-18}`, not 0).
    The same as ``-np.logaddexp(0, -x)``. Computed in float64, rounded once.
    """
    x = _as_float(x)
    x64 = x.astype(np.float64)
    return (np.minimum(x64, 0.0) - np.log1p(np.exp(-np.abs(x64)))).astype(x.dtype)


LOG_SIGMOID_CASES = (
    Case((np.array([-3.0, -1.0, 0.0, 1.0, 3.0]),),
         hint="log sigma(x) = -log(1 + exp(-x)); log sigma(0) = -log 2."),
    Case((np.array([-800.0, -750.0, -100.0]),),
         hint="sigma(-800) underflows to 0 and log(0) = -inf; for x < 0 use "
              "log sigma(x) = x - log1p(exp(x)), which is -800 at x = -800."),
    Case((np.array([40.0, 100.0, 800.0]),),
         hint="sigma(40) rounds to 1 and log(1) = 0, but log sigma(40) = -4.25e-18: "
              "use -log1p(exp(-x)) for x >= 0 (or -np.logaddexp(0, -x))."),
    Case((np.array([[-200.0, -1.0], [30.0, 100.0]], dtype=np.float32),),
         hint="float32 in, float32 out, any shape; in float32 sigma(30) rounds to 1, but "
              "log sigma(30) = -9.4e-14."),
    Case((np.array([-5, 0, 5]),),
         hint="integer input is promoted to float64."),
    Case((np.array([-np.inf, np.inf]),),
         hint="the limits are log sigma(-inf) = -inf and log sigma(inf) = 0."),
    Case((dense_grid(),),
         hint="on a fine grid over [-40, 40] (10001 points): right everywhere, not only at "
              "the few inputs above."),
)


def check_log_sigmoid(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``log_sigmoid(x)``; print one line."""
    if callable(candidate):
        candidate = _flushed(candidate)
    check_function(candidate, _flushed(log_sigmoid_solution), LOG_SIGMOID_CASES,
                   title="log_sigmoid", rtol=_RTOL, rtol32=_RTOL32)


register(
    "log_sigmoid",
    checker=check_log_sigmoid,
    solution=log_sigmoid_solution,
    hints=(
        "Never take the log of a rounded probability: sigma(x) is 0 for x < -745 and 1 for "
        "x > 37 in float64. Work in the log domain, where log sigma(x) = -log(1 + exp(-x)).",
        "For x >= 0: -log1p(exp(-x)); for x < 0: x - log1p(exp(x)). Both at once: "
        "min(x, 0) - log1p(exp(-|x|)); numpy also has np.logaddexp(0, -x) = log(1 + exp(-x)).",
        "return -np.logaddexp(0, -x)   (after converting integer x to float64)",
    ),
)


# --- predict, then run ------------------------------------------------------------------

check_sigmoid_depth_gain8 = question(
    "sigmoid_depth_gain8",
    options={
        "a": "to 1/4 of its size per layer, or less: sigma' <= 1/4 caps every layer",
        "b": "to about 0.7 of its size per layer: the larger weights partly make up for it",
        "c": "not at all: with weights 8 times larger the gradient grows towards the input",
    },
    answer="b",
    explanation=(
        "each layer multiplies the gradient by sigma'(z) AND by its weights. sigma' <= 1/4 "
        "bounds only the first factor; weights 8 times larger multiply the gradient by up "
        "to 8 more. They also push the pre-activations out to where sigma' is tiny, so the "
        "two effects partly cancel: 0.69 to 0.75 per layer over three seeds here, not 1/4."
    ),
    hints=(
        "back-propagation through one layer multiplies the gradient by two things: the "
        "activation's slope at each unit and the layer's weights. Which of them does "
        "sigma' <= 1/4 bound?",
        "larger weights multiply the gradient by more, but they also make |z| larger, and "
        "sigma'(z) falls fast away from 0. Neither effect wins completely.",
    ),
)
