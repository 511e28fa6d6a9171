"""Tests of course_lib.train: a real training run that can fail, seeding, history, progress."""

import itertools

import numpy as np
import pytest

from course_lib.data import load_digits_split, make_periodic
from course_lib.layers import Activation, BatchNorm1d, Layer, Linear, Sequential
from course_lib.losses import MSELoss, SoftmaxCrossEntropy
from course_lib.optim import SGD, Adam
from course_lib.train import History, evaluate, fit, predict


def _mlp(hidden=64):
    rng = np.random.default_rng(0)
    return Sequential(Linear(64, hidden, rng=rng), Activation("relu"), Linear(hidden, 10, rng=rng))


@pytest.fixture(scope="module")
def digits():
    return load_digits_split(rng=0)


def test_mlp_reaches_95_percent_on_digits(digits):
    model = _mlp()
    history = fit(
        model, SoftmaxCrossEntropy(), Adam(model, lr=1e-2), digits.X_train, digits.y_train,
        epochs=10, batch_size=32, rng=0, progress=False,
        validation_data=(digits.X_test, digits.y_test),
    )
    test_loss, test_acc = evaluate(model, SoftmaxCrossEntropy(), digits.X_test, digits.y_test)
    assert test_acc >= 0.95
    assert history.val_accuracy[-1] == test_acc and history.val_loss[-1] == test_loss
    assert history.loss[-1] < history.loss[0] / 5
    assert len(history.loss) == len(history.accuracy) == len(history.val_loss) == 10


def test_untrained_model_is_at_chance_so_the_training_test_can_fail(digits):
    _, acc = evaluate(_mlp(), SoftmaxCrossEntropy(), digits.X_test, digits.y_test)
    assert acc < 0.3


def test_same_rng_same_history_other_rng_other_history(digits):
    def run(rng):
        model = _mlp(hidden=16)
        h = fit(model, SoftmaxCrossEntropy(), SGD(model, lr=0.1, momentum=0.9),
                digits.X_train, digits.y_train, epochs=2, batch_size=64, rng=rng,
                progress=False)
        return h, model

    (h1, m1), (h2, m2), (h3, _) = run(0), run(0), run(1)
    assert h1 == h2
    for key in m1.params:
        np.testing.assert_array_equal(m1.params[key], m2.params[key])
    assert h1.loss != h3.loss
    # a Generator is the same source as its seed
    h4, _ = run(np.random.default_rng(0))
    assert h4 == h1


class _Recorder(Layer):
    """Identity layer that records the rows it sees (the first feature is the row id)."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def forward(self, x):
        self.seen.append(x[:, 0].astype(int).tolist())
        self._cache = True
        return x.copy()

    def backward(self, dout):
        return dout.copy()


def test_each_epoch_is_a_fresh_permutation_in_batches():
    X = np.column_stack([np.arange(10.0), np.zeros(10)])
    rec = _Recorder()
    model = Sequential(rec, Linear(2, 2, rng=0))
    fit(model, SoftmaxCrossEntropy(), SGD(model, lr=0.0), X, np.zeros(10, dtype=int),
        epochs=3, batch_size=4, rng=5, progress=False)
    assert [len(b) for b in rec.seen] == [4, 4, 2] * 3
    epochs = [list(itertools.chain(*rec.seen[i : i + 3])) for i in (0, 3, 6)]
    for order in epochs:
        assert sorted(order) == list(range(10))
    assert epochs[0] != epochs[1] and epochs[0] != list(range(10))
    rng = np.random.default_rng(5)
    assert epochs[0] == rng.permutation(10).tolist()


def test_progress_bar_can_be_switched_off(capsys, digits):
    model = _mlp(hidden=8)
    fit(model, SoftmaxCrossEntropy(), Adam(model), digits.X_train[:64], digits.y_train[:64],
        epochs=2, progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    fit(model, SoftmaxCrossEntropy(), Adam(model), digits.X_train[:64], digits.y_train[:64],
        epochs=2, progress=True)
    captured = capsys.readouterr()
    assert "epochs" in captured.err and "2/2" in captured.err and captured.out == ""


def test_regression_history_has_no_accuracy():
    x, y = make_periodic(64, rng=0)
    model = Sequential(Linear(1, 16, rng=0), Activation("tanh"), Linear(16, 1, rng=1))
    h = fit(model, MSELoss(), Adam(model, lr=0.01), x, y, epochs=3, progress=False,
            validation_data=(x, y))
    assert len(h.loss) == 3 and h.accuracy == [] and h.val_accuracy == []
    assert len(h.val_loss) == 3
    assert set(h.as_dict()) == {"loss", "accuracy", "val_loss", "val_accuracy"}


def test_divergence_raises_one_clear_error_without_warnings():
    x, y = make_periodic(64, rng=0)
    model = Sequential(Linear(1, 8, rng=0), Linear(8, 1, rng=1))
    with pytest.raises(FloatingPointError, match="diverged"):
        fit(model, MSELoss(), SGD(model, lr=50.0), 100 * x, y, epochs=50, progress=False)


def test_predict_uses_eval_mode_and_restores_it(digits):
    rng = np.random.default_rng(0)
    model = Sequential(Linear(64, 8, rng=rng), BatchNorm1d(8), Linear(8, 10, rng=rng))
    model[1].running_mean = np.full(8, 0.5)
    out = predict(model, digits.X_test[:5])
    assert model.training
    model.eval()
    np.testing.assert_array_equal(out, model.forward(digits.X_test[:5]))
    model.train()
    # chunks change BLAS's blocking, hence the last bit: compare to rounding
    np.testing.assert_allclose(predict(model, digits.X_test[:50], batch_size=7),
                               predict(model, digits.X_test[:50]), rtol=1e-12, atol=1e-14)


def test_fit_argument_errors(digits):
    model = _mlp(hidden=4)
    args = (model, SoftmaxCrossEntropy(), Adam(model))
    X, y = digits.X_train[:10], digits.y_train[:10]
    with pytest.raises(ValueError, match=r"fit\(\): y must have 10 rows to match X; got shape"):
        fit(*args, X, digits.y_train[:9], progress=False)
    with pytest.raises(TypeError, match=r"fit\(\): batch_size must be an integer >= 1; got float"):
        fit(*args, X, y, batch_size=2.5, progress=False)
    with pytest.raises(ValueError, match=r"fit\(\): batch_size must be an integer >= 1; got 0"):
        fit(*args, X, y, batch_size=0, progress=False)
    with pytest.raises(ValueError, match=r"fit\(\): epochs must be an integer >= 0; got -1"):
        fit(*args, X, y, epochs=-1, progress=False)
    with pytest.raises(TypeError, match=r"fit\(\): epochs must be an integer"):
        fit(*args, X, y, epochs=True, progress=False)
    with pytest.raises(TypeError, match=r"fit\(\): rng must be an integer seed"):
        fit(*args, X, y, rng=0.5, progress=False)
    with pytest.raises(TypeError, match=r"fit\(\): callback must be callable"):
        fit(*args, X, y, callback="print", progress=False)
    with pytest.raises(TypeError, match=r"fit\(\): y must be a real-valued array"):
        fit(*args, X[:2], [[0], [1, 2]], progress=False)
    with pytest.raises(TypeError, match=r"fit\(\): validation_data must be a pair"):
        fit(*args, X, y, validation_data=X, progress=False)
    with pytest.raises(TypeError, match=r"predict\(\): batch_size must be an integer"):
        predict(model, X, batch_size=2.5)
    assert fit(*args, X, y, epochs=0, progress=False) == History()


def test_callback_is_called_after_every_epoch_with_the_history_so_far(digits):
    model = _mlp(hidden=8)
    seen = []

    def record(epoch, history):
        # the model is in training mode and the epoch's entries are already there
        seen.append((epoch, len(history.loss), len(history.val_loss), model.training,
                     float(np.abs(model.params["0.W"]).sum())))

    fit(model, SoftmaxCrossEntropy(), Adam(model, lr=1e-2), digits.X_train[:200],
        digits.y_train[:200], epochs=3, batch_size=50, rng=0, progress=False,
        validation_data=(digits.X_test[:50], digits.y_test[:50]), callback=record)
    assert [s[:4] for s in seen] == [(0, 1, 1, True), (1, 2, 2, True), (2, 3, 3, True)]
    # it ran between epochs: the weights it saw differ from epoch to epoch
    assert len({s[4] for s in seen}) == 3


def test_integer_labels_given_as_a_list_still_count_as_labels():
    X = np.random.default_rng(0).standard_normal((6, 2))
    model = Sequential(Linear(2, 2, rng=0))
    h = fit(model, SoftmaxCrossEntropy(), SGD(model, lr=0.1), X, [0, 1, 0, 1, 0, 1],
            epochs=1, progress=False)
    assert len(h.accuracy) == 1
