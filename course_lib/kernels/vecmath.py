r"""Vectorisable elementary functions for the fast kernels, and their fitted coefficients.

Without Intel's SVML library, numba calls the C library's scalar ``exp`` once per element,
and the compiler cannot use SIMD instructions. The functions here are made only of
operations LLVM vectorises (multiply-add, compare-and-select, integer shifts), 8 float64
or 16 float32 numbers per AVX-512 instruction. All are inlined into compiled code; each
has a float64 and a float32 version (``exp_neg64``, ``exp_neg32``), and :data:`exp_neg`
etc. pick one by the argument's type.

* ``exp_neg(a)`` :math:`= e^{-a}` for :math:`a \ge 0`:

  .. math:: e^{-a} = 2^{k} e^{r}, \qquad k = \operatorname{round}(-a/\ln 2),
            \quad r = -a - k \ln 2 \in [-\tfrac{\ln 2}{2}, \tfrac{\ln 2}{2}].

  Adding :math:`1.5\cdot 2^{52} + 1087` to :math:`-a/\ln 2` rounds it to an integer that
  sits in the low bits of the sum; shifted into the exponent field, the same bits are
  :math:`2^{k+64}`. The polynomial for :math:`e^{r}` carries the factor :math:`2^{-64}`,
  so :math:`e^{-a}` is one multiplication and a subnormal result is rounded once.
  :math:`k \ln 2` is subtracted in two parts in float64 (Cody & Waite), by one FMA in
  float32. ``exp_neg_sum(a, low)`` is :math:`e^{-(a + low)}` for a small correction.
* ``expm1_neg(a)`` :math:`= e^{-a} - 1`, exact near 0: :math:`2^k (r + r^2 g(r)) + 2^k - 1`.
* ``log1p_unit(u)`` :math:`= \log(1+u)` on :math:`[0, 1]`: :math:`2\operatorname{artanh}
  (u/(2+u))` in float64 (one division), :math:`u\,h(u)` with
  :math:`h \approx \log(1+u)/u` in float32 (no division).
* ``times_gauss_q(t)`` :math:`= t\,Q(t)`, :math:`Q = 1 - \Phi`, and ``gauss_tail64(t)``
  :math:`= (\varphi(t), Q(t))`: :math:`Q = \varphi R` with a rational approximation of
  Mills' ratio :math:`R`, :math:`t^2` split exactly into ``hi + lo`` by an FMA.

:data:`COEFFICIENTS` are the outputs of ``python -m course_lib.kernels.fit`` (see
:mod:`course_lib.kernels.fit` for the methods). Maximum relative errors against mpmath,
checked by the tests: :math:`e^{-a}` 5e-16, ``expm1`` 3e-16, ``log1p`` 5e-16,
:math:`t\,Q(t)` 7e-15 for :math:`t \le 38` (float64); 5e-7, 1e-7, 4e-7, 1.2e-6 (float32).
"""

from __future__ import annotations

import numpy as np

from course_lib.kernels._jit import bits, by_dtype, fma, from_bits, scalar

__all__ = [
    "COEFFICIENTS",
    "exp_neg",
    "exp_neg32",
    "exp_neg64",
    "exp_neg_sum",
    "exp_neg_sum32",
    "exp_neg_sum64",
    "expm1_neg",
    "expm1_neg32",
    "expm1_neg64",
    "gauss_tail64",
    "log1p_unit",
    "log1p_unit32",
    "log1p_unit64",
    "times_gauss_q",
    "times_gauss_q32",
    "times_gauss_q64",
]

#: Polynomial coefficients, lowest degree first, exactly as ``python -m course_lib.kernels.fit``
#: prints them. exp: e^r on |r| <= ln2/2 (minimax, relative). expm1: (e^r - 1 - r)/r^2 on
#: |r| <= ln2/2 (Chebyshev interpolation). atanh64: (artanh(s)/s - 1)/s^2 in w = s^2 <= 1/9
#: (minimax, absolute). log1p_ratio32: log(1 + u)/u on [0, 1] (minimax, relative). mills:
#: numerator and denominator of Mills' ratio Q(t)/phi(t) on [0, 40] (float64) and [0, 15]
#: (float32), rational fit of the relative error.
COEFFICIENTS: dict[str, tuple[float, ...]] = {
    "exp64": (1.0, 1.0000000000000064, 0.49999999999997286, 0.16666666666557742,
              0.04166666666842604, 0.00833333338466586, 0.0013888888499132617,
              0.00019841171384145565, 2.4801917693499152e-05, 2.763976828264541e-06,
              2.748844159545267e-07),
    "exp32": (1.0000000716546849, 0.999999691991555, 0.4999889485120397, 0.16667574728621964,
              0.04191538199275342, 0.008297655088545722),
    "expm1_64": (0.5000000000000001, 0.16666666666666669, 0.041666666666624164,
                 0.008333333333330065, 0.0013888888917196719, 0.00019841269863040545,
                 2.4801521322368692e-05, 2.7557268480310024e-06, 2.7620075879983367e-07,
                 2.5100375832561234e-08),
    "expm1_32": (0.5, 0.1666657702559799, 0.041666554662050534, 0.008363173074513711,
                 0.001392617611993558),
    "atanh64": (0.3333333333333349, 0.19999999999770304, 0.1428571434017958, 0.11111106145571219,
                0.09091135278197679, 0.07686546615734624, 0.06752138358974573, 0.05155973004598404,
                0.08447424287175881),
    "log1p_ratio32": (0.999999805666946, -0.4999740539572415, 0.33275479772055955,
                      -0.24495462828653966, 0.17745241474475215, -0.10768171353827037,
                      0.04408963217137581, -0.008539208663045117),
    "mills_p64": (1.253314137315504, 1.8041326247356746, 1.2807704103328987, 0.5711475816133889,
                  0.17324438424332853, 0.0364930140134086, 0.005225326683709264,
                  0.0004687202028501826, 2.0517440546565557e-05),
    "mills_s64": (1.0, 2.237374127720696, 2.307073209572801, 1.4437623884138888, 0.6067035574884524,
                  0.17842865860930646, 0.036961734755848984, 0.00524584411311844,
                  0.0004687202029861646, 2.0517440545829346e-05),
    "mills_p32": (1.253313614127095, 0.911807625295986, 0.3022024887574566, 0.043345600928198835),
    "mills_s32": (1.0, 1.5253812799552864, 0.9583621333562423, 0.30201525941740864,
                  0.04335006133051963),
}

# ln 2 split for the Cody-Waite reduction r = x - k ln2: _LN2_HI has its low bits zero, so
# k * _LN2_HI is exact for every k that occurs; _LN2_LO = ln 2 - _LN2_HI (to 17 digits).
_LN2_HI = 0.693147180369123816490  # ln 2 with the last 21 bits cleared
_LN2_LO = 1.90821492927058770002e-10
_LOG2E = 1.4426950408889634  # 1 / ln 2
_LN2_32 = np.float32(0.6931471805599453)  # 1.9e-9 too large: see exp_neg_sum32
_LOG2E_32 = np.float32(_LOG2E)
# Adding 1.5 * 2**52 (float64) or 1.5 * 2**23 (float32) to a number of magnitude below 2**51
# rounds it to an integer, which then sits in the low bits of the sum. Adding also an
# exponent bias b makes those low bits k + b, and shifting them into the exponent field
# gives 2^(k + b - bias) with one integer shift.
_ROUND64 = 6755399441055744.0
_ROUND32 = 12582912.0
_EXP_SHIFT64 = _ROUND64 + 1023.0 + 64.0  # low bits: k + 1087; as an exponent, 2^(k + 64)
_EXP_SHIFT32 = np.float32(_ROUND32 + 127.0 + 64.0)  # low bits: k + 191; 2^(k + 64)
_EXPM1_SHIFT64 = _ROUND64 + 1023.0  # low bits: k + 1023; 2^k
_EXPM1_SHIFT32 = np.float32(_ROUND32 + 127.0)  # low bits: k + 127; 2^k
_TWO_M64 = 2.0**-64
_INV_SQRT_2PI = 0.3989422804014327


def _float32(coefficients: tuple[float, ...]) -> tuple[np.float32, ...]:
    return tuple(np.float32(c) for c in coefficients)


_EXP64 = tuple(c * _TWO_M64 for c in COEFFICIENTS["exp64"])  # times 2^-64: exact
_EXP32 = _float32(tuple(c * _TWO_M64 for c in COEFFICIENTS["exp32"]))
_EXPM1_64 = COEFFICIENTS["expm1_64"]
_EXPM1_32 = _float32(COEFFICIENTS["expm1_32"])
_ATANH64 = COEFFICIENTS["atanh64"]
_LOG1P_RATIO32 = _float32(COEFFICIENTS["log1p_ratio32"])
_MILLS_P64 = COEFFICIENTS["mills_p64"]
_MILLS_S64 = COEFFICIENTS["mills_s64"]
# float32: phi(t) * P(t) in one polynomial (the float32 kernel needs Q only, not phi).
_MILLS_P32 = _float32(tuple(c * _INV_SQRT_2PI for c in COEFFICIENTS["mills_p32"]))
_MILLS_S32 = _float32(COEFFICIENTS["mills_s32"])


@scalar
def _horner(r, coefficients):
    """Evaluate sum(coefficients[i] * r**i) by Horner's rule (unrolled by LLVM)."""
    p = coefficients[-1]
    for i in range(len(coefficients) - 2, -1, -1):
        p = p * r + coefficients[i]
    return p


@scalar
def exp_neg_sum64(a, low):
    r"""e^{-(a + low)} for float64 a >= 0 and a small ``low`` (e.g. the rounding error of a),
    subtracted from the reduced argument r: one operation instead of a multiplication.

    :math:`2^{k+64}`, a normal number for every :math:`k \ge -1076`, is the integer sum
    ``t`` shifted into the exponent field.
    """
    a = 746.0 if a > 746.0 else a  # e^-746 rounds to 0; NaN passes the comparison
    t = a * -_LOG2E + _EXP_SHIFT64  # low bits of t: k + 1087
    kf = t - _EXP_SHIFT64
    r = ((-a - kf * _LN2_HI) - kf * _LN2_LO) - low
    return _horner(r, _EXP64) * from_bits(bits(t) << 52)


@scalar
def exp_neg64(a):
    """e^{-a} for float64 a >= 0 (NaN gives NaN), to 5e-16, gradual underflow kept."""
    return exp_neg_sum64(a, 0.0)


@scalar
def _exp_neg_sum_unclamped32(a, low):
    """exp_neg_sum32 for 0 <= a <= 104 (or NaN)."""
    t = a * -_LOG2E_32 + _EXP_SHIFT32  # low bits of t: k + 191
    kf = t - _EXP_SHIFT32
    r = fma(kf, -_LN2_32, -a) - low  # one rounding: the FMA is what makes this exact enough
    return _horner(r, _EXP32) * from_bits(np.int32(bits(t) << np.int32(23)))


@scalar
def exp_neg_sum32(a, low):
    """e^{-(a + low)} for float32 a >= 0 and a small ``low``, in float32 arithmetic.

    The reduction is a single FMA with the float32 ln 2, whose error of 1.9e-9 costs at most
    2.9e-7 (at a = 104, where k = -150), far below 1e-5.
    """
    a = np.float32(104.0) if a > np.float32(104.0) else a  # e^-104 rounds to 0
    return _exp_neg_sum_unclamped32(a, low)


@scalar
def exp_neg32(a):
    """e^{-a} for float32 a >= 0, in float32 arithmetic (relative error below 5e-7)."""
    return exp_neg_sum32(a, np.float32(0.0))


@scalar
def expm1_neg64(a):
    """e^{-a} - 1 for float64 a >= 0, without the cancellation of exp(-a) - 1 near 0."""
    a = 40.0 if a > 40.0 else a  # beyond, e^-a - 1 rounds to -1
    t = a * -_LOG2E + _EXPM1_SHIFT64  # low bits of t: k + 1023
    kf = t - _EXPM1_SHIFT64
    r = (-a - kf * _LN2_HI) - kf * _LN2_LO
    q = r + r * r * _horner(r, _EXPM1_64)  # e^r - 1
    s = from_bits(bits(t) << 52)  # 2^k
    return s * q + (s - 1.0)  # 2^k e^r - 1, one rounding; exact q for k = 0


@scalar
def expm1_neg32(a):
    """e^{-a} - 1 for float32 a >= 0, in float32 arithmetic."""
    a = np.float32(20.0) if a > np.float32(20.0) else a
    t = a * -_LOG2E_32 + _EXPM1_SHIFT32
    kf = t - _EXPM1_SHIFT32
    r = fma(kf, -_LN2_32, -a)
    q = r + r * r * _horner(r, _EXPM1_32)
    s = from_bits(np.int32(bits(t) << np.int32(23)))
    return s * q + (s - np.float32(1.0))


@scalar
def log1p_unit64(u):
    r"""log(1 + u) for float64 u in [0, 1] (NaN gives NaN), to a few units in the last place.

    :math:`\log(1+u) = 2\operatorname{artanh}(s) = 2s\,(1 + s^2 P(s^2))` with
    :math:`s = u/(2+u) \in [0, 1/3]`: one division and a polynomial in :math:`s^2 \le 1/9`.
    """
    s = u / (2.0 + u)
    two_s = 2.0 * s
    w = s * s
    return two_s + two_s * w * _horner(w, _ATANH64)


@scalar
def log1p_unit32(u):
    """log(1 + u) for float32 u in [0, 1]: u times a polynomial, no division (error 4e-7)."""
    return u * _horner(u, _LOG1P_RATIO32)


@scalar
def gauss_tail64(t):
    r"""(phi(t), Q(t)) for float64 t >= 0: the normal density and upper tail 1 - Phi(t).

    :math:`Q(t) = \varphi(t) R(t)`; :math:`t^2` is split exactly as ``hi + lo`` (an FMA
    gives ``lo``) so that :math:`\varphi(t) = e^{-(hi + lo)/2}/\sqrt{2\pi}` keeps full
    relative precision up to :math:`t \approx 38`, where it underflows.
    """
    t = 40.0 if t > 40.0 else t  # phi(40) = 0 in float64; keeps t*t and R finite
    hi = t * t
    lo = fma(t, t, -hi)
    phi = exp_neg_sum64(0.5 * hi, 0.5 * lo) * _INV_SQRT_2PI
    return phi, phi * (_horner(t, _MILLS_P64) / _horner(t, _MILLS_S64))


@scalar
def times_gauss_q64(t):
    """t Q(t) for float64 t >= 0, with Q(t) = 1 - Phi(t) (0 at +inf; see gauss_tail64)."""
    t = 40.0 if t > 40.0 else t  # Q(40) = 0 in float64
    return t * gauss_tail64(t)[1]


@scalar
def times_gauss_q32(t):
    """t Q(t) for float32 t >= 0, in float32 arithmetic."""
    t = np.float32(14.4) if t > np.float32(14.4) else t  # beyond, t Q(t) < 5e-46 rounds to 0
    hi = t * t
    lo = fma(t, t, -hi)
    # e^{-t^2/2}; its argument is at most 103.7, so the exponential needs no clamp.
    e = _exp_neg_sum_unclamped32(np.float32(0.5) * hi, np.float32(0.5) * lo)
    return t * e * _horner(t, _MILLS_P32) / _horner(t, _MILLS_S32)  # P32 has 1/sqrt(2 pi)


exp_neg = by_dtype("exp_neg", exp_neg64, exp_neg32)
exp_neg_sum = by_dtype("exp_neg_sum", exp_neg_sum64, exp_neg_sum32, arity=2)
expm1_neg = by_dtype("expm1_neg", expm1_neg64, expm1_neg32)
log1p_unit = by_dtype("log1p_unit", log1p_unit64, log1p_unit32)
times_gauss_q = by_dtype("times_gauss_q", times_gauss_q64, times_gauss_q32)
