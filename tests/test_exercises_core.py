"""The exercise-checker machinery: one line, never an exception, the right verdict."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from exercise_helpers import verdict

from course_lib.exercises import Verdict, compare_number, core, last_verdict
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


def found(capsys, candidate, cases=CASES, **kw) -> Verdict:
    """The checker's Verdict (after the layout checks of ``run``)."""
    line = run(capsys, candidate, cases, **kw)
    recorded = last_verdict("leaky_relu")
    assert " ".join(recorded.text.split()) == line
    return recorded


def test_reference_is_correct(capsys):
    v = found(capsys, leaky)
    assert (v.status, v.finding, v.case) == ("correct", "all 3 checks passed.", None)
    assert v.text == "leaky_relu: correct - all 3 checks passed."


def test_stub_is_not_implemented(capsys):
    def stub(x, negative_slope=0.01):
        raise NotImplementedError

    v = found(capsys, stub)
    assert v.status == "not_implemented" and v.text.startswith("leaky_relu: not implemented yet")


def test_verdict_fields_and_text_finding_first(capsys):
    def naive(x, negative_slope=0.01):
        return np.maximum(negative_slope * x, x)

    v = found(capsys, naive)
    assert v.status == "wrong"
    assert v.finding == "first difference at x=-2.0: expected -4.0, got -2.0"
    assert v.case == "x=[-2.0, 0.0, 3.0], negative_slope=2.0"
    assert v.hint == "max(a*x, x) needs a < 1."
    text = " ".join(v.text.split())
    assert text.startswith(f"leaky_relu: wrong - {v.finding}. Input: {v.case}.")
    with pytest.raises(ValueError, match="status must be one of"):
        Verdict("x", "right", "", None, "", "")


def test_a_checker_returns_none_and_the_verdict_is_recorded(capsys):
    assert check_function(leaky, leaky, CASES, title="recorded_demo") is None
    capsys.readouterr()
    assert last_verdict("recorded_demo").status == "correct"
    assert last_verdict("never_checked") is None


def test_exception_shows_type_message_and_the_cases_hint(capsys):
    def broken(x, negative_slope=0.01):
        return x + [1, 2]  # noqa: RUF005 - the learner's bug: an array plus a list

    v = found(capsys, broken)
    assert v.finding.startswith("raised ValueError: operands could not be broadcast")
    assert v.case == "x=[-2.0, 0.0, 3.0], negative_slope=2.0"
    assert v.hint.startswith("max(a*x, x) needs a < 1.") and "traceback" in v.hint


def test_numeric_warning_from_a_discarded_branch_gets_the_np_where_hint(capsys):
    def overflowing(x, negative_slope=0.01):
        return np.where(x > 0, x, negative_slope * x + 0 * np.exp(x))  # exp(1000) discarded

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a leaked warning would raise here
        v = found(capsys, overflowing)
    assert v.finding.startswith("warned RuntimeWarning: overflow encountered in exp")
    assert "values are right" in v.finding
    assert "(float32)" in v.case and "np.where evaluates both branches" in v.hint


def test_a_user_warning_is_named_and_gets_the_cases_hint_not_the_np_where_one(capsys):
    def chatty(x, negative_slope=0.01):
        warnings.warn("deprecated call", UserWarning, stacklevel=1)
        return leaky(x, negative_slope)

    v = found(capsys, chatty)
    assert v.finding == "warned UserWarning: deprecated call"
    assert "np.where" not in v.hint and v.hint == "max(a*x, x) needs a < 1."


def test_a_numeric_warning_with_wrong_values_names_both(capsys):
    def log_of_negative(x, negative_slope=0.01):
        return np.log(x)

    v = found(capsys, log_of_negative)
    assert v.finding.startswith("warned RuntimeWarning: ")
    assert "first difference" in v.finding and "np.where" not in v.hint


def test_nan_result_without_warning_is_wrong(capsys):
    def nan_at_large(x, negative_slope=0.01):
        with np.errstate(all="ignore"):
            dtype = x.dtype if x.dtype.kind == "f" else np.float64
            nan = np.where(np.abs(x) > 100, np.nan, 0).astype(dtype)
            return np.where(x > 0, x, negative_slope * x) + nan

    v = found(capsys, nan_at_large)
    assert v.finding.startswith("first difference at x=-1000.0") and "got nan" in v.finding


def test_mutated_input(capsys):
    def in_place(x, negative_slope=0.01):
        x[x < 0] *= negative_slope
        return x

    v = found(capsys, in_place)
    assert v.finding == "modified its input x"
    assert "x was [-2.0, 0.0, 3.0], is now [-4.0, 0.0, 3.0]" in " ".join(v.text.split())


def test_wrong_dtype(capsys):
    def float64_always(x, negative_slope=0.01):
        x = np.asarray(x, dtype=float)
        return np.where(x > 0, x, negative_slope * x)

    v = found(capsys, float64_always)
    assert v.finding == "dtype float64, expected float32"
    assert "float32 in must give float32 out" in v.hint


def test_integer_input_must_be_promoted_and_the_hint_names_the_integer_input(capsys):
    def keeps_int(x, negative_slope=0.01):
        x = np.asarray(x)
        return np.where(x > 0, x, negative_slope * x).astype(x.dtype)

    v = found(capsys, keeps_int)
    assert v.finding == "dtype int64, expected float64" and v.case == "x=[-3, 0, 4] (int64)"
    assert "the integer input x must give a float64 result" in v.hint
    assert "dout" not in v.hint


def test_the_dtype_hint_speaks_of_the_integer_argument_only(capsys):
    def reference(x, y):
        return x * y.astype(np.float64)

    def keeps_int(x, y):
        return (x * y).astype(np.int64)

    cases = (Case((np.array([1.5, 2.0]), np.array([2, 3]))),)
    check_function(keeps_int, reference, cases, title="demo_dtype")
    v = last_verdict("demo_dtype")
    capsys.readouterr()
    assert v.finding == "dtype int64, expected float64"
    assert "the integer input y" in v.hint and "dout" not in v.hint


def test_wrong_shape_and_type(capsys):
    v = found(capsys, lambda x, negative_slope=0.01: leaky(x, negative_slope)[None, :])
    assert v.finding == "shape (1, 3), expected (3,)"
    v = found(capsys, lambda x, negative_slope=0.01: leaky(x, negative_slope).tolist())
    assert v.finding == "returned a list, expected a numpy array"
    v = found(capsys, lambda x, negative_slope=0.01: None)
    assert v.finding == "returned None, expected a numpy array"


def test_not_callable(capsys):
    v = found(capsys, np.array([1.0]))
    assert v.finding == "expected a function, got [1.0]"


def test_tuple_results_and_numbers(capsys):
    def ref(a, b):
        return a @ b, float(a.sum())

    cases = [Case((np.eye(2), np.ones((2, 1))))]
    check_function(ref, ref, cases, title="pair")
    assert capsys.readouterr().out == "pair: correct - the 1 check passed.\n"
    check_function(lambda a, b: (a @ b,), ref, cases, title="pair")
    assert last_verdict("pair").finding == "returned 1 item, expected 2 values"
    check_function(lambda a, b: (a @ b, 3.0), ref, cases, title="pair")
    assert last_verdict("pair").finding == "item 1: expected 2.0, got 3.0"
    capsys.readouterr()


@pytest.mark.parametrize("got, problem", [
    (np.float16(0.6931471805599453), "returned a numpy float16 scalar"),
    (np.float32(0.6931471805599453), "returned a numpy float32 scalar"),
    (np.array(0.6931471805599453, dtype=np.float16), "returned a numpy float16 scalar"),
    (float(np.float32(0.6931471805599453)), "expected 0.69314718"),  # float32 arithmetic
    ("0.693", "returned a str"),
    (None, "returned None"),
    (True, "returned a bool"),
    ([0.6931471805599453], "returned a list"),
])
def test_a_single_number_is_checked_for_its_type_then_compared_in_float64(got, problem):
    assert np.float16(0.6931471805599453) == 0.6931471805599453  # why: NumPy 2 compares in f16
    finding = compare_number(0.6931471805599453, got)
    assert finding is not None and problem in finding, finding


@pytest.mark.parametrize("got", [0.6931471805599453, np.float64(0.6931471805599453),
                                 np.array(0.6931471805599453)])
def test_a_float64_number_is_accepted_in_any_float64_form(got):
    assert compare_number(0.6931471805599453, got) is None


def test_an_int_is_asked_for_by_an_int_reference_or_by_returns():
    assert compare_number(3, 3.0) == "returned a float 3.0, expected an int"
    assert compare_number(3, np.float64(3.0)) == "returned a float 3.0, expected an int"
    assert compare_number(3, np.int64(3)) is None and compare_number(3, 3) is None
    assert compare_number(3, 4) == "expected 3, got 4"
    assert compare_number(3.0, 3.0, returns=int) == "returned a float 3.0, expected an int"
    assert compare_number(2.0, 2) is None  # an int where a float is asked is exact


def test_case_returns_states_the_result_type_and_the_hint_names_it(capsys):
    def size(n):
        return (n - 3) // 2 + 1

    cases = (Case((9,), returns=int),)
    check_function(lambda n: (n - 3) / 2 + 1, size, cases, title="demo_size")
    v = last_verdict("demo_size")
    assert v.finding == "returned a float 4.0, expected an int" and "int" in v.hint
    check_function(lambda n: float((n - 3) / 2 + 1), lambda n: 4.0, cases, title="demo_size")
    assert last_verdict("demo_size").status == "wrong"  # returns=int wins over the reference
    check_function(lambda n: np.float32(0.25), lambda n: 0.25, (Case((1,)),), title="demo_f")
    assert last_verdict("demo_f").finding.startswith("returned a numpy float32 scalar")
    capsys.readouterr()


def test_the_finding_comes_first_even_for_large_inputs(capsys):
    big = np.linspace(-3.0, 3.0, 400).reshape(20, 20)
    cases = (Case((big,), {"negative_slope": 0.5}, hint="the hint survives"),)

    def broken(x, negative_slope=0.01):
        raise KeyError("w2")

    v = found(capsys, broken, cases=cases)
    lines = v.text.splitlines()
    assert lines[0].startswith("leaky_relu: wrong - raised KeyError: 'w2'")
    assert v.case == ("x=an array of shape (20, 20), float64, values from -3.0 to 3.0, "
                      "negative_slope=0.5")
    assert "the hint survives" in v.hint and "Hint: the hint survives" in v.text


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
    v = found(capsys, keeps_int, cases=cases)
    assert "integer dtype int64" in v.hint and "promote" in v.hint


def test_tuple_items_are_named_and_get_their_own_hints(capsys):
    def reference(x):
        return x * 2.0, x + 1.0

    def wrong_second(x):
        return x * 2.0, x + 2.0

    cases = (Case((np.array([1.0, 2.0]),), hint={"dx": "about dx", "dgamma": "about dgamma"}),)
    check_function(wrong_second, reference, cases, title="demo", output_names=("dx", "dgamma"))
    capsys.readouterr()
    v = last_verdict("demo")
    assert v.finding.startswith("dgamma: first difference at x=1.0")
    assert v.hint == "about dgamma"


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
    assert line.startswith("leaky_relu: wrong - first difference at x=-2.0: got -3.0, which "
                           "is not the expected value")
    assert "got [-3.0, 1.0, 4.0], which is not the expected value" in line
    assert "-4.0" not in line  # the expected value stays hidden
    assert "expected [-4.0, 0.0, 3.0]" in run(capsys, off)
    with pytest.raises(TypeError, match="show must be True or False"):
        show_expected("no")


def test_float32_arithmetic_in_a_float64_answer_is_named_by_what_was_measured(capsys):
    def in_float32(x, negative_slope=0.01):
        x32 = np.asarray(x, dtype=np.float32)
        return leaky(x32, np.float32(negative_slope)).astype(np.float64)

    cases = (Case((np.array([-2.5, -0.3, 1.7]),), {"negative_slope": 0.1},
                  hint="x is 2-D here: work on whole arrays"),)
    v = found(capsys, in_float32, cases=cases, rtol=1e-12)
    assert "float32 arithmetic" in v.finding
    assert "computed in float64" in v.hint and "2-D" not in v.hint


def test_a_known_wrong_answer_is_named_and_gets_its_own_hint(capsys):
    def forgot_slope(x, negative_slope=0.01):
        return np.where(np.asarray(x) > 0, x, 0.0).astype(float)

    diagnoses = [("a plain ReLU: negative_slope unused", forgot_slope, "use negative_slope.")]
    cases = CASES[:1]
    check_function(forgot_slope, leaky, cases, title="leaky_relu", diagnoses=diagnoses)
    v = last_verdict("leaky_relu")
    assert v.finding.endswith("(a plain ReLU: negative_slope unused)")
    assert v.hint == "use negative_slope."
    check_function(lambda x, negative_slope=0.01: 3 * x, leaky, cases, title="leaky_relu",
                   diagnoses=diagnoses)
    assert last_verdict("leaky_relu").hint == "max(a*x, x) needs a < 1."  # the case's own
    capsys.readouterr()
