"""The pure figures behind the sliders draw what they say, checked against independent values."""

from __future__ import annotations

import builtins

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from course_lib.plotting import explore


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_parameter_effect_draws_default_and_chosen_value_and_their_slopes():
    x = np.linspace(-3.0, 3.0, 61)
    fig = explore.plot_parameter_effect("leaky_relu", "negative_slope", x=x, negative_slope=0.3)
    (f_default, f_chosen), (d_default, d_chosen) = (ax.get_lines()[:2] for ax in fig.axes)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.leaky_relu(xt, 0.3)
    yt.sum().backward()
    np.testing.assert_allclose(f_chosen.get_ydata(), yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(d_chosen.get_ydata(), xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(f_default.get_ydata(), np.where(x > 0, x, 0.01 * x), rtol=1e-12)
    assert d_default.get_ydata()[0] == pytest.approx(0.01)
    assert all(ax.get_xlabel() == "x" and ax.get_ylabel() for ax in fig.axes)


def test_parameter_effect_refuses_a_parameter_the_activation_does_not_have():
    with pytest.raises(ValueError, match="relu has no parameter 'beta'"):
        explore.plot_parameter_effect("relu", "beta", beta=2.0)
    with pytest.raises(TypeError, match="give the value as alpha="):
        explore.plot_parameter_effect("elu", "alpha", beta=2.0)


@pytest.mark.parametrize("temperature", [0.1, 1.0, 10.0])
def test_softmax_temperature_bars_match_torch(temperature):
    logits = [3.0, 1.0, 0.2, -1.0]
    fig = explore.plot_softmax_temperature(logits, temperature)
    heights = [b.get_height() for b in fig.axes[0].patches]
    expected = torch.softmax(torch.tensor(logits, dtype=torch.float64) / temperature, 0)
    np.testing.assert_allclose(heights, expected.numpy(), rtol=1e-12)
    assert "entropy" in fig.axes[0].get_title()


def test_softmax_temperature_must_be_positive():
    with pytest.raises(ValueError, match="temperature must be a real number > 0"):
        explore.plot_softmax_temperature([1.0, 2.0], 0.0)


def test_signal_std_matches_a_torch_forward_with_the_same_weights():
    gen = np.random.default_rng(5)
    h0 = gen.standard_normal((16, 16))
    ws = [gen.standard_normal((16, 16)) * (1.5 / 4.0) for _ in range(4)]
    h = torch.tensor(h0)
    expected = []
    for w in ws:
        h = torch.tanh(h @ torch.tensor(w))
        expected.append(float(h.std(correction=0)))
    got = explore.signal_std_per_layer("tanh", 1.5, depth=4, width=16, rng=5)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_signal_dies_out_with_a_small_gain_and_survives_with_he_gain_for_relu():
    small = explore.signal_std_per_layer("relu", 0.5, depth=20, width=128)
    he = explore.signal_std_per_layer("relu", np.sqrt(2.0), depth=20, width=128)
    assert small[-1] < 1e-5 * small[0]
    assert 0.3 < he[-1] / he[0] < 3.0
    fig = explore.plot_signal_depth("relu", np.sqrt(2.0), depth=20, width=128)
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), he)


def test_quantize_dequantize_rounds_to_the_grid_and_clips():
    x = np.array([-1.0, 0.0, 0.0126, 0.5, 10.0])
    got = explore.quantize_dequantize(x, scale=0.01, zero_point=0)
    np.testing.assert_allclose(got, [-1.0, 0.0, 0.01, 0.5, 1.27])
    fig = explore.plot_quantization(1 / 255, -128)
    err = fig.axes[1].get_lines()[0].get_ydata()
    assert err.max() <= 0.5 / 255 + 1e-12


def test_slider_prints_one_line_where_no_browser_can_show_it(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_LIB_NO_WIDGETS", "1")
    explore.slider(explore.plot_softmax_temperature, logits=[1.0, 2.0],
                   temperature=(0.1, 5.0, 0.1, 1.0))
    assert capsys.readouterr().out == "Run this cell in JupyterLab to get the sliders.\n"


def test_slider_without_ipywidgets_prints_one_line(monkeypatch, capsys):
    monkeypatch.delenv("COURSE_LIB_NO_WIDGETS", raising=False)
    real_import = builtins.__import__

    def no_widgets(name, *args, **kwargs):
        if name == "ipywidgets":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_widgets)
    explore.slider(explore.plot_softmax_temperature, logits=[1.0, 2.0],
                   temperature=(0.1, 5.0, 0.1, 1.0))
    assert capsys.readouterr().out == (
        "sliders need ipywidgets: python -m pip install -r requirements.txt\n"
    )


def test_slider_builds_one_slider_per_range_and_fixes_the_rest(monkeypatch):
    import ipywidgets

    monkeypatch.delenv("COURSE_LIB_NO_WIDGETS", raising=False)
    seen = {}

    def fake_interact(function, **widgets):
        seen.update(widgets)
        function(**{k: w.value for k, w in widgets.items()})

    monkeypatch.setattr(ipywidgets, "interact", fake_interact)
    shown = []
    monkeypatch.setattr(explore, "show", lambda fig, alt: shown.append((fig, alt)))
    explore.slider(explore.plot_softmax_temperature, logits=[1.0, 2.0],
                   temperature=(0.1, 5.0, 0.1, 1.0))
    assert shown[0][1] == ("Bar chart of the softmax probabilities of the logits 1, 2 at "
                           "temperature 1; the title gives their entropy.")
    plt.close(shown[0][0])
    (name, widget), = seen.items()
    assert name == "temperature" and isinstance(widget, ipywidgets.FloatSlider)
    assert (widget.min, widget.max, widget.value, widget.continuous_update) == (0.1, 5.0, 1.0,
                                                                                 False)


@pytest.mark.parametrize("plot, values", [
    (explore.plot_parameter_effect, {"name": "elu", "parameter": "alpha", "alpha": 2.0}),
    (explore.plot_softmax_temperature, {"logits": [2.0, 0.0], "temperature": 0.5}),
    (explore.plot_signal_depth, {"activation": "relu", "gain": 1.4}),
    (explore.plot_quantization, {"scale": 0.004}),
])
def test_every_slider_figure_has_alt_text_naming_its_values(plot, values):
    from course_lib.plotting import check_alt_text

    text = explore.alt_text(plot, **values)
    assert check_alt_text(text) == text
    numbers = [f"{v:g}" for v in values.values() if isinstance(v, float)]
    assert numbers and all(n in text for n in numbers), (numbers, text)


def test_slider_needs_alt_text_for_a_plot_of_ones_own(monkeypatch):
    monkeypatch.setenv("COURSE_LIB_NO_WIDGETS", "1")
    with pytest.raises(TypeError, match="give alt="):
        explore.slider(lambda k: plt.figure(), k=(1, 3, 1, 2))
    with pytest.raises(ValueError, match="alt must say what the figure shows"):
        explore.slider(lambda k: plt.figure(), alt="Figure 1", k=(1, 3, 1, 2))
    with pytest.raises(TypeError, match="alt must be a str or a function"):
        explore.slider(lambda k: plt.figure(), alt=3, k=(1, 3, 1, 2))
