"""Checkers of course_lib.exercises.gradient_flow: accept correct answers, reject mistakes."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from exercise_helpers import judged, rejects, stub, verdict
from exercise_mutations import NUMBER_KINDS, wrong_answers

from course_lib.analysis import saturation_fraction, slope_statistics
from course_lib.exercises import gradient_flow as gf
from course_lib.layers import Activation, Linear, mlp

# --- the solutions are right --------------------------------------------------------------


@pytest.mark.parametrize("case", range(len(gf.ANALYSE_CASES)))
def test_analyse_solution_matches_the_library_on_every_case(case):
    recipe, given = gf.ANALYSE_CASES[case].args
    threshold = gf.ANALYSE_CASES[case].kwargs.get("threshold", 0.01)
    means, fractions = gf.analyse_activation_slopes_solution(recipe.build(), given.array,
                                                             threshold)
    stats = slope_statistics(recipe.build(), given.array, threshold=threshold)
    np.testing.assert_allclose(means, stats.mean_abs_slope, rtol=1e-12)
    np.testing.assert_array_equal(fractions, stats.saturated_fraction)
    assert means.dtype == fractions.dtype == np.float64


def test_analyse_solution_matches_torch_autograd():
    rng = np.random.default_rng(3)
    x = 2.0 * rng.standard_normal((25, 5))
    model = mlp([5, 9, 9, 2], "gelu", rng=4)
    means, fractions = gf.analyse_activation_slopes_solution(model, x, threshold=0.1)
    h = torch.from_numpy(x)
    want_means, want_fractions = [], []
    for layer in [lay for lay in model if isinstance(lay, Linear)][:-1]:
        z = (h @ torch.from_numpy(layer.params["W"]) + torch.from_numpy(layer.params["b"]))
        z = z.detach().requires_grad_(True)
        out = torch.nn.functional.gelu(z)
        (slope,) = torch.autograd.grad(out.sum(), z)
        want_means.append(slope.abs().mean().item())
        want_fractions.append((slope.abs() < 0.1).double().mean().item())
        h = out.detach()
    np.testing.assert_allclose(means, want_means, rtol=1e-10)
    np.testing.assert_array_equal(fractions, want_fractions)


def test_recipes_differ_and_describe_themselves():
    recipe = gf.ANALYSE_CASES[3].args[0]
    assert repr(recipe) == ("mlp([5, 12, 12, 2], 'leaky_relu', negative_slope=0.005, "
                            "weight_init='he', rng=3)")
    assert recipe.build()[1].activation_params == {"negative_slope": 0.005}
    assert "batchnorm=True" in repr(gf.ANALYSE_CASES[5].args[0])


def test_shrink_factor_solution():
    norms = [0.3, 0.1, 0.05, 0.2, 0.012]
    ratios = [a / b for a, b in itertools.pairwise(norms)]
    assert math.isclose(gf.gradient_shrink_factor_solution(norms),
                        math.prod(ratios) ** (1 / len(ratios)), rel_tol=1e-13)
    assert math.isclose(gf.gradient_shrink_factor_solution(np.array([1e-200, 1.0, 1e200])),
                        1e-200, rel_tol=1e-12)
    assert gf.gradient_shrink_factor_solution([2.0, 2.0]) == 1.0


# --- verdicts: the stub; the solution against the library the checker uses ----------------


def test_analyse_solution_agrees_with_slope_statistics_the_checker_uses(capsys):
    # the checker compares with course_lib.analysis.slope_statistics, not with the solution
    assert " correct - all 9 checks passed." in verdict(
        capsys, gf.check_analyse_activation_slopes, gf.analyse_activation_slopes_solution)


@pytest.mark.parametrize("checker", [gf.check_analyse_activation_slopes,
                                     gf.check_gradient_shrink_factor])
def test_stub_is_not_implemented(capsys, checker):
    assert ": not implemented yet - " in verdict(capsys, checker, stub)


# --- analyse: other correct styles ---------------------------------------------------------


def with_registry_and_lists(model, X, threshold=0.01):
    from course_lib import activations

    h, means, fractions = X, [], []
    for layer in model.layers:
        if type(layer).__name__ == "Activation":
            slope = activations.get(layer.name).derivative(h, **layer.activation_params)
            means.append(float(np.abs(slope).mean()))
            fractions.append(float((np.abs(slope) < threshold).mean()))
        h = layer(h)
    return means, fractions


def with_the_caches(model, X, threshold=0.01):
    # after model.forward, every Activation layer's cache holds its input
    model.forward(X)
    layers = [layer for layer in model if isinstance(layer, Activation)]
    zs = [layer._cache for layer in layers]
    means = np.array([np.abs(layer.spec.derivative(z, **layer.activation_params)).mean()
                      for layer, z in zip(layers, zs, strict=True)])
    fractions = np.array([saturation_fraction(z, layer.name, threshold, **layer.activation_params)
                          for layer, z in zip(layers, zs, strict=True)])
    return means, fractions


def with_the_library(model, X, threshold=0.01):
    stats = slope_statistics(model, X, threshold)
    return stats.mean_abs_slope, stats.saturated_fraction


@pytest.mark.parametrize("candidate", [with_registry_and_lists, with_the_caches,
                                       with_the_library])
def test_analyse_accepts_other_correct_styles(capsys, candidate):
    line = verdict(capsys, gf.check_analyse_activation_slopes, candidate)
    assert " correct - all 9 checks passed." in line, line


# --- analyse: typical mistakes -------------------------------------------------------------


def _walk(model, X, slope_of, threshold=0.01, below=np.less, fraction=None):
    h, means, fractions = X, [], []
    for layer in model:
        if isinstance(layer, Activation):
            slope = np.abs(slope_of(layer, h))
            means.append(slope.mean())
            fractions.append(below(slope, threshold).mean() if fraction is None
                             else fraction(slope, threshold))
        h = layer.forward(h)
    return np.array(means), np.array(fractions)


def derivative_at_outputs(model, X, threshold=0.01):
    return _walk(model, X, lambda layer, h: layer.spec.derivative(layer.spec(h)), threshold)


def less_or_equal(model, X, threshold=0.01):
    return _walk(model, X, lambda layer, h: layer.spec.derivative(h, **layer.activation_params),
                 threshold, below=np.less_equal)


def ignores_layer_parameters(model, X, threshold=0.01):
    return _walk(model, X, lambda layer, h: layer.spec.derivative(h), threshold)


def without_abs(model, X, threshold=0.01):
    h, means, fractions = X, [], []
    for layer in model:
        if isinstance(layer, Activation):
            slope = layer.spec.derivative(h, **layer.activation_params)
            means.append(slope.mean())
            fractions.append(np.mean(np.abs(slope) < threshold))
        h = layer.forward(h)
    return np.array(means), np.array(fractions)


def per_unit_fraction(model, X, threshold=0.01):
    return _walk(model, X, lambda layer, h: layer.spec.derivative(h, **layer.activation_params),
                 threshold, fraction=lambda s, t: np.mean(s.mean(axis=0) < t))


def linear_outputs(model, X, threshold=0.01):
    h, means, fractions = X, [], []
    layers = list(model)
    for i, layer in enumerate(layers):
        h = layer.forward(h)
        if isinstance(layer, Linear) and i + 1 < len(layers):
            act = next(lay for lay in layers[i:] if isinstance(lay, Activation))
            slope = np.abs(act.spec.derivative(h, **act.activation_params))
            means.append(slope.mean())
            fractions.append(np.mean(slope < threshold))
    return np.array(means), np.array(fractions)


def finite_differences(model, X, threshold=0.01):
    eps = 1e-4
    return _walk(model, X, lambda layer, h: (layer.spec(h + eps, **layer.activation_params)
                                             - layer.spec(h - eps, **layer.activation_params))
                 / (2 * eps), threshold)


def swapped(model, X, threshold=0.01):
    means, fractions = gf.analyse_activation_slopes_solution(model, X, threshold)
    return fractions, means


def misses_the_last_layer(model, X, threshold=0.01):
    means, fractions = gf.analyse_activation_slopes_solution(model, X, threshold)
    return means[:-1], fractions[:-1]


def centres_x_in_place(model, X, threshold=0.01):
    X -= X.mean(axis=0)
    return gf.analyse_activation_slopes_solution(model, X, threshold)


def switches_to_eval_mode(model, X, threshold=0.01):
    model.eval()
    return gf.analyse_activation_slopes_solution(model, X, threshold)


def fixed_threshold(model, X, threshold=0.01):
    return gf.analyse_activation_slopes_solution(model, X)


def returns_none(model, X, threshold=0.01):
    gf.analyse_activation_slopes_solution(model, X, threshold)


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (derivative_at_outputs, "take its INPUT z"),
        (less_or_equal, "with a strict <"),
        (ignores_layer_parameters, "negative_slope=0.005"),
        (without_abs, "average the ABSOLUTE value"),
        (per_unit_fraction, "saturated_fraction:"),
        (linear_outputs, "not the output of the Linear layer"),
        (finite_differences, "mean_abs_slope: first difference"),
        (swapped, "take its INPUT z"),
        (misses_the_last_layer, "shape (1,), expected (2,)"),
        (centres_x_in_place, "modified its input X"),
        (switches_to_eval_mode, "do not switch the model's mode"),
        (fixed_threshold, "not a fixed 0.01"),
        (returns_none, "expected 2 values"),
    ],
)
def test_analyse_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, gf.check_analyse_activation_slopes, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


def test_analyse_reports_non_functions(capsys):
    assert "expected a function" in verdict(capsys, gf.check_analyse_activation_slopes, 42)


# --- gradient_shrink_factor ----------------------------------------------------------------


@pytest.mark.parametrize(
    "candidate",
    [
        lambda norms: float(np.exp(np.mean(np.diff(-np.log(np.asarray(norms)))))),
        lambda norms: math.exp((math.log(norms[0]) - math.log(norms[-1])) / (len(norms) - 1)),
        lambda norms: 2.0 ** ((math.log2(norms[0]) - math.log2(norms[-1])) / (len(norms) - 1)),
    ],
)
def test_shrink_factor_accepts_other_correct_styles(capsys, candidate):
    line = verdict(capsys, gf.check_gradient_shrink_factor, candidate)
    assert " correct - all 6 checks passed." in line, line


@pytest.mark.parametrize(
    "candidate, expected_in_line",
    [
        (lambda norms: (norms[-1] / norms[0]) ** (1 / (len(norms) - 1)),
         "Put the FIRST layer's norm in the numerator"),
        (lambda norms: (norms[0] / norms[-1]) ** (1 / len(norms)), "expected 2.0, got"),
        (lambda norms: float(np.mean(np.asarray(norms[:-1]) / np.asarray(norms[1:]))),
         "GEOMETRIC mean"),
        (lambda norms: (norms[0] / norms[-1]) ** (1 / (len(norms) - 1)), "underflows to 0"),
        (lambda norms: float(np.asarray(norms[0]) / np.asarray(norms[-1])), "expected 2.0, got"),
        (lambda norms: [(norms[0] / norms[-1]) ** (1 / (len(norms) - 1))],
         "returned a list"),
        (lambda norms: (norms[0] / norms[-2]) ** (1 / (len(norms) - 2)), "GEOMETRIC mean"),
        (lambda norms: None, "returned None"),
    ],
)
def test_shrink_factor_rejects_typical_mistakes(capsys, candidate, expected_in_line):
    found = judged(capsys, gf.check_gradient_shrink_factor, candidate)
    assert found.status == "wrong", found.text
    assert expected_in_line in f"{found.finding} {found.hint}", found.text


# --- the question ---------------------------------------------------------------------------


def answer_verdict(capsys, check, answer):
    """A question's verdict, folded onto one line; it never raises or writes to stderr."""
    assert check(answer) is None
    out, err = capsys.readouterr()
    assert err == "" and out.startswith("smallest_first_layer_gradient: "), (out, err)
    return " ".join(out.split())


def test_question_verdicts(capsys):
    check = gf.check_smallest_first_layer_gradient
    assert " correct - (b) sigmoid" in answer_verdict(capsys, check, "b")
    assert " correct - " in answer_verdict(capsys, check, "B ")
    for wrong in ("a", "c"):
        assert ": wrong - you chose " in answer_verdict(capsys, check, wrong)
    assert "not answered yet" in answer_verdict(capsys, check, None)
    for garbage in ("sigmoid", 2, None.__class__):
        line = answer_verdict(capsys, check, garbage)
        assert ": wrong - answer with one of the letters" in line


# --- every kind of wrong answer, made from a right one (tests/exercise_mutations.py) ---


_WRONG_ANALYSE_ACTIVATION_SLOPES = wrong_answers(
    gf.analyse_activation_slopes_solution,
    ("None", "raises", "extra axis", "float32 inputs", "modified input"),
)


@pytest.mark.parametrize("candidate, expected", _WRONG_ANALYSE_ACTIVATION_SLOPES)
def test_analyse_activation_slopes_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, gf.check_analyse_activation_slopes, candidate, expected)
    assert found.name == "analyse_activation_slopes"


_WRONG_GRADIENT_SHRINK_FACTOR = wrong_answers(
    gf.gradient_shrink_factor_solution,
    (*NUMBER_KINDS, "float32 inputs", "modified input"),
)


@pytest.mark.parametrize("candidate, expected", _WRONG_GRADIENT_SHRINK_FACTOR)
def test_gradient_shrink_factor_rejects_each_kind(capsys, candidate, expected):
    found = rejects(capsys, gf.check_gradient_shrink_factor, candidate, expected)
    assert found.name == "gradient_shrink_factor"


# --- every checker input, against an independent oracle ---------------------------------------


@pytest.mark.parametrize("case", gf.SHRINK_CASES, ids=lambda c: str(c.args[0])[:30])
def test_the_shrink_factor_reference_on_every_case_agrees_with_mpmath(case):
    import mpmath

    mpmath.mp.dps = 50
    g = [mpmath.mpf(float(v)) for v in case.args[0]]
    want = float((g[0] / g[-1]) ** (mpmath.mpf(1) / (len(g) - 1)))
    got = gf.gradient_shrink_factor_solution(*case.args)
    assert type(got) is float and got == pytest.approx(want, rel=1e-14)
