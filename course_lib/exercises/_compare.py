"""How a checker compares a result with the reference: the finding and the hint it names.

:func:`compare_number` is the one comparison of single numbers (type first, then the value in
float64); :func:`_compare` walks arrays, tuples, bools and numbers and raises
:class:`_Finding` with what is wrong ("dtype float32, expected float64", "first difference at
x=-2.0: expected ..."), the hint for that finding, and more numbers for the verdict's text.
Used by :mod:`course_lib.exercises.core`.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from numbers import Number
from typing import Any

import numpy as np

from course_lib.exercises._format import _expected_got, expected_text, format_value

_HINT_TYPE = "return a numpy array (np.ndarray), not a list or a Python number."
_HINT_DTYPE = (
    "float32 in must give float32 out and integers must be promoted to float64; "
    "do not force a dtype with np.asarray(x, dtype=float) or astype."
)
_HINT_SHAPE = "the result must have the shape the reference gives"
_HINT_SHAPE_ELEMENTWISE = "an elementwise result has the shape of its input x."
_HINT_NONFINITE = (
    "an intermediate result overflowed or became NaN; rewrite the formula so it stays finite."
)
_HINT_FLOAT32 = (
    "this input is float64 and the answer must be computed in float64: a float32 array, "
    "constant or np.float32(...) on the way rounds every value to about 7 digits."
)
_HINT_VALUE = "compare your formula with the one in the text."


class _Finding(Exception):
    """Internal: what is wrong with a result (``finding``), the hint, and more numbers."""

    def __init__(self, finding: str, hint: str = "", details: str = "") -> None:
        super().__init__(finding)
        self.finding, self.hint, self.details = finding, hint, details


def _plain(value: Any) -> Any:
    """A plain ndarray for any ndarray subclass (a masked array gives its data, unmasked):
    comparisons must not go through a subclass's own ``==``."""
    if isinstance(value, np.ndarray) and type(value) is not np.ndarray:
        return np.array(np.ma.getdata(value), subok=False)
    return value


def _kind_of(value: Any) -> str:
    """``"a list"``, ``"None"``, ``"a numpy float32 scalar"``: what a result is."""
    if value is None:
        return "None"
    if isinstance(value, np.generic):
        return f"a numpy {value.dtype} scalar"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape}"
    name = type(value).__name__
    return f"an {name}" if name[:1] in "aeiou" else f"a {name}"


def _asked_type(expected: Any, returns: type | None) -> type:
    if returns is not None:
        return returns
    if isinstance(expected, (int, np.integer)) and not isinstance(expected, (bool, np.bool_)):
        return int
    return float


def compare_number(expected: Any, got: Any, *, rtol: float = 1e-12, atol: float = 0.0,
                   returns: type | None = None) -> str | None:
    """The finding when ``got`` is not the single number ``expected``, else None.

    The one comparison of single numbers for every checker. First the type the exercise
    asks for (``returns``; by default ``int`` for an integer ``expected``, else ``float``):

    * ``int``: a Python int or numpy integer (a float, even 3.0, is wrong);
    * ``float``: a Python float, a numpy float64 or an int; a numpy float32/float16 (or
      0-d array of one) is wrong, whatever its value;

    then the value, in float64 (never in the answer's precision): ``|got - expected| <=
    atol + rtol * |expected|``, infinities equal only to themselves, NaN equal to NaN.

    >>> compare_number(0.6931471805599453, np.float16(0.6931471805599453))
    'returned a numpy float16 scalar, expected a Python float (float64)'
    >>> compare_number(3, 3.0)
    'returned a float 3.0, expected an int'
    >>> compare_number(0.5, 0.25)
    'expected 0.5, got 0.25'
    >>> compare_number(0.5, 0.5) is None
    True
    """
    asked = _asked_type(expected, returns)
    value = got[()] if isinstance(got, np.ndarray) and got.shape == () else got
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Number):
        noun = "an int" if asked is int else "a number"
        return f"returned {_kind_of(got)} {format_value(got)}, expected {noun}".replace(
            "None None", "None")
    if asked is int:
        if not isinstance(value, (int, np.integer)):
            return f"returned a float {format_value(value)}, expected an int"
        if int(value) != int(expected):
            return _expected_got(expected, value)
        return None
    if isinstance(value, np.floating) and value.dtype != np.float64:
        return f"returned {_kind_of(value)}, expected a Python float (float64)"
    if isinstance(value, complex) or isinstance(value, np.complexfloating):
        return f"returned a complex number {format_value(value)}, expected a real float"
    e, g = float(expected), float(value)
    same = e == g or (math.isnan(e) and math.isnan(g))
    if not same and math.isfinite(e) and math.isfinite(g):
        same = abs(g - e) <= atol + rtol * abs(e)
    return None if same else _expected_got(expected, value)


def _named_inputs(reference: Callable, args: tuple, kwargs: Mapping[str, Any]) -> list:
    """``[(name, value), ...]`` of a call, named by the reference's parameters."""
    try:
        bound = inspect.signature(reference).bind(*args, **kwargs)
        return list(bound.arguments.items())
    except (TypeError, ValueError):
        return [(f"argument {i}", a) for i, a in enumerate(args)] + list(kwargs.items())


def _integer_inputs(reference: Callable, args: tuple, kwargs: Mapping[str, Any]) -> list[str]:
    """Names of the arguments of a call that are integer arrays."""
    names = []
    for name, value in _named_inputs(reference, args, kwargs):
        array = getattr(value, "array", value)  # a Given wraps its array
        if isinstance(array, np.ndarray) and array.dtype.kind in "biu":
            names.append(name)
    return names


def _dtype_hint(expected: np.dtype, got: np.dtype, integer_inputs: Sequence[str] = ()) -> str:
    if got.kind in "biu" and expected.kind == "f":
        which = (f"the integer input {' and '.join(integer_inputs)}" if integer_inputs
                 else "integer arithmetic")
        return (
            f"your result has the integer dtype {got}: {which} must give a float64 result. "
            "Multiplying integers keeps them integers; promote to float first."
        )
    if expected == np.float32 and got.kind == "f":
        return (
            "float32 in must give float32 out: a float64 constant or np.asarray(x, dtype=float) "
            "turned your result into float64."
        )
    if expected == np.float64 and got.kind == "f":
        if integer_inputs:
            return (f"the integer input {' and '.join(integer_inputs)} is promoted to float64: "
                    "keep float64.")
        return "this input is float64: keep float64 (no float32 conversion)."
    return _HINT_DTYPE


def _same_structure_equal(a: Any, b: Any) -> bool:
    """Exact equality (NaN equal to NaN) used to detect modified inputs."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "fc":
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        pairs = zip(a, b, strict=False)
        return len(a) == len(b) and all(_same_structure_equal(x, y) for x, y in pairs)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_structure_equal(a[k], b[k]) for k in a)
    try:
        return bool(a == b) or (a != a and b != b)
    except Exception:
        return True  # objects we cannot compare are not checked


def _first_changed_input(
    reference: Callable, before: tuple, after: tuple, kw_before: Mapping, kw_after: Mapping
) -> tuple[str, str] | None:
    """(name, "was ..., is now ...") of the first input the call changed, or None."""
    try:
        names = list(inspect.signature(reference).parameters)
    except (TypeError, ValueError):
        names = []
    for i, (b, a) in enumerate(zip(before, after, strict=False)):
        if not _same_structure_equal(b, a):
            name = names[i] if i < len(names) else f"argument {i}"
            return name, f"{name} was {format_value(b)}, is now {format_value(a)}"
    for key in kw_before:
        if not _same_structure_equal(kw_before[key], kw_after.get(key)):
            was, now = format_value(kw_before[key]), format_value(kw_after.get(key))
            return key, f"{key} was {was}, is now {now}"
    return None


def _compare_array(expected: np.ndarray, got: Any, *, item: str, rtol: float, atol: float,
                   rtol32: float, hint: str, elementwise_input: Any,
                   integer_inputs: Sequence[str]) -> None:
    if not isinstance(got, np.ndarray):
        raise _Finding(f"{item}returned {_kind_of(got)}, expected a numpy array", _HINT_TYPE,
                       f"Got {format_value(got)}, expected {expected_text(expected)}")
    if got.dtype != expected.dtype:
        raise _Finding(f"{item}dtype {got.dtype}, expected {expected.dtype}",
                       _dtype_hint(expected.dtype, got.dtype, integer_inputs))
    if got.shape != expected.shape:
        same_as_input = (elementwise_input is not None and not item
                         and getattr(elementwise_input, "shape", None) == expected.shape)
        raise _Finding(f"{item}shape {got.shape}, expected {expected.shape}",
                       _HINT_SHAPE_ELEMENTWISE if same_as_input
                       else f"{_HINT_SHAPE}{' for ' + item.rstrip(': ') if item else ''}: "
                            f"{expected.shape}.")
    if expected.dtype.kind not in "fc":
        bad = expected != got
    else:
        tol = max(rtol32 if expected.dtype.itemsize <= 4 else rtol, rtol)
        close = np.isclose(got, expected, rtol=tol, atol=atol, equal_nan=True)
        bad = ~((got == expected) | close)
    if not np.any(bad):
        return
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    at = f"at index {index if len(index) != 1 else index[0]}"
    # An elementwise exercise: the difference is located by the value of its input, the
    # first argument that is not a function (f of central_difference), if it is a plain
    # array of the result's shape.
    inputs = [(n, v) for n, v in elementwise_input or () if not callable(v)]
    if inputs and isinstance(inputs[0][1], np.ndarray) and inputs[0][1].shape == expected.shape:
        at = f"at {inputs[0][0]}={format_value(inputs[0][1][index])}"
    nonfinite = (expected.dtype.kind in "fc" and bool(np.all(np.isfinite(expected[index])))
                 and not bool(np.all(np.isfinite(got[index]))))
    finding = f"{item}first difference {at}: {_expected_got(expected[index], got[index])}"
    if _float32_numbers(expected, got, bad):
        raise _Finding(f"{finding} (every value is a float32 number: float32 arithmetic)",
                       _HINT_FLOAT32,
                       f"All {item.rstrip(': ') or 'values'}: {_expected_got(expected, got)}")
    raise _Finding(
        finding,
        hint or (_HINT_NONFINITE if nonfinite else _HINT_VALUE),
        f"All {item.rstrip(': ') or 'values'}: {_expected_got(expected, got)}",
    )


def _float32_numbers(expected: np.ndarray, got: np.ndarray, bad: np.ndarray) -> bool:
    """True when the differing values of a float64 result are all float32 numbers, most of
    them within float32 rounding (relative 1e-9 to 1e-6) of the right ones: float32
    arithmetic, measured, not guessed."""
    if expected.dtype != np.float64 or got.dtype != np.float64:
        return False
    g, e = got[bad], expected[bad]
    with np.errstate(all="ignore"):
        if not np.all(g[np.isfinite(g)].astype(np.float32) == g[np.isfinite(g)]):
            return False
        rel = np.abs(g - e) / np.abs(e)
        return bool(np.mean((rel > 1e-9) & (rel < 1e-6)) > 0.5)


def _compare(expected: Any, got: Any, *, item: str = "", rtol: float, atol: float,
             rtol32: float, hint: str | Mapping[str, str], elementwise_input: Any,
             output_names: Sequence[str] | None = None, returns: type | None = None,
             integer_inputs: Sequence[str] = ()) -> None:
    """Raise :class:`_Finding` if ``got`` differs from ``expected``."""
    got = _plain(got)
    if isinstance(hint, Mapping) and not isinstance(expected, (tuple, list)):
        hint = hint.get("", "")
    if isinstance(expected, np.ndarray):
        _compare_array(expected, got, item=item, rtol=rtol, atol=atol, rtol32=rtol32,
                       hint=hint, elementwise_input=elementwise_input,
                       integer_inputs=integer_inputs)
        return
    if isinstance(expected, (tuple, list)):
        n = len(expected)
        if not isinstance(got, (tuple, list)) or len(got) != n:
            if isinstance(got, (tuple, list)):
                what = f"{len(got)} item" + ("" if len(got) == 1 else "s")
            else:
                what = _kind_of(got)
            raise _Finding(f"{item}returned {what}, expected {n} values",
                           f"return {n} values, e.g. `return a, b`.")
        names = output_names or [f"item {i}" for i in range(n)]
        for name, e, g in zip(names, expected, got, strict=True):
            item_hint = hint.get(name, hint.get("", "")) if isinstance(hint, Mapping) else hint
            _compare(e, g, item=f"{item}{name}: ", rtol=rtol, atol=atol, rtol32=rtol32,
                     hint=item_hint, elementwise_input=elementwise_input,
                     integer_inputs=integer_inputs)
        return
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(got, (bool, np.bool_)):
            raise _Finding(f"{item}returned {_kind_of(got)} {format_value(got)}, expected "
                           "True or False", "return a bool.")
        if bool(got) != bool(expected):
            raise _Finding(f"{item}{_expected_got(expected, got)}", hint or _HINT_VALUE)
        return
    if isinstance(expected, Number):
        finding = compare_number(expected, got, rtol=rtol, atol=atol, returns=returns)
        if finding is None:
            return
        if finding.startswith("returned"):
            asked = _asked_type(expected, returns)
            type_hint = ("return an int, e.g. with // or int(...)." if asked is int else
                         "return a Python float (float64), e.g. float(...) of a float64 "
                         "result; compute in float64.")
            raise _Finding(f"{item}{finding}", type_hint)
        raise _Finding(f"{item}{finding}", hint or _HINT_VALUE)
    if got != expected:
        raise _Finding(f"{item}{_expected_got(expected, got)}", hint or _HINT_VALUE)
