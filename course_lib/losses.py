r"""Loss functions with their gradients, and the stable softmax they rely on.

- :func:`softmax`, :func:`log_softmax` -- pure functions, stable for any finite input
  (the max-shift trick).
- :class:`MSELoss` -- mean squared error.
- :class:`SoftmaxCrossEntropy` -- softmax followed by the negative log-likelihood of
  integer class labels, with the combined gradient :math:`(p - \text{onehot}(y))/N`.
- :func:`accuracy` -- fraction of rows whose arg-max is the label.

A loss object follows the layer contract of :mod:`course_lib.layers`:
``loss.forward(prediction, target)`` returns a Python float and caches what
``loss.backward()`` needs; ``backward()`` returns the gradient with respect to
the prediction (a new array); neither call modifies its arguments; ``backward``
before ``forward`` raises ``RuntimeError``.

Used by notebooks 01, 03, 05, 07, 08, 09, 10, 11, 12, 14, by
:mod:`course_lib.layers` (softmax in attention) and by :mod:`course_lib.train`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.activations import as_float_array

__all__ = ["softmax", "log_softmax", "accuracy", "MSELoss", "SoftmaxCrossEntropy"]


def softmax(z: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Softmax along ``axis``, :math:`p_i = e^{z_i - m} / \sum_j e^{z_j - m}`.

    Subtracting :math:`m = \max_j z_j` changes nothing mathematically and keeps
    every exponent :math:`\le 0`, so nothing overflows (the naive
    :math:`e^{z_i}/\sum_j e^{z_j}` returns NaN for :math:`z = 1000`). Entries equal
    to ``-inf`` (a mask) get probability 0, provided each slice has a finite entry.

    Parameters
    ----------
    z : array_like
        Scores (logits), any shape.
    axis : int, default -1
        Axis that sums to one.

    Returns
    -------
    numpy.ndarray
        Same shape and floating dtype as ``z``.

    Examples
    --------
    >>> softmax([1000.0, 1000.0])
    array([0.5, 0.5])
    """
    z = as_float_array(z, "z")
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Log of the softmax, :math:`z_i - m - \log\sum_j e^{z_j - m}`, with :math:`m = \max_j z_j`.

    Never takes the log of a rounded-to-zero probability, so very negative
    log-probabilities stay exact (``log(softmax(z))`` gives ``-inf`` instead).

    Examples
    --------
    >>> log_softmax([0.0, -1000.0])
    array([    0., -1000.])
    """
    z = as_float_array(z, "z")
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _labels(y: ArrayLike, n: int, num_classes: int) -> np.ndarray:
    labels = np.asarray(y)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"target must hold integer class labels, got dtype {labels.dtype}")
    if labels.shape != (n,):
        raise ValueError(f"target must have shape ({n},) to match the logits, got {labels.shape}")
    if n and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"target labels must be in 0..{num_classes - 1}, got min {labels.min()}, "
            f"max {labels.max()}"
        )
    return labels.astype(np.intp)


def accuracy(scores: ArrayLike, y: ArrayLike) -> float:
    """Fraction of rows of ``scores`` (N, C) whose arg-max equals the label ``y`` (N,).

    Examples
    --------
    >>> accuracy([[0.1, 0.9], [0.8, 0.2]], [1, 1])
    0.5
    """
    scores = as_float_array(scores, "scores")
    if scores.ndim != 2:
        raise ValueError(f"scores must have shape (N, C), got {scores.shape}")
    labels = _labels(y, scores.shape[0], scores.shape[1])
    if scores.shape[0] == 0:
        raise ValueError("scores must have at least one row")
    return float(np.mean(np.argmax(scores, axis=1) == labels))


class _Loss:
    def __init__(self) -> None:
        self._cache: Any = None

    def __call__(self, prediction: ArrayLike, target: ArrayLike) -> float:
        return self.forward(prediction, target)

    def forward(self, prediction: ArrayLike, target: ArrayLike) -> float:  # pragma: no cover
        raise NotImplementedError

    def _require_cache(self) -> Any:
        if self._cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward() called before forward(): "
                "compute the loss first"
            )
        return self._cache

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSELoss(_Loss):
    r"""Mean squared error over all elements.

    .. math::

        L = \frac{1}{M}\sum_{i=1}^{M} (\hat y_i - y_i)^2, \qquad
        \frac{\partial L}{\partial \hat y_i} = \frac{2}{M}(\hat y_i - y_i),

    where :math:`M` is the number of elements (PyTorch's ``reduction="mean"``).

    Shape
    -----
    prediction and target: the same shape, any; the loss is a float and the
    gradient has the prediction's shape and dtype.

    Examples
    --------
    >>> loss = MSELoss()
    >>> loss.forward(np.array([1.0, 3.0]), np.array([0.0, 1.0]))
    2.5
    >>> loss.backward()
    array([1., 2.])
    """

    def forward(self, prediction: ArrayLike, target: ArrayLike) -> float:
        pred = as_float_array(prediction, "prediction")
        tgt = as_float_array(target, "target")
        if tgt.shape != pred.shape:
            raise ValueError(
                f"target must have the shape of the prediction, {pred.shape}, got {tgt.shape}"
            )
        if pred.size == 0:
            raise ValueError("prediction must not be empty")
        diff = pred - tgt.astype(pred.dtype, copy=False)
        self._cache = diff
        return float(np.mean(np.square(diff, dtype=np.float64)))

    def backward(self) -> np.ndarray:
        """Gradient of the last loss with respect to the prediction (a new array)."""
        diff = self._require_cache()
        return (2.0 / diff.size) * diff


class SoftmaxCrossEntropy(_Loss):
    r"""Softmax followed by the mean negative log-likelihood of integer labels.

    .. math::

        L = -\frac{1}{N}\sum_{n=1}^{N} \log \operatorname{softmax}(z_n)_{y_n}, \qquad
        \frac{\partial L}{\partial z_{nc}} = \frac{p_{nc} - [c = y_n]}{N},

    with :math:`p = \operatorname{softmax}(z)`. The loss uses :func:`log_softmax`
    (max-shift, no log of a rounded zero), so logits of any finite size give a
    finite loss. The gradient is the combined one: softmax and log-likelihood
    are never differentiated separately (which would divide by :math:`p`).
    Agrees with ``torch.nn.functional.cross_entropy`` (mean reduction).

    Shape
    -----
    prediction (logits): (N, C); target: (N,) integers in 0..C-1.
    The gradient has shape (N, C) and the logits' dtype.

    Examples
    --------
    >>> loss = SoftmaxCrossEntropy()
    >>> round(loss.forward(np.array([[0.0, 0.0]]), np.array([1])), 6)
    0.693147
    >>> loss.backward()
    array([[ 0.5, -0.5]])
    """

    def forward(self, prediction: ArrayLike, target: ArrayLike) -> float:
        logits = as_float_array(prediction, "prediction")
        if logits.ndim != 2 or logits.shape[0] == 0 or logits.shape[1] == 0:
            raise ValueError(f"prediction (logits) must have shape (N, C), got {logits.shape}")
        labels = _labels(target, logits.shape[0], logits.shape[1])
        logp = log_softmax(logits, axis=1)
        rows = np.arange(logits.shape[0])
        self._cache = (np.exp(logp), labels)
        return float(-np.mean(logp[rows, labels], dtype=np.float64))

    def backward(self) -> np.ndarray:
        """Gradient of the last loss with respect to the logits (a new array)."""
        probs, labels = self._require_cache()
        grad = probs.copy()
        grad[np.arange(labels.size), labels] -= 1.0
        grad /= labels.size
        return grad
