"""Checkers of course_lib.exercises.adaptive: accept right answers, reject typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from exercise_helpers import answer, judged, rejects, stub, verdict
from exercise_mutations import ARRAY_KINDS, NUMBER_KINDS, wrong_answers

from course_lib.exercises import adaptive as ex
from course_lib.layers import AdaptiveSwish
from course_lib.losses import MSELoss

# --- the references are right ---------------------------------------------------------------


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_backward_solution_matches_torch_autograd(dtype, rtol):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((7, 4)) * 3).astype(dtype)
    alpha = rng.uniform(0.5, 2.0, 4).astype(dtype)
    beta = rng.uniform(-2.0, 2.0, 4).astype(dtype)
    dout = rng.standard_normal((7, 4)).astype(dtype)
    dx, dalpha, dbeta = ex.adaptive_swish_backward_solution(x, alpha, beta, dout)
    assert dx.dtype == dalpha.dtype == dbeta.dtype == dtype

    xt, at, bt = (torch.tensor(v, requires_grad=True) for v in (x, alpha, beta))
    (at * xt * torch.sigmoid(bt * xt)).backward(torch.from_numpy(dout))
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=rtol, atol=1e-6 * rtol)
    np.testing.assert_allclose(dalpha, at.grad.numpy(), rtol=rtol, atol=1e-6 * rtol)
    np.testing.assert_allclose(dbeta, bt.grad.numpy(), rtol=rtol, atol=1e-6 * rtol)


def test_backward_solution_matches_the_layer_and_is_finite_for_large_inputs():
    x = np.array([[-800.0, 800.0, -40.0, 40.0], [-3.0, 2.0, 0.0, -0.5]])
    dout = np.array([[1.0, -1.0, 2.0, 0.5], [0.3, 1.0, -2.0, 1.0]])
    layer = AdaptiveSwish(4, alpha=1.5, beta=0.7)
    layer.forward(x)
    dx_layer = layer.backward(dout)
    dx, dalpha, dbeta = ex.adaptive_swish_backward_solution(x, layer.params["alpha"],
                                                            layer.params["beta"], dout)
    np.testing.assert_allclose(dx, dx_layer, rtol=1e-13, atol=0)
    np.testing.assert_allclose(dalpha, layer.grads["alpha"], rtol=1e-13, atol=0)
    np.testing.assert_allclose(dbeta, layer.grads["beta"], rtol=1e-13, atol=0)
    assert all(np.all(np.isfinite(g)) for g in (dx, dalpha, dbeta))


def test_mse_solution_matches_library_and_torch_and_keeps_target():
    rng = np.random.default_rng(1)
    prediction = rng.standard_normal((9, 1))
    target = rng.standard_normal(9)
    before = target.copy()
    loss, grad = ex.mse_loss_and_grad_solution(prediction, target)
    np.testing.assert_array_equal(target, before)
    assert target.shape == (9,)
    lib = MSELoss()
    assert loss == pytest.approx(lib.forward(prediction, target[:, None]), rel=1e-14)
    np.testing.assert_allclose(grad, lib.backward(), rtol=1e-14)
    pt = torch.tensor(prediction, requires_grad=True)
    torch.nn.functional.mse_loss(pt, torch.from_numpy(target[:, None])).backward()
    np.testing.assert_allclose(grad, pt.grad.numpy(), rtol=1e-14)


# --- question -------------------------------------------------------------------------------


def test_question_adaptive_vs_fixed(capsys):
    check = ex.check_adaptive_vs_fixed_swish
    assert ": correct - (c)" in answer(capsys, check, "c")
    assert " wrong - you chose (a)" in answer(capsys, check, "a")
    assert " wrong - you chose (b)" in answer(capsys, check, "B")
    assert "not answered yet" in answer(capsys, check, None)
    assert "answer with one of the letters" in answer(capsys, check, 0.9)


# --- the backward exercise ------------------------------------------------------------------


def torch_style(x, alpha, beta, dout):
    """Autograd does the work: a correct answer in another style."""
    x, alpha, beta, dout = (np.asarray(v) for v in (x, alpha, beta, dout))
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    xt, at, bt = (torch.tensor(v.astype(dtype), requires_grad=True) for v in (x, alpha, beta))
    (at * xt * torch.sigmoid(bt * xt)).backward(torch.from_numpy(dout.astype(dtype)))
    return xt.grad.numpy(), at.grad.numpy(), bt.grad.numpy()


def layer_style(x, alpha, beta, dout):
    """The library layer; its parameter gradients are float64, cast to the input's dtype."""
    x = np.asarray(x)
    layer = AdaptiveSwish(x.shape[1])
    layer.params["alpha"][...] = alpha
    layer.params["beta"][...] = beta
    layer.forward(x)
    dx = layer.backward(dout)
    dtype = dx.dtype
    return dx, layer.grads["alpha"].astype(dtype), layer.grads["beta"].astype(dtype)


def s_one_minus_s(x, alpha, beta, dout):
    """sigma' as s * (1 - s) with a stable sigmoid: loses only values below atol."""
    from course_lib.activations import sigmoid

    x = np.asarray(x, dtype=np.result_type(np.asarray(x).dtype, np.float32))
    dout = np.asarray(dout).astype(x.dtype)
    s = sigmoid(beta * x)
    ds = s * (1 - s)
    return (dout * alpha * (s + beta * x * ds), (dout * x * s).sum(0),
            (dout * alpha * x**2 * ds).sum(0))


@pytest.mark.parametrize("candidate", [torch_style,
                                       s_one_minus_s, layer_style])
def test_backward_accepts_correct_styles(capsys, candidate):
    line = verdict(capsys, ex.check_adaptive_swish_backward, candidate)
    assert "adaptive_swish_backward: correct - all 7 checks passed." in line, line


def test_backward_stub(capsys):
    assert "not implemented yet" in verdict(capsys, ex.check_adaptive_swish_backward, stub)


def naive_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def slide_backward(x, alpha, beta, dout):  # slide 9: no sum over the batch, naive sigmoid
    s = naive_sigmoid(beta * x)
    return (dout * alpha * (s + x * beta * s * (1 - s)), dout * x * s,
            dout * alpha * x * x * s * (1 - s))


def solution_with(**changes):
    def candidate(x, alpha, beta, dout):
        dx, da, db = ex.adaptive_swish_backward_solution(x, alpha, beta, dout)
        return changes.get("dx", lambda v, *a: v)(dx, x, alpha, beta, dout), \
            changes.get("da", lambda v, *a: v)(da, x, alpha, beta, dout), \
            changes.get("db", lambda v, *a: v)(db, x, alpha, beta, dout)
    return candidate


def mean_not_sum(x, alpha, beta, dout):
    dx, da, db = ex.adaptive_swish_backward_solution(x, alpha, beta, dout)
    n = np.asarray(x).shape[0]
    return dx, da / n, db / n


def naive_but_summed(x, alpha, beta, dout):
    s = naive_sigmoid(beta * x)
    ds = s * (1 - s)
    return (dout * alpha * (s + beta * x * ds), np.sum(dout * x * s, axis=0),
            np.sum(dout * alpha * x * x * ds, axis=0))


def dbeta_without_square(x, alpha, beta, dout):
    dx, da, _ = ex.adaptive_swish_backward_solution(x, alpha, beta, dout)
    from course_lib.activations import sigmoid_grad
    x = np.asarray(x, dtype=float)
    return dx, da, np.sum(dout * alpha * x * sigmoid_grad(beta * x), axis=0)


def dx_without_beta(x, alpha, beta, dout):
    from course_lib.activations import sigmoid, sigmoid_grad
    x = np.asarray(x, dtype=float)
    _, da, db = ex.adaptive_swish_backward_solution(x, alpha, beta, dout)
    return dout * alpha * (sigmoid(beta * x) + x * sigmoid_grad(beta * x)), da, db


def forced_float64(x, alpha, beta, dout):
    return ex.adaptive_swish_backward_solution(*(np.asarray(v, dtype=np.float64)
                                                 for v in (x, alpha, beta, dout)))


def mutates_dout(x, alpha, beta, dout):
    dx, da, db = ex.adaptive_swish_backward_solution(x, alpha, beta, dout)
    dout *= 0
    return dx, da, db


def integer_dout(x, alpha, beta, dout):
    dx, da, db = ex.adaptive_swish_backward_solution(x, alpha, beta, dout)
    out = np.zeros_like(dout)
    out[...] = dx
    return out, da, db


def wrong_sign(x, alpha, beta, dout):
    dx, da, db = ex.adaptive_swish_backward_solution(x, alpha, beta, dout)
    return dx, da, -db


def as_lists(x, alpha, beta, dout):
    return [g.tolist() for g in ex.adaptive_swish_backward_solution(x, alpha, beta, dout)]


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (slide_backward, "shape"),
        (mean_not_sum, "summed over the batch"),
        (naive_but_summed, "overflow"),
        (dbeta_without_square, "dbeta"),
        (dx_without_beta, "dx"),
        (forced_float64, "float32"),
        (mutates_dout, "modified its input"),
        (integer_dout, "integer"),
        (wrong_sign, "dbeta"),
        (as_lists, "numpy array"),
    ],
)
def test_backward_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, ex.check_adaptive_swish_backward, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


# --- the MSE exercise -----------------------------------------------------------------------


def mse_with_indexing(prediction, target):
    prediction = np.asarray(prediction)
    target = np.asarray(target)
    if target.ndim == 1:
        target = target[:, None]
    diff = prediction - target
    return float(np.mean(np.square(diff))), diff * (2 / diff.size)


def mse_via_library(prediction, target):
    prediction = np.asarray(prediction)
    loss = MSELoss()
    value = loss.forward(prediction, np.reshape(target, prediction.shape))
    return value, loss.backward()


@pytest.mark.parametrize("candidate", [mse_with_indexing,
                                       mse_via_library])
def test_mse_accepts_correct_styles(capsys, candidate):
    assert "mse_loss_and_grad: correct - all 4 checks passed." in verdict(
        capsys, ex.check_mse_loss_and_grad, candidate)


def test_mse_stub(capsys):
    assert "not implemented yet" in verdict(capsys, ex.check_mse_loss_and_grad, stub)


def mse_broadcasting(prediction, target):
    diff = prediction - target
    return float(np.mean(diff**2)), 2 * diff / diff.size


def mse_sum(prediction, target):
    diff = prediction - np.reshape(target, prediction.shape)
    return float(np.sum(diff**2)), 2 * diff


def mse_no_factor_two(prediction, target):
    diff = prediction - np.reshape(target, prediction.shape)
    return float(np.mean(diff**2)), diff / diff.size


def mse_rows_only(prediction, target):
    diff = prediction - np.reshape(target, prediction.shape)
    return float(np.mean(diff**2)), 2 * diff / len(diff)


def mse_mutates_target(prediction, target):
    target.shape = prediction.shape
    diff = prediction - target
    return float(np.mean(diff**2)), 2 * diff / diff.size


def mse_flat_grad(prediction, target):
    diff = np.ravel(prediction) - np.ravel(target)
    return float(np.mean(diff**2)), 2 * diff / diff.size


def mse_float64_grad(prediction, target):
    diff = np.asarray(prediction, dtype=np.float64) - np.reshape(target, np.shape(prediction))
    return float(np.mean(diff**2)), 2 * diff / diff.size


def mse_array_loss(prediction, target):
    diff = prediction - np.reshape(target, prediction.shape)
    return np.mean(diff**2, axis=0), 2 * diff / diff.size


def mse_wrong_sign(prediction, target):
    diff = np.reshape(target, prediction.shape) - prediction
    return float(np.mean(diff**2)), 2 * diff / diff.size


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (mse_broadcasting, "broadcasts to (6, 6)"),
        (mse_sum, "loss:"),
        (mse_no_factor_two, "its gradient is 2 *"),
        (mse_rows_only, "M counts every element"),
        (mse_mutates_target, "modified its input"),
        (mse_flat_grad, "shape"),
        (mse_float64_grad, "float32"),
        (mse_array_loss, "number"),
        (mse_wrong_sign, "its gradient is 2 *"),
    ],
)
def test_mse_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, ex.check_mse_loss_and_grad, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


def test_checkers_ignore_the_notebooks_numeric_state(capsys):
    old = np.seterr(all="raise")
    try:
        assert " correct - " in verdict(capsys, ex.check_adaptive_swish_backward,
                                        ex.adaptive_swish_backward_solution)
        assert " correct - " in verdict(capsys, ex.check_mse_loss_and_grad,
                                        ex.mse_loss_and_grad_solution)
    finally:
        np.seterr(**old)


def test_backward_float32_large_inputs_need_a_stable_sigmoid(capsys):
    def float32_naive(x, alpha, beta, dout):  # clipping at 700 is a float64-only guard
        x = np.asarray(x)
        s = 1 / (1 + np.exp(-np.clip(beta * x, -700, 700)))
        ds = s * (1 - s)
        return (dout * alpha * (s + beta * x * ds), np.sum(dout * x * s, axis=0),
                np.sum(dout * alpha * x * x * ds, axis=0))

    line = verdict(capsys, ex.check_adaptive_swish_backward, float32_naive)
    assert line.startswith("adaptive_swish_backward: wrong - ") and "float32" in line, line
    assert "overflow" in line, line


# --- every kind of wrong answer, made from a right one (tests/exercise_mutations.py) ---


_WRONG_ADAPTIVE_SWISH_BACKWARD = wrong_answers(
    ex.adaptive_swish_backward_solution,
    ARRAY_KINDS,
)


@pytest.mark.parametrize("candidate, expected", _WRONG_ADAPTIVE_SWISH_BACKWARD)
def test_adaptive_swish_backward_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, ex.check_adaptive_swish_backward, candidate, expected)
    assert found.name == "adaptive_swish_backward"


_WRONG_MSE_LOSS_AND_GRAD = wrong_answers(
    ex.mse_loss_and_grad_solution,
    (*(k for k in ARRAY_KINDS if k != "float32 arithmetic"), "float32 inputs",
     *NUMBER_KINDS[2:]),
)


@pytest.mark.parametrize("candidate, expected", _WRONG_MSE_LOSS_AND_GRAD)
def test_mse_loss_and_grad_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, ex.check_mse_loss_and_grad, candidate, expected)
    assert found.name == "mse_loss_and_grad"


# --- the loss: a Python float, float32 rounding only for float32 data ----------------------------


def _mse(loss_of):
    def mse(prediction, target):
        diff = prediction - np.asarray(target).reshape(prediction.shape)
        return loss_of(diff), 2.0 * diff / diff.size

    return mse


@pytest.mark.parametrize(
    "candidate, expected",
    [
        pytest.param(_mse(lambda d: np.mean(d**2)), "loss: returned a numpy float32 scalar",
                     id="numpy scalar for float32 data"),
        pytest.param(_mse(lambda d: float(np.mean(d.astype(np.float32) ** 2))), "loss: expected",
                     id="float32 arithmetic for float64 data"),
        pytest.param(_mse(lambda d: float(np.float16(np.mean(d**2)))), "loss: expected",
                     id="float16-rounded loss"),
        pytest.param(_mse(lambda d: round(float(np.mean(d**2)), 6)), "loss: expected",
                     id="loss rounded to 6 decimals"),
        pytest.param(_mse(lambda d: np.float64(np.mean(d**2)).astype(np.float32)),
                     "loss: returned a numpy float32 scalar", id="float32 scalar"),
    ],
)
def test_mse_loss_type_and_precision(capsys, candidate, expected):
    rejects(capsys, ex.check_mse_loss_and_grad, candidate, expected)


def test_mse_accepts_float32_arithmetic_for_float32_data(capsys):
    # the hint's own code: float(np.mean(diff**2)) sums float32 squares for float32 data
    found = judged(capsys, ex.check_mse_loss_and_grad, _mse(lambda d: float(np.mean(d**2))))
    assert found.status == "correct", found.text


# --- every checker input, against torch ---------------------------------------------------------


@pytest.mark.parametrize("case", ex.ADAPTIVE_SWISH_BACKWARD_CASES,
                         ids=lambda c: str(c.args[0])[:20])
def test_the_backward_reference_on_every_case_agrees_with_torch_autograd(case):
    x, alpha, beta, dout = (torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)
                            for a in case.args)
    (alpha * x * torch.sigmoid(beta * x) * dout.detach()).sum().backward()
    want = (x.grad.numpy(), alpha.grad.numpy(), beta.grad.numpy())
    got = ex.adaptive_swish_backward_solution(*case.args)
    # float32 results: float32 rounding, and subnormal ones (below 1.2e-38) fewer digits
    rtol, atol = (1e-5, 1e-40) if got[0].dtype == np.float32 else (1e-12, 1e-300)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


@pytest.mark.parametrize("case", ex.MSE_CASES + ex.MSE_CASES_FLOAT32,
                         ids=lambda c: str(c.args[1].shape))
def test_the_mse_reference_on_every_case_agrees_with_torch(case):
    prediction, target = (np.asarray(a, dtype=np.float64) for a in case.args)
    p = torch.tensor(prediction, requires_grad=True)
    loss = torch.nn.functional.mse_loss(p, torch.from_numpy(target.reshape(prediction.shape)))
    loss.backward()
    got_loss, got_grad = ex.mse_loss_and_grad_solution(*case.args)
    rtol = 1e-6 if got_grad.dtype == np.float32 else 1e-13
    assert type(got_loss) is float and got_loss == pytest.approx(loss.item(), rel=rtol)
    np.testing.assert_allclose(got_grad, p.grad.numpy(), rtol=rtol)
