r"""Exercises on why networks need a non-linearity.

* :func:`check_collapse_linear_layers` - two stacked linear layers are one
  linear layer: find its weight and bias.
* :func:`check_tanh_from_sigmoid` - tanh is a rescaled sigmoid,
  :math:`\tanh x = 2\sigma(2x) - 1`, computed without overflow.

The reference solutions ``<exercise>_solution`` sit beside their checkers.

Used by: 01_fundamentals.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from course_lib.activations import sigmoid
from course_lib.exercises.core import Case, check_function

__all__ = [
    "collapse_linear_layers_solution",
    "check_collapse_linear_layers",
    "tanh_from_sigmoid_solution",
    "check_tanh_from_sigmoid",
]


# --- two linear layers are one -----------------------------------------------------


def collapse_linear_layers_solution(
    W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""The single layer ``(W, b)`` equal to ``Linear(W1, b1)`` followed by ``Linear(W2, b2)``.

    With the library's convention :math:`y = xW + b` (``W`` of shape (in, out)):

    .. math:: (x W_1 + b_1) W_2 + b_2 = x\,(W_1 W_2) + (b_1 W_2 + b_2).

    Shapes: W1 (d0, d1), b1 (d1,), W2 (d1, d2), b2 (d2,) -> W (d0, d2), b (d2,).
    """
    return W1 @ W2, b1 @ W2 + b2


def _layers(seed: int, d0: int, d1: int, d2: int, dtype=np.float64) -> tuple:
    rng = np.random.default_rng(seed)
    return tuple(
        np.round(rng.normal(size=shape), 2).astype(dtype)
        for shape in ((d0, d1), (d1,), (d1, d2), (d2,))
    )


COLLAPSE_CASES = (
    Case(_layers(1, 2, 3, 2),
         hint="the weight of the combined layer is W1 @ W2 and its bias is b1 @ W2 + b2: "
              "b1 passes through the second layer too."),
    Case(_layers(2, 4, 3, 2),
         hint="with y = x @ W + b the first layer's matrix comes first: W1 @ W2 "
              "(shapes (d0, d1) @ (d1, d2))."),
    Case(_layers(3, 3, 5, 1),
         hint="the bias of the combined layer is b1 @ W2 + b2."),
)


def check_collapse_linear_layers(candidate: Callable[..., tuple]) -> None:
    """Check the learner's ``collapse_linear_layers(W1, b1, W2, b2) -> (W, b)``; print one line."""
    check_function(
        candidate, collapse_linear_layers_solution, COLLAPSE_CASES,
        title="collapse_linear_layers", rtol=1e-12, atol=1e-12,
    )


# --- tanh from sigmoid ----------------------------------------------------------------


def tanh_from_sigmoid_solution(x: ArrayLike) -> np.ndarray:
    r"""tanh computed from the sigmoid: :math:`\tanh x = 2\sigma(2x) - 1`.

    Uses the library's stable :func:`course_lib.activations.sigmoid`, which never
    overflows; ``1 / (1 + np.exp(-2 * x))`` overflows for :math:`x < -354`.
    float32 stays float32; integers become float64.
    """
    return 2 * sigmoid(2 * np.asarray(x)) - 1


TANH_CASES = (
    Case((np.array([-3.0, -1.0, 0.0, 0.5, 2.0]),),
         hint="tanh(x) = 2 * sigmoid(2 * x) - 1: the sigmoid's argument is 2x."),
    Case((np.array([-1000.0, -400.0, 400.0, 1000.0]),),
         hint="1 / (1 + exp(-2x)) overflows for x < -354; use the library's stable "
              "sigmoid (from course_lib.activations import sigmoid)."),
    Case((np.array([[-2.0, 0.25], [1.5, -0.75]], dtype=np.float32),),
         hint="float32 in, float32 out, any shape."),
    Case((np.array([-2, 0, 1]),),
         hint="integer input is promoted to float64."),
)


def check_tanh_from_sigmoid(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``tanh_from_sigmoid(x)``; print one line."""
    check_function(
        candidate, tanh_from_sigmoid_solution, TANH_CASES, title="tanh_from_sigmoid",
        rtol=1e-12, atol=1e-15,
    )
