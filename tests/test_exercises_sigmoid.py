"""Checkers of course_lib.exercises.sigmoid: accept right answers, reject typical mistakes."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import scipy.special
import torch
from exercise_helpers import judged, rejects, stub, verdict
from exercise_mutations import elementwise_wrong_answers

from course_lib import activations
from course_lib.exercises import sigmoid

# --- the references are right -------------------------------------------------------------

X = np.concatenate([np.linspace(-800.0, 800.0, 1601), [-1e-9, 0.0, 1e-9, -np.inf, np.inf]])


def exact(f, x):
    """f evaluated at every finite x with mpmath (40 digits), as float64."""
    mpmath.mp.dps = 40
    return np.array([float(f(mpmath.mpf(float(v)))) if np.isfinite(v) else np.nan for v in x])


def normal_part(got, want, dtype):
    keep = np.isfinite(want) & (np.abs(want) >= np.finfo(dtype).tiny)
    return got[keep].astype(np.float64), want[keep]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_and_derivative_solution_is_correctly_rounded_against_mpmath(dtype):
    x = X.astype(dtype)
    s, ds = sigmoid.sigmoid_and_derivative_solution(x)
    assert s.dtype == ds.dtype == dtype
    eps = np.finfo(dtype).eps
    for got, f in [(s, lambda v: 1 / (1 + mpmath.exp(-v))),
                   (ds, lambda v: mpmath.exp(-v) / (1 + mpmath.exp(-v)) ** 2)]:
        g, w = normal_part(got, exact(f, x.astype(np.float64)), dtype)
        np.testing.assert_allclose(g, w, rtol=2 * eps, atol=0)
    np.testing.assert_array_equal(s[-2:], [0.0, 1.0])
    np.testing.assert_array_equal(ds[-2:], [0.0, 0.0])


def test_sigmoid_and_derivative_solution_agrees_with_library_scipy_and_torch():
    s, ds = sigmoid.sigmoid_and_derivative_solution(X)
    np.testing.assert_allclose(s, activations.sigmoid(X), rtol=1e-15, atol=0)
    np.testing.assert_allclose(ds, activations.sigmoid_grad(X), rtol=1e-15, atol=0)
    normal = s >= np.finfo(np.float64).tiny  # expit returns 0 where the result is subnormal
    np.testing.assert_allclose(s[normal], scipy.special.expit(X)[normal], rtol=1e-15, atol=0)
    t = torch.tensor(X[np.isfinite(X)], requires_grad=True)
    torch.sigmoid(t).sum().backward()
    # torch's backward is y (1 - y): exact to within an ulp of 1 in absolute terms only
    np.testing.assert_allclose(ds[np.isfinite(X)], t.grad.numpy(), rtol=1e-12, atol=3e-16)
    x = np.array([-2, 0, 2])
    before = x.copy()
    assert sigmoid.sigmoid_and_derivative_solution(x)[0].dtype == np.float64
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log_sigmoid_solution_matches_mpmath_scipy_and_torch(dtype):
    x = X.astype(dtype)
    got = sigmoid.log_sigmoid_solution(x)
    assert got.dtype == dtype
    eps = np.finfo(dtype).eps
    g, w = normal_part(got, exact(lambda v: -mpmath.log1p(mpmath.exp(-v)), x.astype(float)),
                       dtype)
    np.testing.assert_allclose(g, w, rtol=2 * eps, atol=0)
    normal = np.isfinite(x) & (np.abs(got) >= np.finfo(dtype).tiny)
    np.testing.assert_allclose(got[normal], scipy.special.log_expit(x)[normal], rtol=4 * eps)
    ref = torch.nn.functional.logsigmoid(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got[normal], ref[normal], rtol=4 * eps)
    assert got[0] == -800.0 and got[-2] == -np.inf and got[-1] == 0.0


def test_flushing_keeps_what_is_not_a_float_array():
    flush = sigmoid._flush_subnormals
    assert flush(None) is None and flush([1e-310]) == [1e-310]
    out = flush((np.array([1e-310, 1.0]), np.array([1e-40, 2.0], dtype=np.float32)))
    np.testing.assert_array_equal(out[0], [0.0, 1.0])
    assert out[1].dtype == np.float32 and out[1][0] == 0.0


# --- sigmoid and derivative: right answers ----------------------------------------------------


def check_pair(capsys, candidate):
    return verdict(capsys, sigmoid.check_sigmoid_and_derivative, candidate)


def test_sigmoid_and_derivative_solution_correct_and_stub_not_implemented(capsys):
    line = check_pair(capsys, sigmoid.sigmoid_and_derivative_solution)
    assert line == "sigmoid_and_derivative: correct - all 8 checks passed."
    assert check_pair(capsys, stub).startswith("sigmoid_and_derivative: not implemented yet")


def as_float(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def pair_working_precision(x):  # z = exp(-|x|) in the input's own precision
    x = as_float(x)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)), z / (1 + z) ** 2


def pair_scipy(x):  # expit keeps float32 and computes in float32
    s = scipy.special.expit(as_float(x))
    return s, s * scipy.special.expit(-as_float(x))


def pair_logaddexp(x):
    x = as_float(x)
    log_s, log_t = -np.logaddexp(0, -x), -np.logaddexp(0, x)
    return np.exp(log_s), np.exp(log_s + log_t)


def pair_torch(x):
    t = torch.from_numpy(as_float(x))
    s = torch.sigmoid(t)
    return s.numpy(), (s * torch.sigmoid(-t)).numpy()


@pytest.mark.parametrize("candidate", [pair_working_precision, pair_scipy, pair_logaddexp,
                                       pair_torch])
def test_sigmoid_and_derivative_accepts_other_correct_styles(capsys, candidate):
    assert check_pair(capsys, candidate).startswith("sigmoid_and_derivative: correct"), candidate





# --- sigmoid and derivative: typical mistakes -------------------------------------------------


def naive(x):
    s = 1 / (1 + np.exp(-as_float(x)))
    return s, s * (1 - s)


def slide_clipped(x):  # slide 4's forward, with the backward written stably
    x = as_float(x)
    s = 1 / (1 + np.exp(-np.clip(x, -500, 500)))
    z = np.exp(-np.abs(x))
    return s, z / (1 + z) ** 2


def cancelling_derivative(x):
    s, _ = pair_working_precision(x)
    return s, s * (1 - s)


def both_branches_overflow(x):
    x = as_float(x)
    s = np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
    return s, s * np.where(x >= 0, 1 / (1 + np.exp(x)), np.exp(-x) / (1 + np.exp(-x)))


def tanh_form(x):
    x = as_float(x)
    z = np.exp(-np.abs(x))
    return 0.5 * (1 + np.tanh(x / 2)), z / (1 + z) ** 2


def forced_float64(x):
    s, ds = pair_working_precision(np.asarray(x, dtype=np.float64))
    return s, ds


def float32_arithmetic(x):
    x = np.asarray(x)
    s, ds = pair_working_precision(x.astype(np.float32))
    return s.astype(x.dtype if x.dtype.kind == "f" else np.float64), ds.astype(
        x.dtype if x.dtype.kind == "f" else np.float64)


def empty_like_buffer(x):
    x = np.asarray(x)
    s, ds = np.empty_like(x), np.empty_like(x)
    s[...], ds[...] = pair_working_precision(x)
    return s, ds


def one_dimensional_loop(x):
    pairs = [pair_working_precision(float(v)) for v in np.ravel(x)]
    if np.ndim(x) > 1:
        raise ValueError("this code only handles 1-D arrays")
    s = np.array([p[0] for p in pairs], dtype=as_float(x).dtype)
    ds = np.array([p[1] for p in pairs], dtype=as_float(x).dtype)
    return s, ds


def sigmoid_only(x):
    return pair_working_precision(x)[0]


def swapped(x):
    s, ds = pair_working_precision(x)
    return ds, s


def mutates_input(x):
    s, ds = pair_working_precision(x)
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        np.abs(x, out=x)
    return s, ds


def derivative_sign_error(x):
    s, ds = pair_working_precision(x)
    return s, -ds


def flush_too_early(x):  # "anything below 1e-30 is zero": wrong, 1e-30 is a normal number
    s, ds = pair_working_precision(x)
    return np.where(s < 1e-30, 0, s).astype(s.dtype), np.where(ds < 1e-30, 0, ds).astype(s.dtype)


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (naive, ("overflow encountered in exp, though the values are right",
                "hint:np.where evaluates both")),
        (slide_clipped, ("sigmoid: first difference at x=-740.0",
                        "hint:Do not clip the input")),
        (cancelling_derivative, ("derivative: first difference at x=20.0",
                                "hint:1 - sigma(x) cancels for large x")),
        (both_branches_overflow, ("warned RuntimeWarning: overflow",
                                 "derivative: first difference")),
        (tanh_form, ("sigmoid: first difference at x=-700.0",
                    "hint:0.5 * (1 + tanh(x / 2)), which cancels")),
        (forced_float64, "sigmoid: dtype float64, expected float32"),
        (float32_arithmetic, "sigmoid: first difference at x=-3.0"),
        (empty_like_buffer, "sigmoid: dtype int64, expected float64"),
        (one_dimensional_loop, "raised ValueError: this code only handles 1-D arrays"),
        (sigmoid_only, "returned a numpy array of shape (5,), expected 2 values"),
        (swapped, "sigmoid: first difference at x=-3.0"),
        (mutates_input, "modified its input x"),
        (derivative_sign_error, "derivative: first difference at x=-3.0"),
        (flush_too_early, "sigmoid: first difference at x=-700.0: expected 9.8596765e-305"),
    ],
)
def test_sigmoid_and_derivative_rejects_typical_mistakes(capsys, candidate, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    rejects(capsys, sigmoid.check_sigmoid_and_derivative, candidate, *expected)


def test_float32_cancellation_in_the_derivative_is_caught(capsys):
    def float32_cancelling(x):
        x = as_float(x)
        s, _ = pair_working_precision(x)
        if x.dtype == np.float64:  # right in float64, cancelling only in float32
            return pair_working_precision(x)
        return s, s * (1 - s)

    line = check_pair(capsys, float32_cancelling)
    assert "(float32, shape (2, 4))" in line
    assert "Hint: in float32, 1 - sigma(x) keeps only a few digits" in line


# --- log-sigmoid ----------------------------------------------------------------------------


def check_log(capsys, candidate):
    return verdict(capsys, sigmoid.check_log_sigmoid, candidate)


def test_log_sigmoid_solution_correct_and_stub_not_implemented(capsys):
    assert check_log(capsys, sigmoid.log_sigmoid_solution) == (
        "log_sigmoid: correct - all 7 checks passed.")
    assert check_log(capsys, stub).startswith("log_sigmoid: not implemented yet")


@pytest.mark.parametrize("candidate", [
    lambda x: -np.logaddexp(0, -as_float(x)),
    lambda x: scipy.special.log_expit(as_float(x)),
    lambda x: np.minimum(as_float(x), 0) - np.log1p(np.exp(-np.abs(as_float(x)))),
    lambda x: torch.nn.functional.logsigmoid(torch.from_numpy(as_float(x))).numpy(),
])
def test_log_sigmoid_accepts_other_correct_styles(capsys, candidate):
    assert check_log(capsys, candidate).startswith("log_sigmoid: correct")


def log_of_sigmoid(x):
    with np.errstate(divide="ignore"):
        return np.log(activations.sigmoid(x))


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (lambda x: np.log(activations.sigmoid(x)),
         ("warned RuntimeWarning: divide by zero", "at x=-800.0")),
        (log_of_sigmoid,
         ("at x=-800.0: expected -800.0, got -inf", "hint:log sigma(x) = x - log1p(exp(x))")),
        (lambda x: -np.log1p(np.exp(-as_float(x))), "warned RuntimeWarning: overflow"),
        (lambda x: -np.log(1 + np.exp(-np.abs(as_float(x)))) + np.minimum(as_float(x), 0),
         ("at x=40.0: expected -4.2483543e-18, got 0.0",
         "hint:use -log1p(exp(-x)) for x >= 0")),
        (lambda x: -np.logaddexp(0, as_float(x)),
         ("first difference at x=-3.0", "hint:log sigma(0) = -log 2")),
        (lambda x: -np.logaddexp(0, -np.asarray(x, dtype=np.float64)),
         "dtype float64, expected float32"),
        (lambda x: (-np.logaddexp(0, -as_float(x).astype(np.float32))).astype(
            as_float(x).dtype), "first difference at x=-3.0"),
        (lambda x: np.clip(-np.logaddexp(0, -as_float(x)), -700, 0),
         "at x=-800.0: expected -800.0, got -700.0"),
        (lambda x: list(-np.logaddexp(0, -as_float(x))), "returned a list, expected a numpy array"),
        (lambda x: np.array([-math.log1p(math.exp(-v)) if v >= 0 else v - math.log1p(math.exp(v))
                             for v in as_float(x)], dtype=as_float(x).dtype),
         "raised ValueError: The truth value"),
    ],
)
def test_log_sigmoid_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    expected = (expected_in_line,) if isinstance(expected_in_line, str) else expected_in_line
    rejects(capsys, sigmoid.check_log_sigmoid, candidate, *expected)


# --- the question ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, start",
    [("b", "correct"), ("B ", "correct"), ("a", "wrong"), ("c", "wrong"),
     (None, "not answered"), ("0.7", "wrong"), (0.7, "wrong"), (object(), "wrong")],
)
def test_depth_question(capsys, given, start):
    assert sigmoid.check_sigmoid_depth_gain8(given) is None
    out, err = capsys.readouterr()
    assert err == "" and out.startswith(f"sigmoid_depth_gain8: {start}"), out
    assert all(len(line) < 90 for line in out.splitlines()), out


# --- wrong answers of every class (issue 18): each must be rejected, the finding naming it ---


EVERY_CLASS = [
    *[(c, a, f"sigmoid: {e}" if "dtype" in e or "list" in e else e) for c, a, e in
      elementwise_wrong_answers(sigmoid.check_sigmoid_and_derivative,
                           sigmoid.sigmoid_and_derivative_solution)],
    *elementwise_wrong_answers(sigmoid.check_log_sigmoid, sigmoid.log_sigmoid_solution),
]


def test_a_correct_pair_returned_as_a_list_is_accepted(capsys):
    def as_list(x):
        return list(sigmoid.sigmoid_and_derivative_solution(x))

    assert judged(capsys, sigmoid.check_sigmoid_and_derivative, as_list).status == "correct"


@pytest.mark.parametrize("checker, candidate, expected", EVERY_CLASS)
def test_wrong_answers_of_every_class_are_rejected_and_named(capsys, checker, candidate,
                                                            expected):
    rejects(capsys, checker, candidate, expected)


# --- every checker's reference, on every one of its inputs, against an independent oracle ---


def _flush(a):
    return np.where(np.abs(a) < np.finfo(a.dtype).tiny, 0.0, a)


@pytest.mark.parametrize("cases, reference, oracles, limits", [
    (sigmoid.SIGMOID_AND_DERIVATIVE_CASES, sigmoid.sigmoid_and_derivative_solution,
     (lambda v: 1 / (1 + mpmath.exp(-v)), lambda v: mpmath.exp(-v) / (1 + mpmath.exp(-v)) ** 2),
     ({np.inf: 1.0, -np.inf: 0.0}, {np.inf: 0.0, -np.inf: 0.0})),
    (sigmoid.LOG_SIGMOID_CASES, sigmoid.log_sigmoid_solution,
     (lambda v: -mpmath.log1p(mpmath.exp(-v)),), ({np.inf: 0.0, -np.inf: -np.inf},)),
])
def test_the_references_on_every_case_agree_with_mpmath(cases, reference, oracles, limits):
    for case in cases:
        x = case.args[0]
        x = x if x.dtype.kind == "f" else x.astype(np.float64)
        got = reference(case.args[0])
        got = got if isinstance(got, tuple) else (got,)
        for g, oracle, limit in zip(got, oracles, limits, strict=True):
            flat = x.ravel()
            want = exact(oracle, flat)
            for v, value in limit.items():  # mpmath is not asked at +-inf
                want[flat == v] = value
            want = want.reshape(x.shape).astype(x.dtype)
            assert g.dtype == x.dtype
            rtol = 5e-16 if x.dtype == np.float64 else 1.2e-7  # about 2 ulp
            np.testing.assert_allclose(_flush(g), _flush(want), rtol=rtol, atol=0)
