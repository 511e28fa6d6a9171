r"""Figures of one parameter's effect, and sliders to move that parameter.

Each ``plot_*`` function is pure: it takes the parameter's value, computes what to draw
with :mod:`course_lib` (no training, a few milliseconds) and returns the ``Figure``. A
notebook shows the static figure first; :func:`slider` then lets a learner move the
parameter, redrawing the same function:

    slider(plot_parameter_effect, name="leaky_relu", parameter="negative_slope",
           negative_slope=(0.0, 1.0, 0.05, 0.01))

Examples
--------
>>> import matplotlib
>>> fig = plot_softmax_temperature([2.0, 1.0, 0.1], temperature=0.5)
>>> [round(float(b.get_height()), 3) for b in fig.axes[0].patches]
[0.864, 0.117, 0.019]
>>> matplotlib.pyplot.close(fig)
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from course_lib.plotting.show import check_alt_text, show
from course_lib.plotting.style import COURSE_COLORS
from course_lib.validation import as_float_array, integer, make_rng, real

__all__ = [
    "plot_parameter_effect",
    "plot_softmax_temperature",
    "signal_std_per_layer",
    "plot_signal_depth",
    "quantize_dequantize",
    "plot_quantization",
    "alt_text",
    "slider",
]

_WIDTH = 8.0  # inches: a figure that displays at full size in a 1280-px JupyterLab window


def plot_parameter_effect(
    name: str, parameter: str, x: ArrayLike | None = None, **value: float
) -> Figure:
    r"""``f`` and ``f'`` of the activation ``name`` with ``parameter`` set, beside the default.

    Two panels: the function and its derivative, each with the default parameter dashed
    and the chosen value solid, so a learner sees what the parameter changes.

    Parameters
    ----------
    name : str
        An activation in :func:`course_lib.activations.names` with that parameter.
    parameter : str
        The parameter's name, e.g. ``"negative_slope"``, ``"alpha"``, ``"beta"``, ``"a"``.
    x : array_like, optional
        Points to plot (default: 601 points on [-5, 5]).
    **value
        ``parameter=value``: the value to draw.
    """
    from course_lib.activations import get

    spec = get(name)
    if parameter not in spec.defaults:
        known = ", ".join(spec.defaults) or "none"
        raise ValueError(
            f"plot_parameter_effect(): {name} has no parameter {parameter!r}; its parameters: "
            f"{known}"
        )
    if set(value) != {parameter}:
        raise TypeError(
            f"plot_parameter_effect(): give the value as {parameter}=...; got {sorted(value)}"
        )
    chosen = real(value[parameter], parameter, where="plot_parameter_effect()")
    xs = np.linspace(-5.0, 5.0, 601) if x is None else as_float_array(x, "x").astype(float)
    default = spec.defaults[parameter]
    fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(_WIDTH, 3.4), sharex=True)
    for ax, draw, label in ((ax_f, spec.forward, "f(x)"), (ax_d, spec.derivative, "f'(x)")):
        ax.plot(xs, draw(xs, **{parameter: default}), "--", color="0.55",
                label=f"{parameter} = {default:g} (default)")
        ax.plot(xs, draw(xs, **{parameter: chosen}), color=COURSE_COLORS[0],
                label=f"{parameter} = {chosen:g}")
        ax.set_xlabel("x")
        ax.set_ylabel(label)
        ax.axhline(0.0, color="0.7", linewidth=0.8)
    ax_f.set_title(f"{name}")
    ax_d.set_title(f"{name}: derivative")
    ax_f.legend(loc="upper left")
    return fig


def plot_softmax_temperature(logits: ArrayLike, temperature: float) -> Figure:
    r"""Bars of :math:`\mathrm{softmax}(z / T)` for the given logits and temperature ``T``.

    Small ``T`` sharpens the distribution towards the largest logit; large ``T`` flattens it
    towards uniform. The title gives the distribution's entropy in nats.
    """
    from course_lib.activations import softmax

    z = as_float_array(logits, "logits").astype(np.float64)
    if z.ndim != 1 or z.size < 2:
        raise ValueError(f"plot_softmax_temperature(): logits must be 1-D with at least 2 "
                         f"values; got shape {z.shape}")
    t = real(temperature, "temperature", where="plot_softmax_temperature()", low=0.0,
             low_open=True)
    p = softmax(z / t)
    entropy = float(-np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)))
    fig, ax = plt.subplots(figsize=(_WIDTH * 0.75, 3.2))
    ax.bar(np.arange(z.size), p, color=COURSE_COLORS[0])
    ax.set_xticks(np.arange(z.size), [f"{v:g}" for v in z])
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("logit")
    ax.set_ylabel("probability")
    ax.set_title(f"T = {t:g}: entropy {entropy:.2f} nats (uniform: {np.log(z.size):.2f})")
    return fig


def signal_std_per_layer(
    activation: str, gain: float, depth: int = 30, width: int = 256, rng: Any = 0
) -> np.ndarray:
    r"""Standard deviation of the activations after each layer of a random MLP.

    Weights :math:`W_l \sim \mathcal{N}(0, \mathrm{gain}^2 / \mathrm{width})`, no biases,
    a standard-normal input batch of ``width`` samples; returns ``depth`` numbers.
    """
    from course_lib.activations import get

    f = get(activation)
    gain = real(gain, "gain", where="signal_std_per_layer()", low=0.0, low_open=True)
    depth = integer(depth, "depth", where="signal_std_per_layer()", minimum=1)
    width = integer(width, "width", where="signal_std_per_layer()", minimum=2)
    gen = make_rng(rng, where="signal_std_per_layer()")
    h = gen.standard_normal((width, width))
    stds = np.empty(depth)
    for layer in range(depth):
        w = gen.standard_normal((width, width)) * (gain / np.sqrt(width))
        h = f(h @ w)
        stds[layer] = h.std()
    return stds


def plot_signal_depth(
    activation: str, gain: float, depth: int = 30, width: int = 256, rng: Any = 0
) -> Figure:
    """The standard deviation of the activations per layer (log scale) for one gain.

    See :func:`signal_std_per_layer`. A gain that keeps the curve flat lets the signal
    reach the last layer; below it the signal dies out, above it the signal explodes or
    saturates the activation.
    """
    stds = signal_std_per_layer(activation, gain, depth, width, rng)
    fig, ax = plt.subplots(figsize=(_WIDTH * 0.75, 3.4))
    layers = np.arange(1, stds.size + 1)
    shown = np.where(stds > 0, stds, np.nan)
    ax.semilogy(layers, shown, "o-", markersize=3, color=COURSE_COLORS[0])
    ax.set_xlabel("layer")
    ax.set_ylabel("std of the activations")
    ax.set_title(f"{activation}, weights N(0, {gain:g}² / width)")
    return fig


def quantize_dequantize(x: ArrayLike, scale: float, zero_point: int = 0) -> np.ndarray:
    r"""Round ``x`` to int8 codes :math:`q = \mathrm{clip}(\mathrm{round}(x/s) + z, -128, 127)`
    and map them back, :math:`s\,(q - z)`: the values an int8 tensor can represent."""
    x = as_float_array(x, "x").astype(np.float64)
    s = real(scale, "scale", where="quantize_dequantize()", low=0.0, low_open=True)
    z = integer(zero_point, "zero_point", where="quantize_dequantize()", minimum=-128,
                maximum=127)
    q = np.clip(np.round(x / s) + z, -128, 127)
    return s * (q - z)


def plot_quantization(scale: float, zero_point: int = -128) -> Figure:
    r"""The sigmoid on [-8, 8] stored as int8 with the given scale and zero point.

    Left: the sigmoid and its int8 version. Right: the error, with the maximum printed.
    Too small a scale clips the top of the range; too large a scale wastes codes and
    leaves big steps.
    """
    from course_lib.activations import sigmoid

    x = np.linspace(-8.0, 8.0, 1601)
    y = sigmoid(x)
    yq = quantize_dequantize(y, scale, zero_point)
    err = np.abs(yq - y)
    fig, (ax_v, ax_e) = plt.subplots(1, 2, figsize=(_WIDTH, 3.4))
    ax_v.plot(x, y, color="0.55", label="sigmoid (float64)")
    ax_v.plot(x, yq, color=COURSE_COLORS[1], label="int8, dequantised")
    ax_v.set_xlabel("x")
    ax_v.set_ylabel("value")
    ax_v.legend(loc="upper left")
    ax_v.set_title(f"scale {scale:g}, zero point {zero_point}")
    ax_e.plot(x, err, color=COURSE_COLORS[1])
    ax_e.set_xlabel("x")
    ax_e.set_ylabel("|error|")
    ax_e.set_title(f"max error {err.max():.2e}")
    return fig


def _parameter_effect_alt(v: dict[str, Any]) -> str:
    p = v["parameter"]
    return (f"Two panels: {v['name']} (left) and its derivative (right) for x from -5 to "
            f"5 with {p} = {v[p]:g}, solid, beside the default {p}, dashed grey.")


def _softmax_temperature_alt(v: dict[str, Any]) -> str:
    logits = ", ".join(f"{z:g}" for z in v["logits"])
    return (f"Bar chart of the softmax probabilities of the logits {logits} at "
            f"temperature {v['temperature']:g}; the title gives their entropy.")


def _signal_depth_alt(v: dict[str, Any]) -> str:
    return (f"Line plot, log scale, of the standard deviation of the activations after "
            f"each of {v['depth']} layers of a random {v['activation']} network, "
            f"weights N(0, {v['gain']:g} squared / width).")


def _quantization_alt(v: dict[str, Any]) -> str:
    return (f"Two panels: the sigmoid on [-8, 8] and its int8 version with scale "
            f"{v['scale']:g} and zero point {v['zero_point']} (left), and the "
            f"absolute error (right).")


#: This module's slider figures and how each one's alt text is written from its values.
_ALT_TEXTS: dict[Callable[..., Figure], Callable[[dict[str, Any]], str]] = {
    plot_parameter_effect: _parameter_effect_alt,
    plot_softmax_temperature: _softmax_temperature_alt,
    plot_signal_depth: _signal_depth_alt,
    plot_quantization: _quantization_alt,
}


def alt_text(plot: Callable[..., Figure], **values: Any) -> str:
    """What the figure ``plot(**values)`` of this module shows, as alt text.

    >>> alt_text(plot_signal_depth, activation="tanh", gain=1.0)
    'Line plot, log scale, of the standard deviation of the activations after each of 30 layers of a random tanh network, weights N(0, 1 squared / width).'
    """  # noqa: E501
    describe = _ALT_TEXTS.get(plot)
    if describe is None:
        raise TypeError(f"alt_text(): plot must be one of this module's plot functions; got "
                        f"{getattr(plot, '__name__', type(plot).__name__)}; give slider() an "
                        f"alt text of your own: slider(plot, alt='what it shows', ...)")
    signature = inspect.signature(plot)
    bound = signature.bind_partial(**values)
    bound.apply_defaults()  # the plot's own defaults, e.g. depth=30
    named = dict(bound.arguments)
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_KEYWORD:  # e.g. plot_parameter_effect's alpha=
            named.update(named.pop(parameter.name, {}))
    return describe(named)


def slider(plot: Callable[..., Figure], *, alt: str | Callable[..., str] | None = None,
           **controls: Any) -> None:
    """Redraw ``plot(**values)`` under ipywidgets sliders (redrawn when a slider is released).

    Each control is either a fixed value or a tuple ``(min, max, step, start)`` that becomes
    a slider. Each redrawn figure is shown with alt text: ``alt`` (a string, or a function of
    the values that returns one), by default :func:`alt_text` for this module's figures.
    Without ipywidgets it prints one line and returns; so it does where the
    notebook runs without a browser (``COURSE_LIB_NO_WIDGETS=1``, set when the course's
    notebooks are executed to store or check their outputs).
    """
    if alt is None and plot not in _ALT_TEXTS:
        raise TypeError("slider(): give alt='what the figure shows' (or a function of the "
                        "slider values that returns it) for a plot function of your own")
    if isinstance(alt, str):
        check_alt_text(alt, where="slider()")
    elif alt is not None and not callable(alt):
        raise TypeError(f"slider(): alt must be a str or a function of the values; got "
                        f"{type(alt).__name__}")
    if os.environ.get("COURSE_LIB_NO_WIDGETS") == "1":
        print("Run this cell in JupyterLab to get the sliders.")
        return
    try:
        import ipywidgets
    except ImportError:
        print("sliders need ipywidgets: python -m pip install -r requirements.txt")
        return
    fixed, widgets = {}, {}
    for key, spec in controls.items():
        if isinstance(spec, tuple) and len(spec) == 4:
            low, high, step, start = spec
            cls = ipywidgets.IntSlider if all(isinstance(v, int) for v in spec) else (
                ipywidgets.FloatSlider)
            widgets[key] = cls(min=low, max=high, step=step, value=start, description=key,
                               continuous_update=False, style={"description_width": "initial"},
                               layout={"width": "28em"})
        else:
            fixed[key] = spec

    def draw(**values: Any) -> None:
        figure = plot(**fixed, **values)
        if alt is None:
            text = alt_text(plot, **fixed, **values)
        else:
            text = alt(**fixed, **values) if callable(alt) else alt
        show(figure, alt=text)

    ipywidgets.interact(draw, **widgets)
