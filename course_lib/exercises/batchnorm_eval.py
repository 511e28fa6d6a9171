r"""Exercises on batch normalisation in evaluation mode: the running statistics it keeps,
and folding it into the linear layer before it.

* :func:`check_update_running_stats` - PyTorch's running statistics: the new batch
  weighted by ``momentum`` and the unbiased batch variance (slide 5 uses the biased
  ``np.var``; Keras weights the *old* value by its ``momentum``).
* :func:`check_fold_batchnorm` - evaluation-mode batch normalisation is a fixed affine map
  per feature, so it folds into the preceding linear layer ``h = x W + b``.

Tolerances as in :mod:`course_lib.exercises.batchnorm`: references computed in float64 and
rounded once to the result's dtype; float64 results to a relative :math:`10^{-8}` (absolute
:math:`10^{-11}`), float32 results to a relative :math:`10^{-4}` (absolute :math:`10^{-5}`).

Used by: 05_batchnorm_with_activation.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.exercises._layer_checks import _float_dtype, _join_passes, _print_verdict, _verdict
from course_lib.exercises.core import Case
from course_lib.exercises.help import register

__all__ = [
    "update_running_stats_solution",
    "check_update_running_stats",
    "fold_batchnorm_solution",
    "check_fold_batchnorm",
]

_RTOL, _ATOL = 1e-8, 1e-11  # float64 results
_RTOL32, _ATOL32 = 1e-4, 1e-5  # float32 results


# --- running statistics (short) -----------------------------------------------------------


def update_running_stats_solution(
    x: ArrayLike, running_mean: ArrayLike, running_var: ArrayLike, momentum: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    r"""One update of the running statistics, as ``torch.nn.BatchNorm1d`` does it.

    .. math::

        \mu_\text{run} \leftarrow (1-m)\,\mu_\text{run} + m\,\mu_B,\qquad
        \sigma^2_\text{run} \leftarrow (1-m)\,\sigma^2_\text{run}
        + m\,\frac{1}{N-1}\sum_n (x_n - \mu_B)^2 .

    The running variance uses the *unbiased* batch variance (``ddof=1``), while
    the normalisation itself uses the biased one. New arrays are returned; the
    old running statistics are not modified. Integer ``x`` gives float64.

    >>> update_running_stats_solution(np.array([[1.0, 2.0], [3.0, 6.0]]), np.zeros(2), np.ones(2))
    (array([0.2, 0.4]), array([1.1, 1.7]))
    """
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    batch_mean = x.mean(axis=0)
    batch_var = x.var(axis=0, ddof=1)  # unbiased: divides by N - 1
    new_mean = (1 - momentum) * np.asarray(running_mean) + momentum * batch_mean
    new_var = (1 - momentum) * np.asarray(running_var) + momentum * batch_var
    return new_mean, new_var


def _rounded_once(function: Callable[..., tuple]) -> Callable[..., tuple]:
    """``function`` computed in float64 and rounded once to the dtype of its array inputs."""

    def reference(*args: Any, **kwargs: Any) -> tuple:
        arrays = [np.asarray(a) for a in args if isinstance(a, np.ndarray)]
        dtype = _float_dtype(*arrays)
        args64 = [a.astype(np.float64) if isinstance(a, np.ndarray) else a for a in args]
        return tuple(np.asarray(r).astype(dtype) for r in function(*args64, **kwargs))

    reference.__signature__ = inspect.signature(function)  # type: ignore[attr-defined]
    reference.__name__ = function.__name__
    return reference


_MOMENTUM_HINT = ("momentum is the weight of the new batch (PyTorch's convention): "
                  "(1 - momentum) * old + momentum * batch statistic.")
_UNBIASED_HINT = ("PyTorch updates running_var with the unbiased batch variance, "
                  "np.var(x, axis=0, ddof=1), not the biased np.var(x, axis=0).")

RUNNING_STATS_CASES = (
    Case((np.array([[2.0, -1.0], [2.0, -1.0], [2.0, -1.0]]), np.array([0.5, 0.5]), np.ones(2)),
         {"momentum": 0.1}, hint=_MOMENTUM_HINT),
    Case((np.random.default_rng(7).normal(3.0, 2.0, (4, 3)), np.zeros(3), np.ones(3)),
         {"momentum": 0.1},
         hint={"running_mean": _MOMENTUM_HINT, "running_var": _UNBIASED_HINT}),
    Case((np.random.default_rng(8).normal(-1.0, 1.0, (3, 2)), np.array([1.0, -1.0]),
          np.array([2.0, 0.5])), {"momentum": 0.25},
         hint={"running_mean": "new = (1 - momentum) * old + momentum * batch mean.",
               "running_var": "new = (1 - momentum) * old + momentum * unbiased batch "
                              "variance."}),
    Case((np.array([[1.0, 4.0], [3.0, 0.0]]), np.array([0.5, 0.5]), np.array([1.0, 1.0])),
         {"momentum": 0.5}, hint="with N = 2 the unbiased variance divides by N - 1 = 1."),
    Case((np.array([[0, 16], [8, 4], [16, 0]]), np.zeros(2), np.ones(2)), {"momentum": 0.1},
         hint="integer data (pixel counts) give float64 statistics."),
    Case((1000.0 + 0.003 * np.random.default_rng(9).standard_normal((8, 2)),
          np.array([1000.0, 1000.0]), np.array([1e-5, 1e-5])), {"momentum": 0.1},
         hint={"running_mean": _MOMENTUM_HINT,
               "running_var": "a large offset with a tiny spread: compute the variance from "
                              "x - mean (np.var with ddof=1), not as mean(x**2) - mean**2, "
                              "which cancels."}),
    Case((np.random.default_rng(10).normal(3.0, 2.0, (6, 3)).astype(np.float32),
          np.zeros(3, dtype=np.float32), np.ones(3, dtype=np.float32)), {"momentum": 0.1},
         hint="float32 batch and running statistics: the new statistics stay float32."),
)

_RUNNING = "update_running_stats"


def _stats_over(axis: int | None) -> Callable[..., tuple]:
    """The update with batch statistics over ``axis`` (a wrong axis), broadcast per feature."""

    def update(x: ArrayLike, running_mean: ArrayLike, running_var: ArrayLike,
               momentum: float = 0.1) -> tuple:
        x = np.asarray(x, dtype=np.float64)
        mean = np.resize(x.mean(axis=axis), x.shape[1])
        var = np.resize(x.var(axis=axis, ddof=1), x.shape[1])
        return ((1 - momentum) * np.asarray(running_mean) + momentum * mean,
                (1 - momentum) * np.asarray(running_var) + momentum * var)

    return update


_AXIS_HINT = ("the batch statistics are per feature: average over the batch axis, "
              "x.mean(axis=0) and x.var(axis=0, ddof=1), one value per column.")
_RUNNING_DIAGNOSES = (
    ("the batch mean over all of x, not per feature", _stats_over(None), _AXIS_HINT),
    ("the batch mean over axis 1, not over the batch axis 0", _stats_over(1), _AXIS_HINT),
)


def check_update_running_stats(candidate: Callable[..., tuple]) -> None:
    """Check ``update_running_stats(x, running_mean, running_var, momentum=0.1)``; print it."""
    reference = _rounded_once(update_running_stats_solution)
    names = ("running_mean", "running_var")
    _print_verdict(_RUNNING, _join_passes(_RUNNING, [
        lambda: _verdict(candidate, reference, RUNNING_STATS_CASES[:-1], title=_RUNNING,
                         rtol=_RTOL, atol=_ATOL, output_names=names,
                         diagnoses=_RUNNING_DIAGNOSES),
        lambda: _verdict(candidate, reference, RUNNING_STATS_CASES[-1:], title=_RUNNING,
                         rtol=_RTOL32, rtol32=_RTOL32, atol=_ATOL32, output_names=names),
    ]))


register(
    _RUNNING,
    checker=check_update_running_stats,
    solution=update_running_stats_solution,
    hints=(
        "Two exponential moving averages. Which weight does the new batch get (PyTorch: "
        "momentum), and which variance goes into the running one?",
        "mean = x.mean(axis=0), var = x.var(axis=0, ddof=1); new = (1 - momentum) * old + "
        "momentum * batch value, for both. Return new arrays.",
        "return ((1 - momentum) * running_mean + momentum * x.mean(0), (1 - momentum) * "
        "running_var + momentum * x.var(0, ddof=1))",
    ),
)


# --- folding evaluation-mode BN into the linear layer (short) -----------------------------


def fold_batchnorm_solution(
    W: ArrayLike, b: ArrayLike, gamma: ArrayLike, beta: ArrayLike,
    running_mean: ArrayLike, running_var: ArrayLike, eps: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Fold evaluation-mode batch normalisation into the linear layer before it.

    With :math:`z = xW + b` (one sample per row) and
    :math:`\mathrm{BN}(z) = \gamma (z - \mu_\text{run}) / \sqrt{\sigma^2_\text{run} + \epsilon}
    + \beta`, per output feature :math:`j` let :math:`s_j = \gamma_j / \sqrt{\sigma^2_{\text{run},j}
    + \epsilon}`. Then :math:`\mathrm{BN}(xW + b) = x W' + b'` with

    .. math::

        W'_{ij} = W_{ij}\, s_j, \qquad b'_j = (b_j - \mu_{\text{run},j})\, s_j + \beta_j .

    Shapes: W (D, C), b, gamma, beta, running_mean, running_var (C,). New arrays.

    >>> W, b = np.array([[1.0, 2.0]]), np.array([0.5, 1.0])
    >>> fold_batchnorm_solution(W, b, np.ones(2), np.zeros(2), np.array([0.5, 0.0]),
    ...                         np.array([4.0, 1.0]), eps=0.0)
    (array([[0.5, 2. ]]), array([0., 1.]))
    """
    scale = np.asarray(gamma) / np.sqrt(np.asarray(running_var) + eps)  # one factor per column
    W_folded = np.asarray(W) * scale  # broadcasting scales column j by scale[j]
    b_folded = (np.asarray(b) - np.asarray(running_mean)) * scale + np.asarray(beta)
    return W_folded, b_folded


def _fold_case(W: list, b: list, gamma: list, beta: list, running_mean: list,
               running_var: list, dtype: type = np.float64) -> tuple:
    return tuple(np.array(a, dtype=dtype) for a in (W, b, gamma, beta, running_mean,
                                                     running_var))


_FOLD_HINTS = {
    "W_folded": "each OUTPUT feature j (column j of W) is scaled by s_j = gamma_j / "
                "sqrt(running_var_j + eps): W * s, not W * s[:, None].",
    "b_folded": "b' = (b - running_mean) * s + beta, with the same s as for W.",
}
_W3 = [[1.0, -0.5, 2.0], [0.5, 1.5, -1.0], [-2.0, 0.25, 0.5]]
_SMALL_VAR = ("the running variances here are as small as eps: divide by "
              "sqrt(running_var + eps), with the eps you are given.")

FOLD_BATCHNORM_CASES = (
    Case(_fold_case(_W3, [0.1, -0.2, 0.3], [1.5, 0.5, 2.0], [0.2, -0.3, 0.0],
                    [1.0, -2.0, 0.5], [0.25, 4.0, 1.0]), hint=_FOLD_HINTS),
    Case(_fold_case([[1.0, 2.0], [-1.0, 0.5], [0.25, -2.0], [3.0, 1.0]], [0.5, -1.0],
                    [2.0, -1.0], [0.0, 1.0], [3.0, -1.0], [9.0, 0.5]), hint=_FOLD_HINTS),
    Case(_fold_case(_W3, [0.1, -0.2, 0.3], [1.5, 0.5, 2.0], [0.2, -0.3, 0.0],
                    [1.0, -2.0, 0.5], [1e-5, 2e-5, 4e-6]),
         hint={"W_folded": _SMALL_VAR, "b_folded": _SMALL_VAR}),
    Case(_fold_case(_W3, [0.1, -0.2, 0.3], [1.5, 0.5, 2.0], [0.2, -0.3, 0.0],
                    [1.0, -2.0, 0.5], [0.25, 4.0, 1.0]), {"eps": 0.1},
         hint="use the eps you are given (here 0.1), not a fixed 1e-5."),
)
FOLD_BATCHNORM_CASES_32 = (
    Case(_fold_case(_W3, [0.1, -0.2, 0.3], [1.5, 0.5, 2.0], [0.2, -0.3, 0.0],
                    [1.0, -2.0, 0.5], [0.25, 4.0, 1.0], np.float32),
         hint="float32 parameters give float32 folded parameters."),
)

_FOLD = "fold_batchnorm"


def check_fold_batchnorm(candidate: Callable[..., tuple]) -> None:
    """Check ``fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5)``."""
    reference = _rounded_once(fold_batchnorm_solution)
    names = ("W_folded", "b_folded")
    _print_verdict(_FOLD, _join_passes(_FOLD, [
        lambda: _verdict(candidate, reference, FOLD_BATCHNORM_CASES, title=_FOLD,
                         rtol=_RTOL, atol=_ATOL, output_names=names),
        lambda: _verdict(candidate, reference, FOLD_BATCHNORM_CASES_32, title=_FOLD,
                         rtol=_RTOL32, rtol32=_RTOL32, atol=_ATOL32, output_names=names),
    ]))


register(
    _FOLD,
    checker=check_fold_batchnorm,
    solution=fold_batchnorm_solution,
    hints=(
        "In evaluation mode BN computes gamma * (z - running_mean) / sqrt(running_var + eps) "
        "+ beta for each feature of z = x W + b: a fixed scale and shift per column. Write "
        "BN(x W + b) as x W' + b'.",
        "s = gamma / np.sqrt(running_var + eps) has one entry per output feature (column of "
        "W). Then W' = W * s and b' = (b - running_mean) * s + beta.",
        "s = gamma / np.sqrt(running_var + eps); return W * s, (b - running_mean) * s + beta",
    ),
)
