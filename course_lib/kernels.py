r"""Fast activation kernels compiled with numba, hardware-style approximations, and int8 quantisation.

Three kinds of "hardware-optimised" activation, each measured rather than promised:

**Exact kernels.** :func:`relu`, :func:`leaky_relu`, :func:`elu`, :func:`sigmoid`,
:func:`tanh`, :func:`softplus`, :func:`swish`, :func:`mish`, :func:`gelu` and
:func:`gelu_tanh`, each with its derivative ``<name>_grad``. Each is one fused pass over
memory, split over threads with ``numba.prange``, for float32 and float64 arrays of any
shape, with an optional ``out=`` array. Each equals its :mod:`course_lib.activations`
counterpart to a relative 1e-12 (float64) or 1e-5 (float32), tails and ``±inf``/NaN
included (the tests check exactly this). ``KERNELS`` maps each name to ``(forward, grad)``.

*Why they are fast.* Without Intel's SVML library, numba calls the C library's scalar
``exp``/``tanh`` once per element and the compiler cannot use SIMD instructions. So the
kernels never call ``math.exp``: every formula is written with :math:`e^{-a}`,
:math:`a = |x| \ge 0` (so nothing overflows), computed by our own function made only of
operations that LLVM vectorises (multiply-add, compare-and-select, integer shifts), 8
float64 or 16 float32 numbers per AVX-512 instruction:

.. math:: e^{-a} = 2^{k} e^{r}, \qquad k = \operatorname{round}(-a/\ln 2),
          \quad r = -a - k \ln 2 \in [-\tfrac{\ln 2}{2}, \tfrac{\ln 2}{2}].

Adding :math:`1.5\cdot 2^{52} + 1087` to :math:`-a/\ln 2` rounds it to an integer that
sits in the low bits of the sum (no ``floor`` call); shifted into the exponent field, the
same bits are :math:`2^{k+64}` (no ``2.0**k`` call). The polynomial for :math:`e^{r}`
carries the factor :math:`2^{-64}` in its coefficients, so :math:`e^{-a}` is one
multiplication, and results in the subnormal range are rounded once (gradual underflow
kept). :math:`k \ln 2` is subtracted in two parts in float64 (Cody & Waite) and by one
FMA with the float32 :math:`\ln 2` in float32. On top of it: ``expm1`` (tanh, ELU);
:math:`\log(1+u)` on :math:`[0, 1]` for softplus, as
:math:`2\operatorname{artanh}\big(u/(2+u)\big)` in float64 (one division) and as
:math:`u\,h(u)` with a polynomial :math:`h(u) \approx \log(1+u)/u` in float32 (no
division); and, for the exact GELU, the normal tail :math:`Q(t) = 1 - \Phi(t) =
\varphi(t) R(t)` with a rational approximation of Mills' ratio :math:`R`, :math:`t^2`
split exactly into ``hi + lo`` by an FMA and ``lo`` folded into :math:`r`. The formulas
are arranged to save work: softplus has a kernel of its own for PyTorch's default
:math:`\beta = 1`, swish is :math:`x\,(1 \text{ or } u)/(1+u)` and GELU
:math:`\max(x, 0) - |x|\,Q(|x|)`, each with one exponential and at most one division.

Float32 arrays are computed in float32 (twice as many numbers per instruction) with
shorter polynomials, except the derivatives, which have zeros where any rounding is
amplified (computed in float64 and rounded once), and the gate argument :math:`z = 2u(x)`
of ``gelu_tanh``, whose float32 rounding would cost 2e-5 where :math:`|z|` is large (it is
computed in float64 and handed to the float32 exponential as a float32 number plus the
remainder).

The coefficients are our own fits: minimax polynomials by the Remez exchange for
:math:`e^{r}`, :math:`\log(1+u)/u` and the artanh series, Chebyshev fits for ``expm1``,
and a Lawson-weighted linearised least-squares rational fit for Mills' ratio, in 40–50
digit mpmath. Maximum relative errors of the building blocks, measured against mpmath
(and checked by the tests): :math:`e^{-a}` 5e-16, ``expm1`` 3e-16, ``log1p`` 5e-16 and
:math:`t\,Q(t)` 7e-15 for :math:`t \le 38` (float64); 5e-7, 1e-7, 4e-7 and 1.2e-6
(float32). Results that fall just above the smallest normal number inherit the lost
digits of a subnormal intermediate (e.g. :math:`e^{-|x|}` in ``swish``): there the error
grows to 2.5e-13 (float64) and 6e-6 (float32), still inside the promise.

**Approximations** (``APPROXIMATIONS``): a piecewise-linear tanh (the slide's, fixed),
hard sigmoid and hard swish (as approximations of sigmoid and swish), and a lookup-table
sigmoid; each states its maximum absolute error over a stated range, measured by
:func:`approximation_error` and checked by the tests.

**Quantisation**: affine int8/uint8 :func:`quantize` / :func:`dequantize` (Jacob et al.,
2018, arXiv:1712.05877), :func:`quantized_sigmoid` whose output is the 8-bit code of the
real sigmoid, and :func:`memory_by_dtype`.

Compilation happens on the first call for each dtype (about a second per kernel) and is
cached on disk where the package folder or the home folder is writable; time a kernel
only after calling it once (:mod:`course_lib.bench` does). numba is imported by this
module only: ``import course_lib`` never imports it.

Examples
--------
>>> import numpy as np
>>> from course_lib import kernels
>>> x = np.linspace(-3.0, 3.0, 7)
>>> kernels.gelu(x)
array([-0.00404969, -0.04550026, -0.15865525,  0.        ,  0.84134475,
        1.95449974,  2.99595031])
>>> out = np.empty_like(x)
>>> kernels.swish_grad(x, out=out) is out
True
>>> forward, derivative = kernels.KERNELS["mish"]

Used by notebook 13 (hardware-optimised activations) and by :mod:`course_lib.bench`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from types import FunctionType
from typing import Any

import numpy as np
from llvmlite import ir as llvm_ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic, overload
from numpy.typing import ArrayLike, DTypeLike

from course_lib import activations as _act
from course_lib.activations import real_parameter, as_float_array

__all__ = [
    "KERNELS",
    "APPROXIMATIONS",
    "Approximation",
    "relu",
    "relu_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "elu",
    "elu_grad",
    "sigmoid",
    "sigmoid_grad",
    "tanh",
    "tanh_grad",
    "softplus",
    "softplus_grad",
    "swish",
    "swish_grad",
    "mish",
    "mish_grad",
    "gelu",
    "gelu_grad",
    "gelu_tanh",
    "gelu_tanh_grad",
    "pwl_tanh",
    "hard_sigmoid",
    "hard_swish",
    "lut_sigmoid",
    "approximation_error",
    "quantization_params",
    "quantize",
    "dequantize",
    "quantized_sigmoid",
    "memory_by_dtype",
]


# --------------------------------------------------------------------------------------------
# Compilation settings
# --------------------------------------------------------------------------------------------
# "contract" lets LLVM fuse a*b + c into one FMA instruction (faster and never less exact);
# no other fast-math flag is set, so infinities, NaN and signed zeros keep IEEE semantics.
_FASTMATH = {"contract"}


def _parallel_kernel(function: Callable[..., None]) -> Callable[..., None]:
    """``njit(parallel=True)``, cached on disk when numba finds a writable cache folder.

    numba refuses ``cache=True`` at decoration time ("no locator available") where neither
    the package folder nor the home folder is writable; the kernel then compiles on each
    first call instead of failing the import. The cache is keyed on this file, which holds
    every function a kernel calls, so an edit here invalidates it.
    """
    try:
        return njit(parallel=True, fastmath=_FASTMATH, cache=True)(function)
    except RuntimeError:  # pragma: no cover - depends on the file system
        return njit(parallel=True, fastmath=_FASTMATH)(function)


_scalar = njit(fastmath=_FASTMATH, inline="always")


# --------------------------------------------------------------------------------------------
# Bit-level helpers: LLVM instructions numba does not expose
# --------------------------------------------------------------------------------------------
def _bitcast(targets: dict[Any, Any], doc: str) -> Any:
    """An intrinsic that reinterprets the bits of a value as the type ``targets[its type]``."""

    def bitcast(typingctx, value):
        target = targets.get(value)
        if target is None:
            return None

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], context.get_value_type(target))

        return target(value), codegen

    bitcast.__doc__ = doc
    return intrinsic(bitcast)


_bits = _bitcast({types.float64: types.int64, types.float32: types.int32},
                 "The IEEE bit pattern of a float64 (as int64) or a float32 (as int32).")
_from_bits = _bitcast({types.int64: types.float64, types.int32: types.float32},
                      "The float64 (from int64) or float32 (from int32) with these bits.")


@intrinsic
def _fma(typingctx, a, b, c):
    """a*b + c with one rounding (LLVM's ``llvm.fma``: one instruction on FMA hardware)."""
    if not (a == b == c and a in (types.float32, types.float64)):
        return None

    def codegen(context, builder, signature, args):
        ty = context.get_value_type(a)
        fn = cgutils.get_or_insert_function(
            builder.module, llvm_ir.FunctionType(ty, [ty, ty, ty]), f"llvm.fma.f{a.bitwidth}"
        )
        return builder.call(fn, args)

    return a(a, a, a), codegen


def _like(x, value):  # pragma: no cover - replaced by the overload inside compiled code
    """``value`` converted to the float type of ``x`` (constant-folded by LLVM)."""
    raise NotImplementedError


@overload(_like, inline="always")
def _like_overload(x, value):
    if x == types.float32:
        return lambda x, value: np.float32(value)
    if x == types.float64:
        return lambda x, value: np.float64(value)
    return None


# --------------------------------------------------------------------------------------------
# Vectorisable elementary functions
# --------------------------------------------------------------------------------------------
# ln 2 split for the Cody-Waite reduction r = x - k ln2: _LN2_HI has its low bits zero, so
# k * _LN2_HI is exact for every k that occurs; _LN2_LO = ln 2 - _LN2_HI (to 17 digits).
_LN2_HI = 0.693147180369123816490  # ln 2 with the last 21 bits cleared
_LN2_LO = 1.90821492927058770002e-10
_LOG2E = 1.4426950408889634  # 1 / ln 2
_LN2 = 0.6931471805599453
_LN2_32 = np.float32(_LN2)  # float32 ln 2 is 1.9e-9 too large: see _exp_neg32
_LOG2E_32 = np.float32(_LOG2E)
# Adding 1.5 * 2**52 (float64) or 1.5 * 2**23 (float32) to a number of magnitude below 2**51
# rounds it to an integer, which then sits in the low bits of the sum. Adding also an
# exponent bias b makes those low bits k + b, and shifting them into the exponent field
# gives 2^(k + b - bias) with one integer shift (see _exp_neg64).
_ROUND64 = 6755399441055744.0
_ROUND32 = 12582912.0
_EXP_SHIFT64 = _ROUND64 + 1023.0 + 64.0  # low bits: k + 1087; as an exponent, 2^(k + 64)
_EXP_SHIFT32 = np.float32(_ROUND32 + 127.0 + 64.0)  # low bits: k + 191; 2^(k + 64)
_EXPM1_SHIFT64 = _ROUND64 + 1023.0  # low bits: k + 1023; 2^k
_EXPM1_SHIFT32 = np.float32(_ROUND32 + 127.0)  # low bits: k + 127; 2^k
_TWO_M64 = 2.0**-64

# e^r on |r| <= ln2/2, minimax in relative error: degree 10, 2.1e-16 (float64); degree 5,
# 7.5e-8 (float32). Stored times 2^-64 (exact: a power of two), see _exp_neg64.
_EXP64 = (1.0, 1.0000000000000064, 0.49999999999997286, 0.16666666666557742,
          0.04166666666842606, 0.008333333384665905, 0.0013888888499128805,
          0.00019841171384084617, 2.4801917696315435e-05, 2.763976830828127e-06,
          2.748844088140834e-07)
_EXP32 = (1.0000000716551238, 0.9999996919879661, 0.49998894849165854, 0.1666757473521895,
          0.041915382152600746, 0.008297654807889677)
# (e^r - 1 - r) / r^2 on |r| <= ln2/2: degree 9, error 1e-16 (float64); degree 4, 7e-8 (float32).
_EXPM1_64 = (0.5000000000000001, 0.16666666666666669, 0.04166666666662413, 0.008333333333330062,
             0.0013888888917213717, 0.00019841269863053618, 2.4801521295954376e-05,
             2.7557268459997064e-06, 2.7620088445409746e-07, 2.510038549551032e-08)
_EXPM1_32 = (0.5, 0.16666576989698775, 0.041666554617204574, 0.008363179052722578,
             0.0013926183587713494)
# (artanh(s)/s - 1) / s^2 as a polynomial in w = s^2 <= 1/9, minimax: degree 8, error 1.6e-15;
# multiplied by w, it changes log1p by at most 1.8e-16 (relative, float64).
_ATANH64 = (0.3333333333333349, 0.19999999999770304, 0.14285714340179775, 0.11111106145558677,
            0.09091135278613442, 0.07686546608011845, 0.06752138439997737, 0.05155972556896504,
            0.0844742529873077)
# log(1 + u) / u on [0, 1], minimax in relative error: degree 7, 1.9e-7 (float32).
_LOG1P_RATIO32 = (0.999999805667079, -0.4999740539667465, 0.3327547978573363,
                  -0.24495462906307916, 0.1774524168355029, -0.10768171639517804,
                  0.04408963409070598, -0.00853920916699141)
# Mills' ratio R(t) = Q(t) / phi(t) = P(t) / S(t) on [0, 40]: degree 8/9, max relative
# error 3.6e-15 (float64); on [0, 15] degree 3/4, 4.2e-7 (float32).
_MILLS_P64 = (1.253314137315504, 1.8041048006964286, 1.2807332857763598, 0.571123280925309,
              0.17323454945163416, 0.036490380294715755, 0.0052248599339247545,
              0.000468669076267731, 2.051470766860358e-05)
_MILLS_S64 = (1.0, 2.2373519273493634, 2.3070258751287733, 1.4437163320336344,
              0.6066767255629794, 0.17841836252160811, 0.03695904991101702,
              0.005245374630445156, 0.000468669076403867, 2.051470766786641e-05)
_MILLS_P32 = (1.253313613605933, 0.9117215290232117, 0.3021525512066888, 0.04333408575158498)
_MILLS_S32 = (1.0, 1.5253125351307426, 0.9582675640871008, 0.30196507848804294,
              0.04333855344147269)
_INV_SQRT_2PI = 0.3989422804014327
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_TANH_COEF = 0.044715

_EXP64 = tuple(c * _TWO_M64 for c in _EXP64)
# float32: phi(t) * P(t) in one polynomial (the float32 kernel needs Q only, not phi).
_MILLS_P32 = tuple(c * _INV_SQRT_2PI for c in _MILLS_P32)
_EXP32, _EXPM1_32, _LOG1P_RATIO32, _MILLS_P32, _MILLS_S32 = (
    tuple(np.float32(v) for v in c)
    for c in (tuple(c * _TWO_M64 for c in _EXP32), _EXPM1_32, _LOG1P_RATIO32, _MILLS_P32,
              _MILLS_S32)
)


@_scalar
def _horner(r, coefficients):
    """Evaluate sum(coefficients[i] * r**i) by Horner's rule (unrolled by LLVM)."""
    p = coefficients[-1]
    for i in range(len(coefficients) - 2, -1, -1):
        p = p * r + coefficients[i]
    return p


@_scalar
def _exp_neg64(a):
    r"""e^{-a} for float64 a >= 0 (NaN gives NaN), to 5e-16, gradual underflow kept."""
    return _exp_neg_sum64(a, 0.0)


@_scalar
def _exp_neg_sum64(a, low):
    r"""e^{-(a + low)} for float64 a >= 0 and a small correction ``low`` (e.g. the rounding
    error of a), which is subtracted from the reduced argument :math:`r` and so costs one
    operation instead of a multiplication by :math:`e^{-low}`.

    With :math:`k = \operatorname{round}(-a/\ln 2)` and :math:`r = -a - k\ln 2`, the result
    :math:`(2^{-64} e^{r}) \cdot 2^{k+64}` is one multiplication: the polynomial's
    coefficients carry the factor :math:`2^{-64}`, and :math:`2^{k+64}`, a normal number for
    every :math:`k \ge -1076`, is the integer sum ``t`` shifted into the exponent field. A
    subnormal result is rounded once, by that multiplication.
    """
    a = 746.0 if a > 746.0 else a  # e^-746 rounds to 0; NaN passes the comparison
    t = a * -_LOG2E + _EXP_SHIFT64  # low bits of t: k + 1087
    kf = t - _EXP_SHIFT64
    r = ((-a - kf * _LN2_HI) - kf * _LN2_LO) - low
    return _horner(r, _EXP64) * _from_bits(_bits(t) << 52)


@_scalar
def _exp_neg32(a):
    """e^{-a} for float32 a >= 0, in float32 arithmetic (relative error below 5e-7)."""
    return _exp_neg_sum32(a, np.float32(0.0))


@_scalar
def _exp_neg_sum32(a, low):
    """e^{-(a + low)} for float32 a >= 0 and a small ``low``, in float32 arithmetic.

    As :func:`_exp_neg_sum64`; the reduction is a single FMA with the float32 ln 2, whose
    error of 1.9e-9 costs at most 2.9e-7 (at a = 104, where k = -150), far below 1e-5.
    """
    a = np.float32(104.0) if a > np.float32(104.0) else a  # e^-104 rounds to 0
    return _exp_neg_sum_unclamped32(a, low)


@_scalar
def _exp_neg_sum_unclamped32(a, low):
    """_exp_neg_sum32 for 0 <= a <= 104 (or NaN)."""
    t = a * -_LOG2E_32 + _EXP_SHIFT32  # low bits of t: k + 191
    kf = t - _EXP_SHIFT32
    r = _fma(kf, -_LN2_32, -a) - low  # one rounding: the FMA is what makes this exact enough
    return _horner(r, _EXP32) * _from_bits(np.int32(_bits(t) << np.int32(23)))


@_scalar
def _expm1_neg64(a):
    """e^{-a} - 1 for float64 a >= 0, without the cancellation of exp(-a) - 1 near 0."""
    a = 40.0 if a > 40.0 else a  # beyond, e^-a - 1 rounds to -1
    t = a * -_LOG2E + _EXPM1_SHIFT64  # low bits of t: k + 1023
    kf = t - _EXPM1_SHIFT64
    r = (-a - kf * _LN2_HI) - kf * _LN2_LO
    q = r + r * r * _horner(r, _EXPM1_64)  # e^r - 1
    s = _from_bits(_bits(t) << 52)  # 2^k
    return s * q + (s - 1.0)  # 2^k e^r - 1, one rounding; exact q for k = 0


@_scalar
def _expm1_neg32(a):
    """e^{-a} - 1 for float32 a >= 0, in float32 arithmetic."""
    a = np.float32(20.0) if a > np.float32(20.0) else a
    t = a * -_LOG2E_32 + _EXPM1_SHIFT32
    kf = t - _EXPM1_SHIFT32
    r = _fma(kf, -_LN2_32, -a)
    q = r + r * r * _horner(r, _EXPM1_32)
    s = _from_bits(np.int32(_bits(t) << np.int32(23)))
    return s * q + (s - np.float32(1.0))


@_scalar
def _log1p_unit64(u):
    r"""log(1 + u) for float64 u in [0, 1] (NaN gives NaN), to a few units in the last place.

    :math:`\log(1+u) = 2\operatorname{artanh}(s) = 2s\,(1 + s^2 P(s^2))` with
    :math:`s = u/(2+u) \in [0, 1/3]`: one division and a polynomial in :math:`s^2 \le 1/9`.
    """
    s = u / (2.0 + u)
    two_s = 2.0 * s
    w = s * s
    return two_s + two_s * w * _horner(w, _ATANH64)


@_scalar
def _log1p_unit32(u):
    """log(1 + u) for float32 u in [0, 1]: u times a polynomial, no division (error 3e-7)."""
    return u * _horner(u, _LOG1P_RATIO32)


@_scalar
def _gauss_tail64(t):
    r"""(phi(t), Q(t)) for float64 t >= 0: the normal density and upper tail 1 - Phi(t).

    :math:`Q(t) = \varphi(t) R(t)` with Mills' ratio :math:`R` from a rational
    approximation; :math:`t^2` is split exactly as ``hi + lo`` (an FMA gives ``lo``) so
    that :math:`\varphi(t) = e^{-(hi + lo)/2}/\sqrt{2\pi}` keeps full relative precision up
    to :math:`t \approx 38`, where it underflows.
    """
    t = 40.0 if t > 40.0 else t  # phi(40) = 0 in float64; keeps t*t and R finite
    hi = t * t
    lo = _fma(t, t, -hi)
    phi = _exp_neg_sum64(0.5 * hi, 0.5 * lo) * _INV_SQRT_2PI
    return phi, phi * (_horner(t, _MILLS_P64) / _horner(t, _MILLS_S64))


@_scalar
def _times_gauss_q64(t):
    """t Q(t) for float64 t >= 0, with Q(t) = 1 - Phi(t) (0 at +inf; see _gauss_tail64)."""
    t = 40.0 if t > 40.0 else t  # Q(40) = 0 in float64
    return t * _gauss_tail64(t)[1]


@_scalar
def _times_gauss_q32(t):
    """t Q(t) for float32 t >= 0, in float32 arithmetic."""
    t = np.float32(14.4) if t > np.float32(14.4) else t  # beyond, t Q(t) < 5e-46 rounds to 0
    hi = t * t
    lo = _fma(t, t, -hi)
    # e^{-t^2/2}; its argument is at most 103.7, so the exponential needs no clamp.
    e = _exp_neg_sum_unclamped32(np.float32(0.5) * hi, np.float32(0.5) * lo)
    return t * e * _horner(t, _MILLS_P32) / _horner(t, _MILLS_S32)  # P32 has 1/sqrt(2 pi)


def _dispatch(
    name: str, for64: Callable[..., Any], for32: Callable[..., Any], arity: int = 1
) -> Callable[..., Any]:
    """A function usable in compiled code that calls ``for64`` or ``for32`` by the type of its
    first argument. (numba inlines neither ``*args`` nor a call on a closure's ``*args``, so
    one and two arguments are spelled out.)"""

    def target(x):
        return {types.float64: for64, types.float32: for32}.get(x)

    if arity == 1:
        def stub(x):  # pragma: no cover - only its overload runs
            raise NotImplementedError

        def choose(x):
            f = target(x)
            return None if f is None else (lambda x: f(x))
    else:
        def stub(x, y):  # pragma: no cover - only its overload runs
            raise NotImplementedError

        def choose(x, y):
            f = target(x)
            return None if f is None else (lambda x, y: f(x, y))

    stub.__name__ = stub.__qualname__ = name
    overload(stub, inline="always")(choose)
    return stub


_exp_neg = _dispatch("_exp_neg", _exp_neg64, _exp_neg32)
_exp_neg_sum = _dispatch("_exp_neg_sum", _exp_neg_sum64, _exp_neg_sum32, arity=2)
_expm1_neg = _dispatch("_expm1_neg", _expm1_neg64, _expm1_neg32)
_log1p_unit = _dispatch("_log1p_unit", _log1p_unit64, _log1p_unit32)
_times_gauss_q = _dispatch("_times_gauss_q", _times_gauss_q64, _times_gauss_q32)


@_scalar
def _finite(x):
    """x, with -inf replaced by the most negative float32: a gate that underflows to 0 then
    gives -0.0, where -inf * 0 would be NaN. NaN passes."""
    lowest = _like(x, -3.4e38)
    return lowest if x < lowest else x


# --------------------------------------------------------------------------------------------
# Scalar formulas. Forward functions work in the precision of their argument; the
# derivatives are always given float64 (see the module docstring). Each is written so that
# the limits at +-inf come out right and NaN propagates.
# --------------------------------------------------------------------------------------------
@_scalar
def _relu(x):
    return _like(x, 0.0) if x <= 0.0 else x  # NaN fails the test and is returned


@_scalar
def _relu_grad(x):
    return 1.0 if x > 0.0 else (0.0 if x <= 0.0 else x)


@_scalar
def _leaky_relu(x, negative_slope):
    slope = _like(x, negative_slope)
    if x <= 0.0:
        return slope * x if slope != 0.0 else _like(x, 0.0)  # 0 * -inf would be NaN
    return x


@_scalar
def _leaky_relu_grad(x, negative_slope):
    return 1.0 if x > 0.0 else (negative_slope if x <= 0.0 else x)


@_scalar
def _elu(x, alpha):
    a = _like(x, 0.0) if x > 0.0 else -x  # expm1 is only ever asked about -a <= 0
    return _like(x, alpha) * _expm1_neg(a) if x <= 0.0 else x


@_scalar
def _elu_grad(x, alpha):
    a = 0.0 if x > 0.0 else -x  # NaN stays NaN
    return 1.0 if x > 0.0 else alpha * _exp_neg64(a)


@_scalar
def _sigmoid(x):
    u = _exp_neg(abs(x))
    return (_like(x, 1.0) if x >= 0.0 else u) / (_like(x, 1.0) + u)


@_scalar
def _sigmoid_grad(x):
    u = _exp_neg64(abs(x))
    return u / ((1.0 + u) * (1.0 + u))


@_scalar
def _tanh(x):
    e = _expm1_neg(_like(x, 2.0) * abs(x))  # e^{-2|x|} - 1 in (-1, 0], exact near 0
    t = abs(e) / (_like(x, 2.0) + e)  # abs: -e would make tanh(0) = -0.0
    return t if x >= 0.0 else -t


@_scalar
def _tanh_grad(x):
    u = _exp_neg64(2.0 * abs(x))
    return 4.0 * u / ((1.0 + u) * (1.0 + u))


@_scalar
def _softplus_unscaled(z):
    # log(1 + e^z) = max(z, 0) + log(1 + e^{-|z|}): the exponential never overflows.
    positive_part = z if z > 0.0 else _like(z, 0.0)
    return positive_part + _log1p_unit(_exp_neg(abs(z)))


@_scalar
def _softplus(x, beta, threshold):
    b = _like(x, beta)
    z = b * x
    value = _softplus_unscaled(z) * (_like(x, 1.0) / b)  # 1 / b is hoisted out of the loop
    return x if z > _like(x, threshold) else value


@_scalar
def _softplus_beta1(x, threshold):
    # beta = 1, PyTorch's default, without the two multiplications by beta and 1 / beta.
    return x if x > _like(x, threshold) else _softplus_unscaled(x)


@_scalar
def _softplus_grad(x, beta, threshold):
    z = beta * x
    return 1.0 if z > threshold else _sigmoid(z)


@_scalar
def _swish(x, beta):
    # x sigma(z) = x (1 or u) / (1 + u) with z = beta x, u = e^{-|z|}: one exp, one division.
    z = _like(x, beta) * x
    u = _exp_neg(abs(z))
    gate_numerator = _like(x, 1.0) if z >= 0.0 else u
    return _finite(x) * gate_numerator / (_like(x, 1.0) + u)


@_scalar
def _swish_grad(x, beta):
    z = beta * x
    u = _exp_neg64(abs(z))
    inv = 1.0 / (1.0 + u)
    s = inv if z >= 0.0 else u * inv
    slope = u * inv * inv  # sigma(z) sigma(-z), exact in both tails
    return s + (0.0 if slope == 0.0 else z * slope)


@_scalar
def _mish(x):
    one = _like(x, 1.0)
    two = _like(x, 2.0)
    u = _exp_neg(abs(x))
    n = u * (u + two)
    positive = x > 0.0
    numerator = one + two * u if positive else n
    denominator = one + two * u + two * u * u if positive else n + two
    gate = numerator / denominator  # one division for both branches
    return _finite(x) * gate


@_scalar
def _mish_grad(x):
    # gate = num/den and 1 - gate = rest/den share a denominator with sigma(x) = s_num/(1+u):
    # one division serves all three.
    u = _exp_neg64(abs(x))
    n = u * (u + 2.0)
    positive = x > 0.0
    num = 1.0 + 2.0 * u if positive else n
    den = 1.0 + 2.0 * u + 2.0 * u * u if positive else n + 2.0
    rest = 2.0 * u * u if positive else 2.0
    inv = 1.0 / (den * (1.0 + u))
    gate = num * (1.0 + u) * inv
    one_minus_gate = rest * (1.0 + u) * inv
    s = (1.0 if positive else u) * den * inv
    slope = one_minus_gate * (1.0 + gate) * s
    return gate + (0.0 if slope == 0.0 else x * slope)


@_scalar
def _gelu(x):
    # x Phi(x) = max(x, 0) - |x| Q(|x|) for either sign of x, with Q(t) = 1 - Phi(t):
    # x (1 - Q) for x >= 0 and x Q for x < 0, where 1 + erf would cancel.
    positive_part = x if x > 0.0 else _like(x, 0.0)  # (NaN comes through the second term)
    return positive_part - _times_gauss_q(abs(x))


@_scalar
def _gelu_grad(x):
    t = abs(x)
    t = 40.0 if t > 40.0 else t
    phi, q = _gauss_tail64(t)
    return (1.0 - q) + t * phi if x >= 0.0 else q - t * phi


@_scalar
def _gelu_tanh(x):
    # x sigma(z) with z = 2u(x). For float32 x, z is computed in float64 (in float32 its
    # rounding would cost sigma(z) up to 2e-5 where |z| is large) and handed to the float32
    # exponential as a float32 value plus the float32 rounding of the remainder.
    d = np.float64(x)
    z = (2.0 * _SQRT_2_OVER_PI) * d * (1.0 + _GELU_TANH_COEF * d * d)
    a = abs(z)
    a = 800.0 if a > 800.0 else a  # e^-800 = 0 in float64 and float32; NaN passes
    a_like = _like(x, a)
    u = _exp_neg_sum(a_like, _like(x, a - np.float64(a_like)))
    gate_numerator = _like(x, 1.0) if z >= 0.0 else u
    return _finite(x) * gate_numerator / (_like(x, 1.0) + u)


@_scalar
def _gelu_tanh_grad(x):
    z = (2.0 * _SQRT_2_OVER_PI) * x * (1.0 + _GELU_TANH_COEF * x * x)
    u = _exp_neg64(abs(z))
    inv = 1.0 / (1.0 + u)
    s = inv if z >= 0.0 else u * inv
    slope = u * inv * inv
    dz = (2.0 * _SQRT_2_OVER_PI) * (1.0 + 3.0 * _GELU_TANH_COEF * x * x)  # d(2u)/dx
    return s + (0.0 if slope == 0.0 else x * dz * slope)


# --------------------------------------------------------------------------------------------
# Parallel loops over a flat contiguous array (one pass over memory, split across threads)
# --------------------------------------------------------------------------------------------
# One template per number of activation parameters. _elementwise_loop gives each formula its
# own copy of a template, in which the formula is a global name (_ELEMENT), not a closure
# variable: numba keys its disk cache on a closure's variables by their pickled value, and a
# compiled function pickles differently in every process, so a closure would never be found
# in the cache and would be compiled (about a second) in every new process.
def _loop_without_parameters(x, out, params):
    for i in prange(x.size):
        out[i] = _ELEMENT(_PRECISION(x[i]))  # noqa: F821 - set by _elementwise_loop


def _loop_with_one_parameter(x, out, params):
    for i in prange(x.size):
        out[i] = _ELEMENT(_PRECISION(x[i]), params[0])  # noqa: F821


def _loop_with_two_parameters(x, out, params):
    for i in prange(x.size):
        out[i] = _ELEMENT(_PRECISION(x[i]), params[0], params[1])  # noqa: F821


_LOOP_TEMPLATES = (_loop_without_parameters, _loop_with_one_parameter, _loop_with_two_parameters)


@_scalar
def _unchanged(x):
    return x


def _elementwise_loop(element: Any, in_float64: bool = False) -> Callable[..., None]:
    """The compiled loop ``loop(x, out, params)``: ``out[i] = element(x[i], *params)``.

    ``element`` is one of the scalar formulas above, taking x and 0 to 2 parameters;
    ``x`` and ``out`` are flat contiguous arrays of one dtype, ``params`` a tuple. With
    ``in_float64``, ``x[i]`` is converted to float64 first (the derivatives: see the module
    docstring). The loop is named after the formula (``_relu_loop``), the name numba gives
    its cache files; it compiles on its first call for each dtype.
    """
    name = element.py_func.__name__ + "_loop"
    template = _LOOP_TEMPLATES[element.py_func.__code__.co_argcount - 1]
    names = {
        "__name__": __name__, "prange": prange, "_ELEMENT": element,
        "_PRECISION": np.float64 if in_float64 else _unchanged,
    }
    loop = FunctionType(template.__code__, names, name)
    loop.__qualname__ = name
    return _parallel_kernel(loop)


_relu_loop = _elementwise_loop(_relu)
_relu_grad_loop = _elementwise_loop(_relu_grad, in_float64=True)
_leaky_relu_loop = _elementwise_loop(_leaky_relu)
_leaky_relu_grad_loop = _elementwise_loop(_leaky_relu_grad, in_float64=True)
_elu_loop = _elementwise_loop(_elu)
_elu_grad_loop = _elementwise_loop(_elu_grad, in_float64=True)
_sigmoid_loop = _elementwise_loop(_sigmoid)
_sigmoid_grad_loop = _elementwise_loop(_sigmoid_grad, in_float64=True)
_tanh_loop = _elementwise_loop(_tanh)
_tanh_grad_loop = _elementwise_loop(_tanh_grad, in_float64=True)
_softplus_loop = _elementwise_loop(_softplus)
_softplus_beta1_loop = _elementwise_loop(_softplus_beta1)
_softplus_grad_loop = _elementwise_loop(_softplus_grad, in_float64=True)
_swish_loop = _elementwise_loop(_swish)
_swish_grad_loop = _elementwise_loop(_swish_grad, in_float64=True)
_mish_loop = _elementwise_loop(_mish)
_mish_grad_loop = _elementwise_loop(_mish_grad, in_float64=True)
_gelu_loop = _elementwise_loop(_gelu)
_gelu_grad_loop = _elementwise_loop(_gelu_grad, in_float64=True)
_gelu_tanh_loop = _elementwise_loop(_gelu_tanh)
_gelu_tanh_grad_loop = _elementwise_loop(_gelu_tanh_grad, in_float64=True)


# --------------------------------------------------------------------------------------------
# The Python side: validation, contiguity, out=
# --------------------------------------------------------------------------------------------
_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _kernel_input(x: ArrayLike, function: str) -> np.ndarray:
    arr = as_float_array(x)
    if arr.dtype not in _KERNEL_DTYPES:
        raise TypeError(
            f"{function}(): x must be a float32 or float64 array (integers and booleans are "
            f"promoted to float64); got dtype {arr.dtype}. Convert it first, e.g. "
            f"x.astype(np.float32)"
        )
    return arr


def _check_out(out: Any, arr: np.ndarray, function: str) -> None:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{function}(): out must be a numpy array; got {type(out).__name__}")
    if out.dtype != arr.dtype:
        raise TypeError(
            f"{function}(): out must have the dtype of x ({arr.dtype}); got {out.dtype}"
        )
    if out.shape != arr.shape:
        raise ValueError(
            f"{function}(): out must have the shape of x {arr.shape}; got {out.shape}"
        )
    if not out.flags.writeable:
        raise ValueError(f"{function}(): out is read-only")


def _run(loop: Callable[..., None], function: str, x: ArrayLike, out: np.ndarray | None,
         *params: float) -> np.ndarray:
    """Apply ``loop`` element-wise: x is read through a flat C-contiguous view (copied only if
    it is not contiguous); the result goes to a new array or to ``out``."""
    arr = _kernel_input(x, function)
    flat = np.ascontiguousarray(arr).reshape(-1)
    if out is None:
        result = np.empty(arr.shape, dtype=arr.dtype)
        loop(flat, result.reshape(-1), params)
        return result
    _check_out(out, arr, function)
    # Writing straight into out is safe when it is contiguous and either shares no memory
    # with the input or is exactly the input (element i is read before it is written).
    same = out.ctypes.data == flat.ctypes.data and out.flags.c_contiguous
    if out.flags.c_contiguous and (same or not np.may_share_memory(out, flat)):
        loop(flat, out.reshape(-1), params)
    else:
        result = np.empty(arr.shape, dtype=arr.dtype)
        loop(flat, result.reshape(-1), params)
        np.copyto(out, result)
    return out


def _parameter(function: str, name: str, value: Any, positive: bool = False,
               allow_inf: bool = False) -> float:
    value = real_parameter(function, name, value, allow_inf=allow_inf)
    if positive and value <= 0.0:
        raise ValueError(f"{function}(): parameter {name!r} must be positive; got {value}")
    return value


# --------------------------------------------------------------------------------------------
# Public kernels
# --------------------------------------------------------------------------------------------
def relu(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""ReLU kernel, :math:`\max(0, x)`; equals :func:`course_lib.activations.relu`.

    Parameters
    ----------
    x : array_like
        Any shape; float32 stays float32, float64 stays float64, integers become float64.
        Never modified (unless it is also passed as ``out``).
    out : ndarray, optional
        Where to write the result: same shape and dtype as ``x``. Returned.

    Returns
    -------
    ndarray
        Same shape and dtype as ``x``. NaN stays NaN.

    Examples
    --------
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    return _run(_relu_loop, "relu", x, out)


def relu_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`relu`: 1 for :math:`x > 0`, else 0 (0 at the kink, as PyTorch).

    Same arguments and contract as :func:`relu`.
    """
    return _run(_relu_grad_loop, "relu_grad", x, out)


def leaky_relu(x: ArrayLike, negative_slope: float = 0.01, *,
               out: np.ndarray | None = None) -> np.ndarray:
    r"""Leaky ReLU kernel, :math:`x` for :math:`x > 0`, else :math:`\text{negative\_slope}\cdot x`.

    Same arguments and contract as :func:`relu`, plus the slope (any finite number).

    Examples
    --------
    >>> leaky_relu(np.array([-100.0, 2.0]))
    array([-1.,  2.])
    """
    slope = _parameter("leaky_relu", "negative_slope", negative_slope)
    return _run(_leaky_relu_loop, "leaky_relu", x, out, slope)


def leaky_relu_grad(x: ArrayLike, negative_slope: float = 0.01, *,
                    out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`leaky_relu`: 1 for :math:`x > 0`, else the slope (also at 0)."""
    slope = _parameter("leaky_relu_grad", "negative_slope", negative_slope)
    return _run(_leaky_relu_grad_loop, "leaky_relu_grad", x, out, slope)


def elu(x: ArrayLike, alpha: float = 1.0, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""ELU kernel, :math:`x` for :math:`x > 0`, else :math:`\alpha(e^{x} - 1)`.

    The negative branch uses our vectorised ``expm1``, exact near 0 where
    :math:`e^{x} - 1` would cancel. Same contract as :func:`relu`.

    Examples
    --------
    >>> elu(np.array([-1000.0, 1.0]))
    array([-1.,  1.])
    """
    a = _parameter("elu", "alpha", alpha)
    return _run(_elu_loop, "elu", x, out, a)


def elu_grad(x: ArrayLike, alpha: float = 1.0, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`elu`: 1 for :math:`x > 0`, else :math:`\alpha e^{x}` (:math:`\alpha` at 0)."""
    a = _parameter("elu_grad", "alpha", alpha)
    return _run(_elu_grad_loop, "elu_grad", x, out, a)


def sigmoid(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Logistic sigmoid kernel, :math:`\sigma(x) = 1/(1 + e^{-x})`.

    With :math:`u = e^{-|x|}` (never overflows): :math:`1/(1+u)` for :math:`x \ge 0`,
    :math:`u/(1+u)` for :math:`x < 0`, which keeps full relative precision in the tail.

    Examples
    --------
    >>> sigmoid(np.array([-800.0, 0.0, 800.0]))
    array([0. , 0.5, 1. ])
    """
    return _run(_sigmoid_loop, "sigmoid", x, out)


def sigmoid_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`sigmoid`, :math:`u/(1+u)^2` with :math:`u = e^{-|x|}` (no cancellation)."""
    return _run(_sigmoid_grad_loop, "sigmoid_grad", x, out)


def tanh(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""tanh kernel, :math:`\tanh x = \operatorname{sign}(x)\,\frac{-m}{2 + m}`, :math:`m = e^{-2|x|} - 1`.

    :math:`m` comes from our ``expm1``, so small :math:`|x|` keeps full relative
    precision and nothing overflows.

    Examples
    --------
    >>> tanh(np.array([-1e4, 0.0, 0.5]))
    array([-1.        ,  0.        ,  0.46211716])
    """
    return _run(_tanh_loop, "tanh", x, out)


def tanh_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`tanh`, :math:`4u/(1+u)^2` with :math:`u = e^{-2|x|}` (exact in the tails)."""
    return _run(_tanh_grad_loop, "tanh_grad", x, out)


def softplus(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0, *,
             out: np.ndarray | None = None) -> np.ndarray:
    r"""Softplus kernel, :math:`\frac{1}{\beta}\log(1 + e^{\beta x})`, and ``x`` where :math:`\beta x > \text{threshold}`.

    Computed as :math:`(\max(z, 0) + \log(1 + e^{-|z|}))/\beta`, :math:`z = \beta x`,
    with our ``exp`` and ``log1p`` (for :math:`\beta = 1` by a kernel without the two
    multiplications); PyTorch's threshold rule as in
    :func:`course_lib.activations.softplus`. ``beta`` must be positive.

    Examples
    --------
    >>> softplus(np.array([-1000.0, 0.0, 100.0]))
    array([  0.        ,   0.69314718, 100.        ])
    """
    b = _parameter("softplus", "beta", beta, positive=True)
    t = _parameter("softplus", "threshold", threshold, allow_inf=True)
    if b == 1.0:
        return _run(_softplus_beta1_loop, "softplus", x, out, t)
    return _run(_softplus_loop, "softplus", x, out, b, t)


def softplus_grad(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0, *,
                  out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`softplus`, :math:`\sigma(\beta x)`; 1 where :math:`\beta x > \text{threshold}`."""
    b = _parameter("softplus_grad", "beta", beta, positive=True)
    t = _parameter("softplus_grad", "threshold", threshold, allow_inf=True)
    return _run(_softplus_grad_loop, "softplus_grad", x, out, b, t)


def swish(x: ArrayLike, beta: float = 1.0, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Swish (SiLU for :math:`\beta = 1`) kernel, :math:`x\,\sigma(\beta x)`.

    Computed as :math:`x/(1+u)` for :math:`z = \beta x \ge 0` and :math:`x\,u/(1+u)`
    otherwise, :math:`u = e^{-|z|}`: one exponential that never overflows, one division,
    full relative precision in the negative tail. Where the gate underflows the result
    is :math:`-0`, and ``swish(-inf)`` is 0, not ``-inf * 0 = NaN``. ``beta`` must be
    positive.

    Examples
    --------
    >>> swish(np.array([-1000.0, 0.0, 1.0]))
    array([-0.        ,  0.        ,  0.73105858])
    """
    b = _parameter("swish", "beta", beta, positive=True)
    return _run(_swish_loop, "swish", x, out, b)


def swish_grad(x: ArrayLike, beta: float = 1.0, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`swish`, :math:`\sigma(z) + z\,\sigma(z)\sigma(-z)` with :math:`z = \beta x`.

    :math:`\sigma(z)\sigma(-z) = u/(1+u)^2`, :math:`u = e^{-|z|}`: no cancellation.
    """
    b = _parameter("swish_grad", "beta", beta, positive=True)
    return _run(_swish_grad_loop, "swish_grad", x, out, b)


def mish(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Mish kernel, :math:`x\tanh(\log(1 + e^{x}))`.

    :math:`\tanh(\mathrm{softplus}(x))` is a rational function of :math:`u = e^{-|x|}`:
    :math:`(1+2u)/(1+2u+2u^2)` for :math:`x > 0` and :math:`n/(n+2)`, :math:`n = u(u+2)`,
    otherwise; so mish needs one ``exp``, one division and no ``log`` or ``tanh``.

    Examples
    --------
    >>> mish(np.array([-1.0, 0.0, 1.0]))
    array([-0.30340146,  0.        ,  0.86509839])
    """
    return _run(_mish_loop, "mish", x, out)


def mish_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`mish`, :math:`g + x\,(1 - g)(1 + g)\,\sigma(x)`, :math:`g = \tanh(\mathrm{softplus}(x))`.

    :math:`g`, :math:`1 - g` and :math:`\sigma(x)` share one denominator (one division).
    """
    return _run(_mish_grad_loop, "mish_grad", x, out)


def gelu(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Exact GELU kernel, :math:`x\,\Phi(x)`.

    With :math:`t = |x|` and the upper normal tail :math:`Q(t) = \varphi(t) R(t)`
    (:math:`R` a rational approximation of Mills' ratio, :math:`\varphi(t)` from our
    ``exp`` with :math:`t^2` split exactly by an FMA): :math:`\max(x, 0) - t\,Q(t)`,
    which is :math:`x(1 - Q(t))` for :math:`x \ge 0` and :math:`x\,Q(t)` for
    :math:`x < 0`, where ``1 + erf`` would cancel.

    Examples
    --------
    >>> gelu(np.array([-5.0, 0.0, 1.0]))
    array([-1.43325786e-06,  0.00000000e+00,  8.41344746e-01])
    """
    return _run(_gelu_loop, "gelu", x, out)


def gelu_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`gelu`, :math:`\Phi(x) + x\,\varphi(x)`, from the same :math:`\varphi` and :math:`Q`."""
    return _run(_gelu_grad_loop, "gelu_grad", x, out)


def gelu_tanh(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""GELU's tanh approximation, :math:`\tfrac{x}{2}(1 + \tanh u) = x\,\sigma(2u)`,
    :math:`u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)`.

    The sigmoid form avoids the cancellation of :math:`1 + \tanh u` for negative
    :math:`u`. For float32 input :math:`2u` is computed in float64 (its float32 rounding,
    up to :math:`|2u| \approx 100`, would cost the tail its 1e-5 accuracy) and the rest
    in float32.

    Examples
    --------
    >>> gelu_tanh(np.array([-5.0, 0.0, 1.0]))
    array([-2.29179620e-07,  0.00000000e+00,  8.41191991e-01])
    """
    return _run(_gelu_tanh_loop, "gelu_tanh", x, out)


def gelu_tanh_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`gelu_tanh`, :math:`\sigma(2u) + 2x\,u'(x)\,\sigma(2u)\,\sigma(-2u)`."""
    return _run(_gelu_tanh_grad_loop, "gelu_tanh_grad", x, out)


#: Every exact kernel: name -> (forward, derivative), for loops, tests and the benchmark.
KERNELS: dict[str, tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]] = {
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "elu": (elu, elu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "softplus": (softplus, softplus_grad),
    "swish": (swish, swish_grad),
    "mish": (mish, mish_grad),
    "gelu": (gelu, gelu_grad),
    "gelu_tanh": (gelu_tanh, gelu_tanh_grad),
}


# --------------------------------------------------------------------------------------------
# Hardware-style approximations, each with a measured maximum error
# --------------------------------------------------------------------------------------------
# Piecewise-linear tanh: sign(x) * min(|x|, c + |x|/4, 1). Slopes 1, 1/4 and 0 (a shift in
# fixed point), knees at 0.625 and 2.125.
_PWL_TANH_OFFSET = 0.46875  # c = 0.75 * 0.625

# Lookup-table sigmoid: sigma at 0, 1/16, ..., 16 (257 entries); linear interpolation,
# sigma(-x) = 1 - sigma(x) for x < 0, and sigma(16) beyond 16.
_LUT_STEP = 1.0 / 16.0
_LUT_SIZE = 257
_LUT_TABLE64 = 1.0 / (1.0 + np.exp(-np.arange(_LUT_SIZE) * _LUT_STEP))
_LUT_TABLE32 = _LUT_TABLE64.astype(np.float32)


@_scalar
def _pwl_tanh(x):
    a = abs(x)
    y = _like(x, _PWL_TANH_OFFSET) + _like(x, 0.25) * a
    y = a if a < y else y
    y = _like(x, 1.0) if y > 1.0 else y
    return y if x >= 0.0 else -y  # NaN: every comparison fails, NaN comes through


@_scalar
def _hard_sigmoid(x):
    y = x + _like(x, 3.0)
    y = _like(x, 0.0) if y < 0.0 else y
    y = _like(x, 6.0) if y > 6.0 else y
    return y / _like(x, 6.0)


@_scalar
def _hard_swish(x):
    gate = _hard_sigmoid(x)
    return _like(x, 0.0) if gate == 0.0 else x * gate


@_scalar
def _lut_sigmoid(x, table):
    a = abs(x) * _like(x, 1.0 / _LUT_STEP)  # position in the table
    a = _like(x, _LUT_SIZE - 1.0) if a > _LUT_SIZE - 1.0 else a
    i = np.int32(a) if a < _LUT_SIZE - 1.0 else np.int32(_LUT_SIZE - 2)  # NaN: last index
    frac = a - _like(x, i)
    y = table[i] + frac * (table[i + 1] - table[i])
    y = y if x >= 0.0 else _like(x, 1.0) - y
    return y if x == x else x


_pwl_tanh_loop = _elementwise_loop(_pwl_tanh)
_hard_sigmoid_loop = _elementwise_loop(_hard_sigmoid)
_hard_swish_loop = _elementwise_loop(_hard_swish)
_lut_sigmoid_loop = _elementwise_loop(_lut_sigmoid)


def pwl_tanh(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Piecewise-linear tanh: the slide's idea, fixed. Max abs error 0.0704 (at :math:`|x| = 0.625`).

    .. math:: \operatorname{pwl\_tanh}(x) = \operatorname{sign}(x)\,
              \min\!\left(|x|,\; 0.46875 + \tfrac{|x|}{4},\; 1\right)

    Three segments with slopes 1, 1/4 and 0 (in fixed point, a copy, a shift and a
    constant), knees at :math:`|x| = 0.625` and :math:`2.125`. The slide meant the same
    shape but put the first knee at :math:`|x| = 1`, where the line :math:`1 + (|x|-1)/4`
    starts at 1 and is then clipped to 1 everywhere: its middle segment is dead code,
    the function is hard tanh, and its error is 0.238 at :math:`|x| = 1`. Here the knee
    offset is chosen to minimise the maximum error, which is 3.4 times smaller.

    Examples
    --------
    >>> pwl_tanh(np.array([-3.0, 0.5, 1.0]))
    array([-1.     ,  0.5    ,  0.71875])
    """
    return _run(_pwl_tanh_loop, "pwl_tanh", x, out)


def hard_sigmoid(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Hard sigmoid kernel, :math:`\min(\max(x + 3, 0), 6)/6` (PyTorch's and MobileNetV3's).

    Equals :func:`course_lib.activations.hard_sigmoid`. As an approximation of the
    sigmoid its maximum absolute error is 0.0692, at :math:`x \approx \pm 1.317`.
    """
    return _run(_hard_sigmoid_loop, "hard_sigmoid", x, out)


def hard_swish(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Hard swish kernel, :math:`x \min(\max(x + 3, 0), 6)/6` (Howard et al., 2019).

    Equals :func:`course_lib.activations.hard_swish`. As an approximation of swish
    (:math:`x\sigma(x)`) its maximum absolute error is 0.1423, at :math:`x = \pm 3`.
    """
    return _run(_hard_swish_loop, "hard_swish", x, out)


def lut_sigmoid(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Sigmoid from a lookup table with linear interpolation. Max abs error 4.7e-5.

    The table holds :math:`\sigma(k/16)` for :math:`k = 0, \dots, 256` (257 entries,
    :math:`x \in [0, 16]`, 2 KB in float64); negative inputs use
    :math:`\sigma(-x) = 1 - \sigma(x)`, and :math:`|x| > 16` gives :math:`\sigma(\pm 16)`
    (off by at most 1.1e-7). Linear interpolation errs by at most
    :math:`h^2 \max|\sigma''|/8` with :math:`h = 1/16`; the measured maximum is 4.7e-5, at
    :math:`|x| \approx 1.34`. No ``exp`` and no division: one multiply, one table read,
    one multiply-add.

    Examples
    --------
    >>> lut_sigmoid(np.array([-20.0, 0.0, 1.0]))
    array([1.12535162e-07, 5.00000000e-01, 7.31058579e-01])
    """
    arr = _kernel_input(x, "lut_sigmoid")
    table = _LUT_TABLE32 if arr.dtype == np.float32 else _LUT_TABLE64
    return _run(_lut_sigmoid_loop, "lut_sigmoid", arr, out, table)


@dataclass(frozen=True)
class Approximation:
    """A fast approximation, the function it stands for, and its stated maximum error.

    Attributes
    ----------
    name : str
    function : callable
        The fast kernel, ``function(x, out=None)``.
    exact : callable
        The function it approximates, from :mod:`course_lib.activations`.
    interval : (float, float)
        Where the error is measured; the maximum over the whole real line lies inside.
    max_abs_error : float
        The stated bound: the measured maximum, rounded up in its third digit.
    """

    name: str
    function: Callable[..., np.ndarray]
    exact: Callable[..., np.ndarray]
    interval: tuple[float, float]
    max_abs_error: float


#: The approximations, by name. ``approximation_error(name)`` measures each one.
APPROXIMATIONS: dict[str, Approximation] = {
    a.name: a
    for a in (
        Approximation("pwl_tanh", pwl_tanh, _act.tanh, (-20.0, 20.0), 0.0705),
        Approximation("hard_sigmoid", hard_sigmoid, _act.sigmoid, (-20.0, 20.0), 0.0692),
        Approximation("hard_swish", hard_swish, _act.swish, (-20.0, 20.0), 0.143),
        Approximation("lut_sigmoid", lut_sigmoid, _act.sigmoid, (-20.0, 20.0), 4.70e-5),
    )
}


def approximation_error(
    name: str, interval: tuple[float, float] | None = None, num: int = 400_001,
    dtype: DTypeLike = np.float64,
) -> tuple[float, float]:
    r"""Measure the maximum absolute error of an approximation: :math:`\max_x |\hat f(x) - f(x)|`.

    Parameters
    ----------
    name : str
        A key of :data:`APPROXIMATIONS`.
    interval : (float, float), optional
        Where to measure; default the approximation's stated interval.
    num : int
        Number of equally spaced points (the grid also includes the knees of
        ``pwl_tanh`` and the kinks of the hard functions, where maxima sit).
    dtype : float32 or float64
        Precision of the approximation's input and output; the exact function is
        evaluated in float64.

    Returns
    -------
    (error, x) : (float, float)
        The largest absolute error and the input where it occurs.

    Examples
    --------
    >>> err, where = approximation_error("pwl_tanh")
    >>> round(err, 4), abs(where)
    (0.0704, 0.625)
    """
    if name not in APPROXIMATIONS:
        raise ValueError(f"unknown approximation {name!r}; known: {', '.join(APPROXIMATIONS)}")
    if not isinstance(num, (int, np.integer)) or isinstance(num, bool) or num < 2:
        raise ValueError(f"num must be an integer >= 2; got {num!r}")
    approx = APPROXIMATIONS[name]
    lo, hi = approx.interval if interval is None else interval
    lo = real_parameter("approximation_error", "interval[0]", lo)
    hi = real_parameter("approximation_error", "interval[1]", hi)
    if not lo < hi:
        raise ValueError(f"interval must have low < high; got ({lo}, {hi})")
    special = np.array([-3.0, 3.0, -2.125, -0.625, 0.625, 2.125])
    x = np.concatenate([np.linspace(lo, hi, int(num)), special[(special >= lo) & (special <= hi)]])
    x = x.astype(dtype)
    error = np.abs(approx.function(x).astype(np.float64) - approx.exact(x.astype(np.float64)))
    i = int(np.argmax(error))
    return float(error[i]), float(x[i])


# --------------------------------------------------------------------------------------------
# Affine 8-bit quantisation (Jacob et al., 2018): real = scale * (code - zero_point)
# --------------------------------------------------------------------------------------------
_QUANT_DTYPES = {"int8": np.dtype(np.int8), "uint8": np.dtype(np.uint8)}


def _quant_dtype(dtype: DTypeLike, function: str) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.name not in _QUANT_DTYPES:
        raise TypeError(f"{function}(): dtype must be int8 or uint8; got {dtype!r}")
    return dt


def _quant_scale_zero(
    scale: Any, zero_point: Any, dt: np.dtype, function: str
) -> tuple[float, int]:
    scale = real_parameter(function, "scale", scale)
    if scale <= 0.0:
        raise ValueError(f"{function}(): scale must be positive; got {scale}")
    if isinstance(zero_point, (bool, np.bool_)) or not isinstance(zero_point, (int, np.integer)):
        raise TypeError(
            f"{function}(): zero_point must be an integer; got {type(zero_point).__name__} "
            f"{zero_point!r}"
        )
    info = np.iinfo(dt)
    if not info.min <= zero_point <= info.max:
        raise ValueError(
            f"{function}(): zero_point must lie in the {dt.name} range [{info.min}, {info.max}]; "
            f"got {zero_point}"
        )
    return scale, int(zero_point)


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
    dt = _quant_dtype(dtype, "quantization_params")
    low = min(real_parameter("quantization_params", "low", low), 0.0)
    high = max(real_parameter("quantization_params", "high", high), 0.0)
    if not high > low:
        raise ValueError(f"quantization_params(): need low < high; got ({low}, {high})")
    info = np.iinfo(dt)
    scale = (high - low) / (info.max - info.min)
    zero_point = int(np.clip(info.min - round(low / scale), info.min, info.max))
    return scale, zero_point


def quantize(x: ArrayLike, scale: float, zero_point: int, dtype: DTypeLike = "int8") -> np.ndarray:
    r"""Affine quantisation: the code :math:`q = \operatorname{clip}(\operatorname{round}(x/s) + z)`.

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
    dt = _quant_dtype(dtype, "quantize")
    scale, zero_point = _quant_scale_zero(scale, zero_point, dt, "quantize")
    arr = np.asarray(as_float_array(x), dtype=np.float64)
    if np.isnan(arr).any():
        raise ValueError("quantize(): x contains NaN, which has no integer code")
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
    codes = np.asarray(codes)
    if codes.dtype.name not in _QUANT_DTYPES:
        raise TypeError(
            f"dequantize(): codes must be an int8 or uint8 array; got dtype {codes.dtype}"
        )
    scale, zero_point = _quant_scale_zero(scale, zero_point, codes.dtype, "dequantize")
    return scale * (codes.astype(np.float64) - zero_point)


def quantized_sigmoid(x: ArrayLike, dtype: DTypeLike = "uint8") -> tuple[np.ndarray, float, int]:
    r"""The sigmoid as 8-bit codes: ``codes`` with ``dequantize(codes, scale, zero_point)`` :math:`\approx \sigma(x)`.

    The output range :math:`[0, 1]` is spread over all 256 codes, ``scale = 1/255``
    (zero point 0 for uint8, -128 for int8), and each code is the nearest one to the
    real :math:`\sigma(x)` (computed by :func:`sigmoid`), so the dequantised value is
    within half a step, :math:`1/510 \approx 0.00196`, of :math:`\sigma(x)` for every x.
    (The slide's "quantized sigmoid" rounds :math:`x \cdot 2^8` and never applies a sigmoid.)
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
    dt = _quant_dtype(dtype, "quantized_sigmoid")
    arr = _kernel_input(x, "quantized_sigmoid")
    scale = 1.0 / 255.0
    zero_point = 0 if dt == np.uint8 else -128
    return quantize(sigmoid(arr), scale, zero_point, dt), scale, zero_point


def memory_by_dtype(x: ArrayLike) -> dict[str, int]:
    """Bytes the values of ``x`` take as float64, float32, float16 and int8 (size x itemsize).

    The slide's memory table prints the input and output bytes of three functions that
    all return float64 arrays of the input's shape, so every row reads 8,000,000 bytes:
    its "quantized" sigmoid saves no memory at all. (Its lambda is called inside each
    iteration of the comprehension, so it does time the right function; the rows are
    equal because the dtypes are.) Here each row is computed for its own dtype; for
    8-bit codes of real values see :func:`quantize`.

    Examples
    --------
    >>> memory_by_dtype(np.zeros((1000, 1000)))
    {'float64': 8000000, 'float32': 4000000, 'float16': 2000000, 'int8': 1000000}
    """
    size = int(np.size(np.asarray(x)))
    names = ("float64", "float32", "float16", "int8")
    return {name: size * np.dtype(name).itemsize for name in names}
