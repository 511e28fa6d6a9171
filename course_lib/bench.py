r"""An honest benchmark of activation functions: numpy vs numba kernels vs PyTorch.

Run it from a shell::

    python -m course_lib.bench                    # the table, about half a minute
    python -m course_lib.bench --json bench.json  # the same figures, machine-readable
    python -m course_lib.bench --size 4000000 --repeats 21 --threads 2

For every activation and dtype it times, on the same standard-normal input array:

* **numpy**: the textbook numpy expression a learner writes first (listed in
  :data:`NUMPY_EXPRESSIONS`, e.g. ``x / (1 + np.exp(-x))`` for swish); numpy runs
  element-wise code on one thread and allocates its temporaries;
* **numba**: the fused, multi-threaded kernel of :mod:`course_lib.kernels`, called as
  ``kernels.swish(x)`` (allocating its result, like numpy and torch), and again with a
  preallocated ``out=`` array;
* **torch**: ``torch.nn.functional`` on CPU (``torch.from_numpy`` shares the memory),
  with as many threads as numba;
* **copy**: ``np.copyto(out, x)``, one read and one write of the array: the
  memory-bandwidth floor that an element-wise function cannot beat on one thread.

How the times are taken (slide 13 timed the JIT compilation inside its loop): each
function is called ``warmup`` times first (this compiles the numba kernels and warms
caches and allocators), then timed ``repeats`` times one call at a time with
``time.perf_counter``, one function after the other, so that each is timed in its steady
state, its input and result as warm in the CPU caches as its own previous call left them.
(Taking turns between the functions was tried: each call then found the arrays evicted by
the previous library's temporaries, up to 20% slower, and the runs varied more, with
occasional calls two to four times slower.) The table shows the median, the JSON also the
quartiles and the extremes. Ratios are of medians: ``numpy/numba`` and ``torch/numba``
above 1 mean the kernel is faster; ``out=/copy`` near 1 means the kernel runs at memory
speed. The header gives the load average when the run started: on a machine whose cores
are busy with other work, the two-thread numba and torch times suffer most, so compare
runs made at a low load.

Threads. numba and torch each bring an OpenMP thread pool whose threads, by default,
spin for a while after every parallel call. With two libraries on two cores, a spinning
pool takes the core the other pool is waiting for, and a call that takes a millisecond
is measured at the scheduler's 4–8 ms time slice. ``python -m course_lib.bench``
therefore sets ``OMP_WAIT_POLICY=PASSIVE`` (idle threads sleep) before importing
either, for both alike; :func:`run_isolated` does the same for a call from a notebook.

Memory. A float64 array of 4,000,000 numbers is 32 MB, just below the size from which
glibc's ``malloc`` may hand freed memory back to the operating system; whether it does
depends on the order of earlier allocations. When it does, every new result or temporary
is fresh memory whose first touch page-faults: measured on this course's machine, numpy's
``np.log1p(np.exp(x))`` then takes 14.5 ms instead of 7.5 ms, in some runs and not
others. ``python -m course_lib.bench`` therefore asks glibc (``mallopt``) to keep freed
memory in the process, as a long training loop would have it, for numpy, numba and torch
alike; the JSON records whether that worked (``"malloc_keeps_freed_memory"``).

A second case times a convolution forward pass (the digits test batch, 360×1×8×8,
16 filters of 3×3, float64): the slide-7 loops, :class:`course_lib.layers.Conv2D`
(im2col) and ``torch.nn.functional.conv2d`` with the same weights.

Timings depend on the machine and on what else runs on it: compare the ratios, not the
absolute numbers, and never assert a timing in a unit test. Two effects to expect: below
about a million elements the arrays sit in the CPU caches and the fixed cost of a call
(thread wake-up, argument checks) weighs more; from about ten million elements every new
result array is fresh memory from the operating system, whose first touch (page faults)
can cost more than the arithmetic, so ``f(x)`` is then much slower than ``f(x, out=out)``
(numpy and torch pay the same price for their results and temporaries).

Used by notebook 13 (hardware-optimised activations) and by the layers' speed check
(notebook 07).
"""

from __future__ import annotations

import argparse
import ctypes
import inspect
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = [
    "Timing",
    "NUMPY_EXPRESSIONS",
    "time_call",
    "run_activations",
    "run_conv2d",
    "run",
    "run_isolated",
    "format_table",
    "main",
]

#: The numpy expression timed for each activation: the formula a learner writes, in its
#: fastest natural form, keeping float32 float32. Two spellings are avoided because they
#: would make numpy slower for reasons that have nothing to do with the activation:
#: ``np.sqrt(2)`` is a float64 scalar that silently turns float32 input into float64 (use
#: ``math.sqrt``), and ``x**3`` costs about 60 ns per element because numpy's ``power`` has
#: fast paths only for the exponents -1, 0, 0.5, 1 and 2 (``x * x * x`` is 30 times faster).
#: (The library's own :mod:`course_lib.activations` is slower still: it validates its
#: input, computes in float64 and handles infinities and NaN.)
NUMPY_EXPRESSIONS: dict[str, str] = {
    "relu": "np.maximum(x, 0)",
    "leaky_relu": "np.where(x > 0, x, 0.01 * x)",
    "elu": "np.where(x > 0, x, np.expm1(x))",
    "sigmoid": "1 / (1 + np.exp(-x))",
    "tanh": "np.tanh(x)",
    "softplus": "np.log1p(np.exp(x))",
    "swish": "x / (1 + np.exp(-x))",
    "mish": "x * np.tanh(np.log1p(np.exp(x)))",
    "gelu": "0.5 * x * (1 + erf(x / math.sqrt(2)))",
    "gelu_tanh": "0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)))",
}

_TORCH_CALLS: dict[str, str] = {
    "relu": "torch.relu(x)",
    "leaky_relu": "F.leaky_relu(x, 0.01)",
    "elu": "F.elu(x)",
    "sigmoid": "torch.sigmoid(x)",
    "tanh": "torch.tanh(x)",
    "softplus": "F.softplus(x)",
    "swish": "F.silu(x)",
    "mish": "F.mish(x)",
    "gelu": "F.gelu(x)",
    "gelu_tanh": "F.gelu(x, approximate='tanh')",
}

DEFAULT_SIZE = 4_000_000
DEFAULT_REPEATS = 15
DEFAULT_WARMUP = 2
# Each timed function gets at most this many seconds of repeats (after at least three),
# so that the slow numpy expressions and the convolution loops keep the run short.
_TIME_BUDGET = 1.5


@dataclass(frozen=True)
class Timing:
    """Summary of repeated wall-clock times of one call, in seconds."""

    median: float
    q1: float
    q3: float
    minimum: float
    maximum: float
    repeats: int

    @classmethod
    def from_samples(cls, samples: Sequence[float]) -> Timing:
        s = np.asarray(samples, dtype=np.float64)
        q1, median, q3 = np.percentile(s, [25, 50, 75])
        return cls(float(median), float(q1), float(q3), float(s.min()), float(s.max()), len(s))


def time_call(
    fn: Callable[[], Any],
    repeats: int = DEFAULT_REPEATS,
    warmup: int = DEFAULT_WARMUP,
    budget: float | None = _TIME_BUDGET,
) -> Timing:
    """Time ``fn()``: ``warmup`` untimed calls, then up to ``repeats`` timed ones.

    Parameters
    ----------
    fn : callable without arguments
    repeats : int
        Timed calls (at least 3). Fewer are made if ``budget`` seconds have passed,
        but never fewer than 3.
    warmup : int
        Untimed calls first (at least 1: the first call of a numba kernel compiles it).
    budget : float or None
        Time limit for the timed calls, in seconds; None for no limit.

    Returns
    -------
    Timing
        Median, quartiles and extremes of the per-call times, in seconds.

    Examples
    --------
    >>> t = time_call(lambda: sum(range(1000)), repeats=5)
    >>> t.repeats, t.minimum <= t.median <= t.maximum
    (5, True)
    """
    repeats = _count(repeats, "repeats", 3)
    warmup = _count(warmup, "warmup", 1)
    for _ in range(warmup):
        fn()
    samples: list[float] = []
    start = time.perf_counter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
        if budget is not None and len(samples) >= 3 and time.perf_counter() - start > budget:
            break
    return Timing.from_samples(samples)


def _count(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value}")
    return int(value)


def _numpy_function(name: str) -> Callable[[np.ndarray], np.ndarray]:
    from scipy.special import erf

    source = NUMPY_EXPRESSIONS[name]
    return eval(f"lambda x: {source}", {"np": np, "erf": erf, "math": math})  # noqa: S307


def _torch_function(name: str) -> Callable[[Any], Any]:
    import torch
    import torch.nn.functional as F

    return eval(f"lambda x: {_TORCH_CALLS[name]}", {"torch": torch, "F": F})  # noqa: S307


class _Threads:
    """Set numba's and torch's thread counts for a block of code, then restore them."""

    def __init__(self, threads: int) -> None:
        self.threads = threads

    def __enter__(self) -> _Threads:
        import numba
        import torch

        self._numba, self._torch = numba.get_num_threads(), torch.get_num_threads()
        numba.set_num_threads(self.threads)
        torch.set_num_threads(self.threads)
        return self

    def __exit__(self, *exc: object) -> None:
        import numba
        import torch

        numba.set_num_threads(self._numba)
        torch.set_num_threads(self._torch)


def _available_threads() -> int:
    """How many threads numba may use on this machine (its ``NUMBA_NUM_THREADS``)."""
    import numba

    return int(numba.config.NUMBA_NUM_THREADS)


def _check_threads(threads: int | None) -> int:
    available = _available_threads()
    if threads is None:
        return min(2, available)
    threads = _count(threads, "threads", 1)
    if threads > available:
        raise ValueError(f"threads must be at most {available} on this machine; got {threads}")
    return threads


def run_activations(
    size: int = DEFAULT_SIZE,
    repeats: int = DEFAULT_REPEATS,
    threads: int | None = None,
    activations: Sequence[str] | None = None,
    dtypes: Sequence[str] = ("float32", "float64"),
    warmup: int = DEFAULT_WARMUP,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Time every activation and dtype with numpy, the numba kernel, torch and a copy.

    Each function is timed in its own block of calls (see "How the times are taken" in the
    module docstring).

    Parameters
    ----------
    size : int
        Elements of the input array (default 4,000,000: larger than the caches, so
        memory bandwidth matters as it does in a real network).
    repeats : int
        Timed calls per function (fewer for slow ones, see :func:`time_call`).
    threads : int, optional
        Threads for numba and torch (default 2, or 1 on a one-core machine).
    activations : list of str, optional
        Subset of :data:`course_lib.kernels.KERNELS` (default all).
    dtypes : list of str
        ``"float32"`` and/or ``"float64"``.
    warmup : int
        Untimed calls before timing (at least 1).
    seed : int
        Seed of the standard-normal input.

    Returns
    -------
    list of dict
        One per (activation, dtype), with ``"times"`` (:class:`Timing` as dicts, seconds)
        for ``numpy``, ``numba``, ``numba_out``, ``torch`` and ``copy``, and ``"ratios"``:
        ``numpy_over_numba``, ``torch_over_numba``, ``numba_out_over_copy``.
    """
    import torch

    from course_lib import kernels

    size = _count(size, "size", 1)
    names = list(kernels.KERNELS) if activations is None else list(activations)
    for name in names:
        if name not in kernels.KERNELS:
            raise ValueError(f"unknown activation {name!r}; known: {', '.join(kernels.KERNELS)}")
    for dtype in dtypes:
        if dtype not in ("float32", "float64"):
            raise ValueError(f"dtypes must be 'float32' or 'float64'; got {dtype!r}")
    rows = []
    with _Threads(_check_threads(threads)):
        for dtype in dtypes:
            x = np.random.default_rng(seed).standard_normal(size).astype(dtype)
            out = np.empty_like(x)
            x_torch = torch.from_numpy(x)
            copy = time_call(lambda: np.copyto(out, x), repeats, warmup)
            for name in names:
                forward = kernels.KERNELS[name][0]
                numpy_fn, torch_fn = _numpy_function(name), _torch_function(name)
                times = {
                    "numpy": time_call(lambda: numpy_fn(x), repeats, warmup),
                    "numba": time_call(lambda: forward(x), repeats, warmup),
                    "numba_out": time_call(lambda: forward(x, out=out), repeats, warmup),
                    "torch": time_call(lambda: torch_fn(x_torch), repeats, warmup),
                    "copy": copy,
                }
                numba_median = times["numba"].median
                rows.append({
                    "activation": name,
                    "dtype": dtype,
                    "numpy_expression": NUMPY_EXPRESSIONS[name],
                    "torch_call": _TORCH_CALLS[name],
                    "times": {key: asdict(value) for key, value in times.items()},
                    "ratios": {
                        "numpy_over_numba": times["numpy"].median / numba_median,
                        "torch_over_numba": times["torch"].median / numba_median,
                        "numba_out_over_copy": times["numba_out"].median / copy.median,
                    },
                })
    return rows


def _conv2d_loops(x: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Slide 7's ``ConvLayer.forward`` (valid, stride 1), loops and all, without its activation.

    Kept only as a timing baseline: one ``np.sum`` per output pixel, filter and channel.
    """
    batch = x.shape[0]
    filters, channels, k, _ = weights.shape
    out_h, out_w = x.shape[2] - k + 1, x.shape[3] - k + 1
    output = np.zeros((batch, filters, out_h, out_w))
    for i in range(batch):
        for f in range(filters):
            for c in range(channels):
                image, kernel = x[i, c], weights[f, c]
                plane = np.zeros((out_h, out_w))
                for r in range(out_h):
                    for s in range(out_w):
                        plane[r, s] = np.sum(image[r:r + k, s:s + k] * kernel)
                output[i, f] += plane
            output[i, f] += bias[f]
    return output


def run_conv2d(repeats: int = DEFAULT_REPEATS, threads: int | None = None,
               warmup: int = 1) -> dict[str, Any]:
    """Time a Conv2D forward pass three ways on the digits test batch (360×1×8×8, float64).

    ``Conv2D(1, 16, 3, rng=np.random.default_rng(0))`` from :mod:`course_lib.layers`
    against the slide-7 loops and ``torch.nn.functional.conv2d`` with the same weights.
    Returns ``"times"`` (``loops``, ``course_lib``, ``torch``), ``"ratios"``
    (``loops_over_course_lib``, ``course_lib_over_torch``) and ``"agree"``: whether the
    three outputs match to a relative 1e-10.
    """
    import torch
    import torch.nn.functional as F

    from course_lib.data import load_digits_split
    from course_lib.layers import Conv2D

    x = load_digits_split(images=True).X_test
    layer = Conv2D(1, 16, 3, rng=np.random.default_rng(0))
    weights, bias = layer.params["W"], layer.params["b"]
    x_t, w_t, b_t = (torch.from_numpy(a) for a in (x, weights, bias))
    with _Threads(_check_threads(threads)):
        times = {
            "loops": time_call(lambda: _conv2d_loops(x, weights, bias), repeats, warmup),
            "course_lib": time_call(lambda: layer.forward(x), repeats, warmup),
            "torch": time_call(lambda: F.conv2d(x_t, w_t, b_t), repeats, warmup),
        }
        outputs = [
            _conv2d_loops(x, weights, bias), layer.forward(x), F.conv2d(x_t, w_t, b_t).numpy()
        ]
    agree = all(np.allclose(o, outputs[2], rtol=1e-10, atol=1e-12) for o in outputs[:2])
    return {
        "input_shape": list(x.shape),
        "filters": 16,
        "kernel_size": 3,
        "dtype": "float64",
        "times": {key: asdict(value) for key, value in times.items()},
        "ratios": {
            "loops_over_course_lib": times["loops"].median / times["course_lib"].median,
            "course_lib_over_torch": times["course_lib"].median / times["torch"].median,
        },
        "agree": bool(agree),
    }


def _options(function: str, **options: Any) -> dict[str, Any]:
    """``options`` as keyword arguments of :func:`run_activations`, defaults filled in."""
    try:
        bound = inspect.signature(run_activations).bind(**options)
    except TypeError as exc:
        raise TypeError(f"{function}(): {exc}; the options are those of run_activations()") from None
    bound.apply_defaults()
    return bound.arguments


def run(conv2d: bool = True, **options: Any) -> dict[str, Any]:
    """Run the whole benchmark and return its figures as a JSON-ready dict.

    Parameters
    ----------
    conv2d : bool
        Also time the convolution case.
    **options
        Keyword arguments of :func:`run_activations` (``size``, ``repeats``, ``threads``,
        ``activations``, ``dtypes``, ``warmup``, ``seed``), with its defaults.

    Returns
    -------
    dict
        ``"config"`` (size, repeats, warmup, threads of numba, torch and numpy, seed, the
        load average when the run started), ``"versions"``, ``"rows"`` (see
        :func:`run_activations`) and, if asked, ``"conv2d"`` (see :func:`run_conv2d`).
        Times are in seconds.
    """
    import numba
    import torch

    options = _options("run", **options)
    threads = _check_threads(options["threads"])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    rows = run_activations(**options)
    result: dict[str, Any] = {
        "config": {
            "size": int(options["size"]),
            "repeats": int(options["repeats"]),
            "warmup": int(options["warmup"]),
            "seed": int(options["seed"]),
            "input": "standard normal",
            "unit": "seconds",
            "threads": {"numba": threads, "torch": threads, "numpy": 1},
            "numba_threading_layer": _threading_layer(),
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "unset"),
            "malloc_keeps_freed_memory": _MEMORY["kept"],
            "load_average_at_start": load,
            "cores": os.cpu_count(),
        },
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "numba": numba.__version__,
            "torch": torch.__version__,
            "machine": platform.machine(),
        },
        "rows": rows,
    }
    if conv2d:
        result["conv2d"] = run_conv2d(min(options["repeats"], 5), threads)
    return result


def run_isolated(conv2d: bool = True, timeout: float = 600.0, **options: Any) -> dict[str, Any]:
    """:func:`run` in a fresh Python process, with ``OMP_WAIT_POLICY=PASSIVE``; same result.

    Use this from a notebook or any process that has already imported torch or used a
    numba parallel kernel: their OpenMP thread pools then spin-wait by default, and two
    spinning pools on a machine with few cores distort every time (see "Threads" in the
    module docstring). The child process also compiles (or loads from numba's cache) the
    kernels, so the caller's state does not matter. ``conv2d`` and ``options`` are those
    of :func:`run`; ``timeout`` is in seconds.
    """
    args = [] if conv2d else ["--no-conv2d"]
    for name, value in _options("run_isolated", **options).items():
        if value is not None:
            text = ",".join(value) if isinstance(value, (list, tuple)) else str(value)
            args += [f"--{name}", text]
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "bench.json")
        done = subprocess.run(
            [sys.executable, "-m", "course_lib.bench", *args, "--json", path],
            env=env, capture_output=True, text=True, timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"the benchmark process failed:\n{done.stderr.strip()}")
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)


def _threading_layer() -> str:
    import numba

    try:
        return str(numba.threading_layer())
    except ValueError:  # no parallel function has run yet
        return "not initialised"


def _load(cfg: dict[str, Any]) -> str:
    load = cfg.get("load_average_at_start")
    if load is None:
        return "load average unknown"
    return f"load average {load:.2f} on {cfg.get('cores')} cores at the start"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:9.3f}"


def format_table(result: dict[str, Any]) -> str:
    """The benchmark's figures as one plain-text table (times in milliseconds, medians)."""
    cfg = result["config"]
    th = cfg["threads"]
    lines = [
        f"Activation benchmark: {cfg['size']:,} elements (standard normal), median of up to "
        f"{cfg['repeats']} timed calls after {cfg['warmup']} warm-up calls, times in ms.",
        f"Threads: numba {th['numba']} ({cfg['numba_threading_layer']}), torch {th['torch']}, "
        f"numpy {th['numpy']} (element-wise numpy is single-threaded); "
        f"OMP_WAIT_POLICY={cfg['omp_wait_policy']}; freed memory "
        f"{'kept in the process' if cfg.get('malloc_keeps_freed_memory') else 'returned'}; "
        f"{_load(cfg)}.",
        "numpy = textbook expression; numba = course_lib.kernels f(x), out= with a preallocated "
        "array; torch = torch.nn.functional; copy = np.copyto (memory floor).",
        "",
        f"{'activation':<11}{'dtype':<9}{'numpy':>9}{'numba':>9}{'out=':>9}{'torch':>9}"
        f"{'copy':>9}   {'numpy/numba':>11}{'torch/numba':>12}{'out=/copy':>10}",
    ]
    for row in result["rows"]:
        t, r = row["times"], row["ratios"]
        lines.append(
            f"{row['activation']:<11}{row['dtype']:<9}"
            + "".join(_ms(t[k]["median"]) for k in ("numpy", "numba", "numba_out", "torch", "copy"))
            + f"   {r['numpy_over_numba']:11.1f}{r['torch_over_numba']:12.2f}"
            + f"{r['numba_out_over_copy']:10.2f}"
        )
    lines.append("")
    shown = dict.fromkeys(row["activation"] for row in result["rows"])
    lines.append(
        "numpy expressions: " + "; ".join(f"{name}: {NUMPY_EXPRESSIONS[name]}" for name in shown)
    )
    if "conv2d" in result:
        c = result["conv2d"]
        t, r = c["times"], c["ratios"]
        shape = "x".join(str(n) for n in c["input_shape"])
        lines += [
            "",
            f"Conv2D forward, {shape} float64, {c['filters']} filters {c['kernel_size']}x"
            f"{c['kernel_size']} (outputs agree: {'yes' if c['agree'] else 'NO'}):",
            f"  slide-7 loops {_ms(t['loops']['median'])} ms   course_lib.layers.Conv2D "
            f"{_ms(t['course_lib']['median'])} ms   torch conv2d {_ms(t['torch']['median'])} ms",
            f"  loops / Conv2D = {r['loops_over_course_lib']:.0f}x    "
            f"Conv2D / torch = {r['course_lib_over_torch']:.2f}",
        ]
    return "\n".join(lines)


_MEMORY = {"kept": False}  # set by main(): see "Memory" in the module docstring


def _keep_freed_memory() -> bool:
    """Ask glibc's malloc to serve large blocks from, and keep freed memory in, the process.

    Returns whether it worked (False where the C library is not glibc). See "Memory" in the
    module docstring.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    return bool(mallopt(m_mmap_threshold, 1 << 30)) and bool(mallopt(m_trim_threshold, 1 << 30))


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point of ``python -m course_lib.bench``."""
    parser = argparse.ArgumentParser(
        prog="python -m course_lib.bench",
        description="Time numpy, numba (course_lib.kernels) and torch activations.",
    )
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="elements per array")
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS, help="timed calls per case")
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP, help="untimed calls first")
    parser.add_argument(
        "--threads", type=int, default=None, help="numba and torch threads (default 2)"
    )
    parser.add_argument("--activations", default=None,
                        help="comma-separated subset, e.g. gelu,swish (default all)")
    parser.add_argument("--dtypes", default="float32,float64", help="float32, float64 or both")
    parser.add_argument("--seed", type=int, default=0, help="seed of the standard-normal input")
    parser.add_argument("--no-conv2d", action="store_true", help="skip the Conv2D case")
    parser.add_argument("--json", metavar="PATH", default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    # Before numba or torch is imported: see "Threads" in the module docstring.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    _MEMORY["kept"] = _keep_freed_memory()
    try:
        result = run(
            conv2d=not args.no_conv2d,
            size=args.size,
            repeats=args.repeats,
            threads=args.threads,
            activations=None if args.activations is None else _names(args.activations),
            dtypes=_names(args.dtypes),
            warmup=args.warmup,
            seed=args.seed,
        )
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))
    print(format_table(result))
    if args.json is not None:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
