"""course_lib.custom: the piecewise activation as first written (bugs kept) and its C¹ repair.

References are independent: mpmath at 50 digits for values, central differences for
derivatives. The PyTorch twins are compared in tests/test_torch_ref.py.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest

from course_lib import custom

mpmath.mp.dps = 50

ALPHA, BETA = 0.5, 1.0
PARAMS = [(0.5, 1.0), (2.0, 0.3), (0.0, 1.5), (-0.25, 2.0)]


def mp_discontinuous(x: float, alpha: float, beta: float) -> float:
    x = mpmath.mpf(x)
    if x > 0:
        return float(alpha * x**2)
    return float(beta * mpmath.log1p(mpmath.exp(x)))


def mp_softplus_quadratic(x: float, alpha: float, beta: float) -> float:
    x = mpmath.mpf(x)
    if x > 0:
        return float(beta * mpmath.log(2) + beta * x / 2 + alpha * x**2)
    return float(beta * mpmath.log1p(mpmath.exp(x)))


def mp_softplus_quadratic_grad(x: float, alpha: float, beta: float) -> float:
    x = mpmath.mpf(x)
    if x > 0:
        return float(beta / 2 + 2 * alpha * x)
    return float(beta / (1 + mpmath.exp(-x)))


def central_difference(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    return (f(x + h) - f(x - h)) / (2 * h)


GRID = np.concatenate([-np.geomspace(700.0, 1e-6, 60), [0.0], np.geomspace(1e-6, 700.0, 60)])


# --- the function as first written: its two bugs are reproduced --------------------------


@pytest.mark.parametrize("alpha, beta", PARAMS)
def test_discontinuous_values_match_mpmath_where_finite(alpha, beta):
    got = custom.discontinuous_activation(GRID, alpha, beta)
    expected = np.array([mp_discontinuous(v, alpha, beta) for v in GRID])
    # the literal log(1 + exp(x)) loses relative precision for x << 0: compare absolutely too
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_discontinuous_is_nan_where_exp_overflows_and_finite_below():
    for dtype, limit in ((np.float64, np.log(np.finfo(np.float64).max)),
                         (np.float32, np.log(np.finfo(np.float32).max))):
        below = np.array([limit * 0.999, 1.0, 100.0 if dtype == np.float64 else 80.0], dtype)
        above = np.array([limit * 1.001, 1000.0, 1e30], dtype)
        for f in (custom.discontinuous_activation, custom.discontinuous_activation_grad):
            assert np.all(np.isfinite(f(below))), f.__name__
            assert np.all(np.isnan(f(above))), f.__name__
            assert f(above).dtype == dtype


def test_discontinuous_jumps_at_zero_in_value_and_slope():
    h = 1e-12
    left, at0, right = custom.discontinuous_activation(np.array([-h, 0.0, h]), ALPHA, BETA)
    assert at0 == pytest.approx(BETA * math.log(2), rel=1e-15)
    assert left == pytest.approx(BETA * math.log(2), rel=1e-11)
    assert right == pytest.approx(0.0, abs=1e-20)
    dleft, dat0, dright = custom.discontinuous_activation_grad(np.array([-h, 0.0, h]), ALPHA, BETA)
    assert dleft == pytest.approx(BETA / 2, rel=1e-11) and dat0 == BETA / 2
    assert dright == pytest.approx(0.0, abs=1e-11)


def test_discontinuous_grad_matches_finite_differences_away_from_zero():
    x = np.concatenate([np.linspace(-8.0, -0.01, 50), np.linspace(0.01, 8.0, 50)])
    f = lambda v: custom.discontinuous_activation(v, 0.7, 1.3)  # noqa: E731
    fd = central_difference(f, x)
    np.testing.assert_allclose(custom.discontinuous_activation_grad(x, 0.7, 1.3), fd, rtol=1e-7,
                               atol=1e-9)
    # across the jump a central difference is huge: the check that catches it
    assert abs(central_difference(f, np.array([0.0]))[0]) > 1e5


def test_discontinuous_silences_its_warnings_and_keeps_input():
    x = np.array([-1000.0, 0.0, 1000.0])
    before = x.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        custom.discontinuous_activation(x)
        custom.discontinuous_activation_grad(x)
    np.testing.assert_array_equal(x, before)


# --- the C¹ repair -------------------------------------------------------------------------


@pytest.mark.parametrize("alpha, beta", PARAMS)
def test_softplus_quadratic_matches_mpmath(alpha, beta):
    got = custom.softplus_quadratic(GRID, alpha, beta)
    expected = np.array([mp_softplus_quadratic(v, alpha, beta) for v in GRID])
    np.testing.assert_allclose(got, expected, rtol=4e-16 * 8, atol=0)
    got_grad = custom.softplus_quadratic_grad(GRID, alpha, beta)
    expected_grad = np.array([mp_softplus_quadratic_grad(v, alpha, beta) for v in GRID])
    np.testing.assert_allclose(got_grad, expected_grad, rtol=4e-16 * 8, atol=0)


@pytest.mark.parametrize("alpha, beta", PARAMS)
def test_softplus_quadratic_grad_matches_finite_differences(alpha, beta):
    x = np.linspace(-8.0, 8.0, 160) + 0.01  # not 0
    f = lambda v: custom.softplus_quadratic(v, alpha, beta)  # noqa: E731
    fd = central_difference(f, x)
    np.testing.assert_allclose(custom.softplus_quadratic_grad(x, alpha, beta), fd, rtol=1e-7,
                               atol=1e-9)
    # within h of 0 the second derivative jumps (C¹, not C²): off by at most h * max|f''|
    near0 = np.array([-1e-7, 0.0, 1e-7])
    err = np.abs(custom.softplus_quadratic_grad(near0, alpha, beta) - central_difference(f, near0))
    assert np.all(err <= 1e-6 * max(2 * abs(alpha), abs(beta) / 4) + 1e-9)


@pytest.mark.parametrize("alpha, beta", PARAMS)
def test_softplus_quadratic_is_c1_at_zero(alpha, beta):
    h = 1e-10
    value = custom.softplus_quadratic(np.array([-h, 0.0, h]), alpha, beta)
    slope = custom.softplus_quadratic_grad(np.array([-h, 0.0, h]), alpha, beta)
    assert np.ptp(value) <= 2 * h * abs(beta) + 1e-15
    assert value[1] == pytest.approx(beta * math.log(2), rel=1e-15)
    assert np.ptp(slope) <= 4 * h * max(abs(alpha), abs(beta)) + 1e-15
    assert slope[1] == pytest.approx(beta / 2, rel=1e-15)


def test_softplus_quadratic_never_warns_for_finite_input_and_has_limits():
    x = np.array([-np.finfo(np.float64).max, -1e300, -1e4, -745.2, -40.0, 0.0, 40.0, 1e4,
                  1e154, 1e300, np.finfo(np.float64).max])
    for alpha, beta in PARAMS:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = custom.softplus_quadratic(x, alpha, beta)
            dy = custom.softplus_quadratic_grad(x, alpha, beta)
        assert not np.any(np.isnan(y)) and not np.any(np.isnan(dy))
        assert np.all(np.isfinite(y[(np.abs(x) <= 1e4)]))
    y = custom.softplus_quadratic(np.array([-np.inf, np.inf, np.nan]))
    np.testing.assert_array_equal(y, [0.0, np.inf, np.nan])
    dy = custom.softplus_quadratic_grad(np.array([-np.inf, np.inf, np.nan]))
    np.testing.assert_array_equal(dy, [0.0, np.inf, np.nan])
    # alpha = 0: a linear right branch, whose slope at +inf is beta / 2
    assert custom.softplus_quadratic_grad(np.inf, 0.0, 3.0) == 1.5
    assert custom.softplus_quadratic(np.inf, 0.0, 0.0) == 0.0
    assert custom.softplus_quadratic(np.inf, -1.0, 1.0) == -np.inf


def test_softplus_quadratic_float32_is_rounded_float64():
    rng = np.random.default_rng(3)
    x32 = (rng.standard_normal(200) * 30).astype(np.float32)
    x32 = np.concatenate([x32, np.array([-1e4, 1e4, 3e38, -3e38], np.float32)])
    for f in (custom.softplus_quadratic, custom.softplus_quadratic_grad):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = f(x32)
        assert got.dtype == np.float32
        with np.errstate(over="ignore"):  # 3e38**2 is inf in float32, as it should be
            expected = f(x32.astype(np.float64)).astype(np.float32)
        np.testing.assert_array_equal(got, expected)


def test_dtypes_shapes_and_input_kept():
    for f in (custom.discontinuous_activation, custom.discontinuous_activation_grad,
              custom.softplus_quadratic, custom.softplus_quadratic_grad):
        ints = np.array([[-2, 0], [1, 3]])
        out = f(ints)
        assert out.dtype == np.float64 and out.shape == (2, 2)
        np.testing.assert_allclose(out, f(ints.astype(np.float64)), rtol=0)
        x = np.array([-1.0, 0.5], dtype=np.float32)
        before = x.copy()
        assert f(x).dtype == np.float32
        np.testing.assert_array_equal(x, before)
        assert f([1, 2]).shape == (2,)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(TypeError, match="alpha must be a real number"):
        custom.softplus_quadratic(np.zeros(2), alpha="1")
    with pytest.raises(ValueError, match="beta must be a finite"):
        custom.discontinuous_activation(np.zeros(2), beta=np.nan)
    with pytest.raises(TypeError, match="x must be a real-valued array"):
        custom.softplus_quadratic_grad(np.array(["a"]))
