r"""Exercises on an activation with trainable parameters, and on shapes that broadcast silently.

* ``adaptive_vs_fixed_swish`` - question: with the same initial weights and budget, is the
  test error of a network with a per-unit trainable swish lower than with a fixed swish?
* :func:`check_adaptive_swish_backward` - the backward pass of
  :math:`y = \alpha\,x\,\sigma(\beta x)` with one :math:`\alpha` and one :math:`\beta` per unit:
  ``dx`` and the parameter gradients summed over the batch, without overflow for any finite
  :math:`\beta x`.
* :func:`check_mse_loss_and_grad` - the mean squared error and its gradient for a
  prediction of shape (N, 1) and a target of shape (N,) or (N, 1): reshape, never broadcast
  to (N, N).

The reference solutions ``<exercise>_solution`` are written to be read; the tests compare
them with :class:`course_lib.layers.AdaptiveSwish`, :class:`course_lib.losses.MSELoss` and
PyTorch.

Used by: 09_adaptive_activations.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from course_lib.activations import sigmoid
from course_lib.exercises._verdict import CORRECT_STATUS, emit, last_verdict
from course_lib.exercises.core import Case, check_function
from course_lib.exercises.help import question, register
from course_lib.validation import as_float_array

__all__ = [
    "check_in_parts",
    "adaptive_swish_backward_solution",
    "check_adaptive_swish_backward",
    "check_adaptive_vs_fixed_swish",
    "check_mse_loss_and_grad",
    "mse_loss_and_grad_solution",
]


# --- question: does adapting the activation help here? --------------------------------------

check_adaptive_vs_fixed_swish = question(
    "adaptive_vs_fixed_swish",
    options={
        "a": "the adaptive network's test error is higher than the fixed one's",
        "b": "the two test errors are within 5 % of each other",
        "c": "the adaptive network's test error is lower, by more than 5 %",
    },
    answer="c",
    explanation=(
        "Here, for each of the three seeds, the adaptive network ends 11 to 17 % lower. It "
        "starts as the very same function (alpha = beta = 1 is swish) and has 48 more "
        "parameters that gradient descent can use. The gain is modest and depends on the "
        "set-up: measure it before you pay for it."
    ),
    hints=(
        "at the start both networks compute exactly the same function. What can the adaptive "
        "one do that the fixed one cannot?",
        "extra trainable parameters that start at a neutral value rarely make the training "
        "error worse; the question is whether the test error follows.",
    ),
)


# --- substantial exercise: the backward pass ---------------------------------------------------


def adaptive_swish_backward_solution(
    x: ArrayLike, alpha: ArrayLike, beta: ArrayLike, dout: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of :math:`y = \alpha\,x\,\sigma(\beta x)` (per unit) for x, alpha and beta.

    With :math:`s = \sigma(\beta x)` and :math:`\sigma'(z) = \sigma(z)\,\sigma(-z)`:

    .. math::

        dx = d_\text{out}\,\alpha\,\bigl(s + \beta x\,\sigma'(\beta x)\bigr),\quad
        d\alpha = \sum_n d_\text{out}\,x\,s,\quad
        d\beta = \sum_n d_\text{out}\,\alpha\,x^2\,\sigma'(\beta x).

    The parameter gradients are summed over the batch (axis 0): every sample uses the same
    alpha and beta, so their contributions add up. The stable sigmoid never overflows.
    Computed in float64 and rounded once to the dtype of ``x``.

    Shapes: x and dout (N, D), alpha and beta (D,) -> dx (N, D), dalpha (D,), dbeta (D,).
    """
    dtype = as_float_array(x).dtype  # the result's dtype: float32 stays float32
    x, alpha, beta, dout = (as_float_array(v, name).astype(np.float64)  # float64 inside
                            for v, name in ((x, "x"), (alpha, "alpha"), (beta, "beta"),
                                            (dout, "dout")))
    z = beta * x
    s = sigmoid(z)
    slope = s * sigmoid(-z)  # sigma'(z) = sigma(z) * sigma(-z): exact in both tails
    dx = dout * alpha * (s + z * slope)
    dalpha = np.sum(dout * x * s, axis=0)
    dbeta = np.sum(dout * alpha * x * x * slope, axis=0)
    return dx.astype(dtype), dalpha.astype(dtype), dbeta.astype(dtype)


def _example(seed: int, n: int, d: int, scale: float = 1.0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    x = scale * rng.standard_normal((n, d))
    alpha = rng.uniform(0.5, 2.0, d)
    beta = rng.uniform(-1.0, 2.0, d)
    dout = rng.standard_normal((n, d))
    return x, alpha, beta, dout


_X_BIG = np.array([[-800.0, 800.0, -40.0, 40.0], [-3.0, 2.0, 0.0, -0.5]])

ADAPTIVE_SWISH_BACKWARD_CASES = (
    Case(_example(1, 3, 2),
         hint={"": "y = alpha * x * s with s = sigma(beta x); differentiate the product.",
               "dx": "dy/dx = alpha * (s + beta * x * sigma'(beta x)), times dout.",
               "dalpha": "dy/dalpha = x * s, times dout, summed over the batch (axis 0).",
               "dbeta": "dy/dbeta = alpha * x**2 * sigma'(beta x), times dout, summed over "
                        "the batch (axis 0)."}),
    Case((np.array([[1.5, -2.0]]), np.array([1.0, 2.0]), np.array([0.0, -1.0]),
          np.array([[1.0, 1.0]])),
         hint="beta = 0 and negative beta are allowed: sigma(0) = 1/2."),
    Case(_example(2, 6, 2, scale=3.0),
         hint={"": "the parameter gradients sum over the batch (np.sum(..., axis=0)); a mean "
                   "would make alpha and beta learn N times slower.",
               "dalpha": "sum dout * x * s over the batch (axis 0), do not average.",
               "dbeta": "sum dout * alpha * x**2 * sigma'(beta x) over the batch (axis 0), "
                        "do not average."}),
    Case((_X_BIG, np.ones(4), np.ones(4), np.ones((2, 4))),
         hint="1 / (1 + exp(-z)) overflows for z < -709: use a stable sigmoid "
              "(course_lib.activations.sigmoid) and sigma'(z) = sigma(z) * sigma(-z)."),
    Case(tuple(a.astype(np.float32) for a in _example(3, 4, 3)),
         hint="float32 in, float32 out, for dx and for the parameter gradients."),
    Case((np.array([[-1000.0, -100.0, 100.0], [1000.0, -2.0, 0.5]], dtype=np.float32),
          np.ones(3, dtype=np.float32), np.ones(3, dtype=np.float32),
          np.ones((2, 3), dtype=np.float32)),
         hint="float32 exp overflows already for |z| > 88.7: use a stable sigmoid "
              "(course_lib.activations.sigmoid) also in float32."),
    Case((_example(4, 3, 2)[0], np.array([1.0, 0.5]), np.array([1.0, 2.0]),
          np.array([[1, -2], [0, 3], [2, 1]])),
         hint="an integer dout must give float gradients: do not build them in an array "
              "created from dout (np.zeros_like(dout) is an integer array here)."),
)


def check_adaptive_swish_backward(candidate: Callable[..., tuple]) -> None:
    """Check ``adaptive_swish_backward(x, alpha, beta, dout)``; print the verdict."""
    check_function(candidate, adaptive_swish_backward_solution, ADAPTIVE_SWISH_BACKWARD_CASES,
                   title="adaptive_swish_backward", rtol=1e-10, atol=1e-13,
                   output_names=("dx", "dalpha", "dbeta"))


register(
    "adaptive_swish_backward",
    checker=check_adaptive_swish_backward,
    solution=adaptive_swish_backward_solution,
    hints=(
        "y = alpha * x * s(beta x) is a product: use the product rule for x, and note that "
        "alpha and beta are shared by all N rows, so their gradients add up over the batch.",
        "With s = sigmoid(beta x) and s' = s * (1 - s) (or, exactly in the tails, "
        "sigmoid(z) * sigmoid(-z)): dy/dx = alpha (s + beta x s'), dy/dalpha = x s, "
        "dy/dbeta = alpha x^2 s'. Multiply each by dout; sum the last two with axis=0.",
        "z = beta * x; s = sigmoid(z); slope = s * sigmoid(-z); "
        "return dout * alpha * (s + z * slope), np.sum(dout * x * s, axis=0), "
        "np.sum(dout * alpha * x * x * slope, axis=0)",
    ),
)


# --- short exercise: MSE without silent broadcasting -------------------------------------------


def mse_loss_and_grad_solution(
    prediction: ArrayLike, target: ArrayLike
) -> tuple[float, np.ndarray]:
    r"""Mean squared error over all M elements and its gradient with respect to the prediction.

    .. math::

        L = \frac{1}{M}\sum_i (\hat y_i - y_i)^2, \qquad
        \frac{\partial L}{\partial \hat y} = \frac{2}{M}(\hat y - y).

    The target is *reshaped* to the prediction's shape (a target of shape (N,) for a
    prediction of shape (N, 1)); subtracting the two directly would broadcast to (N, N).
    The target array is not modified (``reshape`` returns a view, it does not set ``.shape``).
    """
    prediction = as_float_array(prediction, "prediction")
    target = as_float_array(target, "target").reshape(prediction.shape)
    diff = prediction - target.astype(prediction.dtype, copy=False)
    loss = float(np.mean(np.square(diff, dtype=np.float64)))  # accumulated in float64
    return loss, (2.0 / diff.size) * diff


def _regression(seed: int, n: int, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    prediction = rng.standard_normal((n, 1))
    target = rng.standard_normal(shape)
    return prediction, target


MSE_CASES = (
    Case(_regression(1, 5, (5, 1)),
         hint="L is the mean of (prediction - target)**2; its gradient is "
              "2 * (prediction - target) / M, with M the number of elements."),
    Case(_regression(2, 6, (6,)),
         hint="prediction (6, 1) minus target (6,) broadcasts to (6, 6): reshape the target "
              "first, target.reshape(prediction.shape)."),
    Case((np.random.default_rng(3).standard_normal((3, 2)),
          np.random.default_rng(4).standard_normal((3, 2))),
         hint="M counts every element (here 6), not only the rows."),
)

MSE_CASES_FLOAT32 = (
    Case(tuple(a.astype(np.float32) for a in _regression(5, 4, (4,))),
         hint="float32 in, float32 gradient out; the loss is a Python float."),
)


def check_in_parts(candidate: object, reference: Callable[..., object],
                   parts: Sequence[tuple[Sequence[Case], Mapping[str, float]]], *, title: str,
                   **options: object) -> None:
    """:func:`check_function` on groups of cases, each with its own tolerance; one verdict.

    A number computed from float32 data (a loss, a mean) may carry float32 rounding, one
    from float64 data may not: the groups keep the two tolerances apart. ``parts`` is a
    list of ``(cases, {"rtol": ..., "atol": ...})``; the first wrong verdict is printed,
    else one "correct" verdict counting every case.
    """
    total = 0
    for cases, tolerance in parts:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            check_function(candidate, reference, cases, title=title, **tolerance, **options)
        found = last_verdict(title)
        if found is None or found.status != CORRECT_STATUS:
            print(buffer.getvalue(), end="")
            return
        total += len(cases)
    emit(title, CORRECT_STATUS, f"all {total} checks passed.")


def check_mse_loss_and_grad(candidate: Callable[..., tuple]) -> None:
    """Check ``mse_loss_and_grad(prediction, target)``: the loss a Python float (float64), the
    gradient an array of the prediction's dtype; print the verdict.

    The loss of float64 data must agree to 12 digits (float32 arithmetic fails); the loss of
    float32 data may carry float32 rounding (relative 1e-6).
    """
    check_in_parts(candidate, mse_loss_and_grad_solution,
                   [(MSE_CASES, {"rtol": 1e-12}), (MSE_CASES_FLOAT32, {"rtol": 1e-6})],
                   title="mse_loss_and_grad", output_names=("loss", "grad"), returns=float)


register(
    "mse_loss_and_grad",
    checker=check_mse_loss_and_grad,
    solution=mse_loss_and_grad_solution,
    hints=(
        "Before subtracting, make sure prediction and target have the same shape: which "
        "shape does (N, 1) - (N,) give?",
        "target.reshape(prediction.shape) returns a new view; then L = mean(diff**2) and "
        "dL/dprediction = 2 * diff / diff.size.",
        "diff = prediction - target.reshape(prediction.shape); "
        "return float(np.mean(diff**2)), 2.0 * diff / diff.size",
    ),
)
