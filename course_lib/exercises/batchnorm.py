r"""Exercises on batch normalisation followed by a ReLU.

* :func:`check_batchnorm_relu_layer` (substantial) - a ``BatchNormReLU`` class with
  ``forward(x)`` and ``backward(dout) -> (dx, dgamma, dbeta)`` in training mode (batch
  statistics, running statistics updated with the *unbiased* batch variance) and in
  evaluation mode (running statistics, nothing updated). Checked on the kink
  (:math:`y = 0` exactly), a large offset with a tiny spread (the one-pass variance
  :math:`E[x^2] - E[x]^2` cancels there), integer ``x`` and integer ``dout``, float32,
  evaluation after training, a second forward, and a caller who changes ``x`` after
  ``forward``. A layer that passes is gradient-checked and the relative errors printed.
* ``relu_gradient_depth15_lecun`` - the question asked before the depth experiment.

The running statistics and folding into a linear layer are in
:mod:`course_lib.exercises.batchnorm_eval`.

Tolerances. The references are computed in float64 and rounded once to the result's dtype,
in the checker's own numeric state. Float64 results must agree to a relative
:math:`10^{-8}` (absolute :math:`10^{-11}`): float32 arithmetic is refused there. Float32
results (float32 ``x``, ``dout`` and parameters) must agree to a relative
:math:`10^{-4}` and an absolute :math:`10^{-5}`, which accepts float32 arithmetic: the
backward pass subtracts batch means, so small entries of ``dx`` carry the rounding error of
the large ones. Every value here is of order one: subnormal numbers do not arise, and
overflow would need :math:`|x| > 10^{19}` in float32, which no batch normalisation is
asked to survive.

Used by: 05_batchnorm_with_activation.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from course_lib.exercises._inputs import Given
from course_lib.exercises._layer_checks import (
    _LAYER_OUTPUTS,
    _float_dtype,
    _join_passes,
    _layer_runner,
    _Mode,
    _print_verdict,
    _verdict,
)
from course_lib.exercises._verdict import CORRECT_STATUS, make_verdict
from course_lib.exercises.core import WRONG, Case, format_value
from course_lib.exercises.help import question, register
from course_lib.gradcheck import numerical_vjp, relative_error

__all__ = [
    "batchnorm_relu_layer_solution",
    "check_batchnorm_relu_layer",
    "check_relu_gradient_depth15_lecun",
]

_RTOL, _ATOL = 1e-8, 1e-11  # float64 results
_RTOL32, _ATOL32 = 1e-4, 1e-5  # float32 results


# --- the BatchNorm + ReLU layer (substantial) ---------------------------------------------


def batchnorm_relu_layer_solution(
    num_features: int, eps: float = 1e-5, momentum: float = 0.1
) -> Any:
    r"""Build the reference layer; ``check_batchnorm_relu_layer`` accepts this function.

    The checker calls what it is given with ``num_features`` to build each layer, so a
    class ``BatchNormReLU`` and this function are used the same way. The class inside:

    .. math::

        \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad
        y = \gamma \hat x + \beta, \qquad \mathrm{out} = \max(0, y),

    with the batch mean and biased batch variance in training mode (the running variance
    gets the unbiased one, :math:`\frac{N}{N-1}\sigma_B^2`) and the running statistics in
    evaluation mode. Backward, with :math:`dy = d_\text{out}\,[y > 0]` and
    :math:`d\hat x = \gamma\, dy`:

    .. math::

        d\gamma = \sum_n dy_n \hat x_n, \quad d\beta = \sum_n dy_n, \quad
        dx = \frac{1}{N s}\Bigl(N\, d\hat x - \sum_n d\hat x_n
             - \hat x \sum_n d\hat x_n \hat x_n\Bigr) \ \text{(training)}, \quad
        dx = \frac{d\hat x}{s} \ \text{(evaluation)},

    where :math:`s = \sqrt{\sigma^2 + \epsilon}` with the statistics the forward pass used.
    """

    class BatchNormReLU:
        def __init__(self):
            self.gamma = np.ones(num_features)
            self.beta = np.zeros(num_features)
            self.running_mean = np.zeros(num_features)
            self.running_var = np.ones(num_features)
            self.eps, self.momentum = eps, momentum
            self.training = True
            self.cache = None

        def train(self):
            self.training = True

        def eval(self):
            self.training = False

        def forward(self, x):
            x = np.asarray(x)
            if x.dtype.kind != "f":
                x = x.astype(np.float64)  # integer data (pixel counts) become float64
            if self.training:
                n = x.shape[0]
                mean = x.mean(axis=0)
                var = x.var(axis=0)  # biased (divides by N): used to normalise this batch
                m = self.momentum  # PyTorch's convention: the weight of the new batch
                self.running_mean = (1 - m) * self.running_mean + m * mean
                self.running_var = (1 - m) * self.running_var + m * var * (n / (n - 1))
            else:
                mean, var = self.running_mean, self.running_var  # nothing is updated
            inv_std = 1.0 / np.sqrt(var + self.eps)
            x_hat = (x - mean) * inv_std  # a new array: the caller's x is not kept
            y = self.gamma * x_hat + self.beta
            self.cache = (x_hat, inv_std, y > 0, self.training)
            return np.where(y > 0, y, 0.0)

        def backward(self, dout):
            x_hat, inv_std, active, training = self.cache
            dy = np.where(active, dout, 0.0)  # through the ReLU; relu'(0) = 0
            dgamma = np.sum(dy * x_hat, axis=0)
            dbeta = np.sum(dy, axis=0)
            dx_hat = dy * self.gamma
            if not training:  # the running statistics are constants
                return dx_hat * inv_std, dgamma, dbeta
            n = x_hat.shape[0]
            dx = (inv_std / n) * (
                n * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0)
            )
            return dx, dgamma, dbeta

    return BatchNormReLU()


def batchnorm_relu_layer_reference(x: Given, dout: Given, gamma: np.ndarray, beta: np.ndarray,
                                   mode: _Mode) -> tuple:
    """The reference layer's outputs, computed in float64 and rounded once to the dtype."""
    dtype = _float_dtype(x.array, dout.array)
    x64 = Given(x.array.astype(np.float64), x.label, show_shape=False)
    dout64 = Given(dout.array.astype(np.float64), dout.label, show_shape=False)
    # the parameters the learner's layer gets (in x's dtype), exactly, in float64
    param_dtype = _float_dtype(x.array)
    gamma64, beta64 = (a.astype(param_dtype).astype(np.float64) for a in (gamma, beta))
    stats = [None if a is None else a.astype(param_dtype).astype(np.float64)
             for a in (mode.running_mean, mode.running_var)]
    mode64 = _Mode(mode.usage, *stats)
    result = _layer_runner(batchnorm_relu_layer_solution)(x64, dout64, gamma64, beta64, mode64)
    return tuple(np.asarray(r).astype(dtype) for r in result)


def _normal(seed: int, shape: tuple[int, int], loc: float = 0.0, scale: float = 1.0,
            dtype: type = np.float64) -> Given:
    values = loc + scale * np.random.default_rng(seed).standard_normal(shape)
    label = "standard normal" if (loc, scale) == (0.0, 1.0) else f"normal({loc:g}, {scale:g}²)"
    return Given(values.astype(dtype), label)


_OUT_HINT = ("forward: x_hat = (x - mean) / sqrt(var + eps) with the batch mean and the "
             "biased batch variance (np.var, ddof=0) in training mode; out = max(0, gamma * "
             "x_hat + beta).")
_DX_HINT = ("the batch mean and variance depend on every x_n, so dx is not gamma * dy / s: "
            "dx = (N dx_hat - sum(dx_hat) - x_hat sum(dx_hat x_hat)) / (N s), sums over the "
            "batch, with dx_hat = gamma * dy and dy = dout where y > 0.")
_DGAMMA_HINT = ("dgamma = sum over the batch of dy * x_hat, where dy = dout * [y > 0] is the "
                "gradient after the ReLU (not dout itself).")
_DBETA_HINT = "dbeta = sum over the batch of dy = dout * [y > 0] (the gradient after the ReLU)."
_RMEAN_HINT = ("training mode: running_mean = (1 - momentum) * running_mean + momentum * "
               "batch mean (PyTorch's convention: momentum weights the new batch).")
_RVAR_HINT = ("training mode updates running_var with the UNBIASED batch variance, "
              "N / (N - 1) times the biased one (np.var(x, axis=0, ddof=1)).")
_TRAINING_HINTS = {"out": _OUT_HINT, "dx": _DX_HINT, "dgamma": _DGAMMA_HINT,
                   "dbeta": _DBETA_HINT, "running_mean": _RMEAN_HINT,
                   "running_var": _RVAR_HINT}
_EVAL_HINTS = {
    "out": "evaluation mode normalises with running_mean and running_var, not with the "
           "statistics of the batch.",
    "dx": "in evaluation mode the running statistics are constants: dx = gamma * dy / "
          "sqrt(running_var + eps), with no batch terms.",
    "dgamma": _DGAMMA_HINT + " In evaluation mode x_hat uses the running statistics.",
    "dbeta": _DBETA_HINT,
    "running_mean": "evaluation mode must not change the running statistics.",
    "running_var": "evaluation mode must not change the running statistics.",
}
_KINK = "here y = gamma * x_hat + beta is exactly 0 for two samples: relu'(0) = 0, test y > 0."
_INT_DOUT = ("dout holds integers; the gradients must be float64: np.where(y > 0, dout, 0.0) "
             "promotes, dout * mask and np.sum(dout) stay int64.")
_LATEST = ("backward must use the cache of the latest forward (on x, not on 2x+1): overwrite "
           "it on every call.")
_CALLERS_X = ("the caller changed its array x in place after forward: cache NEW arrays "
              "(x_hat, the mask y > 0), not a reference to the caller's x.")
_CANCEL = ("a large offset with a tiny spread: compute the variance from x - mean (np.var), "
           "not as mean(x**2) - mean**2, which cancels; and add eps, as large as the variance.")
_G3, _B3 = np.array([1.5, 0.5, 2.0]), np.array([0.2, -0.3, 0.0])
_TRAIN, _EVAL = _Mode("training"), _Mode("evaluation", [1.0, -0.5, 0.0], [0.5, 2.0, 1.0])

BATCHNORM_RELU_LAYER_CASES = (
    Case((_normal(1, (6, 3), 1.0, 2.0), _normal(2, (6, 3)), _G3, _B3, _TRAIN),
         hint=_TRAINING_HINTS),
    Case((Given(np.array([[1.0, 4.0], [2.0, -1.0], [3.0, 0.5], [2.0, 2.5]]),
                "4 samples, first feature 1, 2, 3, 2"),
          Given(np.array([[1.0, 2.0], [3.0, -1.0], [-2.0, 0.5], [0.5, 1.5]]), "4 x 2 values"),
          np.ones(2), np.zeros(2), _TRAIN),
         hint={**_TRAINING_HINTS, "dx": _KINK, "dgamma": _KINK, "dbeta": _KINK}),
    Case((_normal(3, (8, 2), 1000.0, 0.003), _normal(4, (8, 2)), np.array([1.0, 2.0]),
          np.array([0.5, 0.0]), _TRAIN),
         hint={**_TRAINING_HINTS, "out": _CANCEL, "running_var": _CANCEL}),
    Case((_normal(9, (6, 3), 2.0, 1.0), _normal(10, (6, 3)), _G3, _B3,
          _Mode("training, forward on 2x+1, then on x")),
         hint={**_TRAINING_HINTS, "dx": _LATEST, "dgamma": _LATEST, "dbeta": _LATEST}),
    Case((_normal(11, (6, 3), 0.0, 2.0), _normal(12, (6, 3)), _G3, _B3,
          _Mode("training, x changed by the caller after forward")),
         hint={**_TRAINING_HINTS, "dx": _CALLERS_X, "dgamma": _CALLERS_X}),
    Case((Given(np.array([[0, 16, 3], [8, 4, 3], [16, 0, 5], [4, 12, 9]]), "pixel counts"),
          _normal(13, (4, 3)), _G3, _B3, _TRAIN),
         hint={**_TRAINING_HINTS,
               "out": "integer x (pixel counts): convert to float64 first; never build a "
                      "result from np.zeros_like(x), an integer array here."}),
    Case((_normal(14, (5, 3), 1.0, 2.0),
          Given(np.array([[3, -2, 1], [4, 0, -1], [-3, 2, 2], [1, 1, -4], [2, -1, 0]]),
                "integers"), _G3, _B3, _TRAIN),
         hint={**_TRAINING_HINTS, "dx": _INT_DOUT, "dgamma": _INT_DOUT, "dbeta": _INT_DOUT}),
    Case((_normal(5, (5, 3), 0.5, 1.5), _normal(6, (5, 3)), _G3, _B3, _EVAL), hint=_EVAL_HINTS),
    Case((_normal(7, (6, 3), -1.0, 2.0), _normal(8, (6, 3)), _G3, _B3,
          _Mode("training on 3 batches, then evaluation")),
         hint={**_EVAL_HINTS,
               "out": "after training, evaluation mode normalises with the running statistics "
                      "that training updated (self.running_mean, self.running_var).",
               "running_mean": _RMEAN_HINT + " Evaluation mode then leaves it alone.",
               "running_var": _RVAR_HINT + " Evaluation mode then leaves it alone."}),
)

_FLOAT32 = ("float32 x, dout and parameters: every result (out, the gradients, the running "
            "statistics) must stay float32.")
BATCHNORM_RELU_LAYER_CASES_32 = (
    Case((_normal(15, (6, 3), 1.0, 2.0, np.float32), _normal(16, (6, 3), dtype=np.float32),
          _G3, _B3, _TRAIN), hint={**_TRAINING_HINTS, "": _FLOAT32}),
    Case((_normal(17, (5, 3), 0.5, 1.5, np.float32), _normal(18, (5, 3), dtype=np.float32),
          _G3, _B3, _EVAL), hint={**_EVAL_HINTS, "": _FLOAT32}),
)

_LAYER = "batchnorm_relu_layer"


def _layer_gradient_errors(make_layer: Callable[..., Any]) -> dict[str, float] | None:
    """Relative errors of the layer's (dx, dgamma, dbeta) against central differences of its
    own forward, training mode, on an 8x4 batch whose y stays away from the ReLU's kink;
    None if anything goes wrong."""
    rng = np.random.default_rng(21)
    x = 1.0 + 2.0 * rng.standard_normal((8, 4))
    dout = rng.standard_normal((8, 4))
    gamma, beta = rng.uniform(0.5, 1.5, 4), rng.uniform(-0.5, 0.5, 4)

    def forward(x_: np.ndarray, gamma_: np.ndarray, beta_: np.ndarray) -> np.ndarray:
        layer = make_layer(4)
        layer.gamma, layer.beta = gamma_.copy(), beta_.copy()
        return np.asarray(layer.forward(x_.copy()), dtype=np.float64)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                layer = make_layer(4)
                layer.gamma, layer.beta = gamma.copy(), beta.copy()
                layer.forward(x.copy())
                analytic = [np.asarray(g, dtype=np.float64)
                            for g in layer.backward(dout.copy())]
                numeric = [
                    numerical_vjp(lambda v: forward(v, gamma, beta), x, dout),
                    numerical_vjp(lambda v: forward(x, v, beta), gamma, dout),
                    numerical_vjp(lambda v: forward(x, gamma, v), beta, dout),
                ]
                return {name: relative_error(a, n) for name, a, n
                        in zip(("dx", "dgamma", "dbeta"), analytic, numeric, strict=True)}
    except Exception:
        return None


def check_batchnorm_relu_layer(layer_class: Any) -> None:
    """Check the learner's ``BatchNormReLU`` class (pass the class itself); print the verdict.

    Every check builds a fresh layer with ``layer_class(num_features)``, sets ``gamma``,
    ``beta`` (and, for some checks, the running statistics), uses it in the way the check
    names, and compares ``out``, ``dx``, ``dgamma``, ``dbeta``, ``running_mean`` and
    ``running_var`` with the reference; a layer that passes is also gradient-checked.
    """
    if not callable(layer_class):
        line = (f"{_LAYER}: {WRONG} - expected the class, got {format_value(layer_class)}. "
                "Hint: pass the class itself, check_batchnorm_relu_layer(BatchNormReLU), not "
                "an instance BatchNormReLU(3).")
        _print_verdict(_LAYER, line)
        return
    run = _layer_runner(layer_class)
    verdict = _join_passes(_LAYER, [
        lambda: _verdict(run, batchnorm_relu_layer_reference, BATCHNORM_RELU_LAYER_CASES,
                         title=_LAYER, rtol=_RTOL, atol=_ATOL, output_names=_LAYER_OUTPUTS),
        lambda: _verdict(run, batchnorm_relu_layer_reference, BATCHNORM_RELU_LAYER_CASES_32,
                         title=_LAYER, rtol=_RTOL32, rtol32=_RTOL32, atol=_ATOL32,
                         output_names=_LAYER_OUTPUTS),
    ])
    if verdict.status == CORRECT_STATUS:
        errors = _layer_gradient_errors(layer_class)
        if errors is not None:
            listed = ", ".join(f"{name} {err:.0e}" for name, err in errors.items())
            verdict = make_verdict(_LAYER, CORRECT_STATUS, (
                f"{verdict.finding} Gradient check of your layer in training mode (8 x 4 "
                f"batch): relative errors {listed}."))
    _print_verdict(_LAYER, verdict)


register(
    _LAYER,
    checker=check_batchnorm_relu_layer,
    solution=batchnorm_relu_layer_solution,
    hints=(
        "forward: which mean and variance does each mode use, and which does training mode "
        "update? What must backward know (x_hat, 1/s, where y > 0, the mode)? backward: "
        "first the ReLU (dy = dout where y > 0), then the parameters, then dx.",
        "training: mean = x.mean(0), var = x.var(0); update the running statistics with "
        "momentum and var * N / (N - 1); x_hat = (x - mean) / sqrt(var + eps); cache x_hat, "
        "1/s, y > 0 and self.training. backward: dgamma = sum(dy * x_hat, 0), dbeta = "
        "sum(dy, 0), dx_hat = gamma * dy, and dx from section 3 (evaluation: dx_hat / s).",
        "Part of the code (backward, with x_hat, inv_std = 1/s and active = y > 0 cached by "
        "forward): dy = np.where(active, dout, 0.0); dx_hat = dy * self.gamma; training: "
        "dx = inv_std "
        "/ n * (n * dx_hat - dx_hat.sum(0) - x_hat * (dx_hat * x_hat).sum(0)); evaluation: "
        "dx = dx_hat * inv_std; return dx, (dy * x_hat).sum(0), dy.sum(0)",
    ),
)


# --- predict, then run --------------------------------------------------------------------

check_relu_gradient_depth15_lecun = question(
    "relu_gradient_depth15_lecun",
    options={
        "a": "about the same: each layer passes the gradient on unchanged",
        "b": "about 10 times smaller",
        "c": "about 100 times smaller",
    },
    answer="c",
    explanation=(
        "with LeCun initialisation (Var W = 1/n_in) a linear layer keeps the mean square of "
        "the gradient, and the ReLU zeroes it for the inactive half of the units, so every "
        "layer multiplies its norm by about 1/sqrt(2). Fourteen layers: 2**-7 = 1/128."
    ),
    hints=(
        "Going backwards, what does one ReLU do to the gradient when half of its units are "
        "inactive? And one linear layer with Var W = 1/n_in?",
        "Each layer keeps about half of the gradient's mean square: a factor 1/sqrt(2) in its "
        "norm. From layer 15 down to layer 1 that happens 14 times.",
    ),
)
