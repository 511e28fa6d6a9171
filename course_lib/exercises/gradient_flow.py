r"""Exercises on gradient flow: the slopes a network really sees, and how gradients shrink.

* :func:`check_analyse_activation_slopes` - ``analyse(model, X, threshold=0.01)``: for every
  activation layer of a model, the mean of :math:`|f'(z)|` over the pre-activations
  :math:`z` that the data produce, and the fraction of them with :math:`|f'(z)|` below the
  threshold; checked against :func:`course_lib.analysis.slope_statistics`;
* :func:`check_gradient_shrink_factor` - the average factor per layer by which gradient
  norms change across depth, computed so that it cannot underflow;
* :data:`check_smallest_first_layer_gradient` - the predict-then-run question of the
  gradient-norm experiment.

The reference solutions ``<exercise>_solution`` are written to be read; the tests compare
them with :mod:`course_lib.analysis` and PyTorch autograd.

Used by: 08_activation_analysis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.exercises._inputs import Given, with_arrays
from course_lib.exercises.adaptive import check_in_parts
from course_lib.exercises.core import Case, check_function
from course_lib.exercises.help import question, register
from course_lib.layers import Activation, Sequential, mlp
from course_lib.validation import as_float_array

__all__ = [
    "ModelRecipe",
    "analyse_activation_slopes_solution",
    "check_analyse_activation_slopes",
    "check_gradient_shrink_factor",
    "check_smallest_first_layer_gradient",
    "gradient_shrink_factor_solution",
]


# --- analyse(model, X) ---------------------------------------------------------------------


def analyse_activation_slopes_solution(
    model: Sequential, X: ArrayLike, threshold: float = 0.01
) -> tuple[np.ndarray, np.ndarray]:
    r"""Per activation layer: mean :math:`|f'(z)|` and the fraction of :math:`|f'(z)| <` threshold.

    .. math::

        m_l = \frac{1}{N D_l}\sum_{n,j} |f'(z^{(l)}_{nj})|, \qquad
        s_l = \frac{1}{N D_l}\sum_{n,j} \big[\,|f'(z^{(l)}_{nj})| < \tau\,\big],

    where :math:`z^{(l)}` is the input of the l-th :class:`~course_lib.layers.Activation`
    layer when the model runs on ``X`` (one forward pass, in the model's current mode), and
    :math:`f'` is the activation's analytic derivative with the layer's own parameters.

    Returns two float64 arrays of length L (the number of activation layers), from the
    input side.
    """
    mean_abs_slope, below = [], []
    h = X
    for layer in model:
        if isinstance(layer, Activation):
            z = h  # the input of this activation layer: its pre-activation
            slope = np.abs(layer.spec.derivative(z, **layer.activation_params))
            mean_abs_slope.append(np.mean(slope, dtype=np.float64))
            below.append(np.mean(slope < threshold))
        h = layer.forward(h)
    return np.array(mean_abs_slope, dtype=np.float64), np.array(below, dtype=np.float64)


@dataclass(frozen=True)
class ModelRecipe:
    """How to build one of the checker's models: ``mlp(sizes, activation, ...)``.

    The checker builds a fresh model from the recipe for every call, so nothing a
    function does to a model (running it, switching its mode) carries over.
    """

    sizes: tuple[int, ...]
    activation: str
    weight_init: str = "he"
    batchnorm: bool = False
    rng: int = 0
    activation_params: tuple[tuple[str, float], ...] = ()

    def build(self) -> Sequential:
        """The model, freshly initialised from the recipe's seed."""
        return mlp(list(self.sizes), self.activation, weight_init=self.weight_init,
                   batchnorm=self.batchnorm, rng=self.rng, **dict(self.activation_params))

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.activation_params)
        bn = ", batchnorm=True" if self.batchnorm else ""
        return (f"mlp({list(self.sizes)}, {self.activation!r}{extra}, "
                f"weight_init={self.weight_init!r}{bn}, rng={self.rng})")


def _float64_pair(result: Any) -> Any:
    """A returned pair of sequences as two float64 arrays; anything else unchanged."""
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        return result
    items = []
    for item in result:
        if not isinstance(item, (tuple, list, np.ndarray)):
            return result
        try:
            items.append(np.asarray(item, dtype=np.float64))
        except (TypeError, ValueError):
            return result
    return tuple(items)


def _library_slopes(model: ModelRecipe, X: Given, threshold: float = 0.01) -> tuple:
    """The checker's reference: :func:`course_lib.analysis.slope_statistics`."""
    from course_lib.analysis import slope_statistics

    stats = slope_statistics(model.build(), X.array, threshold=threshold)
    return stats.mean_abs_slope, stats.saturated_fraction


def _inputs(seed: int, shape: tuple[int, ...], scale: float = 1.0, loc: float = 0.0,
            dtype: type = np.float64) -> Given:
    values = loc + scale * np.random.default_rng(seed).standard_normal(shape)
    label = "random normal" if scale == 1.0 else f"{scale:g} * random normal"
    label = label if loc == 0.0 else f"{loc:g} + {label}"
    return Given(values.astype(dtype), label)


def _with_zero_row(x: Given) -> Given:
    values = x.array.copy()
    values[0] = 0.0  # z = b = 0 exactly in the first layer: the kink of ReLU
    return Given(values, x.label.split(",")[0] + " with a first row of zeros")


ANALYSE_CASES = (
    Case((ModelRecipe((8, 16, 16, 3), "tanh", "xavier", rng=0), _inputs(1, (20, 8))), {},
         hint="for every Activation layer, take its INPUT z (what the previous layer "
              "returned), evaluate the analytic derivative layer.spec.derivative(z) and "
              "average |f'(z)| over all samples and units."),
    Case((ModelRecipe((6, 10, 10, 4), "relu", rng=1), _with_zero_row(_inputs(2, (12, 6)))),
         {}, hint="a row of zeros makes z exactly 0 in the first layer, where relu'(0) = 0 "
                  "(PyTorch's convention): use the library's analytic derivative, not a "
                  "finite difference and not z >= 0."),
    Case((ModelRecipe((5, 12, 12, 2), "leaky_relu", rng=2), _inputs(3, (16, 5))), {},
         hint="leaky ReLU's slope is exactly 0.01 for z < 0, which is NOT below the "
              "threshold 0.01: count |f'(z)| < threshold with a strict <."),
    Case((ModelRecipe((5, 12, 12, 2), "leaky_relu", rng=3,
                      activation_params=(("negative_slope", 0.005),)), _inputs(4, (16, 5))),
         {}, hint="this layer was built with negative_slope=0.005: call the derivative with "
                  "the layer's own parameters, layer.spec.derivative(z, "
                  "**layer.activation_params)."),
    Case((ModelRecipe((4, 16, 16, 2), "gelu", rng=4), _inputs(5, (24, 4), scale=2.0)), {},
         hint="GELU's slope is negative for z < -0.75: average the ABSOLUTE value |f'(z)|."),
    Case((ModelRecipe((8, 16, 16, 3), "sigmoid", "xavier", batchnorm=True, rng=5),
          _inputs(6, (20, 8), scale=4.0, loc=3.0)), {},
         hint="here a BatchNorm1d layer sits between each Linear and its activation: the "
              "pre-activation is the input of the Activation layer, not the output of the "
              "Linear layer. Run the layers as they are (do not switch the model's mode)."),
    Case((ModelRecipe((8, 8, 8, 3), "sigmoid", "xavier", rng=6), _inputs(7, (20, 8), 20.0)),
         {}, hint="large inputs push the sigmoid into saturation: most slopes are below "
                  "the threshold."),
    Case((ModelRecipe((6, 8, 8, 8, 2), "swish", rng=7), _inputs(8, (10, 6), dtype=np.float32)),
         {}, hint="float32 input works like float64; do not forget any activation layer "
                  "(this model has three)."),
    Case((ModelRecipe((8, 16, 16, 3), "tanh", "xavier", rng=8), _inputs(9, (20, 8), 3.0)),
         {"threshold": 0.05},
         hint="use the threshold you are given (0.05 here), not a fixed 0.01."),
)


def check_analyse_activation_slopes(candidate: Callable[..., Any]) -> None:
    """Check the learner's ``analyse(model, X, threshold=0.01)``; print one line.

    Each case builds a fresh model from a :class:`ModelRecipe` and passes it to the
    learner's function; the result must be two arrays (lists are accepted) of one number
    per activation layer.
    """
    if not callable(candidate):
        adapter: Any = candidate  # reported as "expected a function"
    else:
        def learner(model: ModelRecipe, X: np.ndarray, threshold: float = 0.01) -> Any:
            if threshold == 0.01:  # the default: call without it, as most code will
                return _float64_pair(candidate(model.build(), X))
            return _float64_pair(candidate(model.build(), X, threshold=threshold))

        adapter = with_arrays(learner, ("model", "X"))

    # float64 data: float32 arithmetic in an answer (relative errors near 1e-7) fails,
    # another summation order (1e-15) passes; float32 data may carry float32 rounding
    float32 = [c for c in ANALYSE_CASES if c.args[1].array.dtype == np.float32]
    float64 = [c for c in ANALYSE_CASES if c.args[1].array.dtype != np.float32]
    check_in_parts(adapter, _library_slopes,
                   [(float64, {"rtol": 1e-10, "atol": 1e-14}),
                    (float32, {"rtol": 1e-6, "atol": 1e-9})],
                   title="analyse_activation_slopes",
                   output_names=("mean_abs_slope", "saturated_fraction"))


register(
    "analyse_activation_slopes",
    checker=check_analyse_activation_slopes,
    solution=analyse_activation_slopes_solution,
    hints=(
        "Walk through the model's layers yourself, keeping the current array h. Just "
        "before an Activation layer, h is that layer's pre-activation z: evaluate the "
        "analytic slope there, then let the layer run.",
        "for layer in model: ... isinstance(layer, Activation) ... "
        "slope = np.abs(layer.spec.derivative(h, **layer.activation_params)); "
        "np.mean(slope) and np.mean(slope < threshold); h = layer.forward(h).",
        "The whole function:\n"
        "def analyse(model, X, threshold=0.01):\n"
        "    from course_lib.layers import Activation\n"
        "    means, fractions = [], []\n"
        "    h = X\n"
        "    for layer in model:\n"
        "        if isinstance(layer, Activation):\n"
        "            s = np.abs(layer.spec.derivative(h, **layer.activation_params))\n"
        "            means.append(s.mean())\n"
        "            fractions.append(np.mean(s < threshold))\n"
        "        h = layer.forward(h)\n"
        "    return np.array(means), np.array(fractions)",
    ),
)


# --- gradient shrink factor ----------------------------------------------------------------


def gradient_shrink_factor_solution(norms: ArrayLike) -> float:
    r"""The average factor per layer between gradient norms, from the output side down.

    With norms :math:`g_1, \dots, g_L` listed from the input side,

    .. math::

        r = \Big(\frac{g_1}{g_L}\Big)^{1/(L-1)}
          = \exp\Big(\frac{\log g_1 - \log g_L}{L - 1}\Big),

    so that :math:`g_1 = r^{L-1} g_L`: :math:`r < 1` means the gradient shrinks on its way
    to the input (vanishing), :math:`r > 1` that it grows (exploding). Only the two ends
    matter: r is the geometric mean of the ratios :math:`g_l / g_{l+1}`. Computed with
    logarithms, so that norms as far apart as 1e-200 and 1e200 give 1e-200 instead of an
    underflowed 0.
    """
    g = as_float_array(norms, "norms").astype(np.float64)
    return float(np.exp((np.log(g[0]) - np.log(g[-1])) / (g.size - 1)))


SHRINK_CASES = (
    Case((np.array([8.0, 4.0, 2.0, 1.0]),),
         hint="growing towards the input gives r > 1; here r = 2. Put the FIRST layer's "
              "norm in the numerator."),
    Case(([1.0, 2.0, 4.0, 8.0],),
         hint="the norm halves on every step towards the input: r = (g_1 / g_L)^(1/(L-1)) "
              "= (1/8)^(1/3) = 0.5."),
    Case((np.array([0.1, 0.5, 0.2, 0.9, 0.4]),),
         hint="only the two ends matter: r is the GEOMETRIC mean of the ratios "
              "g_l / g_(l+1), (g_1 / g_L)^(1/(L-1)) with L - 1 = 4 steps, not their "
              "arithmetic mean."),
    Case((np.array([3.0, 12.0]),),
         hint="two layers, one step: r = g_1 / g_2."),
    Case((np.array([7.9e-10, 2.1e-9, 9.7e-9, 3.9e-8, 1.6e-7, 6.7e-7, 2.8e-6, 1.1e-5,
                    4.5e-5, 1.5e-4, 5.6e-4, 2.1e-3, 1.1e-2, 4.2e-2, 2.0e-1, 6.6e-1]),),
         hint="sixteen layers of a sigmoid network: L - 1 = 15 steps."),
    Case((np.array([1e-200, 1.0, 1e200]),),
         hint="1e-200 / 1e200 underflows to 0 in float64: work with logarithms, "
              "r = exp((log g_1 - log g_L) / (L - 1))."),
)


def check_gradient_shrink_factor(candidate: Callable[..., float]) -> None:
    """Check the learner's ``gradient_shrink_factor(norms)``, a Python float (float64);
    print the verdict."""
    check_function(candidate, gradient_shrink_factor_solution, SHRINK_CASES,
                   title="gradient_shrink_factor", rtol=1e-12, returns=float)


register(
    "gradient_shrink_factor",
    checker=check_gradient_shrink_factor,
    solution=gradient_shrink_factor_solution,
    hints=(
        "If every step towards the input multiplied the norm by the same r, then "
        "g_1 = r^(L-1) * g_L. Solve for r.",
        "r = (g_1 / g_L) ** (1 / (L - 1)); to survive norms like 1e-200 and 1e200, take "
        "logarithms first: log r = (log g_1 - log g_L) / (L - 1).",
        "g = np.asarray(norms, dtype=float); "
        "return float(np.exp((np.log(g[0]) - np.log(g[-1])) / (len(g) - 1)))",
    ),
)


# --- predict, then run ---------------------------------------------------------------------

check_smallest_first_layer_gradient = question(
    "smallest_first_layer_gradient",
    options={
        "a": "ReLU (He initialisation): half of its units have slope 0",
        "b": "sigmoid (Xavier initialisation): its slope is at most 1/4",
        "c": "SELU (LeCun initialisation): its slope tends to 0 for very negative inputs",
    },
    answer="b",
    explanation=(
        "every sigmoid layer multiplies the back-propagated gradient by sigma'(z) <= 1/4 "
        "(and Xavier weights do not make up for it), so after a dozen layers the first "
        "layer's gradient is about 10^-7 of the read-out's. ReLU's "
        "zero slopes are compensated by He's larger weights, and SELU's slope (1.05 for "
        "z > 0, up to 1.76 for z < 0) with LeCun weights keeps the norm flat."
    ),
    hints=(
        "Back-propagation multiplies by f'(z) once per layer. What is the largest value "
        "each activation's slope can take?",
        "relu' is 0 or 1, sigma' is at most 1/4, SELU's slope is 1.05 for z > 0. Which "
        "product of a dozen such factors is smallest?",
    ),
)
