"""Tests of course_lib.kernels: every kernel, fast and plain, equals course_lib.activations.

Accuracy promise: float64 to a relative 1e-12, float32 to 1e-5, on random inputs, on the
extremes (0, ±tiny, ±1, ±50, ±800, ±1e4, ±inf, NaN), along both tails and on a dense grid
of 300,000 points. Two allowances, each stated where it is used:

* results below the smallest normal number (subnormals) carry no relative precision in
  any implementation, so they are compared to within that number (``tiny``);
* near a zero of a derivative that is a sum of two terms of opposite sign (swish, mish,
  gelu, gelu_tanh), no float64 evaluation, the reference's included, is better than a
  few units in the last place of the terms, so the tolerance also allows 8 ulp of them.
  (Every derivative is computed in float64, also for float32 input.)

The building blocks of the fast kernels and their coefficients: tests/test_kernel_fit.py;
approximations and quantisation: tests/test_kernels_approx.py.
"""

from __future__ import annotations

import inspect
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.special import ndtr

import course_lib
import course_lib.activations as act
from course_lib import kernels

NAMES = kernels.names()
KINDS = ["fast", "plain"]
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


def _kernel(name: str, kind: str, derivative: bool):
    spec = kernels.get(name)
    if kind == "fast":
        return spec.derivative if derivative else spec.forward
    return spec.plain_derivative if derivative else spec.plain


def _reference(name: str, derivative: bool):
    return getattr(act, name + ("_grad" if derivative else ""))


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


def _dense_grid(dtype, limit: float) -> np.ndarray:
    """Evenly over [-limit, limit] and geometrically towards 0 and the limits, in ``dtype``."""
    even = np.linspace(-limit, limit, 200_001)
    geometric = np.geomspace(float(np.finfo(dtype).tiny), limit, 50_000)
    return np.concatenate([even, geometric, -geometric]).astype(dtype)


def _term_scale(name: str, x: np.ndarray, params: dict) -> np.ndarray:
    """Size of the two cancelling terms of a derivative (0 where there is no cancellation),
    from scipy and the reference functions."""
    x = np.where(np.isfinite(x), x, 0.0).astype(np.float64)
    if name == "swish":
        z = params.get("beta", 1.0) * x
        return act.sigmoid(z) + np.abs(z * act.sigmoid_grad(z))
    if name == "mish":
        sp = act.softplus(x, threshold=math.inf)
        return np.abs(act.tanh(sp)) + np.abs(x * act.tanh_grad(sp) * act.sigmoid(x))
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
        rows = ", ".join(f"x={x.flat[i]!r}: ours={ours.flat[i]!r} ref={ref.flat[i]!r}"
                         for i in bad)
        raise AssertionError(f"{what}: {int((~ok).sum())} points differ, e.g. {rows}")


def _check(name, kind, derivative, dtype, x, params):
    x_before = x.copy()
    ours = _kernel(name, kind, derivative)(x, **params)
    ref = _reference(name, derivative)(x, **params)
    assert ours.dtype == dtype and ours.shape == x.shape
    np.testing.assert_array_equal(x, x_before)  # the input is never modified
    atol = np.finfo(dtype).tiny  # subnormal results: see the module docstring
    if derivative:
        atol = atol + 8 * np.finfo(np.float64).eps * _term_scale(name, x, params)
    label = f"{kind} {name}{'_grad' if derivative else ''} {dtype.__name__}"
    _assert_matches(ours, ref, x, RTOL[dtype], atol, label)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("derivative", [False, True], ids=["forward", "grad"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_kernel_equals_the_numpy_reference(name, kind, derivative, dtype):
    _check(name, kind, derivative, dtype, _grid(dtype), {})


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("derivative", [False, True], ids=["forward", "grad"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name, params", PARAMETER_CASES, ids=lambda v: str(v))
def test_kernel_with_parameters_equals_the_reference(name, params, kind, derivative, dtype):
    _check(name, kind, derivative, dtype, _grid(dtype), params)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_forward_kernel_is_accurate_on_a_dense_grid(name, kind, dtype):
    # Out to where every exponential has underflowed (e^-745 in float64, e^-104 in float32).
    x = _dense_grid(dtype, 760.0 if dtype == np.float64 else 110.0)
    _check(name, kind, False, dtype, x, {})


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_derivative_kernel_is_accurate_on_a_dense_grid(name, kind, dtype):
    _check(name, kind, True, dtype, _dense_grid(dtype, 30.0), {})


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "name, x, expected",
    [
        # float32 tails, where a float32 formula loses the most (values from mpmath).
        ("gelu", -5.0, -1.4332578593959695e-06),
        ("swish", -50.0, -9.643749239819589e-21),
        ("mish", -50.0, -9.643749239819589e-21),
        ("sigmoid", -80.0, 1.8048513878454153e-35),
        ("softplus", -80.0, 1.8048513878454153e-35),
        ("gelu_tanh", -8.0, -3.107782937501117e-21),
        ("tanh", 1e-20, 1e-20),
        ("elu", -1e-20, -1e-20),
    ],
)
def test_float32_tails_are_right_to_the_promised_digits(name, kind, x, expected):
    got = _kernel(name, kind, False)(np.array([x], dtype=np.float32))
    assert got.dtype == np.float32
    assert float(got[0]) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_limits_at_infinity_and_nan_propagate(name, kind):
    x = np.array([-np.inf, np.inf, np.nan])
    for derivative in (False, True):
        got, want = _kernel(name, kind, derivative)(x), _reference(name, derivative)(x)
        np.testing.assert_array_equal(got[:2], want[:2], err_msg=name)
        assert np.isnan(got[2]), name


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------
def test_every_kernel_is_an_activation_with_the_same_aliases_and_parameters():
    assert NAMES and len(NAMES) == len(set(NAMES))
    # every fast kernel is found: none is left out for want of a registry entry
    assert set(NAMES) == {n for n in kernels.fast.__all__ if not n.endswith("_grad")}
    for name in NAMES:
        spec, reference = kernels.get(name), act.get(name)
        assert spec.name == reference.name == name
        assert set(spec.aliases) == set(reference.aliases)
        for alias in spec.aliases:
            assert kernels.get(alias) is spec
        # The parameters and their defaults are those of the numpy function.
        signature = inspect.signature(getattr(act, name)).parameters
        assert dict(spec.parameters) == {p: signature[p].default for p in list(signature)[1:]}


@pytest.mark.parametrize("name", NAMES)
def test_fast_and_plain_kernels_take_the_same_arguments(name):
    spec = kernels.get(name)
    expected = ["x", *spec.parameters, "out"]
    for kernel in (spec.forward, spec.derivative, spec.plain, spec.plain_derivative):
        parameters = inspect.signature(kernel).parameters
        assert list(parameters) == expected, kernel
        assert parameters["out"].kind is inspect.Parameter.KEYWORD_ONLY
        for p, default in spec.parameters.items():
            assert parameters[p].default == default


def test_the_spec_calls_the_fast_kernel_with_its_parameters():
    spec = kernels.get("silu")
    x = np.linspace(-4.0, 4.0, 9)
    out = np.empty_like(x)
    assert spec(x, 1.5, out=out) is out
    np.testing.assert_allclose(out, act.swish(x, beta=1.5), rtol=1e-12, atol=0.0)
    np.testing.assert_allclose(spec(x, beta=1.5), out, rtol=0.0, atol=0.0)


def test_the_fast_kernels_are_importable_from_the_package():
    for name in NAMES:
        assert getattr(kernels, name) is kernels.get(name).forward
        assert getattr(kernels, name + "_grad") is kernels.get(name).derivative


@pytest.mark.parametrize(
    "name, message",
    [
        ("gleu", "unknown kernel 'gleu'; did you mean 'gelu'? Known: relu, leaky_relu, elu, "
                 "sigmoid, tanh, softplus, swish, mish, gelu, gelu_tanh, silu"),
        ("selu", "unknown kernel 'selu'; did you mean 'elu'? Known: relu, "),
        ("zzzz", "unknown kernel 'zzzz'; Known: relu, "),
    ],
)
def test_an_unknown_name_is_refused_with_the_closest_match(name, message):
    with pytest.raises(ValueError) as info:
        kernels.get(name)
    assert str(info.value).startswith(message)


def test_a_name_that_is_not_a_string_is_a_type_error():
    with pytest.raises(TypeError, match="kernel must be one of"):
        kernels.get(3)


def test_plain_kernels_show_their_loop():
    source = inspect.getsource(kernels.get("sigmoid").plain)
    assert "prange" in source and "def sigmoid(x, out)" in source
    assert kernels.get("sigmoid").plain.__doc__.startswith("1 / (1 + e^-x)")


# --------------------------------------------------------------------------------------------
# Shapes, layout, dtypes and out=
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["gelu", "leaky_relu"])
def test_any_shape_and_layout_gives_the_same_values(name, kind):
    base = np.random.default_rng(0).normal(0, 3, (6, 8, 10))
    layouts = {
        "F": np.asfortranarray(base),
        "transposed": base.transpose(2, 0, 1),
        "strided": base[:, ::2, 1::3],
        "negative stride": base[::-1],
    }
    for derivative in (False, True):
        fn, ref = _kernel(name, kind, derivative), _reference(name, derivative)
        for label, x in layouts.items():
            got = fn(x)
            assert got.shape == x.shape, label
            np.testing.assert_allclose(got, ref(x), rtol=1e-12, atol=0.0, err_msg=label)
        assert fn(np.float64(2.0)).shape == ()
        assert fn(np.empty((0, 3))).shape == (0, 3)
        np.testing.assert_array_equal(fn([1.0, -2.0]), fn(np.array([1.0, -2.0])))


@pytest.mark.parametrize("kind", KINDS)
def test_integers_and_booleans_become_float64(kind):
    assert _kernel("sigmoid", kind, False)(np.arange(3)).dtype == np.float64
    assert _kernel("relu", kind, False)(np.array([True, False])).dtype == np.float64
    assert _kernel("tanh", kind, True)(3).dtype == np.float64
    np.testing.assert_array_equal(_kernel("relu", kind, False)(np.array([-2, 3])), [0.0, 3.0])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "bad, error, message",
    [
        (np.ones(3, dtype=np.float16), TypeError, r"\(\): x must be a float32 or float64 array.*"
                                                  "got dtype float16"),
        (np.ones(3, dtype=np.complex128), TypeError, "complex"),
        (np.array(["a"]), TypeError, "strings"),
    ],
)
def test_unsupported_inputs_are_refused_clearly(kind, bad, error, message):
    with pytest.raises(error, match=message):
        _kernel("gelu", kind, False)(bad)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "name, derivative, params, error, message",
    [
        ("softplus", False, {"beta": 0.0}, ValueError,
         r"softplus\(\): beta must be a real number > 0; got 0.0"),
        ("swish", True, {"beta": -1.0}, ValueError, r"swish_grad\(\): beta must be a real"),
        ("elu", False, {"alpha": math.nan}, ValueError, "alpha must be a finite real number"),
        ("leaky_relu", False, {"negative_slope": "0.1"}, TypeError,
         "negative_slope must be a real number; got str '0.1'"),
        ("softplus", True, {"threshold": None}, TypeError, "threshold must be a real number"),
    ],
)
def test_bad_parameters_are_refused_clearly(kind, name, derivative, params, error, message):
    with pytest.raises(error, match=message):
        _kernel(name, kind, derivative)(np.ones(3), **params)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_out_receives_the_result(kind, dtype):
    x = np.linspace(-4, 4, 24, dtype=dtype).reshape(4, 6)
    mish, swish_grad = _kernel("mish", kind, False), _kernel("swish", kind, True)
    out = np.full_like(x, np.nan)
    assert mish(x, out=out) is out
    np.testing.assert_allclose(out, act.mish(x), rtol=RTOL[dtype], atol=0.0)
    # a non-contiguous out
    big = np.zeros((4, 12), dtype=dtype)
    swish_grad(x, out=big[:, ::2])
    np.testing.assert_allclose(big[:, ::2], act.swish_grad(x), rtol=RTOL[dtype], atol=0.0)
    np.testing.assert_array_equal(big[:, 1::2], 0.0)


@pytest.mark.parametrize("kind", KINDS)
def test_out_may_be_the_input_or_overlap_it(kind):
    tanh, sigmoid = _kernel("tanh", kind, False), _kernel("sigmoid", kind, False)
    x = np.linspace(-3, 3, 101)
    y = x.copy()
    assert tanh(y, out=y) is y
    np.testing.assert_allclose(y, np.tanh(x), rtol=1e-15, atol=0.0)
    buf = np.linspace(-3, 3, 102)
    expected = act.sigmoid(buf[1:])
    sigmoid(buf[1:], out=buf[:-1])  # shifted views of one buffer
    np.testing.assert_allclose(buf[:-1], expected, rtol=1e-15, atol=0.0)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "out, error, message",
    [
        (np.empty(5, dtype=np.float32), TypeError,
         r"out must have the dtype of x \(float64\); got float32"),
        (np.empty(4), ValueError, r"out must have the shape of x \(5,\); got \(4,\)"),
        ([0.0] * 5, TypeError, "out must be a numpy array; got list"),
        (np.broadcast_to(np.zeros(1), (5,)), ValueError, "out must be writeable"),
    ],
)
def test_bad_out_is_refused_clearly(kind, out, error, message):
    with pytest.raises(error, match=message):
        _kernel("gelu", kind, False)(np.zeros(5), out=out)


# --------------------------------------------------------------------------------------------
# Compilation cache and imports (each in a fresh process)
# --------------------------------------------------------------------------------------------
_CACHE_PROBE = """
import numpy as np
from course_lib.kernels import fast, plain
fast.softplus(np.ones(3, np.float32))
plain.sigmoid(np.ones(3))
loops = (fast._softplus_beta1_loop, plain.sigmoid.loop)
print(sum(len(f.stats.cache_hits) for f in loops), sum(len(f.stats.cache_misses) for f in loops))
"""


def test_compiled_loops_are_cached_on_disk_and_recompiled_after_an_edit(tmp_path):
    # A second process loads the loops from numba's cache instead of compiling them again.
    # The fast loop inlines functions of other modules (vecmath), whose edits numba does not
    # see by itself: after an edit there it must compile again, not load a stale loop.
    package = Path(course_lib.__file__).parent
    shutil.copytree(package, tmp_path / "course_lib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(tmp_path))

    def hits_and_misses():
        done = subprocess.run([sys.executable, "-c", _CACHE_PROBE], env=env, cwd=tmp_path,
                              check=True, capture_output=True, text=True)
        return done.stdout.split()

    assert hits_and_misses() == ["0", "2"]
    assert hits_and_misses() == ["2", "0"]
    vecmath = tmp_path / "course_lib" / "kernels" / "vecmath.py"
    vecmath.write_text(vecmath.read_text() + "\n# an edit\n")
    assert hits_and_misses() == ["1", "1"]  # the fast loop again, the plain one from cache


def test_numba_is_imported_by_the_kernels_package_only():
    code = (
        "import os, sys\n"
        "before = dict(os.environ)\n"
        "import course_lib, course_lib.activations, course_lib.bench\n"
        "assert 'numba' not in sys.modules and 'torch' not in sys.modules, 'imported too early'\n"
        "assert dict(os.environ) == before, 'importing changed the environment'\n"
        "import course_lib.kernels\n"
        "assert 'numba' in sys.modules and 'torch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
