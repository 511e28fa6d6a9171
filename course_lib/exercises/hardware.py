r"""Exercises on hardware-friendly activations: a parallel kernel and 8-bit quantisation.

* :func:`check_leaky_relu_kernel` - ``leaky_relu_kernel(x, negative_slope=0.01, out=None)``,
  meant as a parallel numba loop (``@njit(parallel=True)`` with ``prange``) behind a small
  wrapper: values of :math:`\max(x, 0) + \text{negative\_slope}\cdot\min(x, 0)`, float32
  kept, integers promoted, any shape (including a transposed, non-contiguous input), and
  with ``out=`` given the results written into ``out`` and ``out`` itself returned.
* :func:`check_quantize_int8` - affine int8 quantisation
  :math:`q = \mathrm{clip}(\mathrm{round}(x / s) + z, -128, 127)`: rounding (not
  truncation; exact ties to even), saturation (not wrap-around), the zero point, int8 codes.
* :func:`check_numba_speedup_relu_gelu` - a predict-then-run question: why numba speeds up
  GELU far more than ReLU.

The reference solution of ``leaky_relu_kernel`` is a numba loop behind a wrapper (its docstring
shows the loop, so that ``solution("leaky_relu_kernel")`` prints both); the checker compares
with a numpy reference, so that checking compiles nothing. The tests
compare both with PyTorch, and :func:`quantize_int8_solution` with
``torch.fake_quantize_per_tensor_affine`` and :func:`course_lib.kernels.quantize`.

Used by: 13_hardware_optimized.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit, prange
from numpy.typing import ArrayLike

from course_lib.exercises.core import Case, check_function
from course_lib.exercises.help import question, register
from course_lib.validation import as_float_array

__all__ = [
    "leaky_relu_loop",
    "leaky_relu_kernel_solution",
    "check_leaky_relu_kernel",
    "quantize_int8_solution",
    "check_quantize_int8",
    "check_numba_speedup_relu_gelu",
]


# --- a parallel leaky-ReLU kernel with out= ------------------------------------------------


@njit(parallel=True)
def leaky_relu_loop(x, out, negative_slope):
    # x and out: 1-D arrays of the same length and dtype; prange splits i over the threads
    for i in prange(x.size):
        v = x[i]
        out[i] = v if v > 0 else negative_slope * v


def leaky_relu_kernel_solution(
    x: ArrayLike, negative_slope: float = 0.01, out: np.ndarray | None = None
) -> np.ndarray:
    """Leaky ReLU computed by a parallel numba loop, written into ``out`` if it is given.

    The loop, compiled by numba on its first call for each dtype::

        @njit(parallel=True)
        def leaky_relu_loop(x, out, negative_slope):
            # x and out: 1-D arrays of the same length and dtype; prange splits i over the threads
            for i in prange(x.size):
                v = x[i]
                out[i] = v if v > 0 else negative_slope * v

    The wrapper prepares what the loop needs: a float32 or float64 input in C order (so that
    ``reshape(-1)`` is a view, not a copy) and an output of the same shape and dtype.
    """
    x = np.asarray(x)
    if x.dtype != np.float32:
        x = x.astype(np.float64, copy=False)  # integers (and float16) become float64
    x = np.ascontiguousarray(x)  # C order: x.reshape(-1) is then a view
    if out is None:
        out = np.empty(x.shape, dtype=x.dtype)  # C order, whatever the order of the input
    elif not (
        isinstance(out, np.ndarray)
        and out.shape == x.shape
        and out.dtype == x.dtype
        and out.flags.c_contiguous
    ):
        raise ValueError("out must be a C-contiguous array with the shape and dtype of x")
    # A slope of the array's dtype keeps float32 arithmetic in float32.
    leaky_relu_loop(x.reshape(-1), out.reshape(-1), x.dtype.type(negative_slope))
    return out


def _leaky_relu_numpy(
    x: ArrayLike, negative_slope: float = 0.01, out: np.ndarray | None = None
) -> np.ndarray:
    """The same function in numpy (what the checker compares with: nothing to compile)."""
    x = as_float_array(x)
    if x.dtype != np.float32:
        x = x.astype(np.float64, copy=False)
    y = np.where(x > 0, x, x.dtype.type(negative_slope) * x)
    if out is None:
        return y
    out[...] = y
    return out


def _call_kernel(function: Callable[..., Any], x: Any, negative_slope: float,
                 out_given: bool) -> Any:
    """Call ``function`` as a kernel: without ``out``, or with a fresh C-contiguous ``out``.

    With ``out`` it returns ``(returned object is out, out)``: the values must be written
    into ``out`` and ``out`` itself returned.
    """
    if not out_given:
        return function(x, negative_slope)
    dtype = np.float32 if np.asarray(x).dtype == np.float32 else np.float64
    out = np.full(np.shape(x), np.nan, dtype=dtype)
    result = function(x, negative_slope, out=out)
    return result is out, out


def _leaky_relu_kernel_reference(
    x: ArrayLike, negative_slope: float = 0.01, out_given: bool = False
) -> Any:
    return _call_kernel(_leaky_relu_numpy, x, negative_slope, out_given)


_HINT_OUT = (
    "when out is given, write the results into out (your loop over out.reshape(-1)) and "
    "return out itself, not a new array: the caller keeps using the out it passed."
)

LEAKY_RELU_KERNEL_CASES = (
    Case((np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 2.0]),),
         hint="leaky_relu(x) = x where x > 0 and negative_slope * x elsewhere."),
    Case((np.array([-3.0, -1.0, 0.0, 1.5]), 0.2),
         hint="use the negative_slope argument, not a fixed 0.01."),
    Case((np.array([-2, -1, 0, 1, 2]), 0.5),
         hint="integer input is promoted to float64: an integer output array would "
              "truncate -0.5 to 0 (np.empty_like of an int array is an int array)."),
    Case((np.array([[-4.0, -1.0, 0.0], [0.25, 1.0, 8.0]], dtype=np.float32), 0.1),
         hint="float32 in, float32 out, any shape: loop over the 1-D view x.reshape(-1) and "
              "write into out.reshape(-1)."),
    Case((np.array([-np.inf, -1e300, np.nan, 1e300, np.inf]),),
         hint="NaN stays NaN and -inf gives -inf: negative_slope * x, no special cases."),
    Case((np.array([-3.0, -1.0, 0.0, 0.5, 2.0]), 0.01, True), hint=_HINT_OUT),
    Case((np.array([[-4.0, 0.0], [2.0, -8.0]], dtype=np.float32), 0.25, True),
         hint=_HINT_OUT + " Allocate nothing: the float32 out is the result."),
    Case((np.arange(-6.0, 6.0).reshape(3, 4).T, 0.1),
         hint="this x is a transposed (not C-contiguous) array: x.reshape(-1) and "
              "out.reshape(-1) then copy, and a loop that writes into a copy changes "
              "nothing. Start with x = np.ascontiguousarray(x) and allocate "
              "out = np.empty(x.shape, dtype=x.dtype)."),
)


def check_leaky_relu_kernel(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``leaky_relu_kernel(x, negative_slope=0.01, out=None)``; print one line.

    Cases with ``out_given=True`` pass a C-contiguous ``out`` filled with NaN and compare
    ``(returned is out, out)``.
    """
    if callable(candidate):
        def adapter(x: Any, negative_slope: float = 0.01, out_given: bool = False) -> Any:
            return _call_kernel(candidate, x, negative_slope, out_given)
    else:
        adapter = candidate  # check_function reports "expected a function"
    check_function(adapter, _leaky_relu_kernel_reference, LEAKY_RELU_KERNEL_CASES,
                   title="leaky_relu_kernel", rtol=1e-12)


register(
    "leaky_relu_kernel",
    checker=check_leaky_relu_kernel,
    solution=leaky_relu_kernel_solution,
    hints=(
        "Two pieces: a loop that handles one element at a time on 1-D arrays, and a wrapper "
        "that prepares x and out (dtype, contiguity, shape) and calls the loop on 1-D views.",
        "The loop: @njit(parallel=True) and for i in prange(x.size). The wrapper: "
        "as_float_array or np.asarray + astype for integers, np.ascontiguousarray(x), "
        "out = np.empty(x.shape, dtype=x.dtype) when out is None, then "
        "loop(x.reshape(-1), out.reshape(-1), slope), and return out itself.",
        "The wrapper, then the loop (numba compiles it on the first call):\n"
        "def leaky_relu_kernel(x, negative_slope=0.01, out=None):\n"
        "    x = np.asarray(x)\n"
        "    if x.dtype != np.float32:\n"
        "        x = x.astype(np.float64)\n"
        "    x = np.ascontiguousarray(x)\n"
        "    if out is None:\n"
        "        out = np.empty(x.shape, dtype=x.dtype)\n"
        "    loop(x.reshape(-1), out.reshape(-1), x.dtype.type(negative_slope))\n"
        "    return out\n"
        "\n"
        "from numba import njit, prange\n"
        "\n"
        "@njit(parallel=True)\n"
        "def loop(x, out, negative_slope):\n"
        "    for i in prange(x.size):\n"
        "        v = x[i]\n"
        "        out[i] = v if v > 0 else negative_slope * v",
    ),
)


# --- affine int8 quantisation ---------------------------------------------------------------


def quantize_int8_solution(x: ArrayLike, scale: float, zero_point: int) -> np.ndarray:
    r"""The int8 codes of ``x``: :math:`q = \mathrm{clip}(\mathrm{round}(x/s) + z, -128, 127)`.

    Rounding is to the nearest integer, an exact tie to the even one (``np.rint``, as
    ``torch.fake_quantize_per_tensor_affine`` does); values beyond the
    range saturate at -128 and 127 (``±inf`` too) instead of wrapping around, which is why
    the clip comes *before* the conversion to int8.
    """
    x = np.asarray(as_float_array(x), dtype=np.float64)
    codes = np.rint(x / scale) + zero_point
    return np.clip(codes, -128, 127).astype(np.int8)


QUANTIZE_INT8_CASES = (
    Case((np.array([-1.0, -0.3, 0.0, 0.2, 0.71, 1.0]), 1 / 127, 0),
         hint="the code is round(x / scale) + zero_point, as an int8 array."),
    Case((np.array([0.9, -0.9, 2.6, -2.6]), 1.0, 0),
         hint="round to the nearest code (np.rint); astype(np.int8) alone truncates 0.9 to 0."),
    Case((np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5]), 1.0, 0),
         hint="exact ties x / scale = k + 1/2 round half to EVEN, as np.rint and np.round "
              "do (and PyTorch's fake_quantize_per_tensor_affine): 0.5 -> 0, 1.5 -> 2, "
              "2.5 -> 2, -2.5 -> -2. np.floor(v + 0.5) rounds half up, and 0.5 -> 1."),
    Case((np.array([-5.0, -2.0, 2.0, 5.0]), 1 / 64, 0),
         hint="values beyond the range saturate at -128 and 127: clip before converting, "
              "because astype(np.int8) wraps around (320 becomes 64)."),
    Case((np.array([0.0, 0.25, 0.6, 0.8, 1.0]), 1 / 255, -128),
         hint="the zero point is added after rounding: with zero_point = -128, x = 0.0 "
              "gives the code -128 and x = 1.0 the code 127."),
    Case((np.array([0.125, 0.375, -0.625, 0.875]), 0.25, 5),
         hint="x / scale = 0.5, 1.5, -2.5, 3.5 are exact ties: half to even gives 0, 2, -2, "
              "4, then + zero_point. Round x / scale first, then add the zero point."),
    Case((np.array([[-0.7, 0.1], [0.33, 3.0]], dtype=np.float32), 0.01, 3),
         hint="any shape, any float dtype in; the codes are int8."),
    Case((np.array([-np.inf, np.inf]), 0.1, 0),
         hint="±inf saturate too: clip before converting to int8 (converting inf to an "
              "integer is undefined and warns)."),
    Case((np.array([-3, 0, 3]), 0.05, 0),
         hint="integer input is quantised like float input."),
    # scale 2**-7: x / scale and x * (1 / scale) are the same exact numbers
    Case((np.linspace(-1.3, 1.3, 2601), 1 / 128, -7),
         hint="a dense grid from -1.3 to 1.3 with scale 1/128 and zero point -7: "
              "round(x / scale) + zero_point, clipped, for every x, not only the ones above."),
)


def check_quantize_int8(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``quantize_int8(x, scale, zero_point)``, int8 codes rounded to the
    nearest code with exact ties to even; print the verdict."""
    check_function(candidate, quantize_int8_solution, QUANTIZE_INT8_CASES,
                   title="quantize_int8")


register(
    "quantize_int8",
    checker=check_quantize_int8,
    solution=quantize_int8_solution,
    hints=(
        "Three steps: scale to code units, round to the nearest integer, keep the result "
        "inside the int8 range [-128, 127] - and only then store it as int8.",
        "np.rint(x / scale) + zero_point (np.rint rounds an exact tie to the even code), then "
        "np.clip(..., -128, 127), then .astype(np.int8).",
        "return np.clip(np.rint(np.asarray(x, dtype=float) / scale) + zero_point, -128, "
        "127).astype(np.int8)",
    ),
)


# --- predict, then run --------------------------------------------------------------------

check_numba_speedup_relu_gelu = question(
    "numba_speedup_relu_gelu",
    options={
        "a": "about the same for both: numba is about ten times faster than numpy for ReLU "
             "and for GELU",
        "b": "small for ReLU, large for GELU",
        "c": "large for ReLU, small for GELU",
    },
    answer="b",
    explanation=(
        "ReLU does one comparison per element: there is almost no arithmetic for a kernel to "
        "save, only numpy's overheads (a temporary array, a separate pass per operation) and "
        "the work of a second thread. GELU does tens of arithmetic operations per element, "
        "numpy runs them one array-wide operation at a time with a temporary array each, "
        "while the kernel computes each element once, in registers, with vector "
        "instructions: here the arithmetic, not the memory, decides."
    ),
    hints=(
        "Think about what limits each function: reading and writing the numbers, or "
        "computing with them.",
        "Compare each with a plain copy of the array (np.copyto), which moves the same "
        "bytes with no arithmetic. How many copies' time does numpy's ReLU take? numpy's GELU?",
    ),
)
