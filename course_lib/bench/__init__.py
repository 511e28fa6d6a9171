r"""A benchmark harness for the activation kernels: numpy vs numba (plain and fast) vs PyTorch.

Run it from a shell::

    python -m course_lib.bench                    # the table, about half a minute
    python -m course_lib.bench --json bench.json  # the same figures, machine-readable
    python -m course_lib.bench --size 4000000 --repeats 21 --threads 2

For every activation and dtype it times, on the same standard-normal input array: the
textbook numpy expression (:data:`NUMPY_EXPRESSIONS`); the readable numba kernel
(``kernels.get(name).plain``) and the fast one (``kernels.get(name)``), both allocating
their result like numpy and torch, and the fast one again with a preallocated ``out=``;
``torch.nn.functional`` on CPU with as many threads as numba; and ``np.copyto``, the
memory-bandwidth floor. A second case times a convolution forward pass (the digits test
batch, 360×1×8×8, 16 filters of 3×3, float64): naive loops,
:class:`course_lib.layers.Conv2d` and ``torch.nn.functional.conv2d``.

Method: each function gets ``warmup`` untimed calls (compilation, caches), then up to
``repeats`` timed calls with ``time.perf_counter``, one function after the other; the
table shows medians (in µs, three significant digits), the JSON also quartiles and extremes.
``python -m course_lib.bench`` sets ``OMP_WAIT_POLICY=PASSIVE`` before numba and torch are
imported (so that two OpenMP thread pools do not spin against each other on few cores) and
asks glibc (``mallopt``) to keep freed memory in the process (so that large temporaries do
not page-fault in some runs and not others); :func:`run_isolated` runs it in a fresh
process from a notebook. Importing this module changes no process state. Compare ratios,
not absolute times, and runs made at a low load (the header gives the load average).
"""

from __future__ import annotations

from course_lib.bench.harness import (
    NUMPY_EXPRESSIONS,
    Timing,
    run,
    run_activations,
    run_conv2d,
    run_isolated,
    time_call,
)
from course_lib.bench.report import format_table, main

__all__ = [
    "NUMPY_EXPRESSIONS",
    "Timing",
    "format_table",
    "main",
    "run",
    "run_activations",
    "run_conv2d",
    "run_isolated",
    "time_call",
]
