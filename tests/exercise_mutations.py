"""Wrong answers made from a right one, one per kind of mistake a learner makes: the one
home of every test's wrong-answer makers (``exercise_helpers`` holds the checker-calling
helpers).

Each mutation takes a correct function and returns a function with one mistake of a
kind (the issue's classes): reduced precision of a single number, the wrong type (a list,
a numpy float32 scalar where a Python float is asked), float32 arithmetic returned as
float64, a modified input, a wrong shape, None, an exception. ``WRONG_KINDS`` lists them
with the text the checker's finding must contain, and which results each applies to, so
that a topic's tests can try every kind that applies on every checker.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest


def _float32(value: Any) -> Any:
    """float64 arrays (also inside tuples and dicts) as float32; anything else unchanged."""
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value.astype(np.float32)
    if isinstance(value, tuple):
        return tuple(_float32(v) for v in value)
    if isinstance(value, Mapping):
        return {k: _float32(v) for k, v in value.items()}
    return value


def _like(value: Any, template: Any) -> Any:
    """``value`` cast to the dtypes and types of ``template`` (the right answer)."""
    if isinstance(template, np.ndarray) and isinstance(value, np.ndarray):
        return value.astype(template.dtype)
    if isinstance(template, (tuple, list)) and isinstance(value, (tuple, list)):
        return type(template)(_like(v, t) for v, t in zip(value, template, strict=True))
    if isinstance(template, Mapping) and isinstance(value, Mapping):
        return {k: _like(value[k], template[k]) for k in template}
    if isinstance(template, float):
        return float(value)
    return value


def _map_first(result: Any, test: Callable[[Any], bool], change: Callable[[Any], Any]) -> Any:
    """``result`` with ``change`` applied to the first item (or itself) that passes ``test``."""
    if test(result):
        return change(result)
    if isinstance(result, tuple):
        items = list(result)
        for i, item in enumerate(items):
            if test(item):
                items[i] = change(item)
                return tuple(items)
    return result


def _is_array(v: Any) -> bool:
    return isinstance(v, np.ndarray)


def _is_float(v: Any) -> bool:
    return isinstance(v, (float, np.floating)) and not isinstance(v, bool)


def returns_none(solution: Callable) -> Callable:
    def answer(*args: Any, **kwargs: Any) -> None:
        solution(*args, **kwargs)

    return answer


def raises(solution: Callable) -> Callable:
    def answer(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("boom: a bug in the learner's code")

    return answer


def _each(result: Any, convert: Callable[[Any], Any]) -> Any:
    """``convert`` applied to every array or number of a (tuple of) result(s)."""
    if isinstance(result, (tuple, list)):
        return type(result)(_each(r, convert) for r in result)
    return convert(result)


def as_list(solution: Callable) -> Callable:
    """The right values, every array result returned as a Python list."""
    def answer(*args: Any, **kwargs: Any) -> Any:
        return _each(solution(*args, **kwargs),
                     lambda r: r.tolist() if isinstance(r, np.ndarray) else r)

    return answer


def reduced_precision(solution: Callable, dtype: type = np.float16) -> Callable:
    """The right values rounded to a lower precision (arrays and numbers alike)."""
    def answer(*args: Any, **kwargs: Any) -> Any:
        return _each(solution(*args, **kwargs),
                     lambda r: np.asarray(r).astype(dtype) if isinstance(r, np.ndarray)
                     else dtype(r))

    return answer


def wrong_between(solution: Callable, low: float, high: float, index: int = 0,
                  factor: float = 1.001) -> Callable:
    """Right except where argument ``index`` lies in (low, high), away from any probe."""
    def answer(*args: Any, **kwargs: Any) -> Any:
        x = np.asarray(args[index])
        inside = (x > low) & (x < high)
        return _each(solution(*args, **kwargs),
                     lambda r: np.where(inside, r * factor, r).astype(r.dtype)
                     if isinstance(r, np.ndarray) and r.shape == x.shape else r)

    return answer


def extra_axis(solution: Callable) -> Callable:
    """The (first) array result with an extra leading axis."""
    def answer(*args: Any, **kwargs: Any) -> Any:
        return _map_first(solution(*args, **kwargs), _is_array, lambda a: a[None])

    return answer


def float32_arithmetic(solution: Callable) -> Callable:
    """Computed in float32, returned with the right (float64) dtypes and types."""
    def answer(*args: Any, **kwargs: Any) -> Any:
        right = solution(*args, **kwargs)
        low = solution(*_float32(args), **{k: _float32(v) for k, v in kwargs.items()})
        return _like(low, right)

    return answer


def float16_number(solution: Callable) -> Callable:
    """The (first) single number as a numpy float16 scalar."""
    def answer(*args: Any, **kwargs: Any) -> Any:
        return _map_first(solution(*args, **kwargs), _is_float, np.float16)

    return answer


def float32_number(solution: Callable) -> Callable:
    """The (first) single number as a numpy float32 scalar."""
    def answer(*args: Any, **kwargs: Any) -> Any:
        return _map_first(solution(*args, **kwargs), _is_float, np.float32)

    return answer


def float32_value(solution: Callable) -> Callable:
    """The (first) single number rounded to float32 precision, returned as a Python float."""
    def answer(*args: Any, **kwargs: Any) -> Any:
        return _map_first(solution(*args, **kwargs), _is_float,
                          lambda v: float(np.float32(v)))

    return answer


def modifies_input(solution: Callable, index: int | None = None) -> Callable:
    """Right values, but argument ``index`` (default: the first array) is changed in place
    afterwards."""
    def answer(*args: Any, **kwargs: Any) -> Any:
        result = solution(*args, **kwargs)
        targets = [args[index]] if index is not None else args
        for a in targets:
            if isinstance(a, np.ndarray) and a.size:
                a.flat[0] = a.flat[0] + 1 if a.dtype.kind != "b" else True
                break
        return result

    return answer


#: kind -> (mutation, text the finding must contain)
WRONG_KINDS: dict[str, tuple[Callable[[Callable], Callable], str]] = {
    "None": (returns_none, "returned None"),
    "raises": (raises, "raised ValueError: boom"),
    "list": (as_list, "returned a list"),
    "extra axis": (extra_axis, "shape"),
    "float32 arithmetic": (float32_arithmetic, "float32 arithmetic"),
    # the same mistake where only part of the arithmetic is float32 (the results are then
    # not float32 numbers): found as wrong values
    "float32 inputs": (float32_arithmetic, "expected"),
    "float16 number": (float16_number, "numpy float16 scalar"),
    "float32 number": (float32_number, "numpy float32 scalar"),
    "float32-rounded value": (float32_value, "expected"),
    "modified input": (modifies_input, "modified its input"),
}

#: the kinds that apply to a function of arrays returning arrays
ARRAY_KINDS = ("None", "raises", "list", "extra axis", "float32 arithmetic", "modified input")
#: the kinds that apply to a function returning one Python float
NUMBER_KINDS = ("None", "raises", "float16 number", "float32 number", "float32-rounded value")


def wrong_answers(solution: Callable, kinds: tuple[str, ...]) -> list:
    """``pytest.param(wrong answer, expected text of the finding, id=kind)`` for each kind."""
    return [pytest.param(WRONG_KINDS[kind][0](solution), WRONG_KINDS[kind][1], id=kind)
            for kind in kinds]


def elementwise_wrong_answers(checker: Callable, solution: Callable, *, dout: bool = False,
                              float32_finding: str = "float32 arithmetic") -> list:
    """(checker, wrong answer, expected words of the finding) for every class of issue 18
    an elementwise exercise can fail: reduced precision, float32 kept where float64 is asked,
    a list, float32 arithmetic, a modified input (``dout`` for a backward pass), and a value
    wrong only on (5.1, 5.3), away from any probe."""
    return [
        (checker, reduced_precision(solution), "dtype float16, expected float64"),
        (checker, reduced_precision(solution, np.float32), "dtype float32, expected"),
        (checker, as_list(solution), "returned a list, expected a numpy array"),
        (checker, float32_arithmetic(solution), float32_finding),
        (checker, modifies_input(solution, 1 if dout else 0),
         "modified its input " + ("dout" if dout else "x")),
        (checker, wrong_between(solution, 5.1, 5.3), "first difference at x=5."),
    ]
