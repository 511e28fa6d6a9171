"""Every registered activation has what the rest of the course reads from its entry.

Adding an activation means writing the function and its derivative, exporting them and
registering them (the checklist in :mod:`course_lib.activations`); these tests fail, naming
the field, when an entry lacks something another part of the course needs.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import torch
from activation_references import exact_pair

import course_lib.activations as act
from course_lib import torch_ref

NAMES = act.names()
POINTS = [-2.5, -0.3, 0.7, 3.0]


@pytest.mark.parametrize("name", NAMES)
def test_entry_has_a_formula_a_torch_counterpart_and_an_exact_reference(name):
    spec = act.get(name)
    assert spec.formula, "formula"
    assert spec.torch, "torch"
    assert all(spec.exact) and len(spec.exact) == 2, "exact"
    assert set(spec.checks) <= set(spec.defaults), "checks name unknown parameters"
    for key, value in spec.defaults.items():
        assert isinstance(value, float) and not math.isnan(value), key


@pytest.mark.parametrize("name", NAMES)
def test_function_and_derivative_are_exported_under_the_registered_name(name):
    spec = act.get(name)
    assert getattr(act, name) is spec._forward and name in act.__all__
    assert getattr(act, name + "_grad") is spec._derivative and name + "_grad" in act.__all__


@pytest.mark.parametrize("name", NAMES)
def test_exact_and_torch_references_evaluate_to_the_function(name):
    """Plumbing: both references run and agree with the function at a few points (the
    accuracy tests in test_activations.py hold them to tight tolerances everywhere)."""
    spec = act.get(name)
    x = np.array(POINTS)
    f, df = exact_pair(name)
    with mp.workdps(30):
        exact = [[float(g(mp.mpf(v))) for v in POINTS] for g in (f, df)]
    np.testing.assert_allclose(spec(x), exact[0], rtol=1e-12, err_msg="exact f")
    np.testing.assert_allclose(spec.derivative(x), exact[1], rtol=1e-12, err_msg="exact f'")
    t = torch.tensor(x, requires_grad=True)
    y = torch_ref.functional(name)(t)
    y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), spec(x), rtol=1e-12, err_msg="torch")
    np.testing.assert_allclose(t.grad.numpy(), spec.derivative(x), rtol=1e-7,
                               err_msg="torch autograd")  # hardsigmoid: 1/6 in float32
    module = torch_ref.module(name)
    np.testing.assert_allclose(module(torch.from_numpy(x)).detach().numpy(), spec(x),
                               rtol=1e-12, err_msg="torch module")
