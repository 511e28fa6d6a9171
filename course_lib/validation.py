"""Every input check of ``course_lib``, with one message style.

A message says where the check failed, which argument, what was expected and what came::

    Linear(): in_features must be a positive integer; got float 2.5

A wrong *type* raises ``TypeError``; a value of the right type that is out of range, not
finite or of the wrong shape raises ``ValueError``. This module imports numpy only, so that
every other module can use it.

Examples
--------
>>> integer(3, "num_features", minimum=1)
3
>>> real(0.5, "momentum", where="SGD()", low=0.0, high=1.0, high_open=True)
0.5
>>> integer(2.5, "in_features", where="Linear()", minimum=1)
Traceback (most recent call last):
    ...
TypeError: Linear(): in_features must be an integer >= 1; got float 2.5
>>> real(-1.0, "lr", where="SGD()", low=0.0, low_open=True)
Traceback (most recent call last):
    ...
ValueError: SGD(): lr must be a real number > 0; got -1.0
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "as_float_array",
    "check_shape",
    "choice",
    "describe",
    "float64_array",
    "integer",
    "integer_array",
    "make_rng",
    "real",
    "shape_error",
]

_KIND_NAMES = {
    "c": "complex numbers",
    "O": "Python objects",
    "U": "strings",
    "S": "bytes",
    "M": "dates",
    "m": "time differences",
    "V": "structured records",
}


def _prefix(where: str | None) -> str:
    return f"{where}: " if where else ""


def describe(value: Any, limit: int = 60) -> str:
    """A short description of ``value`` for an error message: its type and, if short, its repr.

    >>> describe(2.5)
    'float 2.5'
    >>> describe(np.zeros((3, 4)))
    'ndarray of shape (3, 4) and dtype float64'
    """
    if isinstance(value, np.ndarray):
        return f"ndarray of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(value).__name__} {text}"


def _is_real_scalar(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, float, np.integer, np.floating)):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"


def real(
    value: Any,
    name: str,
    *,
    where: str | None = None,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_inf: bool = False,
) -> float:
    """Check that ``value`` is a real number (finite unless ``allow_inf``) in a range.

    Returns it as a Python float. ``low``/``high`` are inclusive unless ``low_open`` /
    ``high_open``. Booleans, strings and arrays of more than one value are a ``TypeError``.
    """
    bounds = []
    if low is not None:
        bounds.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        bounds.append(f"{'<' if high_open else '<='} {high:g}")
    expected = "a real number" + (" " + " and ".join(bounds) if bounds else "")
    if not _is_real_scalar(value):
        raise TypeError(f"{_prefix(where)}{name} must be {expected}; got {describe(value)}")
    number = float(value.item() if isinstance(value, np.ndarray) else value)
    if math.isnan(number) or (math.isinf(number) and not allow_inf):
        raise ValueError(f"{_prefix(where)}{name} must be a finite {expected[2:]}; got {number}")
    too_low = low is not None and (number <= low if low_open else number < low)
    too_high = high is not None and (number >= high if high_open else number > high)
    if too_low or too_high:
        raise ValueError(f"{_prefix(where)}{name} must be {expected}; got {number!r}")
    return number


def integer(
    value: Any,
    name: str,
    *,
    where: str | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    """Check that ``value`` is an integer (not a bool, not a float) within bounds; return an int."""
    bounds = []
    if minimum is not None:
        bounds.append(f">= {minimum}")
    if maximum is not None:
        bounds.append(f"<= {maximum}")
    expected = "an integer" + (" " + " and ".join(bounds) if bounds else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{_prefix(where)}{name} must be {expected}; got {describe(value)}")
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ValueError(f"{_prefix(where)}{name} must be {expected}; got {number}")
    return number


def choice(value: Any, name: str, options: Sequence[str], *, where: str | None = None) -> str:
    """Check that ``value`` is one of ``options``; the error names the closest match.

    >>> choice("gleu", "activation", ["gelu", "relu"])
    Traceback (most recent call last):
        ...
    ValueError: unknown activation 'gleu'; did you mean 'gelu'? Known: gelu, relu
    """
    known = ", ".join(options)
    if not isinstance(value, str):
        raise TypeError(f"{_prefix(where)}{name} must be one of: {known}; got {describe(value)}")
    if value not in options:
        close = difflib.get_close_matches(value, list(options), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ";"
        raise ValueError(f"{_prefix(where)}unknown {name} {value!r}{hint} Known: {known}")
    return value


def make_rng(rng: Any, name: str = "rng", *, where: str | None = None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from an int seed, a Generator (returned as is) or None.

    None gives a fresh, unseeded generator; pass a seed for reproducible results.

    >>> make_rng(0).integers(10)
    np.int64(8)
    """
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"{_prefix(where)}{name} seed must be >= 0; got {int(rng)}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{_prefix(where)}{name} must be an integer seed, a numpy.random.Generator or None; "
        f"got {describe(rng)}"
    )


def _to_array(x: Any, name: str, where: str | None) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return np.asarray(x) if type(x) is not np.ndarray else x
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as exc:
        reason = "its rows have different lengths" if "inhomogeneous" in str(exc) else str(exc)
        raise TypeError(
            f"{_prefix(where)}{name} must be a real-valued array (a number, a list of numbers "
            f"or a numpy array); got a {type(x).__name__} that numpy cannot turn into one "
            f"({reason[:120]})"
        ) from None


def as_float_array(x: ArrayLike, name: str = "x", *, where: str | None = None) -> np.ndarray:
    """Return ``x`` as a floating-point numpy array, or raise a clear ``TypeError``.

    Floating dtypes are kept (float16, float32, float64); booleans, integers, Python scalars
    and lists become float64. Complex numbers, strings, objects, dates and ragged lists are
    refused. The result may share memory with ``x``: callers must not write to it.

    >>> as_float_array([1, 2]).dtype
    dtype('float64')
    >>> as_float_array(np.ones(3, dtype=np.float32)).dtype
    dtype('float32')
    >>> as_float_array([[1, 2], [3]], "logits")
    Traceback (most recent call last):
        ...
    TypeError: logits must be a real-valued array (...); got a list that numpy cannot turn
    into one (its rows have different lengths)
    """
    arr = _to_array(x, name, where)
    kind = arr.dtype.kind
    if kind == "f":
        return arr
    if kind in "biu":
        return arr.astype(np.float64)
    what = _KIND_NAMES.get(kind, "non-numeric values")
    raise TypeError(
        f"{_prefix(where)}{name} must be a real-valued array (float, integer or bool); got an "
        f"array of {what} (dtype {arr.dtype})"
    )


def float64_array(
    x: ArrayLike, name: str = "x", *, where: str | None = None, finite: bool = False
) -> np.ndarray:
    """A new, C-contiguous float64 copy of ``x`` (never a view); optionally all finite."""
    arr = np.array(as_float_array(x, name, where=where), dtype=np.float64, order="C", copy=True)
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{_prefix(where)}{name} must contain only finite values")
    return arr


def integer_array(
    x: ArrayLike,
    name: str,
    *,
    where: str | None = None,
    low: int | None = None,
    high: int | None = None,
    whole_floats: bool = True,
) -> np.ndarray:
    """``x`` as an int64 array of whole numbers in ``[low, high)``: class labels, indices.

    Floats holding whole numbers (``2.0``) are accepted unless ``whole_floats=False``;
    ``2.5``, NaN, strings, ragged lists are not. A value out of range is reported as the
    caller passed it (a uint64 ``2**63`` as 9223372036854775808, not as its int64 wrap).

    >>> integer_array(np.uint64([2**63]), "target", high=10)
    Traceback (most recent call last):
        ...
    ValueError: target must be < 10; got 9223372036854775808
    >>> integer_array([0.0, 1.0], "target", whole_floats=False)
    Traceback (most recent call last):
        ...
    TypeError: target must be an array of integers; got dtype float64 (labels are integers: ...
    """
    arr = _to_array(x, name, where)
    if arr.dtype.kind == "f":
        if not whole_floats:
            raise TypeError(f"{_prefix(where)}{name} must be an array of integers; got dtype "
                            f"{arr.dtype} (labels are integers: convert with .astype(int) if "
                            "the floats are whole numbers)")
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError(f"{_prefix(where)}{name} must hold whole numbers; got {arr.dtype} "
                             "values with a fractional part or NaN")
    elif arr.dtype.kind not in "iu":
        raise TypeError(f"{_prefix(where)}{name} must be an array of integers; got dtype "
                        f"{arr.dtype}")
    if arr.size:
        # compared in the caller's dtype and shown as Python ints: nothing wraps around
        smallest, largest = int(arr.min()), int(arr.max())
        if low is not None and smallest < low:
            raise ValueError(f"{_prefix(where)}{name} must be >= {low}; got {smallest}")
        if high is not None and largest >= high:
            raise ValueError(f"{_prefix(where)}{name} must be < {high}; got {largest}")
        bounds = np.iinfo(np.int64)
        if smallest < bounds.min or largest > bounds.max:
            bad = smallest if smallest < bounds.min else largest
            raise ValueError(f"{_prefix(where)}{name} must fit in int64; got {bad}")
    return arr.astype(np.int64)


def check_shape(
    arr: np.ndarray, expected: tuple[int | None, ...], name: str, *, where: str | None = None
) -> np.ndarray:
    """Check ``arr.shape`` against ``expected``, where ``None`` matches any size.

    >>> check_shape(np.zeros((2, 3)), (None, 4), "x", where="Linear(3, 5)")
    Traceback (most recent call last):
        ...
    ValueError: Linear(3, 5): x must have shape (N, 4); got (2, 3)
    """
    ok = arr.ndim == len(expected) and all(
        e is None or e == s for e, s in zip(expected, arr.shape, strict=False)
    )
    if not ok:
        letters = iter("NMKLPQ")
        text = ", ".join(next(letters) if e is None else str(e) for e in expected)
        text = f"({text},)" if len(expected) == 1 else f"({text})"
        raise ValueError(f"{_prefix(where)}{name} must have shape {text}; got {arr.shape}")
    return arr


def shape_error(
    shape: tuple[int, ...], expected: str, name: str, *, where: str | None = None
) -> ValueError:
    """The ``ValueError`` for an array of the wrong shape, for shapes ``check_shape`` cannot
    express (written out: ``"(N, T, 4)"``, ``"(N, C, H, W) with H, W >= 3"``). Raise it.

    >>> raise shape_error((2, 3), "(N, T, 4)", "x", where="RNN(4, 8)")
    Traceback (most recent call last):
        ...
    ValueError: RNN(4, 8): x must have shape (N, T, 4); got (2, 3)
    """
    return ValueError(f"{_prefix(where)}{name} must have shape {expected}; got {tuple(shape)}")
