r"""Machinery shared by every exercise checker.

A checker takes the learner's function, calls it on a few chosen inputs, compares
each result with the reference solution, and prints **exactly one line**:

* ``<title>: not implemented yet - ...`` when the function raises
  ``NotImplementedError`` (the committed stub does),
* ``<title>: correct - all N checks passed.``, or
* ``<title>: wrong - for <input>: expected <value>, got <value>. Hint: <hint>``.

It never raises and returns ``None`` (a returned value would add a second
output to the notebook cell). Exceptions from the learner's code, warnings
(overflow, invalid value, division by zero: the call runs under
``warnings.catch_warnings`` and ``np.errstate``), a changed input array, a
wrong type, dtype or shape and NaN/inf where the answer is finite all become a
"wrong" verdict with a hint, never output on stderr.

How to add a checker
--------------------
1. Pick the topic module ``course_lib/exercises/<topic>.py`` (named for what
   the exercise is about, e.g. ``nonlinearity``; never a notebook number) or
   create one, and list it in ``course_lib/exercises/__init__.py``.
2. Write the reference solution there as a plain function
   ``<exercise>_solution`` with the same signature the notebook's stub has.
3. List the inputs as :class:`Case` objects. Choose the ones a typical wrong
   answer fails: the kink (``x = 0``), large ``|x|`` (overflow in a discarded
   ``np.where`` branch), float32 input (dtype kept) and integer input
   (promoted to float64), a parameter value the naive formula gets wrong.
   Give each case the hint a learner needs when *its values* are wrong.
   Case inputs are copied before every call; the checker detects when the
   learner's function modifies them.
4. Write the checker as a one-liner around :func:`check_function`::

       def check_leaky_relu(candidate) -> None:
           '''Check the learner's ``leaky_relu(x, negative_slope)``; print one line.'''
           check_function(candidate, leaky_relu_solution, LEAKY_RELU_CASES,
                          title="leaky_relu")

   For an answer that is not a plain function (a layer class, a set of
   weights), pass a small adapter as ``candidate`` that builds the thing and
   returns numbers; exceptions raised inside the adapter are reported as the
   learner's. ``rtol``/``atol`` set the tolerance (float32 results are
   compared with at least ``rtol32``).
5. Test it (``tests/test_exercises_<topic>.py``): the solution prints
   ``correct``; a stub prints ``not implemented yet``; at least three typical
   wrong answers print ``wrong`` with the expected hint (use ``capsys``).

In the notebook the exercise cell is the stub followed by the checker call::

    def leaky_relu(x, negative_slope=0.01):
        # your code here
        raise NotImplementedError

    check_leaky_relu(leaky_relu)

Used by: every topic module of :mod:`course_lib.exercises`, hence by the
exercise cells of every notebook.
"""

from __future__ import annotations

import copy
import inspect
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Number
from typing import Any

import numpy as np

from course_lib.exercises._format import (
    LINE_WIDTH,
    MAX_LINES,
    _describe_call,
    _expected_got,
    expected_text,
    format_value,
    layout,
)
from course_lib.exercises._guard import TimeLimitExceeded, _run_guarded
from course_lib.exercises.help import stuck_text

__all__ = [
    "Case",
    "check_function",
    "format_value",
    "layout",
    "LINE_WIDTH",
    "MAX_LINES",
    "TIME_LIMIT",
    "NOT_IMPLEMENTED",
    "CORRECT",
    "WRONG",
]

NOT_IMPLEMENTED = "not implemented yet"
CORRECT = "correct"
WRONG = "wrong"

TIME_LIMIT = 20.0  # seconds one call of the learner's code may take
_HINT_EXCEPTION = "run your function on this input yourself to see where it fails."
_HINT_WARNING = (
    "the answer must be computed without producing inf or NaN along the way; "
    "remember that np.where evaluates both branches for every element."
)
_HINT_TYPE = "return a numpy array (np.ndarray), not a list or a Python number."
_HINT_DTYPE = (
    "float32 in must give float32 out and integers must be promoted to float64; "
    "do not force a dtype with np.asarray(x, dtype=float) or astype."
)
_HINT_SHAPE = "the result must have the shape the reference gives (elementwise: the shape of x)."
_HINT_MUTATION = (
    "do not modify the input in place (x[...] = ..., x *= ...); build a new array, "
    "e.g. with np.where or np.maximum, because callers reuse their arrays."
)
_HINT_NONFINITE = (
    "an intermediate result overflowed or became NaN; rewrite the formula so it stays finite."
)
_HINT_VALUE = "compare your formula with the one in the text."


@dataclass(frozen=True)
class Case:
    """One call of the learner's function.

    Parameters
    ----------
    args, kwargs
        Positional and keyword arguments (deep-copied before each call).
    hint
        Shown when the values for this case are wrong or not finite, or when
        the call warns; say what this input tests ("at x = 0 ..."). For a function
        that returns a tuple, a mapping from output name to hint (key "" for the rest).
    """

    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    hint: str | Mapping[str, str] = ""


class _Verdict(Exception):
    """Internal: carries a finished "wrong" line out of the comparison."""


def _plain(value: Any) -> Any:
    """A plain ndarray for any ndarray subclass (a masked array gives its data, unmasked):
    comparisons must not go through a subclass's own ``==``."""
    if isinstance(value, np.ndarray) and type(value) is not np.ndarray:
        return np.array(np.ma.getdata(value), subok=False)
    return value


def _general_hint(hint: str | Mapping[str, str]) -> str:
    return hint.get("", "") if isinstance(hint, Mapping) else hint


def _items_text(got: Any) -> str:
    return f"{len(got)} items" if isinstance(got, (tuple, list)) else format_value(got)


def _dtype_hint(expected: np.dtype, got: np.dtype) -> str:
    if got.kind in "biu" and expected.kind == "f":
        return (
            f"your result has the integer dtype {got}: an integer input (x or dout) must give "
            "a float64 result. Multiplying integers keeps them integers; promote, e.g. with "
            "np.where(mask, dout, 0.0) or dout * mask.astype(float)."
        )
    if expected == np.float32 and got.kind == "f":
        return (
            "float32 in must give float32 out: a float64 constant or np.asarray(x, dtype=float) "
            "turned your result into float64."
        )
    if expected == np.float64 and got.kind == "f":
        return "this input is float64 (or an integer, promoted to float64): keep float64."
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
) -> str | None:
    try:
        names = list(inspect.signature(reference).parameters)
    except (TypeError, ValueError):
        names = []
    for i, (b, a) in enumerate(zip(before, after, strict=False)):
        if not _same_structure_equal(b, a):
            name = names[i] if i < len(names) else f"argument {i}"
            return f"{name} was {format_value(b)}, is now {format_value(a)}"
    for key in kw_before:
        if not _same_structure_equal(kw_before[key], kw_after.get(key)):
            was, now = format_value(kw_before[key]), format_value(kw_after.get(key))
            return f"{key} was {was}, is now {now}"
    return None


def _compare(
    expected: Any,
    got: Any,
    *,
    where: str,
    rtol: float,
    atol: float,
    rtol32: float,
    hint: str | Mapping[str, str],
    elementwise_input: Any,
    output_names: Sequence[str] | None = None,
) -> None:
    """Raise :class:`_Verdict` with the "wrong" line body if ``got`` differs."""
    got = _plain(got)
    if isinstance(hint, Mapping) and not isinstance(expected, (tuple, list)):
        hint = hint.get("", "")
    if isinstance(expected, np.ndarray):
        if not isinstance(got, np.ndarray):
            raise _Verdict(
                f"expected a numpy array {expected_text(expected)}, got a "
                f"{type(got).__name__} {format_value(got)}{where}. Hint: {_HINT_TYPE}"
            )
        if got.dtype != expected.dtype:
            raise _Verdict(
                f"expected dtype {expected.dtype}, got {got.dtype}{where}. "
                f"Hint: {_dtype_hint(expected.dtype, got.dtype)}"
            )
        if got.shape != expected.shape:
            raise _Verdict(
                f"expected shape {expected.shape}, got shape {got.shape}{where}. "
                f"Hint: {_HINT_SHAPE}"
            )
        if expected.dtype.kind not in "fc":
            bad = expected != got
        else:
            tol = rtol32 if expected.dtype.itemsize <= 4 else rtol
            tol = max(tol, rtol)
            close = np.isclose(got, expected, rtol=tol, atol=atol, equal_nan=True)
            same_inf = (got == expected) | close
            bad = ~same_inf
        if np.any(bad):
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            at = ""
            x_in = elementwise_input
            if isinstance(x_in, np.ndarray) and x_in.shape == expected.shape:
                at = f" (first difference at x={format_value(x_in[index])}:"
            else:
                at = f" (first difference at index {index if len(index) != 1 else index[0]}:"
            at += f" {_expected_got(expected[index], got[index])})"
            nonfinite = (
                expected.dtype.kind in "fc"
                and bool(np.all(np.isfinite(expected[index])))
                and not bool(np.all(np.isfinite(got[index])))
            )
            base_hint = hint or (_HINT_NONFINITE if nonfinite else _HINT_VALUE)
            raise _Verdict(
                f"{_expected_got(expected, got)}{where}{at}. "
                f"Hint: {base_hint}"
            )
        return
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            n = len(expected)
            raise _Verdict(
                f"expected a {type(expected).__name__} of {n} item{'s' if n != 1 else ''}, "
                f"got {_items_text(got)}"
                f"{where}. Hint: return {n} values, e.g. `return a, b`."
            )
        names = output_names or [f"item {i}" for i in range(len(expected))]
        for name, e, g in zip(names, expected, got, strict=True):
            item_hint = hint.get(name, hint.get("", "")) if isinstance(hint, Mapping) else hint
            _compare(
                e, g, where=f"{where} in {name}", rtol=rtol, atol=atol, rtol32=rtol32,
                hint=item_hint, elementwise_input=elementwise_input,
            )
        return
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(got, (bool, np.bool_)) or bool(got) != bool(expected):
            raise _Verdict(
                f"{_expected_got(expected, got)}{where}. "
                f"Hint: {hint or _HINT_VALUE}"
            )
        return
    if isinstance(expected, Number):
        if isinstance(got, np.ndarray) and got.shape == ():
            got = got[()]
        if not isinstance(got, Number) or isinstance(got, (bool, np.bool_)):
            raise _Verdict(
                f"expected the number {expected_text(expected)}, got a {type(got).__name__} "
                f"{format_value(got)}{where}. Hint: return a single number."
            )
        if not (got == expected or np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)):
            raise _Verdict(
                f"{_expected_got(expected, got)}{where}. "
                f"Hint: {hint or _HINT_VALUE}"
            )
        return
    if got != expected:
        raise _Verdict(
            f"{_expected_got(expected, got)}{where}. "
            f"Hint: {hint or _HINT_VALUE}"
        )


def check_function(
    candidate: Any,
    reference: Callable[..., Any],
    cases: Sequence[Case],
    *,
    title: str,
    rtol: float = 1e-7,
    atol: float = 0.0,
    rtol32: float = 1e-5,
    output_names: Sequence[str] | None = None,
) -> None:
    """Check ``candidate`` against ``reference`` on ``cases``; print the verdict, return None.

    Parameters
    ----------
    candidate
        The learner's function (anything; a non-callable is reported as wrong).
    reference
        The reference solution; its parameter names label the inputs in the
        verdict.
    cases
        The inputs, tried in order; the first failing one is reported.
    title
        The exercise's name, printed at the start of the line.
    rtol, atol
        Tolerance for float64 results: ``|got - expected| <= atol + rtol*|expected|``.
        Infinities must match exactly, NaN matches NaN.
    rtol32
        Relative tolerance for float32 (and smaller) results.
    output_names
        Names of the items when the reference returns a tuple (``("dx", "dgamma")``),
        used in the verdict instead of "item 1".

    Notes
    -----
    The first problem found decides the verdict, in this order: the stub
    (``NotImplementedError``), an exception, a warning, a modified input,
    then type, dtype, shape and values of the result.

    Examples
    --------
    >>> import numpy as np
    >>> cases = [Case((np.array([-1.0, 0.0, 2.0]),))]
    >>> check_function(np.abs, np.abs, cases, title="absolute value")
    absolute value: correct - the 1 check passed.
    >>> check_function(np.negative, np.abs, cases, title="absolute value")  # doctest: +ELLIPSIS
    absolute value: wrong - for x=[-1.0, 0.0, 2.0]: expected [1.0, 0.0, 2.0], got [1.0,
        -0.0, -2.0] ...
    """
    try:
        line = _verdict_line(
            candidate, reference, cases, title, rtol, atol, rtol32, output_names
        )
    except Exception as exc:  # a bug in a checker must not break the notebook
        line = (
            f"{title}: {WRONG} - the checker itself failed ({type(exc).__name__}: {exc}); "
            "please report this."
        )
    if line.startswith(f"{title}: {WRONG}") and stuck_text(title):
        line = f"{line} {stuck_text(title)}"
    print(layout(line))


def _reference_value(reference: Callable, args: tuple, kwargs: Mapping[str, Any]) -> Any:
    """The reference result, computed in the checker's own numeric state: whatever
    ``np.seterr`` or warning filters the notebook has set, they do not reach it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return reference(*copy.deepcopy(args), **copy.deepcopy(kwargs))


def _verdict_line(
    candidate: Any,
    reference: Callable[..., Any],
    cases: Sequence[Case],
    title: str,
    rtol: float,
    atol: float,
    rtol32: float,
    output_names: Sequence[str] | None = None,
) -> str:
    if not callable(candidate):
        return (
            f"{title}: {WRONG} - expected a function, got {format_value(candidate)}. "
            "Hint: pass the function itself, e.g. check(my_function), not my_function(x)."
        )
    for case in cases:
        args = copy.deepcopy(tuple(case.args))
        kwargs = copy.deepcopy(dict(case.kwargs))
        args_before = copy.deepcopy(args)
        kwargs_before = copy.deepcopy(kwargs)
        call = _describe_call(reference, args_before, kwargs_before)
        expected = _reference_value(reference, args, kwargs)

        got, exc, warning = _run_guarded(candidate, args, kwargs, TIME_LIMIT)
        if isinstance(exc, NotImplementedError):
            return (
                f"{title}: {NOT_IMPLEMENTED} - replace `raise NotImplementedError` "
                "with your code, then run the cell again."
            )
        prefix = f"{title}: {WRONG} - for {call}: "
        if isinstance(exc, TimeLimitExceeded):
            return prefix + (
                f"your code ran for more than {TIME_LIMIT:g} s and was stopped. Hint: look for "
                "a Python loop over elements or an endless loop; use whole-array numpy operations."
            )
        if exc is not None:
            return prefix + (
                f"expected {expected_text(expected)}, but your code raised "
                f"{type(exc).__name__}: {exc}. Hint: {_HINT_EXCEPTION}"
            )
        if warning is not None:
            msg = f"{warning.category.__name__}: {warning.message}"
            return prefix + (
                f"expected {expected_text(expected)}, but your code warned {msg}. "
                f"Hint: {_HINT_WARNING} {_general_hint(case.hint)}"
            )
        changed = _first_changed_input(reference, args_before, args, kwargs_before, kwargs)
        if changed is not None:
            return prefix + f"your code modified its input ({changed}). Hint: {_HINT_MUTATION}"
        elementwise = args_before[0] if args_before else None
        try:
            with np.errstate(all="ignore"):
                _compare(
                    expected, got, where="", rtol=rtol, atol=atol, rtol32=rtol32,
                    hint=case.hint, elementwise_input=elementwise, output_names=output_names,
                )
        except _Verdict as verdict:
            return prefix + str(verdict)
    n = len(cases)
    passed = "the 1 check passed." if n == 1 else f"all {n} checks passed."
    return f"{title}: {CORRECT} - {passed}"
