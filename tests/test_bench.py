"""Tests of course_lib.bench: the harness runs and reports well-formed figures.

Speed is never asserted here (it depends on the machine and its load); these tests run
the harness on tiny arrays with few repeats and check the structure of the table and of
the JSON, and that every reported time and ratio is a positive finite number.
"""

from __future__ import annotations

import json
import math
import platform
import re

import numpy as np
import pytest

from course_lib import bench, kernels

TINY = {"size": 1000, "repeats": 3, "warmup": 1, "threads": 1}


def _numbers(tree, path=""):
    """Every number (not bool) in a JSON-like tree, with its path."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _numbers(value, f"{path}.{key}")
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield from _numbers(value, f"{path}[{i}]")
    elif isinstance(tree, (int, float)) and not isinstance(tree, bool):
        yield path, tree


def _check_figures(result, activations, dtypes):
    rows = result["rows"]
    assert [(r["activation"], r["dtype"]) for r in rows] == [
        (a, d) for d in dtypes for a in activations
    ]
    for row in rows:
        assert set(row["times"]) == {"numpy", "numba", "numba_out", "torch", "copy"}
        assert set(row["ratios"]) == {"numpy_over_numba", "torch_over_numba", "numba_out_over_copy"}
        assert row["numpy_expression"] == bench.NUMPY_EXPRESSIONS[row["activation"]]
        for timing in row["times"].values():
            assert set(timing) == {"median", "q1", "q3", "minimum", "maximum", "repeats"}
            assert timing["minimum"] <= timing["q1"] <= timing["median"] <= timing["q3"] <= timing["maximum"]
            assert 3 <= timing["repeats"] <= TINY["repeats"]
        t, r = row["times"], row["ratios"]
        assert r["numpy_over_numba"] == pytest.approx(t["numpy"]["median"] / t["numba"]["median"])
        assert r["torch_over_numba"] == pytest.approx(t["torch"]["median"] / t["numba"]["median"])
        assert r["numba_out_over_copy"] == pytest.approx(t["numba_out"]["median"] / t["copy"]["median"])
    figures = {"rows": rows, "conv2d": result.get("conv2d", {})}
    numbers = list(_numbers(figures))
    assert len(numbers) >= 6 * 5 * len(rows)
    for path, value in numbers:
        assert math.isfinite(value) and value > 0, f"{path} = {value}"


@pytest.fixture(scope="module")
def result():
    return bench.run(**TINY)


def test_run_reports_every_activation_and_dtype(result):
    _check_figures(result, list(kernels.KERNELS), ["float32", "float64"])
    cfg = result["config"]
    assert cfg["size"] == 1000 and cfg["repeats"] == 3 and cfg["warmup"] == 1
    assert cfg["threads"] == {"numba": 1, "torch": 1, "numpy": 1}
    assert cfg["unit"] == "seconds"
    assert cfg["load_average_at_start"] >= 0 and cfg["cores"] >= 1
    assert set(result["versions"]) >= {"numpy", "numba", "torch", "python"}


def test_conv2d_case_compares_three_implementations_that_agree(result):
    conv = result["conv2d"]
    assert conv["input_shape"] == [360, 1, 8, 8]
    assert conv["filters"] == 16 and conv["kernel_size"] == 3 and conv["dtype"] == "float64"
    assert set(conv["times"]) == {"loops", "course_lib", "torch"}
    assert set(conv["ratios"]) == {"loops_over_course_lib", "course_lib_over_torch"}
    assert conv["agree"] is True


def test_slide_loop_convolution_is_a_correct_baseline():
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(3)
    x, w, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)).numpy()
    np.testing.assert_allclose(bench._conv2d_loops(x, w, b), expected, rtol=1e-12, atol=1e-12)


def test_table_has_one_line_per_case_with_positive_numbers(result):
    table = bench.format_table(result)
    assert "1,000 elements" in table
    assert "numba 1" in table and "torch 1" in table
    for name in kernels.KERNELS:
        for dtype in ("float32", "float64"):
            lines = [ln for ln in table.splitlines() if re.match(rf"{name}\s+{dtype}\s", ln)]
            assert len(lines) == 1, (name, dtype)
            values = [float(v) for v in lines[0].split()[2:]]
            assert len(values) == 8
            assert all(math.isfinite(v) and v > 0 for v in values)
    assert "Conv2D forward, 360x1x8x8 float64" in table
    assert "outputs agree: yes" in table


def test_command_line_prints_the_table_and_writes_the_same_json(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")
    path = tmp_path / "bench.json"
    code = bench.main([
        "--size", "500", "--repeats", "3", "--warmup", "1", "--threads", "1",
        "--activations", "relu,gelu", "--dtypes", "float32", "--no-conv2d", "--seed", "5",
        "--json", str(path),
    ])
    assert code == 0
    printed = capsys.readouterr().out
    data = json.loads(path.read_text())
    _check_figures(data, ["relu", "gelu"], ["float32"])
    assert "conv2d" not in data and "Conv2D" not in printed
    assert data["config"]["omp_wait_policy"] == "PASSIVE" and data["config"]["seed"] == 5
    # main() asks glibc's malloc to keep freed memory (see "Memory" in bench's docstring).
    glibc = platform.libc_ver()[0] == "glibc"
    assert data["config"]["malloc_keeps_freed_memory"] is glibc
    assert ("freed memory kept in the process" in printed) is glibc
    assert printed.strip() == bench.format_table(data).strip()


def test_run_isolated_gives_the_same_structure():
    data = bench.run_isolated(size=500, repeats=3, warmup=1, threads=1, activations=["swish"],
                              dtypes=["float64"], conv2d=False)
    _check_figures(data, ["swish"], ["float64"])
    assert data["config"]["omp_wait_policy"] == "PASSIVE"


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", list(bench.NUMPY_EXPRESSIONS))
def test_numpy_expressions_compute_the_activation_in_the_input_dtype(name, dtype):
    # The baseline must be the same function in the same precision (a float64 scalar such as
    # np.sqrt(2) would silently turn float32 input into float64).
    from course_lib import activations

    x = np.linspace(-6.0, 6.0, 2001).astype(dtype)
    got = bench._numpy_function(name)(x)
    assert got.dtype == dtype
    tol = {np.float32: 1e-6, np.float64: 1e-14}[dtype]
    np.testing.assert_allclose(got, activations.get(name)(x.astype(np.float64)), rtol=tol, atol=tol)


def test_run_and_run_isolated_refuse_an_unknown_option():
    for function in (bench.run, bench.run_isolated):
        with pytest.raises(TypeError, match="unexpected keyword argument 'sizes'.*run_activations"):
            function(sizes=10)


def test_time_call_warms_up_then_times_each_call():
    calls = []
    timing = bench.time_call(lambda: calls.append(1), repeats=5, warmup=2)
    assert len(calls) == 7
    assert timing.repeats == 5
    assert 0 < timing.minimum <= timing.q1 <= timing.median <= timing.q3 <= timing.maximum
    # An exhausted time budget still leaves three timed calls.
    calls.clear()
    assert bench.time_call(lambda: calls.append(1), repeats=50, warmup=1, budget=0.0).repeats == 3
    assert len(calls) == 4


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: bench.time_call(lambda: None, repeats=2), ValueError, "repeats must be at least 3; got 2"),
        (lambda: bench.time_call(lambda: None, warmup=0), ValueError, "warmup must be at least 1"),
        (lambda: bench.time_call(lambda: None, repeats=True), TypeError, "repeats must be an integer"),
        (lambda: bench.run_activations(10, 3, 1, ["gleu"]), ValueError, "unknown activation 'gleu'"),
        (lambda: bench.run_activations(10, 3, 1, ["relu"], ["float16"]), ValueError, "dtypes must be"),
        (lambda: bench.run_activations(10, 3, 10_000), ValueError, "threads must be at most"),
        (lambda: bench.run_activations(0), ValueError, "size must be at least 1"),
    ],
)
def test_bad_arguments_are_refused_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_command_line_rejects_bad_options(capsys, monkeypatch):
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")
    with pytest.raises(SystemExit) as info:
        bench.main(["--activations", "nope", "--no-conv2d", "--size", "10", "--repeats", "3"])
    assert info.value.code == 2
    assert "unknown activation 'nope'" in capsys.readouterr().err


def test_docstring_examples_are_right():
    import doctest

    result = doctest.testmod(bench, extraglobs={"np": np}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 2
    assert result.failed == 0
