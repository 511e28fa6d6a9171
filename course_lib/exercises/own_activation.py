r"""The substantial exercise of notebook 06: an activation of the learner's own design, C¹.

* :func:`check_custom_c1_activation` - the learner's *own* activation, forward and backward:
  the checker has no reference values; it verifies properties. Value and slope continuous
  at 0 and at every join it finds on :math:`[-10^4, 10^4]`, backward equal to ``dout`` times
  central differences of the forward, nonlinear, finite and silent at :math:`\pm 10^4`
  (float64 and float32), float32 kept, integers promoted (``dout`` too), any shape, inputs
  unchanged.
* :class:`CustomC1ActivationSolution` - one answer (CELU, ELU with alpha = 1); its
  ``forward`` and ``backward`` are what ``use("custom_c1_activation", f, b)`` returns until
  the learner's pair passes.

The short exercises and questions of the same notebook are in
:mod:`course_lib.exercises.custom`, which re-exports both names.

Used by: 06_custom_activation.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.exercises._guard import TimeLimitExceeded, _run_guarded
from course_lib.exercises._verdict import (
    CORRECT_STATUS,
    NOT_IMPLEMENTED_STATUS,
    WRONG_STATUS,
    make_verdict,
    report,
)
from course_lib.exercises.core import TIME_LIMIT, format_value
from course_lib.exercises.help import register
from course_lib.validation import as_float_array

__all__ = ["CustomC1ActivationSolution", "check_custom_c1_activation"]

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
    """Internal: carries a finished verdict (not implemented, or wrong) out of the checks."""

    def __init__(self, status: str, finding: str, case: str | None = None, hint: str = "",
                 details: str = "") -> None:
        super().__init__(finding)
        self.status, self.finding, self.case, self.hint, self.details = (
            status, finding, case, hint, details)


def _wrong(finding: str, case: str | None = None, hint: str = "", details: str = "") -> _Stop:
    return _Stop(WRONG_STATUS, finding, case, hint, details)


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


def _call_text(label: str, args: tuple) -> str:
    """The call in a few words: large inputs by shape and range, never all their values."""
    return f"{label}(" + ", ".join(format_value(a) for a in args) + ")"


def _call(func: Callable, label: str, args: tuple, dtype: np.dtype, shape: tuple,
          hint: str = "") -> np.ndarray:
    """Call the learner's function; return its result or raise _Stop with the verdict."""
    given = copy.deepcopy(args)
    result, exc, warning = _guarded(func, given)
    call = _call_text(label, args)
    if isinstance(exc, NotImplementedError):
        raise _Stop(NOT_IMPLEMENTED_STATUS, f"write {label}, then run the cell again")
    if isinstance(exc, TimeLimitExceeded):
        raise _wrong(f"{label} ran for more than {TIME_LIMIT:g} s and was stopped", call,
                     "work on whole arrays with numpy; no Python loop over the elements.")
    if exc is not None:
        raise _wrong(f"{label} raised {type(exc).__name__}: {exc}", call,
                     hint or "run it on this input yourself to see where it fails.")
    if warning is not None:
        raise _wrong(
            f"{label} warned {warning.category.__name__}: {warning.message}", call,
            f"{hint or 'no inf or NaN may appear along the way'}; np.where computes both "
            "branches for every element, so give each branch only its own half-line "
            "(np.minimum(x, 0), np.maximum(x, 0)).")
    for name, before, after in zip(("x", "dout"), args, given, strict=False):
        if not _unchanged(before, after):
            raise _wrong(f"{label} modified its argument {name}", call,
                         "build a new array (np.where, multiplication) instead of writing "
                         "into x or dout.", details=f"{name} is now {format_value(after)}.")
    result = _plain(result)
    if not isinstance(result, np.ndarray):
        raise _wrong(f"{label} returned a {type(result).__name__}, not a numpy array", call,
                     "compute with numpy functions on the whole array.")
    if result.dtype != dtype:
        raise _wrong(f"{label} returned dtype {result.dtype}, expected {np.dtype(dtype)}",
                     call, "float32 in gives float32 out and integers become float64 "
                     "(as_float_array does both; do not force a dtype).")
    if result.shape != shape:
        raise _wrong(f"{label} returned shape {result.shape}, expected {shape}", call,
                     "work element-wise on an array of any shape.")
    if not np.all(np.isfinite(result)):
        bad = int(np.argmax(~np.isfinite(result.ravel())))
        at = np.asarray(args[0]).ravel()[bad]
        raise _wrong(f"{label} returned {format_value(result.ravel()[bad])} at x = "
                     f"{format_value(at)}, which is not finite", call,
                     hint or "every finite input needs a finite result.")
    return result


# Where the checker looks: a dense grid on [-60, 60] (pieces can meet anywhere, not only at
# 0), a coarser one out to |x| = 1e4, and 0 itself.
_CORE = np.linspace(-60.0, 60.0, 120_001)  # step 1e-3
_TAIL = np.linspace(60.0, 1e4, 19_881)  # step 0.5
_F64 = np.dtype(np.float64)


def _spikes(f: np.ndarray) -> np.ndarray:
    """How far each second difference on a uniform grid stands out from its neighbours.

    A smooth function gives step**4 times its fourth derivative; a slope jump s gives
    about s * step and a value jump J about J, at the grid points next to it.
    Aligned with ``f[2:-2]``.
    """
    c = f[2:] - 2.0 * f[1:-1] + f[:-2]
    return np.abs(c[1:-1] - 0.5 * (c[:-2] + c[2:]))


def _candidates(x: np.ndarray, f: np.ndarray, count: int) -> list[float]:
    """The ``count`` most suspicious points of a uniform grid, at least 5 steps apart."""
    score = _spikes(f) / np.maximum(1.0, np.abs(f[2:-2]))
    chosen: list[int] = []
    for i in np.argsort(score, kind="stable")[::-1]:
        if len(chosen) == count or score[i] == 0.0:
            break
        if all(abs(int(i) - j) > 5 for j in chosen):
            chosen.append(int(i))
    return [float(x[i + 2]) for i in chosen]


def _locate(forward: Callable, center: float, half_width: float) -> float:
    """Zoom in on the join nearest ``center``: each round keeps 3 steps around the largest
    spike of a 2001-point grid, as long as that spike stands out from rounding noise."""
    eps = float(np.finfo(np.float64).eps)
    for _ in range(6):
        if half_width < 1e-12 * max(1.0, abs(center)):
            break
        g = np.linspace(center - half_width, center + half_width, 2001)
        f = _call(forward, "forward", (g,), _F64, g.shape)
        score = _spikes(f)
        if np.max(score) < 1e3 * eps * max(1.0, float(np.max(np.abs(f)))):
            break  # nothing but rounding here: the join is as close as we can tell
        center = float(g[int(np.argmax(score)) + 2])
        half_width = 3.0 * (g[1] - g[0])
    return center


def _join_jumps(forward: Callable, j: float) -> tuple[float, float, float, float]:
    """Value jump and slope jump at ``j``, by Richardson extrapolation to zero width.

    V(w) = f(j+w) - f(j-w) = J + 2 w f' + O(w**2) gives J = 2 V(w) - V(2w), and
    D(w) = (f(j+w) - 2 f(j) + f(j-w)) / w = s + w f'' + ... gives the slope jump
    s = 2 D(w) - D(2w). Where the second derivative jumps (a C¹ join, located to a few
    1e-6 at best, since its signal is below rounding closer in) the estimate of s is off by
    at most that distance times the curvature, which the tolerance allows for.
    Returns (J, tolerance of J, s, tolerance of s).
    """
    scale = max(1.0, abs(j))
    wv, ws = 1e-7 * scale, 1e-4 * scale
    pts = j + np.array([-2 * wv, -wv, wv, 2 * wv, -2 * ws, -ws, 0.0, ws, 2 * ws])
    f = _call(forward, "forward", (pts,), _F64, pts.shape)
    size = max(1.0, float(np.max(np.abs(f))))
    value_jump = 2.0 * (f[2] - f[1]) - (f[3] - f[0])
    d1 = (f[7] - 2.0 * f[6] + f[5]) / ws
    d2 = (f[8] - 2.0 * f[6] + f[4]) / (2 * ws)
    slope = abs(f[7] - f[5]) / (2 * ws)
    slope_jump = 2.0 * d1 - d2
    curvature = max(abs(f[4] - 2 * f[5] + f[6]), abs(f[6] - 2 * f[7] + f[8])) / ws**2
    eps = float(np.finfo(np.float64).eps)
    return (float(value_jump), 1e-11 * size, float(slope_jump),
            1e-7 * max(1.0, slope) + 1e-5 * curvature + 64 * eps * size / ws)


def _float32_arithmetic(values: np.ndarray) -> bool:
    """True when float64 results are all float32 numbers: computed in float32 (or less)."""
    nonzero = values[values != 0]
    return nonzero.size >= 20 and bool(
        np.all(nonzero.astype(np.float32).astype(np.float64) == nonzero))


def _check_region(forward: Callable, backward: Callable, grids: list[np.ndarray],
                  count: int, include_zero: bool) -> list[float]:
    """Chain rule, continuity at every join, and backward against central differences of
    the learner's own forward, on uniform ``grids``; return the joins found."""
    # chain rule: backward(x, dout) = dout * backward(x, 1)
    xd = np.concatenate([g[::10] for g in grids])
    dd = np.random.default_rng(1).standard_normal(xd.shape)
    slope_d = _call(backward, "backward", (xd, np.ones_like(xd)), _F64, xd.shape)
    dx_d = _call(backward, "backward", (xd, dd), _F64, xd.shape)
    bad = ~np.isclose(dx_d, dd * slope_d, rtol=1e-12, atol=1e-300)
    if np.any(bad):
        i = int(np.argmax(bad))
        raise _wrong(f"backward(x, dout) is not dout * f'(x): at x = {xd[i]:.6g} with "
                     f"dout = {dd[i]:.6g}, f'(x) = backward(x, 1) = {slope_d[i]:.8g}, so "
                     f"expected {dd[i] * slope_d[i]:.8g}, got {dx_d[i]:.8g}",
                     _call_text("backward", (xd, dd)),
                     "multiply the derivative by the upstream gradient dout.")
    # value and slope continuous at every join
    brackets = [(0.0, 3e-3)] if include_zero else []
    for g in grids:
        f = _call(forward, "forward", (g,), _F64, g.shape)
        brackets += [(c, 3 * (g[1] - g[0])) for c in _candidates(g, f, count)]
    # located to about 1e-9 at best: print x = 0.5, not 0.50000000000000031
    joins = sorted({round(_locate(forward, c, w), 9) for c, w in brackets})
    worst_value = worst_slope = (0.0, 0.0, 0.0)
    for j in joins:
        value_jump, tol_v, slope_jump, tol_s = _join_jumps(forward, j)
        worst_value = max(worst_value, (abs(value_jump) / tol_v, j, value_jump))
        worst_slope = max(worst_slope, (abs(slope_jump) / tol_s, j, slope_jump))
    if worst_value[0] > 1.0:
        _, j, jump = worst_value
        near = np.array([j - 1e-7 * max(1.0, abs(j)), j + 1e-7 * max(1.0, abs(j))])
        f_near = _call(forward, "forward", (near,), _F64, near.shape)
        raise _wrong(f"the value jumps by {jump:.2g} at x = {j:.6g}: f just left of it is "
                     f"{f_near[0]:.12g}, just right {f_near[1]:.12g}", None,
                     "the two pieces must meet exactly: make the second piece start at the "
                     "first one's value there (an exact constant, e.g. np.log(2), not a "
                     "rounded or float32 one).")
    if worst_slope[0] > 1.0:
        _, j, jump = worst_slope
        raise _wrong(f"the value is continuous but the slope jumps by {jump:.3g} at "
                     f"x = {j:.6g}", None,
                     "match the slopes too where your pieces meet: add a linear term to one "
                     "piece so that both derivatives agree there.")
    # backward against central differences of the learner's own forward, away from joins;
    # fourth order, (8 (f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / 12h, so that a sharp but
    # smooth function (softplus(300 x) / 300) is not mistaken for a wrong derivative
    xs = np.concatenate([g[::10] + 0.37 * (g[1] - g[0]) for g in grids])
    h = 1e-5 * np.maximum(1.0, np.abs(xs))
    near_join = np.zeros(xs.shape, dtype=bool)
    for j in joins:
        near_join |= np.abs(xs - j) < 5 * h
    xs, h = xs[~near_join], h[~near_join]
    f0 = _call(forward, "forward", (xs,), _F64, xs.shape)

    def step(k: float) -> np.ndarray:
        return (_call(forward, "forward", (xs + k * h,), _F64, xs.shape)
                - _call(forward, "forward", (xs - k * h,), _F64, xs.shape))

    fd = (8.0 * step(1.0) - step(2.0)) / (12.0 * h)
    analytic = _call(backward, "backward", (xs, np.ones_like(xs)), _F64, xs.shape)
    eps = float(np.finfo(np.float64).eps)
    tol = 1e-9 * np.maximum(1.0, np.abs(fd)) + 64 * eps * np.maximum(1.0, np.abs(f0)) / h
    err = np.abs(analytic - fd) / tol
    if np.max(err) > 1.0:
        i = int(np.argmax(err))
        raise _wrong(f"backward(x, 1) disagrees with the central difference of your forward "
                     f"at x = {xs[i]:.6g}: {analytic[i]:.10g} against {fd[i]:.10g}", None,
                     "differentiate every piece of your forward (check each piece's formula "
                     "and where it applies), in the input's precision.")
    return joins


def _verdict(forward: Any, backward: Any) -> tuple[str, str]:
    """Run every check; return (status, finding) of a correct answer or raise _Stop."""
    if not (callable(forward) and callable(backward)):
        raise _wrong(f"expected two functions, got {format_value(forward)} and "
                     f"{format_value(backward)}", None,
                     "pass the functions themselves: "
                     "check_custom_c1_activation(my_forward, my_backward).")
    # 1. the ordinary grid: results of the right type, dtype and shape
    x = np.linspace(-4.0, 4.0, 81)
    ones = np.ones_like(x)
    dout = np.random.default_rng(0).standard_normal(x.shape)
    _call(forward, "forward", (x,), _F64, x.shape)
    _call(backward, "backward", (x, ones), _F64, x.shape)
    _call(backward, "backward", (x, dout), _F64, x.shape)

    # 2. float64 arithmetic for float64 input (float32 inside hides behind a float64 dtype)
    xg = np.linspace(-6.0, 6.0, 401) + 0.0037
    dg = np.random.default_rng(2).standard_normal(xg.shape)
    fg = _call(forward, "forward", (xg,), _F64, xg.shape)
    gg = _call(backward, "backward", (xg, dg), _F64, xg.shape)
    for label, values, args in (("forward", fg, (xg,)), ("backward", gg, (xg, dg))):
        if _float32_arithmetic(values):
            raise _wrong(f"{label} of a float64 input returns float32 numbers (about 7 "
                         "digits) converted to float64", _call_text(label, args),
                         "compute in the input's precision: no astype(np.float32) and no "
                         "float32 constants or arrays inside.")
    # 3. an activation must bend
    slope = _call(backward, "backward", (xg, np.ones_like(xg)), _F64, xg.shape)
    if np.ptp(slope) < 1e-3:
        raise _wrong(f"the slope is the same everywhere ({slope[0]:.6g}): the function is "
                     "linear, and a network of linear layers stays linear", None,
                     "join two different curves at 0.")
    # 4.-6. on [-60, 60]: chain rule, value and slope continuous at every join (0 and
    # wherever the scan finds one), backward against central differences of the forward
    joins = _check_region(forward, backward, [_CORE], 12, include_zero=True)

    # 7. stable and finite at large |x|, in float64 and float32
    big_hint = "at large |x| the result must stay finite and no warning may appear"
    for dtype in (np.float64, np.float32):
        xb = np.array(_EXTREMES, dtype=dtype)
        yb = _call(forward, "forward", (xb,), np.dtype(dtype), xb.shape, big_hint)
        _call(backward, "backward", (xb, np.ones_like(xb)), np.dtype(dtype), xb.shape, big_hint)
        if dtype == np.float32:
            y64 = _call(forward, "forward", (xb.astype(np.float64),), _F64, xb.shape)
            if not np.allclose(yb, y64, rtol=1e-5, atol=1e-6):
                raise _wrong(f"in float32 forward gives {format_value(yb)}, in float64 "
                             f"{format_value(y64)}", _call_text("forward", (xb,)),
                             "the float32 result must be the same function, rounded.")
    # 8. the same three checks out to |x| = 1e4
    joins += _check_region(forward, backward, [_TAIL, -_TAIL[::-1]], 4, include_zero=False)
    # 9. float32 on the ordinary grid, integer input and integer dout, 2-D input
    x32 = x.astype(np.float32)
    y32 = _call(forward, "forward", (x32,), np.dtype(np.float32), x.shape)
    d32 = _call(backward, "backward", (x32, dout.astype(np.float32)), np.dtype(np.float32),
                x.shape)
    y = _call(forward, "forward", (x,), _F64, x.shape)
    dx = _call(backward, "backward", (x, dout), _F64, x.shape)
    if not (np.allclose(y32, y, rtol=1e-5, atol=1e-6)
            and np.allclose(d32, dx, rtol=1e-4, atol=1e-5)):
        raise _wrong("the float32 results differ from the float64 ones by more than float32 "
                     "rounding", _call_text("forward", (x32,)),
                     "use the same formula for every dtype.")
    xi = np.array([-3, -1, 0, 2, 5])
    di = np.array([1, -2, 3, 2, -1])
    yi = _call(forward, "forward", (xi,), _F64, xi.shape)
    gi = _call(backward, "backward", (xi, di), _F64, xi.shape)
    y_ref = _call(forward, "forward", (xi.astype(float),), _F64, xi.shape)
    g_ref = _call(backward, "backward", (xi.astype(float), di.astype(float)), _F64, xi.shape)
    if not (np.allclose(yi, y_ref, rtol=1e-12, atol=0)
            and np.allclose(gi, g_ref, rtol=1e-12, atol=0)):
        raise _wrong(f"integer input gives other values than the same numbers as floats: "
                     f"expected {format_value(g_ref)}, got {format_value(gi)}",
                     _call_text("backward", (xi, di)),
                     "an integer array truncates what is written into it "
                     "(np.zeros_like(dout) is an integer array here): convert x and dout to "
                     "float first.")
    X, D = x.reshape(9, 9), dout.reshape(9, 9)
    Y = _call(forward, "forward", (X,), _F64, X.shape)
    G = _call(backward, "backward", (X, D), _F64, X.shape)
    if not (np.allclose(Y.ravel(), y, rtol=1e-12, atol=0)
            and np.allclose(G.ravel(), dx, rtol=1e-12, atol=0)):
        raise _wrong("on a 2-D array of shape (9, 9) the results differ from the same numbers "
                     "as a 1-D array", _call_text("forward", (X,)),
                     "work element-wise; no loops over len(x) or x[i] for a scalar.")
    return CORRECT_STATUS, (
        "value and slope continuous at 0 and at every join found on [-1e4, 1e4], backward "
        "equal to central differences of your forward everywhere, finite and silent at "
        "±1e4, float32 kept, integers promoted; all 9 checks passed.")


def check_custom_c1_activation(forward: Any, backward: Any = None) -> None:
    """Check the learner's ``forward(x)`` and ``backward(x, dout)``; print the verdict.

    There is no reference activation: any nonlinear function that is C¹ everywhere and
    satisfies the course's conventions passes. The checker scans a dense grid for the
    places where pieces meet (not only 0), checks value and slope continuity at each, and
    the backward pass against central differences of the learner's own forward.
    """
    try:
        # the checker's own arithmetic runs in its own numeric state, whatever the notebook set
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            status, finding = _verdict(forward, backward)
        verdict = make_verdict(_NAME, status, finding)
    except _Stop as stop:
        verdict = make_verdict(_NAME, stop.status, stop.finding, case=stop.case,
                               hint=stop.hint, details=stop.details)
    except Exception as exc:  # a bug in the checker must not break the notebook
        verdict = make_verdict(_NAME, WRONG_STATUS, f"the checker itself failed "
                               f"({type(exc).__name__}: {exc}); please report this")
    report(verdict)


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
        "For example (as_float_array from course_lib.validation):\n"
        "def forward(x):\n"
        "    x = as_float_array(x)\n"
        "    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))\n"
        "\n"
        "def backward(x, dout):\n"
        "    x = as_float_array(x)\n"
        "    return as_float_array(dout) * np.where(x > 0, 1, np.exp(np.minimum(x, 0)))",
    ),
)
