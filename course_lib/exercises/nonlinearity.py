r"""Exercises on why networks need a non-linearity.

* ``deep_linear_xor`` - question: how a stack of linear layers does on XOR.
* :func:`check_collapse_linear_layers` - two stacked linear layers are one linear layer:
  find its weight and bias.
* :func:`check_tanh_from_sigmoid` - tanh is a rescaled sigmoid,
  :math:`\tanh x = 2\sigma(2x) - 1`, computed without overflow. The formula cancels for
  tiny :math:`|x|` (:math:`\sigma(2x) \approx 1/2`), so results are judged against the true
  tanh with an absolute tolerance of :math:`10^{-15}` next to 0.

The two-layer network's forward pass, its accuracy and XOR by hand live in
:mod:`course_lib.exercises.two_layer_network`; their names are re-exported here, so
``from course_lib.exercises.nonlinearity import check_two_layer_forward`` keeps working.

The reference solutions ``<exercise>_solution`` sit beside their checkers; every
exercise and question is registered with hints (:mod:`course_lib.exercises.help`).

Used by: 01_fundamentals.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from course_lib.activations import sigmoid, tanh
from course_lib.exercises._inputs import dense_grid
from course_lib.exercises.core import Case, check_function
from course_lib.exercises.help import question, register
from course_lib.exercises.two_layer_network import (
    ACCURACY_CASES,
    TWO_LAYER_CASES,
    XOR_THRESHOLD,
    check_classification_accuracy,
    check_two_layer_forward,
    check_xor_by_hand,
    classification_accuracy_solution,
    two_layer_forward_solution,
    xor_by_hand_solution,
)

__all__ = [
    "check_deep_linear_xor",
    "collapse_linear_layers_solution",
    "check_collapse_linear_layers",
    "tanh_from_sigmoid_solution",
    "check_tanh_from_sigmoid",
    "two_layer_forward_solution",
    "check_two_layer_forward",
    "classification_accuracy_solution",
    "check_classification_accuracy",
    "xor_by_hand_solution",
    "check_xor_by_hand",
    "ACCURACY_CASES",
    "TWO_LAYER_CASES",
    "XOR_THRESHOLD",
]


# --- question: a deep linear network on XOR --------------------------------------------------

check_deep_linear_xor = question(
    "deep_linear_xor",
    options={
        "a": "better than the one-layer linear model: three layers can bend the boundary",
        "b": "no better: about 50 %, with the loss stuck near ln 2 = 0.693",
        "c": "it solves XOR, like the network with a tanh hidden layer",
    },
    answer="b",
    explanation=(
        "without an activation the three layers multiply out to one linear layer, so the "
        "boundary is a straight line, and on XOR the best a linear model can do is give both "
        "classes nearly equal scores everywhere (loss ln 2, accuracy about chance)."
    ),
    hints=(
        "write out (x W1 + b1) W2 + b2 and simplify: what kind of map is it?",
        "a stack of linear layers is one linear layer, whose decision boundary is a straight "
        "line; can one straight line separate the XOR classes?",
    ),
)


# --- two linear layers are one -----------------------------------------------------

def collapse_linear_layers_solution(
    W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""The single layer ``(W, b)`` equal to ``Linear(W1, b1)`` followed by ``Linear(W2, b2)``.

    With the library's convention :math:`y = xW + b` (``W`` of shape (in, out)):

    .. math:: (x W_1 + b_1) W_2 + b_2 = x\,(W_1 W_2) + (b_1 W_2 + b_2).

    Shapes: W1 (d0, d1), b1 (d1,), W2 (d1, d2), b2 (d2,) -> W (d0, d2), b (d2,).
    """
    W = W1 @ W2
    b = b1 @ W2 + b2
    return W, b


def _layers(seed: int, d0: int, d1: int, d2: int, dtype: type = np.float64) -> tuple:
    rng = np.random.default_rng(seed)
    return tuple(
        np.round(rng.normal(size=shape), 2).astype(dtype)
        for shape in ((d0, d1), (d1,), (d1, d2), (d2,))
    )


_COLLAPSE_HINTS = {
    "W": "with y = x @ W + b the first layer's matrix comes first: W = W1 @ W2 "
         "(shapes (d0, d1) @ (d1, d2) -> (d0, d2)).",
    "b": "b1 passes through the second layer too: b = b1 @ W2 + b2.",
}

COLLAPSE_CASES = (
    Case(_layers(1, 2, 3, 2), hint=_COLLAPSE_HINTS),
    Case(_layers(2, 4, 3, 2), hint=_COLLAPSE_HINTS),
    Case(_layers(3, 3, 5, 1), hint=_COLLAPSE_HINTS),
    Case(_layers(4, 3, 2, 4, np.float32), hint=_COLLAPSE_HINTS),
)


def check_collapse_linear_layers(candidate: Callable[..., tuple]) -> None:
    """Check the learner's ``collapse_linear_layers(W1, b1, W2, b2) -> (W, b)``; print one line."""
    check_function(
        candidate, collapse_linear_layers_solution, COLLAPSE_CASES,
        title="collapse_linear_layers", rtol=1e-12, atol=1e-12, output_names=("W", "b"),
    )


register(
    "collapse_linear_layers",
    checker=check_collapse_linear_layers,
    solution=collapse_linear_layers_solution,
    hints=(
        "Apply the second layer to the output of the first, (x W1 + b1) W2 + b2, and multiply "
        "out the brackets: one term has x in it, the rest does not.",
        "The term with x is x (W1 W2), so W = W1 @ W2; everything else, b1 W2 + b2, is the "
        "bias. Mind the order of the matrix product.",
        "return W1 @ W2, b1 @ W2 + b2",
    ),
)


# --- tanh from sigmoid ----------------------------------------------------------------


def tanh_from_sigmoid_solution(x: ArrayLike) -> np.ndarray:
    r"""tanh computed from the sigmoid: :math:`\tanh x = 2\sigma(2x) - 1`.

    Uses the library's stable :func:`course_lib.activations.sigmoid`, which never
    overflows; ``1 / (1 + np.exp(-2 * x))`` overflows for :math:`x < -354.9` (float64) or
    :math:`x < -44.4` (float32). float32 stays float32; integers become float64.
    For tiny :math:`|x|` the subtraction cancels: the absolute error stays about
    :math:`10^{-16}`, the relative error grows like :math:`10^{-16}/|x|`.
    """
    return 2 * sigmoid(2 * np.asarray(x)) - 1


def _tanh_reference(x: ArrayLike) -> np.ndarray:
    """The true tanh, computed in float64 and rounded once (the library's tanh)."""
    return tanh(x)


TANH_CASES = (
    Case((np.array([-3.0, -1e-3, 0.0, 1e-12, 0.5, 2.0]),),
         hint="tanh(x) = 2 * sigmoid(2 * x) - 1: the sigmoid's argument is 2x."),
    Case((np.array([-1000.0, -400.0, 400.0, 1000.0]),),
         hint="1 / (1 + exp(-2x)) overflows for x < -354.9; use the library's stable "
              "sigmoid (from course_lib.activations import sigmoid)."),
    Case((np.array([-100.0, -50.0, 50.0, 100.0], dtype=np.float32),),
         hint="in float32, exp overflows already above 88.72, i.e. for x < -44.4 here; use the "
              "library's stable sigmoid, which never overflows."),
    Case((np.array([[-2.0, 0.25], [1.5, -0.75]], dtype=np.float32),),
         hint="float32 in, float32 out, any shape."),
    Case((np.array([-2, 0, 1]),),
         hint="integer input is promoted to float64."),
    Case((dense_grid(),),
         hint="on a fine grid over [-40, 40] (10001 points): right everywhere, not only at "
              "the few inputs above."),
)


def check_tanh_from_sigmoid(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``tanh_from_sigmoid(x)``; print one line."""
    check_function(
        candidate, _tanh_reference, TANH_CASES, title="tanh_from_sigmoid",
        rtol=1e-12, atol=1e-15,
    )


register(
    "tanh_from_sigmoid",
    checker=check_tanh_from_sigmoid,
    solution=tanh_from_sigmoid_solution,
    hints=(
        "Multiply numerator and denominator of (e^x - e^-x) / (e^x + e^-x) by e^-x, then "
        "compare with 2 / (1 + e^(-2x)) - 1.",
        "Use the library's sigmoid (from course_lib.activations import sigmoid): it never "
        "overflows and keeps float32. Do not write 1 / (1 + np.exp(...)) yourself.",
        "return 2 * sigmoid(2 * x) - 1",
    ),
)
