r"""Exercises on a two-layer network: its forward pass, its accuracy, and XOR solved by hand.

* :func:`check_two_layer_forward` - the forward pass of a two-layer network,
  :math:`f(x W_1 + b_1) W_2 + b_2`, for any activation ``f`` (rows are samples).
* :func:`check_classification_accuracy` - the fraction of rows whose largest score is the
  label.
* :func:`check_xor_by_hand` - weights chosen by hand for a two-layer network with an
  activation of the learner's choice that classifies a held-out XOR set with at least 95 %
  accuracy (no linear model gets beyond about 75 %).

The first two feed the XOR/moons experiment of 01_fundamentals through
:func:`course_lib.exercises.use`: the experiment computes the scores of its two-layer networks
and every accuracy with the learner's functions once they pass. The reference solutions
``<exercise>_solution`` sit beside their checkers; every exercise is registered with hints
(:mod:`course_lib.exercises.help`).

Used by: 01_fundamentals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.activations import get, relu, sigmoid, tanh
from course_lib.exercises import core
from course_lib.exercises._guard import TimeLimitExceeded, _run_guarded
from course_lib.exercises._inputs import Given, with_arrays
from course_lib.exercises._verdict import report, verdict_from_line
from course_lib.exercises.core import (
    CORRECT,
    NOT_IMPLEMENTED,
    WRONG,
    Case,
    check_function,
    format_value,
)
from course_lib.exercises.help import register

__all__ = [
    "two_layer_forward_solution",
    "check_two_layer_forward",
    "classification_accuracy_solution",
    "check_classification_accuracy",
    "xor_by_hand_solution",
    "check_xor_by_hand",
]

# --- the forward pass of a two-layer network -------------------------------------------


def two_layer_forward_solution(
    X: ArrayLike,
    W1: np.ndarray,
    b1: np.ndarray,
    W2: np.ndarray,
    b2: np.ndarray,
    activation: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    r"""Class scores of a two-layer network, one row per sample.

    .. math:: H = f(X W_1 + b_1), \qquad S = H W_2 + b_2

    Shapes: X (N, d), W1 (d, h), b1 (h,), W2 (h, k), b2 (k,) -> scores (N, k).
    """
    H = activation(X @ W1 + b1)
    return H @ W2 + b2


def _net(seed: int, n: int, d: int, h: int, k: int, dtype: type = np.float64) -> tuple:
    """X, W1, b1, W2, b2 drawn from a normal distribution, labelled by how they were made."""
    rng = np.random.default_rng(seed)
    return tuple(
        Given(np.round(rng.normal(size=shape), 2).astype(dtype), "random")
        for shape in ((n, d), (d, h), (h,), (h, k), (k,))
    )


_CORNERS = Given(np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]]),
                 "the four XOR corners as integers")
_FORWARD_HINT = (
    "scores = f(X @ W1 + b1) @ W2 + b2: the bias is added before the activation, and the "
    "activation is applied once, to the hidden layer only."
)

TWO_LAYER_CASES = (
    Case((*_net(1, 3, 2, 3, 2), relu), hint=_FORWARD_HINT),
    Case((*_net(2, 6, 2, 4, 2), tanh),
         hint="use the activation you are given (here tanh), not a fixed one: "
              "activation(X @ W1 + b1)."),
    Case((*_net(3, 3, 2, 2, 3), sigmoid),
         hint="rows are samples: X has shape (N, d) and the result (N, k), here with "
              "k = 3 classes. " + _FORWARD_HINT),
    Case((*_net(4, 4, 2, 3, 2, np.float32), tanh),
         hint="float32 in, float32 out: no float64 constants or conversions."),
    Case((_CORNERS, *_net(5, 4, 2, 3, 2)[1:], relu),
         hint="integer X (here the four XOR corners) gives float64 scores."),
)


def _two_layer_reference(X: Given, W1: Given, b1: Given, W2: Given, b2: Given,
                         activation: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    return two_layer_forward_solution(X.array, W1.array, b1.array, W2.array, b2.array,
                                      activation)


def check_two_layer_forward(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``two_layer_forward(X, W1, b1, W2, b2, activation)``; print one line."""
    if callable(candidate):
        candidate = with_arrays(candidate, ("X", "W1", "b1", "W2", "b2"))
    check_function(
        candidate, _two_layer_reference, TWO_LAYER_CASES, title="two_layer_forward",
        rtol=1e-12, atol=1e-12,
    )


register(
    "two_layer_forward",
    checker=check_two_layer_forward,
    solution=two_layer_forward_solution,
    hints=(
        "Two steps: the hidden layer H = f(X W1 + b1), one row per sample, then the scores "
        "H W2 + b2, which get no activation.",
        "With rows as samples the products are X @ W1 (N, d) @ (d, h) and H @ W2; the biases "
        "broadcast over the rows. Call activation(...) on the hidden pre-activation.",
        "H = activation(X @ W1 + b1); return H @ W2 + b2",
    ),
)


# --- accuracy ---------------------------------------------------------------------------


def classification_accuracy_solution(scores: ArrayLike, y: ArrayLike) -> float:
    """The fraction of rows whose largest score is at the label's index.

    Shapes: scores (N, k), y (N,) integers in 0..k-1 -> a float in [0, 1].
    """
    predicted = np.argmax(scores, axis=1)
    return float(np.mean(predicted == y))


_ACCURACY_HINT = (
    "predicted class = index of the largest score in each row (np.argmax(..., axis=1))."
)

ACCURACY_CASES = (
    Case((np.array([[0.2, 0.9], [1.5, -0.3], [0.1, 0.4], [2.0, 2.5], [-1.0, -2.0],
                    [0.3, 0.0]]), np.array([1, 0, 0, 1, 1, 0])),
         hint="the accuracy is a fraction between 0 and 1 (here 4 of 6 rows are right). "
              + _ACCURACY_HINT),
    Case((np.array([[3.0, 2.0], [2.5, 4.0], [1.0, 0.5], [6.0, 7.0], [5.0, 1.0]]),
          np.array([0, 1, 1, 1, 0])),
         hint="all scores are positive here: compare the scores with each other, not with 0. "
              + _ACCURACY_HINT),
    Case((np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3],
                    [0.9, 0.05, 0.05]]), np.array([1, 0, 1, 1, 2])),
         hint="any number of classes: the scores have one column per class. " + _ACCURACY_HINT),
    Case((np.array([[0.4, -0.4], [0.1, 0.2], [-3.0, 3.0]], dtype=np.float32),
          np.array([0, 1, 1])), hint=_ACCURACY_HINT),
    Case((np.array([[0.1, 0.2, 0.9], [0.5, 0.1, 0.3], [0.2, 0.6, 0.1], [0.3, 0.1, 0.8],
                    [0.4, 0.3, 0.2]]), np.array([2, 0, 1, 2, 1])),
         hint="three classes, and class 2 wins two rows: comparing column 1 with column 0 "
              "works for two classes only. " + _ACCURACY_HINT),
)


def check_classification_accuracy(candidate: Callable[..., float]) -> None:
    """Check the learner's ``classification_accuracy(scores, y)``; print one line."""
    check_function(
        candidate, classification_accuracy_solution, ACCURACY_CASES,
        title="classification_accuracy", rtol=1e-12, atol=1e-12,
    )


register(
    "classification_accuracy",
    checker=check_classification_accuracy,
    solution=classification_accuracy_solution,
    hints=(
        "A sample is classified as the class with the largest score in its row; the accuracy "
        "is the fraction of samples whose predicted class equals the label.",
        "np.argmax(scores, axis=1) gives the predicted class per row; comparing it with y "
        "gives booleans, and their mean is the fraction.",
        "return float(np.mean(np.argmax(scores, axis=1) == y))",
    ),
)


# --- XOR by hand --------------------------------------------------------------------------

_XOR_NAME = "xor_by_hand"
XOR_THRESHOLD = 0.95
_XOR_MAX_HIDDEN = 16


def xor_by_hand_solution() -> tuple:
    r"""Weights that solve XOR with two ReLU units: the score of class 1 is :math:`|x_1 - x_2| - 1`.

    The hidden units are :math:`\mathrm{relu}(x_1 - x_2)` and :math:`\mathrm{relu}(x_2 - x_1)`,
    whose sum is :math:`|x_1 - x_2|`: 0 at the corners (1, 1) and (-1, -1), 2 at the other
    two. Class 0 gets the constant score 0, class 1 the score :math:`|x_1 - x_2| - 1`.

    Returns ``(activation, W1, b1, W2, b2)``.
    """
    W1 = np.array([[1.0, -1.0],
                   [-1.0, 1.0]])
    b1 = np.zeros(2)
    W2 = np.array([[0.0, 1.0],
                   [0.0, 1.0]])
    b2 = np.array([0.0, -1.0])
    return "relu", W1, b1, W2, b2


def _xor_test_set() -> tuple[np.ndarray, np.ndarray]:
    from course_lib.data import make_xor

    return make_xor(400, noise=0.3, rng=7)


class _Stop(Exception):
    """Internal: carries a finished verdict line."""


def _wrong(text: str) -> _Stop:
    return _Stop(f"{_XOR_NAME}: {WRONG} - {text}")


def _as_weight(value: Any, name: str, shape: tuple | None) -> np.ndarray:
    """``value`` as a plain float64 array of ``shape`` (None: any (2, h)), or a verdict."""
    value = np.ma.getdata(value) if isinstance(value, np.ndarray) else value
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise _wrong(f"{name} must be an array of numbers; got {format_value(value)}. "
                     "Hint: build it with np.array([[...], [...]]).") from None
    ok = (array.ndim == 2 and array.shape[0] == 2 and array.shape[1] >= 1
          if shape is None else array.shape == shape)
    if not ok:
        wanted = "(2, h) for h hidden units" if shape is None else str(shape)
        raise _wrong(f"{name} must have shape {wanted}; got shape {array.shape}. Hint: with "
                     "rows as samples W1 is (2, h), b1 (h,), W2 (h, 2) and b2 (2,).")
    if not np.all(np.isfinite(array)):
        raise _wrong(f"{name} holds inf or NaN: {format_value(array)}. Hint: use finite "
                     "numbers.")
    return array


def _xor_verdict(candidate: Any) -> str:
    if not callable(candidate):
        raise _wrong(f"expected a function, got {format_value(candidate)}. Hint: pass the "
                     "function itself: check_xor_by_hand(xor_network).")
    result, exc, _ = _run_guarded(candidate, (), {}, core.TIME_LIMIT)
    if isinstance(exc, NotImplementedError):
        raise _Stop(f"{_XOR_NAME}: {NOT_IMPLEMENTED} - replace `raise NotImplementedError` "
                    "with your weights, then run the cell again.")
    if isinstance(exc, TimeLimitExceeded):
        raise _wrong(f"xor_network() ran for more than {core.TIME_LIMIT:g} s and was stopped. "
                     "Hint: it only has to return five values.")
    if exc is not None:
        raise _wrong(f"xor_network() raised {type(exc).__name__}: {exc}. Hint: run it "
                     "yourself to see where it fails.")
    if not isinstance(result, (tuple, list)) or len(result) != 5:
        raise _wrong(f"xor_network() must return 5 values (activation, W1, b1, W2, b2); got "
                     f"{format_value(result)}. Hint: return activation, W1, b1, W2, b2.")
    activation, W1, b1, W2, b2 = result
    if isinstance(activation, str):
        try:
            f = get(activation)
        except (TypeError, ValueError) as error:
            raise _wrong(f"{error}. Hint: name a registered activation, e.g. 'relu' or "
                         "'tanh'.") from None
        label = f.name
    elif callable(activation):
        f = activation
        label = getattr(activation, "__name__", "your activation")
    else:
        raise _wrong(f"the activation must be a name such as 'relu' (or a function); got "
                     f"{format_value(activation)}. Hint: without an activation the network is "
                     "linear and cannot solve XOR.")
    W1 = _as_weight(W1, "W1", None)
    hidden = W1.shape[1]
    if hidden > _XOR_MAX_HIDDEN:
        raise _wrong(f"use at most {_XOR_MAX_HIDDEN} hidden units; you have {hidden}. Hint: two "
                     "are enough.")
    b1 = _as_weight(b1, "b1", (hidden,))
    W2 = _as_weight(W2, "W2", (hidden, 2))
    b2 = _as_weight(b2, "b2", (2,))
    X, y = _xor_test_set()
    scores, exc, warning = _run_guarded(
        two_layer_forward_solution, (X, W1, b1, W2, b2, f), {}, core.TIME_LIMIT
    )
    if exc is not None or warning is not None:
        what = exc if exc is not None else warning.message
        raise _wrong(f"the network failed on the test points ({type(what).__name__}: {what}). "
                     "Hint: choose moderate weights and a registered activation.")
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (len(X), 2) or not np.all(np.isfinite(scores)):
        raise _wrong("the activation must return an array of the shape of its input, with "
                     "finite values. Hint: use a registered activation such as 'relu'.")
    acc = classification_accuracy_solution(scores, y)
    if acc < XOR_THRESHOLD:
        raise _wrong(
            f"with {label} and {hidden} hidden units your network classifies {acc:.1%} of "
            f"{len(y)} held-out XOR points correctly; at least {XOR_THRESHOLD:.0%} are needed. "
            "Hint: class 1 is where x1 and x2 have different signs (corners (1, -1) and "
            "(-1, 1)); its score must beat class 0's there and lose at (1, 1) and (-1, -1)."
        )
    return (f"{_XOR_NAME}: {CORRECT} - with {label} and {hidden} hidden units your network "
            f"classifies {acc:.1%} of {len(y)} held-out XOR points correctly (at least "
            f"{XOR_THRESHOLD:.0%} needed).")


def check_xor_by_hand(candidate: Callable[[], tuple]) -> None:
    """Check the learner's ``xor_network() -> (activation, W1, b1, W2, b2)``; print one line.

    The network ``f(X W1 + b1) W2 + b2`` is evaluated with the reference forward pass on 400
    XOR points (noise 0.3) that the notebook never shows; at least 95 % must be classified
    correctly. Any registered activation (or a function) is allowed,
    with at most 16 hidden units.
    """
    try:
        line = _xor_verdict(candidate)
    except _Stop as stop:
        line = str(stop)
    except Exception as exc:  # a bug in the checker must not break the notebook
        line = (f"{_XOR_NAME}: {WRONG} - the checker itself failed ({type(exc).__name__}: "
                f"{exc}); please report this.")
    report(verdict_from_line(_XOR_NAME, line))


register(
    _XOR_NAME,
    checker=check_xor_by_hand,
    solution=xor_by_hand_solution,
    hints=(
        "Class 1 sits at the corners where x1 and x2 differ in sign. Find a quantity that is "
        "small at (1, 1) and (-1, -1) and large at (1, -1) and (-1, 1), e.g. |x1 - x2|, and "
        "build it from ReLU units.",
        "relu(x1 - x2) + relu(x2 - x1) = |x1 - x2|, which is 0 or 2 at the corners. Two hidden "
        "units with W1 = [[1, -1], [-1, 1]] and b1 = 0 compute the two ReLUs; let class 0's "
        "score be 0 and class 1's be their sum minus 1.",
        "return 'relu', np.array([[1.0, -1.0], [-1.0, 1.0]]), np.zeros(2), "
        "np.array([[0.0, 1.0], [0.0, 1.0]]), np.array([0.0, -1.0])",
    ),
)
