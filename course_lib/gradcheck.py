r"""Numerical gradients by central differences, and a relative error to compare them.

A backward pass is only trusted once it agrees with a numerical derivative. This
module computes that derivative and a single number that says how well two
gradients agree. The functions *return* numbers; printing is the caller's job.

- :func:`numerical_gradient` -- gradient of a scalar function of an array.
- :func:`numerical_vjp` -- vector-Jacobian product :math:`J^\top g`, i.e. what a
  layer's ``backward(dout)`` must return.
- :func:`relative_error` -- a normwise relative error, 0 for two zero arrays.
- :func:`layer_gradient_errors` -- all of the above for a layer with the
  ``forward``/``backward``/``params``/``grads`` contract of :mod:`course_lib.layers`.

All work in float64 on a private copy: the argument ``x`` is never modified.

Used by notebooks 02, 03, 05, 06, 09 and by the tests of ``course_lib.layers``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "numerical_gradient",
    "numerical_vjp",
    "relative_error",
    "layer_gradient_errors",
]


def _check_eps(eps: float) -> float:
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)):
        raise TypeError(f"eps must be a positive real number, got {type(eps).__name__}")
    eps = float(eps)
    if not (np.isfinite(eps) and eps > 0.0):
        raise ValueError(f"eps must be a finite number > 0, got {eps!r}")
    return eps


def _float64_copy(x: ArrayLike, name: str) -> np.ndarray:
    """Return ``x`` as a new, C-contiguous float64 array (never a view of ``x``)."""
    arr = np.asarray(x)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got dtype {arr.dtype}")
    out = np.array(arr, dtype=np.float64, order="C", copy=True)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must contain only finite values")
    return out


def _scalar_value(value: Any, where: str) -> float:
    arr = np.asarray(value)
    if arr.size != 1 or arr.ndim > 1:
        raise ValueError(
            f"f must return a scalar, got an array of shape {arr.shape} ({where}); "
            "use numerical_vjp for a function with array output"
        )
    out = float(arr.reshape(()))
    if not np.isfinite(out):
        raise ValueError(f"f returned a non-finite value {out!r} ({where})")
    return out


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
    ``eps`` away from kinks.

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
    eps = _check_eps(eps)
    work = _float64_copy(x, "x")
    flat = work.reshape(-1)  # a view: perturbing flat perturbs work
    grad = np.empty_like(flat)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        f_plus = _scalar_value(f(work), f"at x.flat[{i}] + eps")
        flat[i] = original - eps
        f_minus = _scalar_value(f(work), f"at x.flat[{i}] - eps")
        flat[i] = original
        grad[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad.reshape(work.shape)


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
    eps = _check_eps(eps)
    x64 = _float64_copy(x, "x")
    dout64 = _float64_copy(dout, "dout")
    out_shape = np.shape(f(x64.copy()))
    if out_shape != dout64.shape:
        raise ValueError(
            f"dout must have the shape of f(x), {out_shape}, got {dout64.shape}"
        )

    def f64(v: np.ndarray, where: str) -> np.ndarray:
        out = np.asarray(f(v), dtype=np.float64)
        if out.shape != out_shape:
            raise ValueError(
                f"f(x) changed shape under perturbation ({where}): {out_shape} -> {out.shape}"
            )
        if not np.all(np.isfinite(out)):
            raise ValueError(f"f returned a non-finite value ({where})")
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

        \operatorname{rel}(a, b) =
        \frac{\max_i |a_i - b_i|}{\max\big(\max_i |a_i|,\ \max_i |b_i|\big)},
        \qquad \operatorname{rel}(0, 0) = 0 .

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
    a64 = _float64_copy(a, "a")
    b64 = _float64_copy(b, "b")
    if a64.shape != b64.shape:
        raise ValueError(f"a and b must have the same shape, got {a64.shape} and {b64.shape}")
    if a64.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(a64))), float(np.max(np.abs(b64))))
    if scale == 0.0:
        return 0.0
    return float(np.max(np.abs(a64 - b64)) / scale)


def _layer_output(layer: Any, x: np.ndarray) -> np.ndarray:
    out = layer.forward(x)
    # Layers such as SelfAttention return (output, extras); the output comes first.
    if isinstance(out, tuple):
        out = out[0]
    return np.asarray(out)


def layer_gradient_errors(
    layer: Any,
    x: ArrayLike,
    dout: ArrayLike | None = None,
    *,
    eps: float = 1e-6,
    rng: np.random.Generator | None = None,
) -> dict[str, float]:
    r"""Compare a layer's analytic gradients with central differences.

    Runs ``layer.forward(x)`` and ``layer.backward(dout)`` once, then estimates
    the same gradients numerically with :func:`numerical_vjp` and returns one
    :func:`relative_error` per gradient: key ``"x"`` for the input and one key per
    entry of ``layer.params``.

    The layer must follow the contract of :mod:`course_lib.layers`: ``forward(x)``
    returns the output (or a tuple whose first element is the output),
    ``backward(dout)`` returns ``dx`` and fills ``layer.grads`` with the keys of
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
    rng : numpy.random.Generator, optional
        Used only to draw ``dout``; default ``np.random.default_rng(0)``.

    Returns
    -------
    dict of str to float
        ``{"x": err_x, "<param name>": err, ...}``.

    Examples
    --------
    >>> from course_lib.layers import Linear            # doctest: +SKIP
    >>> errs = layer_gradient_errors(Linear(3, 2, rng=np.random.default_rng(0)),
    ...                              np.ones((4, 3)))   # doctest: +SKIP
    >>> max(errs.values()) < 1e-7                       # doctest: +SKIP
    True
    """
    eps = _check_eps(eps)
    x64 = _float64_copy(x, "x")
    out = _layer_output(layer, x64.copy())
    if dout is None:
        rng = np.random.default_rng(0) if rng is None else rng
        dout64 = rng.standard_normal(out.shape)
    else:
        dout64 = _float64_copy(dout, "dout")
        if dout64.shape != out.shape:
            raise ValueError(
                f"dout must have the shape of the layer output, {out.shape}, got {dout64.shape}"
            )
    dx = np.asarray(layer.backward(dout64.copy()))
    analytic = {"x": dx.astype(np.float64)}
    analytic.update(
        {name: np.asarray(g, dtype=np.float64).copy() for name, g in layer.grads.items()}
    )
    numeric = {"x": numerical_vjp(lambda v: _layer_output(layer, v), x64, dout64, eps=eps)}
    for name, param in layer.params.items():
        if not (isinstance(param, np.ndarray) and param.dtype == np.float64):
            raise TypeError(
                f"parameter {name!r} must be a float64 numpy array for a gradient check, "
                f"got {getattr(param, 'dtype', type(param).__name__)}"
            )
        saved = param.copy()

        def with_param(v: np.ndarray, param: np.ndarray = param) -> np.ndarray:
            param[...] = v
            return _layer_output(layer, x64.copy())

        try:
            numeric[name] = numerical_vjp(with_param, saved, dout64, eps=eps)
        finally:
            param[...] = saved
    missing = set(numeric) - set(analytic)
    if missing:
        raise ValueError(f"layer.grads lacks gradients for {sorted(missing)}")
    return {name: relative_error(analytic[name], numeric[name]) for name in numeric}
