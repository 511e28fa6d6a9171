"""Tests of course_lib.kernels: every kernel equals its course_lib.activations counterpart.

Accuracy promise: float64 to a relative 1e-12, float32 to 1e-5, on random inputs, on the
extremes (0, ±tiny, ±1, ±50, ±800, ±1e4, ±inf, NaN), along both tails and on a dense grid
of 300,000 points; the polynomial building blocks are also checked against mpmath, each
to the error the module docstring states. Two allowances, each stated where it is used:

* results below the smallest normal number (subnormals) carry no relative precision in
  any implementation, so they are compared to within that number (``tiny``);
* near a zero of a derivative that is a sum of two terms of opposite sign (swish, mish,
  gelu, gelu_tanh), no float64 evaluation, the reference's included, is better than a
  few units in the last place of the terms, so the tolerance also allows 8 ulp of them.

Kernels compile on first use (about a second each); the whole module runs in well under
a minute with a warm numba cache, and about a minute without.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys

import mpmath
import numpy as np
import pytest
from scipy.special import ndtr

import course_lib.activations as act
from course_lib import kernels

NAMES = list(kernels.KERNELS)
DTYPES = [np.float64, np.float32]
RTOL = {np.float64: 1e-12, np.float32: 1e-5}

# Non-default parameters, as in course_lib.activations' own tests.
PARAMETER_CASES = [
    ("leaky_relu", {"negative_slope": 0.2}),
    ("leaky_relu", {"negative_slope": 0.0}),
    ("leaky_relu", {"negative_slope": -0.5}),
    ("elu", {"alpha": 0.5}),
    ("softplus", {"beta": 2.0, "threshold": 10.0}),
    ("softplus", {"beta": 0.5, "threshold": math.inf}),
    ("swish", {"beta": 1.7}),
]


def _grid(dtype) -> np.ndarray:
    """The extremes, both tails densely, and seeded random points, in ``dtype``."""
    tiny = float(np.finfo(dtype).tiny)
    extremes = [0.0, tiny, -tiny, 1.0, -1.0, 5.0, -5.0, 50.0, -50.0, 800.0, -800.0,
                1e4, -1e4, 19.5, 20.0, 20.5, math.inf, -math.inf, math.nan]
    tail = np.geomspace(1e-3, 800.0, 300)
    small = np.geomspace(tiny, 1e-3, 60)
    rng = np.random.default_rng(20240601)
    random = np.concatenate([rng.normal(0.0, 3.0, 400), rng.normal(0.0, 30.0, 100)])
    return np.concatenate([extremes, tail, -tail, small, -small, random]).astype(dtype)


def _term_scale(name: str, x: np.ndarray, params: dict) -> np.ndarray:
    """Size of the two cancelling terms of a derivative (0 where there is no cancellation)."""
    x = np.where(np.isfinite(x), x, 0.0).astype(np.float64)
    if name == "swish":
        z = params.get("beta", 1.0) * x
        return act.sigmoid(z) + np.abs(z * act.sigmoid_grad(z))
    if name == "mish":
        gate = act.tanh(act.softplus(x, threshold=math.inf))
        return np.abs(gate) + np.abs(x * act.tanh_grad(act.softplus(x, threshold=math.inf)) * act.sigmoid(x))
    if name == "gelu":
        return ndtr(x) + np.abs(x) * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    if name == "gelu_tanh":
        z = 2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
        dz = 2 * math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * x * x)
        return act.sigmoid(z) + np.abs(x * dz * act.sigmoid_grad(z))
    return np.zeros_like(x)


def _assert_matches(ours, ref, x, rtol, atol, what):
    ours64, ref64 = np.asarray(ours, np.float64), np.asarray(ref, np.float64)
    same = (ours64 == ref64) | (np.isnan(ours64) & np.isnan(ref64))
    with np.errstate(invalid="ignore"):
        near = np.abs(ours64 - ref64) <= atol + rtol * np.abs(ref64)
    ok = same | near
    if not ok.all():
        bad = np.flatnonzero(~ok)[:5]
        rows = ", ".join(f"x={x.flat[i]!r}: ours={ours.flat[i]!r} ref={ref.flat[i]!r}" for i in bad)
        raise AssertionError(f"{what}: {int((~ok).sum())} points differ, e.g. {rows}")


def _check_against_reference(name, derivative, dtype, params):
    x = _grid(dtype)
    x_before = x.copy()
    ours = kernels.KERNELS[name][derivative](x, **params)
    ref = getattr(act, name + ("_grad" if derivative else ""))(x, **params)
    assert ours.dtype == dtype and ours.shape == x.shape
    np.testing.assert_array_equal(x, x_before)  # the input is never modified
    atol = np.finfo(dtype).tiny  # subnormal results: see the module docstring
    if derivative and dtype == np.float64:
        atol = atol + 8 * np.finfo(np.float64).eps * _term_scale(name, x, params)
    _assert_matches(ours, ref, x, RTOL[dtype], atol, f"{name}{'_grad' if derivative else ''} {dtype.__name__}")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("derivative", [0, 1], ids=["forward", "grad"])
@pytest.mark.parametrize("name", NAMES)
def test_kernel_equals_the_numpy_reference(name, derivative, dtype):
    _check_against_reference(name, derivative, dtype, {})


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("derivative", [0, 1], ids=["forward", "grad"])
@pytest.mark.parametrize("name, params", PARAMETER_CASES, ids=lambda v: str(v))
def test_kernel_with_parameters_equals_the_reference(name, params, derivative, dtype):
    _check_against_reference(name, derivative, dtype, params)


def _dense_grid(dtype, limit: float) -> np.ndarray:
    """Evenly over [-limit, limit] and geometrically towards 0 and the limits, in ``dtype``."""
    even = np.linspace(-limit, limit, 200_001)
    geometric = np.geomspace(float(np.finfo(dtype).tiny), limit, 50_000)
    return np.concatenate([even, geometric, -geometric]).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", NAMES)
def test_forward_kernel_is_accurate_on_a_dense_grid(name, dtype):
    # Out to where every exponential has underflowed (e^-745 in float64, e^-104 in float32).
    x = _dense_grid(dtype, 760.0 if dtype == np.float64 else 110.0)
    ours = kernels.KERNELS[name][0](x)
    ref = getattr(act, name)(x)
    _assert_matches(ours, ref, x, RTOL[dtype], np.finfo(dtype).tiny, f"{name} {dtype.__name__}")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", NAMES)
def test_derivative_kernel_is_accurate_on_a_dense_grid(name, dtype):
    # |x| <= 30: further out, the reference's gelu_grad multiplies x by a subnormal
    # exp(-x^2/2) and loses digits (at x = -37.7 it is off by 7e-4; the kernel is right).
    x = _dense_grid(dtype, 30.0)
    ours = kernels.KERNELS[name][1](x)
    ref = getattr(act, name + "_grad")(x)
    atol = np.finfo(dtype).tiny
    if dtype == np.float64:
        atol = atol + 8 * np.finfo(np.float64).eps * _term_scale(name, x, {})
    _assert_matches(ours, ref, x, RTOL[dtype], atol, f"{name}_grad {dtype.__name__}")


def _compiled_elementwise(function):
    """A serial compiled loop applying one of the kernels' inlined building blocks."""
    from numba import njit

    @njit
    def apply(values, out):
        for i in range(values.size):
            out[i] = function(values[i])

    return apply


# (building block, mpmath reference, interval, stated maximum relative error)
BUILDING_BLOCKS = {
    np.float64: [
        (kernels._exp_neg64, lambda a: mpmath.exp(-a), (0.0, 745.0), 5e-16),
        (kernels._expm1_neg64, lambda a: mpmath.expm1(-a), (0.0, 40.0), 3e-16),
        (kernels._log1p_unit64, mpmath.log1p, (0.0, 1.0), 5e-16),
        (kernels._times_gauss_q64, lambda t: t * mpmath.ncdf(-t), (0.0, 38.0), 7e-15),
    ],
    np.float32: [
        (kernels._exp_neg32, lambda a: mpmath.exp(-a), (0.0, 87.0), 5e-7),
        (kernels._expm1_neg32, lambda a: mpmath.expm1(-a), (0.0, 20.0), 1e-7),
        (kernels._log1p_unit32, mpmath.log1p, (0.0, 1.0), 4e-7),
        (kernels._times_gauss_q32, lambda t: t * mpmath.ncdf(-t), (0.0, 13.0), 1.2e-6),
    ],
}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_building_blocks_meet_their_stated_error_against_mpmath(dtype):
    rng = np.random.default_rng(7)
    for function, exact, (lo, hi), stated in BUILDING_BLOCKS[dtype]:
        x = np.concatenate([np.linspace(lo, hi, 701), rng.uniform(lo, hi, 700),
                            np.geomspace(1e-6, hi, 300)]).astype(dtype)
        ours = np.empty_like(x)
        _compiled_elementwise(function)(x, ours)
        with mpmath.workdps(40):
            ref = np.array([float(exact(mpmath.mpf(float(v)))) for v in x])
        zero = ref == 0.0
        np.testing.assert_array_equal(ours[zero], 0.0)  # log1p(0), expm1(-0), 0 Q(0)
        normal = np.abs(ref) >= np.finfo(dtype).tiny  # subnormals: see the module docstring
        error = np.abs(ours[normal].astype(np.float64) - ref[normal]) / np.abs(ref[normal])
        where = float(x[normal][np.argmax(error)])
        assert error.max() <= stated, (function.py_func.__name__, where)
        assert error.max() >= stated / 20, function.py_func.__name__  # the statement is tight


@pytest.mark.parametrize(
    "function, x, expected",
    [
        # float32 tails, where a float32 formula loses the most (values from mpmath).
        (kernels.gelu, -5.0, -1.4332578593959695e-06),
        (kernels.swish, -50.0, -9.643749239819589e-21),
        (kernels.mish, -50.0, -9.643749239819589e-21),
        (kernels.sigmoid, -80.0, 1.8048513878454153e-35),
        (kernels.softplus, -80.0, 1.8048513878454153e-35),
        (kernels.gelu_tanh, -8.0, -3.107782937501117e-21),
        (kernels.tanh, 1e-20, 1e-20),
        (kernels.elu, -1e-20, -1e-20),
    ],
)
def test_float32_tails_are_right_to_the_promised_digits(function, x, expected):
    got = function(np.array([x], dtype=np.float32))
    assert got.dtype == np.float32
    assert float(got[0]) == pytest.approx(expected, rel=1e-5)


def test_limits_at_infinity_and_nan_propagate():
    x = np.array([-np.inf, np.inf, np.nan])
    for name, (forward, grad) in kernels.KERNELS.items():
        for fn, ref in ((forward, getattr(act, name)), (grad, getattr(act, name + "_grad"))):
            got, want = fn(x), ref(x)
            np.testing.assert_array_equal(got[:2], want[:2], err_msg=name)
            assert np.isnan(got[2]), name


# --------------------------------------------------------------------------------------------
# Shapes, layout, dtypes and out=
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["gelu", "leaky_relu"])
def test_any_shape_and_layout_gives_the_same_values(name):
    forward, grad = kernels.KERNELS[name]
    base = np.random.default_rng(0).normal(0, 3, (6, 8, 10))
    layouts = {
        "C": base,
        "F": np.asfortranarray(base),
        "transposed": base.transpose(2, 0, 1),
        "strided": base[:, ::2, 1::3],
        "negative stride": base[::-1],
    }
    for label, x in layouts.items():
        for fn in (forward, grad):
            expected = fn(np.ascontiguousarray(x))
            got = fn(x)
            assert got.shape == x.shape, label
            np.testing.assert_array_equal(got, expected, err_msg=label)
    assert forward(np.float64(2.0)).shape == ()
    assert forward(np.empty((0, 3))).shape == (0, 3)
    np.testing.assert_array_equal(forward([1.0, -2.0]), forward(np.array([1.0, -2.0])))


def test_integers_and_booleans_become_float64():
    assert kernels.sigmoid(np.arange(3)).dtype == np.float64
    assert kernels.relu(np.array([True, False])).dtype == np.float64
    assert kernels.tanh(3).dtype == np.float64
    np.testing.assert_array_equal(kernels.relu(np.array([-2, 3])), [0.0, 3.0])


@pytest.mark.parametrize(
    "bad, error, message",
    [
        (np.ones(3, dtype=np.float16), TypeError, "float32 or float64.*got dtype float16"),
        (np.ones(3, dtype=np.complex128), TypeError, "complex"),
        (np.array(["a"]), TypeError, "strings"),
    ],
)
def test_unsupported_inputs_are_refused_clearly(bad, error, message):
    with pytest.raises(error, match=message):
        kernels.gelu(bad)


@pytest.mark.parametrize(
    "function, params, error, message",
    [
        (kernels.softplus, {"beta": 0.0}, ValueError, "'beta' must be positive; got 0.0"),
        (kernels.swish_grad, {"beta": -1.0}, ValueError, "'beta' must be positive"),
        (kernels.elu, {"alpha": math.nan}, ValueError, "'alpha' must be finite"),
        (kernels.leaky_relu, {"negative_slope": "0.1"}, TypeError, "must be a real number; got str"),
        (kernels.softplus_grad, {"threshold": None}, TypeError, "'threshold' must be a real number"),
    ],
)
def test_bad_parameters_are_refused_clearly(function, params, error, message):
    with pytest.raises(error, match=message):
        function(np.ones(3), **params)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_out_receives_the_result(dtype):
    x = np.linspace(-4, 4, 24, dtype=dtype).reshape(4, 6)
    out = np.full_like(x, np.nan)
    assert kernels.mish(x, out=out) is out
    np.testing.assert_array_equal(out, kernels.mish(x))
    # a non-contiguous out
    big = np.zeros((4, 12), dtype=dtype)
    kernels.swish_grad(x, out=big[:, ::2])
    np.testing.assert_array_equal(big[:, ::2], kernels.swish_grad(x))
    np.testing.assert_array_equal(big[:, 1::2], 0.0)


def test_out_may_be_the_input_or_overlap_it():
    x = np.linspace(-3, 3, 101)
    expected = kernels.tanh(x)
    y = x.copy()
    assert kernels.tanh(y, out=y) is y
    np.testing.assert_array_equal(y, expected)
    buf = np.linspace(-3, 3, 102)
    expected = kernels.sigmoid(buf[1:])
    kernels.sigmoid(buf[1:], out=buf[:-1])  # shifted views of one buffer
    np.testing.assert_array_equal(buf[:-1], expected)


@pytest.mark.parametrize(
    "out, error, message",
    [
        (np.empty(5, dtype=np.float32), TypeError, r"out must have the dtype of x \(float64\); got float32"),
        (np.empty(4), ValueError, r"out must have the shape of x \(5,\); got \(4,\)"),
        ([0.0] * 5, TypeError, "out must be a numpy array; got list"),
    ],
)
def test_bad_out_is_refused_clearly(out, error, message):
    with pytest.raises(error, match=message):
        kernels.gelu(np.zeros(5), out=out)


def test_read_only_out_is_refused():
    out = np.empty(3)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        kernels.relu(np.zeros(3), out=out)


def test_compiled_loops_are_found_in_numba_disk_cache_by_a_new_process(tmp_path):
    # The loops are made by one factory; a second process must load them from the cache
    # instead of compiling them again (about a second each).
    code = (
        "import numpy as np\n"
        "from course_lib import kernels\n"
        "kernels.softplus(np.ones(3, np.float32))\n"
        "kernels.leaky_relu_grad(np.ones(3))\n"
        "stats = [loop.stats for loop in (kernels._softplus_beta1_loop, kernels._leaky_relu_grad_loop)]\n"
        "print(sum(len(s.cache_hits) for s in stats), sum(len(s.cache_misses) for s in stats))\n"
    )
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    hits_and_misses = [
        subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                       text=True).stdout.split()
        for _ in range(2)
    ]
    assert hits_and_misses == [["0", "2"], ["2", "0"]]
    assert len(list(tmp_path.rglob("*_softplus_beta1_loop*.nbi"))) == 1


def test_numba_is_imported_only_by_the_kernels_module():
    code = (
        "import sys, course_lib, course_lib.activations, course_lib.bench\n"
        "assert 'numba' not in sys.modules and 'torch' not in sys.modules, 'imported too early'\n"
        "import course_lib.kernels\n"
        "assert 'numba' in sys.modules and 'torch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)


# --------------------------------------------------------------------------------------------
# Approximations
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", list(kernels.APPROXIMATIONS))
def test_approximation_error_is_as_stated(name, dtype):
    stated = kernels.APPROXIMATIONS[name].max_abs_error
    error, where = kernels.approximation_error(name, dtype=dtype)
    assert error <= stated
    assert error >= 0.99 * stated  # the statement is tight, not a loose bound
    lo, hi = kernels.APPROXIMATIONS[name].interval
    assert lo <= where <= hi


def test_approximation_maxima_are_where_the_docstrings_say():
    assert abs(kernels.approximation_error("pwl_tanh")[1]) == 0.625
    assert abs(kernels.approximation_error("hard_swish")[1]) == 3.0
    assert abs(kernels.approximation_error("hard_sigmoid")[1]) == pytest.approx(1.317, abs=1e-3)
    assert abs(kernels.approximation_error("lut_sigmoid")[1]) == pytest.approx(1.344, abs=1e-2)


def test_pwl_tanh_fixes_the_slide():
    x = np.linspace(-6, 6, 120_001)
    # The slide's approximate_tanh: its middle segment starts at 1 and is clipped away.
    slide = np.clip(np.where(np.abs(x) <= 1, x, np.sign(x) * (1 + 0.25 * (np.abs(x) - 1))), -1, 1)
    np.testing.assert_array_equal(slide, act.hard_tanh(x))
    slide_error = np.max(np.abs(slide - np.tanh(x)))
    assert slide_error == pytest.approx(1 - math.tanh(1), rel=1e-6)
    ours = np.max(np.abs(kernels.pwl_tanh(x) - np.tanh(x)))
    assert ours < slide_error / 3
    # continuous, odd, saturating at ±1, and slope 1 near 0
    y = kernels.pwl_tanh(x)
    assert np.max(np.abs(np.diff(y))) <= 1e-4 + 1e-12
    np.testing.assert_array_equal(kernels.pwl_tanh(-x), -y)
    assert y.min() == -1.0 and y.max() == 1.0
    np.testing.assert_array_equal(kernels.pwl_tanh(np.array([0.1, 0.5])), [0.1, 0.5])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", ["hard_sigmoid", "hard_swish"])
def test_hard_kernels_equal_the_reference(name, dtype):
    x = _grid(dtype)
    ours = getattr(kernels, name)(x)
    assert ours.dtype == dtype
    _assert_matches(ours, getattr(act, name)(x), x, RTOL[dtype], 0.0, name)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_lut_sigmoid_keeps_dtype_nan_and_symmetry(dtype):
    x = np.array([np.nan, -np.inf, np.inf, 0.0, 100.0], dtype=dtype)
    y = kernels.lut_sigmoid(x)
    assert y.dtype == dtype and np.isnan(y[0])
    assert y[3] == 0.5
    assert abs(float(y[1]) - 0.0) < 2e-7 and abs(float(y[2]) - 1.0) < 2e-7
    grid = np.linspace(-18, 18, 3601).astype(dtype)
    np.testing.assert_allclose(kernels.lut_sigmoid(-grid), 1 - kernels.lut_sigmoid(grid), atol=1e-7)


def test_approximation_error_refuses_bad_arguments():
    with pytest.raises(ValueError, match="unknown approximation 'pwl_tahn'; known: pwl_tanh"):
        kernels.approximation_error("pwl_tahn")
    with pytest.raises(ValueError, match="low < high"):
        kernels.approximation_error("pwl_tanh", interval=(1.0, -1.0))
    with pytest.raises(ValueError, match="num must be an integer >= 2"):
        kernels.approximation_error("pwl_tanh", num=1)


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


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: kernels.quantize([1.0], 0.0, 0), ValueError, "scale must be positive"),
        (lambda: kernels.quantize([1.0], 0.1, 200, "int8"), ValueError, r"zero_point must lie in the int8 range \[-128, 127\]; got 200"),
        (lambda: kernels.quantize([1.0], 0.1, 1.5), TypeError, "zero_point must be an integer; got float"),
        (lambda: kernels.quantize([1.0], 0.1, 0, "int16"), TypeError, "dtype must be int8 or uint8"),
        (lambda: kernels.quantize([np.nan], 0.1, 0), ValueError, "NaN"),
        (lambda: kernels.dequantize(np.array([1.0]), 0.1, 0), TypeError, "codes must be an int8 or uint8 array; got dtype float64"),
        (lambda: kernels.quantization_params(0.0, 0.0), ValueError, "need low < high"),
        (lambda: kernels.quantized_sigmoid([0.0], "float16"), TypeError, "dtype must be int8 or uint8"),
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
    expected = np.rint(act.sigmoid(x) * 255) + zero
    np.testing.assert_array_equal(codes, expected)
    error = np.abs(kernels.dequantize(codes, scale, zero) - act.sigmoid(x))
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


def test_docstring_examples_are_right():
    import doctest

    result = doctest.testmod(kernels, extraglobs={"np": np}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 20
    assert result.failed == 0
