"""Checkers of course_lib.exercises.attention: accept the solutions, reject typical mistakes."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import torch
from exercise_helpers import answer, judged, rejects, stub, verdict
from exercise_mutations import ARRAY_KINDS, NUMBER_KINDS, wrong_answers

from course_lib.activations import softmax
from course_lib.exercises import attention
from course_lib.exercises.attention import (
    check_attention_tanh_entropy,
    check_masked_softmax,
    check_masked_softmax_backward,
    check_max_attention_weight,
    masked_softmax_backward_solution,
    masked_softmax_solution,
    max_attention_weight_solution,
)
from course_lib.layers import SelfAttention

# --- the solutions are right -------------------------------------------------------------


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-6)])
def test_masked_softmax_solution_matches_torch(dtype, rtol):
    rng = np.random.default_rng(0)
    scores = (50.0 * rng.standard_normal((3, 5, 5))).astype(dtype)
    mask = rng.random((3, 5, 5)) < 0.6
    mask[..., 2] = True  # every row keeps at least one position
    got = masked_softmax_solution(scores, mask)
    t = torch.from_numpy(scores).masked_fill(~torch.from_numpy(mask), -torch.inf)
    expected = torch.softmax(t, dim=-1).numpy()
    assert got.dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=0)
    assert np.all(got[~mask] == 0.0)


def test_masked_softmax_solution_is_what_selfattention_uses():
    # the causal layer's weights are the masked softmax of its scaled scores
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 4))
    layer = SelfAttention(4, causal=True, rng=2)
    layer.forward(x)
    q, k = x @ layer.params["Wq"], x @ layer.params["Wk"]
    scores = q @ k.transpose(0, 2, 1) / 2.0
    expected = masked_softmax_solution(scores, np.tril(np.ones((5, 5), dtype=bool)))
    np.testing.assert_allclose(layer.attention_weights, expected, rtol=1e-13, atol=1e-300)


def test_masked_softmax_solution_never_overflows():
    scores = np.array([[1e300, -1e300, 5.0], [3.0, 1e308, 4.0]])
    mask = np.array([[True, True, False], [True, False, True]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = masked_softmax_solution(scores, mask)
    e = math.e
    np.testing.assert_allclose(got, [[1.0, 0.0, 0.0], [1 / (1 + e), 0.0, e / (1 + e)]])


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_masked_softmax_backward_solution_matches_autograd(dtype, rtol):
    rng = np.random.default_rng(3)
    scores = (3.0 * rng.standard_normal((2, 4, 4))).astype(dtype)
    mask = np.tril(np.ones((4, 4), dtype=bool))
    dout = rng.standard_normal((2, 4, 4)).astype(dtype)
    t = torch.from_numpy(scores).requires_grad_(True)
    p = torch.softmax(t.masked_fill(~torch.from_numpy(mask), -torch.inf), dim=-1)
    p.backward(torch.from_numpy(dout))
    probs = masked_softmax_solution(scores, mask)
    got = masked_softmax_backward_solution(probs, dout)
    assert got.dtype == dtype
    atol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(got, t.grad.numpy(), rtol=rtol, atol=atol)
    assert np.all(got[..., ~mask] == 0.0)


def test_masked_softmax_backward_solution_matches_finite_differences():
    rng = np.random.default_rng(4)
    scores = rng.standard_normal((3, 5))
    mask = rng.random((3, 5)) < 0.7
    mask[:, 0] = True
    dout = rng.standard_normal((3, 5))
    grad = masked_softmax_backward_solution(masked_softmax_solution(scores, mask), dout)
    eps = 1e-6
    numeric = np.zeros_like(scores)
    for idx in np.ndindex(scores.shape):
        plus, minus = scores.copy(), scores.copy()
        plus[idx] += eps
        minus[idx] -= eps
        diff = masked_softmax_solution(plus, mask) - masked_softmax_solution(minus, mask)
        numeric[idx] = np.sum(diff * dout) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_max_attention_weight_solution_is_a_reachable_bound():
    # the bound is what softmax gives for scores +sqrt(d) (one key) and -sqrt(d) (the rest)
    for d, t in [(1, 2), (4, 10), (16, 10), (64, 3)]:
        s = math.sqrt(d)
        direct = float(softmax(np.array([s] + [-s] * (t - 1)))[0])
        assert max_attention_weight_solution(d, t) == pytest.approx(direct, rel=1e-14)
        # and tanh-bounded queries and keys approach it from below
        q = np.tanh(np.full(d, 30.0))
        keys = np.tanh(np.array([[30.0] * d] + [[-30.0] * d] * (t - 1)))
        weight = float(softmax(keys @ q / s)[0])
        assert weight <= max_attention_weight_solution(d, t) + 1e-15
        assert weight == pytest.approx(max_attention_weight_solution(d, t), rel=1e-12)


# --- each checker: the stub -------------------------------------------------------------------


@pytest.mark.parametrize("checker", [check_masked_softmax, check_masked_softmax_backward,
                                     check_max_attention_weight])
def test_stub_is_not_implemented(capsys, checker):
    assert ": not implemented yet - " in verdict(capsys, checker, stub)


# --- masked softmax: other correct styles ---------------------------------------------------


def fill_minus_1e9(scores, mask):
    kept = np.where(mask, scores, -1e9)
    e = np.exp(kept - kept.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def max_with_where(scores, mask):
    scores = np.asarray(scores)
    if scores.dtype.kind != "f":
        scores = scores.astype(np.float64)
    m = np.max(scores, axis=-1, keepdims=True, where=mask, initial=-np.inf)
    e = np.exp(np.where(mask, scores - m, -np.inf))
    return e / e.sum(axis=-1, keepdims=True)


def library_softmax(scores, mask):
    return softmax(np.where(mask, scores, -np.inf), axis=-1)


@pytest.mark.parametrize("candidate", [fill_minus_1e9, max_with_where, library_softmax])
def test_masked_softmax_accepts_other_correct_styles(capsys, candidate):
    assert "masked_softmax: correct" in verdict(capsys, check_masked_softmax, candidate)


# --- masked softmax: typical mistakes ---------------------------------------------------------


def no_max_shift(scores, mask):
    e = np.exp(np.where(mask, scores, -np.inf))
    return e / e.sum(axis=-1, keepdims=True)


def max_over_masked_too(scores, mask):
    e = np.where(mask, np.exp(scores - np.max(scores, axis=-1, keepdims=True)), 0.0)
    return e / e.sum(axis=-1, keepdims=True)


def one_max_for_everything(scores, mask):
    kept = np.where(mask, scores, -np.inf)
    e = np.exp(kept - np.max(kept))
    return e / e.sum(axis=-1, keepdims=True)


def mask_after_softmax_no_renormalising(scores, mask):
    return softmax(scores) * mask


def mask_after_softmax(scores, mask):
    p = softmax(scores) * mask
    return p / p.sum(axis=-1, keepdims=True)


def normalise_over_axis0(scores, mask):
    kept = np.where(mask, scores, -np.inf)
    e = np.exp(kept - kept.max(axis=-1, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def two_d_only(scores, mask):
    kept = np.where(mask, scores, -np.inf)
    e = np.exp(kept - kept.max(axis=1)[:, None])
    return e / e.sum(axis=1)[:, None]


def forces_float64(scores, mask):
    return masked_softmax_solution(np.asarray(scores, dtype=np.float64), mask)


def masks_in_place(scores, mask):
    scores[~np.broadcast_to(mask, scores.shape)] = -np.inf
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def integer_output(scores, mask):
    out = np.zeros_like(scores)
    out[...] = masked_softmax_solution(scores, mask)
    return out


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (no_max_shift, "exp(1000) overflows"),
        (max_over_masked_too, "a MASKED position holds the largest score"),
        (one_max_for_everything, "Subtract each row's maximum"),
        (mask_after_softmax_no_renormalising, "divide by the sum over the row"),
        (mask_after_softmax, "a MASKED position holds the largest score"),
        (normalise_over_axis0, "divide by the sum over the row"),
        (two_d_only, "batched scores (N, T, T)"),
        (forces_float64, "float32 in must give float32 out"),
        (masks_in_place, "modified its input"),
        (integer_output, "dtype int64, expected float64"),
    ],
)
def test_masked_softmax_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, check_masked_softmax, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


# --- the backward pass: other correct styles and typical mistakes --------------------------


def with_full_jacobian(probs, dout):
    dout = np.asarray(dout)
    if dout.dtype.kind != "f":
        dout = dout.astype(np.float64)
    eye = np.eye(probs.shape[-1], dtype=probs.dtype)
    jac = probs[..., :, None] * (eye - probs[..., None, :])  # d p_i / d s_j
    return np.einsum("...i,...ij->...j", dout, jac)


def with_torch_autograd(probs, dout):
    probs = np.asarray(probs)
    dout = np.asarray(dout)
    if dout.dtype.kind != "f":
        dout = dout.astype(np.float64)
    # softmax(log p) = p wherever p > 0; masked entries (p = 0) get gradient 0
    logp = torch.from_numpy(np.log(np.where(probs > 0, probs, 1.0))).requires_grad_(True)
    p = torch.softmax(logp.masked_fill(torch.from_numpy(probs == 0), -torch.inf), dim=-1)
    p.backward(torch.from_numpy(dout.astype(probs.dtype)))
    return logp.grad.numpy()


@pytest.mark.parametrize("candidate", [with_full_jacobian, with_torch_autograd])
def test_masked_softmax_backward_accepts_other_correct_styles(capsys, candidate):
    assert "masked_softmax_backward: correct" in verdict(
        capsys, check_masked_softmax_backward, candidate
    )


def diagonal_only(probs, dout):
    return dout * probs * (1.0 - probs)


def sums_over_batch(probs, dout):
    return probs * (dout - np.sum(dout * probs, axis=0, keepdims=True))


def forgets_keepdims(probs, dout):
    return probs * (dout - np.sum(dout * probs, axis=-1))


def flipped_sign(probs, dout):
    return probs * (np.sum(dout * probs, axis=-1, keepdims=True) - dout)


def forgets_probs_factor(probs, dout):
    return dout - np.sum(dout * probs, axis=-1, keepdims=True)


def subtracts_in_place(probs, dout):
    dout -= np.sum(dout * probs, axis=-1, keepdims=True)
    return probs * dout


def integer_buffer(probs, dout):
    dx = np.zeros_like(dout)
    dx[...] = masked_softmax_backward_solution(probs, dout)
    return dx


def backward_forces_float64(probs, dout):
    probs, dout = np.asarray(probs, np.float64), np.asarray(dout, np.float64)
    return masked_softmax_backward_solution(probs, dout)


def one_row_only(probs, dout):
    return probs * (dout - np.dot(dout, probs))


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (diagonal_only, "not just g_j * p_j * (1 - p_j)"),
        (sums_over_batch, "ds_j = p_j * (g_j - sum_i g_i p_i)"),
        (forgets_keepdims, "raised ValueError"),
        (flipped_sign, "ds_j = p_j * (g_j - sum_i g_i p_i)"),
        (forgets_probs_factor, "ds_j = p_j * (g_j - sum_i g_i p_i)"),
        (subtracts_in_place, "modified its input dout"),
        (integer_buffer, "dtype int64, expected float64"),
        (backward_forces_float64, "float32 in must give float32 out"),
        (one_row_only, "raised ValueError"),
    ],
)
def test_masked_softmax_backward_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, check_masked_softmax_backward, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


# --- max_attention_weight ------------------------------------------------------------------


def via_softmax(d, t):
    s = math.sqrt(d)
    return float(softmax(np.array([s] + [-s] * (t - 1)))[0])


def numpy_formula(d, t):
    return 1.0 / (1.0 + (t - 1) * np.exp(-2.0 * np.sqrt(d)))


@pytest.mark.parametrize("candidate", [via_softmax, numpy_formula])
def test_max_attention_weight_accepts_other_correct_styles(capsys, candidate):
    assert "max_attention_weight: correct" in verdict(capsys, check_max_attention_weight, candidate)


def no_sqrt(d, t):
    return 1.0 / (1.0 + (t - 1) * math.exp(-2.0 * d))


def others_at_zero(d, t):
    return 1.0 / (1.0 + (t - 1) * math.exp(-math.sqrt(d)))


def t_instead_of_t_minus_1(d, t):
    return 1.0 / (1.0 + t * math.exp(-2.0 * math.sqrt(d)))


def overflowing_math(d, t):
    e = math.exp(2.0 * math.sqrt(d))
    return e / (e + t - 1)


def overflowing_numpy(d, t):
    s = np.sqrt(d)
    return float(np.exp(s) / (np.exp(s) + (t - 1) * np.exp(-s)))


def uniform(d, t):
    return 1.0 / t


def always_one(d, t):
    return 1.0


def ignores_t(d, t):
    return 1.0 / (1.0 + math.exp(-2.0 * math.sqrt(d)))


def returns_text(d, t):
    return f"{max_attention_weight_solution(d, t):.3f}"


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (no_sqrt, "the best key scores +sqrt(d)"),
        (others_at_zero, "the t - 1 others -sqrt(d)"),
        (t_instead_of_t_minus_1, "the t - 1 others -sqrt(d)"),
        (overflowing_math, "OverflowError"),
        (overflowing_numpy, "RuntimeWarning: overflow encountered"),
        (uniform, "the best key scores +sqrt(d)"),
        (always_one, "the best key scores +sqrt(d)"),
        (ignores_t, "the t - 1 others -sqrt(d)"),
        (returns_text, "expected a number"),
    ],
)
def test_max_attention_weight_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, check_max_attention_weight, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


# --- the question ---------------------------------------------------------------------------


def test_question_attention_tanh_entropy(capsys):
    check = check_attention_tanh_entropy
    assert answer(capsys, check, "b").startswith("attention_tanh_entropy: correct - (b)")
    assert "correct" in answer(capsys, check, " B ")
    for wrong in ("a", "c"):
        assert answer(capsys, check, wrong).startswith(
            "attention_tanh_entropy: wrong - you chose"
        )
    assert "not answered yet" in answer(capsys, check, None)
    for garbage in ("d", 3, ["b"], object()):
        assert answer(capsys, check, garbage).startswith(
            "attention_tanh_entropy: wrong - answer with one of the letters"
        )


def test_every_exercise_is_registered_with_hints():
    from course_lib.exercises import names

    for name in ("masked_softmax", "masked_softmax_backward", "max_attention_weight",
                 "attention_tanh_entropy"):
        assert name in names()
    assert attention.check_masked_softmax is check_masked_softmax


def test_hint_and_solution_print(capsys, monkeypatch):
    from course_lib.exercises import help as help_module
    from course_lib.exercises import hint, solution

    monkeypatch.setattr(help_module, "_HINTS_SEEN", {})  # leave no state for other tests
    hint("masked_softmax", 3)
    solution("masked_softmax_backward")
    out = capsys.readouterr().out
    assert "masked_softmax, hint 3 of 3" in out
    assert "def masked_softmax_backward_solution" in out


# --- every kind of wrong answer, made from a right one (tests/exercise_mutations.py) ---


_WRONG_MASKED_SOFTMAX = wrong_answers(
    masked_softmax_solution,
    ARRAY_KINDS,
)


@pytest.mark.parametrize("candidate, expected", _WRONG_MASKED_SOFTMAX)
def test_masked_softmax_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, check_masked_softmax, candidate, expected)
    assert found.name == "masked_softmax"


_WRONG_MASKED_SOFTMAX_BACKWARD = wrong_answers(
    masked_softmax_backward_solution,
    ARRAY_KINDS,
)


@pytest.mark.parametrize("candidate, expected", _WRONG_MASKED_SOFTMAX_BACKWARD)
def test_masked_softmax_backward_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, check_masked_softmax_backward, candidate, expected)
    assert found.name == "masked_softmax_backward"


_WRONG_MAX_ATTENTION_WEIGHT = wrong_answers(
    max_attention_weight_solution,
    NUMBER_KINDS,
)


@pytest.mark.parametrize("candidate, expected", _WRONG_MAX_ATTENTION_WEIGHT)
def test_max_attention_weight_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, check_max_attention_weight, candidate, expected)
    assert found.name == "max_attention_weight"


# --- float32 arithmetic behind a float64 result, and other correct orders --------------------


def backward_in_float32(probs, dout):
    p32 = np.asarray(probs, dtype=np.float32)
    d32 = np.asarray(dout, dtype=np.float32)
    out = p32 * (d32 - np.sum(d32 * p32, axis=-1, keepdims=True))
    return out.astype(np.result_type(np.asarray(probs).dtype, np.float64)
                      if np.asarray(probs).dtype != np.float32 else np.float32)


def test_masked_softmax_backward_rejects_float32_arithmetic_returned_as_float64(capsys):
    found = rejects(capsys, check_masked_softmax_backward, backward_in_float32,
                    "first difference")
    assert found.case is not None


def backward_by_einsum(probs, dout):
    probs = np.asarray(probs)
    dout = np.asarray(dout)
    dout = dout if dout.dtype.kind == "f" else dout.astype(np.float64)
    return probs * (dout - np.einsum("...j,...j->...", dout, probs)[..., None])


def test_masked_softmax_backward_accepts_einsum_and_float32_arithmetic_for_float32(capsys):
    found = judged(capsys, check_masked_softmax_backward, backward_by_einsum)
    assert found.status == "correct", found.text


# --- every checker input, against torch and mpmath ---------------------------------------------


@pytest.mark.parametrize("case", attention.MASKED_SOFTMAX_CASES, ids=lambda c: str(c.args[0])[:20])
def test_the_masked_softmax_reference_on_every_case_agrees_with_torch(case):
    scores, mask = case.args
    s = torch.from_numpy(np.asarray(scores, dtype=np.float64))
    allowed = torch.from_numpy(np.broadcast_to(np.asarray(mask, dtype=bool), s.shape).copy())
    want = torch.softmax(s.masked_fill(~allowed, -torch.inf), dim=-1).numpy()
    got = masked_softmax_solution(*case.args)
    np.testing.assert_allclose(got, want, rtol=1e-6 if got.dtype == np.float32 else 1e-13,
                               atol=1e-300)


@pytest.mark.parametrize("case", attention.MASKED_SOFTMAX_BACKWARD_CASES,
                         ids=lambda c: str(c.args[1])[:20])
def test_the_masked_softmax_backward_reference_on_every_case_agrees_with_autograd(case):
    probs, dout = (np.asarray(a, dtype=np.float64) for a in case.args)
    # scores whose softmax is probs (log p, -inf where p = 0), through torch's softmax
    scores = torch.tensor(np.log(np.where(probs > 0, probs, 1.0)), requires_grad=True)
    p = torch.softmax(scores.masked_fill(torch.from_numpy(probs == 0), -torch.inf), dim=-1)
    (p * torch.from_numpy(dout)).sum().backward()
    got = masked_softmax_backward_solution(*case.args)
    np.testing.assert_allclose(got, scores.grad.numpy(),
                               rtol=1e-5 if got.dtype == np.float32 else 1e-12,
                               atol=1e-6 if got.dtype == np.float32 else 1e-15)


@pytest.mark.parametrize("case", attention.MAX_ATTENTION_WEIGHT_CASES, ids=lambda c: str(c.args))
def test_the_max_attention_weight_reference_on_every_case_agrees_with_mpmath(case):
    mpmath.mp.dps = 50
    d, t = case.args
    s = mpmath.sqrt(d)
    want = float(mpmath.exp(s) / (mpmath.exp(s) + (t - 1) * mpmath.exp(-s)))
    got = max_attention_weight_solution(d, t)
    assert type(got) is float and got == pytest.approx(want, rel=1e-14)
