"""Checkers of course_lib.exercises.summary: the algebraic rectifier, E f(Z), the self-test."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from exercise_helpers import judged, rejects, stub, verdict
from exercise_mutations import ARRAY_KINDS, wrong_answers

from course_lib import activations
from course_lib.exercises import summary

# --- the reference solutions are right --------------------------------------------------------


def mp_algebraic_softplus(x, b):
    """f and f' straight from the definition, with enough digits to survive the cancellation."""
    digits = 30 + 2 * int(math.log10(abs(float(x)) + 1.0))
    with mpmath.workdps(digits):
        x, b = mpmath.mpf(float(x)), mpmath.mpf(b)
        h = mpmath.sqrt(x * x + b)
        return (x + h) / 2, (1 + x / h) / 2


POINTS = np.concatenate([
    -np.logspace(-3, 300, 120), [0.0], np.logspace(-3, 300, 120),
    np.linspace(-5.0, 5.0, 41),
])


@pytest.mark.parametrize("b", [4.0, 1.0, 0.25])
def test_algebraic_softplus_solution_matches_mpmath_in_float64(b):
    y, dy = summary.algebraic_softplus_solution(POINTS, b)
    assert y.dtype == dy.dtype == np.float64
    for x, got, dgot in zip(POINTS, y, dy, strict=True):
        ref, dref = mp_algebraic_softplus(x, b)
        if abs(ref) >= np.finfo(np.float64).tiny:
            assert abs(got - float(ref)) <= 4e-16 * abs(float(ref)), (x, got, ref)
        if abs(dref) >= np.finfo(np.float64).tiny:
            assert abs(dgot - float(dref)) <= 4e-16 * abs(float(dref)), (x, dgot, dref)


def test_algebraic_softplus_solution_in_float32_and_for_integers():
    x = np.array([-1e30, -1e10, -3.0, 0.0, 0.5, 1e10, 1e30], dtype=np.float32)
    y, dy = summary.algebraic_softplus_solution(x)
    assert y.dtype == dy.dtype == np.float32
    for xi, got, dgot in zip(x, y, dy, strict=True):
        ref, dref = (float(v) for v in mp_algebraic_softplus(xi, 4.0))
        assert abs(got - ref) <= 3e-7 * abs(ref)
        if abs(dref) >= np.finfo(np.float32).tiny:
            assert abs(dgot - dref) <= 3e-7 * abs(dref)
    y_int, _ = summary.algebraic_softplus_solution(np.array([-2, 0, 2]))
    assert y_int.dtype == np.float64


def test_algebraic_softplus_derivative_matches_central_differences():
    x = np.linspace(-6.0, 6.0, 121)
    step = 1e-6
    numeric = (summary.algebraic_softplus_solution(x + step)[0]
               - summary.algebraic_softplus_solution(x - step)[0]) / (2 * step)
    np.testing.assert_allclose(summary.algebraic_softplus_solution(x)[1], numeric,
                               rtol=1e-8, atol=1e-10)


def test_mean_output_solution_matches_closed_forms_and_the_property_table():
    assert summary.mean_output_solution(activations.relu) == pytest.approx(
        1 / math.sqrt(2 * math.pi), rel=1e-7)
    assert summary.mean_output_solution(activations.gelu) == pytest.approx(
        1 / (2 * math.sqrt(math.pi)), rel=1e-7)
    assert summary.mean_output_solution(activations.sigmoid) == pytest.approx(0.5, rel=1e-12)
    names = ["elu", "softplus", "swish", "mish", "selu", "tanh"]
    table = activations.property_table(names)
    for name in names:
        got = summary.mean_output_solution(activations.get(name))
        assert got == pytest.approx(table.loc[name, "mean_output"], rel=1e-6, abs=1e-8), name


# --- algebraic_softplus: correct styles, stub, wrong answers ----------------------------------


def two_formulas_style(x, b=4.0):
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    h = np.hypot(x, math.sqrt(b))
    positive = 0.5 * (np.abs(x) + h)
    negative = b / (2.0 * (np.abs(x) + h))
    y = np.where(x >= 0, positive, negative)
    slope = np.where(x >= 0, 0.5 * (1.0 + np.abs(x) / h), y / h)
    return y, slope


def float64_then_round_style(x, b=4.0):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype == np.float32 else np.float64
    y, dy = summary.algebraic_softplus_solution(x.astype(np.float64), b)
    return y.astype(dtype), dy.astype(dtype)


def boolean_index_style(x, b=4.0):
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    h = np.hypot(x, math.sqrt(b))
    y = np.empty_like(x)
    pos = x >= 0
    y[pos] = 0.5 * (x[pos] + h[pos])
    y[~pos] = 0.5 * b / (h[~pos] - x[~pos])
    return y, y / h


@pytest.mark.parametrize("candidate", [two_formulas_style,
                                       float64_then_round_style, boolean_index_style])
def test_algebraic_softplus_accepts_correct_styles(capsys, candidate):
    assert "algebraic_softplus: correct - all 8 checks passed." in verdict(
        capsys, summary.check_algebraic_softplus, candidate)


def test_algebraic_softplus_stub_is_not_implemented(capsys):
    line = verdict(capsys, summary.check_algebraic_softplus, stub)
    assert line.startswith("algebraic_softplus: not implemented yet")


def naive(x, b=4.0):
    x = np.asarray(x, dtype=np.result_type(x, np.float32))
    h = np.sqrt(x * x + b)
    return (x + h) / 2, (1 + x / h) / 2


def hypot_but_cancelling(x, b=4.0):
    x = np.asarray(x, dtype=np.result_type(x, np.float32))
    h = np.hypot(x, math.sqrt(b))
    return (x + h) / 2, (1 + x / h) / 2


def cancelling_derivative(x, b=4.0):
    y, _ = summary.algebraic_softplus_solution(x, b)
    x = np.asarray(x, dtype=y.dtype)
    return y, 0.5 * (1 + x / np.hypot(x, math.sqrt(b)))


def where_dividing_by_zero(x, b=4.0):
    x = np.asarray(x, dtype=np.result_type(x, np.float32))
    h = np.hypot(x, math.sqrt(b))
    y = np.where(x >= 0, 0.5 * (x + h), 0.5 * b / (h - x))
    z = np.where(x >= 0, 0.5 * (h - x), 0.0)  # noqa: F841 - the same trap, other side
    return y, y / h


def float64_sqrt_constant(x, b=4.0):
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    h = np.hypot(x, np.sqrt(b))  # a float64 scalar: float32 becomes float64
    a = np.abs(x)
    y = np.where(x >= 0, 0.5 * (a + h), 0.5 * b / (a + h))
    return y, y / h


def missing_half(x, b=4.0):
    y, dy = summary.algebraic_softplus_solution(x, b)
    return 2 * y, 2 * dy


def fixed_b(x, b=4.0):
    return summary.algebraic_softplus_solution(x, 4.0)


def value_only(x, b=4.0):
    return summary.algebraic_softplus_solution(x, b)[0]


def integer_truncating(x, b=4.0):
    x = np.asarray(x)
    y, dy = summary.algebraic_softplus_solution(x, b)
    out, dout = np.empty_like(x), np.empty_like(x)
    out[...], dout[...] = y, dy
    return out, dout


def in_place(x, b=4.0):
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    y, dy = summary.algebraic_softplus_solution(x.copy(), b)
    x[...] = y
    return x, dy


def one_dimensional_only(x, b=4.0):
    y = np.array([0.5 * (v + math.hypot(v, math.sqrt(b))) if v >= 0
                  else 0.5 * b / (math.hypot(v, math.sqrt(b)) - v) for v in x])
    return y, y / np.array([math.hypot(v, math.sqrt(b)) for v in x])


def derivative_sign(x, b=4.0):
    y, dy = summary.algebraic_softplus_solution(x, b)
    return y, 1 - dy


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (naive, "subtracts two nearly equal numbers"),
        (hypot_but_cancelling, "subtracts two nearly equal numbers"),
        (cancelling_derivative, "item 1:"),
        (where_dividing_by_zero, "divide by zero"),
        (float64_sqrt_constant, "dtype float64, expected float32"),
        (missing_half, "f = sqrt(b)/2 = 1"),
        (fixed_b, "use the parameter b"),
        (value_only, "expected 2 values"),
        (integer_truncating, "dtype int64, expected float64"),
        (in_place, "modified its input"),
        (one_dimensional_only, "raised"),
        (derivative_sign, "item 1:"),
    ],
)
def test_algebraic_softplus_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, summary.check_algebraic_softplus, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


def test_naive_formula_overflows_for_huge_inputs(capsys):
    def hypot_free_but_stable(x, b=4.0):  # the cancellation fixed, x**2 kept
        x = np.asarray(x, dtype=np.result_type(x, np.float32))
        h = np.sqrt(x * x + b)
        a = np.abs(x)
        y = np.where(x >= 0, 0.5 * (a + h), 0.5 * b / (a + h))
        return y, y / h

    line = verdict(capsys, summary.check_algebraic_softplus, hypot_free_but_stable)
    assert "overflow" in line and "np.hypot" in line


# --- mean_output ------------------------------------------------------------------------------


def simpson_style(f):
    from scipy.integrate import simpson

    z = np.linspace(-10.0, 10.0, 20_001)
    return float(simpson(f(z) * np.exp(-z * z / 2) / np.sqrt(2 * np.pi), x=z))


def gauss_hermite_split_style(f):
    # Gauss-Legendre panels, split at 0 (where relu-like functions have their kink)
    nodes, weights = np.polynomial.legendre.leggauss(40)
    total = 0.0
    for lo, hi in [(-12.0, -6.0), (-6.0, -2.0), (-2.0, 0.0), (0.0, 2.0), (2.0, 6.0), (6.0, 12.0)]:
        z = 0.5 * (hi - lo) * nodes + 0.5 * (hi + lo)
        total += 0.5 * (hi - lo) * np.sum(weights * f(z) * np.exp(-z * z / 2))
    return total / math.sqrt(2 * math.pi)


@pytest.mark.parametrize("candidate", [simpson_style,
                                       gauss_hermite_split_style])
def test_mean_output_accepts_correct_styles(capsys, candidate):
    assert "mean_output: correct - all 6 checks passed." in verdict(
        capsys, summary.check_mean_output, candidate)


def test_mean_output_stub_is_not_implemented(capsys):
    assert verdict(capsys, summary.check_mean_output, stub).startswith(
        "mean_output: not implemented yet")


def monte_carlo(f):
    return float(np.mean(f(np.random.default_rng(0).standard_normal(100_000))))


def no_normalisation(f):
    z = np.linspace(-12.0, 12.0, 24_001)
    return float(np.trapezoid(f(z) * np.exp(-z * z / 2), z))


def narrow_interval(f):
    z = np.linspace(-3.0, 3.0, 6_001)
    return float(np.trapezoid(f(z) * np.exp(-z * z / 2) / np.sqrt(2 * np.pi), z))


def unweighted_grid_mean(f):
    return float(np.mean(f(np.linspace(-4.0, 4.0, 8_001))))


def value_at_zero(f):
    return float(f(0.0))


def sum_without_step(f):
    z = np.linspace(-12.0, 12.0, 24_001)
    return float(np.sum(f(z) * np.exp(-z * z / 2) / np.sqrt(2 * np.pi)))


def wrong_variance(f):
    z = np.linspace(-12.0, 12.0, 24_001)
    return float(np.trapezoid(f(z) * np.exp(-z * z) / np.sqrt(np.pi), z))


def returns_integrand(f):
    z = np.linspace(-12.0, 12.0, 24_001)
    return f(z) * np.exp(-z * z / 2) / np.sqrt(2 * np.pi)


def coarse_grid(f):
    z = np.linspace(-12.0, 12.0, 25)
    return float(np.trapezoid(f(z) * np.exp(-z * z / 2) / np.sqrt(2 * np.pi), z))


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (monte_carlo, "1/sqrt(2 pi) = 0.3989"),
        (no_normalisation, "expected 0.39894228"),
        (narrow_interval, "expected 0.39894228, got 0.3945104"),
        (unweighted_grid_mean, "normal density"),
        (value_at_zero, "expected 0.39894228, got 0.0"),
        (sum_without_step, "expected 0.39894228"),
        (wrong_variance, "expected 0.39894228"),
        (returns_integrand, "expected a number"),
        (coarse_grid, "expected 0.39894228"),
    ],
)
def test_mean_output_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, summary.check_mean_output, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


# --- the self-test questions --------------------------------------------------------------------

QUESTIONS = {
    summary.check_cheat_sheet_monotonic: ("c", ["a", "b"]),
    summary.check_selftest_linear_stack: ("a", ["b", "c"]),
    summary.check_selftest_batchnorm_eval: ("b", ["a", "c"]),
    summary.check_selftest_softmax_shift: ("b", ["a", "c"]),
    summary.check_selftest_sigmoid_depth: (9.5e-7, [0.25, 1e-3, 0.0, -9.5e-7]),
    summary.check_selftest_time_decay: (47, [46, 48, 100, 10]),
    summary.check_selftest_int8_memory: (4, [2, 8, 0.25]),
}


def answer_line(capsys, check, answer):
    assert check(answer) is None
    out, err = capsys.readouterr()
    assert err == "" and out.endswith("\n")
    return " ".join(out.split())


@pytest.mark.parametrize("check", list(QUESTIONS), ids=lambda c: c.__name__)
def test_self_test_questions(capsys, check):
    name = check.__name__.removeprefix("check_")
    right, wrong = QUESTIONS[check]
    assert answer_line(capsys, check, right).startswith(f"{name}: correct - ")
    for answer in wrong:
        assert answer_line(capsys, check, answer).startswith(f"{name}: wrong - "), answer
    assert answer_line(capsys, check, None).startswith(f"{name}: not answered yet")
    for garbage in ("zz", "", [1], {"a": 1}, float("nan"), float("inf"), object()):
        assert answer_line(capsys, check, garbage).startswith(f"{name}: wrong - "), garbage


def test_monotonic_question_matches_the_property_table():
    table = activations.property_table(["elu", "softplus", "gelu"])
    assert table["monotonic"].tolist() == [True, True, False]
    x = np.linspace(-3.0, 0.0, 300_001)
    assert x[np.argmin(activations.gelu(x))] == pytest.approx(-0.75, abs=0.005)


def test_softmax_question_states_what_numpy_does():
    with np.errstate(over="ignore", invalid="ignore"):
        scores = np.array([1000.0, 1001.0])
        naive_softmax = np.exp(scores) / np.exp(scores).sum()
    assert np.isnan(naive_softmax).all()
    np.testing.assert_allclose(activations.softmax(scores), [0.269, 0.731], atol=5e-4)
    assert math.ceil(10 * math.log(100)) == 47 and math.exp(-4.7) < 0.01 < math.exp(-4.6)


# --- every kind of wrong answer, made from a right one (tests/exercise_mutations.py) ---


_WRONG_ALGEBRAIC_SOFTPLUS = wrong_answers(
    summary.algebraic_softplus_solution,
    ARRAY_KINDS,
)


@pytest.mark.parametrize("candidate, expected", _WRONG_ALGEBRAIC_SOFTPLUS)
def test_algebraic_softplus_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, summary.check_algebraic_softplus, candidate, expected)
    assert found.name == "algebraic_softplus"


_WRONG_MEAN_OUTPUT = wrong_answers(
    summary.mean_output_solution,
    ("None", "raises", "float16 number", "float32 number"),
)


@pytest.mark.parametrize("candidate, expected", _WRONG_MEAN_OUTPUT)
def test_mean_output_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, summary.check_mean_output, candidate, expected)
    assert found.name == "mean_output"


def test_algebraic_softplus_looks_between_the_chosen_points(capsys):
    def cut_off(x, b=4.0):  # f is 0 below -100: right at -1e3 ... -1e12 to 1e-3 absolute
        y, dy = summary.algebraic_softplus_solution(x, b)
        x = np.asarray(x)
        return np.where((x < -50) & (x > -200), 0.0, y).astype(y.dtype), dy

    found = rejects(capsys, summary.check_algebraic_softplus, cut_off, "first difference")
    assert "dense grid" in found.hint


# --- every checker input, against mpmath --------------------------------------------------------


@pytest.mark.parametrize("case", summary.ALGEBRAIC_SOFTPLUS_CASES,
                         ids=lambda c: str(c.args[0])[:20])
def test_the_algebraic_softplus_reference_on_every_case_agrees_with_mpmath(case):
    mpmath.mp.dps = 60
    x = np.asarray(case.args[0])
    b = mpmath.mpf(case.args[1] if len(case.args) > 1 else 4.0)
    xs = [mpmath.mpf(float(v)) for v in x.ravel()]
    # for x < 0 the same number as b / (2 (sqrt(x^2 + b) - x)): 60 digits cannot hold the
    # cancellation of x + sqrt(x^2 + b) at x = -1e300
    f = [(v + mpmath.sqrt(v * v + b)) / 2 if v >= 0 else b / (2 * (mpmath.sqrt(v * v + b) - v))
         for v in xs]
    df = [(1 + v / mpmath.sqrt(v * v + b)) / 2 for v in xs]
    y, dy = summary.algebraic_softplus_solution(*case.args)
    rtol = 1e-6 if y.dtype == np.float32 else 1e-14
    np.testing.assert_allclose(y, np.array([float(v) for v in f]).reshape(x.shape), rtol=rtol)
    np.testing.assert_allclose(dy, np.array([float(v) for v in df]).reshape(x.shape), rtol=rtol,
                               atol=1e-44 if y.dtype == np.float32 else 1e-300)  # underflow
