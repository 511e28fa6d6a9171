"""Checkers of course_lib.exercises.convolution: accept correct answers, reject typical mistakes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from exercise_helpers import judged, rejects, stub, verdict
from exercise_mutations import ARRAY_KINDS, wrong_answers
from numpy.lib.stride_tricks import sliding_window_view

from course_lib.exercises import convolution as conv
from course_lib.layers import Conv2d, MaxPool2d

# --- the solutions are right --------------------------------------------------------------


@pytest.mark.parametrize(
    "shape, filters, k, padding",
    [((2, 3, 5, 6), 4, 3, 0), ((1, 1, 8, 8), 2, 3, 1), ((3, 2, 7, 5), 3, 2, 2),
     ((2, 4, 4, 4), 5, 1, 0), ((1, 2, 6, 6), 1, 5, 1)],
)
def test_conv2d_solution_matches_torch_and_library(shape, filters, k, padding):
    rng = np.random.default_rng(sum(shape) + k)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((filters, shape[1], k, k))
    b = rng.standard_normal(filters)
    got = conv.conv2d_forward_im2col_solution(x, w, b, padding=padding)
    want = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w),
                                      torch.from_numpy(b), padding=padding).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)
    layer = Conv2d(shape[1], filters, k, padding=padding, rng=0)
    layer.params["W"][...] = w
    layer.params["b"][...] = b
    np.testing.assert_allclose(got, layer.forward(x), rtol=1e-12, atol=1e-13)


def test_conv2d_solution_dtypes_and_input_left_alone():
    rng = np.random.default_rng(0)
    x32 = rng.standard_normal((2, 2, 5, 5)).astype(np.float32)
    w32 = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    b32 = np.zeros(3, dtype=np.float32)
    before = x32.copy()
    for padding in (1, 0):  # at padding 0 the windows are a view of x itself
        out = conv.conv2d_forward_im2col_solution(x32, w32, b32, padding=padding)
        assert out.dtype == np.float32 and not np.shares_memory(out, x32)
        out[...] = 0.0
        np.testing.assert_array_equal(x32, before)
    pixels = rng.integers(0, 17, size=(1, 1, 8, 8))
    out = conv.conv2d_forward_im2col_solution(pixels, w32[:, :1].astype(float), np.zeros(3))
    assert out.dtype == np.float64
    np.testing.assert_allclose(
        out, conv.conv2d_forward_im2col_solution(pixels.astype(float), w32[:, :1], np.zeros(3)),
        rtol=1e-6)


@pytest.mark.parametrize("shape, k", [((2, 3, 4, 4), 2), ((1, 2, 5, 7), 2), ((2, 1, 6, 6), 3)])
def test_maxpool_solution_matches_torch_and_library(shape, k):
    x = np.random.default_rng(k).standard_normal(shape)
    got = conv.maxpool2d_forward_solution(x, k)
    np.testing.assert_array_equal(got, torch.nn.functional.max_pool2d(torch.from_numpy(x),
                                                                      k).numpy())
    np.testing.assert_array_equal(got, MaxPool2d(k).forward(x))


@pytest.mark.parametrize("size, k, stride, padding",
                         [(8, 3, 1, 0), (8, 3, 1, 1), (8, 3, 2, 0), (7, 3, 2, 1), (7, 4, 3, 0),
                          (28, 5, 1, 2), (3, 3, 1, 0), (9, 2, 3, 2)])
def test_output_size_solution_matches_torch(size, k, stride, padding):
    out = torch.nn.functional.conv2d(torch.zeros(1, 1, size, size), torch.zeros(1, 1, k, k),
                                     stride=stride, padding=padding)
    assert conv.conv_output_size_solution(size, k, stride, padding) == out.shape[-1]


# --- verdicts: the stub; the solutions against the library, which the checkers use -----------


@pytest.mark.parametrize(
    "checker, solution, passed",
    [(conv.check_conv2d_forward_im2col, conv.conv2d_forward_im2col_solution, 8),
     (conv.check_maxpool2d_forward, conv.maxpool2d_forward_solution, 6)],
)
def test_solutions_agree_with_the_library_layers_the_checkers_use(capsys, checker, solution,
                                                                  passed):
    # these checkers compare with course_lib.layers (Conv2d, MaxPool2d), not the solution
    assert f" correct - all {passed} checks passed." in verdict(capsys, checker, solution)


@pytest.mark.parametrize("checker", [conv.check_conv2d_forward_im2col,
                                     conv.check_conv_output_size, conv.check_maxpool2d_forward])
def test_stub_is_not_implemented(capsys, checker):
    assert ": not implemented yet - " in verdict(capsys, checker, stub)


# --- conv2d_forward: other correct styles --------------------------------------------------


def einsum_style(x, weight, bias, padding=0):
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    k = weight.shape[-1]
    windows = sliding_window_view(xp, (k, k), axis=(2, 3))
    return np.einsum("nchwpq,fcpq->nfhw", windows, weight) + bias[:, None, None]


def loop_style(x, weight, bias, padding=0):
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, f, k = x.shape[0], weight.shape[0], weight.shape[-1]
    h_out, w_out = xp.shape[2] - k + 1, xp.shape[3] - k + 1
    out = np.zeros((n, f, h_out, w_out), dtype=np.result_type(x, weight, bias))
    for i in range(h_out):
        for j in range(w_out):
            window = xp[:, :, i:i + k, j:j + k]  # (N, C, k, k)
            out[:, :, i, j] = np.tensordot(window, weight, axes=([1, 2, 3], [1, 2, 3])) + bias
    return out


def library_style(x, weight, bias, padding=0):
    layer = Conv2d(weight.shape[1], weight.shape[0], weight.shape[-1], padding=padding)
    layer.params["W"][...] = weight
    layer.params["b"][...] = bias
    return layer.forward(x)


@pytest.mark.parametrize("candidate", [einsum_style, loop_style, library_style])
def test_conv2d_accepts_other_correct_styles(capsys, candidate):
    line = verdict(capsys, conv.check_conv2d_forward_im2col, candidate)
    assert " correct - all 8 checks passed." in line, line


# --- conv2d_forward: typical mistakes ------------------------------------------------------

solution = conv.conv2d_forward_im2col_solution


def flipped_kernel(x, weight, bias, padding=0):  # the textbook convolution
    return solution(x, weight[:, :, ::-1, ::-1], bias, padding)


def no_bias(x, weight, bias, padding=0):
    return solution(x, weight, np.zeros_like(bias), padding)


def bias_on_last_axis(x, weight, bias, padding=0):
    return solution(x, weight, np.zeros_like(bias), padding) + bias


def padding_on_one_side(x, weight, bias, padding=0):
    xp = np.pad(x, ((0, 0), (0, 0), (0, 2 * padding), (0, 2 * padding)))
    return solution(xp, weight, bias, 0)


def first_channel_only(x, weight, bias, padding=0):
    return solution(x[:, :1], weight[:, :1], bias, padding)


def channels_last_in_rows(x, weight, bias, padding=0):
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, c, _, _ = x.shape
    f, _, k, _ = weight.shape
    windows = sliding_window_view(xp, (k, k), axis=(2, 3))
    h_out, w_out = windows.shape[2], windows.shape[3]
    cols = windows.transpose(0, 2, 3, 4, 5, 1).reshape(n, h_out * w_out, c * k * k)
    out = cols @ weight.reshape(f, c * k * k).T + bias
    return out.transpose(0, 2, 1).reshape(n, f, h_out, w_out)


def nhwc_output(x, weight, bias, padding=0):
    out = solution(x, weight, bias, padding)
    return out.transpose(0, 2, 3, 1)


def forces_float64(x, weight, bias, padding=0):
    return solution(np.asarray(x, dtype=float), weight.astype(float), bias.astype(float),
                    padding)


def integer_buffer(x, weight, bias, padding=0):
    out = loop_style(x, weight, bias, padding)
    buffer = np.zeros_like(x, shape=out.shape)  # int for integer pixels
    buffer[...] = out
    return buffer


def ignores_padding(x, weight, bias, padding=0):
    return solution(x, weight, bias, 0)


def one_too_small(x, weight, bias, padding=0):
    return solution(x, weight, bias, padding)[:, :, :-1, :-1]


def first_image_only(x, weight, bias, padding=0):
    return solution(x[:1], weight, bias, padding)


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (flipped_kernel, "does not flip the kernel"),
        (no_bias, "sum(x[0, 0, i:i+3, j:j+3] * weight[0, 0]) + bias[0]"),
        (bias_on_last_axis, "every filter sums over all C input channels"),
        (padding_on_one_side, "on EVERY side"),
        (first_channel_only, "every filter sums over all C input channels"),
        (channels_last_in_rows, "in the order of weight[f].ravel()"),
        (nhwc_output, "shape (1, 2, 2, 1), expected (1, 1, 2, 2)"),
        (forces_float64, "dtype float64, expected float32"),
        (integer_buffer, "dtype int64, expected float64"),
        (ignores_padding, "shape (2, 3, 3, 3), expected (2, 3, 5, 5)"),
        (one_too_small, "shape (1, 1, 1, 1), expected (1, 1, 2, 2)"),
        (first_image_only, "shape (1, 4, 3, 4), expected (2, 4, 3, 4)"),
    ],
)
def test_conv2d_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, conv.check_conv2d_forward_im2col, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


def test_conv2d_reports_bad_returns_without_raising(capsys):
    line = verdict(capsys, conv.check_conv2d_forward_im2col, lambda *a, **k: None)
    assert "wrong" in line and "expected a numpy array" in line
    line = verdict(capsys, conv.check_conv2d_forward_im2col, lambda *a, **k: 1 / 0)
    assert "ZeroDivisionError" in line
    line = verdict(capsys, conv.check_conv2d_forward_im2col, "not a function")
    assert "expected a function" in line


# --- conv_output_size ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "candidate",
    [
        lambda size, kernel_size, stride=1, padding=0:
            math.floor((size + 2 * padding - kernel_size) / stride) + 1,
        lambda size, kernel_size, stride=1, padding=0:
            len(range(0, size + 2 * padding - kernel_size + 1, stride)),
        lambda size, kernel_size, stride=1, padding=0:
            Conv2d(1, 1, kernel_size, stride, padding).output_shape(size, size)[0],
    ],
)
def test_output_size_accepts_other_correct_styles(capsys, candidate):
    assert " correct - all 8 checks passed." in verdict(capsys, conv.check_conv_output_size,
                                                         candidate)


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (lambda size, kernel_size, stride=1, padding=0:
            (size + 2 * padding - kernel_size) // stride, "expected 6, got 5"),
        (lambda size, kernel_size, stride=1, padding=0:
            (size + padding - kernel_size) // stride + 1, "on BOTH sides"),
        (lambda size, kernel_size, stride=1, padding=0:
            size + 2 * padding - kernel_size + 1, "moves s pixels at a time"),
        (lambda size, kernel_size, stride=1, padding=0:
            (size + 2 * padding - kernel_size) / stride + 1, "expected an int"),
        (lambda size, kernel_size, stride=1, padding=0:
            math.ceil((size + 2 * padding - kernel_size) / stride) + 1, "round DOWN"),
        (lambda size, kernel_size, stride=1, padding=0: size - kernel_size + 1,
            "on BOTH sides"),
        (lambda size, kernel_size, stride=1, padding=0: str(size - kernel_size + 1),
            "returned a str"),
        (lambda size, kernel_size, stride=1, padding=0: size // stride,
            "expected 6, got 8"),
    ],
)
def test_output_size_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, conv.check_conv_output_size, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


# --- maxpool2d_forward ---------------------------------------------------------------------


def pool_with_strided_views(x, kernel_size):
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    k = kernel_size
    return sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::k, ::k].max(axis=(-2, -1))


def pool_with_loops(x, kernel_size):
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    k = kernel_size
    n, c, h, w = x.shape
    out = np.empty((n, c, h // k, w // k), dtype=x.dtype)
    for i in range(h // k):
        for j in range(w // k):
            out[:, :, i, j] = x[:, :, i * k:(i + 1) * k, j * k:(j + 1) * k].max(axis=(2, 3))
    return out


@pytest.mark.parametrize("candidate", [pool_with_strided_views, pool_with_loops,
                                       lambda x, kernel_size: MaxPool2d(kernel_size).forward(x)])
def test_maxpool_accepts_other_correct_styles(capsys, candidate):
    assert " correct - all 6 checks passed." in verdict(capsys, conv.check_maxpool2d_forward,
                                                         candidate)


def overlapping_windows(x, kernel_size):
    k = kernel_size
    return sliding_window_view(np.asarray(x, dtype=float), (k, k), axis=(2, 3)).max(
        axis=(-2, -1))


def running_max_from_zero(x, kernel_size):
    return np.maximum(pool_with_loops(x, kernel_size), 0.0)


def average_pooling(x, kernel_size):
    x = np.asarray(x)
    k = kernel_size
    n, c, h, w = x.shape
    return x[:, :, :h // k * k, :w // k * k].reshape(n, c, h // k, k, w // k, k).mean(
        axis=(3, 5))


def reshape_without_cropping(x, kernel_size):
    n, c, h, w = x.shape
    k = kernel_size
    return x.reshape(n, c, h // k, k, w // k, k).max(axis=(3, 5))


def float64_always(x, kernel_size):
    return pool_with_loops(np.asarray(x, dtype=np.float64), kernel_size)


def pools_over_channels_too(x, kernel_size):
    return np.repeat(pool_with_loops(x, kernel_size).max(axis=1, keepdims=True), x.shape[1],
                     axis=1)


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (overlapping_windows, "shape (1, 1, 3, 3), expected (1, 1, 2, 2)"),
        (running_max_from_zero, "not from 0"),
        (average_pooling, "the maximum of one 2x2 block"),
        (reshape_without_cropping, "raised ValueError"),
        (float64_always, "dtype float64, expected float32"),
        (pools_over_channels_too, "pool each channel on its own"),
    ],
)
def test_maxpool_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, conv.check_maxpool2d_forward, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


# --- the question ---------------------------------------------------------------------------


def answer_verdict(capsys, check, answer):
    """A question's verdict, folded onto one line; it never raises or writes to stderr."""
    assert check(answer) is None
    out, err = capsys.readouterr()
    assert err == "" and out.startswith("slowest_cnn_activation: "), (out, err)
    return " ".join(out.split())


def test_question_verdicts(capsys):
    check = conv.check_slowest_cnn_activation
    assert " correct - (c) sigmoid" in answer_verdict(capsys, check, "c")
    assert " correct - " in answer_verdict(capsys, check, " C ")
    for wrong in ("a", "b"):
        assert ": wrong - you chose " in answer_verdict(capsys, check, wrong)
    assert "not answered yet" in answer_verdict(capsys, check, None)
    for garbage in ("d", 3, ["c"], object()):
        line = answer_verdict(capsys, check, garbage)
        assert ": wrong - answer with one of the letters" in line


# --- every kind of wrong answer, made from a right one (tests/exercise_mutations.py) ---


_WRONG_CONV2D_FORWARD_IM2COL = wrong_answers(
    conv.conv2d_forward_im2col_solution,
    ARRAY_KINDS,
)


@pytest.mark.parametrize("candidate, expected", _WRONG_CONV2D_FORWARD_IM2COL)
def test_conv2d_forward_im2col_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, conv.check_conv2d_forward_im2col, candidate, expected)
    assert found.name == "conv2d_forward_im2col"


_WRONG_MAXPOOL2D_FORWARD = wrong_answers(
    conv.maxpool2d_forward_solution,
    ARRAY_KINDS,
)


@pytest.mark.parametrize("candidate, expected", _WRONG_MAXPOOL2D_FORWARD)
def test_maxpool2d_forward_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, conv.check_maxpool2d_forward, candidate, expected)
    assert found.name == "maxpool2d_forward"


_WRONG_CONV_OUTPUT_SIZE = wrong_answers(
    conv.conv_output_size_solution,
    ("None", "raises"),
)


@pytest.mark.parametrize("candidate, expected", _WRONG_CONV_OUTPUT_SIZE)
def test_conv_output_size_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, conv.check_conv_output_size, candidate, expected)
    assert found.name == "conv_output_size"


# --- the type asked for: an int ---------------------------------------------------------------


@pytest.mark.parametrize(
    "candidate, expected",
    [
        pytest.param(lambda size, kernel_size, stride=1, padding=0:
                     np.floor((size + 2 * padding - kernel_size) / stride) + 1,
                     "returned a float", id="numpy float64"),
        pytest.param(lambda size, kernel_size, stride=1, padding=0:
                     float((size + 2 * padding - kernel_size) // stride + 1),
                     "returned a float", id="Python float"),
        pytest.param(lambda size, kernel_size, stride=1, padding=0:
                     str((size + 2 * padding - kernel_size) // stride + 1),
                     "returned a str", id="string"),
        pytest.param(lambda size, kernel_size, stride=1, padding=0:
                     np.array((size + 2 * padding - kernel_size) // stride + 1.0),
                     "expected an int", id="0-d float array"),
        pytest.param(lambda size, kernel_size, stride=1, padding=0:
                     math.ceil((size + 2 * padding - kernel_size) / stride) + 1,
                     "expected 3, got 4", id="rounds up"),
    ],
)
def test_output_size_asks_for_an_int(capsys, candidate, expected):
    found = rejects(capsys, conv.check_conv_output_size, candidate, expected)
    assert "int" in found.hint or "DOWN" in found.hint


def test_output_size_accepts_a_numpy_integer(capsys):
    def numpy_int(size, kernel_size, stride=1, padding=0):
        return np.int64((size + 2 * padding - kernel_size) // stride + 1)

    assert " correct - all 8 checks passed." in verdict(capsys, conv.check_conv_output_size,
                                                         numpy_int)


# --- every checker input, against torch -------------------------------------------------------


def _plain(value):
    return value.array if isinstance(value, conv.Given) else value


@pytest.mark.parametrize("case", conv.CONV2D_CASES, ids=lambda c: str(c.args[0])[:30])
def test_the_conv2d_reference_on_every_case_agrees_with_torch(case):
    x, weight, bias = (np.asarray(_plain(a), dtype=np.float64) for a in case.args)
    padding = case.kwargs["padding"]
    want = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(weight),
                                      torch.from_numpy(bias), padding=padding).numpy()
    got = conv._reference_conv2d(*case.args, **case.kwargs)
    np.testing.assert_allclose(got, want, rtol=1e-5 if got.dtype == np.float32 else 1e-12,
                               atol=1e-5 if got.dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(conv.conv2d_forward_im2col_solution(
        *(_plain(a) for a in case.args), padding=padding), got, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", conv.MAXPOOL_CASES, ids=lambda c: str(c.args[0])[:30])
def test_the_maxpool_reference_on_every_case_agrees_with_torch(case):
    x, k = _plain(case.args[0]), case.args[1]
    want = torch.nn.functional.max_pool2d(torch.from_numpy(np.asarray(x, dtype=np.float64)),
                                          k).numpy()
    np.testing.assert_array_equal(conv._reference_maxpool2d(*case.args).astype(np.float64), want)


@pytest.mark.parametrize("case", conv.OUTPUT_SIZE_CASES)
def test_the_output_size_reference_on_every_case_agrees_with_torch(case):
    size, k = case.args
    layer = torch.nn.Conv2d(1, 1, k, stride=case.kwargs["stride"], padding=case.kwargs["padding"])
    want = layer(torch.zeros(1, 1, size, size)).shape[-1]
    got = conv.conv_output_size_solution(*case.args, **case.kwargs)
    assert type(got) is int and got == want
