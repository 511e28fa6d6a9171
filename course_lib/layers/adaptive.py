r"""Activations with learnt parameters: :class:`PReLU` and :class:`AdaptiveSwish`.

Each parameter is an array in ``params`` with a gradient of the same shape in ``grads``,
summed over the batch (and, for per-channel parameters, over the other axes).

Examples
--------
>>> layer = PReLU(init=0.1)
>>> layer.forward(np.array([[-1.0, 2.0]]))
array([[-0.1,  2. ]])
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from course_lib import activations as act
from course_lib.layers.core import Layer
from course_lib.validation import integer, real, shape_error

__all__ = ["AdaptiveSwish", "PReLU"]


def _channel_view(v: np.ndarray, ndim: int) -> np.ndarray:
    """Reshape a per-channel vector (C,) to broadcast along axis 1 of an ndim-array."""
    return v.reshape((1, -1) + (1,) * (ndim - 2)) if ndim >= 2 else v


class PReLU(Layer):
    r"""Parametric ReLU with a learnt negative slope ``weight`` (He et al., 2015), as in PyTorch.

    .. math::

        y = \begin{cases} x & x > 0 \\ a_c\, x & x \le 0 \end{cases},\qquad
        \frac{\partial y}{\partial a_c} = \begin{cases} 0 & x > 0 \\ x & x \le 0 \end{cases}

    As in PyTorch the slope at :math:`x = 0` is :math:`a`.

    Parameters
    ----------
    num_parameters : int, default 1
        1 (one slope shared by all inputs) or the number of channels C (axis 1).
    init : float, default 0.25
        Initial slope.

    Attributes
    ----------
    params : dict
        ``weight`` of shape (num_parameters,), as ``torch.nn.PReLU.weight``.

    Shape
    -----
    x (N, C, \*) -> y of the same shape; with ``num_parameters=1`` any shape.

    Examples
    --------
    >>> layer = PReLU(init=0.1)
    >>> layer.forward(np.array([[-1.0, 2.0]]))
    array([[-0.1,  2. ]])
    >>> _ = layer.backward(np.ones((1, 2))); layer.grads["weight"]
    array([-1.])
    """

    _label_args = ("num_parameters",)

    def __init__(self, num_parameters: int = 1, init: float = 0.25) -> None:
        super().__init__()
        where = "PReLU()"
        self.num_parameters = integer(num_parameters, "num_parameters", where=where, minimum=1)
        self.params["weight"] = np.full(self.num_parameters, real(init, "init", where=where))

    def _slope(self, x: np.ndarray) -> np.ndarray:
        weight = self._param("weight", x.dtype)
        if self.num_parameters == 1:
            return weight[0]
        return _channel_view(weight, x.ndim)

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = self._input(x)
        c = self.num_parameters
        if c > 1 and (x.ndim < 2 or x.shape[1] != c):
            raise shape_error(x.shape, f"(N, {c}, *)", "x", where=self._where)
        self._cache = x
        return np.where(x > 0, x, self._slope(x) * x)

    def backward(self, dout: ArrayLike) -> np.ndarray:
        x = self._require_cache()
        dout = self._dout(dout, x.shape)
        negative_part = np.where(x > 0, 0.0, x) * dout
        if self.num_parameters == 1:
            dweight = np.array([negative_part.sum()])
        else:
            dweight = negative_part.sum(axis=tuple(i for i in range(x.ndim) if i != 1))
        self._set_grad("weight", dweight)
        return np.where(x > 0, dout, self._slope(x) * dout).astype(x.dtype, copy=False)


class AdaptiveSwish(Layer):
    r"""Swish with a learnt scale and slope per unit, :math:`y = \alpha\, x\, \sigma(\beta x)`.

    .. math::

        \frac{\partial y}{\partial x}
        = \alpha\big(\sigma(\beta x) + \beta x\,\sigma'(\beta x)\big),\quad
        \frac{\partial y}{\partial \alpha} = x\,\sigma(\beta x),\quad
        \frac{\partial y}{\partial \beta} = \alpha\, x^2\, \sigma'(\beta x),

    with :math:`\sigma' = \sigma(1-\sigma)` from :func:`course_lib.activations.sigmoid_grad`
    (exact in the tails). The parameter gradients are summed over the batch, so they have
    the parameters' shape. Any real :math:`\beta` is allowed, including 0 and negative values.

    Parameters
    ----------
    num_features : int
        Size of the last axis.
    alpha, beta : float, default 1.0
        Initial values (alpha = beta = 1 is SiLU).

    Attributes
    ----------
    params : dict
        ``alpha`` and ``beta``, each of shape (num_features,).

    Shape
    -----
    x (N, num_features) -> y of the same shape; more leading axes are allowed.

    Examples
    --------
    >>> layer = AdaptiveSwish(2)
    >>> np.round(layer.forward(np.array([[1.0, -1.0]])), 4)
    array([[ 0.7311, -0.2689]])
    >>> _ = layer.backward(np.ones((1, 2))); np.round(layer.grads["alpha"], 4)
    array([ 0.7311, -0.2689])
    """

    _label_args = ("num_features",)

    def __init__(self, num_features: int, alpha: float = 1.0, beta: float = 1.0) -> None:
        super().__init__()
        where = "AdaptiveSwish()"
        self.num_features = integer(num_features, "num_features", where=where, minimum=1)
        self.params["alpha"] = np.full(self.num_features, real(alpha, "alpha", where=where))
        self.params["beta"] = np.full(self.num_features, real(beta, "beta", where=where))

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = self._input(x)
        d = self.num_features
        if x.ndim < 1 or x.shape[-1] != d:
            raise shape_error(x.shape, f"(N, {d}) or (*, {d})", "x", where=self._where)
        alpha, beta = self._param("alpha", x.dtype), self._param("beta", x.dtype)
        z = beta * x
        s = act.sigmoid(z)
        self._cache = (x, z, s)
        return alpha * x * s

    def backward(self, dout: ArrayLike) -> np.ndarray:
        x, z, s = self._require_cache()
        dout = self._dout(dout, x.shape)
        alpha, beta = self._param("alpha", x.dtype), self._param("beta", x.dtype)
        slope = act.sigmoid_grad(z)
        axes = tuple(range(x.ndim - 1))
        self._set_grad("alpha", np.sum(dout * x * s, axis=axes))
        self._set_grad("beta", np.sum(dout * alpha * x * x * slope, axis=axes))
        return (dout * alpha * (s + x * beta * slope)).astype(x.dtype, copy=False)
