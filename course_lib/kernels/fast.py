r"""The fast kernels: each activation and its derivative as one fused, vectorised pass.

Each kernel ``f(x, *params, out=None)`` equals its :mod:`course_lib.activations`
counterpart to a relative 1e-12 (float64) or 1e-5 (float32), tails, ``±inf`` and NaN
included, for float32 and float64 arrays of any shape. It is one pass over memory, split
over threads with ``numba.prange`` like the readable kernels of
:mod:`course_lib.kernels.plain`, but faster because it never calls the C library: every
exponential, ``log1p`` and normal tail comes from :mod:`course_lib.kernels.vecmath`,
whose multiply-adds and shifts LLVM turns into SIMD instructions (8 float64 or 16 float32
numbers at a time), where ``math.exp`` is one scalar call per element.

The formulas are arranged to save work: one exponential :math:`u = e^{-|x|}` (which never
overflows) and at most one division per element; softplus has a loop of its own for
:math:`\beta = 1`, swish is :math:`x\,(1 \text{ or } u)/(1+u)`, mish a rational function of
:math:`u`, GELU :math:`\max(x, 0) - |x|\,Q(|x|)`. Float32 input is computed in float32
(twice as many numbers per instruction), except the derivatives, which have zeros where any
rounding is amplified (computed in float64 and rounded once), and the gate argument
:math:`2u(x)` of ``gelu_tanh``, computed in float64.

The scalar formulas and their loops are in :mod:`course_lib.kernels._fast_formulas`.
Each loop compiles on its first call for each dtype (about a second) and is cached on disk
where the package folder or the home folder is writable.

Examples
--------
>>> import numpy as np
>>> from course_lib.kernels import fast
>>> fast.gelu(np.linspace(-3.0, 3.0, 7))
array([-0.00404969, -0.04550026, -0.15865525,  0.        ,  0.84134475,
        1.95449974,  2.99595031])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.kernels._dispatch import check_parameters, default, run
from course_lib.kernels._fast_formulas import (
    _elu_grad_loop,
    _elu_loop,
    _gelu_grad_loop,
    _gelu_loop,
    _gelu_tanh_grad_loop,
    _gelu_tanh_loop,
    _leaky_relu_grad_loop,
    _leaky_relu_loop,
    _mish_grad_loop,
    _mish_loop,
    _relu_grad_loop,
    _relu_loop,
    _sigmoid_grad_loop,
    _sigmoid_loop,
    _softplus_beta1_loop,
    _softplus_grad_loop,
    _softplus_loop,
    _swish_grad_loop,
    _swish_loop,
    _tanh_grad_loop,
    _tanh_loop,
)

__all__ = [
    "elu", "elu_grad", "gelu", "gelu_grad", "gelu_tanh", "gelu_tanh_grad", "leaky_relu",
    "leaky_relu_grad", "mish", "mish_grad", "relu", "relu_grad", "sigmoid", "sigmoid_grad",
    "softplus", "softplus_grad", "swish", "swish_grad", "tanh", "tanh_grad",
]

# Defaults of the parameters: the activation registry's (PyTorch's).
_SLOPE = default("leaky_relu", "negative_slope")
_ELU_ALPHA = default("elu", "alpha")
_SOFTPLUS_BETA, _THRESHOLD = default("softplus", "beta"), default("softplus", "threshold")
_SWISH_BETA = default("swish", "beta")


def _kernel(loop: Callable[..., None], name: str, x: ArrayLike, out: np.ndarray | None,
            **params: Any) -> np.ndarray:
    where = f"kernels.{name}()"
    return run(loop, where, x, out, check_parameters(name.removesuffix("_grad"), where, params))


def relu(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""ReLU, :math:`\max(0, x)`.

    No exponential here: the plain loop is as fast, both run at memory speed.

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
    return _kernel(_relu_loop, "relu", x, out)


def relu_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of :func:`relu`: 1 for x > 0, else 0 (0 at the kink, as PyTorch)."""
    return _kernel(_relu_grad_loop, "relu_grad", x, out)


def leaky_relu(x: ArrayLike, negative_slope: float = _SLOPE, *,
               out: np.ndarray | None = None) -> np.ndarray:
    r"""Leaky ReLU, :math:`x` for :math:`x > 0`, else :math:`\mathrm{negative\_slope}\cdot x`.

    As :func:`relu`: no exponential, no faster than the plain loop.

    Examples
    --------
    >>> leaky_relu(np.array([-100.0, 2.0]))
    array([-1.,  2.])
    """
    return _kernel(_leaky_relu_loop, "leaky_relu", x, out, negative_slope=negative_slope)


def leaky_relu_grad(x: ArrayLike, negative_slope: float = _SLOPE, *,
                    out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of :func:`leaky_relu`: 1 for x > 0, else the slope (also at 0)."""
    return _kernel(_leaky_relu_grad_loop, "leaky_relu_grad", x, out,
                   negative_slope=negative_slope)


def elu(x: ArrayLike, alpha: float = _ELU_ALPHA, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""ELU, :math:`x` for :math:`x > 0`, else :math:`\alpha(e^{x} - 1)`.

    Faster than the plain loop because its ``expm1`` is the vectorised one of
    :mod:`~course_lib.kernels.vecmath` (exact near 0, like the C library's).

    Examples
    --------
    >>> elu(np.array([-1000.0, 1.0]))
    array([-1.,  1.])
    """
    return _kernel(_elu_loop, "elu", x, out, alpha=alpha)


def elu_grad(x: ArrayLike, alpha: float = _ELU_ALPHA, *,
             out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`elu`: 1 for :math:`x > 0`, else :math:`\alpha e^{x}` (also at 0)."""
    return _kernel(_elu_grad_loop, "elu_grad", x, out, alpha=alpha)


def sigmoid(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Logistic sigmoid, :math:`\sigma(x) = 1/(1 + e^{-x})`.

    :math:`1/(1+u)` for :math:`x \ge 0` and :math:`u/(1+u)` for :math:`x < 0`,
    :math:`u = e^{-|x|}`: full relative precision in the tail. Faster than the plain loop
    because the exponential is a vectorised polynomial, not a C library call per element.

    Examples
    --------
    >>> sigmoid(np.array([-800.0, 0.0, 800.0]))
    array([0. , 0.5, 1. ])
    """
    return _kernel(_sigmoid_loop, "sigmoid", x, out)


def sigmoid_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`sigmoid`, :math:`u/(1+u)^2` with :math:`u = e^{-|x|}`."""
    return _kernel(_sigmoid_grad_loop, "sigmoid_grad", x, out)


def tanh(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""tanh, :math:`\operatorname{sign}(x)\,\frac{-m}{2 + m}` with :math:`m = e^{-2|x|} - 1`.

    :math:`m` comes from the vectorised ``expm1``, so small :math:`|x|` keeps full relative
    precision and nothing overflows; faster than the C library's ``tanh`` per element.

    Examples
    --------
    >>> tanh(np.array([-1e4, 0.0, 0.5]))
    array([-1.        ,  0.        ,  0.46211716])
    """
    return _kernel(_tanh_loop, "tanh", x, out)


def tanh_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`tanh`, :math:`4u/(1+u)^2` with :math:`u = e^{-2|x|}`."""
    return _kernel(_tanh_grad_loop, "tanh_grad", x, out)


def softplus(x: ArrayLike, beta: float = _SOFTPLUS_BETA, threshold: float = _THRESHOLD, *,
             out: np.ndarray | None = None) -> np.ndarray:
    r"""Softplus, :math:`\frac{1}{\beta}\log(1 + e^{\beta x})`; ``x`` where
    :math:`\beta x > \mathrm{threshold}` (PyTorch's rule).

    :math:`(\max(z, 0) + \log(1 + e^{-|z|}))/\beta`, :math:`z = \beta x`, with the
    vectorised ``exp`` and ``log1p`` instead of two C library calls per element (and a loop
    without the multiplications for :math:`\beta = 1`). ``beta`` must be positive.

    Examples
    --------
    >>> softplus(np.array([-1000.0, 0.0, 100.0]))
    array([  0.        ,   0.69314718, 100.        ])
    """
    b, t = check_parameters("softplus", "kernels.softplus()",
                            {"beta": beta, "threshold": threshold})
    if b == 1.0:
        return run(_softplus_beta1_loop, "kernels.softplus()", x, out, (t,))
    return run(_softplus_loop, "kernels.softplus()", x, out, (b, t))


def softplus_grad(x: ArrayLike, beta: float = _SOFTPLUS_BETA, threshold: float = _THRESHOLD, *,
                  out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`softplus`, :math:`\sigma(\beta x)`; 1 where
    :math:`\beta x > \mathrm{threshold}`."""
    return _kernel(_softplus_grad_loop, "softplus_grad", x, out, beta=beta, threshold=threshold)


def swish(x: ArrayLike, beta: float = _SWISH_BETA, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Swish (SiLU for :math:`\beta = 1`), :math:`x\,\sigma(\beta x)`.

    :math:`x/(1+u)` for :math:`z = \beta x \ge 0` and :math:`x\,u/(1+u)` otherwise,
    :math:`u = e^{-|z|}`: one vectorised exponential, one division. Where the gate
    underflows the result is :math:`-0`, and ``swish(-inf)`` is 0. ``beta`` must be positive.

    Examples
    --------
    >>> swish(np.array([-1000.0, 0.0, 1.0]))
    array([-0.        ,  0.        ,  0.73105858])
    """
    return _kernel(_swish_loop, "swish", x, out, beta=beta)


def swish_grad(x: ArrayLike, beta: float = _SWISH_BETA, *,
               out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`swish`, :math:`\sigma(z) + z\,\sigma(z)\sigma(-z)`,
    :math:`z = \beta x`."""
    return _kernel(_swish_grad_loop, "swish_grad", x, out, beta=beta)


def mish(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Mish, :math:`x\tanh(\log(1 + e^{x}))`.

    :math:`\tanh(\mathrm{softplus}(x))` is a rational function of :math:`u = e^{-|x|}`:
    :math:`(1+2u)/(1+2u+2u^2)` for :math:`x > 0` and :math:`n/(n+2)`, :math:`n = u(u+2)`,
    otherwise; so one vectorised ``exp`` and one division replace the plain loop's
    ``exp``, ``log1p`` and ``tanh`` calls.

    Examples
    --------
    >>> mish(np.array([-1.0, 0.0, 1.0]))
    array([-0.30340146,  0.        ,  0.86509839])
    """
    return _kernel(_mish_loop, "mish", x, out)


def mish_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`mish`, :math:`g + x\,(1 - g)(1 + g)\,\sigma(x)`,
    :math:`g = \tanh(\mathrm{softplus}(x))`; :math:`g`, :math:`1 - g` and :math:`\sigma(x)`
    share one division."""
    return _kernel(_mish_grad_loop, "mish_grad", x, out)


def gelu(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Exact GELU, :math:`x\,\Phi(x)`.

    :math:`\max(x, 0) - t\,Q(t)` with :math:`t = |x|` and the normal tail
    :math:`Q = 1 - \Phi` from :mod:`~course_lib.kernels.vecmath` (a vectorised exponential
    times a rational function, instead of the C library's ``erfc``); no cancellation for
    :math:`x < 0`.

    Examples
    --------
    >>> gelu(np.array([-5.0, 0.0, 1.0]))
    array([-1.43325786e-06,  0.00000000e+00,  8.41344746e-01])
    """
    return _kernel(_gelu_loop, "gelu", x, out)


def gelu_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`gelu`, :math:`\Phi(x) + x\,\varphi(x)`, from the same
    :math:`\varphi` and :math:`Q`."""
    return _kernel(_gelu_grad_loop, "gelu_grad", x, out)


def gelu_tanh(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""GELU's tanh approximation, :math:`\tfrac{x}{2}(1 + \tanh u) = x\,\sigma(2u)`,
    :math:`u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)`.

    The sigmoid form avoids the cancellation of :math:`1 + \tanh u` for negative :math:`u`,
    and its one vectorised exponential is faster than the C library's ``tanh``.

    Examples
    --------
    >>> gelu_tanh(np.array([-5.0, 0.0, 1.0]))
    array([-2.29179620e-07,  0.00000000e+00,  8.41191991e-01])
    """
    return _kernel(_gelu_tanh_loop, "gelu_tanh", x, out)


def gelu_tanh_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of :func:`gelu_tanh`, :math:`\sigma(2u) + 2x\,u'(x)\,\sigma(2u)\,\sigma(-2u)`."""
    return _kernel(_gelu_tanh_grad_loop, "gelu_tanh_grad", x, out)
