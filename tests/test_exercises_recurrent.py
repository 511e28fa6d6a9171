"""Checkers of course_lib.exercises.recurrent: accept right answers, reject typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import torch
from exercise_helpers import judged, rejects, stub, verdict
from exercise_mutations import ARRAY_KINDS, wrong_answers

from course_lib.exercises import recurrent
from course_lib.layers import GatedRNN

NAMES = recurrent.GATED_PARAM_NAMES


def _problem(seed, n=3, d=2, h=4, dtype=np.float64):
    rng = np.random.default_rng(seed)
    params = {
        "Wx": rng.standard_normal((d, h)), "Wh": rng.standard_normal((h, h)),
        "b": rng.standard_normal(h), "Wxz": rng.standard_normal((d, h)),
        "Whz": rng.standard_normal((h, h)), "bz": rng.standard_normal(h),
    }
    params = {k: v.astype(dtype) for k, v in params.items()}
    x = rng.standard_normal((n, d)).astype(dtype)
    h_prev = (0.5 * rng.standard_normal((n, h))).astype(dtype)
    dh = rng.standard_normal((n, h)).astype(dtype)
    return dh, x, h_prev, params


# --- the reference solutions are right ------------------------------------------------------


def _torch_step(x, h_prev, params):
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    xt = torch.tensor(x, requires_grad=True)
    ht = torch.tensor(h_prev, requires_grad=True)
    a = xt @ t["Wx"] + ht @ t["Wh"] + t["b"]
    z = torch.sigmoid(xt @ t["Wxz"] + ht @ t["Whz"] + t["bz"])
    return z * torch.tanh(a) + (1 - z) * ht, xt, ht, t


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gated_step_solutions_match_torch_autograd(seed):
    dh, x, h_prev, params = _problem(seed)
    h_torch, xt, ht, t = _torch_step(x, h_prev, params)
    h_torch.backward(torch.tensor(dh))
    np.testing.assert_allclose(recurrent.gated_step_solution(x, h_prev, params),
                               h_torch.detach().numpy(), rtol=1e-13, atol=1e-15)
    dx, dh_prev, grads = recurrent.gated_step_backward_solution(dh, x, h_prev, params)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dh_prev, ht.grad.numpy(), rtol=1e-12, atol=1e-14)
    assert sorted(grads) == sorted(NAMES)
    for k in NAMES:
        np.testing.assert_allclose(grads[k], t[k].grad.numpy(), rtol=1e-12, atol=1e-14)


def test_gated_step_solutions_match_the_library_cell_for_one_step():
    dh, x, h_prev, params = _problem(5, n=4, d=3, h=5)
    cell = GatedRNN(3, 5, rng=0)
    for k in NAMES:
        cell.params[k][...] = params[k]
    states = cell.forward(x[:, None, :], h0=h_prev)
    np.testing.assert_allclose(states[:, 0], recurrent.gated_step_solution(x, h_prev, params),
                               rtol=1e-13, atol=1e-15)
    dx_seq = cell.backward(dh[:, None, :])
    dx, dh_prev, grads = recurrent.gated_step_backward_solution(dh, x, h_prev, params)
    np.testing.assert_allclose(dx_seq[:, 0], dx, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cell.dh0, dh_prev, rtol=1e-12, atol=1e-14)
    for k in NAMES:
        np.testing.assert_allclose(cell.grads[k], grads[k], rtol=1e-12, atol=1e-14)


def test_the_step_solutions_looped_over_a_sequence_are_the_library_cell_with_its_bptt():
    """Notebook 11 trains a layer that calls the step functions once per time step (forward)
    and from the last step to the first (BPTT), adding the parameter gradients: over a whole
    sequence that must be GatedRNN's forward and backward."""
    rng = np.random.default_rng(7)
    n, t_len, d, h = 3, 6, 2, 4
    x, dout = rng.standard_normal((n, t_len, d)), rng.standard_normal((n, t_len, h))
    cell = GatedRNN(d, h, rng=1)
    cell.params["bz"][...] = rng.standard_normal(h)  # a gate neither open nor closed
    states = cell.forward(x)
    dx_lib = cell.backward(dout)
    hs = [np.zeros((n, h))]
    for t in range(t_len):
        hs.append(recurrent.gated_step_solution(x[:, t], hs[t], cell.params))
    np.testing.assert_allclose(np.stack(hs[1:], axis=1), states, rtol=1e-12, atol=1e-14)
    dx, dh = np.zeros_like(x), np.zeros((n, h))
    grads = {k: np.zeros_like(v) for k, v in cell.params.items()}
    for t in reversed(range(t_len)):
        dx[:, t], dh, step = recurrent.gated_step_backward_solution(dout[:, t] + dh, x[:, t],
                                                                     hs[t], cell.params)
        for k in grads:
            grads[k] += step[k]
    np.testing.assert_allclose(dx, dx_lib, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(dh, cell.dh0, rtol=1e-11, atol=1e-13)
    for k in NAMES:
        np.testing.assert_allclose(grads[k], cell.grads[k], rtol=1e-11, atol=1e-13)


def test_gated_step_backward_solution_keeps_float32_and_leaves_dh_alone():
    dh, x, h_prev, params = _problem(7, dtype=np.float32)
    before = dh.copy()
    dx, dh_prev, grads = recurrent.gated_step_backward_solution(dh, x, h_prev, params)
    assert dx.dtype == dh_prev.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())
    np.testing.assert_array_equal(dh, before)


def test_per_step_std_solution_matches_torch():
    states = np.random.default_rng(4).standard_normal((4, 6, 5)) * np.arange(1, 7)[None, :, None]
    want = torch.std(torch.from_numpy(states), dim=(0, 2), correction=0).numpy()
    np.testing.assert_allclose(recurrent.per_step_std_solution(states), want, rtol=1e-13)
    got32 = recurrent.per_step_std_solution(states.astype(np.float32))
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, want, rtol=1e-5)


def test_per_step_std_solution_against_a_loop():
    states = np.random.default_rng(3).standard_normal((5, 7, 3)) * np.arange(1, 8)[None, :, None]
    want = [float(np.sqrt(np.mean((states[:, t] - states[:, t].mean()) ** 2))) for t in range(7)]
    np.testing.assert_allclose(recurrent.per_step_std_solution(states), want, rtol=1e-14)


# --- gated_step -----------------------------------------------------------------------------


def step_expit(x, h_prev, params):
    p = params
    a = x @ p["Wx"] + h_prev @ p["Wh"] + p["b"]
    z = scipy.special.expit(x @ p["Wxz"] + h_prev @ p["Whz"] + p["bz"])
    return h_prev + z * (np.tanh(a) - h_prev)


@pytest.mark.parametrize("candidate", [step_expit])
def test_gated_step_accepts_correct_styles(capsys, candidate):
    assert "gated_step: correct - all 3 checks passed." in verdict(
        capsys, recurrent.check_gated_step, candidate)


def test_gated_step_stub_is_not_implemented(capsys):
    assert "gated_step: not implemented yet" in verdict(capsys, recurrent.check_gated_step, stub)


def step_naive_sigmoid(x, h_prev, params):
    p = params
    a = x @ p["Wx"] + h_prev @ p["Wh"] + p["b"]
    z = 1 / (1 + np.exp(-(x @ p["Wxz"] + h_prev @ p["Whz"] + p["bz"])))
    return z * np.tanh(a) + (1 - z) * h_prev


def step_swapped_mix(x, h_prev, params):
    p = params
    a = x @ p["Wx"] + h_prev @ p["Wh"] + p["b"]
    z = scipy.special.expit(x @ p["Wxz"] + h_prev @ p["Whz"] + p["bz"])
    return (1 - z) * np.tanh(a) + z * h_prev


def step_slide_gate(x, h_prev, params):  # the slide: no gate weights
    p = params
    a = x @ p["Wx"] + h_prev @ p["Wh"] + p["b"]
    z = scipy.special.expit(a + h_prev)
    return z * np.tanh(a) + (1 - z) * h_prev


def step_no_recurrence_in_gate(x, h_prev, params):
    p = params
    a = x @ p["Wx"] + h_prev @ p["Wh"] + p["b"]
    z = scipy.special.expit(x @ p["Wxz"] + p["bz"])
    return z * np.tanh(a) + (1 - z) * h_prev


def step_transposed_weights(x, h_prev, params):
    p = params
    a = x @ p["Wx"] + h_prev @ p["Wh"].T + p["b"]
    z = scipy.special.expit(x @ p["Wxz"] + h_prev @ p["Whz"].T + p["bz"])
    return z * np.tanh(a) + (1 - z) * h_prev


def step_forced_float64(x, h_prev, params):
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    return step_expit(np.asarray(x, dtype=np.float64), np.asarray(h_prev, dtype=np.float64), p)


def step_in_place(x, h_prev, params):
    p = params
    a = x @ p["Wx"] + h_prev @ p["Wh"] + p["b"]
    z = scipy.special.expit(x @ p["Wxz"] + h_prev @ p["Whz"] + p["bz"])
    h_prev *= 1 - z
    h_prev += z * np.tanh(a)
    return h_prev


def step_without_candidate_tanh(x, h_prev, params):
    p = params
    a = x @ p["Wx"] + h_prev @ p["Wh"] + p["b"]
    z = scipy.special.expit(x @ p["Wxz"] + h_prev @ p["Whz"] + p["bz"])
    return z * a + (1 - z) * h_prev


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (step_naive_sigmoid, "overflow encountered in exp"),
        (step_swapped_mix, "h = z * tanh(a) + (1 - z) * h_prev"),
        (step_slide_gate, "h = z * tanh(a) + (1 - z) * h_prev"),
        (step_no_recurrence_in_gate, "h = z * tanh(a) + (1 - z) * h_prev"),
        (step_transposed_weights, "h = z * tanh(a) + (1 - z) * h_prev"),
        (step_forced_float64, "float32 in must give float32 out"),
        (step_in_place, "modified its input"),
        (step_without_candidate_tanh, "h = z * tanh(a) + (1 - z) * h_prev"),
    ],
)
def test_gated_step_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, recurrent.check_gated_step, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


# --- gated_step_backward --------------------------------------------------------------------


def _forward(x, h_prev, p):
    c = np.tanh(x @ p["Wx"] + h_prev @ p["Wh"] + p["b"])
    z = scipy.special.expit(x @ p["Wxz"] + h_prev @ p["Whz"] + p["bz"])
    return c, z


def backward_by_paths(dh, x, h_prev, params):
    """Another correct style: via dz and the sigmoid's slope from expit(g) * expit(-g)."""
    p = params
    dh = np.asarray(dh)
    dh = dh if dh.dtype.kind == "f" else dh.astype(np.float64)
    g = x @ p["Wxz"] + h_prev @ p["Whz"] + p["bz"]
    c = np.tanh(x @ p["Wx"] + h_prev @ p["Wh"] + p["b"])
    z = scipy.special.expit(g)
    dz = dh * (c - h_prev)
    dg = dz * scipy.special.expit(g) * scipy.special.expit(-g)
    dc = dh * z
    da = dc * (1 - c) * (1 + c)
    grads = {}
    for name, delta in (("", da), ("z", dg)):
        grads["Wx" + name] = np.einsum("nd,nh->dh", x, delta)
        grads["Wh" + name] = np.einsum("nk,nh->kh", h_prev, delta)
        grads["b" + name] = delta.sum(axis=0)
    dx = da @ p["Wx"].T + dg @ p["Wxz"].T
    dh_prev = dh - dh * z + da @ p["Wh"].T + dg @ p["Whz"].T
    return dx, dh_prev, grads


@pytest.mark.parametrize(
    "candidate", [backward_by_paths]
)
def test_gated_step_backward_accepts_correct_styles(capsys, candidate):
    assert "gated_step_backward: correct - all 4 checks passed." in verdict(
        capsys, recurrent.check_gated_step_backward, candidate)


def test_gated_step_backward_stub_is_not_implemented(capsys):
    line = verdict(capsys, recurrent.check_gated_step_backward, stub)
    assert "gated_step_backward: not implemented yet" in line


def test_gated_step_backward_is_wrong_for_a_non_function(capsys):
    line = verdict(capsys, recurrent.check_gated_step_backward, 42)
    assert line.startswith("gated_step_backward: wrong - expected a function")


def backward_dh_in_place(dh, x, h_prev, params):
    _, z = _forward(x, h_prev, params)
    dx, dh_prev, grads = recurrent.gated_step_backward_solution(dh.copy(), x, h_prev, params)
    dh *= 1 - z  # "reuse the buffer"
    return dx, dh_prev, grads


def backward_int_truncated(dh, x, h_prev, params):
    dx, dh_prev, grads = recurrent.gated_step_backward_solution(dh, x, h_prev, params)
    out = np.zeros_like(dh)
    out += dh_prev.astype(out.dtype)
    return dx, out, grads


def backward_forced_float64(dh, x, h_prev, params):
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    return recurrent.gated_step_backward_solution(
        np.asarray(dh, dtype=np.float64), np.asarray(x, dtype=np.float64),
        np.asarray(h_prev, dtype=np.float64), p)


def backward_as_list(dh, x, h_prev, params):
    return list(recurrent.gated_step_backward_solution(dh, x, h_prev, params))


def backward_grads_as_tuple(dh, x, h_prev, params):
    dx, dh_prev, grads = recurrent.gated_step_backward_solution(dh, x, h_prev, params)
    return dx, dh_prev, tuple(grads[k] for k in NAMES)


def _wrong_backwards():
    """(name, candidate, text the verdict must contain)."""
    cases = []

    def no_direct_path(dh, x, h_prev, params):
        dx, dh_prev, grads = recurrent.gated_step_backward_solution(dh, x, h_prev, params)
        _, z = _forward(x, h_prev, params)
        return dx, dh_prev - np.asarray(dh) * (1 - z), grads

    def no_gate_path(dh, x, h_prev, params):
        dx, dh_prev, grads = recurrent.gated_step_backward_solution(dh, x, h_prev, params)
        c, z = _forward(x, h_prev, params)
        dg = np.asarray(dh) * (c - h_prev) * z * (1 - z)
        return dx, dh_prev - dg @ params["Whz"].T, grads

    def tanh_slope_from_a(dh, x, h_prev, params):
        p = params
        a = x @ p["Wx"] + h_prev @ p["Wh"] + p["b"]
        dx, dh_prev, grads = recurrent.gated_step_backward_solution(dh, x, h_prev, params)
        _, z = _forward(x, h_prev, p)
        da = np.asarray(dh) * z * (1 - a * a)
        grads = dict(grads, Wx=x.T @ da, Wh=h_prev.T @ da, b=da.sum(axis=0))
        return dx, dh_prev, grads

    def gate_sign_error(dh, x, h_prev, params):
        dx, dh_prev, grads = recurrent.gated_step_backward_solution(dh, x, h_prev, params)
        c, z = _forward(x, h_prev, params)
        dg = np.asarray(dh) * (h_prev - c) * z * (1 - z)
        grads = dict(grads, Wxz=x.T @ dg, Whz=h_prev.T @ dg, bz=dg.sum(axis=0))
        return dx, dh_prev, grads

    def bias_not_summed(dh, x, h_prev, params):
        dx, dh_prev, grads = recurrent.gated_step_backward_solution(dh, x, h_prev, params)
        c, z = _forward(x, h_prev, params)
        return dx, dh_prev, dict(grads, b=np.asarray(dh) * z * (1 - c * c))

    def weights_transposed(dh, x, h_prev, params):
        dx, dh_prev, grads = recurrent.gated_step_backward_solution(dh, x, h_prev, params)
        return dx, dh_prev, dict(grads, Wx=grads["Wx"].T)

    def dx_without_gate(dh, x, h_prev, params):
        dx, dh_prev, grads = recurrent.gated_step_backward_solution(dh, x, h_prev, params)
        c, z = _forward(x, h_prev, params)
        dg = np.asarray(dh) * (c - h_prev) * z * (1 - z)
        return dx - dg @ params["Wxz"].T, dh_prev, grads

    cases += [
        (no_direct_path, "h_prev reaches h on three paths"),
        (no_gate_path, "h_prev reaches h on three paths"),
        (tanh_slope_from_a, "da = dh * z * (1 - c^2)"),
        (gate_sign_error, "dg = dh * (c - h_prev) * z * (1 - z)"),
        (bias_not_summed, "grads['b']: shape (2, 3), expected (3,)"),
        (weights_transposed, "grads['Wx']: shape (3, 1), expected (1, 3)"),
        (dx_without_gate, "x feeds the candidate and the gate"),
        (backward_dh_in_place, "modified its input dh"),
        (backward_int_truncated, "dh_prev: dtype int64, expected float64"),
        (backward_forced_float64, "float32 in must give float32 out"),
        (backward_as_list, "returned a list, expected the tuple (dx, dh_prev, grads)"),
        (backward_grads_as_tuple, "expected a dict with the keys Wx, Wh, b, Wxz, Whz, bz"),
    ]
    return cases


@pytest.mark.parametrize(
    "candidate, expected_in_line", _wrong_backwards(), ids=lambda v: getattr(v, "__name__", "")
)
def test_gated_step_backward_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, recurrent.check_gated_step_backward, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


# --- per_step_std ---------------------------------------------------------------------------


def std_reshaped(states):
    s = np.asarray(states)
    s = s if s.dtype.kind == "f" else s.astype(np.float64)
    per_step = np.moveaxis(s, 1, 0).reshape(s.shape[1], -1)
    return per_step.std(axis=1)


@pytest.mark.parametrize("candidate", [std_reshaped])
def test_per_step_std_accepts_correct_styles(capsys, candidate):
    assert "per_step_std: correct - all 4 checks passed." in verdict(
        capsys, recurrent.check_per_step_std, candidate)


def test_per_step_std_stub_is_not_implemented(capsys):
    line = verdict(capsys, recurrent.check_per_step_std, stub)
    assert "per_step_std: not implemented yet" in line


def _f(states):
    s = np.asarray(states)
    return s if s.dtype.kind == "f" else s.astype(np.float64)


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (lambda s: np.std(_f(s), axis=(0, 1)), "shape (2,), expected (4,)"),  # slide
        (lambda s: np.std(_f(s), axis=1), "shape (2, 2), expected (4,)"),
        (lambda s: np.std(_f(s), axis=(1, 2)), "shape (2,), expected (4,)"),
        (lambda s: np.std(_f(s)), "expected a numpy array"),
        (lambda s: np.mean(_f(s), axis=(0, 2)), "one number per time step"),
        (lambda s: np.std(_f(s), axis=(0, 2), ddof=1), "one number per time step"),
        (lambda s: np.std(_f(s), axis=0).mean(axis=1), "one number per time step"),
        (lambda s: np.sqrt(np.mean(_f(s) ** 2, axis=(0, 2))), "one number per time step"),
        (lambda s: np.abs(_f(s) - _f(s).mean(axis=(0, 2), keepdims=True)).mean(axis=(0, 2)),
         "one number per time step"),
        (lambda s: np.std(np.asarray(s, dtype=np.float64), axis=(0, 2)),
         "float32 in must give float32 out"),
        (lambda s: np.std(np.asarray(s), axis=(0, 2)).astype(np.asarray(s).dtype),
         "dtype int64, expected float64"),
    ],
)
def test_per_step_std_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, recurrent.check_per_step_std, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


def test_per_step_std_rejects_an_in_place_centring(capsys):
    def centring(states):
        s = _f(states)
        s -= s.mean(axis=(0, 2), keepdims=True)
        return np.sqrt(np.mean(s**2, axis=(0, 2)))

    line = verdict(capsys, recurrent.check_per_step_std, centring)
    assert "modified its input" in line


# --- the question ---------------------------------------------------------------------------


def _answer(capsys, check, given):
    assert check(given) is None
    out, err = capsys.readouterr()
    assert err == "" and out.endswith("\n")
    return " ".join(out.split())


def test_tanh_bptt_decay_question(capsys):
    check = recurrent.check_tanh_bptt_decay
    assert _answer(capsys, check, "c").startswith("tanh_bptt_decay: correct - (c)")
    for letter in ("a", "b", "A"):
        assert _answer(capsys, check, letter).startswith("tanh_bptt_decay: wrong - you chose")
    assert _answer(capsys, check, None).startswith("tanh_bptt_decay: not answered yet")
    for garbage in ("", "cc", 1e-9, {"c": 1}):
        assert _answer(capsys, check, garbage).startswith(
            "tanh_bptt_decay: wrong - answer with one of the letters")


# --- every kind of wrong answer, made from a right one (tests/exercise_mutations.py) ---


_WRONG_GATED_STEP = wrong_answers(
    recurrent.gated_step_solution,
    ARRAY_KINDS,
)


@pytest.mark.parametrize("candidate, expected", _WRONG_GATED_STEP)
def test_gated_step_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, recurrent.check_gated_step, candidate, expected)
    assert found.name == "gated_step"


_WRONG_GATED_STEP_BACKWARD = wrong_answers(
    recurrent.gated_step_backward_solution,
    ARRAY_KINDS,
)


@pytest.mark.parametrize("candidate, expected", _WRONG_GATED_STEP_BACKWARD)
def test_gated_step_backward_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, recurrent.check_gated_step_backward, candidate, expected)
    assert found.name == "gated_step_backward"


_WRONG_PER_STEP_STD = wrong_answers(
    recurrent.per_step_std_solution,
    ARRAY_KINDS,
)


@pytest.mark.parametrize("candidate, expected", _WRONG_PER_STEP_STD)
def test_per_step_std_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, recurrent.check_per_step_std, candidate, expected)
    assert found.name == "per_step_std"


# --- every checker input, against torch -------------------------------------------------------


def _torch_step(x, h_prev, params):
    p = {k: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True)
         for k, v in params.items()}
    x = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    h_prev = torch.tensor(np.asarray(h_prev, dtype=np.float64), requires_grad=True)
    z = torch.sigmoid(x @ p["Wxz"] + h_prev @ p["Whz"] + p["bz"])
    h = z * torch.tanh(x @ p["Wx"] + h_prev @ p["Wh"] + p["b"]) + (1 - z) * h_prev
    return h, x, h_prev, p


@pytest.mark.parametrize("case", recurrent.GATED_STEP_CASES, ids=lambda c: str(c.args[0])[:20])
def test_the_gated_step_reference_on_every_case_agrees_with_torch(case):
    got = recurrent.gated_step_solution(*case.args)
    want = _torch_step(*case.args)[0].detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5 if got.dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("case", recurrent.GATED_BACKWARD_CASES,
                         ids=lambda c: str(c.args[0])[:20])
def test_the_gated_backward_reference_on_every_case_agrees_with_torch_autograd(case):
    dh = case.args[0]
    h, x, h_prev, p = _torch_step(*case.args[1:])
    (h * torch.from_numpy(np.asarray(dh, dtype=np.float64))).sum().backward()
    dx, dh_prev, grads = recurrent.gated_step_backward_solution(*case.args)
    rtol = 1e-5 if dx.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(dx, x.grad.numpy(), rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(dh_prev, h_prev.grad.numpy(), rtol=rtol, atol=1e-12)
    for k in recurrent.GATED_PARAM_NAMES:
        np.testing.assert_allclose(grads[k], p[k].grad.numpy(), rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("case", recurrent.PER_STEP_STD_CASES,
                         ids=lambda c: str(c.args[0].dtype))
def test_the_per_step_std_reference_on_every_case_agrees_with_torch(case):
    states = np.asarray(case.args[0], dtype=np.float64)
    want = torch.std(torch.from_numpy(states), dim=(0, 2), correction=0).numpy()
    got = recurrent.per_step_std_solution(*case.args)
    np.testing.assert_allclose(got, want, rtol=1e-6 if got.dtype == np.float32 else 1e-13)
