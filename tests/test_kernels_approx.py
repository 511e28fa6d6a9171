"""Tests of course_lib.kernels.approx and course_lib.kernels.quantize.

Each approximation's stated maximum error is measured here independently (numpy's tanh,
scipy's expit) on a grid that contains the points where the maxima sit; quantisation is
checked against the definition and against PyTorch's fake quantisation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.special import expit

import course_lib.activations as act
from course_lib import kernels

DTYPES = [np.float64, np.float32]

# The exact function each approximation stands for, from numpy/scipy.
EXACT = {
    "pwl_tanh": np.tanh,
    "hard_sigmoid": expit,
    "hard_swish": lambda x: x * expit(x),
    "lut_sigmoid": expit,
}
# Where each maximum sits (from the docstrings), to 1e-3.
ARGMAX = {"pwl_tanh": 0.625, "hard_sigmoid": 1.317, "hard_swish": 3.0, "lut_sigmoid": 1.344}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", list(kernels.APPROXIMATIONS))
def test_approximation_error_is_as_stated(name, dtype):
    approx = kernels.APPROXIMATIONS[name]
    lo, hi = approx.interval
    x = np.concatenate([np.linspace(lo, hi, 400_001), [-3.0, 3.0, -0.625, 0.625]]).astype(dtype)
    error = np.abs(approx.function(x).astype(np.float64) - EXACT[name](x.astype(np.float64)))
    assert error.max() <= approx.max_abs_error
    assert error.max() >= 0.99 * approx.max_abs_error  # the statement is tight
    assert abs(abs(float(x[np.argmax(error)])) - ARGMAX[name]) < 2e-2
    measured, where = kernels.approximation_error(name, dtype=dtype)
    assert measured == pytest.approx(float(error.max()), rel=1e-9, abs=1e-15)
    assert abs(abs(where) - ARGMAX[name]) < 2e-2


def test_pwl_tanh_beats_hard_tanh_and_keeps_the_shape_of_tanh():
    x = np.linspace(-6, 6, 120_001)
    hard_error = np.max(np.abs(np.clip(x, -1, 1) - np.tanh(x)))
    assert hard_error == pytest.approx(1 - math.tanh(1), rel=1e-6)
    y = kernels.pwl_tanh(x)
    assert np.max(np.abs(y - np.tanh(x))) < hard_error / 3
    # continuous, odd, saturating at ±1, and slope 1 near 0
    assert np.max(np.abs(np.diff(y))) <= 1e-4 + 1e-12
    np.testing.assert_array_equal(kernels.pwl_tanh(-x), -y)
    assert y.min() == -1.0 and y.max() == 1.0
    np.testing.assert_array_equal(kernels.pwl_tanh(np.array([0.1, 0.5])), [0.1, 0.5])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", ["hard_sigmoid", "hard_swish"])
def test_hard_kernels_equal_torch(name, dtype):
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0, 4, 2000), [-3.0, 3.0, 0.0, -np.inf, np.inf, np.nan]])
    x = x.astype(dtype)
    ours = getattr(kernels, name)(x)
    assert ours.dtype == dtype
    torch_fn = {"hard_sigmoid": torch.nn.functional.hardsigmoid,
                "hard_swish": torch.nn.functional.hardswish}[name]
    expected = torch_fn(torch.from_numpy(x)).numpy()
    finite = np.isfinite(x)  # torch's hardswish(-inf) is -inf * 0 = NaN; the limit is 0
    np.testing.assert_allclose(ours[finite], expected[finite],
                               rtol={np.float64: 1e-15, np.float32: 1e-6}[dtype], atol=0.0)
    np.testing.assert_array_equal(ours[~finite], getattr(act, name)(x[~finite]))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_lut_sigmoid_keeps_dtype_nan_and_symmetry(dtype):
    x = np.array([np.nan, -np.inf, np.inf, 0.0, 100.0], dtype=dtype)
    y = kernels.lut_sigmoid(x)
    assert y.dtype == dtype and np.isnan(y[0])
    assert y[3] == 0.5
    assert abs(float(y[1]) - 0.0) < 2e-7 and abs(float(y[2]) - 1.0) < 2e-7
    grid = np.linspace(-18, 18, 3601).astype(dtype)
    np.testing.assert_allclose(kernels.lut_sigmoid(-grid), 1 - kernels.lut_sigmoid(grid),
                               atol=1e-7)


def test_approximation_error_refuses_bad_arguments():
    with pytest.raises(ValueError, match="unknown approximation 'pwl_tahn'; did you mean "
                                         "'pwl_tanh'"):
        kernels.approximation_error("pwl_tahn")
    with pytest.raises(ValueError, match="low < high"):
        kernels.approximation_error("pwl_tanh", interval=(1.0, -1.0))
    with pytest.raises(ValueError, match="num must be an integer >= 2; got 1"):
        kernels.approximation_error("pwl_tanh", num=1)
    with pytest.raises(TypeError, match="num must be an integer >= 2; got float"):
        kernels.approximation_error("pwl_tanh", num=10.0)


# --------------------------------------------------------------------------------------------
# Quantisation
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_quantize_round_trip_is_within_half_a_step(dtype):
    low, high = -2.0, 6.0
    scale, zero = kernels.quantization_params(low, high, dtype)
    info = np.iinfo(dtype)
    assert scale == pytest.approx((high - low) / 255)
    assert info.min <= zero <= info.max
    x = np.linspace(low, high, 10_001)
    codes = kernels.quantize(x, scale, zero, dtype)
    assert codes.dtype == np.dtype(dtype) and codes.shape == x.shape
    back = kernels.dequantize(codes, scale, zero)
    assert back.dtype == np.float64
    assert np.max(np.abs(back - x)) <= scale / 2 * (1 + 1e-12)
    assert kernels.dequantize(kernels.quantize(0.0, scale, zero, dtype), scale, zero) == 0.0
    # beyond the range the codes saturate
    far = kernels.quantize([-1e9, -np.inf, 1e9, np.inf], scale, zero, dtype)
    np.testing.assert_array_equal(far, [info.min, info.min, info.max, info.max])


@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_quantize_then_dequantize_equals_torch_fake_quantisation(dtype):
    x = np.random.default_rng(1).normal(0.0, 2.0, 5000)
    scale, zero = kernels.quantization_params(-3.0, 5.0, dtype)
    info = np.iinfo(dtype)
    ours = kernels.dequantize(kernels.quantize(x, scale, zero, dtype), scale, zero)
    expected = torch.fake_quantize_per_tensor_affine(
        torch.from_numpy(x), scale, zero, int(info.min), int(info.max)).numpy()
    # torch computes in float32: equal to its precision
    np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: kernels.quantize([1.0], 0.0, 0), ValueError,
         r"quantize\(\): scale must be a real number > 0; got 0.0"),
        (lambda: kernels.quantize([1.0], 0.1, 200, "int8"), ValueError,
         r"zero_point must be an integer >= -128 and <= 127; got 200"),
        (lambda: kernels.quantize([1.0], 0.1, 1.5), TypeError,
         "zero_point must be an integer >= -128 and <= 127; got float 1.5"),
        (lambda: kernels.quantize([1.0], 0.1, 0, "int16"), TypeError,
         "dtype must be int8 or uint8"),
        (lambda: kernels.quantize([np.nan], 0.1, 0), ValueError, "NaN"),
        (lambda: kernels.dequantize(np.array([1.0]), 0.1, 0), TypeError,
         "codes must be an int8 or uint8 array; got dtype float64"),
        (lambda: kernels.quantization_params(0.0, 0.0), ValueError, "high must be > low"),
        (lambda: kernels.quantization_params("a", 1.0), TypeError, "low must be a real number"),
        (lambda: kernels.quantized_sigmoid([0.0], "float16"), TypeError,
         "dtype must be int8 or uint8"),
    ],
)
def test_quantization_refuses_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("dtype", ["uint8", "int8"])
def test_quantized_sigmoid_is_the_code_of_the_real_sigmoid(dtype):
    x = np.concatenate([np.linspace(-12, 12, 200_001), [-np.inf, np.inf, -800.0, 800.0]])
    codes, scale, zero = kernels.quantized_sigmoid(x, dtype)
    assert codes.dtype == np.dtype(dtype) and scale == 1 / 255
    assert zero == (0 if dtype == "uint8" else -128)
    expected = np.rint(expit(x) * 255) + zero
    np.testing.assert_array_equal(codes, expected)
    error = np.abs(kernels.dequantize(codes, scale, zero) - expit(x))
    assert error.max() <= 0.5 / 255 * (1 + 1e-12)
    assert error.max() >= 0.99 * 0.5 / 255  # half a step is reached: the bound is tight
    assert codes.min() == np.iinfo(dtype).min and codes.max() == np.iinfo(dtype).max


def test_memory_by_dtype_counts_each_dtype():
    x = np.zeros((3, 1000))
    assert kernels.memory_by_dtype(x) == {
        "float64": 24_000, "float32": 12_000, "float16": 6_000, "int8": 3_000,
    }
    for name, nbytes in kernels.memory_by_dtype(x).items():
        assert x.astype(name).nbytes == nbytes


def test_the_pwl_tanh_offset_is_a_dyadic_value_next_to_the_minimax_offset():
    """The docstring's claim, by a scan: the best offset is about 0.4671 (error 0.0697);
    15/32 = 0.46875 is within 0.002 of it and costs less than 0.001 of error."""
    x = np.linspace(0.0, 6.0, 12_001)
    offsets = np.linspace(0.44, 0.50, 121)
    errors = [np.max(np.abs(np.minimum(np.minimum(x, c + x / 4), 1.0) - np.tanh(x)))
              for c in offsets]
    best = offsets[int(np.argmin(errors))]
    assert abs(best - 0.4671) < 5e-4 and abs(min(errors) - 0.0697) < 5e-4
    ours = np.max(np.abs(kernels.pwl_tanh(x) - np.tanh(x)))
    assert 0.46875 * 32 == 15 and abs(best - 0.46875) < 2e-3
    assert 0 < ours - min(errors) < 1e-3
