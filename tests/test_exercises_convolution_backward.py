"""The conv2d backward exercise: its solution against torch autograd; its checker accepts
correct answers of several styles and rejects typical mistakes (asserting on Verdict fields)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from exercise_helpers import judged, rejects, stub, verdict
from exercise_mutations import ARRAY_KINDS, modifies_input, wrong_answers
from numpy.lib.stride_tricks import sliding_window_view

from course_lib.exercises import convolution_backward as cb
from course_lib.exercises import last_verdict, use
from course_lib.layers import Conv2d

solution = cb.conv2d_backward_im2col_solution
check = cb.check_conv2d_backward_im2col
NAME = "conv2d_backward_im2col"


def autograd(dout, x, weight, padding, stride):
    """dx, dW, db of torch.nn.functional.conv2d by autograd, float64."""
    xt, wt = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, weight))
    bt = torch.zeros(weight.shape[0], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=padding).backward(
        torch.tensor(dout, dtype=torch.float64))
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


SHAPES = [  # x shape, filters, k, padding, stride
    ((2, 3, 5, 6), 4, 3, 0, 1), ((1, 1, 8, 8), 2, 3, 1, 1), ((3, 2, 7, 5), 3, 2, 2, 1),
    ((2, 2, 9, 9), 3, 3, 1, 2), ((1, 2, 8, 7), 5, 4, 2, 2), ((2, 4, 4, 4), 5, 1, 0, 1),
    ((4, 1, 8, 8), 8, 3, 0, 1),
]


def _inputs(shape, filters, k, padding, stride, seed=0):
    rng = np.random.default_rng(seed + sum(shape) + k)
    n, c, h, w = shape
    h_out, w_out = (h + 2 * padding - k) // stride + 1, (w + 2 * padding - k) // stride + 1
    return (rng.standard_normal((n, filters, h_out, w_out)), rng.standard_normal(shape),
            rng.standard_normal((filters, c, k, k)))


@pytest.mark.parametrize("shape, filters, k, padding, stride", SHAPES)
def test_solution_matches_torch_autograd(shape, filters, k, padding, stride):
    dout, x, weight = _inputs(shape, filters, k, padding, stride)
    got = solution(dout, x, weight, padding=padding, stride=stride)
    for mine, want in zip(got, autograd(dout, x, weight, padding, stride), strict=True):
        assert mine.shape == want.shape and mine.dtype == np.float64
        np.testing.assert_allclose(mine, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())


@pytest.mark.parametrize("shape, filters, k, padding, stride", SHAPES)
def test_solution_matches_the_library_layer(shape, filters, k, padding, stride):
    dout, x, weight = _inputs(shape, filters, k, padding, stride, seed=5)
    layer = Conv2d(shape[1], filters, k, stride=stride, padding=padding, rng=0)
    layer.params["W"][...] = weight
    layer.forward(x)
    dx = layer.backward(dout)
    got = solution(dout, x, weight, padding=padding, stride=stride)
    for mine, want in zip(got, (dx, layer.grads["W"], layer.grads["b"]), strict=True):
        np.testing.assert_allclose(mine, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())


def test_solution_keeps_float32_and_leaves_its_inputs_alone():
    dout, x, weight = (a.astype(np.float32) for a in _inputs((2, 2, 5, 5), 3, 3, 1, 1))
    before = [a.copy() for a in (dout, x, weight)]
    got = solution(dout, x, weight, padding=1)
    assert [g.dtype for g in got] == [np.float32] * 3
    for a, b in zip((dout, x, weight), before, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("case", cb.BACKWARD_CASES, ids=lambda c: str(c.args[1])[:40])
def test_the_checker_reference_on_every_case_agrees_with_the_library_layer(case):
    dout, x, weight = (a.array for a in case.args)
    p, s = case.kwargs["padding"], case.kwargs["stride"]
    layer = Conv2d(x.shape[1], weight.shape[0], weight.shape[-1], stride=s, padding=p, rng=0)
    layer.params["W"][...] = weight
    layer.forward(x.astype(np.float64))
    dx = layer.backward(dout.astype(np.float64))
    got = cb._torch_gradients(*case.args, **case.kwargs)
    tol = 1e-5 if x.dtype == np.float32 else 1e-12
    for mine, want in zip(got, (dx, layer.grads["W"], layer.grads["b"]), strict=True):
        assert mine.dtype == x.dtype
        np.testing.assert_allclose(mine, want, rtol=tol, atol=tol)


# --- verdicts -----------------------------------------------------------------------------


def test_the_stub_is_not_implemented_and_the_solution_correct(capsys):
    assert judged(capsys, check, stub).status == "not_implemented"
    found = judged(capsys, check, solution)
    assert found.status == "correct" and found.name == NAME
    assert " correct - all 8 checks passed." in verdict(capsys, check, solution)


def rows_style(dout, x, weight, padding=0, stride=1):
    """The matrix formulas as section 3 writes them: one row per output position."""
    n, c, h, w = x.shape
    f, _, k, _ = weight.shape
    p, s = padding, stride
    h_out, w_out = dout.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    windows = sliding_window_view(xp, (k, k), axis=(2, 3))[:, :, ::s, ::s]
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(-1, c * k * k)
    dy = dout.transpose(0, 2, 3, 1).reshape(-1, f)
    dcols = (dy @ weight.reshape(f, -1)).reshape(n, h_out, w_out, c, k, k)
    dxp = np.zeros_like(xp)
    for i in range(k):
        for j in range(k):
            dxp[:, :, i:i + s * h_out:s, j:j + s * w_out:s] += dcols[..., i, j].transpose(
                0, 3, 1, 2)
    return dxp[:, :, p:p + h, p:p + w], (dy.T @ cols).reshape(weight.shape), dy.sum(axis=0)


def loop_style(dout, x, weight, padding=0, stride=1):
    """Window by window: each output position adds its share (slow, but right)."""
    p, s, k = padding, stride, weight.shape[-1]
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(weight)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = xp[:, :, s * i:s * i + k, s * j:s * j + k]  # (N, C, k, k)
            g = dout[:, :, i, j]  # (N, F)
            dw += np.tensordot(g, window, axes=([0], [0]))
            dxp[:, :, s * i:s * i + k, s * j:s * j + k] += np.tensordot(g, weight, axes=([1], [0]))
    h, w = x.shape[2:]
    return dxp[:, :, p:p + h, p:p + w], dw, dout.sum(axis=(0, 2, 3))


@pytest.mark.parametrize("candidate", [rows_style, loop_style])
def test_other_correct_styles_pass(capsys, candidate):
    found = judged(capsys, check, candidate)
    assert found.status == "correct", found.text


# --- typical mistakes -----------------------------------------------------------------------


def _replace(index, make):
    def answer(dout, x, weight, padding=0, stride=1):
        out = list(solution(dout, x, weight, padding, stride))
        out[index] = make(dout, x, weight, padding, stride, out[index])
        return tuple(out)
    return answer


def assigns_instead_of_adding(dout, x, weight, padding=0, stride=1):
    n, c, h, w = x.shape
    f, _, k, _ = weight.shape
    p, s = padding, stride
    h_out, w_out = dout.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dcols = (weight.reshape(f, -1).T @ dout.reshape(n, f, -1)).reshape(n, c, k, k, h_out, w_out)
    dxp = np.zeros_like(xp)
    for i in range(k):
        for j in range(k):
            dxp[:, :, i:i + s * h_out:s, j:j + s * w_out:s] = dcols[:, :, i, j]  # = not +=
    return (dxp[:, :, p:p + h, p:p + w], *solution(dout, x, weight, padding, stride)[1:])


def flipped_kernel_in_dx(dout, x, weight, padding=0, stride=1):
    dx = solution(dout, x, weight[:, :, ::-1, ::-1], padding, stride)[0]
    return (dx, *solution(dout, x, weight, padding, stride)[1:])


def kernel_axes_first_in_dcols(dout, x, weight, padding=0, stride=1):
    # the rows of W.T @ dY taken in the order (k, k, C): wrong as soon as C > 1
    f, c, k, _ = weight.shape
    w_kkc = weight.transpose(0, 2, 3, 1).reshape(f, c, k, k)
    dx = solution(dout, x, w_kkc, padding, stride)[0]
    return (dx, *solution(dout, x, weight, padding, stride)[1:])


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (assigns_instead_of_adding, ("dx", "hint:+=")),
        (flipped_kernel_in_dx, ("dx",)),
        (kernel_axes_first_in_dcols, ("dx", "hint:weight[f].ravel()")),
        (_replace(2, lambda d, *_: d.sum(axis=(2, 3))), ("db", "shape")),
        (_replace(2, lambda d, *_: d.sum(axis=(0, 2))), ("db", "shape")),
        (_replace(2, lambda d, *_: d[0].sum(axis=(1, 2))), ("db",)),
        (_replace(1, lambda d, x, wt, p, s, dw: solution(d[:1], x[:1], wt, p, s)[1]),
         ("dW", "hint:sum over the images")),
        (_replace(1, lambda d, x, wt, p, s, dw: dw / x.shape[0]), ("dW",)),
        (_replace(1, lambda d, x, wt, p, s, dw: dw.transpose(1, 0, 2, 3)), ("dW", "shape")),
        (_replace(1, lambda d, x, wt, p, s, dw: dw[:, :, ::-1, ::-1]), ("dW",)),
        (_replace(0, lambda d, x, wt, p, s, dx: np.pad(dx, ((0, 0), (0, 0), (p, p), (p, p)))),
         ("dx", "shape")),
        (lambda d, x, wt, padding=0, stride=1: solution(d, x, wt, padding, 1),
         ("raised",)),
        (lambda d, x, wt, padding=0, stride=1: solution(d, x, wt, padding, stride)[::-1],
         ("shape",)),
        (modifies_input(solution, 0), ("modified its input dout",)),
    ],
    ids=["assigns instead of +=", "flipped kernel", "kernel axes first", "db per image",
         "db per column", "db of the first image", "dW of the first image", "dW averaged",
         "dW transposed", "dW flipped", "dx with the padding", "ignores stride",
         "outputs reversed", "modifies dout"],
)
def test_typical_mistakes_are_rejected_and_named(capsys, candidate, expected):
    found = rejects(capsys, check, candidate, *expected)
    assert found.name == NAME and found.case


@pytest.mark.parametrize("candidate, expected", wrong_answers(solution, ARRAY_KINDS))
def test_every_kind_of_wrong_answer_is_rejected(capsys, candidate, expected):
    assert rejects(capsys, check, candidate, expected).name == NAME


def test_float32_arithmetic_fails_and_another_summation_order_passes(capsys):
    def in_float32(dout, x, weight, padding=0, stride=1):
        low = solution(*(a.astype(np.float32) for a in (dout, x, weight)), padding, stride)
        return tuple(g.astype(np.result_type(dout, x, weight)) for g in low)

    found = rejects(capsys, check, in_float32, "first difference")
    assert "float32" in found.finding or found.case
    assert judged(capsys, check, loop_style).status == "correct"  # another order of sums


def test_use_returns_a_passing_candidate_and_the_reference_otherwise(capsys):
    assert use(NAME, rows_style) is rows_style
    assert use(NAME, stub) is solution
    assert use(NAME, assigns_instead_of_adding) is solution
    lines = capsys.readouterr().out.splitlines()
    assert "uses your implementation" in lines[0] and "not implemented yet" in lines[1]
    assert "not passing its checks yet" in lines[2]
    assert last_verdict(NAME).status == "wrong"


# --- what use() returns is a drop-in for notebook 07's stubs ---------------------------------


def test_the_reference_pair_trains_a_cnn_as_the_library_conv2d_does():
    from course_lib.exercises.convolution import conv2d_forward_im2col_solution as forward
    from course_lib.layers import Activation, Flatten, Layer, Linear, MaxPool2d, Sequential
    from course_lib.losses import SoftmaxCrossEntropy
    from course_lib.optim import Adam
    from course_lib.train import fit

    class FromFunctions(Layer):  # notebook 07's YourConv2d
        def __init__(self, c, f, k, rng=None):
            super().__init__()
            self.params = Conv2d(c, f, k, rng=rng).params

        def forward(self, x):
            self.x = x
            return forward(x, self.params["W"], self.params["b"], 0)

        def backward(self, dout):
            dx, self.grads["W"], self.grads["b"] = solution(dout, self.x, self.params["W"], 0)
            return dx

    rng = np.random.default_rng(3)
    x, y = rng.random((120, 1, 8, 8)), rng.integers(0, 10, 120)
    runs = []
    for conv in (Conv2d, FromFunctions):
        init = np.random.default_rng(0)
        model = Sequential(conv(1, 4, 3, rng=init), Activation("tanh"), MaxPool2d(2), Flatten(),
                           Linear(36, 10, rng=init))
        history = fit(model, SoftmaxCrossEntropy(), Adam(model, lr=0.01), x, y, epochs=3,
                      batch_size=30, rng=0, progress=False)
        runs.append((history.loss, model[0].params["W"].copy()))
    np.testing.assert_allclose(runs[1][0], runs[0][0], rtol=1e-10)
    np.testing.assert_allclose(runs[1][1], runs[0][1], rtol=1e-9, atol=1e-12)
