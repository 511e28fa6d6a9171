r"""Exercises on designing a piecewise activation that is continuous and smooth at its junction.

* ``discontinuous_value_at_1000`` - question: what the literal two-branch formula returns at
  :math:`x = 1000` (NaN: the masked-out branch computes :math:`\infty \cdot 0`).
* ``gradcheck_next_to_jump`` - question: a gradient check at :math:`x = 0.001`, next to the
  jump at 0, passes (its two points lie on one side).
* :func:`check_c1_join_coefficients` - the constant and linear coefficient of a quadratic
  right branch that meets :math:`\beta\,\mathrm{softplus}(x)` at :math:`x = c` with the same
  value and slope, computed without overflow for any finite :math:`c`.
* :func:`check_custom_c1_activation` - the learner's *own* activation, forward and backward:
  the checker has no reference values; it verifies properties. Value and slope continuous
  at 0, backward equal to ``dout`` times central differences of the forward, nonlinear,
  finite and silent at :math:`\pm 10^4` (float64 and float32), float32 kept, integers
  promoted (``dout`` too), any shape, inputs unchanged.

Used by: 06_custom_activation.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.activations import sigmoid, softplus
from course_lib.exercises._guard import TimeLimitExceeded, _run_guarded
from course_lib.exercises.core import (
    CORRECT,
    NOT_IMPLEMENTED,
    TIME_LIMIT,
    WRONG,
    Case,
    check_function,
    format_value,
    layout,
)
from course_lib.exercises.help import question, register, stuck_text
from course_lib.validation import as_float_array

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
    """Check the learner's ``c1_join_coefficients(alpha, beta, c)``; print one line."""
    check_function(candidate, c1_join_coefficients_solution, C1_JOIN_CASES,
                   title="c1_join_coefficients", rtol=1e-12, output_names=("a0", "a1"))


register(
    "c1_join_coefficients",
    checker=check_c1_join_coefficients,
    solution=c1_join_coefficients_solution,
    hints=(
        "C¹ means two conditions at the junction c: the values agree and the slopes agree. "
        "Evaluate q and q' at x = c: the (x - c) terms vanish.",
        "q(c) = a0 must equal beta * softplus(c); q'(c) = a1 must equal beta * sigmoid(c). "
        "For large |c| compute softplus as np.logaddexp(c, 0).",
        "return beta * np.logaddexp(c, 0.0), beta * sigmoid(c)  "
        "(with sigmoid from course_lib.activations)",
    ),
)


# --- substantial exercise: your own C¹ activation ----------------------------------------------

_NAME = "custom_c1_activation"
_EXTREMES = (-1e4, -1e3, -100.0, 100.0, 1e3, 1e4)


class CustomC1ActivationSolution:
    r"""One answer: ELU with :math:`\alpha = 1` (CELU), the exponential joined to the identity.

    .. math::

        f(x) = \begin{cases} x & x > 0 \\ e^{x} - 1 & x \le 0 \end{cases},\qquad
        f'(x) = \begin{cases} 1 & x > 0 \\ e^{x} & x \le 0 \end{cases}

    At 0 both branches have value 0 and slope 1: C¹ (ELU with another :math:`\alpha` has a
    slope jump). The exponential only ever sees :math:`\min(x, 0)`, so it cannot overflow,
    and ``expm1`` keeps the tiny values near 0 exact.
    """

    @staticmethod
    def forward(x: ArrayLike) -> np.ndarray:
        x = as_float_array(x)  # float32 stays float32; integers become float64
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))

    @staticmethod
    def backward(x: ArrayLike, dout: ArrayLike) -> np.ndarray:
        x = as_float_array(x)
        dout = as_float_array(dout, "dout")
        slope = np.where(x > 0, 1, np.exp(np.minimum(x, 0)))
        return dout * slope  # a new array: dout is not modified


class _Stop(Exception):
    """Internal: carries the finished verdict line (not implemented, or wrong)."""


def _guarded(func: Callable, args: tuple) -> tuple[Any, Exception | None, Any]:
    """Call ``func(*args)`` with the course's guard: warnings recorded whatever the notebook's
    filters or ``np.seterr``, and a time limit; return ``(result, exception, first_warning)``."""
    return _run_guarded(func, args, {}, TIME_LIMIT)


def _plain(value: Any) -> Any:
    """A plain ndarray for an ndarray subclass (a masked array gives all its data): checks
    must not go through a subclass's own comparisons or skip masked elements."""
    if isinstance(value, np.ndarray) and type(value) is not np.ndarray:
        return np.array(np.ma.getdata(value), subok=False)
    return value


def _unchanged(before: np.ndarray, after: Any) -> bool:
    return (isinstance(after, np.ndarray) and after.shape == before.shape
            and after.dtype == before.dtype and np.array_equal(after, before, equal_nan=True))


def _call(func: Callable, label: str, args: tuple, dtype: np.dtype, shape: tuple,
          hint: str = "") -> np.ndarray:
    """Call the learner's function; return its result or raise _Stop with the verdict."""
    given = copy.deepcopy(args)
    result, exc, warning = _guarded(func, given)
    call = f"{label}(" + ", ".join(format_value(a) for a in args) + ")"
    if isinstance(exc, NotImplementedError):
        raise _Stop(f"{_NAME}: {NOT_IMPLEMENTED} - write {label}, then run the cell again.")
    if isinstance(exc, TimeLimitExceeded):
        raise _Stop(f"{_NAME}: {WRONG} - {call} ran for more than {TIME_LIMIT:g} s and was "
                    "stopped. Hint: work on whole arrays with numpy; no Python loop over the "
                    "elements.")
    if exc is not None:
        raise _Stop(f"{_NAME}: {WRONG} - {call} raised {type(exc).__name__}: {exc}. "
                    "Hint: run it on this input yourself to see where it fails.")
    if warning is not None:
        raise _Stop(
            f"{_NAME}: {WRONG} - {call} warned {warning.category.__name__}: "
            f"{warning.message}. Hint: {hint or 'no inf or NaN may appear along the way'}; "
            "np.where computes both branches for every element, so give each branch only "
            "its own half-line (np.minimum(x, 0), np.maximum(x, 0))."
        )
    for name, before, after in zip(("x", "dout"), args, given, strict=False):
        if not _unchanged(before, after):
            raise _Stop(f"{_NAME}: {WRONG} - {call} modified its argument {name} (now "
                        f"{format_value(after)}). Hint: build a new array (np.where, "
                        "multiplication) instead of writing into x or dout.")
    result = _plain(result)
    if not isinstance(result, np.ndarray):
        raise _Stop(f"{_NAME}: {WRONG} - {call} returned a {type(result).__name__}, not a "
                    "numpy array. Hint: compute with numpy functions on the whole array.")
    if result.dtype != dtype:
        raise _Stop(f"{_NAME}: {WRONG} - {call} returned dtype {result.dtype}, expected "
                    f"{np.dtype(dtype)}. Hint: float32 in gives float32 out and integers "
                    "become float64 (as_float_array does both; do not force a dtype).")
    if result.shape != shape:
        raise _Stop(f"{_NAME}: {WRONG} - {call} returned shape {result.shape}, expected "
                    f"{shape}. Hint: work element-wise on an array of any shape.")
    if not np.all(np.isfinite(result)):
        raise _Stop(f"{_NAME}: {WRONG} - {call} returned {format_value(result)}, which is "
                    f"not finite. Hint: {hint or 'every finite input needs a finite result'}.")
    return result


def _verdict(forward: Any, backward: Any) -> str:
    if not (callable(forward) and callable(backward)):
        return (f"{_NAME}: {WRONG} - expected two functions, got {format_value(forward)} and "
                f"{format_value(backward)}. Hint: pass the functions themselves: "
                "check_custom_c1_activation(my_forward, my_backward).")
    f64 = np.dtype(np.float64)
    x = np.linspace(-4.0, 4.0, 81)
    ones = np.ones_like(x)
    dout = np.random.default_rng(0).standard_normal(x.shape)
    _call(forward, "forward", (x,), f64, x.shape)
    slope = _call(backward, "backward", (x, ones), f64, x.shape)
    dx = _call(backward, "backward", (x, dout), f64, x.shape)

    # 1. chain rule: backward(x, dout) = dout * f'(x)
    bad = ~np.isclose(dx, dout * slope, rtol=1e-12, atol=1e-15)
    if np.any(bad):
        i = int(np.argmax(bad))
        return (f"{_NAME}: {WRONG} - backward(x, dout) must be dout * f'(x): at x = "
                f"{x[i]:g} with dout = {dout[i]:.4g}, f'(x) = backward(x, 1) = {slope[i]:.6g}, "
                f"so expected {dout[i] * slope[i]:.6g}, got {dx[i]:.6g}. Hint: multiply the "
                "derivative by the upstream gradient dout.")
    # 2. an activation must bend
    if np.ptp(slope) < 1e-3:
        return (f"{_NAME}: {WRONG} - the slope is the same everywhere ({slope[0]:.6g}): the "
                "function is linear, and a network of linear layers stays linear. Hint: "
                "join two different curves at 0.")
    # 3. derivative against central differences, away from 0
    h = 1e-6
    xs = np.linspace(-4.0, 4.0, 80) + 0.0037
    plus = _call(forward, "forward", (xs + h,), f64, xs.shape)
    minus = _call(forward, "forward", (xs - h,), f64, xs.shape)
    fd = (plus - minus) / (2 * h)
    analytic = _call(backward, "backward", (xs, np.ones_like(xs)), f64, xs.shape)
    err = np.abs(analytic - fd) / np.maximum(np.abs(fd), 1.0)
    if np.max(err) > 1e-6:
        i = int(np.argmax(err))
        return (f"{_NAME}: {WRONG} - at x = {xs[i]:.4f} backward(x, 1) = {analytic[i]:.8g} but "
                f"the central difference of forward is {fd[i]:.8g} (relative error "
                f"{err[i]:.1e}). Hint: differentiate each branch of your forward; compute in "
                "the input's precision (not float32 for float64 input).")
    # 4. continuity of value and slope at the junction 0
    eps = 1e-9
    x0 = np.array([-eps, 0.0, eps])
    value = _call(forward, "forward", (x0,), f64, x0.shape)
    slope0 = _call(backward, "backward", (x0, np.ones(3)), f64, x0.shape)
    value_jump = float(np.max(value) - np.min(value))
    slope_jump = float(np.max(slope0) - np.min(slope0))
    if value_jump > 1e-6 * max(1.0, float(np.max(np.abs(value)))):
        return (f"{_NAME}: {WRONG} - the value jumps at 0: f(-1e-9) = {value[0]:.6g}, "
                f"f(0) = {value[1]:.6g}, f(1e-9) = {value[2]:.6g}. Hint: the right branch must "
                "start at the left branch's value f(0): add the missing constant.")
    if slope_jump > 1e-5 * max(1.0, float(np.max(np.abs(slope0)))):
        return (f"{_NAME}: {WRONG} - the value is continuous but the slope jumps at 0: "
                f"f'(-1e-9) = {slope0[0]:.6g}, f'(0) = {slope0[1]:.6g}, f'(1e-9) = "
                f"{slope0[2]:.6g}. Hint: match the slopes too: add a linear term to one "
                "branch.")
    # 5. stable and finite at large |x|, in float64 and float32
    big_hint = "at large |x| the result must stay finite and no warning may appear"
    for dtype in (np.float64, np.float32):
        xb = np.array(_EXTREMES, dtype=dtype)
        yb = _call(forward, "forward", (xb,), np.dtype(dtype), xb.shape, big_hint)
        _call(backward, "backward", (xb, np.ones_like(xb)), np.dtype(dtype), xb.shape, big_hint)
        if dtype == np.float32:
            y64 = _call(forward, "forward", (xb.astype(np.float64),), f64, xb.shape)
            if not np.allclose(yb, y64, rtol=1e-5, atol=1e-6):
                return (f"{_NAME}: {WRONG} - in float32 forward({format_value(xb)}) gave "
                        f"{format_value(yb)}, in float64 {format_value(y64)}. Hint: the "
                        "float32 result must be the same function, rounded.")
    # 6. float32 on the ordinary grid, integer input and integer dout, 2-D input
    x32 = x.astype(np.float32)
    y32 = _call(forward, "forward", (x32,), np.dtype(np.float32), x.shape)
    d32 = _call(backward, "backward", (x32, dout.astype(np.float32)), np.dtype(np.float32),
                x.shape)
    y = _call(forward, "forward", (x,), f64, x.shape)
    if not (np.allclose(y32, y, rtol=1e-5, atol=1e-6) and np.allclose(d32, dx, rtol=1e-4,
                                                                        atol=1e-5)):
        return (f"{_NAME}: {WRONG} - the float32 results differ from the float64 ones by more "
                "than float32 rounding. Hint: use the same formula for every dtype.")
    xi = np.array([-3, -1, 0, 2, 5])
    di = np.array([1, -2, 3, 2, -1])
    yi = _call(forward, "forward", (xi,), f64, xi.shape)
    gi = _call(backward, "backward", (xi, di), f64, xi.shape)
    y_ref = _call(forward, "forward", (xi.astype(float),), f64, xi.shape)
    g_ref = _call(backward, "backward", (xi.astype(float), di.astype(float)), f64, xi.shape)
    if not (np.allclose(yi, y_ref, rtol=1e-12, atol=0) and np.allclose(gi, g_ref, rtol=1e-12,
                                                                       atol=0)):
        return (f"{_NAME}: {WRONG} - integer input gives other values than the same numbers "
                f"as floats: backward({format_value(xi)}, {format_value(di)}) = "
                f"{format_value(gi)}, expected {format_value(g_ref)}. Hint: an integer array "
                "truncates what is written into it (np.zeros_like(dout) is an integer array "
                "here): convert x and dout to float first.")
    X, D = x.reshape(9, 9), dout.reshape(9, 9)
    Y = _call(forward, "forward", (X,), f64, X.shape)
    G = _call(backward, "backward", (X, D), f64, X.shape)
    if not (np.allclose(Y.ravel(), y, rtol=1e-12, atol=0) and np.allclose(G.ravel(), dx,
                                                                           rtol=1e-12, atol=0)):
        return (f"{_NAME}: {WRONG} - on a 2-D array of shape (9, 9) the results differ from "
                "the same numbers as a 1-D array. Hint: work element-wise; no loops over "
                "len(x) or x[i] for a scalar.")
    return (f"{_NAME}: {CORRECT} - C¹ at 0 (value jump {value_jump:.1e}, slope jump "
            f"{slope_jump:.1e}), backward within {np.max(err):.1e} of central differences, "
            "finite and silent at ±1e4, float32 kept, integers promoted; all 8 checks passed.")


def check_custom_c1_activation(forward: Any, backward: Any = None) -> None:
    """Check the learner's ``forward(x)`` and ``backward(x, dout)``; print one line.

    There is no reference activation: any nonlinear function that is C¹ at 0 and satisfies
    the course's conventions passes.
    """
    try:
        # the checker's own arithmetic runs in its own numeric state, whatever the notebook set
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            line = _verdict(forward, backward)
    except _Stop as stop:
        line = str(stop)
    except Exception as exc:  # a bug in the checker must not break the notebook
        line = (f"{_NAME}: {WRONG} - the checker itself failed ({type(exc).__name__}: {exc}); "
                "please report this.")
    if line.startswith(f"{_NAME}: {WRONG}") and stuck_text(_NAME):
        line = f"{line} {stuck_text(_NAME)}"
    print(layout(line))


register(
    _NAME,
    checker=check_custom_c1_activation,
    solution=CustomC1ActivationSolution,
    checker_args=(CustomC1ActivationSolution.forward, CustomC1ActivationSolution.backward),
    hints=(
        "Pick two curves, one for x <= 0 and one for x > 0, and make them agree at 0 in value "
        "and in slope (as the notebook did with the softplus and the quadratic). Then write the "
        "derivative branch by branch.",
        "For example e^x - 1 for x <= 0 has value 0 and slope 1 at 0, the same as x. Evaluate "
        "each branch on its own half-line, np.minimum(x, 0) and np.maximum(x, 0), so that "
        "np.where never sees an overflow; use as_float_array for the dtype rules.",
        "forward: x = as_float_array(x); return np.where(x > 0, x, np.expm1(np.minimum(x, 0))); "
        "backward: return as_float_array(dout) * np.where(x > 0, 1, np.exp(np.minimum(x, 0)))",
    ),
)
