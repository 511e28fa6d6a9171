"""``mlp``: a multilayer perceptron in one call, built from the layers of
:mod:`~course_lib.layers.core` and :mod:`~course_lib.layers.norm`.

Its own module so that no layer module imports another in a circle (a module named
``mlp`` would be hidden by the function it exports).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from course_lib.layers.core import Activation, Layer, Linear, Sequential, _check_weight_init
from course_lib.layers.norm import BatchNorm1d
from course_lib.validation import describe, integer, make_rng

__all__ = ["mlp"]


def mlp(
    sizes: Sequence[int],
    activation: str | None = "relu",
    *,
    weight_init: str = "he",
    batchnorm: bool = False,
    rng: np.random.Generator | int | None = None,
    **activation_params: float,
) -> Sequential:
    r"""A multilayer perceptron: linear layers with an activation between consecutive ones.

    ``mlp([d_0, d_1, ..., d_L], f)`` has L :class:`Linear` layers and an :class:`Activation`
    after every one but the last, which returns raw scores (logits) for a loss:

    .. math::

        h_0 = x, \qquad h_l = f(h_{l-1} W_l + b_l) \ \ (l = 1, \dots, L-1), \qquad
        y = h_{L-1} W_L + b_L .

    With ``batchnorm=True`` every hidden layer is ``Linear -> BatchNorm1d -> f``. With
    ``activation=None`` nothing sits between the linear layers: the stack is one linear map.

    Parameters
    ----------
    sizes : sequence of int
        ``[in_features, hidden_1, ..., out_features]``, at least two positive sizes.
    activation : str or None, default "relu"
        A registered name (:func:`course_lib.activations.names`), or None.
    weight_init : {"he", "xavier", "lecun"}, default "he"
        Initialisation of every weight matrix (:func:`init_weight`); biases start at 0.
    batchnorm : bool, default False
        Put a :class:`~course_lib.layers.BatchNorm1d` before every hidden activation.
    rng : int or numpy.random.Generator, optional
        One generator draws all weights, layer after layer from the input side: the same
        seed gives the same weights as ``Linear(d_0, d_1, rng=g)``, ``Linear(d_1, d_2,
        rng=g)``, ... with ``g = np.random.default_rng(seed)``.
    **activation_params
        Fixed parameters of the activation, e.g. ``negative_slope=0.1``.

    Returns
    -------
    Sequential
        ``Linear, [BatchNorm1d,] Activation, ..., Linear``.

    Shape
    -----
    x (N, sizes[0]) -> y (N, sizes[-1]).

    Examples
    --------
    >>> model = mlp([4, 8, 8, 3], "tanh", weight_init="xavier", rng=0)
    >>> [type(layer).__name__ for layer in model]
    ['Linear', 'Activation', 'Linear', 'Activation', 'Linear']
    >>> len(mlp([2, 16, 16, 2], activation=None))
    3
    """
    where = "mlp()"
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Sequence, np.ndarray)):
        raise TypeError(f"{where}: sizes must be a sequence of integers; got {describe(sizes)}")
    if len(sizes) < 2:
        raise ValueError(
            f"{where}: sizes must hold at least two sizes, [in_features, ..., out_features]; "
            f"got {list(sizes)}"
        )
    sizes = [integer(size, f"sizes[{i}]", where=where, minimum=1) for i, size in enumerate(sizes)]
    weight_init = _check_weight_init(weight_init, where)
    if activation is None and activation_params:
        raise TypeError(
            f"{where}: activation parameters {sorted(activation_params)} given without an "
            "activation"
        )
    if activation is not None:
        Activation(activation, **activation_params)  # a bad name or parameter fails now
    generator = make_rng(rng, where=where)
    layers: list[Layer] = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(Linear(fan_in, fan_out, weight_init=weight_init, rng=generator))
        if i == len(sizes) - 2:
            break
        if batchnorm:
            layers.append(BatchNorm1d(fan_out))
        if activation is not None:
            layers.append(Activation(activation, **activation_params))
    return Sequential(*layers)
