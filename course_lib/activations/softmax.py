r"""Softmax and log-softmax along one axis, stable for every finite input.

Both subtract the maximum :math:`m = \max_j z_j` of each slice first, which changes nothing
mathematically and keeps every exponent :math:`\le 0`: nothing overflows (the naive
:math:`e^{z_i}/\sum_j e^{z_j}` gives NaN for :math:`z = 1000`). The arithmetic is done in
float64 and rounded once to the input's dtype (float32 in, float32 out; integers become
float64). Edge cases follow ``torch.softmax`` / ``torch.log_softmax``:

* an empty axis gives an empty result of the same shape (``(2, 0)`` along axis 1);
* a 0-d input is a slice of one element (its softmax is 1);
* entries equal to ``-inf`` (a mask) get probability 0 provided the slice has a finite
  entry; a slice of only ``-inf``, or one holding ``+inf`` or NaN, gives NaN, without a
  warning.

Examples
--------
>>> softmax([1e308, -1e308])
array([1., 0.])
>>> log_softmax([0.0, -1000.0])
array([    0., -1000.])
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from course_lib.validation import as_float_array, integer

__all__ = ["log_softmax", "softmax"]


def _shifted(
    z: ArrayLike, axis: int, function: str
) -> tuple[np.ndarray, int, tuple[int, ...], np.dtype]:
    """float64 ``z - max(z)`` along ``axis`` (a 0-d input as 1-d), the axis, shape and dtype."""
    arr = as_float_array(z, "z", where=f"{function}()")
    shape = arr.shape
    axis = integer(axis, "axis", where=f"{function}()")
    out_dtype = arr.dtype if arr.dtype.itemsize <= 8 else np.dtype(np.float64)
    z64 = np.asarray(arr, dtype=np.float64)
    if z64.ndim == 0:
        z64 = z64.reshape(1)
    axis = int(np.lib.array_utils.normalize_axis_index(axis, z64.ndim))
    if z64.shape[axis] == 0:
        return z64.copy(), axis, shape, out_dtype
    # z - max(z) <= 0 can only overflow to -inf (e.g. -1e308 - 1e308), whose exp is the right 0;
    # inf - inf and NaN give NaN, as in PyTorch.
    with np.errstate(over="ignore", invalid="ignore"):
        return z64 - np.max(z64, axis=axis, keepdims=True), axis, shape, out_dtype


def softmax(z: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Softmax along ``axis``.

    .. math:: \mathrm{softmax}(z)_i = \frac{e^{z_i - m}}{\sum_j e^{z_j - m}},
              \qquad m = \max_j z_j.

    Parameters
    ----------
    z : array_like
        Scores (logits), any shape.
    axis : int, default -1
        The axis along which the result sums to one.

    Returns
    -------
    numpy.ndarray
        A new array with the shape of ``z`` and its floating dtype.

    Shape
    -----
    Any shape; the result has the same shape. An empty axis gives an empty result.

    Examples
    --------
    >>> softmax([1000.0, 1000.0])
    array([0.5, 0.5])
    >>> softmax(np.zeros((2, 0)), axis=1).shape
    (2, 0)
    """
    shifted, axis, shape, out_dtype = _shifted(z, axis, "softmax")
    if shifted.size == 0:
        return shifted.reshape(shape).astype(out_dtype)
    with np.errstate(invalid="ignore"):
        e = np.exp(shifted)
        p = e / np.sum(e, axis=axis, keepdims=True)
    return p.reshape(shape).astype(out_dtype, copy=False)


def log_softmax(z: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Log of the softmax along ``axis``.

    .. math:: \log\mathrm{softmax}(z)_i = z_i - m - \log\sum_j e^{z_j - m},
              \qquad m = \max_j z_j.

    Never takes the log of a rounded-to-zero probability, so very negative log-probabilities
    stay exact (``np.log(softmax(z))`` gives ``-inf`` instead). Same parameters, shapes and
    edge cases as :func:`softmax`.

    Examples
    --------
    >>> log_softmax([0.0, -1000.0])
    array([    0., -1000.])
    """
    shifted, axis, shape, out_dtype = _shifted(z, axis, "log_softmax")
    if shifted.size == 0:
        return shifted.reshape(shape).astype(out_dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    # A log-probability below the float32 range (log_softmax([3e38, -3e38]) has -6e38) is
    # -inf there, as the contract says of any result beyond the range: no warning.
    with np.errstate(over="ignore"):
        return out.reshape(shape).astype(out_dtype, copy=False)
