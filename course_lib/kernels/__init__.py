r"""Activation kernels compiled with numba, hardware-style approximations, int8 quantisation.

For each activation of :func:`names` and its derivative there are two compiled kernels,
both equal to :mod:`course_lib.activations` to a relative 1e-12 in float64 and
1e-5 in float32, tails, ``±inf`` and NaN included:

* :mod:`~course_lib.kernels.plain`: the readable ``@njit(parallel=True)`` loop calling
  ``math.exp`` & co., the one to read first;
* :mod:`~course_lib.kernels.fast`: the same activations as fused loops whose ``exp``,
  ``log1p`` and normal tail are polynomials LLVM vectorises
  (:mod:`~course_lib.kernels.vecmath`) instead of one C library call per element, so the
  activations built on an exponential run several times faster (``python -m
  course_lib.bench``, column plain/fast). The coefficients are fitted by ``python -m
  course_lib.kernels.fit`` (:mod:`~course_lib.kernels.fit`).

Every kernel is called as ``f(x, *params, out=None)`` on float32 or float64 arrays of any
shape (integers become float64). :func:`get` gives both versions of an activation by name
(aliases included), like :func:`course_lib.activations.get`; the fast kernels are also
importable from here (``kernels.gelu``, ``kernels.gelu_grad``).

Also here: :mod:`~course_lib.kernels.approx` (piecewise-linear tanh, hard sigmoid and hard
swish, lookup-table sigmoid, each with its measured maximum error) and
:mod:`~course_lib.kernels.quantize` (affine int8/uint8 quantisation).
numba is imported by this package only: ``import course_lib`` never imports it. A loop
compiles on its first call for each dtype (about a second) and is cached on disk where the
package folder or the home folder is writable; time a kernel only after calling it once.

Examples
--------
>>> import numpy as np
>>> from course_lib import kernels
>>> x = np.linspace(-3.0, 3.0, 7)
>>> kernels.gelu(x)
array([-0.00404969, -0.04550026, -0.15865525,  0.        ,  0.84134475,
        1.95449974,  2.99595031])
>>> spec = kernels.get("gelu")
>>> bool(np.allclose(spec.plain(x), spec(x), rtol=1e-12, atol=0.0))
True
>>> out = np.empty_like(x)
>>> spec.derivative(x, out=out) is out
True
"""

from __future__ import annotations

from course_lib.kernels.approx import (
    APPROXIMATIONS,
    Approximation,
    approximation_error,
    hard_sigmoid,
    hard_swish,
    lut_sigmoid,
    pwl_tanh,
)
from course_lib.kernels.fast import (
    elu,
    elu_grad,
    gelu,
    gelu_grad,
    gelu_tanh,
    gelu_tanh_grad,
    leaky_relu,
    leaky_relu_grad,
    mish,
    mish_grad,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softplus,
    softplus_grad,
    swish,
    swish_grad,
    tanh,
    tanh_grad,
)
from course_lib.kernels.quantize import (
    dequantize,
    memory_by_dtype,
    quantization_params,
    quantize,
    quantized_sigmoid,
)
from course_lib.kernels.registry import KernelSpec, get, names

__all__ = [
    "APPROXIMATIONS",
    "Approximation",
    "KernelSpec",
    "approximation_error",
    "dequantize",
    "elu",
    "elu_grad",
    "gelu",
    "gelu_grad",
    "gelu_tanh",
    "gelu_tanh_grad",
    "get",
    "hard_sigmoid",
    "hard_swish",
    "leaky_relu",
    "leaky_relu_grad",
    "lut_sigmoid",
    "memory_by_dtype",
    "mish",
    "mish_grad",
    "names",
    "pwl_tanh",
    "quantization_params",
    "quantize",
    "quantized_sigmoid",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softplus",
    "softplus_grad",
    "swish",
    "swish_grad",
    "tanh",
    "tanh_grad",
]
