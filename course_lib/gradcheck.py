r"""Numerical gradients by central differences, and relative errors to compare them.

A backward pass is only trusted once it agrees with a numerical derivative. This module
computes that derivative and single numbers that say how well two gradients agree. The
functions *return* numbers; printing is the caller's job.

- :func:`numerical_vjp` -- vector-Jacobian product :math:`J^\top g` by central differences,
  i.e. what a layer's ``backward(dout)`` must return. The one finite-difference loop.
- :func:`numerical_gradient` -- gradient of a scalar function: :func:`numerical_vjp` with
  ``dout = 1``.
- :func:`relative_error` -- normwise: the largest difference over the largest magnitude.
- :func:`max_relative_error` -- pointwise: the largest entry-by-entry relative difference,
  with a floor for entries near zero.
- :func:`layer_gradient_errors` -- :func:`relative_error` of every gradient of a layer with
  the ``forward``/``backward``/``params``/``grads`` contract of :mod:`course_lib.layers`.

All work in float64 on a private copy: the argument ``x`` is never modified. Rounding and
truncation: a central difference with step :math:`\varepsilon` has error
:math:`O(\varepsilon^2) + O(u |f| / \varepsilon)` with :math:`u \approx 1.1\cdot 10^{-16}`;
the default ``eps=1e-6`` balances the two for order-one values (about :math:`10^{-10}`).

Examples
--------
>>> g = numerical_gradient(lambda v: np.sum(v ** 2), np.array([1.0, -2.0]))
>>> relative_error(g, [2.0, -4.0]) < 1e-9
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.validation import float64_array, make_rng, real

__all__ = [
    "numerical_gradient",
    "numerical_vjp",
    "relative_error",
    "max_relative_error",
    "layer_gradient_errors",
]


def _same_shape_pair(a: ArrayLike, b: ArrayLike, where: str) -> tuple[np.ndarray, np.ndarray]:
    a64 = float64_array(a, "a", where=where, finite=True)
    b64 = float64_array(b, "b", where=where, finite=True)
    if a64.shape != b64.shape:
        raise ValueError(f"{where}: a and b must have the same shape; got {a64.shape} and "
                         f"{b64.shape}")
    return a64, b64


def numerical_gradient(
    f: Callable[[np.ndarray], Any], x: ArrayLike, eps: float = 1e-6
) -> np.ndarray:
    r"""Central-difference gradient of a scalar function of an array.

    .. math::

        \frac{\partial f}{\partial x_i} \approx
        \frac{f(x + \varepsilon e_i) - f(x - \varepsilon e_i)}{2\varepsilon}

    The error is :math:`O(\varepsilon^2)` (truncation) plus about
    :math:`u\,|f| / \varepsilon` (rounding, :math:`u \approx 1.1\cdot10^{-16}`);
    ``eps=1e-6`` balances the two for smooth functions of order-one values.
    Near a kink (e.g. ReLU at 0) the estimate is meaningless: keep inputs at least
    ``eps`` away from kinks. This is :func:`numerical_vjp` with ``dout = 1``.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar`` (a Python number or an array with one element).
        It receives a float64 array of the shape of ``x`` and must not keep it.
    x : array_like
        Point at which to differentiate. Not modified: the function works on a
        float64 copy.
    eps : float, default 1e-6
        Step size, > 0.

    Returns
    -------
    numpy.ndarray
        float64 array of the shape of ``x``.

    Raises
    ------
    ValueError
        If ``eps`` is not a finite positive number, ``x`` is not finite, or ``f``
        returns a non-scalar or a non-finite value.
    TypeError
        If ``x`` is not a real numeric array.

    Examples
    --------
    >>> g = numerical_gradient(lambda v: np.sum(v ** 3), np.array([1.0, -2.0]))
    >>> np.round(g, 6)
    array([ 3., 12.])
    """
    where = "numerical_gradient()"
    real(eps, "eps", where=where, low=0.0, low_open=True)

    def scalar(v: np.ndarray) -> float:
        value = np.asarray(f(v))
        if value.size != 1 or value.ndim > 1:
            raise ValueError(
                f"{where}: f must return a scalar; got an array of shape {value.shape} (use "
                "numerical_vjp for a function with array output)"
            )
        return float(value.reshape(()))

    return numerical_vjp(scalar, x, 1.0, eps=eps)


def numerical_vjp(
    f: Callable[[np.ndarray], Any], x: ArrayLike, dout: ArrayLike, eps: float = 1e-6
) -> np.ndarray:
    r"""Vector-Jacobian product :math:`J_f(x)^\top\,\text{dout}` by central differences.

    This is the gradient of the scalar :math:`\sum_j f_j(x)\,\text{dout}_j` with
    respect to ``x``, exactly what ``layer.backward(dout)`` must return:

    .. math::

        \Big(J^\top \text{dout}\Big)_i \approx
        \sum_j \text{dout}_j\,
        \frac{f_j(x + \varepsilon e_i) - f_j(x - \varepsilon e_i)}{2\varepsilon}

    Parameters
    ----------
    f : callable
        ``f(x) -> array`` of any shape; the output is compared with ``dout``.
    x : array_like
        Point of evaluation; not modified (a float64 copy is perturbed).
    dout : array_like
        Upstream gradient, same shape as ``f(x)``. Not modified.
    eps : float, default 1e-6
        Step size, > 0.

    Returns
    -------
    numpy.ndarray
        float64 array of the shape of ``x``.

    Raises
    ------
    ValueError
        If ``dout`` does not have the shape of ``f(x)``, or for the reasons listed
        in :func:`numerical_gradient`.

    Examples
    --------
    >>> x = np.array([[0.5, -1.0]])
    >>> dx = numerical_vjp(np.tanh, x, np.ones_like(x))
    >>> bool(np.allclose(dx, 1 - np.tanh(x) ** 2))
    True
    """
    where = "numerical_vjp()"
    eps = real(eps, "eps", where=where, low=0.0, low_open=True)
    x64 = float64_array(x, "x", where=where, finite=True)
    dout64 = float64_array(dout, "dout", where=where, finite=True)
    out_shape = np.shape(f(x64.copy()))
    if out_shape != dout64.shape:
        raise ValueError(f"{where}: dout must have the shape of f(x), {out_shape}; got "
                         f"{dout64.shape}")

    def f64(v: np.ndarray, at: str) -> np.ndarray:
        out = np.asarray(f(v), dtype=np.float64)
        if out.shape != out_shape:
            raise ValueError(
                f"{where}: f(x) changed shape under perturbation ({at}): {out_shape} -> "
                f"{out.shape}"
            )
        if not np.all(np.isfinite(out)):
            raise ValueError(f"{where}: f returned a non-finite value ({at})")
        return out

    # Difference the outputs element by element before weighting them with dout:
    # this avoids cancelling two large weighted sums against each other.
    flat = x64.reshape(-1)  # a view of the private copy
    grad = np.empty_like(flat)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        out_plus = f64(x64, f"at x.flat[{i}] + eps")
        flat[i] = original - eps
        out_minus = f64(x64, f"at x.flat[{i}] - eps")
        flat[i] = original
        grad[i] = np.sum((out_plus - out_minus) * dout64) / (2.0 * eps)
    return grad.reshape(x64.shape)


def relative_error(a: ArrayLike, b: ArrayLike) -> float:
    r"""Normwise relative error between two arrays of the same shape.

    .. math::

        \mathrm{rel}(a, b) =
        \frac{\max_i |a_i - b_i|}{\max\big(\max_i |a_i|,\ \max_i |b_i|\big)},
        \qquad \mathrm{rel}(0, 0) = 0 .

    The largest absolute difference is measured against the largest magnitude
    of either array, so tiny entries of a gradient do not blow the error up
    (an element-wise ratio would divide by them); the result is symmetric in
    ``a`` and ``b`` and lies in :math:`[0, 2]`. Two all-zero arrays (the 0/0
    case) have error 0. A gradient check with central differences in float64
    typically gives 1e-10 or less for a correct derivative and order one for a
    wrong one.

    A gradient that is zero in theory (a bias followed by batch normalisation)
    is the one case this measure cannot judge: the finite-difference estimate is
    rounding noise of about 1e-10 and the ratio is of order one. Compare the
    absolute values there instead.

    Parameters
    ----------
    a, b : array_like
        Real arrays of the same shape (scalars allowed), finite.

    Returns
    -------
    float
        The relative error as a Python float.

    Raises
    ------
    ValueError
        If the shapes differ or an array holds NaN or inf.

    Examples
    --------
    >>> round(relative_error([1.0, 2.0], [1.0, 2.5]), 6)
    0.2
    >>> relative_error(np.zeros(3), np.zeros(3))
    0.0
    """
    a64, b64 = _same_shape_pair(a, b, "relative_error()")
    if a64.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(a64))), float(np.max(np.abs(b64))))
    if scale == 0.0:
        return 0.0
    return float(np.max(np.abs(a64 - b64)) / scale)


def max_relative_error(a: ArrayLike, b: ArrayLike, floor: float = 1e-6) -> float:
    r"""Pointwise relative error: the worst entry of two arrays of the same shape.

    .. math::

        \mathrm{maxrel}(a, b) = \max_i
        \frac{|a_i - b_i|}{\max(|a_i|,\ |b_i|,\ \mathrm{floor})},
        \qquad 0/0 = 0 \text{ (possible only with floor = 0)}.

    Unlike :func:`relative_error`, a small entry is judged on its own scale, so a wrong
    derivative of a tiny entry is not hidden by a large one elsewhere. The **floor** is the
    magnitude below which entries are compared absolutely instead: where both
    :math:`|a_i|` and :math:`|b_i|` are below it, the entry contributes
    :math:`|a_i - b_i| / \mathrm{floor}`. Without a floor, an entry that is zero in theory
    (and rounding noise of about :math:`10^{-10}` in a central difference) would score
    order one. The default, :math:`10^{-6}`, suits central differences with ``eps=1e-6``
    on order-one functions: a correct gradient then scores below about :math:`10^{-4}`
    everywhere, a wrong one order one. Pass ``floor=0`` for the pure pointwise ratio.

    Parameters
    ----------
    a, b : array_like
        Real arrays of the same shape (scalars allowed), finite.
    floor : float, default 1e-6
        A real number >= 0.

    Returns
    -------
    float
        In :math:`[0, 2]`; 0 for empty arrays.

    Examples
    --------
    >>> max_relative_error([100.0, 1e-3], [100.0, 2e-3])  # the small entry is 100 % off
    0.5
    >>> round(relative_error([100.0, 1e-3], [100.0, 2e-3]), 8)  # normwise hides it
    1e-05
    >>> max_relative_error([0.0, 1.0], [1e-10, 1.0])  # noise on a zero, below the floor
    0.0001
    """
    where = "max_relative_error()"
    floor = real(floor, "floor", where=where, low=0.0)
    a64, b64 = _same_shape_pair(a, b, where)
    if a64.size == 0:
        return 0.0
    diff = np.abs(a64 - b64)
    scale = np.maximum(np.maximum(np.abs(a64), np.abs(b64)), floor)
    ratio = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0.0)
    return float(np.max(ratio))


def layer_gradient_errors(
    layer: Any,
    x: ArrayLike,
    dout: ArrayLike | None = None,
    *,
    eps: float = 1e-6,
    rng: int | np.random.Generator = 0,
) -> dict[str, float]:
    r"""Compare a layer's analytic gradients with central differences.

    Runs ``layer.forward(x)`` and ``layer.backward(dout)`` once, then estimates
    the same gradients numerically with :func:`numerical_vjp` and returns one
    :func:`relative_error` per gradient: key ``"x"`` for the input and one key per
    entry of ``layer.params``.

    The layer must follow the contract of :mod:`course_lib.layers`: ``forward(x)``
    returns the output array, ``backward(dout)`` returns ``dx`` and fills
    ``layer.grads`` with the keys of
    ``layer.params``. Parameters are perturbed in place and restored exactly.
    Note that every forward call of a layer with running statistics (BatchNorm in
    training mode) updates them; their values change, the gradients do not.

    Parameters
    ----------
    layer : object
        A layer with ``forward``, ``backward``, ``params`` and ``grads``.
    x : array_like
        Input; not modified. Compared in float64: pass float64 parameters too.
    dout : array_like, optional
        Upstream gradient of the output's shape. Default: standard normal drawn
        from ``rng`` (a random ``dout`` exercises every output).
    eps : float, default 1e-6
        Finite-difference step.
    rng : int or numpy.random.Generator, default 0
        Seed or generator, used only to draw ``dout``.

    Returns
    -------
    dict of str to float
        ``{"x": err_x, "<param name>": err, ...}``.

    Examples
    --------
    >>> from course_lib.layers import Linear
    >>> errors = layer_gradient_errors(Linear(3, 2, rng=0), np.ones((4, 3)))
    >>> sorted(errors), max(errors.values()) < 1e-8
    (['W', 'b', 'x'], True)
    """
    where = "layer_gradient_errors()"
    eps = real(eps, "eps", where=where, low=0.0, low_open=True)
    x64 = float64_array(x, "x", where=where, finite=True)
    out = np.asarray(layer.forward(x64.copy()))
    if dout is None:
        dout64 = make_rng(rng, where=where).standard_normal(out.shape)
    else:
        dout64 = float64_array(dout, "dout", where=where, finite=True)
        if dout64.shape != out.shape:
            raise ValueError(
                f"{where}: dout must have the shape of the layer output, {out.shape}; got "
                f"{dout64.shape}"
            )
    dx = np.asarray(layer.backward(dout64.copy()))
    analytic = {"x": dx.astype(np.float64)}
    analytic.update(
        {name: np.asarray(g, dtype=np.float64).copy() for name, g in layer.grads.items()}
    )
    numeric = {"x": numerical_vjp(layer.forward, x64, dout64, eps=eps)}
    for name, param in layer.params.items():
        if not (isinstance(param, np.ndarray) and param.dtype == np.float64):
            raise TypeError(
                f"{where}: parameter {name!r} must be a float64 numpy array for a gradient "
                f"check; got {getattr(param, 'dtype', type(param).__name__)}"
            )
        saved = param.copy()

        def with_param(v: np.ndarray, param: np.ndarray = param) -> np.ndarray:
            param[...] = v
            return layer.forward(x64.copy())

        try:
            numeric[name] = numerical_vjp(with_param, saved, dout64, eps=eps)
        finally:
            param[...] = saved
    missing = set(numeric) - set(analytic)
    if missing:
        raise ValueError(f"{where}: layer.grads lacks gradients for {sorted(missing)}")
    return {name: relative_error(analytic[name], numeric[name]) for name in numeric}
