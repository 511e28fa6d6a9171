"""Tests of course_lib.losses and course_lib.optim against PyTorch and finite differences."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_lib.gradcheck import numerical_gradient, relative_error
from course_lib.layers import Activation, Linear, Sequential
from course_lib.losses import MSELoss, SoftmaxCrossEntropy, accuracy
from course_lib.optim import SGD, Adam


@pytest.fixture
def rng():
    return np.random.default_rng(2024)


def _t(a, grad=False):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


# ------------------------------------------------------------------------------------------
# Losses
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scale", [1.0, 30.0, 1e3])
def test_softmax_cross_entropy_matches_torch(scale, rng):
    logits = scale * rng.standard_normal((6, 5))
    labels = rng.integers(0, 5, size=6)
    loss = SoftmaxCrossEntropy()
    value = loss.forward(logits, labels)
    zt = _t(logits, True)
    ref = F.cross_entropy(zt, torch.tensor(labels))
    ref.backward()
    assert isinstance(value, float)
    assert value == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(loss.backward(), zt.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_softmax_cross_entropy_gradient_vs_finite_differences(rng):
    logits = rng.standard_normal((4, 3))
    labels = np.array([0, 2, 1, 2])
    loss = SoftmaxCrossEntropy()
    loss.forward(logits, labels)
    numeric = numerical_gradient(lambda z: SoftmaxCrossEntropy().forward(z, labels), logits)
    assert relative_error(loss.backward(), numeric) < 1e-8


def test_mse_matches_torch_and_finite_differences(rng):
    pred, target = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    loss = MSELoss()
    value = loss.forward(pred, target)
    pt = _t(pred, True)
    ref = F.mse_loss(pt, _t(target))
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-13)
    grad = loss.backward()
    np.testing.assert_allclose(grad, pt.grad.numpy(), rtol=1e-12)
    numeric = numerical_gradient(lambda p: MSELoss().forward(p, target), pred)
    assert relative_error(grad, numeric) < 1e-8


def test_losses_do_not_mutate_and_return_new_gradients(rng):
    logits, labels = rng.standard_normal((3, 4)), np.array([1, 0, 3])
    l0, y0 = logits.copy(), labels.copy()
    ce = SoftmaxCrossEntropy()
    ce.forward(logits, labels)
    g1 = ce.backward()
    g1 += 1.0
    np.testing.assert_allclose(ce.backward().sum(axis=1), 0.0, atol=1e-15)  # cache untouched
    np.testing.assert_array_equal(logits, l0)
    np.testing.assert_array_equal(labels, y0)
    pred = rng.standard_normal(4)
    mse = MSELoss()
    mse.forward(pred, np.zeros(4))
    assert not np.shares_memory(mse.backward(), pred)


def test_losses_keep_float32():
    ce = SoftmaxCrossEntropy()
    ce.forward(np.zeros((2, 3), dtype=np.float32), np.array([0, 1]))
    assert ce.backward().dtype == np.float32
    mse = MSELoss()
    mse.forward(np.ones(3, dtype=np.float32), np.zeros(3, dtype=np.float32))
    assert mse.backward().dtype == np.float32


def test_loss_errors():
    for loss in (SoftmaxCrossEntropy(), MSELoss()):
        with pytest.raises(RuntimeError, match="before forward"):
            loss.backward()
    ce = SoftmaxCrossEntropy()
    where = r"SoftmaxCrossEntropy.forward\(\): "
    with pytest.raises(ValueError, match=where + r"target must have shape \(3,\); got \(2,\)"):
        ce.forward(np.zeros((3, 4)), np.array([0, 1]))
    with pytest.raises(TypeError, match=where + "target must be an array of integers"):
        ce.forward(np.zeros((2, 4)), np.array([0.0, 1.5]))
    with pytest.raises(TypeError, match=where + "target must be an array of integers"):
        ce.forward(np.zeros((2, 4)), np.array(["0", "1"]))
    with pytest.raises(ValueError, match=where + "target must be < 4; got 4"):
        ce.forward(np.zeros((2, 4)), np.array([0, 4]))
    with pytest.raises(ValueError, match=where + "target must be >= 0; got -1"):
        ce.forward(np.zeros((2, 4)), np.array([0, -1]))
    with pytest.raises(ValueError, match=r"prediction \(logits\) must have shape \(N, M\)"):
        ce.forward(np.zeros(4), np.array([0]))
    with pytest.raises(ValueError, match=r"MSELoss.forward\(\): target must have the shape"):
        MSELoss().forward(np.zeros((2, 2)), np.zeros(4))


@pytest.mark.parametrize("ragged", [[[0], [1, 2]], [0, [1, 2]]])
def test_ragged_labels_are_a_clear_type_error_naming_the_argument(ragged):
    with pytest.raises(TypeError, match=r"SoftmaxCrossEntropy.forward\(\): target must be"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), ragged)
    with pytest.raises(TypeError, match=r"accuracy\(\): target must be"):
        accuracy(np.zeros((2, 3)), ragged)


@pytest.mark.parametrize("labels", [[1.0, 0.0], np.array([1.0, 0.0], dtype=np.float32)])
def test_float_labels_are_refused_even_when_whole(labels):
    # torch.nn.functional.cross_entropy reads a float target as class probabilities, not as
    # labels: a float array here is a mistake to name, not to guess
    logits = np.array([[0.0, 2.0], [1.0, -1.0]])
    message = r"target must be an array of integers; got dtype float(64|32) \(labels are"
    with pytest.raises(TypeError, match=r"SoftmaxCrossEntropy.forward\(\): " + message):
        SoftmaxCrossEntropy().forward(logits, labels)
    with pytest.raises(TypeError, match=r"accuracy\(\): " + message):
        accuracy(logits, labels)
    assert SoftmaxCrossEntropy().forward(logits, [1, 0]) == pytest.approx(
        F.cross_entropy(_t(logits), torch.tensor([1, 0])).item(), rel=1e-14
    )


@pytest.mark.parametrize("dtype", [np.uint64, np.uint32, np.int64])
def test_an_out_of_range_label_is_reported_as_passed(dtype):
    big = np.iinfo(dtype).max if dtype != np.uint64 else 2**63
    with pytest.raises(ValueError, match=rf"target must be < 3; got {big}$"):
        SoftmaxCrossEntropy().forward(np.zeros((1, 3)), np.array([big], dtype=dtype))
    with pytest.raises(ValueError, match=rf"accuracy\(\): target must be < 3; got {big}$"):
        accuracy(np.zeros((1, 3)), np.array([big], dtype=dtype))


def test_accuracy():
    assert accuracy(np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), np.array([1, 0, 0])) == 2 / 3
    with pytest.raises(ValueError, match=r"accuracy\(\): scores must have shape \(N, M\)"):
        accuracy(np.zeros(3), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match=r"accuracy\(\): target must be < 2; got 2"):
        accuracy(np.zeros((1, 2)), [2])
    with pytest.raises(ValueError, match="at least one row"):
        accuracy(np.zeros((0, 2)), [])


# ------------------------------------------------------------------------------------------
# Optimisers against torch.optim, step by step
# ------------------------------------------------------------------------------------------
class _Params:
    """Minimal model: params and grads dicts (what an optimiser needs)."""

    def __init__(self, rng):
        self.params = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
        self.grads = {}

    def zero_grad(self):
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}


def _run_against_torch(make_ours, make_torch, steps=8):
    rng = np.random.default_rng(7)
    model = _Params(rng)
    torch_params = {k: _t(v, True) for k, v in model.params.items()}
    ours, theirs = make_ours(model), make_torch(list(torch_params.values()))
    for _ in range(steps):
        grads = {k: rng.standard_normal(v.shape) for k, v in model.params.items()}
        model.grads = grads
        for k, p in torch_params.items():
            p.grad = _t(grads[k])
        ours.step()
        theirs.step()
        for k, p in torch_params.items():
            np.testing.assert_allclose(model.params[k], p.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("momentum, weight_decay", [(0.0, 0.0), (0.9, 0.0), (0.5, 0.01)])
def test_sgd_matches_torch(momentum, weight_decay):
    _run_against_torch(
        lambda m: SGD(m, lr=0.05, momentum=momentum, weight_decay=weight_decay),
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=momentum, weight_decay=weight_decay),
    )


@pytest.mark.parametrize(
    "lr, betas, eps, weight_decay",
    [
        (1e-3, (0.9, 0.999), 1e-8, 0.0),
        (0.1, (0.8, 0.99), 1e-6, 0.0),
        (0.01, (0.9, 0.999), 1e-8, 0.1),
    ],
)
def test_adam_matches_torch(lr, betas, eps, weight_decay):
    _run_against_torch(
        lambda m: Adam(m, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay),
        lambda ps: torch.optim.Adam(ps, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay),
    )


def test_optimiser_updates_the_layers_of_a_sequential_in_place():
    rng = np.random.default_rng(3)
    model = Sequential(Linear(3, 4, rng=rng), Activation("tanh"), Linear(4, 2, rng=rng))
    w_first = model[0].params["W"]
    before = w_first.copy()
    out = model.forward(rng.standard_normal((5, 3)))
    model.backward(np.ones_like(out))
    expected = before - 0.1 * model[0].grads["W"]
    SGD(model, lr=0.1).step()
    assert model[0].params["W"] is w_first
    np.testing.assert_allclose(w_first, expected, rtol=1e-15)


def test_optimiser_keeps_float32_parameters():
    model = _Params(np.random.default_rng(0))
    model.params = {k: v.astype(np.float32) for k, v in model.params.items()}
    model.grads = {k: np.ones_like(v) for k, v in model.params.items()}
    for opt in (SGD(model, lr=0.1, momentum=0.9), Adam(model)):
        opt.step()
        assert all(v.dtype == np.float32 for v in model.params.values())


def test_optimiser_errors():
    model = _Params(np.random.default_rng(0))
    with pytest.raises(RuntimeError, match=r"SGD.step\(\): .*call model.backward"):
        SGD(model, lr=0.1).step()
    with pytest.raises(ValueError, match=r"SGD\(\): momentum must be a real number >= 0 and < 1"):
        SGD(model, lr=0.1, momentum=1.0)
    with pytest.raises(TypeError, match=r"SGD\(\): momentum must be a real number"):
        SGD(model, lr=0.1, momentum="0.9")
    with pytest.raises(ValueError, match=r"Adam\(\): lr must be a real number >= 0; got -1.0"):
        Adam(model, lr=-1.0)
    with pytest.raises(ValueError, match=r"Adam\(\): lr must be a finite"):
        Adam(model, lr=float("nan"))
    with pytest.raises(ValueError, match=r"Adam\(\): betas\[1\] must be"):
        Adam(model, betas=(0.9, 1.5))
    with pytest.raises(TypeError, match=r"Adam\(\): betas must be a pair"):
        Adam(model, betas=0.9)
    with pytest.raises(ValueError, match=r"Adam\(\): eps must be a real number >= 0"):
        Adam(model, eps=-1e-8)
    with pytest.raises(TypeError, match=r"SGD\(\): model must have params and grads"):
        SGD(object(), lr=0.1)
    model.grads = {"W": np.zeros((2, 3)), "b": np.zeros(2)}
    with pytest.raises(ValueError, match=r"shape \(3, 2\); got \(2, 3\)"):
        SGD(model, lr=0.1).step()


def test_zero_grad_goes_through_the_model():
    model = _Params(np.random.default_rng(0))
    model.grads = {k: np.ones_like(v) for k, v in model.params.items()}
    Adam(model).zero_grad()
    assert all(np.all(g == 0) for g in model.grads.values())
