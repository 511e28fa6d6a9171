"""The exercise-checker machinery: one line, never an exception, the right verdict."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from exercise_helpers import verdict

from course_lib.exercises import core
from course_lib.exercises.core import Case, check_function, format_value


def leaky(x, negative_slope=0.01):
    x = np.asarray(x)
    if x.dtype.kind in "iub":
        x = x.astype(np.float64)
    return np.where(x > 0, x, negative_slope * x)


CASES = (
    Case((np.array([-2.0, 0.0, 3.0]),), {"negative_slope": 2.0}, hint="max(a*x, x) needs a < 1."),
    Case((np.array([-1000.0, 0.0, 1000.0], dtype=np.float32),), hint="large |x|"),
    Case((np.array([-3, 0, 4]),), hint="integers"),
)


def run(capsys, candidate, cases=CASES, **kw):
    """The checker's verdict folded onto one line (layout rules: see exercise_helpers)."""
    return verdict(
        capsys, lambda c: check_function(c, leaky, cases, title="leaky_relu", **kw), candidate
    )


def test_reference_is_correct(capsys):
    assert run(capsys, leaky) == "leaky_relu: correct - all 3 checks passed."


def test_stub_is_not_implemented(capsys):
    def stub(x, negative_slope=0.01):
        raise NotImplementedError

    assert run(capsys, stub).startswith("leaky_relu: not implemented yet - ")


def test_wrong_value_reports_input_expected_got_and_case_hint(capsys):
    def naive(x, negative_slope=0.01):
        return np.maximum(negative_slope * x, x)

    line = run(capsys, naive)
    assert line == (
        "leaky_relu: wrong - for x=[-2.0, 0.0, 3.0], negative_slope=2.0: expected "
        "[-4.0, 0.0, 3.0], got [-2.0, 0.0, 6.0] (first difference at x=-2.0: expected -4.0, "
        "got -2.0). Hint: max(a*x, x) needs a < 1."
    )


def test_exception_in_learner_code_is_a_verdict(capsys):
    def broken(x, negative_slope=0.01):
        return x + [1, 2]  # noqa: RUF005 - the learner's bug: an array plus a list

    line = run(capsys, broken)
    assert line.startswith("leaky_relu: wrong - for x=[-2.0, 0.0, 3.0], negative_slope=2.0: ")
    assert "your code raised ValueError: operands could not be broadcast" in line


def test_runtime_warning_is_a_verdict_not_stderr(capsys):
    def overflowing(x, negative_slope=0.01):
        return np.where(x > 0, x, negative_slope * (np.exp(-x) - 1) * 0 + negative_slope * x)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a leaked warning would raise here
        line = run(capsys, overflowing)
    assert "x=[-1000.0, 0.0, 1000.0] (float32)" in line
    assert "your code warned RuntimeWarning: overflow encountered in exp" in line
    assert line.endswith("large |x|")


def test_nan_result_without_warning_is_wrong(capsys):
    def nan_at_large(x, negative_slope=0.01):
        with np.errstate(all="ignore"):
            dtype = x.dtype if x.dtype.kind == "f" else np.float64
            nan = np.where(np.abs(x) > 100, np.nan, 0).astype(dtype)
            return np.where(x > 0, x, negative_slope * x) + nan

    line = run(capsys, nan_at_large)
    assert "got nan" in line and "first difference at x=-1000.0" in line


def test_mutated_input(capsys):
    def in_place(x, negative_slope=0.01):
        x[x < 0] *= negative_slope
        return x

    line = run(capsys, in_place)
    assert "your code modified its input (x was [-2.0, 0.0, 3.0], is now [-4.0, 0.0, 3.0])" in line


def test_wrong_dtype(capsys):
    def float64_always(x, negative_slope=0.01):
        x = np.asarray(x, dtype=float)
        return np.where(x > 0, x, negative_slope * x)

    line = run(capsys, float64_always)
    assert "expected dtype float32, got float64" in line


def test_integer_input_must_be_promoted(capsys):
    def keeps_int(x, negative_slope=0.01):
        x = np.asarray(x)
        return np.where(x > 0, x, negative_slope * x).astype(x.dtype)

    line = run(capsys, keeps_int)
    assert "for x=[-3, 0, 4] (int64): expected dtype float64, got int64" in line


def test_wrong_shape_and_type(capsys):
    line = run(capsys, lambda x, negative_slope=0.01: leaky(x, negative_slope)[None, :])
    assert "expected shape (3,), got shape (1, 3)" in line
    line = run(capsys, lambda x, negative_slope=0.01: leaky(x, negative_slope).tolist())
    assert "expected a numpy array [-4.0, 0.0, 3.0], got a list" in line


def test_not_callable(capsys):
    line = run(capsys, np.array([1.0]))
    assert line.startswith("leaky_relu: wrong - expected a function, got [1.0]")


def test_tuple_results_and_numbers(capsys):
    def ref(a, b):
        return a @ b, float(a.sum())

    cases = [Case((np.eye(2), np.ones((2, 1))))]
    check_function(ref, ref, cases, title="pair")
    assert capsys.readouterr().out == "pair: correct - the 1 check passed.\n"
    check_function(lambda a, b: (a @ b,), ref, cases, title="pair")
    assert "expected a tuple of 2 items, got 1 items" in capsys.readouterr().out
    check_function(lambda a, b: (a @ b, 3.0), ref, cases, title="pair")
    assert "expected 2.0, got 3.0 in item 1" in capsys.readouterr().out


def test_checker_bug_does_not_raise(capsys):
    def bad_reference(x):
        raise RuntimeError("reference broke")

    check_function(lambda x: x, bad_reference, [Case((1.0,))], title="t")
    out = capsys.readouterr().out
    assert out.startswith("t: wrong - the checker itself failed (RuntimeError: reference broke)")


def test_tolerance_for_float32_and_float64(capsys):
    x64 = np.array([1.0, 2.0])
    x32 = x64.astype(np.float32)
    off = lambda x: x * (1 + 1e-6)  # noqa: E731 - within float32 but not float64 tolerance
    check_function(off, lambda x: x.copy(), [Case((x32,))], title="t")
    assert "correct" in capsys.readouterr().out
    check_function(off, lambda x: x.copy(), [Case((x64,))], title="t")
    assert "wrong" in capsys.readouterr().out


@pytest.mark.parametrize(
    "value, text",
    [
        (np.float64(2.5), "2.5"),
        (np.float32(0.1), "0.1"),
        (np.int64(3), "3"),
        (-0.0, "-0.0"),
        (np.array([1.0, np.nan, np.inf]), "[1.0, nan, inf]"),
        (np.arange(20.0), "[0.0, 1.0, 2.0, ..., 17.0, 18.0, 19.0] (shape (20,))"),
        (np.zeros((2, 2), np.float32), "[[0.0, 0.0], [0.0, 0.0]] (float32, shape (2, 2))"),
        ((1.0, np.array([2.0])), "(1.0, [2.0])"),
        (object(), "a object object"),
    ],
)
def test_format_value_is_short_and_deterministic(value, text):
    assert format_value(value) == text


# --- answers that used to fool the checker, and a notebook's numeric state --------------------
class _AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.broadcast(self, other).shape, dtype=bool)

    __ne__ = lambda self, other: np.zeros(np.broadcast(self, other).shape, dtype=bool)  # noqa: E731


def test_an_ndarray_subclass_whose_equality_is_always_true_is_judged_on_its_values(capsys):
    def fooling(x, negative_slope=0.01):
        return np.zeros_like(leaky(x, negative_slope)).view(_AlwaysEqual)

    assert run(capsys, fooling).startswith("leaky_relu: wrong")


def test_a_masked_array_is_judged_on_its_data_masked_or_not(capsys):
    def masked(x, negative_slope=0.01):
        y = leaky(x, negative_slope)
        wrong = np.where(y < 0, 0.0, y)  # wrong where masked
        return np.ma.masked_array(wrong, mask=y < 0)

    assert run(capsys, masked).startswith("leaky_relu: wrong")

    def masked_right(x, negative_slope=0.01):
        y = leaky(x, negative_slope)
        return np.ma.masked_array(y, mask=np.zeros(y.shape, bool))

    assert run(capsys, masked_right).startswith("leaky_relu: correct")


def test_seterr_raise_in_the_notebook_does_not_break_the_checker(capsys):
    old = np.seterr(all="raise")
    try:
        assert run(capsys, leaky) == "leaky_relu: correct - all 3 checks passed."
    finally:
        np.seterr(**old)


def test_an_answer_that_runs_too_long_is_stopped_with_a_verdict(capsys, monkeypatch):
    monkeypatch.setattr(core, "TIME_LIMIT", 0.2)

    def endless(x, negative_slope=0.01):
        while True:
            pass

    line = run(capsys, endless)
    assert line.startswith("leaky_relu: wrong") and "more than 0.2 s" in line


def test_integer_result_gets_the_promotion_hint_not_the_generic_one(capsys):
    def keeps_int(x, negative_slope=0.01):
        x = np.asarray(x)
        return np.where(x > 0, x, 0 * x)  # integer input stays integer

    cases = (Case((np.array([-3, 0, 4]),)),)
    line = run(capsys, keeps_int, cases=cases)
    assert "integer dtype int64" in line and "promote" in line


def test_tuple_items_are_named_and_get_their_own_hints(capsys):
    def reference(x):
        return x * 2.0, x + 1.0

    def wrong_second(x):
        return x * 2.0, x + 2.0

    cases = (Case((np.array([1.0, 2.0]),), hint={"dx": "about dx", "dgamma": "about dgamma"}),)
    check_function(wrong_second, reference, cases, title="demo", output_names=("dx", "dgamma"))
    line = " ".join(capsys.readouterr().out.split())
    assert "in dgamma" in line and "about dgamma" in line and "about dx" not in line


def test_long_messages_are_cut_but_keep_the_hint(capsys):
    big = (Case((np.arange(10000.0).reshape(100, 100),), hint="the hint survives"),)

    def off(x, negative_slope=0.01):
        return leaky(x, negative_slope) + 1.0

    line = run(capsys, off, cases=big)
    assert "the hint survives" in line and len(line) < 800


def test_expected_values_can_be_hidden(capsys):
    from course_lib.exercises import show_expected

    def off(x, negative_slope=0.01):
        return leaky(x, negative_slope) + 1.0

    show_expected(False)
    try:
        line = run(capsys, off)
    finally:
        show_expected(True)
    assert line.startswith("leaky_relu: wrong - for x=[-2.0, 0.0, 3.0]")
    assert "got [-3.0, 1.0, 4.0], which is not the expected value" in line
    assert "-4.0" not in line  # the expected value stays hidden
    assert "expected [-4.0, 0.0, 3.0]" in run(capsys, off)
    with pytest.raises(TypeError, match="show must be True or False"):
        show_expected("no")
