"""The benchmark's measurements: :func:`time_call`, :func:`run_activations`,
:func:`run_conv2d`, :func:`run` and :func:`run_isolated` (see :mod:`course_lib.bench`)."""

from __future__ import annotations

import inspect
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import numpy as np

from course_lib.validation import choice, integer

__all__ = [
    "DEFAULT_REPEATS",
    "DEFAULT_SIZE",
    "DEFAULT_WARMUP",
    "NUMPY_EXPRESSIONS",
    "Timing",
    "run",
    "run_activations",
    "run_conv2d",
    "run_isolated",
    "time_call",
]

#: The numpy expression timed for each activation: the formula a learner writes, in its
#: fastest natural form, keeping float32 float32 (``math.sqrt(2)``, not the float64 scalar
#: ``np.sqrt(2)``; ``x * x * x``, not ``x**3``, for which numpy's ``power`` has no fast path).
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

    ``repeats`` is at least 3; fewer calls are made once ``budget`` seconds (None: no limit)
    have passed, but never fewer than 3. ``warmup`` is at least 1: the first call of a
    numba kernel compiles it. Returns the median, quartiles and extremes of the per-call
    times, in seconds.

    Examples
    --------
    >>> t = time_call(lambda: sum(range(1000)), repeats=5, budget=None)
    >>> t.repeats, t.minimum <= t.median <= t.maximum
    (5, True)
    """
    repeats = integer(repeats, "repeats", where="time_call()", minimum=3)
    warmup = integer(warmup, "warmup", where="time_call()", minimum=1)
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


def _numpy_function(name: str) -> Callable[[np.ndarray], np.ndarray]:
    from scipy.special import erf

    source = NUMPY_EXPRESSIONS[name]
    return eval(f"lambda x: {source}", {"np": np, "erf": erf, "math": math})


def _torch_function(name: str) -> Callable[[Any], Any]:
    """PyTorch's version of the activation, from its registry entry, at the defaults."""
    from course_lib.torch_ref import functional

    return functional(name)


def _torch_call(name: str) -> str:
    """The torch expression timed, with the default parameters, e.g. ``F.elu(x, alpha)``
    with ``alpha=1``."""
    from course_lib import activations

    spec = activations.get(name)
    values = ", ".join(f"{key}={value:g}" for key, value in spec.defaults.items())
    return spec.torch + (f" with {values}" if values else "")


@contextmanager
def _threads(threads: int) -> Iterator[None]:
    """Set numba's and torch's thread counts for a block of code, then restore them."""
    import numba
    import torch

    before = numba.get_num_threads(), torch.get_num_threads()
    numba.set_num_threads(threads)
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        numba.set_num_threads(before[0])
        torch.set_num_threads(before[1])


def _check_threads(threads: int | None, where: str) -> int:
    import numba

    available = int(numba.config.NUMBA_NUM_THREADS)  # how many threads numba may use
    if threads is None:
        return min(2, available)
    return integer(threads, "threads", where=where, minimum=1, maximum=available)


def _check_options(where: str, options: dict[str, Any]) -> dict[str, Any]:
    """The options of :func:`run_activations`, checked; activation aliases become names."""
    from course_lib import kernels

    checked = dict(options)
    checked["size"] = integer(options["size"], "size", where=where, minimum=1)
    checked["repeats"] = integer(options["repeats"], "repeats", where=where, minimum=3)
    checked["warmup"] = integer(options["warmup"], "warmup", where=where, minimum=1)
    checked["seed"] = integer(options["seed"], "seed", where=where, minimum=0)
    checked["threads"] = _check_threads(options["threads"], where)
    names = kernels.names() if options["activations"] is None else options["activations"]
    checked["activations"] = [kernels.get(name).name for name in names]
    checked["dtypes"] = [choice(d, "dtype", ["float32", "float64"], where=where)
                         for d in options["dtypes"]]
    return checked


def run_activations(
    size: int = DEFAULT_SIZE,
    repeats: int = DEFAULT_REPEATS,
    threads: int | None = None,
    activations: Sequence[str] | None = None,
    dtypes: Sequence[str] = ("float32", "float64"),
    warmup: int = DEFAULT_WARMUP,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Time every activation and dtype: numpy, the plain and fast kernels, torch, a copy.

    Parameters
    ----------
    size : int
        Elements of the input array (default 4,000,000: 16 MB in float32, 32 MB in
        float64). Whether x and out fit in the last-level cache together is recorded
        (``copy_in_cache``): where they do, every kernel, the copy included, runs at cache
        bandwidth; ``copy_memory`` is the floor in memory.
    repeats : int
        Timed calls per function (fewer for slow ones, see :func:`time_call`).
    threads : int, optional
        Threads for numba and torch (default 2, or 1 on a one-core machine).
    activations : list of str, optional
        Names of :func:`course_lib.kernels.names` or their aliases (default all).
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
        for ``numpy``, ``plain``, ``fast``, ``fast_out``, ``torch`` and the floors ``copy``
        (the kernels' parallel loop copying x, same threads), ``numpy_copy`` (``np.copyto``,
        one thread) and ``copy_memory`` (the parallel copy of arrays beyond the last-level
        cache, scaled to ``size`` elements); ``"ratios"`` of medians: ``numpy_over_fast``,
        ``plain_over_fast``, ``torch_over_fast``, ``fast_out_over_copy``,
        ``fast_out_over_copy_memory``; and ``copy_bytes`` (x and out), ``copy_in_cache``
        (whether they fit in the last-level cache together: then ``copy`` is cache
        bandwidth; None if the cache size is unknown), ``copy_memory_elements`` and
        ``copy_memory_bytes_over_cache``.
    """
    import torch

    from course_lib import kernels
    from course_lib.bench.memory import last_level_cache_bytes, parallel_copy

    options = _check_options("run_activations()", {
        "size": size, "repeats": repeats, "threads": threads, "activations": activations,
        "dtypes": dtypes, "warmup": warmup, "seed": seed,
    })
    repeats, warmup = options["repeats"], options["warmup"]
    rows = []
    with _threads(options["threads"]):
        for dtype in options["dtypes"]:
            x = np.random.default_rng(seed).standard_normal(options["size"]).astype(dtype)
            out = np.empty_like(x)
            x_torch = torch.from_numpy(x)
            floors = _copy_floors(x, out, repeats, warmup, last_level_cache_bytes()[0],
                                  parallel_copy)
            copy = floors["times"]["copy"]
            for name in options["activations"]:
                spec = kernels.get(name)
                times = {
                    "numpy": time_call(partial(_numpy_function(name), x), repeats, warmup),
                    "plain": time_call(partial(spec.plain, x), repeats, warmup),
                    "fast": time_call(partial(spec, x), repeats, warmup),
                    "fast_out": time_call(partial(spec, x, out=out), repeats, warmup),
                    "torch": time_call(partial(_torch_function(name), x_torch), repeats, warmup),
                    **floors["times"],
                }
                fast = times["fast"].median
                rows.append({
                    "activation": name,
                    "dtype": dtype,
                    "numpy_expression": NUMPY_EXPRESSIONS[name],
                    "torch_call": _torch_call(name),
                    "times": {key: asdict(value) for key, value in times.items()},
                    "ratios": {
                        "numpy_over_fast": times["numpy"].median / fast,
                        "plain_over_fast": times["plain"].median / fast,
                        "torch_over_fast": times["torch"].median / fast,
                        "fast_out_over_copy": times["fast_out"].median / copy.median,
                        "fast_out_over_copy_memory": (times["fast_out"].median
                                                      / times["copy_memory"].median),
                    },
                    **floors["facts"],
                })
    return rows


# Arrays of the memory-bandwidth copy: twice the last-level cache each (in and out together
# four times the cache), at most this many bytes each, and never smaller than the benchmark's.
_MEMORY_COPY_MAX_BYTES = 128 * 2**20


def _copy_floors(x: np.ndarray, out: np.ndarray, repeats: int, warmup: int,
                 cache: int | None, parallel_copy: Callable[..., Any]) -> dict[str, Any]:
    """The copies an element-wise kernel is compared with (see :mod:`course_lib.bench.memory`).

    ``copy``: the kernels' parallel loop copying ``x`` (same threads, same size);
    ``numpy_copy``: ``np.copyto`` (one thread); ``copy_memory``: the parallel copy of
    arrays larger than the last-level cache, its time scaled to ``x.size`` elements.
    """
    itemsize = x.dtype.itemsize
    wanted = 2 * cache if cache else _MEMORY_COPY_MAX_BYTES
    n = max(x.size, min(wanted, _MEMORY_COPY_MAX_BYTES) // itemsize)
    big, big_out = np.ones(n, dtype=x.dtype), np.empty(n, dtype=x.dtype)  # pages touched
    memory = time_call(partial(parallel_copy, big, big_out), repeats, warmup)
    del big, big_out
    scale = x.size / n
    return {
        "times": {
            "copy": time_call(partial(parallel_copy, x, out), repeats, warmup),
            "numpy_copy": time_call(partial(np.copyto, out, x), repeats, warmup),
            "copy_memory": Timing(*(v * scale for v in asdict(memory).values()
                                    if isinstance(v, float)), repeats=memory.repeats),
        },
        "facts": {
            "copy_bytes": 2 * x.nbytes,
            "copy_in_cache": None if cache is None else 2 * x.nbytes <= cache,
            "copy_memory_elements": int(n),
            "copy_memory_bytes_over_cache": None if cache is None else 2 * n * itemsize / cache,
        },
    }


def _conv2d_loops(x: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """A convolution (valid, stride 1) written as naive loops: one ``np.sum`` per output
    pixel, filter and channel. Kept only as a timing baseline."""
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


def run_conv2d(repeats: int = DEFAULT_REPEATS, threads: int | None = None, warmup: int = 1,
               batch: int | None = None) -> dict[str, Any]:
    """Time a Conv2d forward pass three ways on the digits test batch (360×1×8×8, float64).

    ``Conv2d(1, 16, 3, rng=0)`` from :mod:`course_lib.layers` against naive loops and
    ``torch.nn.functional.conv2d`` with the same weights, on the first ``batch`` test
    images (default all 360). Returns ``"times"`` (``loops``, ``course_lib``, ``torch``),
    ``"ratios"``
    (``loops_over_course_lib``, ``course_lib_over_torch``) and ``"agree"``: whether the
    three outputs match to a relative 1e-10.
    """
    import torch
    import torch.nn.functional as F

    from course_lib.data import load_digits_split
    from course_lib.layers import Conv2d

    repeats = integer(repeats, "repeats", where="run_conv2d()", minimum=3)
    warmup = integer(warmup, "warmup", where="run_conv2d()", minimum=1)
    threads = _check_threads(threads, "run_conv2d()")
    x = load_digits_split(images=True).X_test
    if batch is not None:
        x = x[: integer(batch, "batch", where="run_conv2d()", minimum=1, maximum=len(x))]
    layer = Conv2d(1, 16, 3, rng=0)
    weights, bias = layer.params["W"], layer.params["b"]
    x_t, w_t, b_t = (torch.from_numpy(a) for a in (x, weights, bias))
    with _threads(threads):
        times = {
            "loops": time_call(partial(_conv2d_loops, x, weights, bias), repeats, warmup),
            "course_lib": time_call(partial(layer.forward, x), repeats, warmup),
            "torch": time_call(partial(F.conv2d, x_t, w_t, b_t), repeats, warmup),
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


def _options(where: str, **options: Any) -> dict[str, Any]:
    """``options`` as keyword arguments of :func:`run_activations`, defaults filled in,
    checked."""
    try:
        bound = inspect.signature(run_activations).bind(**options)
    except TypeError as exc:
        raise TypeError(f"{where}: {exc}; the options are those of run_activations()") from None
    bound.apply_defaults()
    return _check_options(where, bound.arguments)


def run(conv2d: bool = True, conv2d_batch: int | None = None, **options: Any) -> dict[str, Any]:
    """Run the whole benchmark and return its figures as a JSON-ready dict.

    Parameters
    ----------
    conv2d : bool
        Also time the convolution case.
    conv2d_batch : int, optional
        Images of its batch (default all 360), see :func:`run_conv2d`.
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

    options = _options("run()", **options)
    threads = options["threads"]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    rows = run_activations(**options)
    from course_lib.bench.memory import last_level_cache_bytes

    cache = last_level_cache_bytes()
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
            "malloc_keeps_freed_memory": False,  # main() records its mallopt here
            "load_average_at_start": load,
            "last_level_cache_bytes": cache[0],
            "last_level_cache_source": cache[1],
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
        result["conv2d"] = run_conv2d(min(options["repeats"], 5), threads, batch=conv2d_batch)
    return result


def run_isolated(conv2d: bool = True, conv2d_batch: int | None = None, timeout: float = 600.0,
                 **options: Any) -> dict[str, Any]:
    """:func:`run` in a fresh Python process, with ``OMP_WAIT_POLICY=PASSIVE``; same result.

    Use this from a notebook or any process that has already imported torch or used a
    numba parallel kernel: their OpenMP thread pools then spin-wait by default, and two
    spinning pools on a machine with few cores distort every time. The child process
    compiles (or loads from numba's cache) the kernels and sets glibc's malloc options as
    ``python -m course_lib.bench`` does, so the caller's state does not matter and the
    caller's process is not changed. ``conv2d``, ``conv2d_batch`` and ``options`` are those
    of :func:`run`; ``timeout`` is in seconds.
    """
    args = [] if conv2d else ["--no-conv2d"]
    if conv2d_batch is not None:
        args += ["--conv2d-batch", str(conv2d_batch)]
    for name, value in _options("run_isolated()", **options).items():
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
