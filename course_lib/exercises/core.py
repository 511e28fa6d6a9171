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
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course_lib.exercises._compare import (
    _HINT_NONFINITE,
    _compare,
    _Finding,
    _first_changed_input,
    _integer_inputs,
    _named_inputs,
    compare_number,
)
from course_lib.exercises._format import (
    LINE_WIDTH,
    MAX_LINES,
    _describe_call,
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
    "your values are right, but an intermediate result overflowed or was invalid (e.g. "
    "exp of a large number, even inside 1 / (1 + ...)); rewrite it so that no step "
    "overflows. np.where evaluates both branches for every element, so evaluate each "
    "branch only where it is used (e.g. on np.minimum(x, 0) or np.maximum(x, 0))."
)
_HINT_OTHER_WARNING = "a correct answer runs silently: find the call that warns."
_HINT_MUTATION = (
    "do not modify the input in place (x[...] = ..., x *= ...); build a new array, "
    "e.g. with np.where or np.maximum, because callers reuse their arrays."
)
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


def _general_hint(hint: str | Mapping[str, str]) -> str:
    return hint.get("", "") if isinstance(hint, Mapping) else hint


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
    diagnoses: Sequence[tuple[str, Callable[..., Any], str]] = (),
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
    diagnoses
        Known wrong answers, ``(label, function, hint)``: when the values are wrong and the
        learner's result equals ``function``'s on that case, the finding names ``label``
        ("the mean over the whole batch, not per feature") and the hint is ``hint`` -
        the hint chosen by what was measured, not the case's.

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
                 rtol32=rtol32, output_names=output_names, returns=returns,
                 diagnoses=diagnoses))


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
    diagnoses: Sequence[tuple[str, Callable[..., Any], str]] = (),
) -> Verdict:
    """The :class:`Verdict` :func:`check_function` prints, neither printed nor recorded.

    For checkers that combine several passes (run each, report the first that is not
    correct). A bug in the checker itself becomes a "wrong" verdict saying so.
    """
    try:
        return _judge(candidate, reference, cases, title, rtol, atol, rtol32, output_names,
                      returns, diagnoses)
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
           returns: type | None, diagnoses: Sequence = ()) -> Verdict:
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
            if "first difference" in found.finding or found.finding.startswith("expected"):
                finding = _diagnosed(found, got, diagnoses, args_before, kwargs_before,
                                     rtol=rtol, atol=atol, rtol32=rtol32,
                                     output_names=output_names)
        if warning is not None:
            message = f"warned {warning.category.__name__}: {_short(warning.message)}"
            numeric = (issubclass(warning.category, RuntimeWarning)
                       and any(w in str(warning.message) for w in _NUMERIC_WARNINGS))
            if finding is None:
                if numeric:
                    hint = f"{case_hint} {_HINT_WARNING}" if case_hint else _HINT_WARNING
                else:
                    hint = case_hint or _HINT_OTHER_WARNING
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


def _diagnosed(found: _Finding, got: Any, diagnoses: Sequence, args: tuple, kwargs: Mapping,
               **tolerances: Any) -> _Finding:
    """``found`` naming the known wrong answer the learner's result equals, if any."""
    for label, wrong, hint in diagnoses:
        try:
            with np.errstate(all="ignore"):
                _compare(_reference_value(wrong, args, kwargs), got, hint="",
                         elementwise_input=None, **tolerances)
        except _Finding:
            continue
        except Exception:  # a diagnosis that does not apply to this case
            continue
        return _Finding(f"{found.finding} ({label})", hint, found.details)
    return found


__all__ += ["judge", "CORRECT_STATUS", "WRONG_STATUS", "NOT_IMPLEMENTED_STATUS"]
