r"""Exercises on the activations of generative models: SwiGLU and a stable softplus.

* :func:`check_swiglu_layer` - forward and backward of a SwiGLU layer,
  :math:`[a, g] = xW + b`, :math:`y = a \odot \mathrm{swish}(g)`: returns
  ``(y, dx, dW, db)``; any number of leading axes, float32 kept, no overflow for large
  gate inputs, ``dout`` untouched.
* :func:`check_stable_softplus` - :math:`\frac1\beta\log(1 + e^{\beta x})` without overflow
  for large :math:`\beta x` and without losing the tiny values for very negative
  :math:`\beta x`.
* :func:`check_autoencoder_output_mismatch` - predict which mismatch between the output
  activation and the data hurts an autoencoder most.

The reference solutions ``<exercise>_solution`` are written to be read; the tests compare
them with PyTorch autograd and :mod:`course_lib.layers`.

Used by: 14_generative_activations.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from course_lib import activations as act
from course_lib.exercises.core import Case, check_function
from course_lib.exercises.help import question, register
from course_lib.validation import as_float_array

__all__ = [
    "check_autoencoder_output_mismatch",
    "check_stable_softplus",
    "check_swiglu_layer",
    "stable_softplus_solution",
    "swiglu_layer_solution",
]


# --- a SwiGLU layer, forward and backward ---------------------------------------------------


def swiglu_layer_solution(
    x: ArrayLike, W: ArrayLike, b: ArrayLike, dout: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Forward and backward of a SwiGLU layer (Shazeer, 2020), value half first.

    .. math::

        z = xW + b = [a,\ g],\qquad y = a \odot \mathrm{swish}(g),\qquad
        \mathrm{swish}(g) = g\,\sigma(g),

        \frac{\partial y}{\partial a} = \mathrm{swish}(g),\qquad
        \frac{\partial y}{\partial g} = a\,\sigma(g)\,\big(1 + g\,(1 - \sigma(g))\big),

        dz = [\,d_\text{out} \odot \mathrm{swish}(g),\ \ d_\text{out} \odot a\,
        \sigma(g)(1 + g\,\sigma(-g))\,],\quad
        dW = x^\top dz,\quad db = \textstyle\sum_n dz_n,\quad dx = dz\,W^\top,

    with the leading axes of ``x`` (batch, time, ...) flattened for :math:`dW` and
    :math:`db`. The sigmoid is the stable two-branch one
    (:func:`course_lib.activations.sigmoid`), so a gate input of :math:`\pm 1000` is fine,
    and :math:`1 - \sigma(g)` is computed as :math:`\sigma(-g)`.

    Shapes: x (..., D), W (D, 2H), b (2H,), dout (..., H) ->
    y (..., H), dx (..., D), dW (D, 2H), db (2H,).
    """
    x = as_float_array(x)
    W = as_float_array(W, "W")
    b = as_float_array(b, "b")
    dout = as_float_array(dout, "dout")
    z = x @ W + b
    h = W.shape[1] // 2
    a, g = z[..., :h], z[..., h:]
    s = act.sigmoid(g)
    swish = g * s
    y = a * swish
    dz = np.concatenate([dout * swish, dout * a * s * (1.0 + g * act.sigmoid(-g))], axis=-1)
    dz2 = dz.reshape(-1, 2 * h)  # leading axes flattened: every row is one sample
    dW = x.reshape(-1, x.shape[-1]).T @ dz2
    db = dz2.sum(axis=0)
    dx = dz @ W.T
    return y, dx, dW, db


def _normal(seed: int, shape: tuple[int, ...], scale: float = 1.0) -> np.ndarray:
    return scale * np.random.default_rng(seed).standard_normal(shape)


_SWIGLU_HINTS = {
    "y": "z = x @ W + b; the first half of z's last axis is the value a, the second half "
         "the gate input g; y = a * swish(g) = a * g * sigmoid(g).",
    "dx": "dz = [dout * swish(g), dout * a * swish'(g)] with "
          "swish'(g) = sigmoid(g) + g sigmoid(g) (1 - sigmoid(g)): both terms; "
          "then dx = dz @ W.T.",
    "dW": "dW = x.T @ dz, where dz = [dL/da, dL/dg] is the gradient of z.",
    "db": "db = dz summed over the batch: one number per column of W, shape (2H,).",
    "": "forward: z = x @ W + b, a = z[..., :H], g = z[..., H:], y = a * g * sigmoid(g); "
        "backward: dz = [dL/da, dL/dg], then dx, dW and db as for a Linear layer; "
        "return (y, dx, dW, db).",
}


def _swiglu_hints(**special: str) -> dict[str, str]:
    """The per-output hints, with the ones this case is about replaced."""
    return {**_SWIGLU_HINTS, **special}


_LEADING_AXES = (
    "x of shape (N, T, D), as in a transformer: dW and db sum over ALL leading axes "
    "(reshape x to (-1, D) and dz to (-1, 2H)); x.T on a 3-D array reverses all its axes."
)
_BIG_GATES = (
    "the gate inputs here are in the thousands: 1 / (1 + np.exp(-g)) overflows for "
    "g < -709. Use a stable sigmoid (course_lib.activations.sigmoid, or exponentiate only "
    "-|g|)."
)

SWIGLU_CASES = (
    Case((_normal(1, (3, 4)), _normal(2, (4, 4), 0.5), _normal(3, (4,), 0.1),
          _normal(4, (3, 2))), hint=_swiglu_hints()),
    Case((_normal(5, (5, 3)), _normal(6, (3, 6)), np.zeros(6), _normal(7, (5, 3))),
         hint=_swiglu_hints()),
    Case((_normal(8, (4, 2), 300.0), _normal(9, (2, 4), 3.0), np.zeros(4), _normal(10, (4, 2))),
         hint=_swiglu_hints(y=_BIG_GATES, dx=_BIG_GATES, dW=_BIG_GATES, db=_BIG_GATES,
                            **{"": _BIG_GATES})),
    Case((_normal(11, (2, 3, 4)), _normal(12, (4, 4)), _normal(13, (4,)),
          _normal(14, (2, 3, 2))),
         hint=_swiglu_hints(dW=_LEADING_AXES, db=_LEADING_AXES, **{"": _LEADING_AXES})),
    Case((_normal(15, (3, 4)).astype(np.float32), _normal(16, (4, 4)).astype(np.float32),
          _normal(17, (4,)).astype(np.float32), _normal(18, (3, 2)).astype(np.float32)),
         hint=_swiglu_hints(**{"": "float32 in, float32 out, for all four results."})),
    Case((np.array([[0, 2, 1], [3, 1, 0]]), _normal(19, (3, 2), 0.5), np.array([0.1, -0.2]),
          np.array([[1], [-2]])),
         hint=_swiglu_hints(**{"": "integer x and dout (pixel counts, say) are promoted to "
                                   "float64, not truncated."})),
)


def check_swiglu_layer(candidate: Callable[..., tuple]) -> None:
    """Check the learner's ``swiglu_layer(x, W, b, dout)``; print the verdict."""
    check_function(candidate, swiglu_layer_solution, SWIGLU_CASES, title="swiglu_layer",
                   rtol=1e-9, atol=1e-12, output_names=("y", "dx", "dW", "db"))


register(
    "swiglu_layer",
    checker=check_swiglu_layer,
    solution=swiglu_layer_solution,
    hints=(
        "Split the work: forward z = xW + b, a = first half, g = second half, "
        "y = a * swish(g). Backward: first dz = (dL/da, dL/dg), then the three gradients of "
        "the linear map, exactly as for Linear.",
        "dL/da = dout * swish(g); dL/dg = dout * a * swish'(g) with "
        "swish'(g) = sigmoid(g) * (1 + g * sigmoid(-g)). Then dW = x2.T @ dz2, "
        "db = dz2.sum(0), dx = dz @ W.T, where x2, dz2 flatten the leading axes.",
        "z = x @ W + b; h = W.shape[1] // 2; a, g = z[..., :h], z[..., h:]; s = sigmoid(g); "
        "dz = np.concatenate([dout * g * s, dout * a * s * (1 + g * sigmoid(-g))], "
        "axis=-1); dz2 = dz.reshape(-1, 2 * h); "
        "return a * g * s, dz @ W.T, x.reshape(-1, x.shape[-1]).T @ dz2, dz2.sum(axis=0)",
    ),
)


# --- a stable softplus with beta ----------------------------------------------------------


def stable_softplus_solution(x: ArrayLike, beta: float = 1.0) -> np.ndarray:
    r"""Softplus :math:`\frac{1}{\beta}\log(1 + e^{\beta x})` for every finite ``x``.

    .. math:: \mathrm{softplus}_\beta(x) = \frac{1}{\beta}\,\mathrm{logaddexp}(\beta x, 0)
              = \frac{1}{\beta}\Big(\max(\beta x, 0) + \mathrm{log1p}\big(e^{-|\beta x|}\big)\Big).

    ``np.logaddexp`` never exponentiates a positive number, so nothing overflows, and it
    keeps the tiny values for very negative :math:`\beta x` (softplus(-40) is
    :math:`4.2\times10^{-18}`, not 0). float32 stays float32; integers become float64.
    """
    x = as_float_array(x)
    return np.logaddexp(beta * x, 0.0) / beta


SOFTPLUS_CASES = (
    Case((np.array([-2.0, 0.0, 0.5, 3.0]),),
         hint="softplus(x) = log(1 + exp(x)); softplus(0) = log 2."),
    Case((np.array([-1.0, 0.0, 2.0]),), {"beta": 2.0},
         hint="with beta: (1 / beta) * log(1 + exp(beta * x)); divide by beta at the end."),
    Case((np.array([700.0, 800.0, 1e5]),),
         hint="exp(800) overflows. For large beta*x, softplus is beta*x plus a tiny "
              "correction: use np.logaddexp(beta * x, 0), or "
              "max(beta x, 0) + log1p(exp(-|beta x|))."),
    Case((np.array([200.0, 400.0]),), {"beta": 2.0},
         hint="beta * x = 800 here: the overflow depends on beta * x, not on x."),
    Case((np.array([-40.0, -100.0, -750.0]),),
         hint="softplus(-40) = log(1 + 4.2e-18) = 4.2e-18, but 1 + 4.2e-18 rounds to 1 and "
              "log(1) = 0: use np.log1p or np.logaddexp."),
    Case((np.array([[-50.0, -1.0], [1.0, 100.0]], dtype=np.float32),),
         hint="float32 in, float32 out (float32 exp overflows already at 89)."),
    Case((np.array([-3, 0, 3]),), {"beta": 0.5},
         hint="integer input is promoted to float64; beta = 0.5 gives 2 log(1 + exp(x / 2))."),
    Case((np.concatenate([-np.logspace(4, 1.5, 60), np.linspace(-30.0, 30.0, 1201),
                          np.logspace(1.5, 4, 60)]),), {"beta": 1.5},
         hint="a dense grid from -1e4 to 1e4: right at the points above is not enough; no "
              "cut-offs (softplus(x) is not x for x > 15, nor 0 for x < -15)."),
)


def check_stable_softplus(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``stable_softplus(x, beta=1.0)``; print one line."""
    check_function(candidate, stable_softplus_solution, SOFTPLUS_CASES,
                   title="stable_softplus", rtol=1e-9)


register(
    "stable_softplus",
    checker=check_stable_softplus,
    solution=stable_softplus_solution,
    hints=(
        "Two tails to protect: for large beta*x, exp overflows; for very negative beta*x, "
        "1 + exp(beta*x) rounds to 1 and the log returns 0 instead of a tiny number.",
        "log(1 + e^u) = max(u, 0) + log1p(e^(-|u|)), which numpy provides as "
        "np.logaddexp(u, 0). Here u = beta * x; divide by beta at the end.",
        "return np.logaddexp(beta * x, 0.0) / beta",
    ),
)


# --- the predict-then-run question --------------------------------------------------------

check_autoencoder_output_mismatch = question(
    "autoencoder_output_mismatch",
    options={
        "a": "a ReLU output for pixels scaled to [-1, 1]",
        "b": "a sigmoid output (squared error) for standardised pixels",
        "c": "an identity output (no activation) for pixels in [0, 1]",
    },
    answer="a",
    explanation=(
        "about half of the pixels of a digit are background, -1 in [-1, 1] units, and a ReLU "
        "can only output values >= 0: every background pixel is off by at least 1, whatever "
        "the network learns. A sigmoid cannot reach the negative standardised values either, "
        "but the background sits close to 0 (median -0.2); an identity output can reach "
        "everything and barely hurts."
    ),
    hints=(
        "Which of the three outputs cannot reach values that the data takes often?",
        "Count how much of a digit image is background and where the background sits in "
        "each scaling: -1 in [-1, 1], 0 in [0, 1], between about -1.5 and 0 after "
        "standardising.",
    ),
)
