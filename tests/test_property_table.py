"""Tests of activations.property_table: measured from the code, equal to the registry's records.

The measured numbers are checked against independent references (mpmath integrals and
minima of the exact definitions, PyTorch's autograd); the qualitative columns are checked
equal to the typed records of the registry, for every registered activation.
"""

from __future__ import annotations

import math
from types import MappingProxyType

import mpmath as mp
import numpy as np
import pytest
from activation_references import exact_table, torch_reference

from course_lib import activations as act
from course_lib.activations._elementwise import constant_limits, elementwise
from course_lib.activations.properties import _measure
from course_lib.activations.registry import ActivationSpec, Properties

NAMES = act.names()


@pytest.fixture(scope="module")
def table():
    return act.property_table()


def test_table_has_one_row_per_activation_and_the_documented_columns(table):
    assert list(table.index) == NAMES and table.index.name == "name"
    for column in (
        "formula", "range", "range_low", "range_high", "low_attained", "high_attained",
        "bounded_below", "bounded_above", "bounded", "monotonic", "smooth", "kinks",
        "zero_centred", "self_gated", "mean_output", "mean_square_output", "derivative_at_0",
    ):  # fmt: skip
        assert column in table.columns
    assert table.loc["relu", "formula"] == act.get("relu").formula


@pytest.mark.parametrize("name", NAMES)
def test_measured_properties_equal_the_registry_records(table, name):
    spec = act.get(name)
    record: Properties = spec.properties
    row = table.loc[name]
    for measured, recorded in zip(
        (row["range_low"], row["range_high"]), record.output_range, strict=True
    ):
        if math.isinf(recorded):
            assert measured == recorded
        else:
            assert measured == pytest.approx(recorded, rel=1e-12, abs=1e-12)
    assert (row["low_attained"], row["high_attained"]) == record.range_closed
    assert row["bounded_below"] == record.bounded_below
    assert row["bounded_above"] == record.bounded_above
    assert row["bounded"] == (record.bounded_below and record.bounded_above)
    assert row["monotonic"] == record.monotonic
    assert row["smooth"] == record.smooth
    assert row["zero_centred"] == record.zero_centred
    assert row["self_gated"] == record.self_gated
    assert row["kinks"] == pytest.approx(spec.kinks, abs=1e-6)
    assert row["range"] == record.range_text()


def _exact(name):
    return exact_table({})[name]


@pytest.mark.parametrize("name", NAMES)
def test_gaussian_moments_match_mpmath(table, name):
    f = _exact(name)[0]
    kinks = sorted(act.get(name).kinks)
    with mp.workdps(30):
        points = [-mp.inf, *kinks, mp.inf] if kinks else [-mp.inf, 0, mp.inf]
        mean = mp.quad(lambda z: f(z) * mp.npdf(z), points)
        mean_square = mp.quad(lambda z: f(z) ** 2 * mp.npdf(z), points)
    assert table.loc[name, "mean_output"] == pytest.approx(float(mean), rel=1e-12, abs=1e-14)
    assert table.loc[name, "mean_square_output"] == pytest.approx(float(mean_square), rel=1e-12)


def test_selu_keeps_the_self_normalising_fixed_point(table):
    assert abs(table.loc["selu", "mean_output"]) < 1e-12
    assert table.loc["selu", "mean_square_output"] == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("name", ["swish", "mish", "gelu", "gelu_tanh", "hard_swish"])
def test_interior_minimum_matches_mpmath(table, name):
    f, df = _exact(name)
    with mp.workdps(40):
        x_min = mp.findroot(df, mp.mpf(-1.5) if name == "hard_swish" else mp.mpf(-1))
        assert abs(df(x_min)) < mp.mpf(10) ** -30
        assert table.loc[name, "range_low"] == pytest.approx(float(f(x_min)), rel=1e-12)


@pytest.mark.parametrize(
    "name",
    [
        n
        for n in NAMES
        if act.get(n).properties.bounded_above or act.get(n).properties.bounded_below
    ],
)
def test_finite_range_ends_match_mpmath(table, name):
    f = _exact(name)[0]
    with mp.workdps(40):
        # The ends: the limits (at |x| = 1e50 within 1e-49 of them) or an interior extreme.
        grid = [mp.mpf(v) for v in np.linspace(-8.0, 8.0, 1601)]
        values = [f(x) for x in [mp.mpf(-1e50), *grid, mp.mpf(1e50)]]
        low, high = float(min(values)), float(max(values))
    if table.loc[name, "bounded_below"]:
        assert table.loc[name, "range_low"] == pytest.approx(low, rel=1e-5, abs=1e-12)
    if table.loc[name, "bounded_above"]:
        assert table.loc[name, "range_high"] == pytest.approx(high, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_at_zero_matches_torch_autograd(table, name):
    _, from_torch = torch_reference(name, np.array([0.0]))
    rtol = 1e-7 if name == "hard_sigmoid" else 1e-15  # torch rounds 1/6 to float32 there
    assert table.loc[name, "derivative_at_0"] == pytest.approx(float(from_torch[0]), rel=rtol)


def _spec(name, forward, derivative, kinks=()):
    """A spec that is not registered, to show what the measurement reports for it."""
    unknown = Properties((math.nan, math.nan), (False, False), False, False, False, False)
    return ActivationSpec(
        name=name, formula="", defaults=MappingProxyType({}), properties=unknown,
        kinks=kinks, citation="", _forward=forward, _derivative=derivative,
    )  # fmt: skip


@elementwise(limits=constant_limits(math.inf, math.inf))
def _absolute(x):
    return np.abs(x)


@elementwise(limits=constant_limits(-1.0, 1.0))
def _absolute_grad(x):
    return np.sign(x)


@elementwise(limits=constant_limits(-math.inf, math.inf))
def _odd(x):
    return x - x / (1.0 + x * x)  # = x^3 / (1 + x^2)


@elementwise(limits=constant_limits(1.0, 1.0))
def _odd_grad(x):
    return 1.0 - (1.0 - x * x) / (1.0 + x * x) ** 2


def test_measurement_can_tell_apart_what_the_registry_claims():
    # |x|: not monotonic, a kink at 0, range [0, inf) attained at 0, not zero-centred.
    absolute = _measure(_spec("abs", _absolute, _absolute_grad, kinks=(0.0,)))
    assert (absolute["range_low"], absolute["range_high"]) == (0.0, math.inf)
    assert absolute["low_attained"] and not absolute["monotonic"]
    assert not absolute["smooth"] and absolute["kinks"] == (0.0,)
    assert not absolute["zero_centred"] and not absolute["self_gated"]
    assert absolute["mean_output"] == pytest.approx(math.sqrt(2 / math.pi), rel=1e-13)
    # x^3 / (1 + x^2) is odd, smooth, unbounded, monotonic and zero-centred, but not a gate.
    odd = _measure(_spec("odd", _odd, _odd_grad))
    assert odd["monotonic"] and odd["smooth"] and odd["zero_centred"]
    assert not odd["bounded_below"] and not odd["bounded_above"] and not odd["self_gated"]
    assert odd["kinks"] == () and odd["derivative_at_0"] == 0.0


def test_unknown_name_is_refused():
    with pytest.raises(ValueError, match="unknown activation 'gleu'; did you mean 'gelu'"):
        act.property_table(["gleu"])


def test_aliases_are_listed_under_their_registered_name():
    assert list(act.property_table(["silu", "relu"]).index) == ["swish", "relu"]
