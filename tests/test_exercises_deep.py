"""Checkers of course_lib.exercises.deep: accept right answers, reject typical mistakes."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import scipy.special
import torch
from exercise_helpers import judged, rejects, stub, verdict
from exercise_mutations import ARRAY_KINDS, wrong_answers

from course_lib import activations
from course_lib.exercises import deep


def _float(x):
    """Like the course's functions: float arrays kept, everything else as float64."""
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


# --- the reference solutions are right ------------------------------------------------------


def _mish_mpmath(v: float) -> float:
    x = mpmath.mpf(v)
    return float(x * mpmath.tanh(mpmath.log1p(mpmath.exp(x))))


def _mish_grad_mpmath(v: float) -> float:
    x = mpmath.mpf(v)
    return float(mpmath.diff(lambda u: u * mpmath.tanh(mpmath.log1p(mpmath.exp(u))), x))


def test_stable_mish_solution_matches_mpmath_in_both_tails():
    mpmath.mp.dps = 40
    xs = np.array([-700.0, -100.0, -30.0, -5.0, -1.1924, -0.3, 0.0, 0.7, 4.0, 30.0, 710.0])
    got = deep.stable_mish_solution(xs)
    want = np.array([_mish_mpmath(v) for v in xs])
    np.testing.assert_allclose(got, want, rtol=4e-16, atol=0)


def test_stable_mish_grad_solution_matches_mpmath():
    mpmath.mp.dps = 40
    xs = np.array([-717.68, -700.0, -100.0, -30.0, -5.0, -2.0, -0.3, 0.0, 0.7, 4.0, 30.0,
                   710.0])  # -717.68: e^x is subnormal
    got = deep.stable_mish_grad_solution(xs)
    want = np.array([_mish_grad_mpmath(v) for v in xs])
    # subnormal results keep fewer digits: an absolute 1e-318 there (scipy's expit gave 0)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-318)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-13), (np.float32, 1e-5)])
def test_mish_solutions_match_torch_autograd(dtype, rtol):
    x = np.concatenate([np.linspace(-60.0, 60.0, 2401), [-1e4, -1000.0, 1000.0, 1e4]])
    x = x[np.abs(x + 1.19) > 0.05].astype(dtype)  # the slope changes sign near -1.19
    xt = torch.from_numpy(x).requires_grad_(True)
    yt = torch.nn.functional.mish(xt)
    (gt,) = torch.autograd.grad(yt.sum(), xt)
    y, g = deep.stable_mish_solution(x), deep.stable_mish_grad_solution(x)
    assert y.dtype == dtype and g.dtype == dtype
    tiny = np.finfo(dtype).tiny  # subnormal results carry fewer bits
    keep = np.abs(yt.detach().numpy()) > tiny
    np.testing.assert_allclose(y[keep], yt.detach().numpy()[keep], rtol=rtol, atol=0)
    keep = np.abs(gt.numpy()) > tiny
    np.testing.assert_allclose(g[keep], gt.numpy()[keep], rtol=rtol, atol=0)


def test_mish_solutions_are_silent_for_extreme_inputs():
    for dtype in (np.float32, np.float64):
        info = np.finfo(dtype)
        x = np.array([-info.max, -1e30, -800.0, 800.0, 1e30, info.max], dtype=dtype)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            y, g = deep.stable_mish_solution(x), deep.stable_mish_grad_solution(x)
        assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))
        np.testing.assert_array_equal(y[x > 0], x[x > 0])
        np.testing.assert_array_equal(g[x > 0], 1.0)


def test_snake_solution_matches_library_and_has_slope_between_0_and_2():
    x = np.linspace(-6.0, 6.0, 241)
    for a in (0.25, 1.0, 3.0):
        np.testing.assert_allclose(deep.snake_solution(x, a), activations.snake(x, a=a),
                                   rtol=1e-15, atol=1e-15)
        slope = np.gradient(deep.snake_solution(x, a), x)
        assert slope.min() > -1e-2 and slope.max() < 2.0 + 1e-2
    np.testing.assert_allclose(deep.snake_solution(x, 1.0), x + np.sin(x) ** 2, rtol=1e-15)


def test_snake_solution_matches_mpmath():
    mpmath.mp.dps = 30
    for a in (0.25, 1.0, 3.0):
        for x in (-6.0, -1.3, 0.0, 0.7, 2.5, 40.0):
            want = float(mpmath.mpf(x) + mpmath.sin(a * mpmath.mpf(x)) ** 2 / a)
            got = float(deep.snake_solution(np.array([x]), a)[0])
            assert got == pytest.approx(want, rel=1e-14, abs=1e-15)


def test_derivative_on_grid_solution_is_close_to_the_analytic_slope():
    x = np.linspace(-5.0, 5.0, 1000)
    for name in ("swish", "mish", "gelu"):
        spec = activations.get(name)
        got = deep.derivative_on_grid_solution(spec, x)
        np.testing.assert_allclose(got[1:-1], spec.derivative(x)[1:-1], atol=2e-4)


# --- stable_mish ----------------------------------------------------------------------------


def mish_logaddexp(x):
    x = _float(x)
    return x * np.tanh(np.logaddexp(0, x))


def mish_two_branch(x):
    x = _float(x)
    softplus = np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
    return x * np.tanh(softplus)


@pytest.mark.parametrize(
    "candidate", [mish_logaddexp, mish_two_branch, activations.mish]
)
def test_stable_mish_accepts_correct_styles(capsys, candidate):
    assert "stable_mish: correct - all 5 checks passed." in verdict(
        capsys, deep.check_stable_mish, candidate
    )


def test_stable_mish_stub_is_not_implemented(capsys):
    assert "stable_mish: not implemented yet" in verdict(capsys, deep.check_stable_mish, stub)


def mish_naive(x):  # the slide
    return x * np.tanh(np.log(1 + np.exp(x)))


def mish_log1p_exp(x):
    return x * np.tanh(np.log1p(np.exp(x)))


def mish_clipped(x):
    x = _float(x)
    return x * np.tanh(np.log1p(np.exp(np.clip(x, -20, 20))))


def mish_forced_float64(x):
    x = np.asarray(x, dtype=float)
    return x * np.tanh(np.logaddexp(x, 0))


def mish_int_truncated(x):
    out = np.empty_like(x)
    out[...] = mish_logaddexp(x)
    return out


def mish_in_place(x):
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    x *= np.tanh(np.logaddexp(x, 0))
    return x


def mish_1d_only(x):
    return np.array([v * math.tanh(max(v, 0.0) + math.log1p(math.exp(-abs(v)))) for v in x])


def mish_without_x(x):
    return np.tanh(np.logaddexp(_float(x), 0))


def mish_in_float32(x):
    x = _float(x)
    return mish_logaddexp(x.astype(np.float32)).astype(x.dtype)


def mish_relu_softplus(x):
    x = _float(x)
    return x * np.tanh(np.maximum(x, 0))


def mish_tanh_by_exp(x):
    x = _float(x)
    e = np.exp(2 * np.logaddexp(x, 0))
    return x * (e - 1) / (e + 1)


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (mish_naive, "overflow encountered in exp"),
        (mish_log1p_exp, "overflow encountered in exp"),
        (mish_clipped, "do not clip x"),
        (mish_forced_float64, "dtype float64, expected float32"),
        (mish_int_truncated, "dtype int64, expected float64"),
        (mish_in_place, "modified its input"),
        (mish_1d_only, "raised ValueError"),
        (mish_without_x, "expected"),
        (mish_in_float32, "expected"),
        (mish_relu_softplus, "mish(x) = x * tanh(softplus(x))"),
        (mish_tanh_by_exp, "overflow"),
    ],
)
def test_stable_mish_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, deep.check_stable_mish, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text
    assert found.text.rstrip().endswith("Stuck? hint('stable_mish', 1)"), found.text


# --- stable_mish_grad -----------------------------------------------------------------------


def mish_grad_two_branch(x):
    x = _float(x)
    e = np.exp(-np.abs(x))
    sigmoid = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    t = np.tanh(np.maximum(x, 0) + np.log1p(e))
    return t + x * (1 - t) * (1 + t) * sigmoid


@pytest.mark.parametrize(
    "candidate", [mish_grad_two_branch, activations.mish_grad]
)
def test_stable_mish_grad_accepts_correct_styles(capsys, candidate):
    assert "stable_mish_grad: correct - all 5 checks passed." in verdict(
        capsys, deep.check_stable_mish_grad, candidate
    )


def test_stable_mish_grad_stub_is_not_implemented(capsys):
    line = verdict(capsys, deep.check_stable_mish_grad, stub)
    assert "stable_mish_grad: not implemented yet" in line


def grad_naive_sigmoid(x):
    x = _float(x)
    t = np.tanh(np.logaddexp(x, 0))
    return t + x * (1 - t * t) / (1 + np.exp(-x))


def grad_cosh(x):
    x = _float(x)
    sp = np.logaddexp(x, 0)
    return np.tanh(sp) + x * scipy.special.expit(x) / np.cosh(sp) ** 2


def grad_no_product_rule(x):
    return np.tanh(np.logaddexp(_float(x), 0))


def grad_no_sigmoid(x):
    x = _float(x)
    t = np.tanh(np.logaddexp(x, 0))
    return t + x * (1 - t * t)


def grad_sign_error(x):
    x = _float(x)
    t = np.tanh(np.logaddexp(x, 0))
    return t - x * (1 - t * t) * scipy.special.expit(x)


def grad_forced_float64(x):
    return deep.stable_mish_grad_solution(np.asarray(x, dtype=np.float64))


def grad_int_truncated(x):
    out = np.zeros_like(x)
    out += deep.stable_mish_grad_solution(x).astype(out.dtype)
    return out


def grad_in_place(x):
    x = _float(x)
    t = np.tanh(np.logaddexp(x, 0))
    x *= (1 - t * t) * scipy.special.expit(x)
    x += t
    return x


def grad_1d_only(x):
    return np.array([float(deep.stable_mish_grad_solution(float(v))) for v in x])


def grad_finite_difference(x):
    x = _float(x)
    h = 1e-5
    return (deep.stable_mish_solution(x + h) - deep.stable_mish_solution(x - h)) / (2 * h)


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (grad_naive_sigmoid, "overflow encountered in exp"),
        (grad_cosh, "overflow encountered in cosh"),
        (grad_no_product_rule, "product rule"),
        (grad_no_sigmoid, "product rule"),
        (grad_sign_error, "product rule"),
        (grad_forced_float64, "dtype float64, expected float32"),
        (grad_int_truncated, "dtype int64, expected float64"),
        (grad_in_place, "modified its input"),
        (grad_1d_only, "raised TypeError"),
        (grad_finite_difference, "expected"),
    ],
)
def test_stable_mish_grad_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, deep.check_stable_mish_grad, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


# --- snake ----------------------------------------------------------------------------------


def snake_cosine_form(x, a=1.0):
    x = _float(x)
    return x + (1 - np.cos(2 * a * x)) / (2 * a)


@pytest.mark.parametrize("candidate", [snake_cosine_form])
def test_snake_accepts_correct_styles(capsys, candidate):
    assert "snake: correct - all 6 checks passed." in verdict(capsys, deep.check_snake, candidate)


def test_snake_accepts_the_library_function(capsys):
    def library(x, a=1.0):
        return activations.snake(x, a=a)

    assert "snake: correct" in verdict(capsys, deep.check_snake, library)


def test_snake_stub_is_not_implemented(capsys):
    assert "snake: not implemented yet" in verdict(capsys, deep.check_snake, stub)


def snake_slide(x, a=1.0):  # the slide: no 1/a
    return _float(x) + np.square(np.sin(a * _float(x)))


def snake_times_a(x, a=1.0):
    x = _float(x)
    return x + a * np.sin(a * x) ** 2


def snake_no_frequency(x, a=1.0):
    x = _float(x)
    return x + np.sin(x) ** 2 / a


def snake_no_square(x, a=1.0):
    x = _float(x)
    return x + np.sin(a * x) / a


def snake_forced_float64(x, a=1.0):
    x = np.asarray(x, dtype=np.float64)
    return x + np.sin(a * x) ** 2 / a


def snake_int_truncated(x, a=1.0):
    out = np.empty_like(x)
    out[...] = deep.snake_solution(x, a)
    return out


def snake_in_place(x, a=1.0):
    x = _float(x)
    x += np.sin(a * x) ** 2 / a
    return x


def snake_1d_only(x, a=1.0):
    return np.array([v + math.sin(a * v) ** 2 / a for v in x])


def snake_list(x, a=1.0):
    return deep.snake_solution(x, a).tolist()


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (snake_slide, "drops the 1/a"),
        (snake_times_a, "drops the 1/a"),
        (snake_no_frequency, "drops the 1/a"),
        (snake_no_square, "for a = 1 this is x + sin(x)^2"),
        (snake_forced_float64, "dtype float64, expected float32"),
        (snake_int_truncated, "dtype int64, expected float64"),
        (snake_in_place, "modified its input"),
        (snake_1d_only, "raised TypeError"),
        (snake_list, "expected a numpy array"),
    ],
)
def test_snake_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, deep.check_snake, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


# --- derivative_on_grid ---------------------------------------------------------------------


def gradient_with_spacing_of_first_step(f, x):
    x = _float(x)
    return np.gradient(f(x), x[1] - x[0])


def gradient_edge_order_2(f, x):
    x = _float(x)
    return np.gradient(f(x), x, edge_order=2)


def test_derivative_on_grid_accepts_the_textbook_central_difference(capsys):
    def secant(f, x):  # (y[i+1] - y[i-1]) / (x[i+1] - x[i-1]), one-sided at the ends
        x = _float(x)
        y = f(x)
        d = np.empty_like(y)
        d[1:-1] = (y[2:] - y[:-2]) / (x[2:] - x[:-2])
        d[0], d[-1] = (y[1] - y[0]) / (x[1] - x[0]), (y[-1] - y[-2]) / (x[-1] - x[-2])
        return d

    assert "derivative_on_grid: correct - all 4 checks passed." in verdict(
        capsys, deep.check_derivative_on_grid, secant)


def test_derivative_on_grid_accepts_a_hand_written_central_difference(capsys):
    def by_hand(f, x):
        x = _float(x)
        y = f(x)
        d = np.empty_like(y)
        h0, h1 = x[1:-1] - x[:-2], x[2:] - x[1:-1]
        d[1:-1] = (h0**2 * y[2:] + (h1**2 - h0**2) * y[1:-1] - h1**2 * y[:-2]) / (
            h0 * h1 * (h0 + h1))
        d[0] = (y[1] - y[0]) / (x[1] - x[0])
        d[-1] = (y[-1] - y[-2]) / (x[-1] - x[-2])
        return d

    assert "derivative_on_grid: correct" in verdict(capsys, deep.check_derivative_on_grid,
                                                     by_hand)


def test_derivative_on_grid_stub_is_not_implemented(capsys):
    line = verdict(capsys, deep.check_derivative_on_grid, stub)
    assert "derivative_on_grid: not implemented yet" in line


def gradient_slide(f, x):  # the slide
    return np.gradient(f(x), 0.001)


def gradient_unit_spacing(f, x):
    return np.gradient(f(x))


def gradient_diff(f, x):
    return np.diff(f(x)) / np.diff(x)


def gradient_forward_padded(f, x):
    d = np.diff(f(x)) / np.diff(x)
    return np.append(d, d[-1])


def gradient_forced_float64(f, x):
    x = np.asarray(x, dtype=np.float64)
    return np.gradient(f(x), x)


def gradient_returns_values(f, x):
    return f(_float(x))


def gradient_in_place(f, x):
    y = f(x)
    x -= 1.0  # "centre" the grid
    return np.gradient(y, x + 1.0)


def gradient_step_two(f, x):
    return np.gradient(f(x), x) / 2


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (gradient_slide, "spacing of this grid is 1.0"),
        (gradient_unit_spacing, "0.01001 apart"),
        (gradient_with_spacing_of_first_step, "this grid is not uniform"),
        (gradient_edge_order_2, "default differences at the ends"),
        (gradient_diff, "shape (10,), expected (11,)"),
        (gradient_forward_padded, "spacing of this grid is 1.0"),
        (gradient_forced_float64, "dtype float64, expected float32"),
        (gradient_returns_values, "spacing of this grid is 1.0"),
        (gradient_in_place, "modified its input"),
        (gradient_step_two, "spacing of this grid is 1.0"),
    ],
)
def test_derivative_on_grid_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, deep.check_derivative_on_grid, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


# --- the question ---------------------------------------------------------------------------


def _answer(capsys, check, given):
    assert check(given) is None
    out, err = capsys.readouterr()
    assert err == "" and out.endswith("\n")
    return " ".join(out.split())


def test_swish_he_signal_question(capsys):
    check = deep.check_swish_he_signal
    assert _answer(capsys, check, "b").startswith("swish_he_signal: correct - (b)")
    assert _answer(capsys, check, " B ").startswith("swish_he_signal: correct")
    for letter in ("a", "c"):
        line = _answer(capsys, check, letter)
        assert line.startswith(f"swish_he_signal: wrong - you chose ({letter})")
    assert _answer(capsys, check, None).startswith("swish_he_signal: not answered yet")
    for garbage in ("d", 3, ["b"], 2.5):
        line = _answer(capsys, check, garbage)
        assert line.startswith("swish_he_signal: wrong - answer with one of the letters")


# --- every kind of wrong answer, made from a right one (tests/exercise_mutations.py) ---


_WRONG_STABLE_MISH = wrong_answers(
    deep.stable_mish_solution,
    ARRAY_KINDS,
)


@pytest.mark.parametrize("candidate, expected", _WRONG_STABLE_MISH)
def test_stable_mish_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, deep.check_stable_mish, candidate, expected)
    assert found.name == "stable_mish"


_WRONG_STABLE_MISH_GRAD = wrong_answers(
    deep.stable_mish_grad_solution,
    ARRAY_KINDS,
)


@pytest.mark.parametrize("candidate, expected", _WRONG_STABLE_MISH_GRAD)
def test_stable_mish_grad_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, deep.check_stable_mish_grad, candidate, expected)
    assert found.name == "stable_mish_grad"


_WRONG_SNAKE = wrong_answers(
    deep.snake_solution,
    ARRAY_KINDS,
)


@pytest.mark.parametrize("candidate, expected", _WRONG_SNAKE)
def test_snake_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, deep.check_snake, candidate, expected)
    assert found.name == "snake"


_WRONG_DERIVATIVE_ON_GRID = wrong_answers(
    deep.derivative_on_grid_solution,
    ARRAY_KINDS,
)


@pytest.mark.parametrize("candidate, expected", _WRONG_DERIVATIVE_ON_GRID)
def test_derivative_on_grid_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, deep.check_derivative_on_grid, candidate, expected)
    assert found.name == "derivative_on_grid"


# --- right at the chosen points, wrong between them: the dense grid ---------------------------


def _cut_off(function, above, replacement):
    def answer(x, *args, **kwargs):
        x = np.asarray(x)
        x = x if x.dtype.kind == "f" else x.astype(np.float64)
        return np.where(x > above, replacement(x), function(x, *args, **kwargs))

    return answer


@pytest.mark.parametrize(
    "checker, candidate",
    [
        pytest.param(deep.check_stable_mish, _cut_off(deep.stable_mish_solution, 5.0, lambda x: x),
                     id="mish is x above 5"),
        pytest.param(deep.check_stable_mish,
                     _cut_off(deep.stable_mish_solution, -1e9, lambda x: np.where(
                         (x > 33) & (x < 35), x * 1.000001, deep.stable_mish_solution(x))),
                     id="mish off by 1e-6 between 33 and 35"),
        pytest.param(deep.check_stable_mish_grad,
                     _cut_off(deep.stable_mish_grad_solution, 6.0, np.ones_like),
                     id="mish' is 1 above 6"),
        pytest.param(deep.check_snake,
                     _cut_off(deep.snake_solution, 10.0, lambda x: x + 0.5),
                     id="snake is x + 1/2 above 10"),
    ],
)
def test_elementwise_checkers_look_between_the_chosen_points(capsys, checker, candidate):
    found = rejects(capsys, checker, candidate, "first difference")
    assert "dense grid" in found.hint


# --- every checker input, against mpmath ------------------------------------------------------


def _mpmath_elementwise(function, x, **kwargs):
    mpmath.mp.dps = 40
    return np.array([float(function(mpmath.mpf(float(v)), **kwargs)) for v in np.ravel(x)]
                    ).reshape(np.shape(x))


def _mish_mp(x):
    return x * mpmath.tanh(mpmath.log1p(mpmath.exp(x)))


def _mish_grad_mp(x):
    t = mpmath.tanh(mpmath.log1p(mpmath.exp(x)))
    return t + x * (1 - t * t) / (1 + mpmath.exp(-x))


def _snake_mp(x, a):
    return x + mpmath.sin(a * x) ** 2 / a


@pytest.mark.parametrize(
    "cases, reference, oracle",
    [
        pytest.param(deep.STABLE_MISH_CASES, deep.stable_mish_solution, _mish_mp, id="mish"),
        pytest.param(deep.STABLE_MISH_GRAD_CASES, deep.stable_mish_grad_solution, _mish_grad_mp,
                     id="mish'"),
        pytest.param(deep.SNAKE_CASES, deep.snake_solution, _snake_mp, id="snake"),
    ],
)
def test_the_elementwise_references_on_every_case_agree_with_mpmath(cases, reference, oracle):
    for case in cases:
        got = reference(*case.args, **case.kwargs)
        want = _mpmath_elementwise(oracle, case.args[0], **case.kwargs)
        rtol = 1e-6 if got.dtype == np.float32 else 1e-13
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-300 if rtol < 1e-6 else 1e-40)
