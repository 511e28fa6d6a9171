"""The scalar formulas of the fast kernels (:mod:`course_lib.kernels.fast`) and their loops.

Each ``_name(x, *params)`` computes one element; ``_name_loop`` is it compiled over a flat
array by :func:`~course_lib.kernels._jit.elementwise_loop`. The arrangement of each
formula is explained in :mod:`course_lib.kernels.fast`.
"""

from __future__ import annotations

import math

import numpy as np

from course_lib.kernels._jit import elementwise_loop, like, scalar
from course_lib.kernels.vecmath import (
    exp_neg,
    exp_neg64,
    exp_neg_sum,
    expm1_neg,
    gauss_tail64,
    log1p_unit,
    times_gauss_q,
)

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_TANH_COEF = 0.044715


@scalar
def _finite(x):
    """x, with -inf replaced by the most negative float32: a gate that underflows to 0 then
    gives -0.0, where -inf * 0 would be NaN. NaN passes."""
    lowest = like(x, -3.4e38)
    return lowest if x < lowest else x


# Scalar formulas. Forward functions work in the precision of their argument; the
# derivatives are always given float64 (see the module docstring). Each is written so that
# the limits at +-inf come out right and NaN propagates.
@scalar
def _relu(x):
    return like(x, 0.0) if x <= 0.0 else x  # NaN fails the test and is returned


@scalar
def _relu_grad(x):
    return 1.0 if x > 0.0 else (0.0 if x <= 0.0 else x)


@scalar
def _leaky_relu(x, negative_slope):
    slope = like(x, negative_slope)
    if x <= 0.0:
        return slope * x if slope != 0.0 else like(x, 0.0)  # 0 * -inf would be NaN
    return x


@scalar
def _leaky_relu_grad(x, negative_slope):
    return 1.0 if x > 0.0 else (negative_slope if x <= 0.0 else x)


@scalar
def _elu(x, alpha):
    a = like(x, 0.0) if x > 0.0 else -x  # expm1 is only ever asked about -a <= 0
    return like(x, alpha) * expm1_neg(a) if x <= 0.0 else x


@scalar
def _elu_grad(x, alpha):
    a = 0.0 if x > 0.0 else -x  # NaN stays NaN
    return 1.0 if x > 0.0 else alpha * exp_neg64(a)


@scalar
def _sigmoid(x):
    u = exp_neg(abs(x))
    return (like(x, 1.0) if x >= 0.0 else u) / (like(x, 1.0) + u)


@scalar
def _sigmoid_grad(x):
    u = exp_neg64(abs(x))
    return u / ((1.0 + u) * (1.0 + u))


@scalar
def _tanh(x):
    e = expm1_neg(like(x, 2.0) * abs(x))  # e^{-2|x|} - 1 in (-1, 0], exact near 0
    t = abs(e) / (like(x, 2.0) + e)  # abs: -e would make tanh(0) = -0.0
    return t if x >= 0.0 else -t


@scalar
def _tanh_grad(x):
    u = exp_neg64(2.0 * abs(x))
    return 4.0 * u / ((1.0 + u) * (1.0 + u))


@scalar
def _softplus_unscaled(z):
    # log(1 + e^z) = max(z, 0) + log(1 + e^{-|z|}): the exponential never overflows.
    positive_part = z if z > 0.0 else like(z, 0.0)
    return positive_part + log1p_unit(exp_neg(abs(z)))


@scalar
def _softplus(x, beta, threshold):
    b = like(x, beta)
    z = b * x
    value = _softplus_unscaled(z) * (like(x, 1.0) / b)  # 1 / b is hoisted out of the loop
    return x if z > like(x, threshold) else value


@scalar
def _softplus_beta1(x, threshold):
    # beta = 1, PyTorch's default, without the two multiplications by beta and 1 / beta.
    return x if x > like(x, threshold) else _softplus_unscaled(x)


@scalar
def _softplus_grad(x, beta, threshold):
    z = beta * x
    return 1.0 if z > threshold else _sigmoid(z)


@scalar
def _swish(x, beta):
    # x sigma(z) = x (1 or u) / (1 + u) with z = beta x, u = e^{-|z|}: one exp, one division.
    z = like(x, beta) * x
    u = exp_neg(abs(z))
    gate_numerator = like(x, 1.0) if z >= 0.0 else u
    return _finite(x) * gate_numerator / (like(x, 1.0) + u)


@scalar
def _swish_grad(x, beta):
    z = beta * x
    u = exp_neg64(abs(z))
    inv = 1.0 / (1.0 + u)
    s = inv if z >= 0.0 else u * inv
    slope = u * inv * inv  # sigma(z) sigma(-z), exact in both tails
    return s + (0.0 if slope == 0.0 else z * slope)


@scalar
def _mish(x):
    one = like(x, 1.0)
    two = like(x, 2.0)
    u = exp_neg(abs(x))
    n = u * (u + two)
    positive = x > 0.0
    numerator = one + two * u if positive else n
    denominator = one + two * u + two * u * u if positive else n + two
    gate = numerator / denominator  # one division for both branches
    return _finite(x) * gate


@scalar
def _mish_grad(x):
    # gate = num/den and 1 - gate = rest/den share a denominator with sigma(x) = s_num/(1+u):
    # one division serves all three.
    u = exp_neg64(abs(x))
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


@scalar
def _gelu(x):
    # x Phi(x) = max(x, 0) - |x| Q(|x|) for either sign of x, with Q(t) = 1 - Phi(t):
    # x (1 - Q) for x >= 0 and x Q for x < 0, where 1 + erf would cancel.
    positive_part = x if x > 0.0 else like(x, 0.0)  # (NaN comes through the second term)
    return positive_part - times_gauss_q(abs(x))


@scalar
def _gelu_grad(x):
    t = abs(x)
    t = 40.0 if t > 40.0 else t
    phi, q = gauss_tail64(t)
    return (1.0 - q) + t * phi if x >= 0.0 else q - t * phi


@scalar
def _gelu_tanh(x):
    # x sigma(z) with z = 2u(x). For float32 x, z is computed in float64 (in float32 its
    # rounding would cost sigma(z) up to 2e-5 where |z| is large) and handed to the float32
    # exponential as a float32 value plus the float32 rounding of the remainder.
    d = np.float64(x)
    z = (2.0 * _SQRT_2_OVER_PI) * d * (1.0 + _GELU_TANH_COEF * d * d)
    a = abs(z)
    a = 800.0 if a > 800.0 else a  # e^-800 = 0 in float64 and float32; NaN passes
    a_like = like(x, a)
    u = exp_neg_sum(a_like, like(x, a - np.float64(a_like)))
    gate_numerator = like(x, 1.0) if z >= 0.0 else u
    return _finite(x) * gate_numerator / (like(x, 1.0) + u)


@scalar
def _gelu_tanh_grad(x):
    z = (2.0 * _SQRT_2_OVER_PI) * x * (1.0 + _GELU_TANH_COEF * x * x)
    u = exp_neg64(abs(z))
    inv = 1.0 / (1.0 + u)
    s = inv if z >= 0.0 else u * inv
    slope = u * inv * inv
    dz = (2.0 * _SQRT_2_OVER_PI) * (1.0 + 3.0 * _GELU_TANH_COEF * x * x)  # d(2u)/dx
    return s + (0.0 if slope == 0.0 else x * dz * slope)


_relu_loop = elementwise_loop(_relu, __name__)
_relu_grad_loop = elementwise_loop(_relu_grad, __name__, in_float64=True)
_leaky_relu_loop = elementwise_loop(_leaky_relu, __name__)
_leaky_relu_grad_loop = elementwise_loop(_leaky_relu_grad, __name__, in_float64=True)
_elu_loop = elementwise_loop(_elu, __name__)
_elu_grad_loop = elementwise_loop(_elu_grad, __name__, in_float64=True)
_sigmoid_loop = elementwise_loop(_sigmoid, __name__)
_sigmoid_grad_loop = elementwise_loop(_sigmoid_grad, __name__, in_float64=True)
_tanh_loop = elementwise_loop(_tanh, __name__)
_tanh_grad_loop = elementwise_loop(_tanh_grad, __name__, in_float64=True)
_softplus_loop = elementwise_loop(_softplus, __name__)
_softplus_beta1_loop = elementwise_loop(_softplus_beta1, __name__)
_softplus_grad_loop = elementwise_loop(_softplus_grad, __name__, in_float64=True)
_swish_loop = elementwise_loop(_swish, __name__)
_swish_grad_loop = elementwise_loop(_swish_grad, __name__, in_float64=True)
_mish_loop = elementwise_loop(_mish, __name__)
_mish_grad_loop = elementwise_loop(_mish_grad, __name__, in_float64=True)
_gelu_loop = elementwise_loop(_gelu, __name__)
_gelu_grad_loop = elementwise_loop(_gelu_grad, __name__, in_float64=True)
_gelu_tanh_loop = elementwise_loop(_gelu_tanh, __name__)
_gelu_tanh_grad_loop = elementwise_loop(_gelu_tanh_grad, __name__, in_float64=True)
