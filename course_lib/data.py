r"""Small data sets for the course: sklearn's digits and seeded synthetic sets.

Nothing is downloaded: the digits ship with scikit-learn, everything else is
generated from ``rng=`` (an int seed or a ``numpy.random.Generator``), so every notebook
sees the same numbers on every run. All functions return plain numpy arrays: features as
float64, class labels as int64.

- :func:`load_digits_split` -- 8x8 handwritten digits, stratified train/test split,
  scaled; flat ``(N, 64)`` or images ``(N, 1, 8, 8)``.
- :func:`make_xor` -- four noisy clusters whose label is the XOR of the signs.
- :func:`make_moons` -- scikit-learn's two interleaving half circles.
- :func:`make_spirals` -- ``K`` interleaved spiral arms, a harder non-linear set.
- :func:`make_periodic` -- noisy samples of a periodic 1-D function, for
  extrapolation experiments.
- :func:`one_hot` -- integer labels to one-hot rows.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from course_lib.validation import check_shape, choice, integer, integer_array, make_rng, real

__all__ = [
    "DigitsSplit",
    "load_digits_split",
    "make_xor",
    "make_moons",
    "make_spirals",
    "make_periodic",
    "one_hot",
]

Scaling = Literal["unit", "symmetric", "standard", "none"]
_SCALINGS = ("unit", "symmetric", "standard", "none")
_DIGITS_MAX = 16.0  # the digits' pixels are integer counts 0..16


class DigitsSplit(NamedTuple):
    """Train/test split of the digits, in scikit-learn's ``train_test_split`` order.

    A plain tuple of arrays: ``X_train, X_test, y_train, y_test = split`` works.
    """

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def _sklearn_seed(rng: int | np.random.Generator | None, where: str) -> int | None:
    """scikit-learn's ``random_state``: the int seed itself, or one drawn from a Generator."""
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**32 - 1))
    make_rng(rng, where=where)  # the usual TypeError / ValueError for anything else
    return None if rng is None else int(rng)


def load_digits_split(
    test_size: float = 0.2,
    rng: int | np.random.Generator = 0,
    scaling: Scaling = "unit",
    images: bool = False,
) -> DigitsSplit:
    r"""sklearn's 8x8 digits, split reproducibly (stratified) and scaled.

    The 1797 images hold integer pixel counts 0..16. Scalings:

    - ``"unit"`` (default): :math:`x / 16 \in [0, 1]` (Bernoulli-like pixels),
    - ``"symmetric"``: :math:`x / 8 - 1 \in [-1, 1]` (for a tanh output),
    - ``"standard"``: :math:`(x - \mu) / \sigma` per pixel, with :math:`\mu,\sigma`
      from the *training* part only (pixels constant in training get
      :math:`\sigma = 1`), so no test information leaks into training,
    - ``"none"``: raw counts as float64.

    Parameters
    ----------
    test_size : float, default 0.2
        Fraction in (0, 1) of the samples held out (0.2 gives 360 test images).
    rng : int or numpy.random.Generator, default 0
        Seed of the split (scikit-learn's ``random_state``); a Generator supplies a seed.
    scaling : {"unit", "symmetric", "standard", "none"}, default "unit"
    images : bool, default False
        If True the features are images for a CNN, shaped ``(N, 1, 8, 8)``
        (NCHW, one channel); otherwise flat rows ``(N, 64)``.

    Returns
    -------
    DigitsSplit
        ``(X_train, X_test, y_train, y_test)``: float64 features of shape
        ``(N, 64)`` or ``(N, 1, 8, 8)``, int64 labels in 0..9 of shape ``(N,)``.
        With the defaults ``N_train = 1437`` and ``N_test = 360``.

    Examples
    --------
    >>> X_train, X_test, y_train, y_test = load_digits_split(rng=0)
    >>> X_train.shape, X_test.shape, y_test.dtype
    ((1437, 64), (360, 64), dtype('int64'))
    >>> load_digits_split(images=True).X_test.shape
    (360, 1, 8, 8)
    """
    where = "load_digits_split()"
    test_size = real(test_size, "test_size", where=where, low=0.0, high=1.0, low_open=True,
                     high_open=True)
    seed = _sklearn_seed(rng, where)
    choice(scaling, "scaling", _SCALINGS, where=where)

    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = np.asarray(digits.data, dtype=np.float64)
    y = np.asarray(digits.target, dtype=np.int64)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y
    )
    if scaling == "unit":
        X_train, X_test = X_train / _DIGITS_MAX, X_test / _DIGITS_MAX
    elif scaling == "symmetric":
        half = _DIGITS_MAX / 2.0
        X_train, X_test = X_train / half - 1.0, X_test / half - 1.0
    elif scaling == "standard":
        mean = X_train.mean(axis=0)
        std = X_train.std(axis=0)
        std = np.where(std > 0.0, std, 1.0)
        X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    if images:
        X_train = X_train.reshape(-1, 1, 8, 8)
        X_test = X_test.reshape(-1, 1, 8, 8)
    return DigitsSplit(
        np.ascontiguousarray(X_train),
        np.ascontiguousarray(X_test),
        np.ascontiguousarray(y_train),
        np.ascontiguousarray(y_test),
    )


def make_xor(
    n_samples: int = 200, noise: float = 0.25, rng: int | np.random.Generator = 0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Four Gaussian clusters at :math:`(\pm1, \pm1)`; label 1 where the signs differ.

    No straight line separates the classes, so a purely linear model scores at
    most about 50 %: the smallest data set that needs a non-linearity.

    Parameters
    ----------
    n_samples : int, default 200
        Number of points (>= 4), spread as evenly as possible over the corners.
    noise : float, default 0.25
        Standard deviation of the Gaussian around each corner.
    rng : int or numpy.random.Generator, default 0
        Seed or generator of the noise.

    Returns
    -------
    X : numpy.ndarray
        float64, shape ``(n_samples, 2)``.
    y : numpy.ndarray
        int64 in {0, 1}, shape ``(n_samples,)``; :math:`y = [x_1 x_2 < 0]` at the
        cluster centres.

    Examples
    --------
    >>> X, y = make_xor(8, noise=0.0)
    >>> X[:4].tolist(), y[:4].tolist()
    ([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    where = "make_xor()"
    n_samples = integer(n_samples, "n_samples", where=where, minimum=4)
    noise = real(noise, "noise", where=where, low=0.0)
    generator = make_rng(rng, where=where)
    corners = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    labels = np.array([0, 1, 1, 0], dtype=np.int64)
    which = np.arange(n_samples) % 4
    X = corners[which] + noise * generator.standard_normal((n_samples, 2))
    return X, labels[which]


def make_moons(
    n_samples: int = 200, noise: float = 0.1, rng: int | np.random.Generator = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``), seeded.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points (>= 2), half per moon.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to the points.
    rng : int or numpy.random.Generator, default 0
        Seed (scikit-learn's ``random_state``, so an int gives scikit-learn's exact points)
        or a Generator that supplies one.

    Returns
    -------
    X : numpy.ndarray
        float64, shape ``(n_samples, 2)``.
    y : numpy.ndarray
        int64 in {0, 1}, shape ``(n_samples,)``.

    Examples
    --------
    >>> X, y = make_moons(100, rng=1)
    >>> X.shape, sorted(set(y.tolist()))
    ((100, 2), [0, 1])
    """
    where = "make_moons()"
    n_samples = integer(n_samples, "n_samples", where=where, minimum=2)
    noise = real(noise, "noise", where=where, low=0.0)
    seed = _sklearn_seed(rng, where)
    from sklearn.datasets import make_moons as sklearn_make_moons

    X, y = sklearn_make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def make_spirals(
    n_per_class: int = 100,
    n_classes: int = 3,
    noise: float = 0.2,
    rng: int | np.random.Generator = 0,
) -> tuple[np.ndarray, np.ndarray]:
    r"""``n_classes`` interleaved spiral arms in the plane.

    Arm :math:`k` has points at radius :math:`r \in [0, 1]` and angle
    :math:`\theta = 4r + 2\pi k / K` plus Gaussian noise of standard deviation
    ``noise`` on the angle: :math:`x = (r\sin\theta, r\cos\theta)`.

    Parameters
    ----------
    n_per_class : int, default 100
        Points per arm (>= 2).
    n_classes : int, default 3
        Number of arms (>= 2).
    noise : float, default 0.2
        Angular noise (radians).
    rng : int or numpy.random.Generator, default 0
        Seed or generator of the noise.

    Returns
    -------
    X : numpy.ndarray
        float64, shape ``(n_per_class * n_classes, 2)``, inside the unit disc.
    y : numpy.ndarray
        int64 in ``0 .. n_classes - 1``, shape ``(n_per_class * n_classes,)``,
        grouped by class.

    Examples
    --------
    >>> X, y = make_spirals(50, n_classes=4)
    >>> X.shape, int(y.max())
    ((200, 2), 3)
    """
    where = "make_spirals()"
    n_per_class = integer(n_per_class, "n_per_class", where=where, minimum=2)
    n_classes = integer(n_classes, "n_classes", where=where, minimum=2)
    noise = real(noise, "noise", where=where, low=0.0)
    generator = make_rng(rng, where=where)
    r = np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), n_per_class)
    theta = 4.0 * r + 2.0 * np.pi * y / n_classes + noise * generator.standard_normal(r.size)
    X = np.column_stack([r * np.sin(theta), r * np.cos(theta)])
    return X, y


def make_periodic(
    n_samples: int = 200,
    x_min: float = -6.0,
    x_max: float = 6.0,
    noise: float = 0.05,
    rng: int | np.random.Generator = 0,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Noisy samples of a periodic signal, :math:`y = \sin(x) + 0.5\sin(2x)`.

    Train on one interval and evaluate outside it to see which activations
    extrapolate a periodic pattern (Snake) and which cannot (ReLU continues
    linearly, tanh flattens out).

    Parameters
    ----------
    n_samples : int, default 200
        Number of points (>= 1), sorted by x.
    x_min, x_max : float, default -6, 6
        Interval, ``x_min < x_max``; x is drawn uniformly from it.
    noise : float, default 0.05
        Standard deviation of the Gaussian noise added to y.
    rng : int or numpy.random.Generator, default 0
        Seed or generator of x and of the noise.

    Returns
    -------
    x : numpy.ndarray
        float64, shape ``(n_samples, 1)`` (a column, ready for a Linear layer).
    y : numpy.ndarray
        float64, shape ``(n_samples, 1)``.

    Examples
    --------
    >>> x, y = make_periodic(5, noise=0.0)
    >>> bool(np.allclose(y, np.sin(x) + 0.5 * np.sin(2 * x)))
    True
    """
    where = "make_periodic()"
    n_samples = integer(n_samples, "n_samples", where=where, minimum=1)
    noise = real(noise, "noise", where=where, low=0.0)
    x_min = real(x_min, "x_min", where=where)
    x_max = real(x_max, "x_max", where=where)
    if not x_min < x_max:
        raise ValueError(f"{where}: x_min must be < x_max; got x_min={x_min}, x_max={x_max}")
    generator = make_rng(rng, where=where)
    x = np.sort(generator.uniform(x_min, x_max, n_samples))
    y = np.sin(x) + 0.5 * np.sin(2.0 * x) + noise * generator.standard_normal(n_samples)
    return x[:, None], y[:, None]


def one_hot(y: ArrayLike, num_classes: int | None = None) -> np.ndarray:
    """Integer labels to one-hot rows.

    Parameters
    ----------
    y : array_like of int, shape (N,)
        Labels in ``0 .. num_classes - 1`` (whole-number floats such as ``2.0`` are accepted).
    num_classes : int, optional
        Number of classes; default ``max(y) + 1``.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(N, num_classes)``, one 1.0 per row.

    Examples
    --------
    >>> one_hot([0, 2], 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    where = "one_hot()"
    labels = check_shape(integer_array(y, "y", where=where, low=0), (None,), "y", where=where)
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    num_classes = integer(num_classes, "num_classes", where=where,
                          minimum=1 if labels.size else 0)
    integer_array(labels, "y", where=where, high=num_classes)
    out = np.zeros((labels.size, num_classes), dtype=np.float64)
    out[np.arange(labels.size), labels] = 1.0
    return out
