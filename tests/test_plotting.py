"""course_lib.plotting draws what it is given, labels every axis, and never shows."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere in this process

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib import activations, plotting


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def assert_labelled(ax):
    assert ax.get_xlabel().strip(), "x axis without label"
    assert ax.get_ylabel().strip(), "y axis without label"


def test_use_course_style_sets_png_and_colours():
    plotting.use_course_style()
    assert matplotlib.rcParams["savefig.format"] == "png"
    colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [c.lower() for c in colours] == [c.lower() for c in plotting.COURSE_COLORS]
    assert matplotlib.rcParams["font.size"] >= 10


def test_plot_activations_draws_registry_values():
    ax = plotting.plot_activations(["relu", "sigmoid", "tanh"], x=np.linspace(-3, 3, 7))
    assert_labelled(ax)
    lines = {line.get_label(): line for line in ax.get_lines()}
    for name in ("relu", "sigmoid", "tanh"):
        expected = activations.get(name)(np.linspace(-3, 3, 7))
        np.testing.assert_array_equal(lines[name].get_ydata(), expected)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["relu", "sigmoid", "tanh"]


def test_plot_activations_derivative_and_params():
    x = np.linspace(-2, 2, 5)
    ax = plotting.plot_activations(
        "leaky_relu", x=x, derivative=True, params={"leaky_relu": {"negative_slope": 0.2}}
    )
    (line,) = [ln for ln in ax.get_lines() if ln.get_label().startswith("leaky_relu")]
    assert line.get_label() == "leaky_relu (negative_slope=0.2)"
    np.testing.assert_array_equal(line.get_ydata(), [0.2, 0.2, 0.2, 1.0, 1.0])
    assert "f'" in ax.get_ylabel()


def test_function_and_derivative_grid():
    names = ["relu", "elu", "sigmoid", "hard_tanh"]
    fig = plotting.plot_function_and_derivative(names, ncols=3)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 4 and len(fig.axes) == 6
    for ax, name in zip(visible, names, strict=True):
        assert ax.get_title() == name
        assert_labelled(ax)
        f_line, df_line = ax.get_lines()[:2]
        x = f_line.get_xdata()
        np.testing.assert_array_equal(f_line.get_ydata(), activations.get(name)(x))
        xd = df_line.get_xdata()
        ok = np.isfinite(xd)
        expected = activations.get(name).derivative(xd[ok])
        np.testing.assert_array_equal(df_line.get_ydata()[ok], expected)
        # the derivative's line is broken exactly at the kinks
        assert np.count_nonzero(~ok) == len(activations.get(name).kinks)
    legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend_texts == ["$f(x)$", "$f'(x)$", "kink", "$f'$ at a kink"]


def test_function_and_derivative_accepts_a_spec_and_rejects_junk():
    fig = plotting.plot_function_and_derivative(activations.get("tanh"))
    assert len(fig.axes) == 1
    with pytest.raises(TypeError, match="names_or_specs"):
        plotting.plot_function_and_derivative([42])
    with pytest.raises(ValueError, match="unknown activation"):
        plotting.plot_function_and_derivative(["relux"])
    with pytest.raises(ValueError, match="1-D"):
        plotting.plot_function_and_derivative("relu", x=np.zeros((2, 2)))


def test_curves_histograms_heatmap_boundary_are_labelled():
    _, axes = plt.subplots(1, 4)
    ax = plotting.plot_curves({"a": [3.0, 2.0, 1.0]}, ylabel="loss", ax=axes[0])
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 2, 3])
    plotting.plot_histograms({"a": np.arange(10.0), "b": np.ones(5)}, ax=axes[1])
    plotting.plot_heatmap(np.eye(2), xticklabels=["p", "q"], yticklabels=["r", "s"],
                          annotate=True, ax=axes[2])
    assert [t.get_text() for t in axes[2].texts] == ["1.00", "0.00", "0.00", "1.00"]
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    y = np.array([0, 0, 1, 1])
    plotting.plot_decision_boundary(lambda g: (g[:, 0] > 0.5).astype(int), X, y, ax=axes[3])
    for ax in axes:
        assert_labelled(ax)
    for ax in axes[[0, 1, 3]]:
        assert ax.get_legend() is not None
    # Classes differ in shape as well as colour (readable without telling colours apart).
    shapes = [c.get_paths()[0].vertices.round(6).tobytes() for c in axes[3].collections
              if c.get_offsets().shape[0] == 2]
    assert len(shapes) == 2 and shapes[0] != shapes[1]


def test_bad_shapes_raise_value_error():
    with pytest.raises(ValueError, match="2-D"):
        plotting.plot_heatmap(np.zeros(3))
    with pytest.raises(ValueError, match="labels"):
        plotting.plot_heatmap(np.zeros((2, 2)), xticklabels=["a"])
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        plotting.plot_decision_boundary(lambda g: g[:, 0], np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="1-D"):
        plotting.plot_curves({"a": np.zeros((2, 2))})


@pytest.mark.parametrize(
    "ncols, error, message",
    [
        (2.5, TypeError, r"plot_function_and_derivative\(\): ncols must be an integer"),
        ("x", TypeError, r"plot_function_and_derivative\(\): ncols must be an integer"),
        (0, ValueError, r"plot_function_and_derivative\(\): ncols must be an integer >= 1"),
    ],
)
def test_ncols_is_checked_not_truncated(ncols, error, message):
    with pytest.raises(error, match=message):
        plotting.plot_function_and_derivative(["relu", "tanh"], ncols=ncols)


def test_non_numeric_data_gets_a_clear_type_error():
    with pytest.raises(TypeError, match=r"plot_curves\(\): curve 'a' must be a real-valued"):
        plotting.plot_curves({"a": ["one", "two"]})
    with pytest.raises(TypeError, match=r"plot_heatmap\(\): matrix must be a real-valued"):
        plotting.plot_heatmap([["a", "b"], ["c", "d"]])


def test_never_shows(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("plt.show() called by course_lib.plotting")

    monkeypatch.setattr(plt, "show", fail)
    plotting.plot_function_and_derivative(["relu"])
    plotting.plot_activations("relu")


def test_kinks_follow_parameters_when_given():
    fig = plotting.plot_function_and_derivative(
        "hard_tanh", params={"hard_tanh": {"min_val": -2.0, "max_val": 2.0}},
        kinks={"hard_tanh": (-2.0, 2.0)},
    )
    ax = fig.axes[0]
    dots = next(ln for ln in ax.get_lines() if ln.get_label() == "$f'$ at a kink")
    np.testing.assert_array_equal(dots.get_xdata(), [-2.0, 2.0])
    np.testing.assert_array_equal(dots.get_ydata(), [0.0, 0.0])
    vlines = [ln for ln in ax.get_lines() if ln.get_label() == "kink"]
    assert sorted(ln.get_xdata()[0] for ln in vlines) == [-2.0, 2.0]
