r"""Exercises on batch normalisation: its backward pass and its running statistics.

* :func:`check_batchnorm_backward` - the training-mode backward pass of
  :math:`y = \gamma\hat x + \beta`, which must account for the batch mean and
  variance depending on every sample; returns ``(dx, dgamma, dbeta)``.
* :func:`check_update_running_stats` - PyTorch's running statistics: the new
  batch weighted by ``momentum`` and the *unbiased* batch variance (the slide
  uses the biased ``np.var``).

The reference solutions ``<exercise>_solution`` are written to be read; the tests
compare them with :class:`course_lib.layers.BatchNorm1d` and ``torch.nn.BatchNorm1d``.

Used by: 05_batchnorm_with_activation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from course_lib.exercises.core import Case, check_function
from course_lib.validation import as_float_array

__all__ = [
    "batchnorm_backward_solution",
    "check_batchnorm_backward",
    "update_running_stats_solution",
    "check_update_running_stats",
]


# --- backward pass ------------------------------------------------------------------


def batchnorm_backward_solution(
    x: ArrayLike, dout: ArrayLike, gamma: ArrayLike, eps: float = 1e-5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of training-mode batch normalisation, :math:`y = \gamma\hat x + \beta`.

    With :math:`\hat x = (x - \mu_B)/s`, :math:`s = \sqrt{\sigma_B^2 + \epsilon}`
    (biased batch variance) and :math:`d\hat x = \gamma\, d_\text{out}`, per feature:

    .. math::

        dx = \frac{1}{N s}\Bigl(N\, d\hat x - \sum_n d\hat x_n
             - \hat x \sum_n d\hat x_n \hat x_n\Bigr),\qquad
        d\gamma = \sum_n d_{\text{out},n}\,\hat x_n,\qquad
        d\beta = \sum_n d_{\text{out},n}.

    Shapes: x and dout (N, C), gamma (C,) -> dx (N, C), dgamma (C,), dbeta (C,).
    """
    x = as_float_array(x)
    dout = as_float_array(dout, "dout")
    n = x.shape[0]
    mean = x.mean(axis=0)
    inv_std = 1.0 / np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - mean) * inv_std
    dgamma = np.sum(dout * x_hat, axis=0)
    dbeta = np.sum(dout, axis=0)
    dx_hat = dout * gamma
    dx = (inv_std / n) * (n * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0))
    return dx, dgamma, dbeta


def _batch(seed: int, n: int, c: int, loc: float = 0.0, scale: float = 1.0) -> np.ndarray:
    return loc + scale * np.random.default_rng(seed).standard_normal((n, c))


BATCHNORM_BACKWARD_CASES = (
    Case((_batch(1, 4, 2), _batch(2, 4, 2), np.ones(2)), {"eps": 1e-12},
         hint="mu_B and sigma_B depend on every x_n, so dx is not just gamma * dout / s: "
              "subtract the batch mean of dx_hat and the part along x_hat (the formula in "
              "section 2), with the biased batch variance (np.var, ddof=0)."),
    Case((_batch(3, 4, 3, loc=2.0, scale=3.0), _batch(4, 4, 3), np.array([0.5, 2.0, -1.0])),
         {"eps": 1e-12},
         hint="dx_hat = gamma * dout; dgamma sums dout * x_hat over the batch, dbeta sums dout."),
    Case((_batch(5, 4, 2, loc=1000.0, scale=0.003), _batch(6, 4, 2), np.ones(2)), {"eps": 1e-5},
         hint="here the batch variance (about 1e-5) is as small as eps: "
              "use s = sqrt(var + eps) with the eps you are given."),
    Case((np.array([[1.0, -2.0], [3.0, 5.0]]), np.array([[0.5, 1.0], [-1.5, 2.0]]),
          np.array([1.5, 0.5])), {"eps": 1e-3},
         hint="N = 2 works too; use the eps you are given."),
)


def check_batchnorm_backward(candidate: Callable[..., tuple]) -> None:
    """Check the learner's ``batchnorm_backward(x, dout, gamma, eps=1e-5)``; print one line."""
    check_function(candidate, batchnorm_backward_solution, BATCHNORM_BACKWARD_CASES,
                   title="batchnorm_backward", rtol=1e-7, atol=1e-12)


# --- running statistics -------------------------------------------------------------


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
    old running statistics are not modified.
    """
    x = as_float_array(x)
    batch_mean = x.mean(axis=0)
    batch_var = x.var(axis=0, ddof=1)
    new_mean = (1.0 - momentum) * np.asarray(running_mean) + momentum * batch_mean
    new_var = (1.0 - momentum) * np.asarray(running_var) + momentum * batch_var
    return new_mean, new_var


RUNNING_STATS_CASES = (
    Case((np.array([[2.0, -1.0], [2.0, -1.0], [2.0, -1.0]]), np.array([0.5, 0.5]), np.ones(2)),
         {"momentum": 0.1},
         hint="momentum is the weight of the new batch (PyTorch's convention): "
              "(1 - momentum) * old + momentum * batch statistic."),
    Case((_batch(7, 4, 3, loc=3.0, scale=2.0), np.zeros(3), np.ones(3)), {"momentum": 0.1},
         hint="PyTorch updates running_var with the unbiased batch variance, "
              "np.var(x, axis=0, ddof=1), not the biased np.var(x, axis=0)."),
    Case((_batch(8, 3, 2, loc=-1.0), np.array([1.0, -1.0]), np.array([2.0, 0.5])),
         {"momentum": 0.25},
         hint="new = (1 - momentum) * old + momentum * batch, for the mean and the variance."),
    Case((np.array([[1.0, 4.0], [3.0, 0.0]]), np.array([0.5, 0.5]), np.array([1.0, 1.0])),
         {"momentum": 0.5},
         hint="with N = 2 the unbiased variance divides by N - 1 = 1."),
    Case((np.array([[0, 16], [8, 4], [16, 0]]), np.zeros(2), np.ones(2)), {"momentum": 0.1},
         hint="integer data (pixel counts) gives float statistics."),
)


def check_update_running_stats(candidate: Callable[..., tuple]) -> None:
    """Check ``update_running_stats(x, running_mean, running_var, momentum=0.1)``; print one line."""
    check_function(candidate, update_running_stats_solution, RUNNING_STATS_CASES,
                   title="update_running_stats", rtol=1e-10)
