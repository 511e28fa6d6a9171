"""Checkers of course_lib.exercises.hardware: accept correct kernels, reject typical mistakes."""

from __future__ import annotations

import inspect
import textwrap

import numpy as np
import pytest
import torch
from exercise_helpers import judged, rejects, stub, verdict
from exercise_mutations import ARRAY_KINDS, wrong_answers
from numba import njit, prange

from course_lib.exercises import hardware, solution

# --- the reference solutions are right --------------------------------------------------------


def torch_leaky_relu(x, negative_slope):
    return torch.nn.functional.leaky_relu(torch.from_numpy(np.asarray(x)), negative_slope).numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("function", [hardware.leaky_relu_kernel_solution,
                                      hardware._leaky_relu_numpy])
def test_leaky_relu_solutions_match_torch(function, dtype):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((7, 33)) * 10).astype(dtype)
    x[0, :5] = [0.0, -0.0, np.inf, -np.inf, np.nan]
    before = x.copy()
    for slope in (0.01, 0.2, 3.0):
        got = function(x, slope)
        assert got.dtype == dtype and got.shape == x.shape
        np.testing.assert_allclose(got, torch_leaky_relu(x, slope), rtol=1e-7, atol=0)
    np.testing.assert_array_equal(x, before)


def test_leaky_relu_kernel_solution_writes_into_out_and_handles_any_layout():
    x = np.arange(-6.0, 6.0).reshape(3, 4).T  # Fortran order: not C-contiguous
    out = np.full((4, 3), np.nan)
    assert hardware.leaky_relu_kernel_solution(x, 0.5, out=out) is out
    np.testing.assert_array_equal(out, torch_leaky_relu(x, 0.5))
    got = hardware.leaky_relu_kernel_solution(x, 0.5)
    np.testing.assert_array_equal(got, torch_leaky_relu(x, 0.5))
    ints = hardware.leaky_relu_kernel_solution(np.array([-3, 0, 3]), 0.5)
    assert ints.dtype == np.float64
    np.testing.assert_array_equal(ints, [-1.5, 0.0, 3.0])


@pytest.mark.parametrize("out", [np.empty(3, np.float32), np.empty(4), np.empty((3, 2))[:, 0],
                                 [0.0, 0.0, 0.0]])
def test_leaky_relu_kernel_solution_refuses_an_unusable_out(out):
    with pytest.raises(ValueError, match="out must be"):
        hardware.leaky_relu_kernel_solution(np.zeros(3), out=out)


def test_solution_prints_the_numba_loop_and_its_wrapper(capsys):
    # the docstring shows the loop the wrapper calls: it must be the loop's real source
    doc = inspect.getdoc(hardware.leaky_relu_kernel_solution)
    shown = textwrap.dedent(doc.split("::", 1)[1].split("\n\n")[1])
    assert shown.strip() == inspect.getsource(hardware.leaky_relu_loop.py_func).strip()
    solution("leaky_relu_kernel")
    text = capsys.readouterr().out
    assert "@njit(parallel=True)" in text and "prange" in text
    assert "def leaky_relu_kernel_solution(" in text


def test_quantize_int8_solution_matches_torch_and_the_library():
    from course_lib import kernels

    rng = np.random.default_rng(2)
    x = (rng.standard_normal(2000) * 1.5).astype(np.float32)  # torch quantises float32
    for scale, zero_point in [(1 / 127, 0), (0.02, -5), (1 / 255, -128)]:
        got = hardware.quantize_int8_solution(x, scale, zero_point)
        assert got.dtype == np.int8
        np.testing.assert_array_equal(got, torch_codes(x, scale, zero_point))
        np.testing.assert_array_equal(got, kernels.quantize(x, scale, zero_point, "int8"))
    np.testing.assert_array_equal(
        hardware.quantize_int8_solution(np.array([-np.inf, np.inf]), 0.1, 0), [-128, 127]
    )


# --- leaky_relu_kernel: correct styles, stub, wrong answers -----------------------------------


def numpy_style(x, negative_slope=0.01, out=None):
    x = np.asarray(x)
    if x.dtype != np.float32:
        x = x.astype(np.float64)
    y = np.where(x > 0, x, x.dtype.type(negative_slope) * x)
    if out is None:
        return y
    np.copyto(out, y)
    return out


@njit(parallel=True)
def _max_loop(x, out, negative_slope):
    for i in prange(x.size):
        out[i] = max(x[i], negative_slope * x[i])


def numba_max_style(x, negative_slope=0.01, out=None):
    x = np.ascontiguousarray(np.asarray(x, dtype=np.result_type(x, np.float32)))
    if x.dtype != np.float32:
        x = x.astype(np.float64)
    if out is None:
        out = np.empty(x.shape, dtype=x.dtype)
    _max_loop(x.reshape(-1), out.reshape(-1), x.dtype.type(negative_slope))
    return out


def numpy_where_argument_style(x, negative_slope=0.01, out=None):
    x = np.asarray(x)
    if x.dtype != np.float32:
        x = x.astype(np.float64)
    if out is None:
        out = np.empty_like(x)
    np.copyto(out, x)
    np.multiply(x, x.dtype.type(negative_slope), out=out, where=~(x > 0))
    return out


@pytest.mark.parametrize("candidate", [hardware.leaky_relu_kernel_solution, numpy_style,
                                       numba_max_style, numpy_where_argument_style])
def test_leaky_relu_kernel_accepts_correct_styles(capsys, candidate):
    assert "leaky_relu_kernel: correct - all 8 checks passed." in verdict(
        capsys, hardware.check_leaky_relu_kernel, candidate)


def test_leaky_relu_kernel_stub_is_not_implemented(capsys):
    line = verdict(capsys, hardware.check_leaky_relu_kernel, stub)
    assert line.startswith("leaky_relu_kernel: not implemented yet")


def ignores_out(x, negative_slope=0.01, out=None):
    return numpy_style(x, negative_slope)


def writes_out_returns_copy(x, negative_slope=0.01, out=None):
    return numpy_style(x, negative_slope, out).copy()


def writes_out_returns_none(x, negative_slope=0.01, out=None):
    result = numpy_style(x, negative_slope, out)
    return None if out is not None else result


def fixed_slope(x, negative_slope=0.01, out=None):
    return numpy_style(x, 0.01, out)


def relu_only(x, negative_slope=0.01, out=None):
    return numpy_style(x, 0.0, out)


def always_float64(x, negative_slope=0.01, out=None):
    y = np.where(np.asarray(x) > 0, x, negative_slope * np.asarray(x, dtype=np.float64))
    if out is not None:
        out[...] = y
        return out
    return y.astype(np.float64)


def integer_output(x, negative_slope=0.01, out=None):
    x = np.asarray(x)
    result = np.empty_like(x) if out is None else out
    result[...] = np.where(x > 0, x, negative_slope * x)
    return result


def in_place(x, negative_slope=0.01, out=None):
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    x[x < 0] *= negative_slope
    if out is not None:
        out[...] = x
        return out
    return x


@njit(parallel=True)
def _leaky_loop(x, out, negative_slope):
    for i in prange(x.size):
        v = x[i]
        out[i] = v if v > 0 else negative_slope * v


def ravel_copies(x, negative_slope=0.01, out=None):
    # np.empty_like keeps a transposed x's Fortran order; out.ravel() is then a copy
    x = np.asarray(x)
    if x.dtype != np.float32:
        x = x.astype(np.float64, order="K")
    if out is None:
        out = np.empty_like(x)
    _leaky_loop(x.ravel(), out.ravel(), x.dtype.type(negative_slope))
    return out


def one_dimensional_only(x, negative_slope=0.01, out=None):
    x = np.asarray(x, dtype=np.result_type(x, np.float32))
    result = np.empty_like(x) if out is None else out
    for i in range(len(x)):
        result[i] = x[i] if x[i] > 0 else negative_slope * x[i]
    return result


def as_list(x, negative_slope=0.01, out=None):
    return numpy_style(x, negative_slope, out).tolist()


def nan_to_zero(x, negative_slope=0.01, out=None):
    y = numpy_style(x, negative_slope)
    y = np.nan_to_num(y, nan=0.0, posinf=np.inf, neginf=-np.inf)
    if out is not None:
        out[...] = y
        return out
    return y


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (ignores_out, "item 0: expected True, got False"),
        (writes_out_returns_copy, "item 0: expected True, got False"),
        (writes_out_returns_none, "item 0: expected True, got False"),
        (fixed_slope, "use the negative_slope argument"),
        (relu_only, "negative_slope * x elsewhere"),
        (always_float64, "dtype float64, expected float32"),
        (integer_output, "dtype int64, expected float64"),
        (in_place, "modified its input"),
        (ravel_copies, "not C-contiguous"),
        (one_dimensional_only, "raised ValueError"),
        (as_list, "expected a numpy array"),
        (nan_to_zero, "NaN stays NaN"),
        (42, "expected a function"),
    ],
)
def test_leaky_relu_kernel_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, hardware.check_leaky_relu_kernel, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


# --- quantize_int8 -------------------------------------------------------------------------------


def torch_codes(x, scale, zero_point):
    """int8 codes from torch's fake quantisation (float32 in, dequantised values out)."""
    t = torch.from_numpy(np.asarray(x, dtype=np.float32))
    values = torch.fake_quantize_per_tensor_affine(t, scale, zero_point, -128, 127).numpy()
    return (np.rint(values.astype(np.float64) / scale) + zero_point).astype(np.int8)


def torch_style(x, scale, zero_point):
    return torch_codes(x, scale, zero_point)


def library_style(x, scale, zero_point):
    from course_lib import kernels

    return kernels.quantize(x, scale, zero_point, "int8")


def floor_half_style(x, scale, zero_point):
    codes = np.floor(np.asarray(x, dtype=np.float64) / scale + 0.5) + zero_point
    return np.clip(codes, -128, 127).astype(np.int8)


@pytest.mark.parametrize("candidate", [torch_style,
                                       library_style])
def test_quantize_int8_accepts_correct_styles(capsys, candidate):
    assert "quantize_int8: correct - all 10 checks passed." in verdict(
        capsys, hardware.check_quantize_int8, candidate)


def test_quantize_int8_stub_is_not_implemented(capsys):
    line = verdict(capsys, hardware.check_quantize_int8, stub)
    assert line.startswith("quantize_int8: not implemented yet")


def truncates(x, scale, zero_point):
    return np.clip(np.asarray(x) / scale + zero_point, -128, 127).astype(np.int8)


def wraps_around(x, scale, zero_point):
    with np.errstate(invalid="ignore"):
        return (np.rint(np.asarray(x, dtype=np.float64) / scale) + zero_point).astype(np.int8)


def clips_after_cast(x, scale, zero_point):
    codes = (np.rint(np.asarray(x, dtype=np.float64) / scale) + zero_point).astype(np.int8)
    return np.clip(codes, -128, 127)


def subtracts_zero_point(x, scale, zero_point):
    return hardware.quantize_int8_solution(x, scale, -zero_point)


def multiplies_by_scale(x, scale, zero_point):
    codes = np.rint(np.asarray(x, dtype=np.float64) * scale) + zero_point
    return np.clip(codes, -128, 127).astype(np.int8)


def symmetric_range(x, scale, zero_point):
    codes = np.rint(np.asarray(x, dtype=np.float64) / scale) + zero_point
    return np.clip(codes, -127, 127).astype(np.int8)


def float_codes(x, scale, zero_point):
    codes = np.rint(np.asarray(x, dtype=np.float64) / scale) + zero_point
    return np.clip(codes, -128, 127)


def int64_codes(x, scale, zero_point):
    return hardware.quantize_int8_solution(x, scale, zero_point).astype(np.int64)


def uint8_range(x, scale, zero_point):
    codes = np.rint(np.asarray(x, dtype=np.float64) / scale) + zero_point
    return np.clip(codes, 0, 255).astype(np.uint8)


def zero_point_before_rounding_scaled(x, scale, zero_point):
    codes = np.rint((np.asarray(x, dtype=np.float64) + zero_point) / scale)
    return np.clip(codes, -128, 127).astype(np.int8)


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (truncates, "round to the nearest code"),
        (wraps_around, "clip before converting"),
        (clips_after_cast, "clip before converting"),
        (subtracts_zero_point, "the zero point is added after rounding"),
        (floor_half_style, "round half to EVEN"),
        (multiplies_by_scale, "round(x / scale) + zero_point"),
        (symmetric_range, "saturate at -128 and 127"),
        (float_codes, "dtype float64, expected int8"),
        (int64_codes, "dtype int64, expected int8"),
        (uint8_range, "dtype uint8, expected int8"),
        (zero_point_before_rounding_scaled, "first difference"),
    ],
)
def test_quantize_int8_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, hardware.check_quantize_int8, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


# --- the predict-then-run question --------------------------------------------------------------


def answer_line(capsys, answer):
    assert hardware.check_numba_speedup_relu_gelu(answer) is None
    out, err = capsys.readouterr()
    assert err == ""
    return " ".join(out.split())


@pytest.mark.parametrize(
    "answer, start",
    [
        ("b", "numba_speedup_relu_gelu: correct"),
        (" B ", "numba_speedup_relu_gelu: correct"),
        ("a", "numba_speedup_relu_gelu: wrong"),
        ("c", "numba_speedup_relu_gelu: wrong"),
        (None, "numba_speedup_relu_gelu: not answered yet"),
        ("d", "numba_speedup_relu_gelu: wrong"),
        (3, "numba_speedup_relu_gelu: wrong"),
        (["b"], "numba_speedup_relu_gelu: wrong"),
    ],
)
def test_numba_speedup_question(capsys, answer, start):
    assert answer_line(capsys, answer).startswith(start)


# --- every kind of wrong answer, made from a right one (tests/exercise_mutations.py) ---


_WRONG_LEAKY_RELU_KERNEL = wrong_answers(
    hardware._leaky_relu_numpy,
    ARRAY_KINDS,
)


@pytest.mark.parametrize("candidate, expected", _WRONG_LEAKY_RELU_KERNEL)
def test_leaky_relu_kernel_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, hardware.check_leaky_relu_kernel, candidate, expected)
    assert found.name == "leaky_relu_kernel"


_WRONG_QUANTIZE_INT8 = wrong_answers(
    hardware.quantize_int8_solution,
    ("None", "raises", "list", "extra axis", "modified input"),
)


@pytest.mark.parametrize("candidate, expected", _WRONG_QUANTIZE_INT8)
def test_quantize_int8_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, hardware.check_quantize_int8, candidate, expected)
    assert found.name == "quantize_int8"


# --- ties: torch rounds half to even, and so must the answer ----------------------------------


def test_torch_and_the_solution_round_exact_ties_to_even():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5], dtype=np.float32)
    expected = np.array([0, 2, 2, 0, -2, -2, 4], dtype=np.int8)
    np.testing.assert_array_equal(torch_codes(x, 1.0, 0), expected)
    np.testing.assert_array_equal(hardware.quantize_int8_solution(x, 1.0, 0), expected)
    x = np.array([0.125, 0.375, -0.625, 0.875], dtype=np.float32)  # / 0.25: exact ties
    np.testing.assert_array_equal(torch_codes(x, 0.25, 5), [5, 7, 3, 9])
    np.testing.assert_array_equal(hardware.quantize_int8_solution(x, 0.25, 5), [5, 7, 3, 9])


def _codes(rounding):
    def quantize(x, scale, zero_point):
        v = np.asarray(x, dtype=np.float64) / scale
        return np.clip(rounding(v) + zero_point, -128, 127).astype(np.int8)

    return quantize


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param(_codes(lambda v: np.floor(v + 0.5)), id="half up"),
        pytest.param(_codes(lambda v: np.sign(v) * np.floor(np.abs(v) + 0.5)),
                     id="half away from zero"),
        pytest.param(_codes(lambda v: np.ceil(v - 0.5)), id="half down"),
        pytest.param(_codes(lambda v: np.trunc(v + np.sign(v) * 0.4999999)),
                     id="almost half away"),
        pytest.param(_codes(lambda v: np.array([float(round(float(t) + 1e-9)) for t in v.flat])
                            .reshape(v.shape)), id="nudged ties"),
    ],
)
def test_quantize_int8_rejects_every_other_rule_at_a_tie(capsys, candidate):
    found = rejects(capsys, hardware.check_quantize_int8, candidate, "first difference")
    assert "half to EVEN" in found.hint


def test_quantize_int8_looks_between_the_chosen_points(capsys):
    def off_by_one_near_the_top(x, scale, zero_point):
        codes = hardware.quantize_int8_solution(x, scale, zero_point).astype(np.int64)
        codes[(codes > 100) & (codes < 120)] += 1
        return codes.astype(np.int8)

    found = rejects(capsys, hardware.check_quantize_int8, off_by_one_near_the_top,
                    "first difference")
    assert "dense grid" in found.hint


# --- every checker input, against torch ---------------------------------------------------------


@pytest.mark.parametrize("case", hardware.QUANTIZE_INT8_CASES, ids=lambda c: str(c.args[0])[:20])
def test_the_quantize_reference_on_every_case_agrees_with_torch(case):
    x, scale, zero_point = case.args
    t = torch.from_numpy(np.asarray(x, dtype=np.float64))
    # torch.round rounds half to even, like torch's own quantisers
    want = torch.clamp(torch.round(t / scale) + zero_point, -128, 127).to(torch.int8).numpy()
    np.testing.assert_array_equal(hardware.quantize_int8_solution(*case.args), want)


@pytest.mark.parametrize("case", hardware.LEAKY_RELU_KERNEL_CASES,
                         ids=lambda c: str(c.args[0])[:20])
def test_the_leaky_relu_references_on_every_case_agree_with_torch(case):
    x = np.asarray(case.args[0])
    slope = case.args[1] if len(case.args) > 1 else 0.01
    dtype = np.float32 if x.dtype == np.float32 else np.float64
    want = torch.nn.functional.leaky_relu(torch.from_numpy(x.astype(dtype)), slope).numpy()
    for reference in (hardware._leaky_relu_numpy, hardware.leaky_relu_kernel_solution):
        got = reference(x, slope)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-15)
