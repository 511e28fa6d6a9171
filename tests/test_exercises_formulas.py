"""Checkers of course_lib.exercises.formulas: accept right answers, reject typical mistakes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from exercise_helpers import judged, rejects, stub, verdict
from exercise_mutations import (
    as_list,
    elementwise_wrong_answers,
    float32_arithmetic,
    modifies_input,
    reduced_precision,
    wrong_between,
)

from course_lib import activations, gradcheck
from course_lib.exercises import formulas

# --- the solutions are right (against PyTorch and finite differences) ------------------------

X = np.concatenate([np.linspace(-30, 30, 121), [0.0, -1e-9, 1e-9, -1e-12, -800.0, 800.0]])


@pytest.mark.parametrize("slope", [0.01, 0.3, 1.0, 2.5])
def test_leaky_relu_solution_matches_torch(slope):
    want = torch.nn.functional.leaky_relu(torch.from_numpy(X), negative_slope=slope).numpy()
    np.testing.assert_allclose(formulas.leaky_relu_any_slope_solution(X, slope), want,
                               rtol=1e-15)
    x32 = X.astype(np.float32)
    got32 = formulas.leaky_relu_any_slope_solution(x32, slope)
    want32 = torch.nn.functional.leaky_relu(torch.from_numpy(x32), negative_slope=slope)
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, want32.numpy(), rtol=2e-7)


@pytest.mark.parametrize("alpha", [0.5, 1.0, 2.0])
def test_elu_solutions_match_torch_autograd(alpha):
    t = torch.from_numpy(X.copy()).requires_grad_(True)
    y = torch.nn.functional.elu(t, alpha=alpha)
    y.sum().backward()
    np.testing.assert_allclose(formulas.elu_stable_solution(X, alpha), y.detach().numpy(),
                               rtol=1e-14, atol=0)
    np.testing.assert_allclose(formulas.elu_stable_grad_solution(X, alpha), t.grad.numpy(),
                               rtol=1e-14, atol=0)


def test_elu_solution_keeps_digits_next_to_zero():
    x = np.array([-1e-10, -1e-7])
    np.testing.assert_allclose(formulas.elu_stable_solution(x), [math.expm1(v) for v in x],
                               rtol=1e-16)
    assert abs((np.exp(-1e-10) - 1) / math.expm1(-1e-10) - 1) > 1e-8  # the naive one does not


def test_central_difference_solution_matches_gradcheck():
    x = np.array([[-1.5, 0.3], [2.0, -0.2]])
    ours = formulas.central_difference_solution(np.tanh, x, h=1e-6)
    theirs = gradcheck.numerical_gradient(lambda z: np.sum(np.tanh(z)), x, eps=1e-6)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)
    np.testing.assert_allclose(ours, 1 - np.tanh(x) ** 2, rtol=1e-8)


def test_no_case_asks_for_a_subnormal_result():
    tiny = {np.float32: np.finfo(np.float32).tiny, np.float64: np.finfo(np.float64).tiny}
    for cases, function in ((formulas.ELU_GRAD_CASES, activations.elu_grad),
                            (formulas.ELU_CASES, activations.elu)):
        for case in cases:
            x = case.args[0]
            if x.dtype.kind != "f":
                continue
            values = np.abs(function(x, **case.kwargs))
            assert np.all((values == 0) | (values >= tiny[x.dtype.type])), x


# --- every checker: solution correct, stub not implemented, garbage wrong ----------------------

CHECKERS = [
    (formulas.check_leaky_relu_any_slope, formulas.leaky_relu_any_slope_solution),
    (formulas.check_central_difference, formulas.central_difference_solution),
    (formulas.check_elu_stable, formulas.elu_stable_solution),
    (formulas.check_elu_stable_grad, formulas.elu_stable_grad_solution),
]


@pytest.mark.parametrize("checker", [c for c, _ in CHECKERS])
def test_stub_is_not_implemented(capsys, checker):
    # That each checker accepts its reference is the registry-wide plumbing test
    # (test_exercise_help.py); the references are checked against oracles above.
    assert judged(capsys, checker, stub).status == "not_implemented"


@pytest.mark.parametrize(
    "answer, expected",
    [("a", "correct"), ("A", "correct"), ("b", "wrong"), ("c", "wrong"), (None, "not answered"),
     ("e", "wrong"), (0, "wrong"), (3.5, "wrong")],
)
def test_relu_grad_at_zero_question(capsys, answer, expected):
    formulas.check_relu_grad_at_zero_float64(answer)
    out, err = capsys.readouterr()
    assert err == "" and out.startswith(f"relu_grad_at_zero_float64: {expected}")


# --- leaky ReLU ---------------------------------------------------------------------------


def leaky_max_min(x, negative_slope=0.01):
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    return np.maximum(x, 0) + negative_slope * np.minimum(x, 0)


def leaky_library(x, negative_slope=0.01):
    return activations.leaky_relu(x, negative_slope=negative_slope)


def leaky_copy_and_scale(x, negative_slope=0.01):
    y = np.array(x, dtype=np.result_type(np.asarray(x).dtype, np.float16))
    if y.dtype == np.float16:
        y = y.astype(np.float64)
    y[y < 0] *= negative_slope
    return y


@pytest.mark.parametrize("candidate", [leaky_max_min, leaky_library, leaky_copy_and_scale])
def test_leaky_relu_accepts_other_correct_styles(capsys, candidate):
    assert "leaky_relu_any_slope: correct" in verdict(
        capsys, formulas.check_leaky_relu_any_slope, candidate)


def leaky_slide_formula(x, negative_slope=0.01):
    return np.maximum(negative_slope * x, x)


def leaky_mask(x, negative_slope=0.01):
    x = np.asarray(x, dtype=float)
    return x * (x > 0) + negative_slope * x * (x <= 0)


def leaky_in_place(x, negative_slope=0.01):
    x[x < 0] *= negative_slope
    return x


def leaky_forced_float64(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, negative_slope * x)


def leaky_keeps_int(x, negative_slope=0.01):
    x = np.asarray(x)
    return np.where(x > 0, x, negative_slope * x).astype(x.dtype)


def leaky_mask_quiet(x, negative_slope=0.01):
    x = np.asarray(x)
    with np.errstate(invalid="ignore"):
        return x * (x > 0) + negative_slope * x * (x <= 0)


def leaky_float32_arithmetic(x, negative_slope=0.01):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    x32 = x.astype(np.float32)
    return np.where(x32 > 0, x32, np.float32(negative_slope) * x32).astype(dtype)


def leaky_slope_on_positive_side(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.result_type(np.asarray(x).dtype, np.float32))
    return np.where(x > 0, negative_slope * x, x)


def leaky_abs_formula(x, negative_slope=0.01):
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    return 0.5 * (1 + negative_slope) * x + 0.5 * (1 - negative_slope) * np.abs(x)


def leaky_as_list(x, negative_slope=0.01):
    return formulas.leaky_relu_any_slope_solution(x, negative_slope).tolist()


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (leaky_slide_formula, ("first difference at x=-2.0: expected -4.0, got -2.0",
                              "case:negative_slope=2.0")),
        (leaky_mask, ("warned RuntimeWarning: invalid value encountered in multiply",
                     "at x=-inf")),
        (leaky_mask_quiet, "first difference at x=-inf: expected -inf, got nan"),
        (leaky_in_place, "modified its input x"),
        (leaky_forced_float64, ("dtype float64, expected float32",
                               "hint:float32 in must give float32 out")),
        (leaky_keeps_int, ("dtype int64, expected float64",
                          "hint:integer input x")),
        (leaky_float32_arithmetic, "first difference at x=-3.0: expected -0.3, got -0.30000001"),
        (leaky_slope_on_positive_side, "first difference at x=-3.0: expected -0.3, got -3.0"),
        (leaky_abs_formula, "warned RuntimeWarning: invalid value encountered"),
        (leaky_as_list, "returned a list, expected a numpy array"),
    ],
)
def test_leaky_relu_rejects(capsys, candidate, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    rejects(capsys, formulas.check_leaky_relu_any_slope, candidate, *expected)


# --- central differences ------------------------------------------------------------------


def cd_element_loop(f, x, h=1e-5):
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    for index in np.ndindex(x.shape):
        out[index] = (f(x[index] + h) - f(x[index] - h)) / (2 * h)
    return out


def cd_copies(f, x, h=1e-5):
    up = np.array(x, dtype=np.float64)
    down = up.copy()
    up += h
    down -= h
    return (f(up) - f(down)) / (h + h)


@pytest.mark.parametrize("candidate", [cd_element_loop, cd_copies])
def test_central_difference_accepts_other_correct_styles(capsys, candidate):
    assert "central_difference: correct" in verdict(
        capsys, formulas.check_central_difference, candidate)


def forward_difference(f, x, h=1e-5):
    return (f(x + h) - f(x)) / h


def backward_difference(f, x, h=1e-5):
    return (f(x) - f(x - h)) / h


def missing_two(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / h


def fixed_step(f, x, h=1e-5):
    return (f(x + 1e-5) - f(x - 1e-5)) / 2e-5


def shifts_in_place(f, x, h=1e-5):
    x += h
    up = f(x)
    x -= 2 * h
    down = f(x)
    x += h
    return (up - down) / (2 * h)


def one_index_at_a_time(f, x, h=1e-5):
    """Perturb one coordinate of a 1-D vector at a time, as a gradient check does."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros(len(x))
    for i in range(len(x)):
        e = np.zeros(len(x))
        e[i] = h
        out[i] = ((f(x + e) - f(x - e)) / (2 * h))[i]
    return out


def sign_error(f, x, h=1e-5):
    return (f(x - h) - f(x + h)) / (2 * h)


def gradient_of_values(f, x, h=1e-5):
    return np.gradient(f(x), x)


def no_division(f, x, h=1e-5):
    return f(x + h) - f(x - h)


def squared_step(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h * h)


def int_x_in_place(f, x, h=1e-5):
    up = x.copy()
    up += h
    return (f(up) - f(x - h)) / (2 * h)


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (forward_difference, ("first difference at x=-2.0",
                             "hint:divide f(x + h) - f(x - h) by 2h")),
        (backward_difference, "first difference at x=-2.0: expected 0.070650825, got 0.070650144"),
        (missing_two, ("got 0.14130165",
                      "hint:divide f(x + h) - f(x - h) by 2h.")),
        (fixed_step, ("first difference at x=-1.0",
                     "case:h=0.0001")),
        (shifts_in_place, "modified its input x"),
        (one_index_at_a_time, ("raised ValueError: operands could not be broadcast",
                              "case:shape (2, 3)",
                              "hint:x can have any shape")),
        (sign_error, "expected 0.070650825, got -0.070650825"),
        (gradient_of_values, "got 0.33460695"),
        (no_division, ("got 1.4130165e-06",
                      "hint:divide f(x + h) - f(x - h) by 2h.")),
        (squared_step, ("got 7065.0825",
                       "hint:divide f(x + h) - f(x - h) by 2h.")),
        (int_x_in_place, ("raised UFuncTypeError",
                         "case:x=[-2, 0, 3] (int64)",
                         "hint:integer x: convert to float64 first")),
    ],
)
def test_central_difference_rejects(capsys, candidate, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    rejects(capsys, formulas.check_central_difference, candidate, *expected)


# --- ELU -----------------------------------------------------------------------------------


def elu_library(x, alpha=1.0):
    return activations.elu(x, alpha=alpha)


def elu_two_branches(x, alpha=1.0):
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    negative = np.minimum(x, 0)
    return np.maximum(x, 0) + alpha * np.expm1(negative)


def elu_float64_then_round(x, alpha=1.0):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    x64 = x.astype(np.float64)
    return np.where(x64 > 0, x64, alpha * np.expm1(np.minimum(x64, 0))).astype(dtype)


@pytest.mark.parametrize("candidate", [elu_library, elu_two_branches, elu_float64_then_round])
def test_elu_accepts_other_correct_styles(capsys, candidate):
    assert "elu_stable: correct" in verdict(capsys, formulas.check_elu_stable, candidate)


def elu_slide(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(x) - 1))


def elu_exp_minus_one(x, alpha=1.0):
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    return np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1))


def elu_forgets_alpha(x, alpha=1.0):
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def elu_alpha_everywhere(x, alpha=1.0):
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    return alpha * np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def elu_in_place(x, alpha=1.0):
    negative = x < 0
    x[negative] = alpha * np.expm1(x[negative])
    return x


def elu_forced_float64(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def elu_keeps_int(x, alpha=1.0):
    x = np.asarray(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype)


def elu_mask_multiply(x, alpha=1.0):
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    return x * (x > 0) + alpha * np.expm1(np.minimum(x, 0)) * (x <= 0)


def elu_float32_arithmetic(x, alpha=1.0):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    x32 = x.astype(np.float32)
    return np.where(x32 > 0, x32, np.float32(alpha) * np.expm1(np.minimum(x32, 0))).astype(dtype)


def elu_scalar_loop(x, alpha=1.0):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    return np.array([v if v > 0 else alpha * math.expm1(v) for v in x], dtype=dtype)


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (elu_slide, ("overflow encountered in exp, though the values are right",
                    "hint:np.where evaluates both branches")),
        (elu_exp_minus_one, ("first difference at x=-1e-10",
                            "hint:np.expm1")),
        (elu_forgets_alpha, "first difference at x=-2.0: expected -1.7293294, got -0.86466472"),
        (elu_alpha_everywhere, "first difference at x=2.0: expected 2.0, got 4.0"),
        (elu_in_place, "modified its input x"),
        (elu_forced_float64, "dtype float64, expected float32"),
        (elu_keeps_int, ("dtype int64, expected float64",
                        "case:x=[-2, 0, 2] (int64)")),
        (elu_mask_multiply, ("warned RuntimeWarning: invalid value encountered in multiply",
                            "at x=-inf")),
        (elu_float32_arithmetic, "at x=-3.0: expected -0.95021293, got -0.9502129"),
        (elu_scalar_loop, ("raised ValueError: The truth value of an array",
                          "case:shape (2, 2)",
                          "hint:float32 in, float32 out, any shape")),
    ],
)
def test_elu_rejects(capsys, candidate, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    rejects(capsys, formulas.check_elu_stable, candidate, *expected)


def elu_grad_library(x, alpha=1.0):
    return activations.elu_grad(x, alpha=alpha)


def elu_grad_float32_arithmetic_where_asked(x, alpha=1.0):
    """Correct: float32 arithmetic for float32 input, rounded twice (alpha * exp)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    one = np.ones((), dtype=x.dtype)
    return np.where(x > 0, one, x.dtype.type(alpha) * np.exp(np.minimum(x, 0)))


def elu_grad_from_clipped_output(x, alpha=1.0):
    """f(x) + alpha on the negative side, computed as alpha * exp: right."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    slope = alpha * np.exp(np.minimum(x, 0))
    slope[x > 0] = 1
    return slope


@pytest.mark.parametrize("candidate", [elu_grad_library, elu_grad_float32_arithmetic_where_asked,
                                       elu_grad_from_clipped_output])
def test_elu_grad_accepts_other_correct_styles(capsys, candidate):
    assert "elu_stable_grad: correct" in verdict(capsys, formulas.check_elu_stable_grad,
                                                 candidate)


def elu_grad_wrong_kink(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    return np.where(x >= 0, 1.0, alpha * np.exp(np.minimum(x, 0)))


def elu_grad_slide_style(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(x))


def elu_grad_from_output(x, alpha=1.0):
    """elu(x) + alpha for x <= 0: right formula, but e^x - 1 + 1 rounds the tail away."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    return np.where(x > 0, 1.0, alpha * np.expm1(np.minimum(x, 0)) + alpha).astype(x.dtype)


def elu_grad_float64(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))


def elu_grad_in_place(x, alpha=1.0):
    neg = x <= 0
    x[neg] = alpha * np.exp(x[neg])
    x[~neg] = 1.0
    return x


def elu_grad_forgets_alpha(x, alpha=1.0):
    return np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0)))


def elu_grad_float32_arithmetic(x, alpha=1.0):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    x32 = x.astype(np.float32)
    return np.where(x32 > 0, 1, np.float32(alpha) * np.exp(np.minimum(x32, 0))).astype(dtype)


def elu_grad_keeps_int(x, alpha=1.0):
    x = np.asarray(x)
    return np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype)


def elu_grad_scalar_loop(x, alpha=1.0):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    return np.array([1.0 if v > 0 else alpha * math.exp(v) for v in x], dtype=dtype)


def elu_grad_shift_trick(x, alpha=1.0):
    """exp(min(x, 0)) written as exp(x - max(x, 0)): inf - inf = nan at x = inf."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    return np.where(x > 0, 1, alpha * np.exp(x - np.maximum(x, 0)))


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (elu_grad_wrong_kink, "first difference at x=0.0: expected 2.0, got 1.0"),
        (elu_grad_slide_style, ("overflow encountered in exp, though the values are right",
                               "hint:np.where evaluates both branches")),
        (elu_grad_from_output, "first difference at x=-50.0: expected 1.9287498e-22, got 0.0"),
        (elu_grad_float64, "dtype float64, expected float32"),
        (elu_grad_in_place, "modified its input x"),
        (elu_grad_forgets_alpha, "first difference at x=-1.0: expected 0.73575888, got 0.36787944"),
        (elu_grad_float32_arithmetic, "first difference at x=-3.0"),
        (elu_grad_keeps_int, "dtype int64, expected float64"),
        (elu_grad_scalar_loop, ("raised ValueError",
                               "hint:work on the whole array")),
        (elu_grad_shift_trick, ("warned RuntimeWarning: invalid value encountered in subtract",
                               "case:x=[-inf, inf]")),
    ],
)
def test_elu_grad_rejects(capsys, candidate, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    rejects(capsys, formulas.check_elu_stable_grad, candidate, *expected)


# --- answers that are not plain arrays, and answers that take too long ------------------------


class AlwaysEqual(np.ndarray):
    """An array whose == is always true: must be judged on its values."""

    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)


def leaky_always_equal(x, negative_slope=0.01):
    return np.zeros_like(np.asarray(x, dtype=float)).view(AlwaysEqual)


def elu_masked(x, alpha=1.0):
    right = formulas.elu_stable_solution(x, alpha)
    return np.ma.masked_array(right + 1, mask=np.ones(right.shape, dtype=bool))


@pytest.mark.parametrize(
    "checker, candidate",
    [(formulas.check_leaky_relu_any_slope, leaky_always_equal),
     (formulas.check_elu_stable, elu_masked)],
)
def test_subclasses_and_masked_arrays_are_judged_on_their_values(capsys, checker, candidate):
    assert ": wrong - " in verdict(capsys, checker, candidate)


def test_a_slow_answer_is_stopped(capsys, monkeypatch):
    from course_lib.exercises import core

    monkeypatch.setattr(core, "TIME_LIMIT", 0.2)

    def slow(*args, **kwargs):
        while True:
            pass

    line = verdict(capsys, formulas.check_elu_stable_grad, slow)
    assert "your code ran for more than 0.2 s and was stopped" in line


# --- wrong answers of every class (issue 18): each must be rejected, the finding naming it ---


EVERY_CLASS = [
    *elementwise_wrong_answers(formulas.check_leaky_relu_any_slope,
                          formulas.leaky_relu_any_slope_solution),
    *elementwise_wrong_answers(formulas.check_elu_stable, formulas.elu_stable_solution),
    *elementwise_wrong_answers(formulas.check_elu_stable_grad, formulas.elu_stable_grad_solution),
    (formulas.check_central_difference, reduced_precision(formulas.central_difference_solution),
     "dtype float16, expected float64"),
    (formulas.check_central_difference, as_list(formulas.central_difference_solution),
     "returned a list"),
    (formulas.check_central_difference, float32_arithmetic(formulas.central_difference_solution),
     "first difference"),
    (formulas.check_central_difference, modifies_input(formulas.central_difference_solution, 1),
     "modified its input x"),
    (formulas.check_central_difference,
     wrong_between(formulas.central_difference_solution, 5.1, 5.3, index=1),
     "first difference at x=5."),
]


@pytest.mark.parametrize("checker, candidate, expected", EVERY_CLASS)
def test_wrong_answers_of_every_class_are_rejected_and_named(capsys, checker, candidate,
                                                            expected):
    rejects(capsys, checker, candidate, expected)


# --- every checker's reference, on every one of its inputs, against an independent oracle ---


def _as_checked(x):
    return x if x.dtype.kind == "f" else x.astype(np.float64)


@pytest.mark.parametrize("cases, reference, torch_function", [
    (formulas.LEAKY_RELU_CASES, formulas._leaky_reference,
     lambda t, negative_slope=0.01: torch.nn.functional.leaky_relu(t, negative_slope)),
    (formulas.ELU_CASES, formulas._elu_reference,
     lambda t, alpha=1.0: torch.nn.functional.elu(t, alpha)),
])
def test_the_references_on_every_case_agree_with_torch(cases, reference, torch_function):
    for case in cases:
        x = _as_checked(case.args[0])
        got = reference(case.args[0], **case.kwargs)
        want = torch_function(torch.from_numpy(x.astype(np.float64)), **case.kwargs).numpy()
        assert got.dtype == x.dtype
        rtol = 1e-15 if x.dtype == np.float64 else 1.2e-7
        np.testing.assert_allclose(got, want.astype(x.dtype), rtol=rtol)


def test_the_elu_derivative_reference_on_every_case_agrees_with_torch_autograd():
    for case in formulas.ELU_GRAD_CASES:
        x = _as_checked(case.args[0])
        t = torch.from_numpy(x.astype(np.float64)).requires_grad_(True)
        torch.nn.functional.elu(t, **case.kwargs).sum().backward()
        got = formulas._elu_grad_reference(case.args[0], **case.kwargs)
        assert got.dtype == x.dtype
        np.testing.assert_allclose(got, t.grad.numpy().astype(x.dtype),
                                   rtol=1e-15 if x.dtype == np.float64 else 1.2e-7)


DERIVATIVES = {np.tanh: lambda x: 1 - np.tanh(x) ** 2, np.sin: np.cos,
               formulas._cubic: lambda x: 3 * x**2 - 2.0,
               formulas._softplus: lambda x: 1 / (1 + np.exp(-x))}


def test_the_central_difference_reference_on_every_case_is_within_its_error_of_f_prime():
    """Truncation h**2/6 * max|f3| (third derivative, at most 6 here) plus rounding (1e-13/h):
    the analytic derivative is the oracle."""
    for case in formulas.CENTRAL_DIFFERENCE_CASES:
        f, x = case.args
        h = case.kwargs["h"]
        got = formulas.central_difference_solution(f, x, h)
        want = DERIVATIVES[f](np.asarray(x, dtype=np.float64))
        assert np.max(np.abs(got - want)) < h**2 / 6 * 6.0 + 1e-13 / h
