r"""The layer contract, the dense layer, activation layers and the container.

* :class:`Layer` -- base class: ``params``/``grads`` dicts with the same keys, a cache,
  train/eval mode, ``zero_grad``;
* :class:`Linear` -- :math:`y = xW + b`;
* :class:`Activation` -- any registered activation of :mod:`course_lib.activations`;
* :class:`Sequential` -- layers one after another;
* :func:`init_weight` -- He, Xavier/Glorot or LeCun initialisation (``weight_init=``).

Every layer's ``forward(x)`` returns one array and keeps what ``backward`` needs;
``backward(dout)`` returns ``dx`` as a new array (``dout`` is never written to) and fills
``grads``. float32 in gives float32 out (the float64 parameters are used in the input's
dtype); integers are promoted to float64.

Examples
--------
>>> model = Sequential(Linear(4, 8, rng=0), Activation("relu"), Linear(8, 3, rng=1))
>>> model.forward(np.ones((5, 4))).shape, model.backward(np.ones((5, 3))).shape
((5, 3), (5, 4))
"""

from __future__ import annotations

from collections.abc import Iterator
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
def _with_sublayers(layer: Layer) -> list[Layer]:
    """``layer`` and, for a container, every layer inside it (their caches and gradients)."""
    inner = getattr(layer, "layers", None)
    if not isinstance(inner, list):
        return [layer]
    return [layer, *(lay for sub in inner for lay in _with_sublayers(sub))]


class Sequential(Layer):
    """Layers applied one after another; backward runs them in reverse.

    ``params`` and ``grads`` are dicts keyed ``"<index>.<name>"`` (``"0.W"``, ``"2.b"``)
    whose values are the layers' own arrays, so an optimiser that updates
    ``model.params[key]`` in place updates the layer. The dicts are rebuilt on every
    access: assigning a new array to a key does nothing; write into the array instead.

    Weight sharing: the same layer object may appear more than once (``Sequential(l, l)``),
    as in PyTorch. Each use keeps its own cache, ``backward`` sums the layer's parameter
    gradients over its uses, and ``params``/``grads`` list a shared layer once, under its
    first index, so an optimiser updates it once per step.

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

    def _first_uses(self) -> Iterator[tuple[int, Layer]]:
        """(index, layer) for the first use of each distinct layer object."""
        seen: set[int] = set()
        for i, layer in enumerate(self.layers):
            if id(layer) not in seen:
                seen.add(id(layer))
                yield i, layer

    @property
    def params(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {f"{i}.{k}": v for i, lay in self._first_uses() for k, v in lay.params.items()}

    @property
    def grads(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {f"{i}.{k}": v for i, lay in self._first_uses() for k, v in lay.grads.items()}

    def _shared(self) -> set[int]:
        counts: dict[int, int] = {}
        for layer in self.layers:
            counts[id(layer)] = counts.get(id(layer), 0) + 1
        return {key for key, count in counts.items() if count > 1}

    def forward(self, x: ArrayLike) -> np.ndarray:
        """Run every layer's forward in order (a shared layer's cache is kept per use)."""
        shared = self._shared()
        out: Any = x
        uses: list[list[tuple[Layer, Any]] | None] = []
        for layer in self.layers:
            out = layer.forward(out)
            uses.append([(lay, lay._cache) for lay in _with_sublayers(layer)]
                        if id(layer) in shared else None)
        self._cache = uses
        return out

    def backward(self, dout: ArrayLike) -> np.ndarray:
        """Run every layer's backward in reverse order and return dx.

        A shared layer runs backward once per use, from that use's cache; its gradients
        are the sum over the uses.
        """
        uses = self._require_cache()
        totals: dict[int, dict[str, np.ndarray]] = {}
        grad: Any = dout
        for layer, saved in zip(reversed(self.layers), reversed(uses), strict=True):
            if saved is None:
                grad = layer.backward(grad)
                continue
            for lay, cache in saved:
                lay._cache = cache
            grad = layer.backward(grad)
            for lay, _ in saved:
                total = totals.setdefault(id(lay), {})
                for key, value in lay.grads.items():
                    total[key] = total[key] + value if key in total else value.copy()
                lay.grads.update(total)
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
