"""Tests of course_lib.gradcheck: accurate on known gradients, and able to catch wrong ones."""

import numpy as np
import pytest

from course_lib.gradcheck import (
    layer_gradient_errors,
    max_relative_error,
    numerical_gradient,
    numerical_vjp,
    relative_error,
)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# ---------------------------------------------------------------- relative_error


def test_relative_error_definition():
    a = np.array([1.0, -4.0, 0.5])
    b = np.array([1.0, -4.0 + 2e-6, 0.5 - 1e-6])
    # max |a - b| / max(max|a|, max|b|) = 2e-6 / 4.0
    assert relative_error(a, b) == pytest.approx(5e-7, rel=1e-9)
    assert relative_error(b, a) == relative_error(a, b)


def test_relative_error_zero_over_zero_is_zero_and_returns_float():
    err = relative_error(np.zeros((2, 3)), np.zeros((2, 3)))
    assert err == 0.0 and type(err) is float
    assert relative_error(3.0, 3.0) == 0.0
    assert relative_error(np.zeros(3), np.array([0.0, 1e-300, 0.0])) == 1.0


def test_relative_error_opposite_signs_is_two():
    assert relative_error([1.0, -2.0], [-1.0, 2.0]) == 2.0


def test_relative_error_rejects_bad_input():
    with pytest.raises(ValueError, match=r"relative_error\(\): a and b must have the same shape"):
        relative_error(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="a must contain only finite values"):
        relative_error([1.0, np.nan], [1.0, 1.0])
    with pytest.raises(ValueError, match="b must contain only finite values"):
        relative_error([1.0, 1.0], [np.inf, 1.0])
    with pytest.raises(TypeError, match="a must be a real-valued array"):
        relative_error(["a"], ["b"])


# ---------------------------------------------------------------- max_relative_error


def test_max_relative_error_is_the_worst_entry_on_its_own_scale():
    a = np.array([100.0, 1e-3, -2.0])
    b = np.array([100.0, 2e-3, -2.0 + 4e-9])
    # entry 1: |1e-3 - 2e-3| / max(1e-3, 2e-3, floor) = 0.5; entry 2: 4e-9 / 2 = 2e-9
    assert max_relative_error(a, b) == pytest.approx(0.5, rel=1e-12)
    assert max_relative_error(a[[0, 2]], b[[0, 2]]) == pytest.approx(2e-9, rel=1e-6)
    assert relative_error(a, b) == pytest.approx(1e-5, rel=1e-9)  # normwise hides entry 1
    assert max_relative_error(b, a) == max_relative_error(a, b)
    assert type(max_relative_error(a, b)) is float


def test_max_relative_error_floor():
    noise = np.array([0.0, 3e-11])
    # below the floor the difference is measured against the floor
    assert max_relative_error([0.0, 0.0], noise) == pytest.approx(3e-11 / 1e-6, rel=1e-12)
    assert max_relative_error([0.0, 0.0], noise, floor=1e-3) == pytest.approx(3e-8, rel=1e-12)
    # without a floor an entry that is zero in one array scores 1, two zeros score 0
    assert max_relative_error([0.0, 0.0], noise, floor=0) == 1.0
    assert max_relative_error(np.zeros(3), np.zeros(3), floor=0.0) == 0.0
    assert max_relative_error([1.0, -2.0], [-1.0, 2.0]) == 2.0
    assert max_relative_error(np.zeros((0, 2)), np.zeros((0, 2))) == 0.0


def test_max_relative_error_rejects_bad_input():
    with pytest.raises(
        ValueError, match=r"max_relative_error\(\): floor must be a real number >= 0"
    ):
        max_relative_error([1.0], [1.0], floor=-1.0)
    with pytest.raises(TypeError, match="floor must be a real number"):
        max_relative_error([1.0], [1.0], floor="1e-6")
    with pytest.raises(ValueError, match="same shape"):
        max_relative_error(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="finite"):
        max_relative_error([np.nan], [1.0])


def test_max_relative_error_catches_a_wrong_small_entry_that_relative_error_misses():
    # d/dx of sum(1e3 x0^2 + 1e-3 x1^2) at (1, 1); the slip gets the small entry 50 % wrong.
    x = np.array([1.0, 1.0])
    num = numerical_gradient(lambda v: 1e3 * v[0] ** 2 + 1e-3 * v[1] ** 2, x)
    right, wrong = np.array([2e3, 2e-3]), np.array([2e3, 1e-3])
    assert max_relative_error(num, right) < 1e-3  # rounding: 1e-16 * 1e3 / eps on 2e-3
    assert max_relative_error(num, wrong) > 0.4
    assert relative_error(num, wrong) < 1e-6


# ---------------------------------------------------------------- numerical_gradient


@pytest.mark.parametrize(
    "f, grad",
    [
        (lambda x: np.sum(x**3), lambda x: 3 * x**2),
        (lambda x: np.sum(np.exp(x)), np.exp),
        (
            lambda x: np.sum(np.sin(x) * np.cos(2 * x)),
            lambda x: np.cos(x) * np.cos(2 * x) - 2 * np.sin(x) * np.sin(2 * x),
        ),
        (lambda x: np.log(np.sum(np.exp(x))), lambda x: np.exp(x) / np.sum(np.exp(x))),
    ],
    ids=["cube", "exp", "sin_cos", "logsumexp"],
)
def test_numerical_gradient_matches_known_gradient(f, grad, rng):
    x = rng.uniform(-1.5, 1.5, size=(3, 4))
    num = numerical_gradient(f, x)
    assert num.shape == x.shape and num.dtype == np.float64
    assert relative_error(num, grad(x)) < 1e-8


def test_numerical_gradient_quadratic_form(rng):
    a = rng.standard_normal((5, 5))
    x = rng.standard_normal(5)
    num = numerical_gradient(lambda v: v @ a @ v, x)
    np.testing.assert_allclose(num, (a + a.T) @ x, rtol=1e-8, atol=1e-9)


def test_numerical_gradient_catches_wrong_derivative(rng):
    # sigmoid'(x) = s(1 - s); a classic slip writes s(1 + s).
    x = rng.uniform(-3, 3, size=20)

    def sigmoid(v):
        return 1.0 / (1.0 + np.exp(-v))

    s = sigmoid(x)
    num = numerical_gradient(lambda v: np.sum(sigmoid(v)), x)
    assert relative_error(num, s * (1 - s)) < 1e-8
    assert relative_error(num, s * (1 + s)) > 0.5


def test_numerical_gradient_does_not_modify_x_and_accepts_float32_and_ints():
    x = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    x_before = x.copy()
    seen = []

    def f(v):
        seen.append(v.dtype)
        return np.sum(v**2)

    num = numerical_gradient(f, x)
    np.testing.assert_array_equal(x, x_before)
    assert x.dtype == np.float32
    assert set(seen) == {np.dtype(np.float64)}
    np.testing.assert_allclose(num, 2 * x_before.astype(np.float64), rtol=1e-8)
    num_int = numerical_gradient(lambda v: np.sum(v**2), [1, 2, 3])
    np.testing.assert_allclose(num_int, [2.0, 4.0, 6.0], rtol=1e-8)


def test_numerical_gradient_of_scalar_input():
    num = numerical_gradient(lambda v: float(v) ** 2, 3.0)
    assert num.shape == () and num == pytest.approx(6.0, rel=1e-9)


def test_numerical_gradient_validates_arguments():
    where = r"numerical_gradient\(\): "
    with pytest.raises(ValueError, match=where + "eps must be a real number > 0; got 0.0"):
        numerical_gradient(np.sum, np.ones(3), eps=0.0)
    with pytest.raises(ValueError, match=where + "eps must be a real number > 0"):
        numerical_gradient(np.sum, np.ones(3), eps=-1e-6)
    with pytest.raises(ValueError, match=where + "eps must be a finite"):
        numerical_gradient(np.sum, np.ones(3), eps=np.nan)
    with pytest.raises(TypeError, match=where + "eps must be a real number"):
        numerical_gradient(np.sum, np.ones(3), eps="small")
    with pytest.raises(ValueError, match=where + "f must return a scalar"):
        numerical_gradient(lambda v: v * 2, np.ones(3))
    with pytest.raises(ValueError, match="non-finite"):
        numerical_gradient(lambda v: np.sum(v) if v[0] > 0 else np.nan, np.array([1e-7, 1.0]))
    with pytest.raises(ValueError, match="x must contain only finite values"):
        numerical_gradient(np.sum, np.array([1.0, np.inf]))
    with pytest.raises(TypeError, match="x must be a real-valued array"):
        numerical_gradient(np.sum, np.array(["a", "b"]))


# ---------------------------------------------------------------- numerical_vjp


def test_numerical_vjp_of_linear_map_is_transpose_times_dout(rng):
    a = rng.standard_normal((4, 6))
    x = rng.standard_normal((3, 6))
    dout = rng.standard_normal((3, 4))
    num = numerical_vjp(lambda v: v @ a.T, x, dout)
    np.testing.assert_allclose(num, dout @ a, rtol=1e-8, atol=1e-10)


def test_numerical_vjp_elementwise_and_catches_wrong_derivative(rng):
    x = rng.uniform(-2, 2, size=(5, 3))
    dout = rng.standard_normal((5, 3))
    num = numerical_vjp(np.tanh, x, dout)
    assert relative_error(num, dout * (1 - np.tanh(x) ** 2)) < 1e-9
    # forgetting to multiply by dout, or using 1 - tanh instead of 1 - tanh^2
    assert relative_error(num, 1 - np.tanh(x) ** 2) > 0.1
    assert relative_error(num, dout * (1 - np.tanh(x))) > 0.1


def test_numerical_vjp_does_not_modify_inputs(rng):
    x = rng.standard_normal((2, 3))
    dout = rng.standard_normal((2, 3))
    x0, d0 = x.copy(), dout.copy()
    numerical_vjp(np.sin, x, dout)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dout, d0)


def test_numerical_vjp_validates_dout_shape():
    with pytest.raises(ValueError, match=r"shape of f\(x\), \(2, 3\); got \(3, 2\)"):
        numerical_vjp(np.sin, np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="eps"):
        numerical_vjp(np.sin, np.ones(2), np.ones(2), eps=0)


# ---------------------------------------------------------------- layer_gradient_errors


class _Scale:
    """y = w * x with a learnable per-feature w; ``wrong`` breaks the weight gradient."""

    def __init__(self, wrong=False):
        self.params = {"w": np.array([0.5, -1.5, 2.0])}
        self.grads = {}
        self.wrong = wrong

    def forward(self, x):
        self.x = x.copy()
        return x * self.params["w"]

    def backward(self, dout):
        self.grads["w"] = (dout * self.x).sum(axis=0) * (2.0 if self.wrong else 1.0)
        return dout * self.params["w"]


def test_layer_gradient_errors_accepts_correct_layer_and_catches_wrong_one(rng):
    x = rng.standard_normal((4, 3))
    good = layer_gradient_errors(_Scale(), x)
    assert set(good) == {"x", "w"}
    assert max(good.values()) < 1e-9
    bad = layer_gradient_errors(_Scale(wrong=True), x)
    assert bad["x"] < 1e-9 and bad["w"] > 0.3


def test_layer_gradient_errors_restores_params_and_checks_dout(rng):
    layer = _Scale()
    w0 = layer.params["w"].copy()
    x = rng.standard_normal((4, 3))
    layer_gradient_errors(layer, x, dout=np.ones((4, 3)))
    np.testing.assert_array_equal(layer.params["w"], w0)
    with pytest.raises(ValueError, match=r"\(4, 3\)"):
        layer_gradient_errors(layer, x, dout=np.ones((3, 4)))


def test_numerical_vjp_rejects_non_finite_output():
    with pytest.raises(ValueError, match="non-finite"):
        numerical_vjp(lambda v: np.where(v > 0, v, np.inf), np.array([1e-7, 1.0]), np.ones(2))
