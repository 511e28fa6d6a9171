"""Checkers of course_lib.exercises.relu: accept right answers, reject typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from exercise_helpers import rejects, stub, verdict
from exercise_mutations import elementwise_wrong_answers

from course_lib.exercises import relu
from course_lib.layers import Activation

# --- the references are right -------------------------------------------------------------

X = np.concatenate([np.linspace(-3.0, 3.0, 61), [0.0, -0.0, -1e-300, 1e-300]])


def torch_input_grad(function, x, dout):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    function(t).backward(torch.tensor(dout, dtype=torch.float64))
    return t.grad.numpy()


def test_relu_layer_solution_matches_torch_on_a_batch_with_kinks():
    x = np.stack([X, -X])
    dout = np.random.default_rng(0).standard_normal(x.shape)
    layer = relu.relu_layer_solution()
    y = layer.forward(x)
    dx = layer.backward(dout)
    np.testing.assert_array_equal(y, torch.relu(torch.from_numpy(x)).numpy())
    np.testing.assert_array_equal(dx, torch_input_grad(torch.relu, x, dout))
    assert np.all(dx[x == 0] == 0.0)  # relu'(0) = 0


def test_relu_layer_solution_dtypes_cache_and_order():
    layer = relu.relu_layer_solution()
    x = np.array([-2, -1, 0, 1, 2])
    dout = np.ones_like(x)  # the slide's integer upstream gradient
    y = layer.forward(x)
    dx = layer.backward(dout)
    assert y.dtype == dx.dtype == np.float64 and dout.dtype == np.int64
    np.testing.assert_array_equal(layer.backward(np.full(5, 0.5)), [0, 0, 0, 0.5, 0.5])
    x32 = np.array([[-1.0, 2.0]], dtype=np.float32)
    assert layer.forward(x32).dtype == layer.backward(np.ones_like(x32)).dtype == np.float32
    # the cache is a new array: changing the caller's x after forward changes nothing
    x = np.array([-1.0, 1.0])
    layer.forward(x)
    x *= -1
    np.testing.assert_array_equal(layer.backward(np.ones(2)), [0.0, 1.0])
    with pytest.raises(RuntimeError, match="forward"):
        relu.relu_layer_solution().backward(np.ones(2))


def test_relu_layer_solution_passes_a_gradient_check():
    error = relu._gradient_check_error(relu.relu_layer_solution)
    assert error is not None and error < 1e-9


@pytest.mark.parametrize("slope", [0.01, 0.2, 2.0])
def test_leaky_relu_backward_solution_matches_torch_and_layer(slope):
    dout = np.random.default_rng(1).standard_normal(X.shape)
    got = relu.leaky_relu_backward_solution(X, dout, negative_slope=slope)
    want = torch_input_grad(lambda t: torch.nn.functional.leaky_relu(t, slope), X, dout)
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
    layer = Activation("leaky_relu", negative_slope=slope)
    layer.forward(X)
    np.testing.assert_allclose(got, layer.backward(dout), rtol=1e-15, atol=0)


def test_leaky_relu_backward_solution_dtypes_and_inputs():
    x, dout = np.array([-2, 0, 2]), np.array([3, 3, 3])
    before = dout.copy()
    got = relu.leaky_relu_backward_solution(x, dout, negative_slope=0.1)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, [0.3, 0.3, 3.0], rtol=1e-15)
    np.testing.assert_array_equal(dout, before)
    d32 = np.array([1.0, 1.0, 1.0], dtype=np.float32)
    assert relu.leaky_relu_backward_solution(x, d32).dtype == np.float32


# --- the ReLU layer: right answers --------------------------------------------------------


def layer_verdict(capsys, layer_class):
    return verdict(capsys, relu.check_relu_layer, layer_class)


def test_relu_layer_solution_correct_with_gradient_check_and_stub_not_implemented(capsys):
    line = layer_verdict(capsys, relu.relu_layer_solution)
    assert line.startswith("relu_layer: correct - all 11 checks passed.")
    assert "Gradient check of your layer" in line and "relative error" in line

    class Stub:
        def forward(self, x):
            raise NotImplementedError

        def backward(self, dout):
            raise NotImplementedError

    assert layer_verdict(capsys, Stub).startswith("relu_layer: not implemented yet - ")


class CopyCache:
    """Caches a float copy of x and multiplies by the mask in backward."""

    def forward(self, x):
        self.x = np.array(x, dtype=np.result_type(x, np.float32) if np.asarray(x).dtype.kind
                          == "f" else np.float64)
        return np.maximum(self.x, 0)

    def backward(self, dout):
        dout = np.asarray(dout)
        if dout.dtype.kind != "f":
            dout = dout.astype(np.float64)
        return dout * (self.x > 0)


class AsFloatMask:
    """Uses the library's dtype rule and caches the boolean mask."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        from course_lib.validation import as_float_array

        x = as_float_array(x)
        self.mask = x > 0
        return x * self.mask

    def backward(self, dout):
        from course_lib.validation import as_float_array

        dout = as_float_array(dout, "dout")
        return dout * self.mask


@pytest.mark.parametrize("layer_class", [CopyCache, AsFloatMask])
def test_relu_layer_accepts_other_correct_styles(capsys, layer_class):
    assert layer_verdict(capsys, layer_class).startswith("relu_layer: correct - ")





# --- the ReLU layer: typical mistakes --------------------------------------------------------


class Slide:  # slide 3, verbatim
    def __init__(self):
        self.cache = None

    def forward(self, input_data):
        self.cache = input_data
        return np.maximum(0, input_data)

    def backward(self, dout):
        x = self.cache
        return dout * (x > 0)


class SlideFloat(Slide):  # slide 3 with the integer problem fixed: caches a reference
    def forward(self, input_data):
        x = np.asarray(input_data)
        return super().forward(x if x.dtype.kind == "f" else x.astype(np.float64))

    def backward(self, dout):
        return np.where(self.cache > 0, dout, 0.0)


class KinkOne(SlideFloat):
    def backward(self, dout):
        return np.where(self.cache >= 0, dout, 0.0)


class ClassCache:  # the cache lives on the class: two layers share it
    mask = None

    def forward(self, x):
        x = np.asarray(x, dtype=np.float64) if np.asarray(x).dtype.kind != "f" else x
        ClassCache.mask = x > 0
        return np.where(x > 0, x, 0.0)

    def backward(self, dout):
        return np.where(ClassCache.mask, dout, 0.0)


class FirstForwardOnly:  # keeps the cache of the first forward
    def __init__(self):
        self.mask = None

    def forward(self, x):
        x = np.asarray(x)
        x = x if x.dtype.kind == "f" else x.astype(np.float64)
        if self.mask is None:
            self.mask = x > 0
        return np.where(x > 0, x, 0.0)

    def backward(self, dout):
        return np.where(self.mask, dout, 0.0)


class InPlaceForward(SlideFloat):
    def forward(self, x):
        x = np.asarray(x)
        if x.dtype.kind != "f":
            x = x.astype(np.float64)
        self.cache = x > 0
        x[x < 0] = 0.0
        return x

    def backward(self, dout):
        return np.where(self.cache, dout, 0.0)


class InPlaceBackward(SlideFloat):
    def backward(self, dout):
        dout[self.cache <= 0] = 0
        return dout


class ForcedFloat64(SlideFloat):
    def forward(self, x):
        self.mask = np.asarray(x, dtype=np.float64) > 0
        return np.maximum(np.asarray(x, dtype=np.float64), 0.0)

    def backward(self, dout):
        return np.where(self.mask, np.asarray(dout, dtype=np.float64), 0.0)


class OneDimensionalLoop(SlideFloat):
    def forward(self, x):
        x = np.asarray(x, dtype=np.result_type(np.asarray(x).dtype, np.float64))
        self.mask = np.array([1.0 if x[i] > 0 else 0.0 for i in range(len(x))])
        return x * self.mask

    def backward(self, dout):
        return np.array([dout[i] * self.mask[i] for i in range(len(dout))])


class ReturnsMask(SlideFloat):
    def backward(self, dout):
        return (self.cache > 0).astype(np.asarray(dout).dtype if np.asarray(dout).dtype.kind
                                       == "f" else np.float64)


class ZerosLikeX:  # builds dx in a buffer shaped like the (integer) input
    def forward(self, x):
        self.x = np.array(x)
        return np.maximum(self.x, 0.0)

    def backward(self, dout):
        dx = np.zeros_like(self.x)
        dx[self.x > 0] = np.asarray(dout)[self.x > 0]
        return dx


class IntegerDout:  # right for float dout; an integer dout stays an integer gradient
    def forward(self, x):
        x = np.asarray(x)
        self.mask = (x if x.dtype.kind == "f" else x.astype(np.float64)) > 0
        return np.where(self.mask, x, 0.0)

    def backward(self, dout):
        return dout * self.mask


class ReturnsList(IntegerDout):
    def backward(self, dout):
        return list(np.where(self.mask, dout, 0.0))


class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)


class SubclassAlwaysEqual(IntegerDout):  # a wrong answer whose == is always True
    def backward(self, dout):
        return np.zeros(np.shape(dout)).view(AlwaysEqual)


class Raises(IntegerDout):
    def backward(self, dout):
        raise ValueError("shapes do not match")


@pytest.mark.parametrize(
    "layer_class, expected",
    [
        (Slide, "y: dtype int64, expected float64"),
        (SlideFloat, ("dx: first difference at x=-2.0",
                     "hint:the caller changed its array x in place after forward")),
        (KinkOne, ("dx: first difference at x=0.0: expected 0.0, got 5.0",
                  "hint:relu'(0) = 0")),
        (ClassCache, ("dx: first difference",
                     "hint:two layers used at once")),
        (FirstForwardOnly, ("dx: first difference",
                           "hint:backward must use the cache of the latest forward")),
        (InPlaceForward, "modified its input x"),
        (InPlaceBackward, "modified its input dout"),
        (ForcedFloat64, "y: dtype float64, expected float32"),
        (OneDimensionalLoop, ("raised ValueError: The truth value of an array",
                             "hint:x and dout are 2-D")),
        (ReturnsMask, ("dx: first difference at x=0.5: expected 3.0, got 1.0",
                      "hint:backward returns dout * relu'(x)")),
        (ZerosLikeX, "dx: dtype int64, expected float64"),
        (IntegerDout, ("dx: dtype int64, expected float64",
                      "case:dout=[1, 1, 1, 1, 1] (int64)")),
        (ReturnsList, "dx: returned a list, expected a numpy array"),
        (SubclassAlwaysEqual, "dx: first difference at x=0.5: expected 3.0, got 0.0"),
        (Raises, "raised ValueError: shapes do not match"),
    ],
)
def test_relu_layer_rejects_typical_mistakes(capsys, layer_class, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    rejects(capsys, relu.check_relu_layer, layer_class, *expected)


def test_relu_layer_wants_the_class_not_an_instance(capsys):
    line = layer_verdict(capsys, relu.relu_layer_solution())
    assert line.startswith("relu_layer: wrong - expected the class")
    assert "check_relu_layer(ReLULayer)" in line


# --- leaky ReLU backward ---------------------------------------------------------------------


def test_leaky_relu_backward_solution_correct_and_stub_not_implemented(capsys):
    check = relu.check_leaky_relu_backward
    line = verdict(capsys, check, relu.leaky_relu_backward_solution)
    assert line == "leaky_relu_backward: correct - all 8 checks passed."
    assert ": not implemented yet - " in verdict(capsys, check, stub)


def leaky_where(x, dout, negative_slope=0.01):
    return np.where(x > 0, dout, negative_slope * dout)


def leaky_slope_array(x, dout, negative_slope=0.01):
    dout = np.asarray(dout)
    dtype = dout.dtype if dout.dtype.kind == "f" else np.float64
    slope = np.where(x > 0, 1.0, negative_slope).astype(dtype)
    return slope * dout


@pytest.mark.parametrize("candidate", [leaky_where, leaky_slope_array])
def test_leaky_relu_backward_accepts_other_correct_styles(capsys, candidate):
    assert verdict(capsys, relu.check_leaky_relu_backward, candidate).startswith(
        "leaky_relu_backward: correct")


def leaky_kink_one(x, dout, negative_slope=0.01):
    return np.where(x >= 0, dout, negative_slope * dout)


def leaky_max(x, dout, negative_slope=0.01):
    return np.maximum(negative_slope * dout, dout)


def leaky_empty_like_x(x, dout, negative_slope=0.01):
    dx = np.empty_like(x)
    dx[x > 0] = dout[x > 0]
    dx[x <= 0] = negative_slope * dout[x <= 0]
    return dx


def leaky_zeros_like_dout(x, dout, negative_slope=0.01):
    dx = np.zeros_like(dout)
    dx[x > 0] = dout[x > 0]
    dx[x <= 0] = negative_slope * dout[x <= 0]
    return dx


def leaky_in_place(x, dout, negative_slope=0.01):
    dout[x <= 0] *= negative_slope
    return dout


def leaky_fixed_slope(x, dout, negative_slope=0.01):
    return np.where(x > 0, dout, 0.01 * dout)


def leaky_forced_float64(x, dout, negative_slope=0.01):
    return np.where(x > 0, dout, negative_slope * dout).astype(np.float64)


def leaky_float32_arithmetic(x, dout, negative_slope=0.01):
    d32 = np.asarray(dout, dtype=np.float32)
    return np.where(x > 0, d32, np.float32(negative_slope) * d32).astype(np.float64)


def leaky_one_dimensional(x, dout, negative_slope=0.01):
    return np.array([dout[i] if x[i] > 0 else negative_slope * dout[i] for i in range(len(x))])


def leaky_slope_only(x, dout, negative_slope=0.01):
    return np.where(x > 0, 1.0, negative_slope) * np.ones_like(dout, dtype=float)


@pytest.mark.parametrize(
    "candidate, expected",
    [
        (leaky_kink_one, ("first difference at x=0.0: expected 0.4, got 2.0",
                         "hint:at the kink x = 0 PyTorch uses the left slope")),
        (leaky_max, "first difference at x=-2.0: expected 0.1, got 1.0"),
        (leaky_empty_like_x, ("dtype int64, expected float64",
                             "hint:integer input x")),
        (leaky_zeros_like_dout, ("dtype int64, expected float64",
                                "hint:integer input dout")),
        (leaky_in_place, "modified its input dout"),
        (leaky_fixed_slope, "first difference at x=-2.0: expected 0.1, got 0.01"),
        (leaky_forced_float64, "dtype float64, expected float32"),
        (leaky_float32_arithmetic, "at x=-2.0: expected 0.10000000000000001, got 0.1000000014"),
        (leaky_one_dimensional, ("raised ValueError: The truth value",
                                "hint:x and dout are 2-D")),
        (leaky_slope_only, "first difference at x=-0.5: expected 0.2, got 0.1"),
    ],
)
def test_leaky_relu_backward_rejects_typical_mistakes(capsys, candidate, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    rejects(capsys, relu.check_leaky_relu_backward, candidate, *expected)


# --- the question ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, start",
    [("c", "correct"), (" C ", "correct"), ("a", "wrong"), ("b", "wrong"), (None, "not answered"),
     ("d", "wrong"), (3, "wrong"), ([], "wrong")],
)
def test_dead_relu_question(capsys, given, start):
    assert relu.check_dead_relu_bias_minus3(given) is None
    out, err = capsys.readouterr()
    assert err == "" and out.startswith(f"dead_relu_bias_minus3: {start}"), out
    assert all(len(line) < 90 for line in out.splitlines()), out


# --- wrong answers of every class (issue 18): each must be rejected, the finding naming it ---


_ReLU = type(relu.relu_layer_solution())


class Float16Output(_ReLU):
    def forward(self, x):
        return super().forward(x).astype(np.float16)


class ListGradient(_ReLU):
    def backward(self, dout):
        return super().backward(dout).tolist()


class Float32Arithmetic(_ReLU):
    def forward(self, x):
        x = np.asarray(x)
        y = super().forward(x.astype(np.float32) if x.dtype == np.float64 else x)
        return y.astype(np.float64) if x.dtype.kind in "fiu" and x.dtype != np.float32 else y

    def backward(self, dout):
        dout = np.asarray(dout)
        dx = super().backward(dout.astype(np.float32) if dout.dtype == np.float64 else dout)
        return dx.astype(np.float64) if dout.dtype == np.float64 else dx


class ScalesDoutInPlace(_ReLU):
    def backward(self, dout):
        dx = super().backward(dout)
        dout.flat[0] = dout.flat[0] + 1
        return dx


class WrongBetween(_ReLU):
    def forward(self, x):
        y = super().forward(x)
        return np.where((y > 5.1) & (y < 5.3), 1.001 * y, y).astype(y.dtype)


EVERY_CLASS = [
    (relu.check_relu_layer, Float16Output, "y: dtype float16, expected float64"),
    (relu.check_relu_layer, ListGradient, "dx: returned a list, expected a numpy array"),
    (relu.check_relu_layer, Float32Arithmetic, "first difference"),
    (relu.check_relu_layer, ScalesDoutInPlace, "modified its input dout"),
    (relu.check_relu_layer, WrongBetween, "y: first difference at x=5."),
    *elementwise_wrong_answers(relu.check_leaky_relu_backward, relu.leaky_relu_backward_solution,
                          dout=True),
]


@pytest.mark.parametrize("checker, candidate, expected", EVERY_CLASS)
def test_wrong_answers_of_every_class_are_rejected_and_named(capsys, checker, candidate,
                                                            expected):
    rejects(capsys, checker, candidate, expected)


# --- every checker's reference, on every one of its inputs, against an independent oracle ---


def _torch_grad(x, dout, function):
    t = torch.from_numpy(np.asarray(x, dtype=np.float64)).requires_grad_(True)
    y = function(t)
    y.backward(torch.from_numpy(np.asarray(dout, dtype=np.float64)))
    return y.detach().numpy(), t.grad.numpy()


def test_the_relu_layer_reference_on_every_case_and_usage_agrees_with_torch_autograd():
    """However the layer is used, its y and dx are those of relu on (x, dout)."""
    for case in relu.RELU_LAYER_CASES:
        x, dout = case.args[:2]
        y, dx = relu.relu_layer_reference(*case.args)
        want_y, want_dx = _torch_grad(x, dout, torch.relu)
        dtype = np.float32 if x.dtype == np.float32 else np.float64
        assert y.dtype == dtype
        np.testing.assert_array_equal(y, want_y.astype(dtype))
        np.testing.assert_array_equal(dx, want_dx.astype(dx.dtype))


def test_the_leaky_backward_reference_on_every_case_agrees_with_torch_autograd():
    for case in relu.LEAKY_RELU_BACKWARD_CASES:
        x, dout = case.args
        slope = case.kwargs["negative_slope"]
        _, want = _torch_grad(x, dout, lambda t, s=slope: torch.nn.functional.leaky_relu(t, s))
        got = relu.leaky_relu_backward_solution(x, dout, **case.kwargs)
        dtype = dout.dtype if dout.dtype.kind == "f" else np.dtype(np.float64)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want.astype(dtype),
                                   rtol=1e-15 if dtype == np.float64 else 1.2e-7)


def test_use_gives_the_reference_layer_a_drop_in_for_the_class_in_the_dying_relu_network(capsys):
    """What ``use("relu_layer", ReLULayer)`` returns is called like the learner's class
    (``Layer()``) in notebook 03's network; there it trains exactly like the library's
    ``Activation("relu")``, itself checked against torch."""
    from course_lib.exercises import use
    from course_lib.layers import Linear, Sequential
    from course_lib.losses import SoftmaxCrossEntropy
    from course_lib.optim import SGD

    class Stub:
        def forward(self, x):
            raise NotImplementedError

        def backward(self, dout):
            raise NotImplementedError

    Layer = use("relu_layer", Stub)
    assert "uses the reference solution" in capsys.readouterr().out

    class Wrapped(Activation):
        def __init__(self):
            super().__init__("relu")
            self.layer = Layer()

        def forward(self, x):
            return self.layer.forward(x)

        def backward(self, dout):
            return self.layer.backward(dout)

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 6)), rng.integers(0, 3, size=32)
    weights = []
    for relu_layer in (Wrapped, lambda: Activation("relu")):
        init = np.random.default_rng(1)
        model = Sequential(Linear(6, 8, rng=init), relu_layer(), Linear(8, 3, rng=init))
        model[0].params["b"][...] = -0.5  # some units dead on some rows
        for _ in range(5):
            loss = SoftmaxCrossEntropy()
            loss.forward(model.forward(x), y)
            model.backward(loss.backward())
            SGD(model, lr=0.5).step()
        weights.append({k: v.copy() for k, v in model.params.items()})
    for key, value in weights[0].items():
        np.testing.assert_array_equal(value, weights[1][key])
