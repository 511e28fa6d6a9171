r"""Machinery shared by every exercise checker.

A checker takes the learner's function, calls it on a few chosen inputs, compares
each result with the reference solution, and prints **one verdict**
(:class:`~course_lib.exercises._verdict.Verdict`; read it back with
:func:`last_verdict`):

* ``<title>: not implemented yet - ...`` when the function raises
  ``NotImplementedError`` (the committed stub does),
* ``<title>: correct - all N checks passed.``, or
* ``<title>: wrong - <finding>. Input: <the case>. <details> Hint: <hint>``: what was
  wrong comes first ("raised ValueError: ...", "returned None", "dtype float32, expected
  float64", "modified its input x", "first difference at x=-2.0: expected -4.0, got
  -2.0"), then the input (summarised by shape and range when large), then the numbers,
  then the hint chosen for what was measured.

It never raises and returns ``None`` (a returned value would add a second
output to the notebook cell). Exceptions from the learner's code, warnings
(overflow, invalid value, division by zero: the call runs under
``warnings.catch_warnings`` and ``np.errstate``), a changed input array, a
wrong type, dtype or shape and NaN/inf where the answer is finite all become a
"wrong" verdict with a hint, never output on stderr.

Which hint a wrong verdict shows
--------------------------------
The hint follows what was measured, not the order of the checks:

* an exception: its type and message, and the case's own hint;
* a dtype finding: a dtype hint that names the integer inputs of *this* case (if any);
* a RuntimeWarning (overflow, invalid, divide) while the values are right: the
  "np.where evaluates both branches" hint; with wrong values, the case's hint; any other
  warning (UserWarning, ...): the warning itself and the case's hint;
* a number of the wrong type or precision (see :func:`compare_number`): the type asked for;
* wrong values: the case's hint (per output for a tuple), else a generic one.

Single numbers
--------------
:func:`compare_number` is the one place a single number is compared (used by
:func:`check_function`; use it in any checker that compares one number). It checks the
type the exercise asks for first (``int``, or a float64 ``float``: a numpy float32 or
float16 scalar is rejected, since NumPy 2 compares ``np.float16(0.69314718) ==
0.6931471805599453`` in float16 and says True), then compares in float64. A :class:`Case`
(or :func:`check_function`) states the type with ``returns=int`` / ``returns=float``;
by default a Python ``int`` reference asks for an integer and a float reference for a
float64 float.

How to add a checker
--------------------
1. Pick the topic module ``course_lib/exercises/<topic>.py`` (named for what
   the exercise is about, e.g. ``nonlinearity``; never a notebook number) or
   create one, and list it in ``course_lib/exercises/__init__.py``.
2. Write the reference solution there as a plain function
   ``<exercise>_solution`` with the same signature the notebook's stub has, and test it
   against an independent oracle (torch, mpmath, scipy, finite differences).
3. List the inputs as :class:`Case` objects. Choose the ones a typical wrong
   answer fails: the kink (``x = 0``), large ``|x|`` (overflow in a discarded
   ``np.where`` branch), float32 input (dtype kept) and integer input
   (promoted to float64), a parameter value the naive formula gets wrong, an exact tie.
   Give each case the hint a learner needs when *its values* are wrong.
   Case inputs are copied before every call; the checker detects when the
   learner's function modifies them.
4. Write the checker as a one-liner around :func:`check_function`::

       def check_leaky_relu(candidate) -> None:
           '''Check the learner's ``leaky_relu(x, negative_slope)``; print its verdict.'''
           check_function(candidate, leaky_relu_solution, LEAKY_RELU_CASES,
                          title="leaky_relu")

   ``title`` is the registry name. For an answer that is not a plain function (a layer
   class, a set of weights), pass a small adapter as ``candidate`` that builds the thing
   and returns numbers; exceptions raised inside the adapter are reported as the
   learner's. ``rtol``/``atol`` set the tolerance (float32 results are compared with at
   least ``rtol32``): make ``atol`` small against the values' scale, so that float32
   arithmetic in a float64 answer (relative error ~1e-7) fails.
   A checker that is not built on :func:`check_function` makes its verdict with
   :func:`~course_lib.exercises._verdict.emit`.
5. Test it (``tests/test_exercises_<topic>.py``): the stub gives status
   ``not_implemented``; several wrong answers of every kind (reduced precision, wrong
   type, float32 arithmetic, ties, wrong only away from the probes, modified input) give
   status ``wrong`` with a finding that names the problem (assert on
   ``last_verdict(name)``'s fields, not on digits of its text).

In the notebook the exercise cell is the stub followed by the checker call::

    def leaky_relu(x, negative_slope=0.01):
        # your code here
        raise NotImplementedError

    check_leaky_relu(leaky_relu)
"""

from __future__ import annotations

import copy
import inspect
import math
import re
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
from course_lib.exercises._inputs import InputModifiedError, ResultError
from course_lib.exercises._verdict import (
    CORRECT_STATUS,
    NOT_IMPLEMENTED_STATUS,
    WRONG_STATUS,
    Verdict,
    emit,
    last_verdict,
    make_verdict,
    report,
)

__all__ = [
    "Case",
    "Verdict",
    "check_function",
    "compare_number",
    "emit",
    "format_value",
    "last_verdict",
    "layout",
    "make_verdict",
    "report",
    "LINE_WIDTH",
    "MAX_LINES",
    "TIME_LIMIT",
    "NOT_IMPLEMENTED",
    "CORRECT",
    "WRONG",
]

# The status words as printed (``f"{name}: {WRONG} - ..."``); Verdict.status uses
# "correct", "wrong" and "not_implemented".
NOT_IMPLEMENTED = "not implemented yet"
CORRECT = "correct"
WRONG = "wrong"

TIME_LIMIT = 20.0  # seconds one call of the learner's code may take
_HINT_EXCEPTION = "run your function on this input yourself to see the traceback."
_HINT_WARNING = (
    "your values are right, but an intermediate result overflowed or was invalid: np.where "
    "evaluates both branches for every element, so evaluate each branch only where it is "
    "used (e.g. on np.minimum(x, 0) or np.maximum(x, 0))."
)
_HINT_OTHER_WARNING = "a correct answer runs silently: find the call that warns."
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
_NUMERIC_WARNINGS = ("overflow", "invalid value", "divide by zero")


@dataclass(frozen=True)
class Case:
    """One call of the learner's function.

    Parameters
    ----------
    args, kwargs
        Positional and keyword arguments (deep-copied before each call).
    hint
        Shown when the values for this case are wrong or not finite, or when
        the call raises or warns; say what this input tests ("at x = 0 ..."). For a function
        that returns a tuple, a mapping from output name to hint (key "" for the rest).
    returns
        The type of result the exercise asks for when it is a single number: ``int`` or
        ``float`` (a float64 Python float; a numpy float32/float16 scalar is wrong). None:
        from the reference's result (a Python int asks for an int, a float for a float).
    """

    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    hint: str | Mapping[str, str] = ""
    returns: type | None = None


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


def _general_hint(hint: str | Mapping[str, str]) -> str:
    return hint.get("", "") if isinstance(hint, Mapping) else hint


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
        raise _Finding(f"{item}shape {got.shape}, expected {expected.shape}", _HINT_SHAPE)
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
    raise _Finding(
        f"{item}first difference {at}: {_expected_got(expected[index], got[index])}",
        hint or (_HINT_NONFINITE if nonfinite else _HINT_VALUE),
        f"All {item.rstrip(': ') or 'values'}: {_expected_got(expected, got)}",
    )


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
            what = (f"{len(got)} items" if isinstance(got, (tuple, list))
                    else f"{_kind_of(got)}")
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
    returns: type | None = None,
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
        The exercise's registry name, printed at the start of the verdict.
    rtol, atol
        Tolerance for float64 results: ``|got - expected| <= atol + rtol*|expected|``.
        Infinities must match exactly, NaN matches NaN.
    rtol32
        Relative tolerance for float32 (and smaller) results.
    output_names
        Names of the items when the reference returns a tuple (``("dx", "dgamma")``),
        used in the verdict instead of "item 1".
    returns
        The type of a single-number result for every case (``int`` or ``float``; see
        :func:`compare_number`); a case's own ``returns`` wins.

    Notes
    -----
    The first problem found decides the verdict, in this order: the stub
    (``NotImplementedError``), an exception, a modified input, a warning,
    then type, dtype, shape and values of the result. The verdict is recorded:
    :func:`last_verdict` ``(title)``.

    Examples
    --------
    >>> import numpy as np
    >>> cases = [Case((np.array([-1.0, 0.0, 2.0]),))]
    >>> check_function(np.abs, np.abs, cases, title="absolute value")
    absolute value: correct - the 1 check passed.
    >>> check_function(np.negative, np.abs, cases, title="absolute value")  # doctest: +ELLIPSIS
    absolute value: wrong - first difference at x=2.0: expected 2.0, got -2.0. Input:
        x=[-1.0, 0.0, 2.0]. ...
    >>> last_verdict("absolute value").finding
    'first difference at x=2.0: expected 2.0, got -2.0'
    """
    report(judge(candidate, reference, cases, title=title, rtol=rtol, atol=atol,
                 rtol32=rtol32, output_names=output_names, returns=returns))


def judge(
    candidate: Any,
    reference: Callable[..., Any],
    cases: Sequence[Case],
    *,
    title: str,
    rtol: float = 1e-7,
    atol: float = 0.0,
    rtol32: float = 1e-5,
    output_names: Sequence[str] | None = None,
    returns: type | None = None,
) -> Verdict:
    """The :class:`Verdict` :func:`check_function` prints, neither printed nor recorded.

    For checkers that combine several passes (run each, report the first that is not
    correct). A bug in the checker itself becomes a "wrong" verdict saying so.
    """
    try:
        return _judge(candidate, reference, cases, title, rtol, atol, rtol32, output_names,
                      returns)
    except Exception as exc:  # a bug in a checker must not break the notebook
        return make_verdict(title, WRONG_STATUS,
                            f"the checker itself failed ({type(exc).__name__}: {exc})",
                            hint="please report this.", stuck=False)


def _reference_value(reference: Callable, args: tuple, kwargs: Mapping[str, Any]) -> Any:
    """The reference result, computed in the checker's own numeric state: whatever
    ``np.seterr`` or warning filters the notebook has set, they do not reach it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return reference(*copy.deepcopy(args), **copy.deepcopy(kwargs))


def _short(text: Any, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _judge(candidate: Any, reference: Callable[..., Any], cases: Sequence[Case], title: str,
           rtol: float, atol: float, rtol32: float, output_names: Sequence[str] | None,
           returns: type | None) -> Verdict:
    if not callable(candidate):
        return make_verdict(
            title, WRONG_STATUS, f"expected a function, got {format_value(candidate)}",
            hint="pass the function itself, e.g. check(my_function), not my_function(x).")
    for case in cases:
        args = copy.deepcopy(tuple(case.args))
        kwargs = copy.deepcopy(dict(case.kwargs))
        args_before = copy.deepcopy(args)
        kwargs_before = copy.deepcopy(kwargs)
        call = _describe_call(reference, args_before, kwargs_before)
        expected = _reference_value(reference, args, kwargs)
        case_hint = _general_hint(case.hint)

        got, exc, warning = _run_guarded(candidate, args, kwargs, TIME_LIMIT)
        if isinstance(exc, NotImplementedError):
            return make_verdict(
                title, NOT_IMPLEMENTED_STATUS,
                "replace `raise NotImplementedError` with your code, then run the cell again")
        if isinstance(exc, TimeLimitExceeded):
            return make_verdict(
                title, WRONG_STATUS,
                f"your code ran for more than {TIME_LIMIT:g} s and was stopped", case=call,
                hint="look for a Python loop over elements or an endless loop; use whole-array "
                     "numpy operations.")
        if isinstance(exc, InputModifiedError):
            which = re.search(r"changed its input (\w+)", str(exc))
            finding = f"modified its input {which.group(1)}" if which else str(exc)
            return make_verdict(title, WRONG_STATUS, finding, case=call,
                                details=f"({str(exc).split(';')[0]})", hint=_HINT_MUTATION)
        if isinstance(exc, ResultError):
            return make_verdict(title, WRONG_STATUS, str(exc), case=call,
                                hint=case_hint or "return what the exercise asks for.")
        if exc is not None:
            return make_verdict(
                title, WRONG_STATUS, f"raised {type(exc).__name__}: {_short(exc)}", case=call,
                hint=f"{case_hint.rstrip('.')}. {_HINT_EXCEPTION.capitalize()}" if case_hint
                else _HINT_EXCEPTION)
        changed = _first_changed_input(reference, args_before, args, kwargs_before, kwargs)
        if changed is not None:
            return make_verdict(title, WRONG_STATUS, f"modified its input {changed[0]}",
                                case=call, details=f"({changed[1]})", hint=_HINT_MUTATION)
        finding = None
        try:
            with np.errstate(all="ignore"):
                _compare(expected, got, rtol=rtol, atol=atol, rtol32=rtol32, hint=case.hint,
                         elementwise_input=_named_inputs(reference, args_before,
                                                         kwargs_before),
                         output_names=output_names, returns=case.returns or returns,
                         integer_inputs=_integer_inputs(reference, args_before,
                                                        kwargs_before))
        except _Finding as found:
            finding = found
        if warning is not None:
            message = f"warned {warning.category.__name__}: {_short(warning.message)}"
            numeric = (issubclass(warning.category, RuntimeWarning)
                       and any(w in str(warning.message) for w in _NUMERIC_WARNINGS))
            if finding is None:
                hint = _HINT_WARNING if numeric else (case_hint or _HINT_OTHER_WARNING)
                return make_verdict(title, WRONG_STATUS, f"{message}, though the values are "
                                    "right" if numeric else message, case=call, hint=hint)
            return make_verdict(title, WRONG_STATUS, f"{message}; {finding.finding}",
                                case=call, details=finding.details,
                                hint=finding.hint or case_hint or _HINT_NONFINITE)
        if finding is not None:
            return make_verdict(title, WRONG_STATUS, finding.finding, case=call,
                                details=finding.details, hint=finding.hint)
    n = len(cases)
    passed = "the 1 check passed." if n == 1 else f"all {n} checks passed."
    return make_verdict(title, CORRECT_STATUS, passed)


def _verdict_line(candidate: Any, reference: Callable[..., Any], cases: Sequence[Case],
                  title: str, rtol: float, atol: float, rtol32: float,
                  output_names: Sequence[str] | None = None) -> str:
    """Deprecated: the verdict's text on one line; use :func:`judge`."""
    verdict = _judge(candidate, reference, cases, title, rtol, atol, rtol32, output_names, None)
    return " ".join(verdict.text.split())


__all__ += ["judge", "CORRECT_STATUS", "WRONG_STATUS", "NOT_IMPLEMENTED_STATUS"]
