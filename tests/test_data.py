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


def test_digits_split_is_reproducible_and_depends_on_rng():
    a = data.load_digits_split(rng=3)
    b = data.load_digits_split(rng=3)
    c = data.load_digits_split(rng=4)
    for u, v in zip(a, b, strict=True):
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
    where = r"load_digits_split\(\): "
    with pytest.raises(ValueError, match=where + "unknown scaling 'minmax'"):
        data.load_digits_split(scaling="minmax")
    with pytest.raises(ValueError, match=where + "test_size must be a real number > 0 and < 1"):
        data.load_digits_split(test_size=1.5)
    with pytest.raises(TypeError, match=where + "rng must be an integer seed"):
        data.load_digits_split(rng=1.5)
    with pytest.raises(ValueError, match=where + "rng seed must be >= 0"):
        data.load_digits_split(rng=-1)


def test_a_generator_is_accepted_wherever_a_seed_is():
    # A Generator is advanced: two draws from one generator differ, two equal ones agree.
    for make in (data.make_xor, data.make_moons, data.make_spirals, data.make_periodic):
        first, second = make(rng=np.random.default_rng(5)), make(rng=np.random.default_rng(5))
        np.testing.assert_array_equal(first[0], second[0])
        gen = np.random.default_rng(5)
        assert not np.array_equal(make(rng=gen)[0], make(rng=gen)[0])
    # make_xor with an int seed draws from default_rng(seed), as documented
    X, _ = data.make_xor(8, noise=1.0, rng=3)
    corners = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])[np.arange(8) % 4]
    np.testing.assert_allclose(
        X, corners + np.random.default_rng(3).standard_normal((8, 2)), rtol=0, atol=0
    )
    split = data.load_digits_split(rng=np.random.default_rng(0))
    assert split.X_train.shape == (1437, 64)


def test_xor_labels_are_xor_of_signs():
    X, y = data.make_xor(400, noise=0.1, rng=1)
    assert X.shape == (400, 2) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(np.int64))
    assert np.bincount(y).tolist() == [200, 200]


def test_xor_is_not_linearly_separable():
    from sklearn.linear_model import LogisticRegression

    X, y = data.make_xor(400, rng=0)
    acc = LogisticRegression().fit(X, y).score(X, y)
    assert acc < 0.65


def test_moons_matches_sklearn_and_is_seeded():
    from sklearn.datasets import make_moons

    X, y = data.make_moons(150, noise=0.2, rng=7)
    X_ref, y_ref = make_moons(n_samples=150, noise=0.2, random_state=7)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    assert X.dtype == np.float64 and y.dtype == np.int64


def test_spirals_shapes_radius_and_seed():
    X, y = data.make_spirals(60, n_classes=3, noise=0.1, rng=2)
    assert X.shape == (180, 2) and y.shape == (180,)
    assert np.bincount(y).tolist() == [60, 60, 60]
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), np.tile(np.linspace(0, 1, 60), 3))
    X2, _ = data.make_spirals(60, n_classes=3, noise=0.1, rng=2)
    np.testing.assert_array_equal(X, X2)


def test_periodic_signal_without_noise():
    x, y = data.make_periodic(50, x_min=-2.0, x_max=3.0, noise=0.0, rng=5)
    assert x.shape == (50, 1) and y.shape == (50, 1)
    assert np.all(np.diff(x[:, 0]) >= 0) and x.min() >= -2.0 and x.max() <= 3.0
    np.testing.assert_allclose(y, np.sin(x) + 0.5 * np.sin(2 * x), rtol=1e-15, atol=1e-15)
    with pytest.raises(ValueError, match=r"make_periodic\(\): x_min must be < x_max"):
        data.make_periodic(10, x_min=1.0, x_max=0.0)


def test_one_hot():
    out = data.one_hot(np.array([2, 0, 1]), 4)
    np.testing.assert_array_equal(out, np.eye(4)[[2, 0, 1]])
    assert data.one_hot([1, 1]).shape == (2, 2)
    with pytest.raises(ValueError, match=r"one_hot\(\): y must be < 3; got 3"):
        data.one_hot([3], 3)
    with pytest.raises(ValueError, match=r"one_hot\(\): y must hold whole numbers"):
        data.one_hot([0.5])
    with pytest.raises(TypeError, match=r"one_hot\(\): y must be a real-valued array"):
        data.one_hot([[0, 1], [2]])
    with pytest.raises(ValueError, match=r"one_hot\(\): y must have shape \(N,\)"):
        data.one_hot([[0, 1]])
    with pytest.raises(ValueError, match=r"y must be >= 0; got -1"):
        data.one_hot([-1, 1])


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: data.make_xor(3), ValueError, r"make_xor\(\): n_samples must be an integer >= 4"),
        (lambda: data.make_xor(10, noise=-1.0), ValueError, "noise must be a real number >= 0"),
        (lambda: data.make_xor(10.0), TypeError, "n_samples must be an integer"),
        (lambda: data.make_moons(1), ValueError, r"make_moons\(\): n_samples must be"),
        (lambda: data.make_moons(rng="0"), TypeError, "rng must be an integer seed"),
        (
            lambda: data.make_spirals(10, n_classes=1),
            ValueError,
            "n_classes must be an integer >= 2",
        ),
        (lambda: data.make_periodic(x_min=np.nan), ValueError, "x_min must be a finite"),
    ],
)
def test_synthetic_sets_reject_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()
