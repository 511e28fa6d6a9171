r"""A small training loop: seeded mini-batches, an optional progress bar, a history.

- :func:`fit` trains a model (a layer or :class:`~course_lib.layers.Sequential`) with
  a loss of :mod:`course_lib.losses` and an optimiser of :mod:`course_lib.optim`,
  and returns a :class:`History` of per-epoch loss and accuracy.
- :func:`predict` runs a model in evaluation mode; :func:`evaluate` returns its loss
  and accuracy on a data set.

Everything random (the order of the mini-batches) comes from one seed, so a
notebook that calls ``fit(..., seed=0, progress=False)`` prints the same history
on every run. Notebooks should pass ``progress=False``: the bar is written to
stderr and is different on every run.

Used by notebooks 01, 03, 05, 07, 08, 09, 10, 11 and 14.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.activations import as_float_array

__all__ = ["History", "fit", "predict", "evaluate"]


@dataclass
class History:
    """Per-epoch record of a :func:`fit` run; one entry per epoch in each list.

    Attributes
    ----------
    loss : list of float
        Mean training loss over the epoch's mini-batches (weighted by batch size),
        measured during training, i.e. while the weights were changing.
    accuracy : list of float
        Training accuracy over the same batches; empty unless the targets are
        integer class labels and the model outputs scores of shape (N, C >= 2).
    val_loss, val_accuracy : list of float
        Loss and accuracy on ``validation_data`` after each epoch, in evaluation
        mode; empty without validation data (``val_accuracy`` also for regression).
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[float]]:
        """The history as a plain dict of lists."""
        return asdict(self)


def _is_labels(y: np.ndarray) -> bool:
    return y.ndim == 1 and y.dtype.kind in "iu"


def _correct(scores: np.ndarray, y: np.ndarray) -> int | None:
    """Number of rows whose arg-max is the label, or None if accuracy does not apply."""
    if not _is_labels(y) or scores.ndim != 2 or scores.shape[1] < 2:
        return None
    return int(np.sum(np.argmax(scores, axis=1) == y))


def _targets(y: ArrayLike, n: int) -> np.ndarray:
    arr = np.asarray(y)
    if arr.dtype.kind not in "iu":
        arr = as_float_array(arr, "y")
    if arr.ndim == 0 or arr.shape[0] != n:
        raise ValueError(f"y must have {n} rows to match X, got shape {arr.shape}")
    return arr


def _output(model: Any, x: np.ndarray) -> np.ndarray:
    out = model.forward(x)
    return out[0] if isinstance(out, tuple) else out


def predict(model: Any, X: ArrayLike, batch_size: int | None = None) -> np.ndarray:
    """Model outputs for ``X`` in evaluation mode (the mode is restored afterwards).

    Parameters
    ----------
    model : layer or Sequential
    X : array_like, shape (N, ...)
    batch_size : int, optional
        Evaluate in chunks of this many rows (default: all at once).

    Returns
    -------
    numpy.ndarray
        The outputs stacked along the first axis.
    """
    X = as_float_array(X, "X")
    was_training = getattr(model, "training", True)
    model.eval()
    try:
        if batch_size is None:
            return _output(model, X)
        batch_size = _positive(batch_size, "batch_size")
        return np.concatenate(
            [_output(model, X[i : i + batch_size]) for i in range(0, X.shape[0], batch_size)]
        )
    finally:
        model.train(was_training)


def evaluate(model: Any, loss: Any, X: ArrayLike, y: ArrayLike) -> tuple[float, float | None]:
    """Loss and accuracy of ``model`` on ``(X, y)`` in evaluation mode.

    Returns
    -------
    (float, float or None)
        The loss, and the accuracy (None unless ``y`` holds integer labels and the
        outputs are scores of shape (N, C >= 2)).
    """
    X = as_float_array(X, "X")
    y = _targets(y, X.shape[0])
    scores = predict(model, X)
    value = float(loss.forward(scores, y))
    correct = _correct(scores, y)
    return value, None if correct is None else correct / X.shape[0]


def _positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def fit(
    model: Any,
    loss: Any,
    optimizer: Any,
    X: ArrayLike,
    y: ArrayLike,
    epochs: int = 10,
    batch_size: int = 32,
    *,
    seed: int | np.random.Generator = 0,
    progress: bool = True,
    validation_data: tuple[ArrayLike, ArrayLike] | None = None,
) -> History:
    r"""Train ``model`` with mini-batch gradient descent and return the history.

    Each epoch draws a fresh permutation of the rows from one generator seeded
    by ``seed``, and for every mini-batch runs

    .. code-block:: text

        scores = model.forward(X_batch)
        value  = loss.forward(scores, y_batch)
        model.backward(loss.backward())       # fills model.grads
        optimizer.step()                      # updates model.params in place

    The model is in training mode during the epoch and in evaluation mode for
    the validation pass (it is left in training mode). The last batch of an
    epoch may be smaller than ``batch_size``.

    Parameters
    ----------
    model : layer or Sequential
    loss : MSELoss or SoftmaxCrossEntropy (anything with forward/backward)
    optimizer : SGD or Adam built on ``model``
    X : array_like, shape (N, ...)
    y : array_like, shape (N,) integer labels or (N, ...) float targets
    epochs : int, default 10
    batch_size : int, default 32
    seed : int or numpy.random.Generator, default 0
        Source of the shuffling.
    progress : bool, default True
        Show a tqdm bar over the epochs (on stderr) with the latest loss and
        accuracy. Pass ``False`` in notebooks and tests.
    validation_data : (X_val, y_val), optional
        Evaluated after every epoch.

    Returns
    -------
    History
        Per-epoch ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``.

    Raises
    ------
    FloatingPointError
        If the loss becomes NaN or infinite (training diverged: lower the
        learning rate); the message names the epoch and batch.

    Examples
    --------
    >>> from course_lib.data import make_moons
    >>> from course_lib.layers import Activation, Linear, Sequential
    >>> from course_lib.losses import SoftmaxCrossEntropy
    >>> from course_lib.optim import Adam
    >>> X, y = make_moons(200, noise=0.1, seed=0)
    >>> model = Sequential(Linear(2, 16, rng=0), Activation("tanh"), Linear(16, 2, rng=1))
    >>> history = fit(model, SoftmaxCrossEntropy(), Adam(model, lr=0.05), X, y,
    ...               epochs=30, batch_size=32, progress=False)
    >>> history.accuracy[-1] > 0.95
    True
    """
    X = as_float_array(X, "X")
    if X.ndim < 1 or X.shape[0] == 0:
        raise ValueError(f"X must have shape (N, ...) with N >= 1, got {X.shape}")
    n = X.shape[0]
    y = _targets(y, n)
    epochs = int(epochs) if isinstance(epochs, (int, np.integer)) and epochs >= 0 else None
    if epochs is None:
        raise ValueError("epochs must be an integer >= 0")
    batch_size = _positive(batch_size, "batch_size")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise TypeError("validation_data must be a pair (X_val, y_val)")
        X_val = as_float_array(validation_data[0], "X_val")
        y_val = _targets(validation_data[1], X_val.shape[0])

    history = History()
    epoch_iter: Any = range(epochs)
    if progress:
        from tqdm import tqdm

        epoch_iter = tqdm(epoch_iter, desc="epochs", unit="epoch")
    model.train()
    # A diverging run overflows somewhere inside the model; instead of a cascade of
    # RuntimeWarnings it stops with one FloatingPointError at the first non-finite loss.
    val = (X_val, y_val) if validation_data is not None else None
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            _run_epochs(model, loss, optimizer, X, y, batch_size, rng, epoch_iter, history, val)
    finally:
        if progress:
            epoch_iter.close()
    return history


def _run_epochs(
    model: Any,
    loss: Any,
    optimizer: Any,
    X: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    rng: np.random.Generator,
    epoch_iter: Any,
    history: History,
    val: tuple[np.ndarray, np.ndarray] | None,
) -> None:
    """The loop of :func:`fit`; appends to ``history`` in place."""
    n = X.shape[0]
    for epoch in epoch_iter:
        order = rng.permutation(n)
        total_loss, total_correct, classification = 0.0, 0, True
        for b, start in enumerate(range(0, n, batch_size)):
            idx = order[start : start + batch_size]
            xb, yb = X[idx], y[idx]
            scores = _output(model, xb)
            value = float(loss.forward(scores, yb))
            if not np.isfinite(value):
                raise FloatingPointError(
                    f"the loss became {value} in epoch {epoch}, batch {b}: training diverged "
                    "(try a smaller learning rate)"
                )
            model.backward(loss.backward())
            optimizer.step()
            total_loss += value * idx.size
            correct = _correct(scores, yb)
            if correct is None:
                classification = False
            else:
                total_correct += correct
        history.loss.append(total_loss / n)
        if classification:
            history.accuracy.append(total_correct / n)
        if val is not None:
            val_loss, val_acc = evaluate(model, loss, *val)
            if not np.isfinite(val_loss):
                raise FloatingPointError(
                    f"the validation loss became {val_loss} after epoch {epoch}: training "
                    "diverged (try a smaller learning rate)"
                )
            history.val_loss.append(val_loss)
            if val_acc is not None:
                history.val_accuracy.append(val_acc)
        if hasattr(epoch_iter, "set_postfix"):  # the tqdm bar
            postfix = {"loss": f"{history.loss[-1]:.4f}"}
            if history.accuracy:
                postfix["acc"] = f"{history.accuracy[-1]:.3f}"
            if history.val_accuracy:
                postfix["val_acc"] = f"{history.val_accuracy[-1]:.3f}"
            epoch_iter.set_postfix(postfix)
