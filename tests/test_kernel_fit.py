"""Tests of the fast kernels' building blocks and of the script that fits their coefficients.

* ``python -m course_lib.kernels.fit`` must reproduce ``vecmath.COEFFICIENTS`` bit for bit.
  Here every set is re-fitted except the float64 Mills' ratio (about a minute; the full
  command runs it): the polynomial sets are unique minimax or interpolating polynomials,
  fitted to 20 digits, so their float64 roundings are exact; the rational float32 set is a
  fixed, deterministic iteration.
* The fitting methods are checked on problems with known answers.
* Each building block of course_lib.kernels.vecmath meets its stated error against mpmath.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from mpmath import mp, mpf
from numba import njit

from course_lib.kernels import fit, vecmath

QUICK = [name for name, spec in fit.SETS.items() if spec.quick]


def test_every_committed_coefficient_set_has_a_fit():
    keys = [key for spec in fit.SETS.values() for key in spec.keys]
    assert sorted(keys) == sorted(vecmath.COEFFICIENTS)
    assert set(QUICK) == set(fit.SETS) - {"mills64"}


@pytest.mark.parametrize("name", QUICK)
def test_the_fit_reproduces_the_committed_coefficients_bit_for_bit(name):
    fitted = fit.fit(name)
    for key in fit.SETS[name].keys:
        assert fitted[key] == vecmath.COEFFICIENTS[key], key


def test_minimax_matches_the_known_best_line():
    # The best absolute approximation of e^x on [0, 1] by a line has slope e - 1 and
    # intercept (e - (e - 1) log(e - 1)) / 2 (Chebyshev's equioscillation theorem).
    with mp.workdps(30):
        c, level = fit.minimax(mp.exp, mpf(0), mpf(1), 1, relative=False)
        e = mp.e
        assert abs(c[1] - (e - 1)) < mpf(10) ** -25
        assert abs(c[0] - (e - (e - 1) * mp.log(e - 1)) / 2) < mpf(10) ** -25
        assert abs(level - (1 - c[0])) < mpf(10) ** -25  # |the error at x = 0|


def test_minimax_error_equioscillates_in_relative_terms():
    with mp.workdps(30):
        c, level = fit.minimax(mp.exp, mpf(-1) / 2, mpf(1) / 2, 3)
        x = [mpf(-1) / 2 + mpf(i) / 2000 for i in range(2001)]
        error = np.array([float((mp.polyval(c[::-1], v) - mp.exp(v)) / mp.exp(v)) for v in x])
    # n + 2 = 5 runs of alternating sign, each reaching the levelled error.
    runs = np.split(error, np.flatnonzero(np.diff(np.sign(error)) != 0) + 1)
    assert len(runs) == 5
    assert np.max(np.abs(error)) <= float(level) * (1 + 1e-12)
    for run in runs:  # (the grid misses each extremum by at most 1/4000)
        assert np.max(np.abs(run)) == pytest.approx(float(level), rel=1e-4)


def test_chebyshev_interpolation_is_exact_for_a_polynomial_of_its_degree():
    with mp.workdps(30):
        c = fit.chebyshev_interpolation(lambda v: 3 - v + 2 * v**4, mpf(-2), mpf(1), 4)
        for got, want in zip(c, [3, -1, 0, 0, 2], strict=True):
            assert abs(got - want) < mpf(10) ** -25


def test_rational_fit_recovers_a_rational_function():
    with mp.workdps(30):
        p, s = fit.rational_lawson(lambda t: (2 + t) / (1 + t / 3 + t * t / 5), mpf(0), mpf(4),
                                   1, 2, 30, 4)
        for got, want in zip(p + s, [2, 1, 1, mpf(1) / 3, mpf(1) / 5], strict=True):
            assert abs(got - want) < mpf(10) ** -20


def test_the_command_reports_and_refuses_an_unknown_set(capsys):
    assert fit.main(["expm1_32"]) == 0
    out = capsys.readouterr().out
    assert "expm1_32: chebyshev fit" in out and "equals the committed set" in out
    assert '"expm1_32": (0.5, ' in out
    with pytest.raises(SystemExit) as info:
        fit.main(["exp46"])
    assert info.value.code == 2
    assert "unknown coefficient set 'exp46'; did you mean 'exp64'?" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# The building blocks against mpmath
# --------------------------------------------------------------------------------------------
def _compiled_elementwise(function):
    """A serial compiled loop applying one of the inlined building blocks."""

    @njit
    def apply(values, out):
        for i in range(values.size):
            out[i] = function(values[i])

    return apply


# (building block, mpmath reference, interval, stated maximum relative error)
BUILDING_BLOCKS = {
    np.float64: [
        (vecmath.exp_neg64, lambda a: mpmath.exp(-a), (0.0, 745.0), 5e-16),
        (vecmath.expm1_neg64, lambda a: mpmath.expm1(-a), (0.0, 40.0), 3e-16),
        (vecmath.log1p_unit64, mpmath.log1p, (0.0, 1.0), 5e-16),
        (vecmath.times_gauss_q64, lambda t: t * mpmath.ncdf(-t), (0.0, 38.0), 7e-15),
    ],
    np.float32: [
        (vecmath.exp_neg32, lambda a: mpmath.exp(-a), (0.0, 87.0), 5e-7),
        (vecmath.expm1_neg32, lambda a: mpmath.expm1(-a), (0.0, 20.0), 1e-7),
        (vecmath.log1p_unit32, mpmath.log1p, (0.0, 1.0), 4e-7),
        (vecmath.times_gauss_q32, lambda t: t * mpmath.ncdf(-t), (0.0, 13.0), 1.2e-6),
    ],
}


@pytest.mark.parametrize("dtype", list(BUILDING_BLOCKS), ids=lambda d: d.__name__)
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
        normal = np.abs(ref) >= np.finfo(dtype).tiny  # subnormals carry no relative precision
        error = np.abs(ours[normal].astype(np.float64) - ref[normal]) / np.abs(ref[normal])
        where = float(x[normal][np.argmax(error)])
        assert error.max() <= stated, (function.py_func.__name__, where)
        assert error.max() >= stated / 20, function.py_func.__name__  # the statement is tight
