r"""Affine 8-bit quantisation (Jacob et al., 2018, arXiv:1712.05877) and memory per dtype.

A real value :math:`r` is stored as the integer code :math:`q` with
:math:`r \approx s\,(q - z)`: scale :math:`s > 0`, zero point :math:`z` (the code of 0.0).

* :func:`quantization_params`: :math:`s` and :math:`z` that map an interval onto all 256
  codes, with 0 represented exactly;
* :func:`quantize` / :func:`dequantize`: real values to int8/uint8 codes and back, within
  :math:`s/2` inside the range, saturating outside;
* :func:`quantized_sigmoid`: the 8-bit codes of the real sigmoid;
* :func:`memory_by_dtype`: bytes an array takes as float64, float32, float16 and int8.

Examples
--------
>>> from course_lib.kernels.quantize import quantize, dequantize
>>> codes = quantize([-1.0, 0.0, 0.5], scale=1 / 127, zero_point=0)
>>> codes, dequantize(codes, 1 / 127, 0)
(array([-127,    0,   64], dtype=int8), array([-1.        ,  0.        ,  0.50393701]))
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from course_lib.kernels._dispatch import kernel_input
from course_lib.kernels.fast import sigmoid
from course_lib.validation import as_float_array, integer, real

__all__ = [
    "dequantize",
    "memory_by_dtype",
    "quantization_params",
    "quantize",
    "quantized_sigmoid",
]

_QUANT_DTYPES = {"int8": np.dtype(np.int8), "uint8": np.dtype(np.uint8)}


def _quant_dtype(dtype: DTypeLike, where: str) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.name not in _QUANT_DTYPES:
        raise TypeError(f"{where}: dtype must be int8 or uint8; got {dtype!r}")
    return dt


def _scale_and_zero(scale: Any, zero_point: Any, dt: np.dtype, where: str) -> tuple[float, int]:
    info = np.iinfo(dt)
    scale = real(scale, "scale", where=where, low=0.0, low_open=True)
    zero_point = integer(zero_point, "zero_point", where=where, minimum=int(info.min),
                         maximum=int(info.max))
    return scale, zero_point


def quantization_params(low: float, high: float, dtype: DTypeLike = "int8") -> tuple[float, int]:
    r"""Scale and zero point that map the real interval ``[low, high]`` onto all 256 codes.

    .. math:: s = \frac{\text{high} - \text{low}}{q_{\max} - q_{\min}}, \qquad
              z = q_{\min} - \operatorname{round}(\text{low}/s)

    The interval is first widened to contain 0, so that 0 is represented exactly (a
    padded zero or a ReLU output then costs no error), as Jacob et al. (2018) require.

    Examples
    --------
    >>> quantization_params(-1.0, 1.0, "int8")
    (0.00784313725490196, 0)
    >>> quantization_params(0.0, 1.0, "uint8")
    (0.00392156862745098, 0)
    """
    where = "quantization_params()"
    dt = _quant_dtype(dtype, where)
    low = min(real(low, "low", where=where), 0.0)
    high = max(real(high, "high", where=where), 0.0)
    if not high > low:
        raise ValueError(f"{where}: high must be > low once both are widened to contain 0; "
                         f"got ({low}, {high})")
    info = np.iinfo(dt)
    scale = (high - low) / (int(info.max) - int(info.min))
    zero_point = int(np.clip(info.min - round(low / scale), info.min, info.max))
    return scale, zero_point


def quantize(x: ArrayLike, scale: float, zero_point: int, dtype: DTypeLike = "int8") -> np.ndarray:
    r"""Affine quantisation: the codes :math:`q = \mathrm{clip}(\mathrm{round}(x/s) + z)`.

    Values beyond the representable range saturate at the smallest or largest code
    (``±inf`` included); NaN has no code and raises ``ValueError``. Within the range,
    ``dequantize(quantize(x))`` is within ``scale / 2`` of ``x``.

    Parameters
    ----------
    x : array_like
        Real values, any shape.
    scale : float
        Positive step between neighbouring codes.
    zero_point : int
        The code that stands for 0.0, inside the dtype's range.
    dtype : "int8" or "uint8"

    Examples
    --------
    >>> quantize([-1.0, 0.0, 0.5, 2.0], scale=1 / 127, zero_point=0)
    array([-127,    0,   64,  127], dtype=int8)
    """
    where = "quantize()"
    dt = _quant_dtype(dtype, where)
    scale, zero_point = _scale_and_zero(scale, zero_point, dt, where)
    arr = np.asarray(as_float_array(x, "x", where=where), dtype=np.float64)
    if np.isnan(arr).any():
        raise ValueError(f"{where}: x must not contain NaN, which has no integer code")
    info = np.iinfo(dt)
    codes = np.rint(arr / scale) + zero_point  # ±inf stays ±inf and is clipped below
    return np.clip(codes, info.min, info.max).astype(dt)


def dequantize(codes: ArrayLike, scale: float, zero_point: int) -> np.ndarray:
    r"""The real values that int8/uint8 codes stand for: :math:`s\,(q - z)`, as float64.

    Examples
    --------
    >>> dequantize(np.array([-127, 0, 64], dtype=np.int8), scale=1 / 127, zero_point=0)
    array([-1.        ,  0.        ,  0.50393701])
    """
    where = "dequantize()"
    codes = np.asarray(codes)
    if codes.dtype.name not in _QUANT_DTYPES:
        raise TypeError(f"{where}: codes must be an int8 or uint8 array; got dtype {codes.dtype}")
    scale, zero_point = _scale_and_zero(scale, zero_point, codes.dtype, where)
    return scale * (codes.astype(np.float64) - zero_point)


def quantized_sigmoid(x: ArrayLike, dtype: DTypeLike = "uint8") -> tuple[np.ndarray, float, int]:
    r"""The sigmoid as 8-bit codes, ``dequantize(codes, scale, zero_point)`` :math:`\approx \sigma`.

    The output range :math:`[0, 1]` is spread over all 256 codes, ``scale = 1/255``
    (zero point 0 for uint8, -128 for int8), and each code is the nearest one to the
    real :math:`\sigma(x)` (computed by the fast sigmoid kernel), so the dequantised value
    is within half a step, :math:`1/510 \approx 0.00196`, of :math:`\sigma(x)` for every x.
    The codes take 1 byte per value instead of 8 (float64) or 4 (float32).

    Returns
    -------
    codes : ndarray of int8 or uint8, same shape as x
    scale : float
    zero_point : int

    Examples
    --------
    >>> codes, scale, zero = quantized_sigmoid(np.array([-10.0, 0.0, 2.0]))
    >>> codes, dequantize(codes, scale, zero)
    (array([  0, 128, 225], dtype=uint8), array([0.        , 0.50196078, 0.88235294]))
    """
    dt = _quant_dtype(dtype, "quantized_sigmoid()")
    arr = kernel_input(x, "quantized_sigmoid()")
    scale = 1.0 / 255.0
    zero_point = 0 if dt == np.uint8 else -128
    return quantize(sigmoid(arr), scale, zero_point, dt), scale, zero_point


def memory_by_dtype(x: ArrayLike) -> dict[str, int]:
    """Bytes the values of ``x`` take as float64, float32, float16 and int8 (size x itemsize).

    For 8-bit codes of real values see :func:`quantize`.

    Examples
    --------
    >>> memory_by_dtype(np.zeros((1000, 1000)))
    {'float64': 8000000, 'float32': 4000000, 'float16': 2000000, 'int8': 1000000}
    """
    size = int(np.size(np.asarray(x)))
    names = ("float64", "float32", "float16", "int8")
    return {name: size * np.dtype(name).itemsize for name in names}
