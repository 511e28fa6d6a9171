r"""The course's figure helpers: activation grids, curves, histograms, heat maps, boundaries.

* :func:`plot_activations` - several activations (or their derivatives) on one axes.
* :func:`plot_function_and_derivative` - a grid with one panel per activation,
  :math:`f` and :math:`f'` from the registry, kinks marked.
* :func:`plot_curves` - training histories and other curves over steps/epochs.
* :func:`plot_histograms` - overlaid histograms, e.g. activations per layer.
* :func:`plot_heatmap` - a matrix with labelled rows and columns.
* :func:`plot_decision_boundary` - a 2-D classifier's regions with its data.

Conventions: every function labels its axes and returns what it drew on (an
``Axes``, or the ``Figure`` for multi-panel plots); none calls ``plt.show()``.
A notebook cell ends with ``show(fig, alt=...)``, which displays the figure with its alt
text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from course_lib.plotting.style import COURSE_COLORS
from course_lib.validation import as_float_array, integer

__all__ = [
    "plot_activations",
    "plot_function_and_derivative",
    "plot_curves",
    "plot_histograms",
    "plot_heatmap",
    "plot_decision_boundary",
]

def _resolve(item: Any) -> Any:
    """A registry spec for a name; anything with ``name`` and ``derivative`` as is."""
    if isinstance(item, str):
        from course_lib.activations import get

        return get(item)
    if not (callable(item) and hasattr(item, "derivative") and hasattr(item, "name")):
        raise TypeError(
            "names_or_specs must hold activation names or registry specs (callables with "
            f"`name` and `derivative`); got {type(item).__name__}"
        )
    return item


def _as_list(names_or_specs: str | Any | Iterable[Any]) -> list[Any]:
    if isinstance(names_or_specs, str) or hasattr(names_or_specs, "derivative"):
        return [_resolve(names_or_specs)]
    items = [_resolve(i) for i in names_or_specs]
    if not items:
        raise ValueError("names_or_specs is empty; give at least one activation")
    return items


def _floats(x: ArrayLike, name: str, where: str) -> np.ndarray:
    """``x`` as a float64 array, or a clear ``TypeError`` (via :mod:`course_lib.validation`)."""
    return as_float_array(x, name, where=where).astype(np.float64, copy=False)


def _grid_x(x: ArrayLike | None, where: str) -> np.ndarray:
    if x is None:
        return np.linspace(-5.0, 5.0, 1001)
    arr = _floats(x, "x", where)
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"x must be a 1-D array of at least 2 points, got shape {arr.shape}")
    return arr


def plot_activations(
    names_or_specs: str | Any | Iterable[Any],
    x: ArrayLike | None = None,
    *,
    derivative: bool = False,
    params: Mapping[str, Mapping[str, float]] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Plot several activations (or their derivatives) on one axes.

    Parameters
    ----------
    names_or_specs
        Registry names (``"relu"``) or specs from :func:`course_lib.activations.get`.
    x
        1-D grid of inputs; default 1001 points on [-5, 5].
    derivative
        Plot :math:`f'(x)` instead of :math:`f(x)`.
    params
        Non-default parameters per name, e.g. ``{"leaky_relu": {"negative_slope": 0.1}}``.
    ax
        Axes to draw on; a new figure is made when None.
    title
        Axes title; a sensible default when None.

    Returns
    -------
    Axes

    Examples
    --------
    >>> ax = plot_activations(["relu", "sigmoid", "tanh"])
    """
    specs = _as_list(names_or_specs)
    xs = _grid_x(x, "plot_activations()")
    params = params or {}
    if ax is None:
        _, ax = plt.subplots()
    for spec in specs:
        p = dict(params.get(spec.name, {}))
        y = spec.derivative(xs, **p) if derivative else spec(xs, **p)
        label = spec.name + (f" ({_param_text(p)})" if p else "")
        ax.plot(xs, y, label=label)
    ax.axhline(0.0, color="0.5", linewidth=0.8, zorder=0)
    ax.axvline(0.0, color="0.5", linewidth=0.8, zorder=0)
    ax.set_xlabel("input $x$")
    ax.set_ylabel("derivative $f'(x)$" if derivative else "output $f(x)$")
    default_title = "Derivatives" if derivative else "Activation functions"
    ax.set_title(title if title is not None else default_title)
    ax.legend()
    return ax


def _param_text(params: Mapping[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in params.items())


def plot_function_and_derivative(
    names_or_specs: str | Any | Iterable[Any],
    x: ArrayLike | None = None,
    *,
    params: Mapping[str, Mapping[str, float]] | None = None,
    ncols: int = 3,
    panel_size: tuple[float, float] = (3.6, 2.8),
    mark_kinks: bool = True,
    kinks: Mapping[str, Sequence[float]] | None = None,
    title: str | None = None,
) -> Figure:
    r"""A grid with one panel per activation showing :math:`f` and :math:`f'`.

    :math:`f` is drawn solid, :math:`f'` dashed (both from the registry's
    analytic formulas); points where the derivative jumps (``spec.kinks``, for
    default parameters) are marked with a dotted vertical line and a dot at the
    value the derivative takes there by convention. One legend for the whole
    figure sits above the panels.

    Parameters
    ----------
    names_or_specs
        Registry names or specs.
    x
        1-D grid of inputs; default 1001 points on [-5, 5].
    params
        Non-default parameters per name.
    ncols
        Panels per row.
    panel_size
        Width and height of one panel in inches.
    mark_kinks
        Draw the kinks.
    kinks
        Kinks per name, overriding ``spec.kinks`` (which holds them for the
        default parameters), e.g. ``{"hard_tanh": (-2.0, 2.0)}`` with
        ``params={"hard_tanh": {"min_val": -2.0, "max_val": 2.0}}``.
    title
        Figure title (suptitle); none when None.

    Returns
    -------
    Figure
        With ``len(names_or_specs)`` visible axes.

    Examples
    --------
    >>> fig = plot_function_and_derivative(["relu", "leaky_relu", "elu"])
    """
    where = "plot_function_and_derivative()"
    ncols = integer(ncols, "ncols", where=where, minimum=1)
    specs = _as_list(names_or_specs)
    xs = _grid_x(x, where)
    params = params or {}
    ncols = min(ncols, len(specs))
    nrows = -(-len(specs) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(panel_size[0] * ncols, panel_size[1] * nrows + 0.6),
        squeeze=False,
    )
    f_color, df_color = COURSE_COLORS[0], COURSE_COLORS[1]
    for ax, spec in zip(axes.flat, specs, strict=False):
        p = dict(params.get(spec.name, {}))
        where = (kinks or {}).get(spec.name, getattr(spec, "kinks", ()))
        spec_kinks = [float(k) for k in where if xs[0] <= k <= xs[-1]]
        ax.plot(xs, spec(xs, **p), color=f_color, label="$f(x)$")
        # Break the derivative's line at each kink instead of drawing a vertical jump,
        # and show the value the convention assigns at the kink as a dot.
        xd = _break_at(xs[~np.isin(xs, spec_kinks)], spec_kinks)
        ax.plot(xd, spec.derivative(xd, **p), color=df_color, linestyle="--", label="$f'(x)$")
        if mark_kinks and spec_kinks:
            xk = np.asarray(spec_kinks, dtype=np.float64)
            for k in spec_kinks:
                ax.axvline(k, color="0.35", linestyle=":", linewidth=1.2, label="kink")
            ax.plot(xk, spec.derivative(xk, **p), linestyle="none", marker="o", markersize=5,
                    color=df_color, label="$f'$ at a kink")
        ax.axhline(0.0, color="0.5", linewidth=0.8, zorder=0)
        ax.set_title(spec.name + (f" ({_param_text(p)})" if p else ""))
        ax.set_xlabel("$x$")
        ax.set_ylabel("value")
    for ax in axes.flat[len(specs):]:
        ax.set_visible(False)
    handles, labels = [], []
    for ax in axes.flat[: len(specs)]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="outside upper center", ncols=len(labels))
    if title:
        fig.suptitle(title)
    return fig


def _break_at(xs: np.ndarray, points: Sequence[float]) -> np.ndarray:
    """``xs`` with a NaN inserted just after each of ``points`` (matplotlib breaks lines at NaN)."""
    if not len(points):
        return xs
    where = np.searchsorted(xs, np.asarray(points, dtype=np.float64), side="right")
    return np.insert(xs, where, np.nan)


def _label(ax: Axes, xlabel: str, ylabel: str, title: str | None, *, legend: bool) -> Axes:
    """Label both axes, add the title if there is one and the legend if asked; return ax."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if legend:
        ax.legend()
    return ax


def plot_curves(
    curves: Mapping[str, ArrayLike],
    *,
    x: ArrayLike | None = None,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    title: str | None = None,
    logy: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Plot named curves, e.g. training histories, against a shared x.

    Parameters
    ----------
    curves
        Label -> 1-D values, e.g. ``{"relu": history["loss"], "tanh": ...}``.
    x
        x values; default 1, 2, ..., len (epochs count from 1).
    xlabel, ylabel, title
        Axis labels and title.
    logy
        Logarithmic y axis.
    ax
        Axes to draw on; a new figure is made when None.

    Returns
    -------
    Axes
    """
    if not curves:
        raise ValueError("curves is empty; give at least one labelled curve")
    if ax is None:
        _, ax = plt.subplots()
    for label, values in curves.items():
        y = _floats(values, f"curve {label!r}", "plot_curves()")
        if y.ndim != 1:
            raise ValueError(f"curve {label!r} must be 1-D, got shape {y.shape}")
        xs = np.arange(1, y.size + 1) if x is None else _floats(x, "x", "plot_curves()")
        if xs.shape != y.shape:
            raise ValueError(f"x has shape {xs.shape} but curve {label!r} has shape {y.shape}")
        ax.plot(xs, y, label=str(label))
    if logy:
        ax.set_yscale("log")
    return _label(ax, xlabel, ylabel, title, legend=True)


def plot_histograms(
    samples: Mapping[str, ArrayLike],
    *,
    bins: int | ArrayLike = 50,
    value_range: tuple[float, float] | None = None,
    xlabel: str = "value",
    ylabel: str = "density",
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Overlaid density histograms (outlined steps, so overlaps stay readable).

    Parameters
    ----------
    samples
        Label -> array of values (flattened).
    bins
        Number of bins or bin edges, shared by all samples.
    value_range
        (low, high) of the bins; default the range of all samples together.
    xlabel, ylabel, title
        Axis labels and title.
    ax
        Axes to draw on; a new figure is made when None.

    Returns
    -------
    Axes
    """
    if not samples:
        raise ValueError("samples is empty; give at least one labelled sample")
    arrays = {k: _floats(v, f"sample {k!r}", "plot_histograms()").ravel()
              for k, v in samples.items()}
    if value_range is None:
        finite = np.concatenate([a[np.isfinite(a)] for a in arrays.values()])
        if finite.size == 0:
            raise ValueError("samples contain no finite values")
        value_range = (float(finite.min()), float(finite.max()))
        if value_range[0] == value_range[1]:
            value_range = (value_range[0] - 0.5, value_range[1] + 0.5)
    if ax is None:
        _, ax = plt.subplots()
    for label, values in arrays.items():
        ax.hist(values, bins=bins, range=value_range, density=True, histtype="step",
                linewidth=1.8, label=str(label))
    return _label(ax, xlabel, ylabel, title, legend=True)


def plot_heatmap(
    matrix: ArrayLike,
    *,
    xticklabels: Sequence[str] | None = None,
    yticklabels: Sequence[str] | None = None,
    xlabel: str = "column",
    ylabel: str = "row",
    colorbar_label: str = "value",
    title: str | None = None,
    annotate: bool = False,
    fmt: str = "{:.2f}",
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """A matrix as a colour image with labelled axes and a colour bar.

    Parameters
    ----------
    matrix
        2-D array (rows, columns).
    xticklabels, yticklabels
        One label per column / row; indices when None.
    xlabel, ylabel, colorbar_label, title
        Labels.
    annotate
        Write each value (formatted with ``fmt``) in its cell; for small matrices.
    cmap, vmin, vmax
        Colour map and its limits.
    ax
        Axes to draw on; a new figure is made when None.

    Returns
    -------
    Axes
    """
    m = _floats(matrix, "matrix", "plot_heatmap()")
    if m.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {m.shape}")
    ticks = (("xticklabels", xticklabels, m.shape[1]), ("yticklabels", yticklabels, m.shape[0]))
    for name, labels, n in ticks:
        if labels is not None and len(labels) != n:
            raise ValueError(f"{name} needs {n} labels, got {len(labels)}")
    if ax is None:
        _, ax = plt.subplots()
    image = ax.imshow(m, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto", interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label=colorbar_label)
    ax.grid(False)
    if xticklabels is not None:
        ax.set_xticks(range(m.shape[1]), labels=list(xticklabels), rotation=45, ha="right")
    if yticklabels is not None:
        ax.set_yticks(range(m.shape[0]), labels=list(yticklabels))
    if annotate:
        lo, hi = np.nanmin(m), np.nanmax(m)
        mid = (lo + hi) / 2
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=9,
                    color="white" if v < mid else "black")
    return _label(ax, xlabel, ylabel, title, legend=False)


# Classes told apart by shape too, for readers who cannot tell the colours apart.
_CLASS_MARKERS = ("o", "^", "s", "D", "v", "P")


def plot_decision_boundary(
    predict: Callable[[np.ndarray], ArrayLike],
    X: ArrayLike,
    y: ArrayLike,
    *,
    grid_size: int = 200,
    margin: float = 0.5,
    title: str | None = None,
    xlabel: str = "$x_1$",
    ylabel: str = "$x_2$",
    ax: Axes | None = None,
) -> Axes:
    """A 2-D classifier's predicted regions, with the labelled data on top.

    Parameters
    ----------
    predict
        Maps inputs of shape (n, 2) to class labels (n,) or class scores (n, k)
        (the arg-max is taken).
    X, y
        Data (n, 2) and integer labels (n,).
    grid_size
        Grid points per axis.
    margin
        Space around the data, in data units.
    title, xlabel, ylabel
        Labels.
    ax
        Axes to draw on; a new figure is made when None.

    Returns
    -------
    Axes
    """
    X = _floats(X, "X", "plot_decision_boundary()")
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
    lo = X.min(axis=0) - margin
    hi = X.max(axis=0) + margin
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], grid_size), np.linspace(lo[1], hi[1], grid_size))
    grid = np.column_stack([g0.ravel(), g1.ravel()])
    pred = np.asarray(predict(grid))
    if pred.ndim == 2:
        pred = pred.argmax(axis=1) if pred.shape[1] > 1 else (pred[:, 0] > 0.5)
    classes = np.unique(y)
    pred = np.searchsorted(classes, pred.reshape(g0.shape)).astype(np.float64)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.0))
    colors = [COURSE_COLORS[i % len(COURSE_COLORS)] for i in range(len(classes))]
    cmap = mpl.colors.ListedColormap(colors)
    levels = np.arange(len(classes) + 1) - 0.5
    ax.contourf(g0, g1, pred, levels=levels, cmap=cmap, alpha=0.25)
    for i, c in enumerate(classes):  # a marker per class as well as a colour
        mask = y == c
        ax.scatter(X[mask, 0], X[mask, 1], s=16, color=COURSE_COLORS[i % len(COURSE_COLORS)],
                   marker=_CLASS_MARKERS[i % len(_CLASS_MARKERS)],
                   edgecolors="white", linewidths=0.4, label=f"class {c}")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    return _label(ax, xlabel, ylabel, title, legend=True)
