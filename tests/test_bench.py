"""Tests of course_lib.bench: the harness runs and reports well-formed figures.

Speed is never asserted (it depends on the machine and its load), and nothing here depends
on how fast a call is: the benchmark runs on tiny arrays with few repeats, the tests check
the structure of the JSON and of the table, that every measured time and ratio is a positive
finite number, and that the table prints each of those numbers to three significant digits.
``python -m course_lib.bench`` changes the process it runs in (``OMP_WAIT_POLICY``, glibc's
malloc options), so it only ever runs in a process of its own here.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import course_lib.activations as act
from course_lib import bench, kernels
from course_lib.bench import harness

TINY = ["--size", "1000", "--repeats", "3", "--warmup", "1", "--threads", "1"]
TIMES = ["numpy", "plain", "fast", "fast_out", "torch", "copy", "numpy_copy", "copy_memory"]
RATIOS = ["numpy_over_fast", "plain_over_fast", "torch_over_fast", "fast_out_over_copy",
          "fast_out_over_copy_memory"]


def _command(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    return subprocess.run([sys.executable, "-m", "course_lib.bench", *args], env=env,
                          capture_output=True, text=True, timeout=600)


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


def _check_figures(result, activations, dtypes, repeats=3):
    rows = result["rows"]
    assert [(r["activation"], r["dtype"]) for r in rows] == [
        (a, d) for d in dtypes for a in activations
    ]
    for row in rows:
        assert list(row["times"]) == TIMES and list(row["ratios"]) == RATIOS
        assert row["numpy_expression"] == bench.NUMPY_EXPRESSIONS[row["activation"]]
        for timing in row["times"].values():
            assert set(timing) == {"median", "q1", "q3", "minimum", "maximum", "repeats"}
            assert (timing["minimum"] <= timing["q1"] <= timing["median"] <= timing["q3"]
                    <= timing["maximum"])
            assert 3 <= timing["repeats"] <= repeats
        t, r = row["times"], row["ratios"]
        fast = t["fast"]["median"]
        for name in ("numpy", "plain", "torch"):
            assert r[f"{name}_over_fast"] == pytest.approx(t[name]["median"] / fast)
        assert r["fast_out_over_copy"] == pytest.approx(
            t["fast_out"]["median"] / t["copy"]["median"])
        assert r["fast_out_over_copy_memory"] == pytest.approx(
            t["fast_out"]["median"] / t["copy_memory"]["median"])
        itemsize = np.dtype(row["dtype"]).itemsize
        size = result.get("config", {}).get("size", row["copy_bytes"] // (2 * itemsize))
        assert row["copy_bytes"] == 2 * size * itemsize
        cache = result.get("config", {}).get("last_level_cache_bytes")
        if cache:
            assert row["copy_in_cache"] is (row["copy_bytes"] <= cache)
            assert row["copy_memory_bytes_over_cache"] == pytest.approx(
                2 * row["copy_memory_elements"] * itemsize / cache)
        assert row["copy_memory_elements"] >= size
    numbers = list(_numbers({"rows": rows, "conv2d": result.get("conv2d", {})}))
    assert len(numbers) >= (6 * 6 + 4) * len(rows)
    for path, value in numbers:
        assert math.isfinite(value) and value > 0, f"{path} = {value}"


@pytest.fixture(scope="module")
def command_line(tmp_path_factory):
    """``python -m course_lib.bench`` on tiny arrays: (printed table, the JSON it wrote)."""
    path = tmp_path_factory.mktemp("bench") / "bench.json"
    done = _command(*TINY, "--conv2d-batch", "4", "--json", str(path))
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(path.read_text())


def test_the_json_reports_every_activation_and_dtype(command_line):
    _, result = command_line
    _check_figures(result, kernels.names(), ["float32", "float64"])
    cfg = result["config"]
    assert cfg["size"] == 1000 and cfg["repeats"] == 3 and cfg["warmup"] == 1
    assert cfg["threads"] == {"numba": 1, "torch": 1, "numpy": 1}
    assert cfg["unit"] == "seconds" and cfg["omp_wait_policy"] == "PASSIVE"
    assert cfg["load_average_at_start"] >= 0 and cfg["cores"] >= 1
    assert set(result["versions"]) >= {"numpy", "numba", "torch", "python"}
    # The command asks glibc's malloc to keep freed memory, and says whether it could.
    assert cfg["malloc_keeps_freed_memory"] is (platform.libc_ver()[0] == "glibc")


def test_the_conv2d_case_compares_three_implementations_that_agree(command_line):
    conv = command_line[1]["conv2d"]
    assert conv["input_shape"] == [4, 1, 8, 8]
    assert conv["filters"] == 16 and conv["kernel_size"] == 3 and conv["dtype"] == "float64"
    assert list(conv["times"]) == ["loops", "course_lib", "torch"]
    assert list(conv["ratios"]) == ["loops_over_course_lib", "course_lib_over_torch"]
    assert conv["agree"] is True


def test_the_printed_table_is_the_json_formatted(command_line):
    printed, result = command_line
    assert printed.strip() == bench.format_table(result).strip()


def test_the_table_prints_every_measured_number_to_three_significant_digits(command_line):
    printed, result = command_line
    assert "1,000 elements" in printed and "numba 1" in printed and "torch 1" in printed
    for row in result["rows"]:
        pattern = rf"{row['activation']}\s+{row['dtype']}\s"
        lines = [line for line in printed.splitlines() if re.match(pattern, line)]
        assert len(lines) == 1, pattern
        shown = [float(v) for v in lines[0].split()[2:]]
        measured = ([row["times"][k]["median"] * 1e6 for k in TIMES]
                    + [row["ratios"][k] for k in RATIOS])
        assert len(shown) == len(measured) == len(TIMES) + len(RATIOS)
        for text_value, value in zip(shown, measured, strict=True):
            assert text_value == pytest.approx(value, rel=5e-3)  # 3 significant digits
    assert "Conv2d forward, 4x1x8x8 float64" in printed and "outputs agree: yes" in printed


@pytest.mark.parametrize(
    "seconds, text",
    [(3e-10, "0.000300"), (4.2e-7, "0.420"), (5.1e-6, "5.10"), (1.234e-5, "12.3"),
     (0.0123456, "12346"), (1.0, "1000000")],
)
def test_times_are_printed_in_microseconds_with_three_significant_digits(seconds, text):
    # A copy of 1,000 float32 values takes less than 0.5 µs: no time may print as 0.
    timing = {"median": seconds, "q1": seconds, "q3": seconds, "minimum": seconds,
              "maximum": seconds, "repeats": 3}
    result = {
        "config": {"size": 1000, "repeats": 3, "warmup": 1, "threads": {"numba": 1, "torch": 1,
                   "numpy": 1}, "numba_threading_layer": "omp", "omp_wait_policy": "PASSIVE",
                   "malloc_keeps_freed_memory": True, "load_average_at_start": 0.5,
                   "cores": 2},
        "rows": [{"activation": "relu", "dtype": "float32",
                  "times": dict.fromkeys(TIMES, timing),
                  "ratios": dict.fromkeys(RATIOS, 1e-4)}],
    }
    line = next(ln for ln in bench.format_table(result).splitlines() if ln.startswith("relu "))
    assert line.split()[2:] == [text] * len(TIMES) + ["0.000100"] * len(RATIOS)


def test_run_isolated_gives_the_same_structure():
    data = bench.run_isolated(size=500, repeats=3, warmup=1, threads=1, activations=["silu"],
                              dtypes=["float64"], conv2d=False)
    _check_figures(data, ["swish"], ["float64"])
    assert data["config"]["omp_wait_policy"] == "PASSIVE" and "conv2d" not in data


def test_run_activations_in_process_restores_the_thread_counts():
    import numba

    before = numba.get_num_threads(), torch.get_num_threads()
    rows = bench.run_activations(size=300, repeats=3, warmup=1, threads=1, activations=["gelu"],
                                 dtypes=["float32"])
    assert (numba.get_num_threads(), torch.get_num_threads()) == before
    _check_figures({"rows": rows}, ["gelu"], ["float32"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_parallel_copy_copies_exactly(dtype):
    from course_lib.bench.memory import parallel_copy

    x = np.random.default_rng(0).standard_normal(10_001).astype(dtype)
    x[:3] = [np.nan, np.inf, -0.0]
    out = np.empty_like(x)
    assert parallel_copy(x, out) is out
    assert out.tobytes() == x.tobytes()
    with pytest.raises(ValueError, match="parallel_copy"):
        parallel_copy(x, np.empty(3, dtype=dtype))


def test_the_last_level_cache_is_the_largest_data_cache_in_sysfs(tmp_path):
    from course_lib.bench import memory

    for index, (level, kind, size) in enumerate(
        [(1, "Data", "48K"), (1, "Instruction", "64K"), (2, "Unified", "2048K"),
         (3, "Unified", "32M")]
    ):
        folder = tmp_path / f"index{index}"
        folder.mkdir()
        (folder / "level").write_text(f"{level}\n")
        (folder / "type").write_text(f"{kind}\n")
        (folder / "size").write_text(f"{size}\n")
    assert memory._from_sysfs(tmp_path) == 32 * 2**20
    assert memory._from_sysfs(tmp_path / "missing") is None
    size, source = memory.last_level_cache_bytes()
    assert (size is None) == (source == "unknown")


def test_the_memory_copy_uses_arrays_beyond_the_cache():
    from course_lib.bench.memory import parallel_copy

    x = np.ones(1000, dtype=np.float32)
    floors = harness._copy_floors(x, np.empty_like(x), 3, 1, 4 * 2**20, parallel_copy)
    facts = floors["facts"]
    assert facts["copy_memory_elements"] == 2 * 4 * 2**20 // 4  # each array twice the cache
    assert facts["copy_memory_bytes_over_cache"] == 4.0 and facts["copy_in_cache"] is True
    assert list(floors["times"]) == ["copy", "numpy_copy", "copy_memory"]
    huge = harness._copy_floors(x, np.empty_like(x), 3, 1, 2**40, parallel_copy)["facts"]
    assert huge["copy_memory_elements"] * 4 == harness._MEMORY_COPY_MAX_BYTES  # capped


def test_naive_loop_convolution_is_a_correct_baseline():
    rng = np.random.default_rng(3)
    x, w, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)).numpy()
    np.testing.assert_allclose(harness._conv2d_loops(x, w, b), expected, rtol=1e-12, atol=1e-12)


def test_every_kernel_has_a_numpy_expression():
    assert set(bench.NUMPY_EXPRESSIONS) == set(kernels.names())


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", list(bench.NUMPY_EXPRESSIONS))
def test_numpy_expressions_compute_the_activation_in_the_input_dtype(name, dtype):
    # The baseline must be the same function in the same precision (a float64 scalar such as
    # np.sqrt(2) would silently turn float32 input into float64).
    x = np.linspace(-6.0, 6.0, 2001).astype(dtype)
    got = harness._numpy_function(name)(x)
    assert got.dtype == dtype
    tol = {np.float32: 1e-6, np.float64: 1e-14}[dtype]
    np.testing.assert_allclose(got, act.get(name)(x.astype(np.float64)), rtol=tol, atol=tol)


def test_run_and_run_isolated_refuse_an_unknown_option():
    for function in (bench.run, bench.run_isolated):
        with pytest.raises(TypeError, match=r"unexpected keyword .*'sizes'.*run_activations"):
            function(sizes=10)


def test_time_call_warms_up_then_times_each_call():
    calls = []

    def call():
        calls.append(1)
        time.sleep(1e-4)

    timing = bench.time_call(call, repeats=5, warmup=2, budget=None)
    assert len(calls) == 7
    assert timing.repeats == 5
    assert 0 < timing.minimum <= timing.q1 <= timing.median <= timing.q3 <= timing.maximum
    # An exhausted time budget still leaves three timed calls.
    calls.clear()
    assert bench.time_call(call, repeats=50, warmup=1, budget=0.0).repeats == 3
    assert len(calls) == 4


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: bench.time_call(lambda: None, repeats=2), ValueError,
         r"time_call\(\): repeats must be an integer >= 3; got 2"),
        (lambda: bench.time_call(lambda: None, warmup=0), ValueError, "warmup must be an integer"),
        (lambda: bench.time_call(lambda: None, repeats=True), TypeError,
         "repeats must be an integer >= 3; got bool"),
        (lambda: bench.run_activations(10, 3, 1, ["gleu"]), ValueError,
         r"unknown kernel 'gleu'; did you mean 'gelu'\?"),
        (lambda: bench.run_activations(10, 3, 1, ["relu"], ["float16"]), ValueError,
         "unknown dtype 'float16'"),
        (lambda: bench.run_activations(10, 3, 10_000), ValueError,
         "threads must be an integer >= 1 and <= "),
        (lambda: bench.run_activations(0), ValueError, "size must be an integer >= 1; got 0"),
        (lambda: bench.run_conv2d(3, 1, batch=0), ValueError, "batch must be an integer >= 1"),
    ],
)
def test_bad_arguments_are_refused_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_the_command_line_rejects_bad_options():
    done = _command("--activations", "nope", "--no-conv2d", "--size", "10", "--repeats", "3")
    assert done.returncode == 2
    assert "unknown kernel 'nope'" in done.stderr and done.stdout == ""


def test_importing_the_benchmark_changes_no_process_state():
    code = (
        "import os, sys\n"
        "before = dict(os.environ)\n"
        "import course_lib.bench\n"
        "assert dict(os.environ) == before\n"
        "assert not {'numba', 'torch', 'scipy'} & set(sys.modules), 'imported too early'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
