r"""The layer contract, the dense layer, activation layers, the container and ``mlp``.

* :class:`Layer` -- base class: ``params``/``grads`` dicts with the same keys, a cache,
  train/eval mode, ``zero_grad``;
* :class:`Linear` -- :math:`y = xW + b`;
* :class:`Activation` -- any registered activation of :mod:`course_lib.activations`;
* :class:`Sequential` -- layers one after another;
* :func:`mlp` -- a multilayer perceptron in one call;
* :func:`init_weight` -- He, Xavier/Glorot or LeCun initialisation (``weight_init=``).

Every layer's ``forward(x)`` returns one array and keeps what ``backward`` needs;
``backward(dout)`` returns ``dx`` as a new array (``dout`` is never written to) and fills
``grads``. float32 in gives float32 out (the float64 parameters are used in the input's
dtype); integers are promoted to float64.

Examples
--------
>>> model = mlp([4, 8, 3], "relu", rng=0)
>>> model.forward(np.ones((5, 4))).shape, model.backward(np.ones((5, 3))).shape
((5, 3), (5, 4))

Used by notebooks 01, 03, 04 and 05.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib import activations as act
from course_lib.validation import (
    as_float_array,
    check_shape,
    choice,
    describe,
    integer,
    make_rng,
    shape_error,
)

__all__ = [
    "WEIGHT_INITS",
    "Activation",
    "Layer",
    "Linear",
    "Sequential",
    "init_weight",
    "mlp",
]

#: Names accepted by the ``weight_init=`` argument of the layers with weights.
WEIGHT_INITS = ("he", "xavier", "lecun")


def _check_weight_init(weight_init: Any, where: str) -> str:
    """``weight_init`` if it is one of :data:`WEIGHT_INITS`, else a ``ValueError``."""
    return choice(weight_init, "weight_init", WEIGHT_INITS, where=where)


def init_weight(
    shape: tuple[int, ...],
    fan_in: int,
    fan_out: int,
    weight_init: str = "he",
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    r"""A float64 weight array drawn from a zero-mean normal with a scaled variance.

    .. math::

        \text{he: } \operatorname{Var} = \frac{2}{n_\text{in}}, \qquad
        \text{xavier: } \operatorname{Var} = \frac{2}{n_\text{in} + n_\text{out}}, \qquad
        \text{lecun: } \operatorname{Var} = \frac{1}{n_\text{in}} .

    He (Kaiming) suits ReLU-like activations, Xavier/Glorot tanh and sigmoid, LeCun SELU.

    Parameters
    ----------
    shape : tuple of int
    fan_in, fan_out : int
        Inputs and outputs per unit (for a convolution, channels times kernel area).
    weight_init : {"he", "xavier", "lecun"}, default "he"
    rng : int or numpy.random.Generator, optional
        A seed or a generator; default a fresh, unseeded generator.

    Examples
    --------
    >>> w = init_weight((1000, 500), fan_in=1000, fan_out=500, weight_init="lecun", rng=0)
    >>> round(float(w.std() * np.sqrt(1000)), 2)
    1.0
    """
    where = "init_weight()"
    weight_init = _check_weight_init(weight_init, where)
    fan_in = integer(fan_in, "fan_in", where=where, minimum=1)
    fan_out = integer(fan_out, "fan_out", where=where, minimum=1)
    variance = {"he": 2.0 / fan_in, "xavier": 2.0 / (fan_in + fan_out), "lecun": 1.0 / fan_in}
    generator = make_rng(rng, where=where)
    return np.sqrt(variance[weight_init]) * generator.standard_normal(shape)


# ------------------------------------------------------------------------------------------
# Base class
# ------------------------------------------------------------------------------------------
class Layer:
    """Base class: ``params``/``grads`` dicts, a cache, train/eval mode.

    Subclasses implement ``forward(x)`` (returns one array) and ``backward(dout)`` (returns
    ``dx`` as a new array and fills ``grads`` with the keys, shapes and dtypes of
    ``params``). ``backward`` before ``forward`` raises ``RuntimeError``.
    """

    #: Constructor arguments shown in error messages, e.g. ``Linear(3, 5)``.
    _label_args: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.training: bool = True
        self._cache: Any = None

    def forward(self, x: ArrayLike) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dout: ArrayLike) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, x: ArrayLike) -> np.ndarray:
        return self.forward(x)

    def train(self, mode: bool = True) -> Layer:
        """Switch to training mode (or evaluation mode with ``mode=False``); returns self."""
        self.training = bool(mode)
        return self

    def eval(self) -> Layer:
        """Switch to evaluation mode; returns self."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Set every gradient to an array of zeros of its parameter's shape."""
        for name, value in self.params.items():
            self.grads[name] = np.zeros_like(value)

    @property
    def _where(self) -> str:
        args = ", ".join(repr(getattr(self, name)) for name in self._label_args)
        return f"{type(self).__name__}({args})"

    def _input(self, x: ArrayLike, name: str = "x") -> np.ndarray:
        """``x`` as a float array the layer owns: a caller who changes their array after
        ``forward`` must not change what ``backward`` computes from the cache."""
        arr = as_float_array(x, name, where=self._where)
        if isinstance(x, np.ndarray) and (arr is x or np.may_share_memory(arr, x)):
            arr = arr.copy()
        return arr

    def _dout(self, dout: ArrayLike, shape: tuple[int, ...]) -> np.ndarray:
        arr = as_float_array(dout, "dout", where=self._where)
        return check_shape(arr, shape, "dout", where=self._where)

    def _require_cache(self) -> Any:
        if self._cache is None:
            raise RuntimeError(
                f"{self._where}: backward() called before forward(); call forward(x) first, "
                "backward(dout) then uses its cache"
            )
        return self._cache

    def _param(self, name: str, dtype: np.dtype) -> np.ndarray:
        return self.params[name].astype(dtype, copy=False)

    def _set_grad(self, name: str, value: np.ndarray) -> None:
        self.grads[name] = np.asarray(value).astype(self.params[name].dtype, copy=False)

    def __repr__(self) -> str:
        return self._where


# ------------------------------------------------------------------------------------------
# Dense layer and element-wise activations
# ------------------------------------------------------------------------------------------
class Linear(Layer):
    r"""Affine map :math:`y = x W + b`.

    Backward: :math:`dx = d_\text{out} W^\top`, :math:`dW = x^\top d_\text{out}`,
    :math:`db = \sum_n d_\text{out}` (leading axes flattened).

    Parameters
    ----------
    in_features, out_features : int
    bias : bool, default True
        Without bias, ``params`` holds only ``W``.
    weight_init : {"he", "xavier", "lecun"}, default "he"
        Initialisation of ``W`` (:func:`init_weight`); ``b`` starts at zero.
    rng : int or numpy.random.Generator, optional

    Attributes
    ----------
    params : dict
        ``W`` (in_features, out_features) and ``b`` (out_features,). PyTorch stores the
        transpose: ``torch_linear.weight == W.T``.

    Shape
    -----
    x (N, in_features) -> y (N, out_features); more leading axes are allowed.

    Examples
    --------
    >>> layer = Linear(3, 2, rng=0)
    >>> layer.forward(np.ones((4, 3))).shape
    (4, 2)
    >>> layer.backward(np.ones((4, 2))).shape, layer.grads["W"].shape
    ((4, 3), (3, 2))
    """

    _label_args = ("in_features", "out_features")

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        weight_init: str = "he",
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__()
        where = "Linear()"
        self.in_features = integer(in_features, "in_features", where=where, minimum=1)
        self.out_features = integer(out_features, "out_features", where=where, minimum=1)
        self.weight_init = _check_weight_init(weight_init, where)
        d_in, d_out = self.in_features, self.out_features
        self.params["W"] = init_weight(
            (d_in, d_out), d_in, d_out, self.weight_init, make_rng(rng, where=where)
        )
        if bias:
            self.params["b"] = np.zeros(d_out)

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = self._input(x)
        d = self.in_features
        if x.ndim < 1 or x.shape[-1] != d:
            raise shape_error(x.shape, f"(N, {d}) or (*, {d})", "x", where=self._where)
        out = x @ self._param("W", x.dtype)
        if "b" in self.params:
            out += self._param("b", x.dtype)
        self._cache = x
        return out

    def backward(self, dout: ArrayLike) -> np.ndarray:
        x = self._require_cache()
        dout = self._dout(dout, (*x.shape[:-1], self.out_features))
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
            f"bias={'b' in self.params}, weight_init={self.weight_init!r})"
        )


class Activation(Layer):
    r"""Any activation of :mod:`course_lib.activations` as a layer, :math:`y = f(x)`.

    The forward is ``spec(x, **params)`` and the backward ``dout * spec.derivative(x,
    **params)`` with ``spec = activations.get(name)``: the layer inherits the function's
    stability and its derivative convention at kinks.

    Parameters
    ----------
    name : str
        A registered name (``activations.names()``), e.g. ``"relu"``, ``"gelu"``.
    **params
        The activation's fixed parameters, e.g. ``negative_slope=0.1``.

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

    _label_args = ("name",)

    def __init__(self, name: str, **params: float) -> None:
        super().__init__()
        self.spec = act.get(name)
        self.name = self.spec.name
        self.activation_params = dict(params)
        self.spec(np.zeros(1), **self.activation_params)  # unknown/invalid parameters fail now

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = self._input(x)
        self._cache = x
        return self.spec(x, **self.activation_params)

    def backward(self, dout: ArrayLike) -> np.ndarray:
        x = self._require_cache()
        dout = self._dout(dout, x.shape)
        dx = dout * self.spec.derivative(x, **self.activation_params)
        return dx.astype(x.dtype, copy=False)

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.activation_params.items())
        return f"Activation({self.name!r}{extra})"


# ------------------------------------------------------------------------------------------
# Container and builder
# ------------------------------------------------------------------------------------------
class Sequential(Layer):
    """Layers applied one after another; backward runs them in reverse.

    ``params`` and ``grads`` are dicts keyed ``"<index>.<name>"`` (``"0.W"``, ``"2.b"``)
    whose values are the layers' own arrays, so an optimiser that updates
    ``model.params[key]`` in place updates the layer. The dicts are rebuilt on every
    access: assigning a new array to a key does nothing; write into the array instead.

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
                    f"Sequential(): layer {i} must have forward and backward; "
                    f"got {describe(layer)}"
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
        self._cache = True
        return out

    def backward(self, dout: ArrayLike) -> np.ndarray:
        """Run every layer's backward in reverse order and return dx."""
        self._require_cache()
        grad: Any = dout
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def train(self, mode: bool = True) -> Sequential:
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


def mlp(
    sizes: Sequence[int],
    activation: str | None = "relu",
    *,
    weight_init: str = "he",
    batchnorm: bool = False,
    rng: np.random.Generator | int | None = None,
    **activation_params: float,
) -> Sequential:
    r"""A multilayer perceptron: linear layers with an activation between consecutive ones.

    ``mlp([d_0, d_1, ..., d_L], f)`` has L :class:`Linear` layers and an :class:`Activation`
    after every one but the last, which returns raw scores (logits) for a loss:

    .. math::

        h_0 = x, \qquad h_l = f(h_{l-1} W_l + b_l) \ \ (l = 1, \dots, L-1), \qquad
        y = h_{L-1} W_L + b_L .

    With ``batchnorm=True`` every hidden layer is ``Linear -> BatchNorm1d -> f``. With
    ``activation=None`` nothing sits between the linear layers: the stack is one linear map.

    Parameters
    ----------
    sizes : sequence of int
        ``[in_features, hidden_1, ..., out_features]``, at least two positive sizes.
    activation : str or None, default "relu"
        A registered name (:func:`course_lib.activations.names`), or None.
    weight_init : {"he", "xavier", "lecun"}, default "he"
        Initialisation of every weight matrix (:func:`init_weight`); biases start at 0.
    batchnorm : bool, default False
        Put a :class:`~course_lib.layers.BatchNorm1d` before every hidden activation.
    rng : int or numpy.random.Generator, optional
        One generator draws all weights, layer after layer from the input side: the same
        seed gives the same weights as ``Linear(d_0, d_1, rng=g)``, ``Linear(d_1, d_2,
        rng=g)``, ... with ``g = np.random.default_rng(seed)``.
    **activation_params
        Fixed parameters of the activation, e.g. ``negative_slope=0.1``.

    Returns
    -------
    Sequential
        ``Linear, [BatchNorm1d,] Activation, ..., Linear``.

    Shape
    -----
    x (N, sizes[0]) -> y (N, sizes[-1]).

    Examples
    --------
    >>> model = mlp([4, 8, 8, 3], "tanh", weight_init="xavier", rng=0)
    >>> [type(layer).__name__ for layer in model]
    ['Linear', 'Activation', 'Linear', 'Activation', 'Linear']
    >>> len(mlp([2, 16, 16, 2], activation=None))
    3
    """
    from course_lib.layers.norm import BatchNorm1d  # norm imports this module

    where = "mlp()"
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Sequence, np.ndarray)):
        raise TypeError(f"{where}: sizes must be a sequence of integers; got {describe(sizes)}")
    if len(sizes) < 2:
        raise ValueError(
            f"{where}: sizes must hold at least two sizes, [in_features, ..., out_features]; "
            f"got {list(sizes)}"
        )
    sizes = [integer(size, f"sizes[{i}]", where=where, minimum=1) for i, size in enumerate(sizes)]
    weight_init = _check_weight_init(weight_init, where)
    if activation is None and activation_params:
        raise TypeError(
            f"{where}: activation parameters {sorted(activation_params)} given without an "
            "activation"
        )
    if activation is not None:
        Activation(activation, **activation_params)  # a bad name or parameter fails now
    generator = make_rng(rng, where=where)
    layers: list[Layer] = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(Linear(fan_in, fan_out, weight_init=weight_init, rng=generator))
        if i == len(sizes) - 2:
            break
        if batchnorm:
            layers.append(BatchNorm1d(fan_out))
        if activation is not None:
            layers.append(Activation(activation, **activation_params))
    return Sequential(*layers)
