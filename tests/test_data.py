"""Tests of course_lib.data: shapes, dtypes, reproducibility, scaling, no leakage."""

import numpy as np
import pytest

from course_lib import data


def test_digits_split_shapes_dtypes_and_order():
    split = data.load_digits_split()
    X_train, X_test, y_train, y_test = split
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    assert split.X_test is X_test
    assert set(np.unique(y_test)) == set(range(10))
    assert X_train.min() == 0.0 and X_train.max() == 1.0


def test_digits_split_is_reproducible_and_seed_dependent():
    a = data.load_digits_split(seed=3)
    b = data.load_digits_split(seed=3)
    c = data.load_digits_split(seed=4)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a.y_test, c.y_test)


def test_digits_split_is_a_stratified_partition_of_the_digits():
    from sklearn.datasets import load_digits

    raw = load_digits()
    split = data.load_digits_split(scaling="none")
    together = np.concatenate([split.X_train, split.X_test])
    # same multiset of rows as the original data
    order = np.lexsort(together.T)
    order_raw = np.lexsort(raw.data.T)
    np.testing.assert_array_equal(together[order], raw.data[order_raw])
    counts = np.bincount(split.y_test, minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37


@pytest.mark.parametrize(
    "scaling, low, high",
    [("unit", 0.0, 1.0), ("symmetric", -1.0, 1.0), ("none", 0.0, 16.0)],
)
def test_digits_scalings_ranges(scaling, low, high):
    split = data.load_digits_split(scaling=scaling)
    assert split.X_train.min() == low and split.X_train.max() == high


def test_digits_standard_scaling_uses_training_statistics_only():
    raw = data.load_digits_split(scaling="none")
    std = data.load_digits_split(scaling="standard")
    mu = raw.X_train.mean(axis=0)
    sigma = raw.X_train.std(axis=0)
    sigma[sigma == 0] = 1.0
    np.testing.assert_allclose(std.X_test, (raw.X_test - mu) / sigma, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(std.X_train.mean(axis=0), 0.0, atol=1e-12)


def test_digits_images_layout():
    flat = data.load_digits_split()
    img = data.load_digits_split(images=True)
    assert img.X_train.shape == (1437, 1, 8, 8) and img.X_test.shape == (360, 1, 8, 8)
    np.testing.assert_array_equal(img.X_test.reshape(360, 64), flat.X_test)


def test_digits_bad_arguments():
    with pytest.raises(ValueError, match="scaling"):
        data.load_digits_split(scaling="minmax")
    with pytest.raises(ValueError, match="test_size"):
        data.load_digits_split(test_size=1.5)
    with pytest.raises(TypeError, match="seed"):
        data.load_digits_split(seed=1.5)


def test_xor_labels_are_xor_of_signs():
    X, y = data.make_xor(400, noise=0.1, seed=1)
    assert X.shape == (400, 2) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(np.int64))
    assert np.bincount(y).tolist() == [200, 200]


def test_xor_is_not_linearly_separable():
    from sklearn.linear_model import LogisticRegression

    X, y = data.make_xor(400, seed=0)
    acc = LogisticRegression().fit(X, y).score(X, y)
    assert acc < 0.65


def test_moons_matches_sklearn_and_is_seeded():
    from sklearn.datasets import make_moons

    X, y = data.make_moons(150, noise=0.2, seed=7)
    X_ref, y_ref = make_moons(n_samples=150, noise=0.2, random_state=7)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    assert X.dtype == np.float64 and y.dtype == np.int64


def test_spirals_shapes_radius_and_seed():
    X, y = data.make_spirals(60, n_classes=3, noise=0.1, seed=2)
    assert X.shape == (180, 2) and y.shape == (180,)
    assert np.bincount(y).tolist() == [60, 60, 60]
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), np.tile(np.linspace(0, 1, 60), 3))
    X2, _ = data.make_spirals(60, n_classes=3, noise=0.1, seed=2)
    np.testing.assert_array_equal(X, X2)


def test_periodic_signal_without_noise():
    x, y = data.make_periodic(50, x_min=-2.0, x_max=3.0, noise=0.0, seed=5)
    assert x.shape == (50, 1) and y.shape == (50, 1)
    assert np.all(np.diff(x[:, 0]) >= 0) and x.min() >= -2.0 and x.max() <= 3.0
    np.testing.assert_allclose(y, np.sin(x) + 0.5 * np.sin(2 * x), rtol=1e-15, atol=1e-15)
    with pytest.raises(ValueError, match="x_min < x_max"):
        data.make_periodic(10, x_min=1.0, x_max=0.0)


def test_one_hot():
    out = data.one_hot(np.array([2, 0, 1]), 4)
    np.testing.assert_array_equal(out, np.eye(4)[[2, 0, 1]])
    assert data.one_hot([1, 1]).shape == (2, 2)
    with pytest.raises(ValueError, match="0..2"):
        data.one_hot([3], 3)
    with pytest.raises(TypeError, match="integer"):
        data.one_hot([0.5])
    with pytest.raises(ValueError, match=r"shape \(N,\)"):
        data.one_hot([[0, 1]])


@pytest.mark.parametrize(
    "call",
    [
        lambda: data.make_xor(3),
        lambda: data.make_xor(10, noise=-1.0),
        lambda: data.make_moons(1),
        lambda: data.make_spirals(10, n_classes=1),
    ],
)
def test_synthetic_sets_reject_bad_arguments(call):
    with pytest.raises(ValueError):
        call()


def test_docstring_examples():
    import doctest

    result = doctest.testmod(data, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 8 and result.failed == 0
