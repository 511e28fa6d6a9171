"""Checkers of course_lib.exercises.custom (and of .own_activation, which it re-exports):
accept right answers, reject typical mistakes."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from exercise_helpers import answer, judged, rejects, stub, verdict
from exercise_mutations import NUMBER_KINDS, wrong_answers

from course_lib import custom
from course_lib.exercises import custom as ex
from course_lib.exercises import own_activation
from course_lib.exercises.help import solution


def c1(capsys, forward, backward) -> str:
    return verdict(capsys, lambda pair: ex.check_custom_c1_activation(*pair), (forward, backward))


# --- the references are right ---------------------------------------------------------------


def test_c1_join_solution_matches_mpmath_and_makes_the_join_c1():
    mpmath.mp.dps = 40
    for alpha, beta, c in [(0.5, 1.0, 0.0), (2.0, 3.0, -1.5), (0.5, 1.0, 800.0),
                           (0.5, 2.0, -30.0)]:
        a0, a1 = ex.c1_join_coefficients_solution(alpha, beta, c)
        assert a0 == pytest.approx(float(beta * mpmath.log1p(mpmath.exp(c))), rel=1e-14)
        assert a1 == pytest.approx(float(beta / (1 + mpmath.exp(-c))), rel=1e-14)
    # the quadratic continues beta * softplus at c = -1.5: value and one-sided slopes agree
    alpha, beta, c, h = 2.0, 3.0, -1.5, 1e-6
    a0, a1 = ex.c1_join_coefficients_solution(alpha, beta, c)
    q = lambda x: a0 + a1 * (x - c) + alpha * (x - c) ** 2  # noqa: E731
    left = lambda x: beta * math.log1p(math.exp(x))  # noqa: E731
    assert q(c) == pytest.approx(left(c), rel=1e-15)
    assert (q(c + h) - q(c)) / h == pytest.approx((left(c) - left(c - h)) / h, rel=1e-5)


def test_c1_activation_solution_is_celu_and_c1():
    import torch

    x = np.linspace(-5.0, 5.0, 101)
    S = ex.CustomC1ActivationSolution
    expected = torch.nn.functional.celu(torch.from_numpy(x), alpha=1.0).numpy()
    np.testing.assert_allclose(S.forward(x), expected, rtol=1e-15, atol=1e-16)
    xt = torch.tensor(x, requires_grad=True)
    torch.nn.functional.celu(xt, alpha=1.0).sum().backward()
    np.testing.assert_allclose(S.backward(x, np.ones_like(x)), xt.grad.numpy(), rtol=1e-15)


# --- question -------------------------------------------------------------------------------


def test_question_discontinuous_value_at_1000(capsys):
    check = ex.check_discontinuous_value_at_1000
    assert "correct" in answer(capsys, check, "c")
    assert "correct" in answer(capsys, check, " C ")
    assert " wrong - you chose (a)" in answer(capsys, check, "a")
    assert " wrong - you chose (b)" in answer(capsys, check, "b")
    assert "not answered yet" in answer(capsys, check, None)
    assert "answer with one of the letters" in answer(capsys, check, "nan")
    assert "answer with one of the letters" in answer(capsys, check, 3)
    # and the answer is what the function really does
    assert np.isnan(custom.discontinuous_activation(np.array([1000.0])))[0]


def test_question_gradcheck_next_to_jump(capsys):
    check = ex.check_gradcheck_next_to_jump
    assert "correct" in answer(capsys, check, "a")
    assert " wrong - you chose (b)" in answer(capsys, check, "b")
    assert " wrong - you chose (c)" in answer(capsys, check, "c")
    assert "not answered yet" in answer(capsys, check, None)
    assert "answer with one of the letters" in answer(capsys, check, ["a"])
    # and the answer is true: at x = 0.001 the central difference matches the derivative
    x, h = 1e-3, 1e-6
    fd = (custom.discontinuous_activation(x + h) - custom.discontinuous_activation(x - h)) / (2 * h)
    assert abs(fd - custom.discontinuous_activation_grad(x)) < 1e-9


# --- short exercise: C¹ join coefficients -----------------------------------------------------


def join_with_logaddexp(alpha, beta, c):
    return beta * np.logaddexp(c, 0.0), beta * 0.5 * (1.0 + np.tanh(0.5 * c))


def join_two_branch(alpha, beta, c):
    z = math.exp(-abs(c))
    softplus = max(c, 0.0) + math.log1p(z)
    sig = 1 / (1 + z) if c >= 0 else z / (1 + z)
    return beta * softplus, beta * sig


@pytest.mark.parametrize("candidate", [join_with_logaddexp,
                                       join_two_branch])
def test_c1_join_accepts_correct_styles(capsys, candidate):
    assert "c1_join_coefficients: correct - all 5 checks passed." in verdict(
        capsys, ex.check_c1_join_coefficients, candidate)


def test_c1_join_stub(capsys):
    assert "c1_join_coefficients: not implemented yet" in verdict(
        capsys, ex.check_c1_join_coefficients, stub)


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (lambda a, b, c: (b * np.log(1 + np.exp(c)), b / (1 + np.exp(-c))), "overflow"),
        (lambda a, b, c: (b * math.log(2), b / 2), "alpha does not enter"),
        (lambda a, b, c: (b * np.logaddexp(c, 0.0), 0.5 * (1 + np.tanh(c / 2))),
         "beta * sigma(c)"),
        (lambda a, b, c: (b * 0.5 * (1 + np.tanh(c / 2)), b * np.logaddexp(c, 0.0)), "ln 2"),
        (lambda a, b, c: (b * np.logaddexp(c, 0.0) + a * c**2, b / (1 + np.exp(-c))),
         "alpha does not enter"),
        (lambda a, b, c: [b * np.logaddexp(c, 0.0)], "expected 2 values"),
        (lambda a, b, c: None, "returned None"),
        (lambda a, b, c: (b * np.logaddexp(c, 0.0), b * np.clip(1 / (1 + np.exp(-np.clip(
            c, -500, 500))), 0, 1) if c > -700 else 0.5), "stable sigmoid"),
    ],
)
def test_c1_join_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, ex.check_c1_join_coefficients, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


# --- substantial exercise: your own C¹ activation ---------------------------------------------


def quad_forward(x):
    return custom.softplus_quadratic(x)


def quad_backward(x, dout):
    return np.asarray(dout) * custom.softplus_quadratic_grad(x) if np.asarray(
        dout).dtype.kind == "f" else custom.softplus_quadratic_grad(x) * np.asarray(dout, float)


def tanh_forward(x):  # smooth everywhere: C¹ at 0 without any junction
    x = np.asarray(x)
    return np.tanh(x if x.dtype.kind == "f" else x.astype(np.float64))


def tanh_backward(x, dout):
    t = tanh_forward(x)
    d = np.asarray(dout)
    d = d if d.dtype.kind == "f" else d.astype(np.float64)
    return d * (1 - t * t)


def test_c1_accepts_correct_styles(capsys):
    S = ex.CustomC1ActivationSolution
    for forward, backward in [(S.forward, S.backward), (quad_forward, quad_backward),
                              (tanh_forward, tanh_backward)]:
        line = c1(capsys, forward, backward)
        assert line.startswith("custom_c1_activation: correct - value and slope continuous"), line
        assert "all 9 checks passed" in line


def test_c1_stub_in_either_function(capsys):
    S = ex.CustomC1ActivationSolution
    assert "not implemented yet" in c1(capsys, stub, stub)
    assert "not implemented yet - write backward, then run" in c1(
        capsys, S.forward, stub)


def slide_forward(x):
    return custom.discontinuous_activation(x)


def slide_backward(x, dout):
    return dout * custom.discontinuous_activation_grad(x)


def value_matched_only_forward(x):  # f(0) = 0 on both sides, slopes 1/2 and 0
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, 0.5 * x**2, np.logaddexp(np.minimum(x, 0), 0) - math.log(2))


def value_matched_only_backward(x, dout):
    x = np.asarray(x, dtype=float)
    return dout * np.where(x > 0, x, 1 / (1 + np.exp(-np.minimum(x, 0))))


def naive_elu_forward(x):
    x = np.asarray(x)
    return np.where(x > 0, x, np.exp(x) - 1)


def naive_elu_backward(x, dout):
    return dout * np.where(x > 0, 1.0, np.exp(x))


S = ex.CustomC1ActivationSolution


def forced_float64_forward(x):
    return S.forward(np.asarray(x, dtype=np.float64))


def float32_inside_forward(x):
    x = np.asarray(x)
    return S.forward(x.astype(np.float32)).astype(x.dtype if x.dtype.kind == "f" else float)


def ignores_dout_backward(x, dout):
    return S.backward(x, np.ones_like(np.asarray(x, dtype=float)))


def half_slope_backward(x, dout):
    return 0.5 * S.backward(x, dout)


def in_place_forward(x):
    x = np.asarray(x) if np.asarray(x).dtype.kind == "f" else np.asarray(x, dtype=float)
    negative = x <= 0
    x[negative] = np.expm1(x[negative])
    return x


def in_place_dout_backward(x, dout):
    dout *= np.where(np.asarray(x) > 0, 1, np.exp(np.minimum(x, 0))).astype(np.asarray(
        dout).dtype)
    return dout


def integer_dout_backward(x, dout):
    x = np.asarray(x, dtype=float) if np.asarray(x).dtype.kind != "f" else x
    dx = np.zeros_like(dout)
    dx[...] = dout * np.where(x > 0, 1, np.exp(np.minimum(x, 0)))
    return dx


def one_d_only_forward(x):
    x = np.asarray(x)
    out = np.empty(len(x), dtype=x.dtype if x.dtype.kind == "f" else float)
    for i in range(len(x)):
        out[i] = x[i] if x[i] > 0 else math.expm1(min(float(x[i]), 0.0))
    return out


def linear_forward(x):
    x = np.asarray(x)
    return x * 1.0 if x.dtype.kind == "f" else x.astype(float)


def linear_backward(x, dout):
    d = np.asarray(dout)
    return d * 1.0 if d.dtype.kind == "f" else d.astype(float)


def list_forward(x):
    return S.forward(x).tolist()


@pytest.mark.parametrize(
    "forward, backward, expected_in_line",
    [
        (slide_forward, slide_backward, "the value jumps by"),
        (value_matched_only_forward, value_matched_only_backward, "the slope jumps by"),
        (naive_elu_forward, naive_elu_backward, "warned RuntimeWarning: overflow"),
        (forced_float64_forward, S.backward, "expected float32"),
        (float32_inside_forward, S.backward, "float32 numbers"),
        (S.forward, ignores_dout_backward, "is not dout * f'(x)"),
        (S.forward, half_slope_backward, "central difference"),
        (in_place_forward, S.backward, "modified its argument x"),
        (S.forward, in_place_dout_backward, "modified its argument dout"),
        (S.forward, integer_dout_backward, "integer"),
        (one_d_only_forward, S.backward, "raised ValueError"),
        (linear_forward, linear_backward, "linear"),
        (list_forward, S.backward, "not a numpy array"),
    ],
)
def test_c1_rejects_typical_mistakes(capsys, forward, backward, expected_in_line):
    found = judged(capsys, lambda pair: ex.check_custom_c1_activation(*pair), (forward, backward))
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


def test_c1_never_raises_on_nonsense(capsys):
    assert "expected two functions" in c1(capsys, 3, None)
    assert "raised ZeroDivisionError" in c1(capsys, lambda x: 1 / 0, S.backward)


def test_solutions_print(capsys):
    solution("custom_c1_activation")
    out = capsys.readouterr().out
    assert "def forward" in out and "def backward" in out
    solution("c1_join_coefficients")
    assert "beta * float(softplus(c))" in capsys.readouterr().out


def test_c1_sees_through_masked_arrays(capsys):
    def masked_forward(x):
        return np.ma.masked_array(custom.discontinuous_activation(x), mask=True)

    def masked_backward(x, dout):
        return np.ma.masked_array(dout * custom.discontinuous_activation_grad(x), mask=True)

    assert "the value jumps by" in c1(capsys, masked_forward, masked_backward)


def test_c1_stops_a_slow_answer(capsys, monkeypatch):
    import time

    monkeypatch.setattr(own_activation, "TIME_LIMIT", 0.2)  # where the checker reads it

    def slow_forward(x):
        time.sleep(2.0)
        return S.forward(x)

    line = c1(capsys, slow_forward, S.backward)
    assert "was stopped" in line, line


def test_checkers_ignore_the_notebooks_numeric_state(capsys):
    old = np.seterr(all="raise")
    try:
        assert "correct" in c1(capsys, S.forward, S.backward)
        assert "correct" in verdict(capsys, ex.check_c1_join_coefficients,
                                    ex.c1_join_coefficients_solution)
    finally:
        np.seterr(**old)


# --- every kind of wrong answer, made from a right one (tests/exercise_mutations.py) ---


_WRONG_C1_JOIN_COEFFICIENTS = wrong_answers(
    ex.c1_join_coefficients_solution,
    NUMBER_KINDS,
)


@pytest.mark.parametrize("candidate, expected", _WRONG_C1_JOIN_COEFFICIENTS)
def test_c1_join_coefficients_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, ex.check_c1_join_coefficients, candidate, expected)
    assert found.name == "c1_join_coefficients"


# --- the C¹ property everywhere it can fail, not only where the lesson looks -----------------


def _f(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _third_piece(forward, at, jump=0.0, kink=0.0):
    """``forward`` with a third piece from ``at`` on: a value jump and/or a slope change."""
    def piece(x):
        x = _f(x)
        y = forward(x)
        return np.where(x > at, y + x.dtype.type(jump) + x.dtype.type(kink) * (x - at), y)

    return piece


def _backward_off_on(lo, hi, factor):
    def backward(x, dout):
        g = S.backward(x, dout)
        x = _f(x)
        return np.where((x > lo) & (x < hi), g * g.dtype.type(factor), g)

    return backward


def _float32_backward(x, dout):
    x, d = _f(x), _f(dout)
    return S.backward(x.astype(np.float32), d.astype(np.float32)).astype(
        np.result_type(x.dtype, d.dtype))


def _rounded_ln2_forward(x):  # softplus joined to ln 2 + x / 2 with a 4-digit ln 2
    x = _f(x)
    right = x.dtype.type(0.6931) + x / 2 + x * x / 4
    return np.where(x > 0, right, np.logaddexp(np.minimum(x, 0), 0).astype(x.dtype))


def _rounded_ln2_backward(x, dout):
    x = _f(x)
    slope = np.where(x > 0, 0.5 + x / 2, scipy_expit(np.minimum(x, 0)))
    return _f(dout) * slope.astype(x.dtype)


def scipy_expit(x):
    from scipy.special import expit

    return expit(x)


@pytest.mark.parametrize(
    "forward, backward, expected",
    [
        pytest.param(_third_piece(S.forward, 2.0, jump=1e-3), S.backward,
                     "the value jumps by 0.001 at x = 2", id="jump of 1e-3 at x = 2"),
        pytest.param(_third_piece(S.forward, 0.5, jump=1.8e-7), S.backward,
                     "the value jumps by 1.8e-07 at x = 0.5", id="jump of 1.8e-7 at 0.5"),
        pytest.param(_third_piece(S.forward, -3.0, jump=1e-9), S.backward,
                     "the value jumps by 1e-09 at x = -3", id="jump of 1e-9 at x = -3"),
        pytest.param(_third_piece(S.forward, 37.25, jump=1e-6), S.backward,
                     "the value jumps by 1e-06 at x = 37.25", id="jump at x = 37.25"),
        pytest.param(_third_piece(S.forward, 500.0, jump=1e-6), S.backward,
                     "the value jumps by 1e-06 at x = 500", id="jump in the tail, x = 500"),
        pytest.param(_third_piece(S.forward, 7.0, kink=1e-3), S.backward,
                     "the slope jumps by 0.001 at x = 7", id="kink of 1e-3 at x = 7"),
        pytest.param(_third_piece(S.forward, -30.0, kink=0.25), S.backward,
                     "the slope jumps by 0.25 at x = -30", id="kink at x = -30"),
        pytest.param(_third_piece(S.forward, 2000.0, kink=0.5), S.backward,
                     "the slope jumps by 0.5 at x = 2000", id="kink in the tail"),
        pytest.param(S.forward, _backward_off_on(-0.5, -0.3, 1.01),
                     "backward(x, 1) disagrees with the central difference", id="backward patch"),
        pytest.param(S.forward, _backward_off_on(-1e9, -20.0, 2.0),
                     "backward(x, 1) disagrees with the central difference",
                     id="backward wrong below -20"),
        pytest.param(S.forward, _backward_off_on(100.0, 1e9, 1.0 + 1e-6),
                     "backward(x, 1) disagrees with the central difference",
                     id="backward off by 1e-6 above 100"),
        pytest.param(S.forward, _float32_backward, "backward of a float64 input returns float32",
                     id="backward in float32"),
        pytest.param(float32_inside_forward, S.backward,
                     "forward of a float64 input returns float32", id="forward in float32"),
        pytest.param(_rounded_ln2_forward, _rounded_ln2_backward, "the value jumps by",
                     id="ln 2 rounded to 4 digits"),
    ],
)
def test_c1_rejects_a_join_or_a_backward_wrong_anywhere(capsys, forward, backward, expected):
    rejects(capsys, lambda pair: ex.check_custom_c1_activation(*pair), (forward, backward),
            expected)


def _huber_forward(x):  # 0, a quadratic on [-1, 1], then x: C¹ with f'' jumps at -1 and 1
    x = _f(x)
    return np.where(x > 1, x, np.where(x < -1, 0 * x, (x + 1) ** 2 / 4))


def _huber_backward(x, dout):
    x = _f(x)
    return _f(dout) * np.where(x > 1, 1.0, np.where(x < -1, 0.0, (x + 1) / 2)).astype(x.dtype)


def _sharp_softplus_forward(x):  # smooth, but with a curvature of 5 near 0
    x = _f(x)
    return np.logaddexp(20 * x, x.dtype.type(0)) / 20


def _sharp_softplus_backward(x, dout):
    return _f(dout) * scipy_expit(20 * _f(x))


@pytest.mark.parametrize(
    "forward, backward",
    [
        pytest.param(_huber_forward, _huber_backward, id="three pieces, C¹ at -1 and 1"),
        pytest.param(_sharp_softplus_forward, _sharp_softplus_backward, id="sharp softplus"),
        pytest.param(lambda x: _sharp_softplus_forward(15 * _f(x)) / 15,
                     lambda x, dout: _sharp_softplus_backward(15 * _f(x), dout),
                     id="softplus(300 x) / 300"),
        pytest.param(tanh_forward, tanh_backward, id="tanh, no join at all"),
        pytest.param(quad_forward, quad_backward, id="the notebook's softplus + quadratic"),
    ],
)
def test_c1_accepts_smooth_and_piecewise_c1_functions(capsys, forward, backward):
    found = judged(capsys, lambda pair: ex.check_custom_c1_activation(*pair), (forward, backward))
    assert found.status == "correct", found.text


@pytest.mark.parametrize("case", ex.C1_JOIN_CASES, ids=lambda c: str(c.args))
def test_the_c1_join_reference_on_every_case_agrees_with_mpmath(case):
    mpmath.mp.dps = 50
    _, beta, c = case.args
    a0, a1 = ex.c1_join_coefficients_solution(*case.args)
    assert type(a0) is float and type(a1) is float
    assert a0 == pytest.approx(float(beta * mpmath.log1p(mpmath.exp(c))), rel=1e-14)
    assert a1 == pytest.approx(float(beta / (1 + mpmath.exp(-c))), rel=1e-14)
