r"""A small training loop: seeded mini-batches, an optional progress bar, a history.

- :func:`fit` trains a model (a layer or :class:`~course_lib.layers.Sequential`) with
  a loss of :mod:`course_lib.losses` and an optimiser of :mod:`course_lib.optim`,
  and returns a :class:`History` of per-epoch loss and accuracy.
- :func:`predict` runs a model in evaluation mode; :func:`evaluate` returns its loss
  and accuracy on a data set.

Everything random (the order of the mini-batches) comes from one ``rng=`` (an int seed
or a ``numpy.random.Generator``), so a notebook that calls
``fit(..., rng=0, progress=False)`` prints the same history on every run. Notebooks
should pass ``progress=False``: the bar is written to stderr and is different on every
run. A ``callback(epoch, history)`` runs after every epoch, to record more statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.validation import as_float_array, describe, integer, make_rng

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


def _targets(y: ArrayLike, n: int, name: str, where: str) -> np.ndarray:
    """Integer labels as they are; anything else as a float array; n rows."""
    try:
        arr = np.asarray(y)
    except (ValueError, TypeError):  # a ragged list: as_float_array says so clearly
        arr = None
    if arr is None or arr.dtype.kind not in "iu":
        arr = as_float_array(y, name, where=where)
    if arr.ndim == 0 or arr.shape[0] != n:
        raise ValueError(f"{where}: {name} must have {n} rows to match X; got shape {arr.shape}")
    return arr


def _inputs(X: ArrayLike, name: str, where: str) -> np.ndarray:
    arr = as_float_array(X, name, where=where)
    if arr.ndim < 1 or arr.shape[0] == 0:
        raise ValueError(f"{where}: {name} must have shape (N, ...) with N >= 1; got {arr.shape}")
    return arr


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
    where = "predict()"
    X = _inputs(X, "X", where)
    if batch_size is not None:
        batch_size = integer(batch_size, "batch_size", where=where, minimum=1)
    was_training = getattr(model, "training", True)
    model.eval()
    try:
        if batch_size is None:
            return model.forward(X)
        return np.concatenate(
            [model.forward(X[i : i + batch_size]) for i in range(0, X.shape[0], batch_size)]
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
    X = _inputs(X, "X", "evaluate()")
    y = _targets(y, X.shape[0], "y", "evaluate()")
    scores = predict(model, X)
    value = float(loss.forward(scores, y))
    correct = _correct(scores, y)
    return value, None if correct is None else correct / X.shape[0]


def fit(
    model: Any,
    loss: Any,
    optimizer: Any,
    X: ArrayLike,
    y: ArrayLike,
    epochs: int = 10,
    batch_size: int = 32,
    *,
    rng: int | np.random.Generator = 0,
    progress: bool = True,
    validation_data: tuple[ArrayLike, ArrayLike] | None = None,
    callback: Callable[[int, History], Any] | None = None,
) -> History:
    r"""Train ``model`` with mini-batch gradient descent and return the history.

    Each epoch draws a fresh permutation of the rows from one generator (``rng``),
    and for every mini-batch runs

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
        Number of passes over the data (>= 0).
    batch_size : int, default 32
        Rows per mini-batch (>= 1).
    rng : int or numpy.random.Generator, default 0
        Seed or generator of the shuffling. A Generator is advanced, so two calls with the
        same Generator shuffle differently; the same int seed gives the same run.
    progress : bool, default True
        Show a tqdm bar over the epochs (on stderr) with the latest loss and
        accuracy. Pass ``False`` in notebooks and tests.
    validation_data : (X_val, y_val), optional
        Evaluated after every epoch.
    callback : callable, optional
        ``callback(epoch, history)``, called after every epoch (after the validation pass,
        with the model back in training mode): ``epoch`` counts from 0 and ``history``
        already holds that epoch's entries, so ``len(history.loss) == epoch + 1``. Use it
        to record per-epoch statistics of the model; its return value is ignored.

    Returns
    -------
    History
        Per-epoch ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``.

    Raises
    ------
    TypeError
        For an ``epochs`` or ``batch_size`` that is not an integer, an ``rng`` that is not
        a seed or Generator, a ``callback`` that cannot be called.
    ValueError
        For ``epochs < 0``, ``batch_size < 1``, or ``y`` with a number of rows unlike ``X``.
    FloatingPointError
        If the loss becomes NaN or infinite (training diverged: lower the
        learning rate); the message names the epoch and batch.

    Examples
    --------
    >>> from course_lib.data import make_moons
    >>> from course_lib.layers import Activation, Linear, Sequential
    >>> from course_lib.losses import SoftmaxCrossEntropy
    >>> from course_lib.optim import Adam
    >>> X, y = make_moons(200, noise=0.1, rng=0)
    >>> model = Sequential(Linear(2, 16, rng=0), Activation("tanh"), Linear(16, 2, rng=1))
    >>> norms = []
    >>> def record(epoch, history):
    ...     norms.append(float(np.linalg.norm(model.params["0.W"])))
    >>> history = fit(model, SoftmaxCrossEntropy(), Adam(model, lr=0.05), X, y,
    ...               epochs=30, batch_size=32, rng=0, progress=False, callback=record)
    >>> history.accuracy[-1] > 0.95, len(norms)
    (True, 30)
    """
    where = "fit()"
    X = _inputs(X, "X", where)
    n = X.shape[0]
    y = _targets(y, n, "y", where)
    epochs = integer(epochs, "epochs", where=where, minimum=0)
    batch_size = integer(batch_size, "batch_size", where=where, minimum=1)
    generator = make_rng(rng, where=where)
    if callback is not None and not callable(callback):
        raise TypeError(f"{where}: callback must be callable; got {describe(callback)}")
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise TypeError(
                f"{where}: validation_data must be a pair (X_val, y_val); got "
                f"{describe(validation_data)}"
            )
        X_val = _inputs(validation_data[0], "X_val", where)
        y_val = _targets(validation_data[1], X_val.shape[0], "y_val", where)

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
            _run_epochs(
                model, loss, optimizer, X, y, batch_size, generator, epoch_iter, history, val,
                callback,
            )
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
    callback: Callable[[int, History], Any] | None,
) -> None:
    """The loop of :func:`fit`; appends to ``history`` in place."""
    n = X.shape[0]
    for epoch in epoch_iter:
        order = rng.permutation(n)
        total_loss, total_correct, classification = 0.0, 0, True
        for b, start in enumerate(range(0, n, batch_size)):
            idx = order[start : start + batch_size]
            xb, yb = X[idx], y[idx]
            scores = model.forward(xb)
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
        if callback is not None:
            callback(epoch, history)
