r"""The property table, measured from the code of each activation.

:func:`property_table` evaluates every registered activation (default parameters) and its
derivative and returns, per activation, what the registry's :class:`Properties` records
claim, measured independently:

* **range**: the infimum and supremum, from the limits at :math:`\pm\infty` and the extreme
  over a grid on :math:`[-60, 60]` refined by bounded minimisation; an end is *attained*
  when an input with :math:`|x| \le 8` comes within :math:`10^{-9}` of it (an end that is
  only a limit is approached in the tails only);
* **monotonic**: no step down of f and no negative slope on the grid;
* **smooth** (C¹): no jump of :math:`f'` between neighbouring grid points (step
  :math:`2.5\cdot10^{-3}`) larger than :math:`10^{-2}`; each jump found is located by
  bisection and listed in ``kinks``;
* **zero-centred**: :math:`|E f(Z)| < 10^{-3}\sqrt{E f(Z)^2}` for :math:`Z \sim N(0, 1)`,
  the expectations computed by 20-point Gauss–Legendre quadrature on panels of width 0.25
  over :math:`[-12, 12]`, split at the kinks (accurate to about :math:`10^{-15}`);
* **self-gated**: :math:`f(x) = x\,g(x)` with :math:`g` continuous, non-decreasing, from 0 to 1.

pandas is imported when the table is built, not with the module.

Examples
--------
>>> table = property_table()
>>> relu = table.loc["relu"]
>>> relu["range"], bool(relu["monotonic"]), bool(relu["smooth"]), relu["kinks"]
('[0, ∞)', True, False, (0.0,))
>>> round(float(table.loc["selu", "mean_square_output"]), 12)  # SELU keeps E f(Z)^2 = 1
1.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from course_lib.activations.registry import ActivationSpec, Properties, get, names

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["property_table"]

_GRID_HALF_WIDTH = 60.0
_GRID_POINTS = 48_001  # step 2.5e-3
_MODERATE = 8.0  # an attained bound is reached for some |x| <= 8
_ATTAINED_GAP = 1e-9
_JUMP = 1e-2  # a larger change of f' between neighbouring grid points is a kink
_ZERO_MEAN = 1e-3  # |E f(Z)| below this fraction of the RMS counts as zero-centred
_GAUSS_HALF_WIDTH = 12.0  # the normal density is below 1e-31 beyond
_PANEL = 0.25
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(20)


def _value(spec: ActivationSpec, x: float) -> float:
    return float(spec(x))


def _range_end(
    spec: ActivationSpec, grid: np.ndarray, values: np.ndarray, sign: float
) -> tuple[float, bool]:
    """The infimum (sign = -1) or supremum (sign = +1) of f, and whether it is attained."""
    from scipy.optimize import minimize_scalar

    limits = [_value(spec, -math.inf), _value(spec, math.inf)]
    i = int(np.argmax(sign * values))
    best = minimize_scalar(
        lambda t: -sign * _value(spec, t),
        bounds=(grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]),
        method="bounded",
        options={"xatol": 1e-12},
    )
    refined = _value(spec, float(best.x))
    candidates = [*limits, float(values[i]), refined]
    end = max(candidates) if sign > 0 else min(candidates)
    if math.isinf(end) or math.isnan(end):
        return end, False
    moderate = spec(np.linspace(-_MODERATE, _MODERATE, 6_401))
    gap = float(np.min(np.abs(moderate - end)))
    if abs(float(best.x)) <= _MODERATE:
        gap = min(gap, abs(refined - end))
    return end, gap <= _ATTAINED_GAP


def _locate_kink(spec: ActivationSpec, a: float, b: float) -> float:
    """Bisect [a, b] down to 1e-12 keeping the half where the slope changes most."""
    da, db = float(spec.derivative(a)), float(spec.derivative(b))
    while b - a > 1e-12:
        m = 0.5 * (a + b)
        dm = float(spec.derivative(m))
        if abs(dm - da) >= abs(db - dm):
            b, db = m, dm
        else:
            a, da = m, dm
    return float(round(0.5 * (a + b), 6)) + 0.0  # + 0.0 turns -0.0 into 0.0


def _gaussian_moments(spec: ActivationSpec, kinks: Sequence[float]) -> tuple[float, float]:
    """E f(Z) and E f(Z)^2 for Z ~ N(0, 1), by Gauss-Legendre panels split at the kinks."""
    edges = np.linspace(-_GAUSS_HALF_WIDTH, _GAUSS_HALF_WIDTH,
                        int(2 * _GAUSS_HALF_WIDTH / _PANEL) + 1)
    inside = [k for k in kinks if abs(k) < _GAUSS_HALF_WIDTH]
    edges = np.unique(np.concatenate([edges, inside]))
    lo, hi = edges[:-1, None], edges[1:, None]
    z = 0.5 * (hi - lo) * _NODES + 0.5 * (hi + lo)
    w = 0.5 * (hi - lo) * _WEIGHTS * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    f = spec(z)
    return float(np.sum(w * f)), float(np.sum(w * f * f))


def _is_self_gated(spec: ActivationSpec, grid: np.ndarray, values: np.ndarray) -> bool:
    keep = np.abs(grid) > 1e-3
    gate = values[keep] / grid[keep]
    steps = np.diff(gate)
    return bool(
        gate.min() >= -1e-12
        and gate.max() <= 1.0 + 1e-12
        and steps.min() >= -1e-12
        and np.abs(steps).max() < _JUMP
        and abs(values[0]) < 1e-6
        and gate[-1] > 1.0 - 1e-6
    )


def _measure(spec: ActivationSpec) -> dict[str, Any]:
    grid = np.linspace(-_GRID_HALF_WIDTH, _GRID_HALF_WIDTH, _GRID_POINTS)
    values = spec(grid)
    slopes = spec.derivative(grid)
    low, low_attained = _range_end(spec, grid, values, -1.0)
    high, high_attained = _range_end(spec, grid, values, 1.0)
    jumps = np.abs(np.diff(slopes))
    # A slope that takes a third value at the kink itself jumps twice: count the kink once.
    kinks = tuple(
        sorted({_locate_kink(spec, grid[i], grid[i + 1]) for i in np.flatnonzero(jumps > _JUMP)})
    )
    mean, mean_square = _gaussian_moments(spec, kinks)
    props = Properties(
        output_range=(low, high),
        range_closed=(low_attained, high_attained),
        monotonic=bool(np.diff(values).min() >= 0.0 and slopes.min() >= 0.0),
        smooth=not kinks,
        zero_centred=abs(mean) < _ZERO_MEAN * math.sqrt(mean_square),
        self_gated=_is_self_gated(spec, grid, values),
    )
    return {
        "formula": spec.formula,
        "range": props.range_text(),
        "range_low": low,
        "range_high": high,
        "low_attained": low_attained,
        "high_attained": high_attained,
        "bounded_below": props.bounded_below,
        "bounded_above": props.bounded_above,
        "bounded": props.bounded_below and props.bounded_above,
        "monotonic": props.monotonic,
        "smooth": props.smooth,
        "kinks": kinks,
        "zero_centred": props.zero_centred,
        "self_gated": props.self_gated,
        "mean_output": mean,
        "mean_square_output": mean_square,
        "derivative_at_0": float(spec.derivative(0.0)),
    }


def property_table(activations: Sequence[str] | None = None) -> pd.DataFrame:
    r"""Measure the properties of activations from their code, one row per activation.

    Parameters
    ----------
    activations : sequence of str, optional
        Registered names (aliases allowed); default: every name in :func:`names` order.

    Returns
    -------
    pandas.DataFrame
        Indexed by activation name, with the columns

        ``formula`` (LaTeX, from the registry), ``range`` (interval notation),
        ``range_low``, ``range_high`` (infimum and supremum, may be ``±inf``),
        ``low_attained``, ``high_attained`` (the end is reached at a finite input),
        ``bounded_below``, ``bounded_above``, ``bounded``, ``monotonic``,
        ``smooth`` (C¹), ``kinks`` (tuple of the x where :math:`f'` jumps),
        ``zero_centred``, ``self_gated``, ``mean_output`` (:math:`E f(Z)`),
        ``mean_square_output`` (:math:`E f(Z)^2`), ``derivative_at_0``,

        all measured with each activation's default parameters (see the module docstring).

    Examples
    --------
    >>> table = property_table(["tanh", "gelu"])
    >>> table["range"].tolist(), table["monotonic"].tolist(), table["derivative_at_0"].tolist()
    (['(-1, 1)', '[-0.17, ∞)'], [True, False], [1.0, 0.5])
    """
    import pandas as pd

    chosen = names() if activations is None else [get(n).name for n in activations]
    rows = {name: _measure(get(name)) for name in chosen}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "name"
    return table
