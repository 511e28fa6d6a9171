"""Checkers of course_lib.exercises.nonlinearity: accept right answers, reject typical mistakes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from exercise_helpers import judged, rejects, stub, verdict
from exercise_mutations import (
    as_list,
    elementwise_wrong_answers,
    float32_arithmetic,
    modifies_input,
    reduced_precision,
)

from course_lib import activations
from course_lib.data import make_xor
from course_lib.exercises import nonlinearity, two_layer_network
from course_lib.layers import Activation, Linear, Sequential
from course_lib.losses import accuracy

# --- the solutions are right (against independent computations) -----------------------------


def test_collapse_solution_equals_two_library_layers():
    rng = np.random.default_rng(0)
    first, second = Linear(4, 6, rng=rng), Linear(6, 3, rng=rng)
    first.params["b"][...] = rng.normal(size=6)
    second.params["b"][...] = rng.normal(size=3)
    W, b = nonlinearity.collapse_linear_layers_solution(
        first.params["W"], first.params["b"], second.params["W"], second.params["b"]
    )
    x = rng.normal(size=(10, 4))
    np.testing.assert_allclose(x @ W + b, Sequential(first, second).forward(x), rtol=1e-12,
                               atol=1e-12)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-14), (np.float32, 2e-6)])
def test_tanh_from_sigmoid_solution_equals_tanh(dtype, rtol):
    x = np.concatenate([np.linspace(-20, 20, 81), [-1000.0, 1000.0, -400.0]]).astype(dtype)
    got = nonlinearity.tanh_from_sigmoid_solution(x)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, np.tanh(x.astype(np.float64)), rtol=rtol, atol=1e-15)
    assert nonlinearity.tanh_from_sigmoid_solution(np.array([1, 2])).dtype == np.float64


def test_tanh_from_sigmoid_cancels_next_to_zero_but_within_the_stated_tolerance():
    x = np.array([1e-10, -1e-12, 3e-9])
    got = nonlinearity.tanh_from_sigmoid_solution(x)
    assert np.max(np.abs(got - np.tanh(x)) / np.abs(np.tanh(x))) > 1e-8  # the cancellation
    assert np.max(np.abs(got - np.tanh(x))) < 1e-15  # the checker's absolute tolerance


def test_two_layer_forward_solution_equals_library_layers():
    rng = np.random.default_rng(1)
    model = Sequential(Linear(2, 5, rng=rng), Activation("tanh"), Linear(5, 3, rng=rng))
    model[0].params["b"][...] = rng.normal(size=5)
    model[2].params["b"][...] = rng.normal(size=3)
    X = rng.normal(size=(7, 2))
    got = nonlinearity.two_layer_forward_solution(
        X, model[0].params["W"], model[0].params["b"], model[2].params["W"],
        model[2].params["b"], np.tanh,
    )
    np.testing.assert_allclose(got, model.forward(X), rtol=1e-13)


def test_accuracy_solution_equals_library_accuracy():
    rng = np.random.default_rng(2)
    scores, y = rng.normal(size=(50, 4)), rng.integers(0, 4, size=50)
    assert nonlinearity.classification_accuracy_solution(scores, y) == accuracy(scores, y)


def test_xor_solution_separates_the_corners_exactly():
    _, W1, b1, W2, b2 = nonlinearity.xor_by_hand_solution()
    corners = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    scores = nonlinearity.two_layer_forward_solution(corners, W1, b1, W2, b2, activations.relu)
    np.testing.assert_array_equal(scores[:, 1] - scores[:, 0], [-1.0, 1.0, 1.0, -1.0])
    X, y = make_xor(400, noise=0.3, rng=7)
    scores = nonlinearity.two_layer_forward_solution(X, W1, b1, W2, b2, activations.relu)
    assert accuracy(scores, y) >= 0.95


# --- every checker: solution correct, stub not implemented ------------------------------------

CHECKERS = [
    (nonlinearity.check_collapse_linear_layers, nonlinearity.collapse_linear_layers_solution),
    (nonlinearity.check_tanh_from_sigmoid, nonlinearity.tanh_from_sigmoid_solution),
    (nonlinearity.check_two_layer_forward, nonlinearity.two_layer_forward_solution),
    (nonlinearity.check_classification_accuracy, nonlinearity.classification_accuracy_solution),
    (nonlinearity.check_xor_by_hand, nonlinearity.xor_by_hand_solution),
]


@pytest.mark.parametrize("checker", [c for c, _ in CHECKERS])
def test_stub_is_not_implemented(capsys, checker):
    # That each checker accepts its reference is the registry-wide plumbing test
    # (test_exercise_help.py); the references are checked against oracles above.
    assert judged(capsys, checker, stub).status == "not_implemented"


# --- the question ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, expected",
    [("b", "correct"), (" B ", "correct"), ("a", "wrong"), ("c", "wrong"), (None, "not answered"),
     ("d", "wrong"), (2, "wrong"), ([], "wrong")],
)
def test_deep_linear_xor_question(capsys, answer, expected):
    nonlinearity.check_deep_linear_xor(answer)
    out, err = capsys.readouterr()
    assert err == "" and out.startswith(f"deep_linear_xor: {expected}")


# --- collapse_linear_layers -----------------------------------------------------------------


def collapse_dot(W1, b1, W2, b2):
    return np.dot(W1, W2), np.dot(b1, W2) + b2


def collapse_by_probing(W1, b1, W2, b2):
    """Push the identity and the zero vector through both layers."""
    def layers(x):
        return (x @ W1 + b1) @ W2 + b2
    d0 = W1.shape[0]
    b = layers(np.zeros((1, d0), dtype=W1.dtype))[0]
    return layers(np.eye(d0, dtype=W1.dtype)) - b, b


def collapse_einsum(W1, b1, W2, b2):
    return np.einsum("ij,jk->ik", W1, W2), np.einsum("j,jk->k", b1, W2) + b2


@pytest.mark.parametrize("candidate", [collapse_dot, collapse_by_probing, collapse_einsum])
def test_collapse_accepts_other_correct_styles(capsys, candidate):
    assert "collapse_linear_layers: correct" in verdict(
        capsys, nonlinearity.check_collapse_linear_layers, candidate)


def forgets_b1(W1, b1, W2, b2):
    return W1 @ W2, b2


def adds_biases(W1, b1, W2, b2):
    return W1 @ W2, b1 + b2 if b1.shape == b2.shape else b1[: b2.size] + b2


def wrong_order(W1, b1, W2, b2):
    return W2.T @ W1.T, b1 @ W2 + b2


def swapped_product(W1, b1, W2, b2):
    return W2 @ W1, b1 @ W2 + b2


def in_place(W1, b1, W2, b2):
    b2 += b1 @ W2
    return W1 @ W2, b2


def only_weight(W1, b1, W2, b2):
    return W1 @ W2


def forgets_b2(W1, b1, W2, b2):
    return W1 @ W2, b1 @ W2


def forced_float64(W1, b1, W2, b2):
    W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in (W1, b1, W2, b2))
    return W1 @ W2, b1 @ W2 + b2


def elementwise(W1, b1, W2, b2):
    return W1 * W2.T, b1 * b2


def bias_through_first(W1, b1, W2, b2):
    return W1 @ W2, b2 @ W2.T + b1 if W2.shape[0] == W2.shape[1] else b1.sum() + b2


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (forgets_b1, ("b: first difference at index 0",
                     "hint:b1 passes through the second layer too")),
        (adds_biases, "b: first difference"),
        (wrong_order, ("W: first difference at index (0, 1)",
                      "hint:the first layer's matrix comes first")),
        (swapped_product, "W: shape (3, 3), expected (2, 2)"),
        (in_place, "modified its input b2"),
        (only_weight, "returned a numpy array of shape (2, 2), expected 2 values"),
        (forgets_b2, "b: first difference"),
        (forced_float64, "W: dtype float64, expected float32"),
        (elementwise, "raised ValueError"),
        (bias_through_first, "b: first difference"),
    ],
)
def test_collapse_rejects(capsys, candidate, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    rejects(capsys, nonlinearity.check_collapse_linear_layers, candidate, *expected)


def test_collapse_hint_names_the_failing_item(capsys):
    line = verdict(capsys, nonlinearity.check_collapse_linear_layers, forgets_b1)
    assert "Hint: b1 passes through the second layer too" in line
    line = verdict(capsys, nonlinearity.check_collapse_linear_layers, wrong_order)
    assert "Hint: with y = x @ W + b the first layer's matrix comes first" in line


# --- tanh_from_sigmoid ----------------------------------------------------------------------


def tanh_numpy(x):
    return np.tanh(x)


def tanh_library(x):
    return activations.tanh(x)


def tanh_float64_then_round(x):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    return (2 * activations.sigmoid(2 * x.astype(np.float64)) - 1).astype(dtype)


@pytest.mark.parametrize("candidate", [tanh_numpy, tanh_library, tanh_float64_then_round])
def test_tanh_from_sigmoid_accepts_other_correct_styles(capsys, candidate):
    assert "tanh_from_sigmoid: correct" in verdict(
        capsys, nonlinearity.check_tanh_from_sigmoid, candidate)


def naive_sigmoid_tanh(x):
    return 2 / (1 + np.exp(-2 * x)) - 1


def wrong_argument(x):
    return 2 * activations.sigmoid(x) - 1


def always_float64(x):
    return 2 * activations.sigmoid(2 * np.asarray(x, dtype=np.float64)) - 1


def doubles_in_place(x):
    x *= 2
    return 2 * activations.sigmoid(x) - 1


def clipped_naive(x):
    """A clip that protects float64 (exp(600) is finite) but not float32."""
    x = np.clip(x, -300, 300)
    return 2 / (1 + np.exp(-2 * x)) - 1


def clipped_float32_quiet(x):
    with np.errstate(over="ignore"):
        return 2 / (1 + np.exp(-2 * np.clip(x, -300, 300))) - 1


def missing_minus_one(x):
    return 2 * activations.sigmoid(2 * x)


def tanh_in_float32(x):
    x = np.asarray(x)
    out = 2 * activations.sigmoid(2 * x.astype(np.float32)) - 1
    return out.astype(np.float64) if x.dtype != np.float32 else out


def one_dimensional_loop(x):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    return np.array([2 * float(activations.sigmoid(2 * x[i])) - 1 for i in range(len(x))],
                    dtype=dtype)


def int_kept(x):
    x = np.asarray(x)
    return (2 * activations.sigmoid(2 * x) - 1).astype(x.dtype)


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (wrong_argument, ("first difference at x=-3.0",
                         "hint:the sigmoid's argument is 2x")),
        (naive_sigmoid_tanh, ("overflow encountered in exp, though the values are right",
                             "hint:np.where evaluates both branches")),
        (clipped_naive, ("overflow encountered in exp",
                        "case:(float32)")),
        (always_float64, "dtype float64, expected float32"),
        (doubles_in_place, "modified its input x"),
        (missing_minus_one, ("got 0.0049452463",
                            "hint:tanh(x) = 2 * sigmoid(2 * x) - 1")),
        (tanh_in_float32, "first difference at x=-3.0: expected -0.99505475, got -0.99505478"),
        (one_dimensional_loop, ("raised TypeError",
                               "case:shape (2, 2)",
                               "hint:any shape")),
        (int_kept, "dtype int64, expected float64"),
    ],
)
def test_tanh_from_sigmoid_rejects(capsys, candidate, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    rejects(capsys, nonlinearity.check_tanh_from_sigmoid, candidate, *expected)


def test_tanh_clipped_quiet_float32_fails_on_values(capsys):
    """Without the warning, 2 / (1 + inf) - 1 = -1 is right: the clip variant passes only if
    it is silent. Silenced, it must still be judged on values (and they are right)."""
    line = verdict(capsys, nonlinearity.check_tanh_from_sigmoid, clipped_float32_quiet)
    assert "correct" in line


# --- two_layer_forward ----------------------------------------------------------------------


def forward_einsum(X, W1, b1, W2, b2, activation):
    H = activation(np.einsum("nd,dh->nh", X, W1) + b1)
    return np.einsum("nh,hk->nk", H, W2) + b2


def forward_library_layers(X, W1, b1, W2, b2, activation):
    first, second = Linear(*W1.shape), Linear(*W2.shape)
    first.params.update(W=W1, b=b1)
    second.params.update(W=W2, b=b2)
    return second.forward(activation(first.forward(X)))


def forward_row_loop(X, W1, b1, W2, b2, activation):
    X = np.asarray(X)
    dtype = np.result_type(X, W1)
    rows = [activation(x @ W1 + b1) @ W2 + b2 for x in X]
    return np.array(rows, dtype=dtype)


@pytest.mark.parametrize("candidate",
                         [forward_einsum, forward_library_layers, forward_row_loop])
def test_two_layer_forward_accepts_other_correct_styles(capsys, candidate):
    assert "two_layer_forward: correct" in verdict(
        capsys, nonlinearity.check_two_layer_forward, candidate)


def fw_forgets_b1(X, W1, b1, W2, b2, activation):
    return activation(X @ W1) @ W2 + b2


def fw_forgets_b2(X, W1, b1, W2, b2, activation):
    return activation(X @ W1 + b1) @ W2


def fw_activation_on_output(X, W1, b1, W2, b2, activation):
    return activation(activation(X @ W1 + b1) @ W2 + b2)


def fw_linear(X, W1, b1, W2, b2, activation):
    return (X @ W1 + b1) @ W2 + b2


def fw_always_relu(X, W1, b1, W2, b2, activation):
    return np.maximum(0, X @ W1 + b1) @ W2 + b2


def fw_bias_after_activation(X, W1, b1, W2, b2, activation):
    return (activation(X @ W1) + b1) @ W2 + b2


def fw_columns(X, W1, b1, W2, b2, activation):
    H = activation(W1.T @ X.T + b1[:, None])
    return W2.T @ H + b2[:, None]


def fw_float64(X, W1, b1, W2, b2, activation):
    X, W1, b1, W2, b2 = (np.asarray(a, dtype=np.float64) for a in (X, W1, b1, W2, b2))
    return activation(X @ W1 + b1) @ W2 + b2


def fw_centres_in_place(X, W1, b1, W2, b2, activation):
    X -= X.mean(axis=0)
    return activation(X @ W1 + b1) @ W2 + b2


def fw_one_sample(X, W1, b1, W2, b2, activation):
    return activation(X[0] @ W1 + b1) @ W2 + b2


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (fw_forgets_b1, ("first difference at index (0, 0)",
                        "hint:the bias is added before the activation")),
        (fw_forgets_b2, "first difference at index (0, 0): expected -0.324824, got -0.044824"),
        (fw_activation_on_output, "first difference at index (0, 0): expected -0.324824, got 0.0"),
        (fw_linear, ("first difference",
                    "hint:the activation is applied once, to the hidden layer only")),
        (fw_always_relu, ("first difference",
                         "hint:use the activation you are given (here tanh)")),
        (fw_bias_after_activation, "first difference at index (0, 0)"),
        (fw_columns, "shape (2, 3), expected (3, 2)"),
        (fw_float64, "dtype float64, expected float32"),
        (fw_centres_in_place, "modified its input X"),
        (fw_one_sample, "shape (2,), expected (3, 2)"),
    ],
)
def test_two_layer_forward_rejects(capsys, candidate, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    rejects(capsys, nonlinearity.check_two_layer_forward, candidate, *expected)


# --- classification_accuracy ----------------------------------------------------------------


def acc_sum(scores, y):
    return (np.argmax(scores, axis=1) == y).sum() / len(y)


def acc_library(scores, y):
    return accuracy(scores, y)


def acc_count_nonzero(scores, y):
    return np.count_nonzero(scores.argmax(-1) == y) / y.size


@pytest.mark.parametrize("candidate", [acc_sum, acc_library, acc_count_nonzero])
def test_accuracy_accepts_other_correct_styles(capsys, candidate):
    assert "classification_accuracy: correct" in verdict(
        capsys, nonlinearity.check_classification_accuracy, candidate)


def acc_percent(scores, y):
    return 100 * np.mean(np.argmax(scores, axis=1) == y)


def acc_count(scores, y):
    return int(np.sum(np.argmax(scores, axis=1) == y))


def acc_error_rate(scores, y):
    return np.mean(np.argmax(scores, axis=1) != y)


def acc_axis0(scores, y):
    return np.mean(np.argmax(scores, axis=0) == y)


def acc_threshold(scores, y):
    return np.mean((scores[:, 1] > 0) == y)


def acc_booleans(scores, y):
    return np.argmax(scores, axis=1) == y


def acc_integer_division(scores, y):
    return np.sum(np.argmax(scores, axis=1) == y) // len(y)


def acc_softmax_in_place(scores, y):
    scores -= scores.max(axis=1, keepdims=True)
    return np.mean(np.argmax(scores, axis=1) == y)


def acc_rounded(scores, y):
    return round(float(np.mean(np.argmax(scores, axis=1) == y)), 1)


def acc_argmin(scores, y):
    return np.mean(np.argmin(scores, axis=1) == y)


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (acc_percent, "expected 0.66666667, got 66.666667"),
        (acc_count, "expected 0.66666667, got 4"),
        (acc_error_rate, "expected 0.66666667, got 0.33333333"),
        (acc_axis0, "raised ValueError"),
        (acc_threshold, ("expected 0.8, got 0.6",
                        "hint:compare the scores with each other, not with 0")),
        (acc_booleans, "returned a numpy array of shape (6,)"),
        (acc_integer_division, "expected 0.66666667, got 0"),
        (acc_softmax_in_place, "modified its input scores"),
        (acc_rounded, "expected 0.66666667, got 0.7"),
        (acc_argmin, "expected 0.66666667, got 0.33333333"),
    ],
)
def test_accuracy_rejects(capsys, candidate, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    rejects(capsys, nonlinearity.check_classification_accuracy, candidate, *expected)


# --- xor_by_hand ----------------------------------------------------------------------------


def xor_tanh():
    """OR minus AND with tanh units (another correct design)."""
    W1 = np.array([[4.0, 4.0], [4.0, 4.0]])
    b1 = np.array([4.0, -4.0])
    W2 = np.array([[0.0, 1.0], [0.0, -1.0]])
    return "tanh", W1, b1, W2, np.array([0.0, -1.0])


def xor_callable_sigmoid():
    W1 = 6.0 * np.ones((2, 2))
    b1 = np.array([6.0, -6.0])
    W2 = np.array([[0.0, 1.0], [0.0, -1.0]])
    return activations.sigmoid, W1, b1, W2, np.array([0.0, -0.5])


def xor_lists():
    return "ReLU", [[1, -1], [-1, 1]], [0, 0], [[0, 1], [0, 1]], [0, -1]


@pytest.mark.parametrize("candidate", [xor_tanh, xor_callable_sigmoid, xor_lists])
def test_xor_accepts_other_correct_designs(capsys, candidate):
    line = verdict(capsys, nonlinearity.check_xor_by_hand, candidate)
    assert line.startswith("xor_by_hand: correct - with ")


def xor_linear():
    return None, np.eye(2), np.zeros(2), np.eye(2), np.zeros(2)


def xor_identity_function():
    return (lambda z: z), np.array([[1.0, -1.0], [-1.0, 1.0]]), np.zeros(2), \
        np.array([[0.0, 1.0], [0.0, 1.0]]), np.array([0.0, -1.0])


def xor_swapped_classes():
    act, W1, b1, W2, b2 = nonlinearity.xor_by_hand_solution()
    return act, W1, b1, W2[:, ::-1], b2[::-1]


def xor_four_items():
    return nonlinearity.xor_by_hand_solution()[1:]


def xor_wrong_shape():
    act, W1, b1, W2, b2 = nonlinearity.xor_by_hand_solution()
    return act, W1.T[:1], b1, W2, b2


def xor_columns_convention():
    act, W1, b1, _, b2 = nonlinearity.xor_by_hand_solution()
    return act, W1, b1, np.zeros((2, 3)), b2


def xor_unknown_activation():
    return "rectifier", np.eye(2), np.zeros(2), np.eye(2), np.zeros(2)


def xor_nan_weights():
    act, W1, b1, W2, b2 = nonlinearity.xor_by_hand_solution()
    return act, W1, b1 * np.nan, W2, b2


def xor_too_wide():
    return "relu", np.ones((2, 100)), np.zeros(100), np.ones((100, 2)), np.zeros(2)


def xor_no_bias():
    """Forgets b2 = (0, -1): class 1 wins wherever |x1 - x2| > 0, i.e. almost everywhere."""
    act, W1, b1, W2, _ = nonlinearity.xor_by_hand_solution()
    return act, W1, b1, W2, np.zeros(2)


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (xor_linear, ("the activation must be a name",
                     "hint:without an activation the network is linear")),
        (xor_identity_function, "classifies 50.0% of 400 held-out XOR points"),
        (xor_swapped_classes, "classifies 0.8% of 400"),
        (xor_four_items, "must return 5 values"),
        (xor_wrong_shape, "W1 must have shape (2, h) for h hidden units; got shape (1, 2)"),
        (xor_columns_convention, "W2 must have shape (2, 2); got shape (2, 3)"),
        (xor_unknown_activation, "unknown activation 'rectifier'"),
        (xor_nan_weights, "b1 holds inf or NaN"),
        (xor_too_wide, "use at most 16 hidden units; you have 100"),
        (xor_no_bias, "classifies 50.0% of 400"),
    ],
)
def test_xor_rejects(capsys, candidate, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    rejects(capsys, nonlinearity.check_xor_by_hand, candidate, *expected)


def test_xor_threshold_is_beyond_any_linear_model():
    """The best straight line gets three of the four XOR clusters: about 75 %, far below 95 %."""
    X, y = make_xor(400, noise=0.3, rng=7)
    best = 0.0
    for angle in np.linspace(0.0, math.pi, 181):
        normal = np.array([math.cos(angle), math.sin(angle)])
        for offset in np.linspace(-2.0, 2.0, 41):
            side = X @ normal > offset
            best = max(best, np.mean(side == y), np.mean(side != y))
    assert 0.70 < best < 0.80 < nonlinearity.XOR_THRESHOLD


# --- answers that are not plain arrays, and answers that take too long ------------------------


class AlwaysEqual(np.ndarray):
    """An array whose == is always true: must be judged on its values."""

    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)


def tanh_always_equal(x):
    return np.zeros_like(np.asarray(x, dtype=float)).view(AlwaysEqual)


def tanh_masked(x):
    wrong = 2 * activations.sigmoid(np.asarray(x)) - 1
    return np.ma.masked_array(wrong, mask=np.ones(wrong.shape, dtype=bool))


def forward_masked(X, W1, b1, W2, b2, activation):
    scores = nonlinearity.two_layer_forward_solution(X, W1, b1, W2, b2, activation)
    return np.ma.masked_array(scores + 1.0, mask=True)


@pytest.mark.parametrize(
    "checker, candidate",
    [(nonlinearity.check_tanh_from_sigmoid, tanh_always_equal),
     (nonlinearity.check_tanh_from_sigmoid, tanh_masked),
     (nonlinearity.check_two_layer_forward, forward_masked)],
)
def test_subclasses_and_masked_arrays_are_judged_on_their_values(capsys, checker, candidate):
    assert ": wrong - " in verdict(capsys, checker, candidate)


def test_a_slow_answer_is_stopped(capsys, monkeypatch):
    from course_lib.exercises import core

    monkeypatch.setattr(core, "TIME_LIMIT", 0.2)

    def slow_forward(*args):
        while True:
            pass

    def slow_network():
        while True:
            pass

    line = verdict(capsys, nonlinearity.check_two_layer_forward, slow_forward)
    assert "your code ran for more than 0.2 s and was stopped" in line
    line = verdict(capsys, nonlinearity.check_xor_by_hand, slow_network)
    assert "xor_network() ran for more than 0.2 s and was stopped" in line


# --- wrong answers of every class (issue 18): each must be rejected, the finding naming it ---


def two_class_rule(scores, y):
    """Right for two classes only: class 1 where its score beats class 0's."""
    return float(np.mean((scores[:, 1] > scores[:, 0]).astype(int) == y))


def first_two_columns(scores, y):
    """Right for two classes only: the argmax of the first two columns."""
    return float(np.mean(np.argmax(scores[:, :2], axis=1) == y))


_ACC = nonlinearity.classification_accuracy_solution
_TWO = nonlinearity.two_layer_forward_solution
_COLLAPSE = nonlinearity.collapse_linear_layers_solution

EVERY_CLASS = [
    *elementwise_wrong_answers(nonlinearity.check_tanh_from_sigmoid,
                          nonlinearity.tanh_from_sigmoid_solution),
    (nonlinearity.check_classification_accuracy, reduced_precision(_ACC),
     "returned a numpy float16 scalar, expected a Python float"),
    (nonlinearity.check_classification_accuracy, reduced_precision(_ACC, np.float32),
     "returned a numpy float32 scalar, expected a Python float"),
    (nonlinearity.check_classification_accuracy, lambda s, y: [_ACC(s, y)], "returned a list"),
    (nonlinearity.check_classification_accuracy, lambda s, y: str(_ACC(s, y)),
     "returned a str"),
    (nonlinearity.check_classification_accuracy, two_class_rule, "expected 0.8, got 0.4"),
    (nonlinearity.check_classification_accuracy, first_two_columns, "expected 0.8, got 0.4"),
    (nonlinearity.check_classification_accuracy, modifies_input(_ACC, 1),
     "modified its input y"),
    (nonlinearity.check_two_layer_forward, reduced_precision(_TWO),
     "dtype float16, expected float64"),
    (nonlinearity.check_two_layer_forward, as_list(_TWO), "returned a list"),
    (nonlinearity.check_two_layer_forward, float32_arithmetic(_TWO), "first difference"),
    (nonlinearity.check_two_layer_forward, modifies_input(_TWO, 1), "modified its input W1"),
    (nonlinearity.check_collapse_linear_layers, reduced_precision(_COLLAPSE),
     "W: dtype float16, expected float64"),
    (nonlinearity.check_collapse_linear_layers, as_list(_COLLAPSE), "W: returned a list"),
    (nonlinearity.check_collapse_linear_layers, float32_arithmetic(_COLLAPSE),
     "W: first difference"),
    (nonlinearity.check_collapse_linear_layers, modifies_input(_COLLAPSE, 0),
     "modified its input W1"),
]


@pytest.mark.parametrize("checker, candidate, expected", EVERY_CLASS)
def test_wrong_answers_of_every_class_are_rejected_and_named(capsys, checker, candidate,
                                                            expected):
    rejects(capsys, checker, candidate, expected)


# --- every checker's reference, on every one of its inputs, against an independent oracle ---


def _plain(value):
    return value.array if hasattr(value, "array") else value


def test_the_tanh_reference_on_every_case_agrees_with_torch():
    for case in nonlinearity.TANH_CASES:
        x = case.args[0]
        got = nonlinearity._tanh_reference(x)
        want_dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
        want = torch.tanh(torch.from_numpy(x.astype(np.float64))).numpy().astype(want_dtype)
        assert got.dtype == want_dtype
        np.testing.assert_allclose(got, want, rtol=4e-16 if want_dtype == np.float64 else 1.2e-7)


def test_the_collapse_reference_on_every_case_agrees_with_two_torch_linear_layers():
    for case in nonlinearity.COLLAPSE_CASES:
        W1, b1, W2, b2 = (torch.from_numpy(a.astype(np.float64)) for a in case.args)

        def layers(x, W1=W1, b1=b1, W2=W2, b2=b2):
            return torch.nn.functional.linear(torch.nn.functional.linear(x, W1.T, b1), W2.T, b2)

        b_want = layers(torch.zeros(1, W1.shape[0], dtype=torch.float64))[0]
        W_want = layers(torch.eye(W1.shape[0], dtype=torch.float64)) - b_want
        W, b = nonlinearity.collapse_linear_layers_solution(*case.args)
        rtol = 1e-12 if W.dtype == np.float64 else 1e-6
        np.testing.assert_allclose(W, W_want.numpy(), rtol=rtol, atol=rtol)
        np.testing.assert_allclose(b, b_want.numpy(), rtol=rtol, atol=rtol)


def test_the_two_layer_reference_on_every_case_agrees_with_torch():
    torch_of = {activations.relu: torch.relu, activations.tanh: torch.tanh,
                activations.sigmoid: torch.sigmoid}
    for case in nonlinearity.TWO_LAYER_CASES:
        *arrays, activation = case.args
        X, W1, b1, W2, b2 = (torch.from_numpy(_plain(a).astype(np.float64)) for a in arrays)
        want = torch_of[activation](X @ W1 + b1) @ W2 + b2
        got = two_layer_network._two_layer_reference(*case.args)
        rtol = 1e-12 if got.dtype == np.float64 else 1e-6
        np.testing.assert_allclose(got, want.numpy(), rtol=rtol, atol=rtol)


def test_the_accuracy_reference_on_every_case_agrees_with_a_loop_over_rows():
    for case in nonlinearity.ACCURACY_CASES:
        scores, y = case.args
        right = sum(max(range(len(row)), key=lambda j, r=row: (r[j], -j)) == label
                    for row, label in zip(scores.tolist(), y.tolist(), strict=True))
        got = nonlinearity.classification_accuracy_solution(scores, y)
        assert type(got) is float and got == right / len(y)


def test_use_returns_the_two_layer_references_as_drop_ins_for_notebook_01(capsys):
    """Notebook 01's experiment calls what use() returns with the stubs' signatures."""
    from course_lib.exercises import use

    def two_layer_forward(X, W1, b1, W2, b2, activation):
        raise NotImplementedError

    def classification_accuracy(scores, y):
        return 0.5  # wrong

    forward = use("two_layer_forward", two_layer_forward)
    accuracy_of = use("classification_accuracy", classification_accuracy)
    lines = capsys.readouterr().out.splitlines()
    assert forward is two_layer_network.two_layer_forward_solution
    assert accuracy_of is two_layer_network.classification_accuracy_solution
    assert "not implemented yet" in lines[0] and "not passing its checks yet" in lines[1]
    rng = np.random.default_rng(3)
    model = Sequential(Linear(2, 16, rng=rng), Activation("relu"), Linear(16, 2, rng=rng))
    X, y = make_xor(50, noise=0.3, rng=0)
    scores = forward(X, model[0].params["W"], model[0].params["b"], model[2].params["W"],
                     model[2].params["b"], activations.get("relu"))
    np.testing.assert_array_equal(scores, model.forward(X))
    assert accuracy_of(scores, y) == accuracy(model.forward(X), y)
