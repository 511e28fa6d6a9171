"""Inputs of exercise checks that a verdict describes by how they were made.

A verdict names the input it failed on. For a 4-D batch of images or a (20, 8) matrix the
values are too many to print; :class:`Given` wraps such an array with a label ("random
normal, shape (2, 3, 5, 6)"), and :func:`with_arrays` calls a function with the plain
arrays and reports an input the function changed in place; :func:`dense_grid` is an input
that covers a whole interval, so that a property is checked everywhere it can fail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Given", "InputModifiedError", "ResultError", "dense_grid", "with_arrays"]


class Given:
    """An input array of a check, shown in a verdict by how it was made, not by its values.

    A 4-D batch of images has too many numbers to print; the verdict says "x=random
    normal, shape (2, 3, 5, 6)" instead. Two ``Given`` are equal when label and values are.
    """

    __slots__ = ("array", "label")

    def __init__(self, array: np.ndarray, label: str, *, show_shape: bool = True) -> None:
        self.array = array
        self.label = label + (f", shape {array.shape}" if show_shape else "") + (
            "" if array.dtype == np.float64 else f", {array.dtype}")

    def __repr__(self) -> str:
        return self.label

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Given) and self.label == other.label
                and self.array.dtype == other.array.dtype
                and bool(np.array_equal(self.array, other.array, equal_nan=True)))

    __hash__ = None  # type: ignore[assignment]


class InputModifiedError(Exception):
    """Raised by a check when the learner's function changed one of its input arrays."""


class ResultError(Exception):
    """Raised by a check's adapter when the learner's result has the wrong structure; the
    verdict's finding is its message (not "raised ResultError")."""


def with_arrays(function: Callable[..., Any], names: tuple[str, ...]) -> Callable[..., Any]:
    """``function`` called with the arrays of :class:`Given` arguments (fresh copies).

    An input array changed by the call raises :class:`InputModifiedError`, which the
    verdict reports.
    """

    def call(*args: Any, **kwargs: Any) -> Any:
        arrays = [a.array.copy() if isinstance(a, Given) else a for a in args]
        before = [a.copy() if isinstance(a, np.ndarray) else None for a in arrays]
        result = function(*arrays, **kwargs)
        for name, old, new in zip(names, before, arrays, strict=False):
            if old is not None and not np.array_equal(old, new, equal_nan=True):
                raise InputModifiedError(
                    f"your function changed its input {name} in place; build new arrays "
                    "instead (callers reuse theirs)")
        return result

    return call


def dense_grid(low: float = -40.0, high: float = 40.0, n: int = 8001,
               seed: int = 18) -> np.ndarray:
    """A float64 input that covers ``[low, high]`` densely: an even grid of ``n`` points and
    ``n // 4`` random points between them (fixed seed), sorted.

    A property is checked everywhere it can fail, not only at a few hand-picked probes: an
    answer that is wrong only on some stretch away from the probes fails here (e.g. a
    formula switched at |x| > 5, or a kink or jump at 2.7).

    >>> g = dense_grid(-1.0, 1.0, 5)
    >>> g.shape, g.dtype, float(g.min()), float(g.max())
    ((6,), dtype('float64'), -1.0, 1.0)
    """
    rng = np.random.default_rng(seed)
    return np.sort(np.concatenate([np.linspace(low, high, n), rng.uniform(low, high, n // 4)]))
