r"""Statistics that show whether a network's signal and gradients survive its depth.

A check returns numbers; printing and plotting them is the notebook's job.

On arrays of activations (rows are samples):

- :func:`dead_units`, :func:`dead_unit_fraction` -- units that output 0 for every
  sample (dead ReLUs);
- :func:`activation_statistics` -- mean, standard deviation, fraction of zeros and
  fraction of dead units of one layer's output;
- :func:`saturation_fraction` -- how many pre-activations sit where the
  activation's slope is almost 0, so that almost no gradient passes.

On a :class:`course_lib.layers.Sequential` model:

- :func:`activation_outputs` and :func:`layer_statistics` -- the output of every
  activation layer on one forward pass, and its statistics (signal propagation);
- :func:`gradient_norms_per_layer` -- the norm of the loss gradient with respect
  to every layer's parameters after one backward pass (gradient flow);
- :func:`pre_activations` and :func:`slope_statistics` -- the input of every activation
  layer, and the slopes :math:`f'(z)` the data meet there (mean and saturated fraction).

Deep models to analyse are built with :func:`course_lib.layers.mlp`. Statistics are
computed in float64; arrays beyond 1e150 are scaled before squaring so nothing overflows.

Examples
--------
>>> dead_unit_fraction(np.array([[0.0, 1.0], [0.0, 2.0]]))
0.5
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib import activations as act
from course_lib.layers import Activation, AdaptiveSwish, PReLU, Sequential
from course_lib.validation import as_float_array, float64_array, real, shape_error

__all__ = [
    "ACTIVATION_LAYERS",
    "ActivationStatistics",
    "dead_units",
    "dead_unit_fraction",
    "saturation_fraction",
    "activation_statistics",
    "activation_outputs",
    "layer_statistics",
    "gradient_norms_per_layer",
    "pre_activations",
    "SlopeStatistics",
    "slope_statistics",
]

#: The layer classes whose outputs :func:`activation_outputs` collects.
ACTIVATION_LAYERS = (Activation, PReLU, AdaptiveSwish)

# Beyond this magnitude, squaring a float64 could overflow: such arrays are scaled first.
_HUGE = 1e150


def _batch(values: ArrayLike, name: str, where: str) -> np.ndarray:
    """A finite float64 copy of an array of shape (N, units...), N >= 1, at least one unit."""
    arr = float64_array(values, name, where=where, finite=True)
    if arr.ndim < 2 or arr.size == 0:
        raise shape_error(
            arr.shape, "(N, D) or (N, ...) with at least one sample and one unit", name,
            where=where,
        )
    return arr


def _require_sequential(model: Any, where: str) -> Sequential:
    if not isinstance(model, Sequential):
        raise TypeError(
            f"{where}: model must be a course_lib.layers.Sequential; got {type(model).__name__}"
        )
    return model


def _norm(arr: np.ndarray) -> float:
    """Frobenius norm in float64; arrays beyond 1e150 are scaled first so squares fit."""
    scale = float(np.max(np.abs(arr), initial=0.0))
    if scale > _HUGE:
        return scale * float(np.linalg.norm(arr / scale))
    return float(np.linalg.norm(arr))


def dead_units(activations: ArrayLike) -> np.ndarray:
    r"""Which units output exactly 0 for every sample.

    .. math::

        \text{dead}_j = \big[\, h_{nj} = 0 \ \text{for all}\ n = 1, \dots, N \,\big].

    For a ReLU unit this means its pre-activation was :math:`\le 0` on every
    sample: its slope is 0 everywhere, so no gradient reaches its weights and
    gradient descent cannot revive it on this data. Only activations with a flat
    zero region (ReLU, hard sigmoid, ...) can have dead units; for tanh, ELU or
    leaky ReLU the result is (almost surely) all False.

    Parameters
    ----------
    activations : array_like, shape (N, D) or (N, ...)
        One layer's outputs, one row per sample. Every entry of the trailing
        axes is a unit. Must be finite.

    Returns
    -------
    numpy.ndarray of bool, shape (D,) or ``activations.shape[1:]``

    Raises
    ------
    ValueError
        For fewer than two axes, no sample, no unit, or NaN/inf.

    Examples
    --------
    >>> h = np.array([[0.0, 1.0, 0.0],
    ...               [0.0, 0.0, 2.0]])
    >>> dead_units(h)
    array([ True, False, False])
    """
    return _dead_units(activations, "dead_units()")


def _dead_units(activations: ArrayLike, where: str) -> np.ndarray:
    arr = _batch(activations, "activations", where)
    return np.all(arr == 0, axis=0)


def dead_unit_fraction(activations: ArrayLike) -> float:
    r"""Fraction of units that output exactly 0 for every sample.

    .. math::

        \frac{1}{D} \sum_{j=1}^{D} \big[\, h_{nj} = 0 \ \text{for all}\ n \,\big].

    The mean of :func:`dead_units`. Whether a unit is dead depends on the data:
    measure it on many samples (a whole training set), not on one small batch.

    Parameters
    ----------
    activations : array_like, shape (N, D) or (N, ...)
        One layer's outputs, one row per sample; finite.

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> dead_unit_fraction(np.array([[0.0, 1.0, 0.0, 0.0],
    ...                              [0.0, 0.0, 2.0, 0.0]]))
    0.5
    """
    return float(np.mean(_dead_units(activations, "dead_unit_fraction()")))


def saturation_fraction(
    pre_activations: ArrayLike,
    activation: str,
    threshold: float = 0.01,
    **params: float,
) -> float:
    r"""Fraction of pre-activations at which the activation's slope is below ``threshold``.

    .. math::

        \frac{1}{M} \sum_{i=1}^{M} \big[\, |f'(z_i)| < \tau \,\big].

    Back-propagation multiplies the gradient by :math:`f'(z)` at every unit, so
    where :math:`|f'(z)| < \tau` almost nothing passes: the unit is *saturated*
    (sigmoid and tanh far from 0) or switched off (ReLU for :math:`z \le 0`,
    where the slope is exactly 0). The slope is the analytic derivative from
    :mod:`course_lib.activations`, not a finite difference. With the default
    :math:`\tau = 0.01`, sigmoid saturates for :math:`|z| > 2\operatorname{arcosh} 5
    \approx 4.58` and tanh for :math:`|z| > \operatorname{arcosh} 10 \approx 2.99`.

    Parameters
    ----------
    pre_activations : array_like, any shape, at least one element
        The inputs :math:`z` of the activation (e.g. :math:`xW + b`); finite.
    activation : str
        A registered name, see :func:`course_lib.activations.names`.
    threshold : float, default 0.01
        :math:`\tau > 0`.
    **params
        The activation's parameters, e.g. ``negative_slope=0.1``.

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> saturation_fraction(np.array([-6.0, -1.0, 0.0, 3.0]), "sigmoid")
    0.25
    >>> saturation_fraction(np.array([-6.0, -1.0, 0.0, 3.0]), "relu")
    0.75
    """
    where = "saturation_fraction()"
    spec = act.get(activation)
    z = as_float_array(pre_activations, "pre_activations", where=where)
    if z.size == 0:
        raise shape_error(z.shape, "any shape with at least one value", "pre_activations",
                          where=where)
    if not np.all(np.isfinite(z)):
        raise ValueError(f"{where}: pre_activations must contain only finite values")
    tau = real(threshold, "threshold", where=where, low=0.0, low_open=True)
    slope = spec.derivative(z, **params)
    return float(np.mean(np.abs(slope) < tau))


@dataclass(frozen=True)
class ActivationStatistics:
    """Summary of one layer's outputs over a batch (all Python floats).

    Attributes
    ----------
    mean, std : float
        Mean and (population) standard deviation over all samples and units.
    zero_fraction : float
        Fraction of (sample, unit) entries that are exactly 0; for ReLU, the
        fraction switched off, and ``1 - zero_fraction`` the fraction active.
    dead_fraction : float
        :func:`dead_unit_fraction`: units that are 0 for every sample.
    """

    mean: float
    std: float
    zero_fraction: float
    dead_fraction: float


def activation_statistics(activations: ArrayLike) -> ActivationStatistics:
    r"""Mean, standard deviation, fraction of zeros and of dead units of one layer's output.

    .. math::

        \mu = \frac{1}{ND}\sum_{n,j} h_{nj}, \qquad
        \sigma = \sqrt{\frac{1}{ND}\sum_{n,j} (h_{nj} - \mu)^2}, \qquad
        \text{zero fraction} = \frac{1}{ND}\sum_{n,j} [h_{nj} = 0],

    and the dead fraction of :func:`dead_unit_fraction`. Computed in float64
    (float32 input is converted); an array whose largest magnitude exceeds
    1e150 is scaled by it first, so that squaring cannot overflow.

    Parameters
    ----------
    activations : array_like, shape (N, D) or (N, ...)
        One layer's outputs, one row per sample; finite. For the hidden states
        of a recurrent network at time step t, pass ``states[:, t]``.

    Returns
    -------
    ActivationStatistics

    Examples
    --------
    >>> activation_statistics(np.array([[0.0, 1.0], [0.0, 3.0]]))
    ActivationStatistics(mean=1.0, std=1.224744871391589, zero_fraction=0.5, dead_fraction=0.5)
    """
    arr = _batch(activations, "activations", "activation_statistics()")
    scale = float(np.max(np.abs(arr)))
    if scale > _HUGE:
        scaled = arr / scale
        mean, std = scale * float(np.mean(scaled)), scale * float(np.std(scaled))
    else:
        mean, std = float(np.mean(arr)), float(np.std(arr))
    return ActivationStatistics(
        mean=mean,
        std=std,
        zero_fraction=float(np.mean(arr == 0)),
        dead_fraction=float(np.mean(np.all(arr == 0, axis=0))),
    )


def activation_outputs(model: Sequential, x: ArrayLike) -> list[np.ndarray]:
    """The output of every activation layer of ``model`` on one forward pass of ``x``.

    Runs the top-level layers' ``forward`` one after another, exactly as
    ``model.forward(x)`` does, and keeps the output of each layer that is an
    :class:`~course_lib.layers.Activation`, :class:`~course_lib.layers.PReLU` or
    :class:`~course_lib.layers.AdaptiveSwish` (see :data:`ACTIVATION_LAYERS`).
    The model runs in its current mode: a
    :class:`~course_lib.layers.BatchNorm1d` in training mode normalises with the
    batch statistics and updates its running statistics. It is meant for looking
    at a network, not for training it: ``model.backward`` still needs a call of
    ``model.forward`` first.

    Parameters
    ----------
    model : Sequential
        Layers nested in an inner ``Sequential`` are not visited one by one.
    x : array_like
        Input of the model's first layer, e.g. shape (N, D).

    Returns
    -------
    list of numpy.ndarray
        One array per activation layer, from the input side to the output side
        (empty for a model without activation layers).

    Examples
    --------
    >>> from course_lib.layers import mlp
    >>> outputs = activation_outputs(mlp([3, 5, 4, 2], "relu", rng=0), np.ones((6, 3)))
    >>> [h.shape for h in outputs]
    [(6, 5), (6, 4)]
    """
    h: Any = x
    outputs = []
    for layer in _require_sequential(model, "activation_outputs()"):
        h = layer.forward(h)
        if isinstance(layer, ACTIVATION_LAYERS):
            outputs.append(h)
    return outputs


def layer_statistics(model: Sequential, x: ArrayLike) -> list[ActivationStatistics]:
    """:func:`activation_statistics` of every activation layer's output on one forward pass.

    Shows how the signal propagates through depth: a standard deviation that
    shrinks or grows layer after layer, or dead units piling up. The forward
    pass is that of :func:`activation_outputs` (current mode of the model).

    Parameters
    ----------
    model : Sequential
    x : array_like, shape (N, D)
        A batch of inputs; statistics are taken over its N samples.

    Returns
    -------
    list of ActivationStatistics
        One per activation layer, from the input side to the output side.

    Examples
    --------
    >>> from course_lib.layers import mlp
    >>> model = mlp([3, 4, 4, 2], "relu", rng=0)
    >>> model[0].params["b"][...] = -100.0          # no input can switch these units on
    >>> [s.dead_fraction for s in layer_statistics(model, np.ones((6, 3)))]
    [1.0, 1.0]
    """
    return [activation_statistics(h) for h in activation_outputs(model, x)]


def gradient_norms_per_layer(
    model: Sequential, loss: Any, x: ArrayLike, y: ArrayLike
) -> list[float]:
    r"""Norm of the loss gradient with respect to each layer's parameters, after one backward pass.

    .. math::

        g_l = \sqrt{\sum_{p \in \text{params}_l} \Big\lVert \frac{\partial L}{\partial p}
        \Big\rVert_F^2}

    for every top-level layer that has parameters, in order from the input side: every
    entry of its ``params`` counts (``W`` and ``b`` of a :class:`~course_lib.layers.Linear`,
    ``gamma`` and ``beta`` of a :class:`~course_lib.layers.BatchNorm1d`, ``Wx``, ``Wh`` and
    ``b`` of an :class:`~course_lib.layers.RNN`, ``Wq``, ``Wk``, ``Wv`` of a
    :class:`~course_lib.layers.SelfAttention`, ...). Layers without parameters are skipped.
    Runs ``loss.forward(model.forward(x), y)`` and ``model.backward(loss.backward())`` once,
    in the model's current mode; afterwards the layers' ``grads`` hold the gradients of this
    pass (no weight is changed). If :math:`g_l` shrinks geometrically towards the input, the
    early layers barely learn (vanishing gradients); if it grows, they explode. Computed in
    float64; a gradient beyond 1e150 is scaled first so that squaring cannot overflow.

    Parameters
    ----------
    model : Sequential
    loss : loss object
        With ``forward(prediction, target)`` and ``backward()``, e.g.
        :class:`course_lib.losses.SoftmaxCrossEntropy`.
    x : array_like
        A batch of inputs for the model's first layer, e.g. shape (N, D).
    y : array_like
        Targets for ``loss`` (class labels of shape (N,) for cross-entropy).

    Returns
    -------
    list of float
        One norm per layer with parameters.

    Raises
    ------
    ValueError
        If a gradient is NaN or inf.

    Examples
    --------
    >>> from course_lib.layers import mlp
    >>> from course_lib.losses import SoftmaxCrossEntropy
    >>> model = mlp([4, 8, 8, 3], "tanh", weight_init="xavier", rng=0)
    >>> x, y = np.random.default_rng(1).normal(size=(16, 4)), np.arange(16) % 3
    >>> norms = gradient_norms_per_layer(model, SoftmaxCrossEntropy(), x, y)
    >>> len(norms)
    3
    """
    where = "gradient_norms_per_layer()"
    model = _require_sequential(model, where)
    loss.forward(model.forward(x), y)
    model.backward(loss.backward())
    norms = []
    for i, layer in enumerate(model):
        if not layer.params:
            continue
        per_parameter = []
        for name in layer.params:
            grad = np.asarray(layer.grads[name], dtype=np.float64)
            if not np.all(np.isfinite(grad)):
                raise ValueError(
                    f"{where}: the gradient of layer {i} ({name!r}) must be finite; got NaN or "
                    "inf (did the forward or backward pass overflow?)"
                )
            per_parameter.append(_norm(grad))
        norms.append(_norm(np.array(per_parameter)))
    return norms



def pre_activations(model: Sequential, x: ArrayLike) -> list[np.ndarray]:
    """The input :math:`z` of every :class:`~course_lib.layers.Activation` layer on one pass.

    Runs the top-level layers' ``forward`` in order, as ``model.forward(x)`` does (in the
    model's current mode), and keeps what each activation layer receives: its
    pre-activations, e.g. :math:`z = hW + b` or the output of a batch normalisation.
    Returns one array per activation layer, from the input side.

    >>> from course_lib.layers import mlp
    >>> [z.shape for z in pre_activations(mlp([3, 5, 4, 2], "relu", rng=0), np.ones((6, 3)))]
    [(6, 5), (6, 4)]
    """
    h: Any = as_float_array(x, "x", where="pre_activations()")
    inputs = []
    for layer in _require_sequential(model, "pre_activations()"):
        if isinstance(layer, Activation):
            inputs.append(h)
        h = layer.forward(h)
    return inputs


@dataclass(frozen=True)
class SlopeStatistics:
    """:func:`slope_statistics` of L activation layers: ``names`` (the activations, from the
    input side), ``mean_abs_slope`` and ``saturated_fraction`` (float64 arrays of length L),
    and the ``threshold`` used."""

    names: tuple[str, ...]
    mean_abs_slope: np.ndarray
    saturated_fraction: np.ndarray
    threshold: float


def slope_statistics(model: Sequential, x: ArrayLike, threshold: float = 0.01) -> SlopeStatistics:
    r"""How much gradient each activation layer lets through on the data ``x``.

    .. math::

        m_l = \frac{1}{N D_l} \sum_{n,j} \big|f'(z^{(l)}_{nj})\big|, \qquad
        s_l = \frac{1}{N D_l} \sum_{n,j} \big[\, |f'(z^{(l)}_{nj})| < \tau \,\big],

    with :math:`z^{(l)}` the pre-activations of the l-th activation layer
    (:func:`pre_activations`) and :math:`f'` its analytic derivative with the layer's own
    parameters. Back-propagation multiplies the gradient by :math:`f'(z)` at every unit:
    :math:`m_l` is the average factor, :math:`s_l` the share of values that pass almost
    nothing (:func:`saturation_fraction` per layer). ``x`` is a batch of model inputs and
    :math:`\tau` = ``threshold`` > 0.

    >>> from course_lib.layers import mlp
    >>> stats = slope_statistics(mlp([4, 8, 8, 2], "sigmoid", rng=0), np.zeros((3, 4)))
    >>> stats.names, stats.mean_abs_slope.round(3).tolist()
    (('sigmoid', 'sigmoid'), [0.25, 0.206])
    """
    where = "slope_statistics()"
    tau = real(threshold, "threshold", where=where, low=0.0, low_open=True)
    layers = [layer for layer in _require_sequential(model, where) if isinstance(layer, Activation)]
    means, fractions = [], []
    for layer, z in zip(layers, pre_activations(model, x), strict=True):
        slope = np.abs(layer.spec.derivative(z, **layer.activation_params))
        means.append(np.mean(slope, dtype=np.float64))
        fractions.append(np.mean(slope < tau))
    return SlopeStatistics(tuple(layer.name for layer in layers), np.array(means, dtype=np.float64),
                           np.array(fractions, dtype=np.float64), tau)
