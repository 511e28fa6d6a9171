"""The benchmark's floor: a copy as parallel as the kernels, and the size of the last-level
cache, which decides whether that floor is cache or memory bandwidth.

An element-wise kernel reads ``x`` and writes ``out``: it cannot take less time than a copy
of ``x`` into ``out`` made the same way. :func:`parallel_copy` is that copy: the loop of the
fast kernels (:func:`course_lib.kernels._jit.elementwise_loop`, ``numba.prange`` over the
same threads) with an element function that returns its input. ``np.copyto`` runs on one
thread and so is no floor for kernels that use two.

Where ``x`` and ``out`` together fit in the last-level cache
(:func:`last_level_cache_bytes`), a repeated copy reads and writes the cache: the floor is
cache bandwidth. Only arrays several times larger than the cache measure memory bandwidth.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from course_lib.kernels._jit import elementwise_loop, scalar

__all__ = ["last_level_cache_bytes", "parallel_copy"]


@scalar
def _copy(x):
    return x


_copy_loop = elementwise_loop(_copy, __name__)


def parallel_copy(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Copy the C-contiguous array ``x`` into ``out`` (same shape and dtype) with the
    kernels' parallel loop, on numba's current number of threads; returns ``out``.

    >>> x = np.arange(5.0)
    >>> parallel_copy(x, np.empty_like(x))
    array([0., 1., 2., 3., 4.])
    """
    if x.shape != out.shape or x.dtype != out.dtype or not (
        x.flags.c_contiguous and out.flags.c_contiguous
    ):
        raise ValueError("parallel_copy(): x and out must be C-contiguous arrays of one shape "
                         f"and dtype; got {x.shape} {x.dtype} and {out.shape} {out.dtype}")
    _copy_loop(x.reshape(-1), out.reshape(-1), ())
    return out


def _from_sysfs(root: Path = Path("/sys/devices/system/cpu/cpu0/cache")) -> int | None:
    """Linux: the largest data or unified cache of CPU 0 (``index*/level``, ``size``)."""
    best: tuple[int, int] | None = None
    for index in sorted(root.glob("index*")):
        try:
            if (index / "type").read_text().strip() == "Instruction":
                continue
            level = int((index / "level").read_text())
            text = (index / "size").read_text().strip().upper()
        except (OSError, ValueError):
            continue
        scale = {"K": 1024, "M": 1024**2, "G": 1024**3}.get(text[-1:], 1)
        digits = text.rstrip("KMG")
        if digits.isdigit() and (best is None or level > best[0]):
            best = (level, int(digits) * scale)
    return best[1] if best else None


def _from_sysconf() -> int | None:
    """glibc: ``sysconf(_SC_LEVEL3_CACHE_SIZE)`` (then level 2), where Python exposes it."""
    for name in ("SC_LEVEL4_CACHE_SIZE", "SC_LEVEL3_CACHE_SIZE", "SC_LEVEL2_CACHE_SIZE"):
        if name in os.sysconf_names:
            value = os.sysconf(name)
            if value > 0:
                return value
    return None


def _from_sysctl() -> int | None:
    """macOS: ``sysctl hw.l3cachesize`` (then ``hw.l2cachesize``)."""
    if sys.platform != "darwin":
        return None
    for key in ("hw.l3cachesize", "hw.l2cachesize"):
        try:
            done = subprocess.run(["sysctl", "-n", key], capture_output=True, text=True,
                                  timeout=5)
            value = int(done.stdout.strip() or 0)
        except (OSError, ValueError, subprocess.SubprocessError):
            continue
        if value > 0:
            return value
    return None


def last_level_cache_bytes() -> tuple[int | None, str]:
    """The size of the last-level cache in bytes and where it was read, or ``(None,
    "unknown")`` where no source answers (the benchmark then says so instead of guessing).

    Sources, in order: Linux's ``/sys/devices/system/cpu/cpu0/cache``, ``os.sysconf``
    (glibc), ``sysctl`` (macOS). The cache may be shared by all cores.
    """
    for source, read in (("sysfs", _from_sysfs), ("sysconf", _from_sysconf),
                         ("sysctl", _from_sysctl)):
        value = read()
        if value:
            return int(value), source
    return None, "unknown"
