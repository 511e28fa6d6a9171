r"""Loss functions with their gradients: mean squared error and softmax cross-entropy.

- :class:`MSELoss` -- mean squared error.
- :class:`SoftmaxCrossEntropy` -- softmax followed by the negative log-likelihood of
  integer class labels, with the combined gradient :math:`(p - \mathrm{onehot}(y))/N`.
- :class:`BCEWithLogitsLoss` -- binary cross-entropy computed from logits, for targets in
  [0, 1] (Bernoulli pixels, binary labels).
- :func:`accuracy` -- fraction of rows whose arg-max is the label.

A loss is *not* a layer. Its contract:

- ``loss.forward(prediction, target)`` (or ``loss(prediction, target)``) returns the loss
  as a Python float and caches what the gradient needs;
- ``loss.backward()`` takes no argument (the loss is where backpropagation starts, so
  there is no upstream gradient) and returns :math:`\partial L / \partial\,\mathrm{prediction}`,
  a new array of the prediction's shape and dtype, ready for ``model.backward(...)``;
- a loss has no ``params`` or ``grads``; neither call modifies its arguments; ``backward``
  before ``forward`` raises ``RuntimeError``.

A training step therefore reads ``loss.forward(model.forward(x), y)`` then
``model.backward(loss.backward())``. Softmax itself lives in
:mod:`course_lib.activations` (:func:`~course_lib.activations.softmax`,
:func:`~course_lib.activations.log_softmax`).

Examples
--------
>>> loss = SoftmaxCrossEntropy()
>>> round(loss(np.array([[2.0, 0.0]]), np.array([0])), 6)
0.126928
>>> loss.backward().round(6)
array([[-0.119203,  0.119203]])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.activations import log_softmax, sigmoid
from course_lib.validation import as_float_array, check_shape, integer_array

__all__ = ["BCEWithLogitsLoss", "MSELoss", "SoftmaxCrossEntropy", "accuracy"]


def _labels(y: ArrayLike, n: int, num_classes: int, where: str) -> np.ndarray:
    """Class labels: an int64 array of shape (n,) with values in 0..num_classes-1."""
    labels = integer_array(y, "target", where=where, low=0, high=num_classes, whole_floats=False)
    return check_shape(labels, (n,), "target", where=where)


def accuracy(scores: ArrayLike, y: ArrayLike) -> float:
    """Fraction of rows of ``scores`` (N, C) whose arg-max equals the label ``y`` (N,).

    Raises ``TypeError`` for labels that are not integers (a ragged list included) and
    ``ValueError`` for a shape that does not match or a label outside ``0..C-1``.

    Examples
    --------
    >>> accuracy([[0.1, 0.9], [0.8, 0.2]], [1, 1])
    0.5
    """
    where = "accuracy()"
    scores = check_shape(as_float_array(scores, "scores", where=where), (None, None), "scores",
                         where=where)
    if scores.shape[0] == 0:
        raise ValueError(f"{where}: scores must have at least one row; got shape {scores.shape}")
    labels = _labels(y, scores.shape[0], scores.shape[1], where)
    return float(np.mean(np.argmax(scores, axis=1) == labels))


class _Loss:
    def __init__(self) -> None:
        self._cache: Any = None

    def __call__(self, prediction: ArrayLike, target: ArrayLike) -> float:
        return self.forward(prediction, target)

    def forward(self, prediction: ArrayLike, target: ArrayLike) -> float:  # pragma: no cover
        raise NotImplementedError

    def _same_shape_pair(
        self, prediction: ArrayLike, target: ArrayLike
    ) -> tuple[np.ndarray, np.ndarray]:
        """Prediction and target as float arrays of one non-empty shape (target in the
        prediction's dtype), or a clear error naming the argument."""
        where = f"{type(self).__name__}.forward()"
        pred = as_float_array(prediction, "prediction", where=where)
        tgt = as_float_array(target, "target", where=where)
        if tgt.shape != pred.shape:
            raise ValueError(
                f"{where}: target must have the shape of the prediction, {pred.shape}; "
                f"got {tgt.shape}"
            )
        if pred.size == 0:
            raise ValueError(f"{where}: prediction must not be empty; got shape {pred.shape}")
        return pred, tgt.astype(pred.dtype, copy=False)

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
        """Mean squared error of ``prediction`` against ``target``, as a Python float."""
        pred, tgt = self._same_shape_pair(prediction, target)
        diff = pred - tgt
        self._cache = diff
        return float(np.mean(np.square(diff, dtype=np.float64)))

    def backward(self) -> np.ndarray:
        """Gradient of the last loss with respect to the prediction (a new array)."""
        diff = self._require_cache()
        return (2.0 / diff.size) * diff


class SoftmaxCrossEntropy(_Loss):
    r"""Softmax followed by the mean negative log-likelihood of integer labels.

    .. math::

        L = -\frac{1}{N}\sum_{n=1}^{N} \log \mathrm{softmax}(z_n)_{y_n}, \qquad
        \frac{\partial L}{\partial z_{nc}} = \frac{p_{nc} - [c = y_n]}{N},

    with :math:`p = \mathrm{softmax}(z)`. The loss uses :func:`log_softmax`
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
        """Mean cross-entropy of the logits ``prediction`` for the labels ``target``."""
        where = "SoftmaxCrossEntropy.forward()"
        logits = as_float_array(prediction, "prediction", where=where)
        check_shape(logits, (None, None), "prediction (logits)", where=where)
        if logits.shape[0] == 0 or logits.shape[1] == 0:
            raise ValueError(
                f"{where}: prediction (logits) must have N >= 1 rows and C >= 1 classes; "
                f"got shape {logits.shape}"
            )
        labels = _labels(target, logits.shape[0], logits.shape[1], where)
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


class BCEWithLogitsLoss(_Loss):
    r"""Binary cross-entropy computed from logits, averaged over all elements.

    With :math:`p = \sigma(z)` the predicted probability and :math:`y \in [0, 1]` the target,

    .. math::

        L = -\frac{1}{M}\sum_{i=1}^{M} \big[y_i \log p_i + (1 - y_i)\log(1 - p_i)\big]
          = \frac{1}{M}\sum_{i=1}^{M} \big[\mathrm{softplus}(z_i) - y_i z_i\big],
        \qquad \frac{\partial L}{\partial z_i} = \frac{\sigma(z_i) - y_i}{M},

    where :math:`M` is the number of elements (PyTorch's ``BCEWithLogitsLoss`` with
    ``reduction="mean"``). Stability: :math:`\mathrm{softplus}(z) = \mathrm{logaddexp}(z, 0)`
    never exponentiates a positive number and never takes the log of a probability that
    rounded to 0 or 1, so any finite logit gives a finite loss; the gradient uses the
    two-branch :func:`~course_lib.activations.sigmoid`.

    Shape
    -----
    prediction (logits) and target: the same shape, any; targets may be soft (any value in
    [0, 1], e.g. pixel intensities). The gradient has the prediction's shape and dtype.

    Examples
    --------
    >>> loss = BCEWithLogitsLoss()
    >>> round(loss(np.array([0.0, 2.0]), np.array([1.0, 1.0])), 6)
    0.410038
    >>> loss.backward().round(6)
    array([-0.25    , -0.059601])
    """

    def forward(self, prediction: ArrayLike, target: ArrayLike) -> float:
        """Mean binary cross-entropy of the logits ``prediction`` against ``target``."""
        logits, tgt = self._same_shape_pair(prediction, target)
        self._cache = (logits, tgt)
        per_element = np.logaddexp(logits, 0.0) - tgt * logits
        return float(np.mean(per_element, dtype=np.float64))

    def backward(self) -> np.ndarray:
        """Gradient of the last loss with respect to the logits (a new array)."""
        logits, tgt = self._require_cache()
        return (sigmoid(logits) - tgt) / logits.size
