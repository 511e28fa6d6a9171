"""Tests of activations.softmax and activations.log_softmax against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib.activations import log_softmax, softmax

RTOL = {np.float64: 1e-10, np.float32: 1e-5}


def _torch(fn, z, axis):
    return fn(torch.from_numpy(np.ascontiguousarray(z)), dim=axis).numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("scale", [1.0, 50.0, 1e3, 1e5])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_and_log_softmax_match_torch(scale, axis, dtype):
    rng = np.random.default_rng(2024)
    z = (scale * rng.standard_normal((4, 7, 3))).astype(dtype)
    p, logp = softmax(z, axis=axis), log_softmax(z, axis=axis)
    assert p.dtype == dtype and logp.dtype == dtype and p.shape == z.shape
    tiny, eps = np.finfo(dtype).tiny, np.finfo(dtype).eps
    np.testing.assert_allclose(p, _torch(torch.softmax, z, axis), rtol=RTOL[dtype], atol=tiny)
    # float32 PyTorch rounds log(sum) to float32: near 0 its log-probabilities are off by eps.
    np.testing.assert_allclose(
        logp,
        _torch(torch.log_softmax, z, axis),
        rtol=RTOL[dtype],
        atol=4 * eps if dtype == np.float32 else 0,
    )
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=10 * eps)
    assert np.all(np.isfinite(logp))
    # Computed in float64 and rounded once: float32 results are float64 PyTorch, rounded.
    z64 = z.astype(np.float64)
    exact_p = _torch(torch.softmax, z64, axis)
    exact_logp = _torch(torch.log_softmax, z64, axis)
    np.testing.assert_allclose(p, exact_p, rtol=max(eps, 1e-13), atol=tiny)
    np.testing.assert_allclose(logp, exact_logp, rtol=max(eps, 1e-13), atol=tiny)


def test_extreme_finite_scores_do_not_warn_and_give_the_limit():
    # -1e308 - 1e308 overflows to -inf in the max-shift; its exponential is the right 0.
    z = np.array([1e308, -1e308])
    np.testing.assert_array_equal(softmax(z), [1.0, 0.0])
    np.testing.assert_array_equal(softmax(z), _torch(torch.softmax, z, 0))
    np.testing.assert_array_equal(log_softmax(z), _torch(torch.log_softmax, z, 0))
    big32 = np.array([3e38, -3e38], dtype=np.float32)
    assert softmax(big32).dtype == np.float32
    np.testing.assert_array_equal(softmax(big32), [1.0, 0.0])
    # log_softmax(-3e38) = -6e38 is below the float32 range: -inf, as torch (and no warning,
    # which the test settings turn into an error)
    assert log_softmax(big32).dtype == np.float32
    np.testing.assert_array_equal(log_softmax(big32),
                                  torch.log_softmax(torch.from_numpy(big32), 0).numpy())
    np.testing.assert_array_equal(log_softmax(big32), [0.0, -np.inf])


@pytest.mark.parametrize("shape, axis", [((2, 0), 1), ((2, 0), 0), ((0, 3), 1), ((0,), 0)])
def test_empty_input_gives_an_empty_result_as_in_torch(shape, axis):
    z = np.zeros(shape, dtype=np.float32)
    for ours, theirs in ((softmax, torch.softmax), (log_softmax, torch.log_softmax)):
        out = ours(z, axis=axis)
        expected = _torch(theirs, z, axis)
        assert out.shape == expected.shape == shape and out.dtype == np.float32


def test_zero_dimensional_input_is_a_slice_of_one():
    for ours, theirs in ((softmax, torch.softmax), (log_softmax, torch.log_softmax)):
        out = ours(3.0)
        assert out.shape == () and out.dtype == np.float64
        assert float(out) == float(theirs(torch.tensor(3.0, dtype=torch.float64), dim=0))


@pytest.mark.parametrize(
    "z",
    [
        [0.0, -np.inf, 1.0],  # a mask
        [-np.inf, -np.inf],  # everything masked
        [np.inf, 1.0],
        [np.nan, 1.0],
        [-np.inf, 2.0, np.inf],
    ],
)
def test_infinities_and_nan_behave_as_in_torch_without_warnings(z):
    z = np.array(z)
    np.testing.assert_allclose(softmax(z), _torch(torch.softmax, z, 0), rtol=1e-15)
    np.testing.assert_allclose(log_softmax(z), _torch(torch.log_softmax, z, 0), rtol=1e-15)


def test_integers_are_promoted_and_input_untouched():
    z = np.array([[1, 2, 3]])
    p = softmax(z)
    assert p.dtype == np.float64
    np.testing.assert_allclose(p, _torch(torch.softmax, z.astype(np.float64), -1), rtol=1e-10)
    x = np.random.default_rng(0).standard_normal((3, 4))
    before = x.copy()
    out = softmax(x)
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(x, out)
    assert not np.shares_memory(x, log_softmax(x))


def test_log_softmax_stays_exact_where_the_probability_underflows():
    z = np.array([0.0, -1000.0])
    np.testing.assert_array_equal(log_softmax(z), [0.0, -1000.0])
    assert softmax(z)[1] == 0.0


def test_bad_arguments_are_refused_clearly():
    with pytest.raises(TypeError, match=r"softmax\(\): z must be a real-valued array"):
        softmax(["a", "b"])
    with pytest.raises(TypeError, match=r"log_softmax\(\): z must be a real-valued array"):
        log_softmax([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match=r"softmax\(\): axis must be an integer"):
        softmax(np.ones(3), axis=0.5)
    with pytest.raises(np.exceptions.AxisError):
        softmax(np.ones((2, 3)), axis=2)
