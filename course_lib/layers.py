r"""Neural-network layers in numpy, each with a hand-written backward pass.

Every layer follows one contract:

* ``forward(x)`` returns the output and keeps in a cache exactly what the
  backward pass needs;
* ``backward(dout)`` takes the gradient of the loss with respect to the output
  and returns the gradient with respect to the input, ``dx``, as a new array; it
  also fills ``grads`` with one array per entry of ``params`` (same keys, same
  shapes, same dtypes);
* neither call modifies its argument; ``backward`` before ``forward`` raises
  ``RuntimeError``; an input of the wrong shape raises ``ValueError`` naming the
  expected shape;
* float64 in gives float64 out, float32 in gives float32 out (the parameters
  are used in the input's dtype), integers are promoted to float64;
* ``train()`` / ``eval()`` switch the mode (only :class:`BatchNorm1d` behaves
  differently); ``zero_grad()`` sets every gradient to zero.

One exception to "forward returns the output": :meth:`SelfAttention.forward`
returns the pair ``(output, attention_weights)``. :class:`Sequential`,
:func:`course_lib.train.fit` and :func:`course_lib.gradcheck.layer_gradient_errors`
take the first element of a tuple as the output.

Parameters are plain numpy arrays in the ``params`` dict. Optimisers update them
*in place*; to load weights (for instance copied from PyTorch) write into them,
``layer.params["W"][...] = w``.

Layers: :class:`Linear`, :class:`Activation`, :class:`PReLU`,
:class:`AdaptiveSwish`, :class:`BatchNorm1d`, :class:`Conv2D`,
:class:`MaxPool2D`, :class:`Flatten`, :class:`RNN`, :class:`SelfAttention`,
:class:`GLU`, :class:`SwiGLU`, :class:`GaussianGLU` and the container
:class:`Sequential`. Weight initialisation: :func:`init_weight`. A multilayer
perceptron in one call: :func:`mlp`.

Used by notebooks 01, 03, 04, 05, 07, 08, 09, 10, 11, 12 and 14.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from course_lib import activations as act
from course_lib.activations import as_float_array
from course_lib.losses import softmax

__all__ = [
    "INITS",
    "init_weight",
    "Layer",
    "Linear",
    "Activation",
    "PReLU",
    "AdaptiveSwish",
    "BatchNorm1d",
    "Conv2D",
    "MaxPool2D",
    "Flatten",
    "RNN",
    "SelfAttention",
    "GLU",
    "SwiGLU",
    "GaussianGLU",
    "Sequential",
    "mlp",
]

#: Names accepted by the ``init=`` argument of the layers with weights.
INITS = ("he", "xavier", "lecun")


# ------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------
def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng must be a numpy.random.Generator, an integer seed or None, got {type(rng).__name__}"
    )


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def _real(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def init_weight(
    shape: tuple[int, ...],
    fan_in: int,
    fan_out: int,
    init: str = "he",
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    r"""A float64 weight array drawn from a zero-mean normal with a scaled variance.

    .. math::

        \text{he: } \operatorname{Var} = \frac{2}{n_\text{in}}, \qquad
        \text{xavier: } \operatorname{Var} = \frac{2}{n_\text{in} + n_\text{out}}, \qquad
        \text{lecun: } \operatorname{Var} = \frac{1}{n_\text{in}} .

    He (Kaiming) suits ReLU-like activations (He et al., 2015, arXiv:1502.01852),
    Xavier/Glorot suits tanh and sigmoid, LeCun suits SELU and scaled tanh: each
    keeps the variance of the signal roughly constant from layer to layer.

    Parameters
    ----------
    shape : tuple of int
        Shape of the array.
    fan_in, fan_out : int
        Number of inputs and outputs per unit (for a convolution, channels times
        kernel area).
    init : {"he", "xavier", "lecun"}, default "he"
    rng : numpy.random.Generator or int, optional
        Source of randomness (an int is used as a seed). Default: a fresh,
        unseeded generator; pass one for reproducible weights.

    Examples
    --------
    >>> w = init_weight((1000, 500), fan_in=1000, fan_out=500, init="lecun", rng=0)
    >>> round(float(w.std() * np.sqrt(1000)), 2)
    1.0
    """
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    fan_in = _positive_int(fan_in, "fan_in")
    fan_out = _positive_int(fan_out, "fan_out")
    variance = {"he": 2.0 / fan_in, "xavier": 2.0 / (fan_in + fan_out), "lecun": 1.0 / fan_in}[
        init
    ]
    return np.sqrt(variance) * _rng(rng).standard_normal(shape)


def _shape_error(layer: "Layer", what: str, expected: str, got: tuple[int, ...]) -> ValueError:
    return ValueError(f"{type(layer).__name__}: expected {what} of shape {expected}, got {got}")


def _dout(dout: ArrayLike, layer: "Layer", shape: tuple[int, ...]) -> np.ndarray:
    arr = as_float_array(dout, "dout")
    if arr.shape != shape:
        raise _shape_error(layer, "dout", str(shape), arr.shape)
    return arr


# ------------------------------------------------------------------------------------------
# Base class and container
# ------------------------------------------------------------------------------------------
class Layer:
    """Base class: ``params``/``grads`` dicts, a cache, train/eval mode.

    Subclasses implement ``forward(x)`` and ``backward(dout)``.
    """

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.training: bool = True
        self._cache: Any = None

    def forward(self, x: ArrayLike) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dout: ArrayLike) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, x: ArrayLike) -> Any:
        return self.forward(x)

    def train(self, mode: bool = True) -> "Layer":
        """Switch to training mode (or evaluation mode with ``mode=False``); returns self."""
        self.training = bool(mode)
        return self

    def eval(self) -> "Layer":
        """Switch to evaluation mode; returns self."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Set every gradient to an array of zeros of its parameter's shape."""
        for name, value in self.params.items():
            self.grads[name] = np.zeros_like(value)

    def _require_cache(self) -> Any:
        if self._cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward() called before forward(): "
                "call forward(x) first, backward(dout) then uses its cache"
            )
        return self._cache

    def _param(self, name: str, dtype: np.dtype) -> np.ndarray:
        return self.params[name].astype(dtype, copy=False)

    def _set_grad(self, name: str, value: np.ndarray) -> None:
        self.grads[name] = np.asarray(value).astype(self.params[name].dtype, copy=False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sequential(Layer):
    """Layers applied one after another; backward runs them in reverse.

    ``params`` and ``grads`` are dicts keyed ``"<index>.<name>"`` (``"0.W"``,
    ``"2.b"``) whose values are the layers' own arrays, so an optimiser that
    updates ``model.params[key]`` in place updates the layer. (The dicts are
    rebuilt on every access: assigning a new array to a key does nothing; write
    into the array instead.) If a layer's forward returns a tuple (as
    :class:`SelfAttention` does), its first element is passed on.

    Shape
    -----
    Whatever the first layer accepts to whatever the last layer returns.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> model = Sequential(Linear(4, 8, rng=rng), Activation("relu"), Linear(8, 3, rng=rng))
    >>> model.forward(np.ones((5, 4))).shape
    (5, 3)
    >>> sorted(model.params)
    ['0.W', '0.b', '2.W', '2.b']
    >>> model.backward(np.ones((5, 3))).shape
    (5, 4)
    """

    def __init__(self, *layers: Layer) -> None:
        # No Layer.__init__: params and grads are read-only views built from the layers.
        self.training = True
        self._cache = None
        for i, layer in enumerate(layers):
            if not (hasattr(layer, "forward") and hasattr(layer, "backward")):
                raise TypeError(
                    f"layer {i} must have forward and backward, got {type(layer).__name__}"
                )
        self.layers: list[Layer] = list(layers)

    @property
    def params(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {f"{i}.{k}": v for i, lay in enumerate(self.layers) for k, v in lay.params.items()}

    @property
    def grads(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {f"{i}.{k}": v for i, lay in enumerate(self.layers) for k, v in lay.grads.items()}

    def forward(self, x: ArrayLike) -> np.ndarray:
        """Run every layer's forward in order."""
        out: Any = x
        for layer in self.layers:
            out = layer.forward(out)
            if isinstance(out, tuple):
                out = out[0]
        self._cache = True
        return out

    def backward(self, dout: ArrayLike) -> np.ndarray:
        """Run every layer's backward in reverse order and return dx."""
        self._require_cache()
        grad: Any = dout
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def train(self, mode: bool = True) -> "Sequential":
        self.training = bool(mode)
        for layer in self.layers:
            layer.train(mode)
        return self

    def zero_grad(self) -> None:
        for layer in self.layers:
            layer.zero_grad()

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index: int) -> Layer:
        return self.layers[index]

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"


# ------------------------------------------------------------------------------------------
# Dense layers and element-wise activations
# ------------------------------------------------------------------------------------------
class Linear(Layer):
    r"""Affine map :math:`y = x W + b`.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool, default True
        Without bias, ``params`` holds only ``W``.
    init : {"he", "xavier", "lecun"}, default "he"
        Initialisation of ``W`` (:func:`init_weight`); ``b`` starts at zero.
    rng : numpy.random.Generator or int, optional
        Seeds the initialisation.

    Attributes
    ----------
    params : dict
        ``W`` of shape (in_features, out_features) and ``b`` of shape (out_features,).
        (PyTorch stores the transpose: ``torch_linear.weight == W.T``.)

    Shape
    -----
    x (\*, in_features) -> y (\*, out_features), any number of leading axes.

    Backward: :math:`dx = d_\text{out} W^\top`, :math:`dW = x^\top d_\text{out}`,
    :math:`db = \sum_n d_\text{out}` (leading axes flattened).

    Examples
    --------
    >>> layer = Linear(3, 2, rng=0)
    >>> layer.forward(np.ones((4, 3))).shape
    (4, 2)
    >>> layer.backward(np.ones((4, 2))).shape, layer.grads["W"].shape
    ((4, 3), (3, 2))
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        init: str = "he",
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__()
        self.in_features = _positive_int(in_features, "in_features")
        self.out_features = _positive_int(out_features, "out_features")
        self.init = init
        self.params["W"] = init_weight(
            (self.in_features, self.out_features), self.in_features, self.out_features, init, rng
        )
        if bias:
            self.params["b"] = np.zeros(self.out_features)

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = as_float_array(x, "x")
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise _shape_error(self, "x", f"(N, {self.in_features})", x.shape)
        out = x @ self._param("W", x.dtype)
        if "b" in self.params:
            out += self._param("b", x.dtype)
        self._cache = x
        return out

    def backward(self, dout: ArrayLike) -> np.ndarray:
        x = self._require_cache()
        dout = _dout(dout, self, x.shape[:-1] + (self.out_features,))
        x2 = x.reshape(-1, self.in_features)
        d2 = dout.reshape(-1, self.out_features)
        self._set_grad("W", x2.T @ d2)
        if "b" in self.params:
            self._set_grad("b", d2.sum(axis=0))
        dx = dout @ self._param("W", x.dtype).T
        return dx.astype(x.dtype, copy=False)

    def __repr__(self) -> str:
        return (
            f"Linear(in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={'b' in self.params}, init={self.init!r})"
        )


class Activation(Layer):
    r"""Any activation of :mod:`course_lib.activations` as a layer, :math:`y = f(x)`.

    The forward is ``spec(x, **params)``, the backward
    ``dout * spec.derivative(x, **params)`` with ``spec = activations.get(name)``,
    so the layer inherits the function's stability and its convention at kinks.

    Parameters
    ----------
    name : str
        A registered name (``activations.names()``), e.g. ``"relu"``, ``"gelu"``.
    **params
        The activation's parameters (fixed, not learnt), e.g. ``negative_slope=0.1``.

    Shape
    -----
    x of any shape -> y of the same shape. No learnable parameters.

    Examples
    --------
    >>> layer = Activation("leaky_relu", negative_slope=0.1)
    >>> layer.forward(np.array([-2.0, 3.0]))
    array([-0.2,  3. ])
    >>> layer.backward(np.array([1.0, 1.0]))
    array([0.1, 1. ])
    """

    def __init__(self, name: str, **params: float) -> None:
        super().__init__()
        self.spec = act.get(name)
        self.name = self.spec.name
        self.activation_params = dict(params)
        self.spec(np.zeros(1), **self.activation_params)  # unknown/invalid parameters fail now

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = as_float_array(x, "x")
        self._cache = x
        return self.spec(x, **self.activation_params)

    def backward(self, dout: ArrayLike) -> np.ndarray:
        x = self._require_cache()
        dout = _dout(dout, self, x.shape)
        dx = dout * self.spec.derivative(x, **self.activation_params)
        return dx.astype(x.dtype, copy=False)

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.activation_params.items())
        return f"Activation({self.name!r}{extra})"


def _channel_view(v: np.ndarray, ndim: int) -> np.ndarray:
    """Reshape a per-channel vector (C,) to broadcast along axis 1 of an ndim-array."""
    return v.reshape((1, -1) + (1,) * (ndim - 2)) if ndim >= 2 else v


class PReLU(Layer):
    r"""Parametric ReLU with a learnt negative slope (He et al., 2015).

    .. math::

        y = \begin{cases} x & x > 0 \\ \alpha_c\, x & x \le 0 \end{cases},\qquad
        \frac{\partial y}{\partial \alpha_c} = \begin{cases} 0 & x > 0 \\ x & x \le 0 \end{cases}

    As in PyTorch the slope at :math:`x = 0` is :math:`\alpha`.

    Parameters
    ----------
    num_parameters : int, default 1
        1 (one slope shared by all inputs) or the number of channels C (axis 1).
    init : float, default 0.25
        Initial slope.

    Attributes
    ----------
    params : dict
        ``alpha`` of shape (num_parameters,).

    Shape
    -----
    x (N, C, \*) -> y of the same shape; with ``num_parameters=1`` any shape.

    Examples
    --------
    >>> layer = PReLU(init=0.1)
    >>> layer.forward(np.array([[-1.0, 2.0]]))
    array([[-0.1,  2. ]])
    >>> _ = layer.backward(np.ones((1, 2))); layer.grads["alpha"]
    array([-1.])
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25) -> None:
        super().__init__()
        self.num_parameters = _positive_int(num_parameters, "num_parameters")
        self.params["alpha"] = np.full(self.num_parameters, _real(init, "init"))

    def _alpha(self, x: np.ndarray) -> np.ndarray:
        alpha = self._param("alpha", x.dtype)
        if self.num_parameters == 1:
            return alpha[0]
        return _channel_view(alpha, x.ndim)

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = as_float_array(x, "x")
        if self.num_parameters > 1 and (x.ndim < 2 or x.shape[1] != self.num_parameters):
            raise _shape_error(self, "x", f"(N, {self.num_parameters}, *)", x.shape)
        self._cache = x
        return np.where(x > 0, x, self._alpha(x) * x)

    def backward(self, dout: ArrayLike) -> np.ndarray:
        x = self._require_cache()
        dout = _dout(dout, self, x.shape)
        negative_part = np.where(x > 0, 0.0, x) * dout
        if self.num_parameters == 1:
            dalpha = np.array([negative_part.sum()])
        else:
            dalpha = negative_part.sum(axis=tuple(i for i in range(x.ndim) if i != 1))
        self._set_grad("alpha", dalpha)
        return np.where(x > 0, dout, self._alpha(x) * dout).astype(x.dtype, copy=False)

    def __repr__(self) -> str:
        return f"PReLU(num_parameters={self.num_parameters})"


class AdaptiveSwish(Layer):
    r"""Swish with a learnt scale and slope per unit, :math:`y = \alpha\, x\, \sigma(\beta x)`.

    The trainable activation of slide 9, with the slide's shape bug fixed: the
    parameter gradients are summed over the batch, so ``grads["alpha"]`` has the
    shape (num_features,) of ``params["alpha"]`` instead of the batch's shape.

    .. math::

        \frac{\partial y}{\partial x}
        = \alpha\big(\sigma(\beta x) + \beta x\,\sigma'(\beta x)\big),\quad
        \frac{\partial y}{\partial \alpha} = x\,\sigma(\beta x),\quad
        \frac{\partial y}{\partial \beta} = \alpha\, x^2\, \sigma'(\beta x),

    with :math:`\sigma' = \sigma(1-\sigma)`, computed by
    :func:`course_lib.activations.sigmoid_grad` (exact in the tails). Any real
    :math:`\beta` is allowed, including 0 and negative values a training run may
    reach.

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
    x (\*, num_features) -> y of the same shape.

    Examples
    --------
    >>> layer = AdaptiveSwish(2)
    >>> np.round(layer.forward(np.array([[1.0, -1.0]])), 4)
    array([[ 0.7311, -0.2689]])
    """

    def __init__(self, num_features: int, alpha: float = 1.0, beta: float = 1.0) -> None:
        super().__init__()
        self.num_features = _positive_int(num_features, "num_features")
        self.params["alpha"] = np.full(self.num_features, _real(alpha, "alpha"))
        self.params["beta"] = np.full(self.num_features, _real(beta, "beta"))

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = as_float_array(x, "x")
        if x.ndim < 1 or x.shape[-1] != self.num_features:
            raise _shape_error(self, "x", f"(N, {self.num_features})", x.shape)
        alpha, beta = self._param("alpha", x.dtype), self._param("beta", x.dtype)
        z = beta * x
        s = act.sigmoid(z)
        self._cache = (x, z, s)
        return alpha * x * s

    def backward(self, dout: ArrayLike) -> np.ndarray:
        x, z, s = self._require_cache()
        dout = _dout(dout, self, x.shape)
        alpha, beta = self._param("alpha", x.dtype), self._param("beta", x.dtype)
        slope = act.sigmoid_grad(z)
        axes = tuple(range(x.ndim - 1))
        self._set_grad("alpha", np.sum(dout * x * s, axis=axes))
        self._set_grad("beta", np.sum(dout * alpha * x * x * slope, axis=axes))
        return (dout * alpha * (s + x * beta * slope)).astype(x.dtype, copy=False)

    def __repr__(self) -> str:
        return f"AdaptiveSwish(num_features={self.num_features})"


# ------------------------------------------------------------------------------------------
# Batch normalisation
# ------------------------------------------------------------------------------------------
class BatchNorm1d(Layer):
    r"""Batch normalisation over the batch axis (Ioffe & Szegedy, 2015).

    Training mode normalises with the batch statistics
    (:math:`\mu_B`, biased :math:`\sigma_B^2`) and updates the running
    statistics exactly as ``torch.nn.BatchNorm1d`` does, with the *unbiased*
    batch variance:

    .. math::

        \hat x = \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}},\qquad y = \gamma \hat x + \beta,

        \mu_\text{run} \leftarrow (1-m)\,\mu_\text{run} + m\,\mu_B,\qquad
        \sigma^2_\text{run} \leftarrow (1-m)\,\sigma^2_\text{run} + m\,\tfrac{N}{N-1}\sigma_B^2 .

    Evaluation mode uses :math:`\mu_\text{run}, \sigma^2_\text{run}` instead and
    changes nothing. The training-mode backward accounts for the dependence of
    :math:`\mu_B` and :math:`\sigma_B` on every sample:

    .. math::

        dx = \frac{1}{N\sqrt{\sigma_B^2+\epsilon}}
        \Big(N\, d\hat x - \textstyle\sum_n d\hat x - \hat x \sum_n d\hat x\, \hat x\Big),
        \qquad d\hat x = \gamma\, d_\text{out}.

    Parameters
    ----------
    num_features : int
        Number of features C.
    eps : float, default 1e-5
    momentum : float, default 0.1
        Weight m of the new batch in the running statistics, in [0, 1].

    Attributes
    ----------
    params : dict
        ``gamma`` (ones) and ``beta`` (zeros), shape (C,).
    running_mean, running_var : numpy.ndarray
        Shape (C,), start at 0 and 1. Not parameters: they get no gradient.

    Shape
    -----
    x (N, C) -> y (N, C); training needs N > 1.

    Examples
    --------
    >>> bn = BatchNorm1d(2)
    >>> y = bn.forward(np.array([[1.0, 2.0], [3.0, 6.0]]))
    >>> np.round(y, 4)
    array([[-1., -1.],
           [ 1.,  1.]])
    >>> bn.running_mean, bn.running_var
    (array([0.2, 0.4]), array([1.1, 1.7]))
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        self.num_features = _positive_int(num_features, "num_features")
        self.eps = _real(eps, "eps")
        if self.eps <= 0:
            raise ValueError(f"eps must be > 0, got {self.eps}")
        self.momentum = _real(momentum, "momentum")
        if not 0.0 <= self.momentum <= 1.0:
            raise ValueError(f"momentum must be in [0, 1], got {self.momentum}")
        self.params["gamma"] = np.ones(self.num_features)
        self.params["beta"] = np.zeros(self.num_features)
        self.running_mean = np.zeros(self.num_features)
        self.running_var = np.ones(self.num_features)

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = as_float_array(x, "x")
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise _shape_error(self, "x", f"(N, {self.num_features})", x.shape)
        gamma, beta = self._param("gamma", x.dtype), self._param("beta", x.dtype)
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError(
                    f"BatchNorm1d: expected x of shape (N, {self.num_features}) with N > 1 in "
                    f"training mode (a variance needs two samples), got {x.shape}"
                )
            mean = x.mean(axis=0)
            centred = x - mean
            var = np.mean(centred * centred, axis=0)
            m = self.momentum
            self.running_mean = (1.0 - m) * self.running_mean + m * mean
            self.running_var = (1.0 - m) * self.running_var + m * var * (n / (n - 1.0))
        else:
            mean = self.running_mean.astype(x.dtype, copy=False)
            var = self.running_var.astype(x.dtype, copy=False)
            centred = x - mean
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = centred * inv_std
        self._cache = (x_hat, inv_std, self.training, x.dtype)
        return gamma * x_hat + beta

    def backward(self, dout: ArrayLike) -> np.ndarray:
        x_hat, inv_std, training, dtype = self._require_cache()
        dout = _dout(dout, self, x_hat.shape)
        gamma = self._param("gamma", dtype)
        self._set_grad("gamma", np.sum(dout * x_hat, axis=0))
        self._set_grad("beta", np.sum(dout, axis=0))
        dx_hat = dout * gamma
        if not training:
            return (dx_hat * inv_std).astype(dtype, copy=False)
        n = x_hat.shape[0]
        dx = (inv_std / n) * (
            n * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0)
        )
        return dx.astype(dtype, copy=False)

    def __repr__(self) -> str:
        return f"BatchNorm1d({self.num_features}, eps={self.eps}, momentum={self.momentum})"


# ------------------------------------------------------------------------------------------
# Convolution and pooling
# ------------------------------------------------------------------------------------------
class Conv2D(Layer):
    r"""2-D convolution (cross-correlation, as in every deep-learning library), NCHW.

    .. math::

        y_{n,f,i,j} = b_f + \sum_{c}\sum_{p,q=0}^{k-1}
        W_{f,c,p,q}\; x^\text{pad}_{n,c,\,s i + p,\,s j + q}

    Vectorised with im2col: a strided *view* of the padded input holds every
    k×k window (no copy); one copy lays the windows out as a matrix of shape
    (C·k·k + 1, H_out·W_out) per sample, whose extra row of ones carries the
    bias; one batched matrix product with the (F, C·k·k + 1) matrix
    :math:`[W \mid b]` then does every multiply-add and yields NCHW directly.
    The backward pass reuses the matrix for ``dW`` and adds the window
    gradients back with k·k strided slice additions (col2im).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int
        Square kernel k×k.
    stride : int, default 1
    padding : int, default 0
        Zeros added on each side of both spatial axes.
    init : {"he", "xavier", "lecun"}, default "he"
        Fan-in C·k·k, fan-out F·k·k; the bias starts at zero.
    rng : numpy.random.Generator or int, optional

    Attributes
    ----------
    params : dict
        ``W`` (out_channels, in_channels, k, k), as ``torch.nn.Conv2d.weight``;
        ``b`` (out_channels,).

    Shape
    -----
    x (N, C_in, H, W) -> y (N, C_out, H_out, W_out) with
    :math:`H_\text{out} = \lfloor (H + 2p - k)/s \rfloor + 1` (likewise W_out).

    Examples
    --------
    >>> conv = Conv2D(1, 16, 3, rng=np.random.default_rng(0))
    >>> conv.forward(np.zeros((360, 1, 8, 8))).shape
    (360, 16, 6, 6)
    >>> Conv2D(3, 4, 3, stride=2, padding=1, rng=0).forward(np.zeros((2, 3, 7, 7))).shape
    (2, 4, 4, 4)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        *,
        init: str = "he",
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__()
        self.in_channels = _positive_int(in_channels, "in_channels")
        self.out_channels = _positive_int(out_channels, "out_channels")
        self.kernel_size = _positive_int(kernel_size, "kernel_size")
        self.stride = _positive_int(stride, "stride")
        if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
            raise ValueError(f"padding must be an integer >= 0, got {padding!r}")
        self.padding = int(padding)
        self.init = init
        k = self.kernel_size
        self.params["W"] = init_weight(
            (self.out_channels, self.in_channels, k, k),
            self.in_channels * k * k,
            self.out_channels * k * k,
            init,
            rng,
        )
        self.params["b"] = np.zeros(self.out_channels)

    def output_shape(self, height: int, width: int) -> tuple[int, int]:
        """Spatial output size (H_out, W_out) for an input of size (height, width)."""
        k, s, p = self.kernel_size, self.stride, self.padding
        return (height + 2 * p - k) // s + 1, (width + 2 * p - k) // s + 1

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = as_float_array(x, "x")
        k, s, p = self.kernel_size, self.stride, self.padding
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise _shape_error(self, "x", f"(N, {self.in_channels}, H, W)", x.shape)
        n, c, h, w = x.shape
        if h + 2 * p < k or w + 2 * p < k:
            raise _shape_error(
                self, "x", f"(N, {c}, H, W) with H, W >= {k - 2 * p} (kernel {k}, padding {p})",
                x.shape,
            )
        h_out, w_out = self.output_shape(h, w)
        ckk = c * k * k
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x
        # Every k x k window as a view, (N, C, H_out, W_out, k, k): no copy yet.
        windows = sliding_window_view(xp, (k, k), axis=(2, 3))[:, :, ::s, ::s]
        # im2col, one matrix per sample: cols[n] is (C*k*k + 1, H_out*W_out); the last
        # row holds ones so that the bias rides along in the same matrix product.
        cols = np.empty((n, ckk + 1, h_out * w_out), dtype=x.dtype)
        body = np.reshape(cols[:, :ckk], (n, c, k, k, h_out, w_out), copy=False)
        body[...] = windows.transpose(0, 1, 4, 5, 2, 3)
        cols[:, ckk] = 1.0
        w_aug = np.concatenate(
            [self._param("W", x.dtype).reshape(self.out_channels, ckk),
             self._param("b", x.dtype)[:, None]],
            axis=1,
        )
        out = w_aug @ cols  # (N, F, H_out*W_out): already NCHW
        self._cache = (cols, x.shape, x.dtype)
        return out.reshape(n, self.out_channels, h_out, w_out)

    def backward(self, dout: ArrayLike) -> np.ndarray:
        cols, x_shape, dtype = self._require_cache()
        n, c, h, w = x_shape
        k, s, p = self.kernel_size, self.stride, self.padding
        h_out, w_out = self.output_shape(h, w)
        ckk = c * k * k
        dout = _dout(dout, self, (n, self.out_channels, h_out, w_out))
        d3 = dout.reshape(n, self.out_channels, h_out * w_out).astype(dtype, copy=False)
        # dW = sum over samples and positions of dout * window (the ones row is skipped).
        dw = np.tensordot(d3, cols[:, :ckk], axes=([0, 2], [0, 2]))
        self._set_grad("W", dw.reshape(self.params["W"].shape))
        self._set_grad("b", d3.sum(axis=(0, 2)))
        w_mat = self._param("W", dtype).reshape(self.out_channels, ckk)
        dcols = (w_mat.T @ d3).reshape(n, c, k, k, h_out, w_out)
        dxp = np.zeros((n, c, h + 2 * p, w + 2 * p), dtype=dtype)
        for i in range(k):  # col2im: add the window gradients of each kernel offset back
            for j in range(k):
                dxp[:, :, i : i + s * h_out : s, j : j + s * w_out : s] += dcols[:, :, i, j]
        return dxp[:, :, p : p + h, p : p + w].copy() if p else dxp

    def __repr__(self) -> str:
        return (
            f"Conv2D({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, init={self.init!r})"
        )


class MaxPool2D(Layer):
    r"""Max pooling over non-overlapping k×k windows (stride k), NCHW.

    .. math:: y_{n,c,i,j} = \max_{0 \le p,q < k} x_{n,c,\,k i + p,\,k j + q}

    Rows and columns that do not fill a whole window are dropped (PyTorch's
    default ``ceil_mode=False``). The backward pass sends each gradient to the
    position of its window's maximum; on a tie, to the first maximum in
    row-major order, as PyTorch does. A NaN in a window makes its output NaN.

    Vectorised over the batch: a loop over the k·k offsets inside the window,
    each a strided view of the input with the output's shape.

    Parameters
    ----------
    kernel_size : int

    Shape
    -----
    x (N, C, H, W) -> y (N, C, H // k, W // k). No parameters.

    Examples
    --------
    >>> pool = MaxPool2D(2)
    >>> pool.forward(np.arange(16.0).reshape(1, 1, 4, 4))
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """

    def __init__(self, kernel_size: int) -> None:
        super().__init__()
        self.kernel_size = _positive_int(kernel_size, "kernel_size")

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = as_float_array(x, "x")
        k = self.kernel_size
        if x.ndim != 4 or x.shape[2] < k or x.shape[3] < k:
            raise _shape_error(self, "x", f"(N, C, H, W) with H, W >= {k}", x.shape)
        ho, wo = x.shape[2] // k, x.shape[3] // k
        # One strided view per window offset (p, q), each of the output's shape: a running
        # max over the k*k offsets that remembers which offset won. A later offset wins
        # only if strictly larger, so the first maximum wins a tie (as in PyTorch).
        best = x[:, :, 0 : ho * k : k, 0 : wo * k : k].copy()
        winner = np.zeros(best.shape, dtype=np.intp)
        for offset in range(1, k * k):
            p, q = divmod(offset, k)
            v = x[:, :, p : ho * k : k, q : wo * k : k]
            winner[v > best] = offset
            np.maximum(best, v, out=best)  # NaN propagates
        self._cache = (winner, x.shape, x.dtype)
        return best

    def backward(self, dout: ArrayLike) -> np.ndarray:
        winner, x_shape, dtype = self._require_cache()
        k = self.kernel_size
        ho, wo = winner.shape[2], winner.shape[3]
        dout = _dout(dout, self, winner.shape)
        dx = np.zeros(x_shape, dtype=dtype)
        for offset in range(k * k):
            p, q = divmod(offset, k)
            dx[:, :, p : ho * k : k, q : wo * k : k] = np.where(winner == offset, dout, 0.0)
        return dx

    def __repr__(self) -> str:
        return f"MaxPool2D(kernel_size={self.kernel_size})"


class Flatten(Layer):
    r"""Flatten every axis but the first: (N, \*) -> (N, prod(\*)).

    Examples
    --------
    >>> Flatten().forward(np.zeros((2, 3, 4, 4))).shape
    (2, 48)
    """

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = as_float_array(x, "x")
        if x.ndim < 1:
            raise _shape_error(self, "x", "(N, *)", x.shape)
        self._cache = x.shape
        return x.reshape(x.shape[0], -1).copy()

    def backward(self, dout: ArrayLike) -> np.ndarray:
        shape = self._require_cache()
        n = shape[0]
        dout = _dout(dout, self, (n, int(np.prod(shape[1:], dtype=np.int64))))
        return dout.reshape(shape).copy()

    def __repr__(self) -> str:
        return "Flatten()"


# ------------------------------------------------------------------------------------------
# Recurrent layer
# ------------------------------------------------------------------------------------------
class RNN(Layer):
    r"""Elman recurrent layer over a whole sequence, with backpropagation through time.

    For :math:`t = 1..T`, with the pre-activation :math:`a_t = x_t W_x + h_{t-1} W_h + b`:

    * ``activation`` = any registered name (``"tanh"``, ``"relu"``, ``"hard_tanh"``, ...):
      :math:`h_t = f(a_t)`;
    * ``activation="gated"``, the gated activation of slide 11: an update gate
      :math:`z_t = \sigma(a_t + h_{t-1})` mixes the new candidate and the old state,
      :math:`h_t = z_t \odot \tanh(a_t) + (1 - z_t) \odot h_{t-1}`. The path
      through :math:`(1 - z_t)` carries gradient back in time without passing
      through a squashing derivative.

    Backpropagation through time walks t from T down to 1, adding to
    :math:`\partial L/\partial h_t` the part that comes back from step t+1. After
    ``backward``, ``hidden_grad_norms[t]`` is the Frobenius norm (over batch and
    units) of that total gradient :math:`\partial L / \partial h_t`: the signal
    that reaches time step t. Feed a ``dout`` that is zero except at the last
    step to watch it vanish (tanh) or explode (relu) through time.

    Parameters
    ----------
    input_size, hidden_size : int
    activation : str, default "tanh"
        A name from :func:`course_lib.activations.names` or ``"gated"``.
    init : {"he", "xavier", "lecun"}, default "xavier"
        For ``Wx`` (fan-in input_size) and ``Wh`` (fan-in hidden_size); ``b`` starts at 0.
    rng : numpy.random.Generator or int, optional
    **activation_params
        Fixed parameters of the activation (e.g. ``min_val``/``max_val`` of hard_tanh).

    Attributes
    ----------
    params : dict
        ``Wx`` (input_size, hidden_size), ``Wh`` (hidden_size, hidden_size),
        ``b`` (hidden_size,). In ``torch.nn.RNN`` terms ``weight_ih_l0 = Wx.T``,
        ``weight_hh_l0 = Wh.T`` and ``bias_ih_l0 + bias_hh_l0 = b``.
    hidden_grad_norms : numpy.ndarray
        Shape (T,), set by ``backward``.
    dh0 : numpy.ndarray
        Gradient with respect to the initial state, shape (N, hidden_size), set by
        ``backward``.

    Shape
    -----
    x (N, T, input_size) [, h0 (N, hidden_size), default zeros] ->
    all hidden states (N, T, hidden_size); the last one is ``out[:, -1]``.

    Examples
    --------
    >>> rnn = RNN(3, 5, activation="tanh", rng=0)
    >>> h = rnn.forward(np.ones((2, 7, 3)))
    >>> h.shape
    (2, 7, 5)
    >>> dout = np.zeros_like(h); dout[:, -1] = 1.0
    >>> rnn.backward(dout).shape, rnn.hidden_grad_norms.shape
    ((2, 7, 3), (7,))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        activation: str = "tanh",
        *,
        init: str = "xavier",
        rng: np.random.Generator | int | None = None,
        **activation_params: float,
    ) -> None:
        super().__init__()
        self.input_size = _positive_int(input_size, "input_size")
        self.hidden_size = _positive_int(hidden_size, "hidden_size")
        self.init = init
        self.activation_params = dict(activation_params)
        if activation == "gated":
            if activation_params:
                raise TypeError(
                    f"the gated activation has no parameters, got {sorted(activation_params)}"
                )
            self.spec = None
            self.activation = "gated"
        else:
            self.spec = act.get(activation)
            self.activation = self.spec.name
            self.spec(np.zeros(1), **self.activation_params)  # validate parameters now
        generator = _rng(rng)
        d, h = self.input_size, self.hidden_size
        self.params["Wx"] = init_weight((d, h), d, h, init, generator)
        self.params["Wh"] = init_weight((h, h), h, h, init, generator)
        self.params["b"] = np.zeros(h)
        self.hidden_grad_norms: np.ndarray | None = None
        self.dh0: np.ndarray | None = None

    def forward(self, x: ArrayLike, h0: ArrayLike | None = None) -> np.ndarray:
        x = as_float_array(x, "x")
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise _shape_error(self, "x", f"(N, T, {self.input_size})", x.shape)
        n, t_len, _ = x.shape
        hs = self.hidden_size
        if h0 is None:
            h_prev = np.zeros((n, hs), dtype=x.dtype)
        else:
            h_prev = as_float_array(h0, "h0").astype(x.dtype, copy=False)
            if h_prev.shape != (n, hs):
                raise _shape_error(self, "h0", f"({n}, {hs})", h_prev.shape)
        h_start = h_prev
        wh = self._param("Wh", x.dtype)
        a_all = x @ self._param("Wx", x.dtype) + self._param("b", x.dtype)  # (N, T, H)
        states = np.empty((n, t_len, hs), dtype=x.dtype)
        for t in range(t_len):
            a = a_all[:, t] + h_prev @ wh
            a_all[:, t] = a
            if self.spec is None:
                z = act.sigmoid(a + h_prev)
                h_prev = z * act.tanh(a) + (1.0 - z) * h_prev
            else:
                h_prev = self.spec(a, **self.activation_params)
            states[:, t] = h_prev
        self._cache = (x, h_start, a_all, states)
        return states

    def backward(self, dout: ArrayLike) -> np.ndarray:
        x, h_start, a_all, states = self._require_cache()
        n, t_len, d = x.shape
        hs = self.hidden_size
        dout = _dout(dout, self, states.shape)
        wh_t = self._param("Wh", x.dtype).T
        da_all = np.empty_like(a_all)
        norms = np.empty(t_len)
        dh_next = np.zeros((n, hs), dtype=x.dtype)
        for t in range(t_len - 1, -1, -1):
            dh = dout[:, t] + dh_next
            norms[t] = np.sqrt(np.sum(np.square(dh, dtype=np.float64)))
            a = a_all[:, t]
            h_prev = states[:, t - 1] if t > 0 else h_start
            if self.spec is None:
                gate_in = a + h_prev
                z = act.sigmoid(gate_in)
                dgate_in = dh * (act.tanh(a) - h_prev) * act.sigmoid_grad(gate_in)
                da = dh * z * act.tanh_grad(a) + dgate_in
                dh_next = dh * (1.0 - z) + dgate_in + da @ wh_t
            else:
                da = dh * self.spec.derivative(a, **self.activation_params)
                dh_next = da @ wh_t
            da_all[:, t] = da
        h_prevs = np.concatenate([h_start[:, None], states[:, :-1]], axis=1)
        da2 = da_all.reshape(-1, hs)
        self._set_grad("Wx", x.reshape(-1, d).T @ da2)
        self._set_grad("Wh", h_prevs.reshape(-1, hs).T @ da2)
        self._set_grad("b", da2.sum(axis=0))
        self.hidden_grad_norms = norms
        self.dh0 = dh_next
        return (da_all @ self._param("Wx", x.dtype).T).astype(x.dtype, copy=False)

    def __repr__(self) -> str:
        return (
            f"RNN(input_size={self.input_size}, hidden_size={self.hidden_size}, "
            f"activation={self.activation!r})"
        )


# ------------------------------------------------------------------------------------------
# Self-attention
# ------------------------------------------------------------------------------------------
class SelfAttention(Layer):
    r"""Single-head scaled dot-product self-attention (Vaswani et al., 2017).

    .. math::

        Q = xW_q,\quad K = xW_k,\quad V = xW_v,\qquad
        A = \operatorname{softmax}\!\Big(\frac{QK^\top}{\sqrt{D}} + M\Big),\qquad y = A V,

    batched over N, where :math:`M_{ij} = -\infty` for :math:`j > i` when
    ``causal=True`` (a position sees only itself and the past) and 0 otherwise.
    The softmax is :func:`course_lib.losses.softmax` (max-shift): every row of
    :math:`A` sums to one and no score overflows; masked weights are exactly 0.
    Unlike slide 12 there is no activation inside Q/K/V and no ``np.relu``.

    ``forward(x)`` returns the pair ``(y, A)``, like PyTorch's
    ``nn.MultiheadAttention``; ``A`` is also kept as ``self.attention_weights``.
    ``backward(dout)`` takes the gradient with respect to ``y`` only.

    Backward, with :math:`dA = d_y V^\top`:
    :math:`dV = A^\top d_y`,
    :math:`dS = A \odot (dA - \operatorname{rowsum}(dA \odot A)) / \sqrt{D}`,
    :math:`dQ = dS\,K`, :math:`dK = dS^\top Q`, and
    :math:`dx = dQ W_q^\top + dK W_k^\top + dV W_v^\top`.

    Parameters
    ----------
    hidden_size : int
        Feature size D of the input and of Q, K, V.
    causal : bool, default False
    init : {"he", "xavier", "lecun"}, default "xavier"
    rng : numpy.random.Generator or int, optional

    Attributes
    ----------
    params : dict
        ``Wq``, ``Wk``, ``Wv``, each (D, D), applied as ``x @ W``.

    Shape
    -----
    x (N, T, D) -> y (N, T, D) and A (N, T, T), rows of A summing to 1.

    Examples
    --------
    >>> attn = SelfAttention(4, causal=True, rng=0)
    >>> y, weights = attn.forward(np.ones((2, 3, 4)))
    >>> y.shape, weights.shape
    ((2, 3, 4), (2, 3, 3))
    >>> np.round(weights[0], 3)
    array([[1.   , 0.   , 0.   ],
           [0.5  , 0.5  , 0.   ],
           [0.333, 0.333, 0.333]])
    """

    def __init__(
        self,
        hidden_size: int,
        causal: bool = False,
        *,
        init: str = "xavier",
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__()
        self.hidden_size = _positive_int(hidden_size, "hidden_size")
        self.causal = bool(causal)
        self.init = init
        generator = _rng(rng)
        d = self.hidden_size
        for name in ("Wq", "Wk", "Wv"):
            self.params[name] = init_weight((d, d), d, d, init, generator)
        self.attention_weights: np.ndarray | None = None

    def forward(self, x: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        x = as_float_array(x, "x")
        d = self.hidden_size
        if x.ndim != 3 or x.shape[2] != d:
            raise _shape_error(self, "x", f"(N, T, {d})", x.shape)
        q = x @ self._param("Wq", x.dtype)
        k = x @ self._param("Wk", x.dtype)
        v = x @ self._param("Wv", x.dtype)
        scores = (q @ k.transpose(0, 2, 1)) / math.sqrt(d)  # a Python float keeps float32
        if self.causal:
            t_len = x.shape[1]
            future = np.triu(np.ones((t_len, t_len), dtype=bool), k=1)
            scores = np.where(future, -np.inf, scores)
        weights = softmax(scores, axis=-1)
        out = weights @ v
        self._cache = (x, q, k, v, weights)
        self.attention_weights = weights
        return out, weights

    def backward(self, dout: ArrayLike) -> np.ndarray:
        x, q, k, v, weights = self._require_cache()
        dout = _dout(dout, self, x.shape)
        d = self.hidden_size
        dv = weights.transpose(0, 2, 1) @ dout
        dweights = dout @ v.transpose(0, 2, 1)
        dscores = weights * (dweights - np.sum(dweights * weights, axis=-1, keepdims=True))
        dscores /= math.sqrt(d)
        dq = dscores @ k
        dk = dscores.transpose(0, 2, 1) @ q
        x2 = x.reshape(-1, d)
        self._set_grad("Wq", x2.T @ dq.reshape(-1, d))
        self._set_grad("Wk", x2.T @ dk.reshape(-1, d))
        self._set_grad("Wv", x2.T @ dv.reshape(-1, d))
        dx = (
            dq @ self._param("Wq", x.dtype).T
            + dk @ self._param("Wk", x.dtype).T
            + dv @ self._param("Wv", x.dtype).T
        )
        return dx.astype(x.dtype, copy=False)

    def __repr__(self) -> str:
        return f"SelfAttention(hidden_size={self.hidden_size}, causal={self.causal})"


# ------------------------------------------------------------------------------------------
# Gated linear units
# ------------------------------------------------------------------------------------------
class _GatedUnit(Layer):
    """Split the last axis into a value half ``a`` and a gate half ``b``; y = a * g(b)."""

    def _gate(self, b: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _gate_grad(self, b: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = as_float_array(x, "x")
        if x.ndim < 1 or x.shape[-1] % 2 or x.shape[-1] == 0:
            raise _shape_error(self, "x", "(*, 2H) with an even, non-zero last axis", x.shape)
        half = x.shape[-1] // 2
        a, b = x[..., :half], x[..., half:]
        gate = self._gate(b)
        self._cache = (a, b, gate)
        return a * gate

    def backward(self, dout: ArrayLike) -> np.ndarray:
        a, b, gate = self._require_cache()
        dout = _dout(dout, self, a.shape)
        da = dout * gate
        db = dout * a * self._gate_grad(b)
        return np.concatenate([da, db], axis=-1).astype(a.dtype, copy=False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class GLU(_GatedUnit):
    r"""Gated linear unit (Dauphin et al., 2017), :math:`y = a \odot \sigma(b)`.

    ``x`` is split along its last axis into the value half :math:`a` (first) and
    the gate half :math:`b` (second), as ``torch.nn.functional.glu`` does.
    Put a ``Linear(d, 2 * h)`` before it to get :math:`(xW + c) \odot \sigma(xV + e)`.

    Shape
    -----
    x (\*, 2H) -> y (\*, H). An odd last axis raises ``ValueError``.

    Examples
    --------
    >>> GLU().forward(np.array([[2.0, 0.0]]))
    array([[1.]])
    """

    def _gate(self, b: np.ndarray) -> np.ndarray:
        return act.sigmoid(b)

    def _gate_grad(self, b: np.ndarray) -> np.ndarray:
        return act.sigmoid_grad(b)


class SwiGLU(_GatedUnit):
    r"""Swish-gated linear unit (Shazeer, 2020), :math:`y = a \odot \operatorname{swish}(b)`.

    Same split as :class:`GLU` (value first, gate second), with the gate
    :math:`\operatorname{swish}(b) = b\,\sigma(b)` of
    :func:`course_lib.activations.swish` instead of :math:`\sigma(b)`.

    Shape
    -----
    x (\*, 2H) -> y (\*, H).

    Examples
    --------
    >>> np.round(SwiGLU().forward(np.array([[2.0, 1.0]])), 4)
    array([[1.4621]])
    """

    def _gate(self, b: np.ndarray) -> np.ndarray:
        return act.swish(b)

    def _gate_grad(self, b: np.ndarray) -> np.ndarray:
        return act.swish_grad(b)


class GaussianGLU(_GatedUnit):
    r"""Gaussian-gated linear unit of slide 14, :math:`y = a \odot e^{-\frac12 ((b-\mu)/s)^2}`.

    A gate that is open (1) when :math:`b` is near :math:`\mu` and closes on
    both sides. Same split as :class:`GLU`: value first, gate second (slide 14
    put the gate first; the convention is ours, chosen to match PyTorch's glu).
    The gate's derivative is :math:`-\frac{b-\mu}{s^2}\,g(b)`.

    Parameters
    ----------
    mean : float, default 0.0
    std : float, default 1.0
        Must be > 0. Both are fixed, not learnt.

    Shape
    -----
    x (\*, 2H) -> y (\*, H).

    Examples
    --------
    >>> GaussianGLU().forward(np.array([[3.0, 0.0]]))
    array([[3.]])
    """

    def __init__(self, mean: float = 0.0, std: float = 1.0) -> None:
        super().__init__()
        self.mean = _real(mean, "mean")
        self.std = _real(std, "std")
        if self.std <= 0:
            raise ValueError(f"std must be > 0, got {self.std}")

    def _standardised(self, b: np.ndarray) -> np.ndarray:
        # Beyond |u| = 50 the gate exp(-u^2/2) is exactly 0 in float64 and float32;
        # clipping there keeps u*u (and an extreme b/std) from overflowing.
        with np.errstate(over="ignore"):
            u = (b - self.mean) / self.std
        return np.clip(u, -50.0, 50.0)

    def _gate(self, b: np.ndarray) -> np.ndarray:
        u = self._standardised(b)
        return np.exp(-0.5 * u * u)

    def _gate_grad(self, b: np.ndarray) -> np.ndarray:
        u = self._standardised(b)
        return -(u / self.std) * np.exp(-0.5 * u * u)

    def __repr__(self) -> str:
        return f"GaussianGLU(mean={self.mean}, std={self.std})"


# ------------------------------------------------------------------------------------------
# Builders
# ------------------------------------------------------------------------------------------
def mlp(
    sizes: Sequence[int],
    activation: str | None = "relu",
    *,
    init: str = "he",
    batchnorm: bool = False,
    rng: np.random.Generator | int | None = None,
    **activation_params: float,
) -> Sequential:
    r"""A multilayer perceptron: linear layers with an activation between consecutive ones.

    ``mlp([d_0, d_1, ..., d_L], f)`` has L :class:`Linear` layers and an
    :class:`Activation` after every one but the last, which returns raw scores
    (logits) for a loss:

    .. math::

        h_0 = x, \qquad h_l = f(h_{l-1} W_l + b_l) \ \ (l = 1, \dots, L-1), \qquad
        y = h_{L-1} W_L + b_L .

    With ``batchnorm=True`` every hidden layer is ``Linear -> BatchNorm1d -> f``.
    With ``activation=None`` nothing sits between the linear layers, and the
    whole stack is one linear map in disguise (notebook 01).

    Parameters
    ----------
    sizes : sequence of int
        ``[in_features, hidden_1, ..., out_features]`` (a list, tuple, range or
        integer array), at least two positive sizes.
    activation : str or None, default "relu"
        A registered name (:func:`course_lib.activations.names`), or None.
    init : {"he", "xavier", "lecun"}, default "he"
        Initialisation of every weight matrix (:func:`init_weight`); biases start at 0.
    batchnorm : bool, default False
        Put a :class:`BatchNorm1d` before every hidden activation.
    rng : numpy.random.Generator or int, optional
        One generator draws all weights, layer after layer from the input side:
        the same seed gives the same weights as building the layers by hand,
        ``Linear(d_0, d_1, rng=g)``, ``Linear(d_1, d_2, rng=g)``, ...
    **activation_params
        Fixed parameters of the activation, e.g. ``negative_slope=0.1``.

    Returns
    -------
    Sequential
        Layers ``Linear, [BatchNorm1d,] Activation, ..., Linear``.

    Shape
    -----
    x (N, sizes[0]) -> y (N, sizes[-1]).

    Examples
    --------
    >>> model = mlp([4, 8, 8, 3], "tanh", init="xavier", rng=0)
    >>> [type(layer).__name__ for layer in model]
    ['Linear', 'Activation', 'Linear', 'Activation', 'Linear']
    >>> model.forward(np.ones((5, 4))).shape
    (5, 3)
    >>> len(mlp([2, 16, 16, 2], activation=None))
    3
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Sequence, np.ndarray)):
        raise TypeError(
            f"sizes must be a sequence of positive integers, got {type(sizes).__name__}"
        )
    if len(sizes) < 2:
        raise ValueError(
            "sizes must hold at least two sizes, [in_features, ..., out_features], "
            f"got {list(sizes)}"
        )
    sizes = [_positive_int(size, f"sizes[{i}]") for i, size in enumerate(sizes)]
    if activation is None and activation_params:
        raise TypeError(
            f"activation parameters {sorted(activation_params)} given without an activation"
        )
    if activation is not None:
        Activation(activation, **activation_params)  # a bad name or parameter fails now
    generator = _rng(rng)
    layers: list[Layer] = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(fan_in, fan_out, init=init, rng=generator))
        if i == len(sizes) - 2:
            break
        if batchnorm:
            layers.append(BatchNorm1d(fan_out))
        if activation is not None:
            layers.append(Activation(activation, **activation_params))
    return Sequential(*layers)
