"""The benchmark's report: :func:`format_table` and the command line, :func:`main`."""

from __future__ import annotations

import argparse
import ctypes
import json
import math
import os
from collections.abc import Sequence
from typing import Any

from course_lib.bench.harness import (
    DEFAULT_REPEATS,
    DEFAULT_SIZE,
    DEFAULT_WARMUP,
    NUMPY_EXPRESSIONS,
    _options,
    run,
)

__all__ = ["format_table", "main"]


def _load(cfg: dict[str, Any]) -> str:
    load = cfg.get("load_average_at_start")
    if load is None:
        return "load average unknown"
    return f"load average {load:.2f} on {cfg.get('cores')} cores at the start"


def _significant(value: float) -> str:
    """``value`` with three significant digits and no exponent: 0.000384, 5.10, 12.3, 4567."""
    if not math.isfinite(value) or value <= 0 or value >= 100:
        return f"{value:.0f}"
    return f"{value:.{2 - math.floor(math.log10(value))}f}"


def _us(seconds: float) -> str:
    return _significant(seconds * 1e6)


def format_table(result: dict[str, Any]) -> str:
    """The benchmark's figures as one plain-text table: medians in µs, ratios of medians.

    Every number is printed with three significant digits (no time or ratio is shown as 0).
    """
    cfg = result["config"]
    th = cfg["threads"]
    lines = [
        f"Activation benchmark: {cfg['size']:,} elements (standard normal), median of up to "
        f"{cfg['repeats']} timed calls after {cfg['warmup']} warm-up calls, times in µs.",
        f"Threads: numba {th['numba']} ({cfg['numba_threading_layer']}), torch {th['torch']}, "
        f"numpy {th['numpy']} (element-wise numpy is single-threaded); "
        f"OMP_WAIT_POLICY={cfg['omp_wait_policy']}; freed memory "
        f"{'kept in the process' if cfg.get('malloc_keeps_freed_memory') else 'returned'}; "
        f"{_load(cfg)}.",
        "numpy = textbook expression; plain, fast = kernels.get(name).plain(x), "
        "kernels.get(name)(x); out= = fast with a preallocated out; torch = torch.nn.functional; "
        "copy = the kernels' parallel loop copying x (numba threads); np.copy = np.copyto "
        "(1 thread); mem copy = copy of arrays beyond the last-level cache, per "
        f"{cfg['size']:,} elements.",
        _cache_line(result),
        "",
        f"{'activation':<11}{'dtype':<9}"
        + "".join(f"{h:>10}" for h in ("numpy", "plain", "fast", "out=", "torch", "copy",
                                       "np.copy", "mem copy"))
        + "  " + "".join(f"{h:>11}" for h in ("numpy/fast", "plain/fast", "torch/fast",
                                              "out=/copy", "out=/mem")),
    ]
    for row in result["rows"]:
        t, r = row["times"], row["ratios"]
        lines.append(
            f"{row['activation']:<11}{row['dtype']:<9}"
            + "".join(f" {_us(t[k]['median']):>9}" for k in _TIME_COLUMNS)
            + "  " + "".join(f" {_significant(r[k]):>10}" for k in _RATIO_COLUMNS)
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
            f"Conv2d forward, {shape} float64, {c['filters']} filters {c['kernel_size']}x"
            f"{c['kernel_size']} (outputs agree: {'yes' if c['agree'] else 'NO'}):",
            f"  naive loops {_us(t['loops']['median'])} µs   course_lib.layers.Conv2d "
            f"{_us(t['course_lib']['median'])} µs   torch conv2d {_us(t['torch']['median'])} µs",
            f"  loops / Conv2d = {_significant(r['loops_over_course_lib'])}    "
            f"Conv2d / torch = {_significant(r['course_lib_over_torch'])}",
        ]
    return "\n".join(lines)


_TIME_COLUMNS = ("numpy", "plain", "fast", "fast_out", "torch", "copy", "numpy_copy",
                 "copy_memory")
_RATIO_COLUMNS = ("numpy_over_fast", "plain_over_fast", "torch_over_fast", "fast_out_over_copy",
                  "fast_out_over_copy_memory")


def _cache_line(result: dict[str, Any]) -> str:
    """Where the copy floor lives: in the last-level cache or in memory."""
    cfg = result["config"]
    cache = cfg.get("last_level_cache_bytes")
    if not cache:
        return "Last-level cache size unknown: whether copy is cache or memory bandwidth is too."
    parts = []
    for row in result["rows"]:
        if row["dtype"] not in [p[0] for p in parts]:
            where = "cache" if row["copy_in_cache"] else "memory"
            size = f"{row['copy_bytes'] / 2**20:.3g} MiB"
            parts.append((row["dtype"], f"{row['dtype']} x and out {size}: copy is {where} "
                          "bandwidth"))
    over = min(row["copy_memory_bytes_over_cache"] for row in result["rows"])
    memory = (f"mem copy in and out {over:.3g} times the cache"
              + ("" if over >= 2 else " (capped: not beyond the cache on this machine)"))
    return (f"Last-level cache {cache / 2**20:.0f} MiB ({cfg['last_level_cache_source']}); "
            + "; ".join(text for _, text in parts) + f"; {memory}.")


def _keep_freed_memory() -> bool:
    """Ask glibc's malloc to serve large blocks from, and keep freed memory in, the process.

    Returns whether it worked (False where the C library is not glibc). Without it, whether
    freed 32 MB arrays go back to the operating system depends on earlier allocations, and
    when they do, every new temporary page-faults (numpy's ``np.log1p(np.exp(x))`` was
    measured at 14.5 ms instead of 7.5 ms in some runs).
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
    """Command-line entry point of ``python -m course_lib.bench``.

    It changes the process it runs in (``OMP_WAIT_POLICY``, glibc's malloc options): call it
    only as a program; from other code use :func:`run_isolated`.
    """
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
    parser.add_argument("--no-conv2d", action="store_true", help="skip the Conv2d case")
    parser.add_argument("--conv2d-batch", type=int, default=None,
                        help="images in the Conv2d case (default all 360)")
    parser.add_argument("--json", metavar="PATH", default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    # Before numba's or torch's thread pool starts (see the module docstring).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        options = _options(
            parser.prog,
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
    kept = _keep_freed_memory()
    result = run(conv2d=not args.no_conv2d, conv2d_batch=args.conv2d_batch, **options)
    result["config"]["malloc_keeps_freed_memory"] = kept
    print(format_table(result))
    if args.json is not None:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2)
            handle.write("\n")
    return 0
