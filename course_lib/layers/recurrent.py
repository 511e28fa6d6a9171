r"""Recurrent layers over a whole sequence, with backpropagation through time (BPTT).

* :class:`RNN` -- Elman network, :math:`h_t = f(x_t W_x + h_{t-1} W_h + b)` with any
  registered activation ``f`` (tanh, relu, hard_tanh, ...);
* :class:`GatedRNN` -- a learnt update gate mixes a tanh candidate and the old state,
  :math:`h_t = z_t \odot \tanh(a_t) + (1 - z_t) \odot h_{t-1}`.

``forward(x, h0=None)`` returns every hidden state, shape (N, T, hidden_size). After
``backward``, ``hidden_grad_norms[t]`` is the norm of :math:`\partial L/\partial h_t`, the
gradient that reaches step t (vanishing or exploding through time), and ``dh0`` the
gradient with respect to the initial state. A zero-length sequence is refused, as
``torch.nn.RNN`` refuses it.

Examples
--------
>>> rnn = RNN(3, 5, rng=0)
>>> h = rnn.forward(np.ones((2, 7, 3)))
>>> dout = np.zeros_like(h); dout[:, -1] = 1.0
>>> rnn.backward(dout).shape, rnn.hidden_grad_norms.shape
((2, 7, 3), (7,))
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from course_lib import activations as act
from course_lib.layers.core import Layer, _check_weight_init, init_weight
from course_lib.validation import check_shape, integer, make_rng, shape_error

__all__ = ["RNN", "GatedRNN"]


class _Recurrent(Layer):
    """What RNN and GatedRNN share: sizes, input checks, the BPTT bookkeeping."""

    _label_args = ("input_size", "hidden_size")

    def __init__(self, input_size: int, hidden_size: int, weight_init: str, rng: object) -> None:
        super().__init__()
        where = f"{type(self).__name__}()"
        self.input_size = integer(input_size, "input_size", where=where, minimum=1)
        self.hidden_size = integer(hidden_size, "hidden_size", where=where, minimum=1)
        self.weight_init = _check_weight_init(weight_init, where)
        self._generator = make_rng(rng, where=where)
        self.hidden_grad_norms: np.ndarray | None = None
        self.dh0: np.ndarray | None = None

    def _add_weights(self, suffix: str) -> None:
        """Wx (D, H), Wh (H, H) drawn with ``weight_init``, and b (H,) = 0, named with suffix."""
        d, h, init = self.input_size, self.hidden_size, self.weight_init
        self.params["Wx" + suffix] = init_weight((d, h), d, h, init, self._generator)
        self.params["Wh" + suffix] = init_weight((h, h), h, h, init, self._generator)
        self.params["b" + suffix] = np.zeros(h)

    def _inputs(self, x: ArrayLike, h0: ArrayLike | None) -> tuple[np.ndarray, np.ndarray]:
        x = self._input(x)
        d, hs = self.input_size, self.hidden_size
        if x.ndim != 3 or x.shape[2] != d or x.shape[1] == 0:
            raise shape_error(
                x.shape, f"(N, T, {d}) with T >= 1 (a sequence of at least one step)", "x",
                where=self._where,
            )
        n = x.shape[0]
        if h0 is None:
            return x, np.zeros((n, hs), dtype=x.dtype)
        h_prev = check_shape(self._input(h0, "h0"), (n, hs), "h0", where=self._where)
        return x, h_prev.astype(x.dtype, copy=False)

    def _finish_backward(self, dh0: np.ndarray, norms: np.ndarray) -> None:
        self.hidden_grad_norms = norms
        self.dh0 = dh0

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(input_size={self.input_size}, "
            f"hidden_size={self.hidden_size})"
        )


def _norm(a: np.ndarray) -> float:
    return float(np.sqrt(np.sum(np.square(a, dtype=np.float64))))


class RNN(_Recurrent):
    r"""Elman recurrent layer, :math:`h_t = f(a_t)` with :math:`a_t = x_t W_x + h_{t-1} W_h + b`.

    Backpropagation through time walks t from T down to 1:
    :math:`\partial L/\partial h_t = d_{\text{out},t} + (\partial L/\partial a_{t+1})
    W_h^\top` and :math:`\partial L/\partial a_t = \partial L/\partial h_t \odot f'(a_t)`.
    Feed a ``dout`` that is zero except at the last step to watch
    ``hidden_grad_norms`` vanish (tanh) or explode (relu) through time.

    Parameters
    ----------
    input_size, hidden_size : int
    activation : str, default "tanh"
        A name from :func:`course_lib.activations.names`.
    weight_init : {"he", "xavier", "lecun"}, default "xavier"
        For ``Wx`` (fan-in input_size) and ``Wh`` (fan-in hidden_size); ``b`` starts at 0.
    rng : int or numpy.random.Generator, optional
    **activation_params
        Fixed parameters of the activation (e.g. ``min_val``/``max_val`` of hard_tanh).

    Attributes
    ----------
    params : dict
        ``Wx`` (input_size, hidden_size), ``Wh`` (hidden_size, hidden_size),
        ``b`` (hidden_size,). In ``torch.nn.RNN`` terms ``weight_ih_l0 = Wx.T``,
        ``weight_hh_l0 = Wh.T`` and ``bias_ih_l0 + bias_hh_l0 = b``.
    hidden_grad_norms : numpy.ndarray
        Shape (T,), set by ``backward``: Frobenius norm of :math:`\partial L/\partial h_t`.
    dh0 : numpy.ndarray
        Shape (N, hidden_size), set by ``backward``: the gradient with respect to ``h0``.

    Shape
    -----
    x (N, T, input_size) with T >= 1 [, h0 (N, hidden_size), default zeros] ->
    all hidden states (N, T, hidden_size); the last one is ``out[:, -1]``.

    Examples
    --------
    >>> rnn = RNN(3, 5, activation="relu", rng=0)
    >>> rnn.forward(np.ones((2, 7, 3))).shape
    (2, 7, 5)
    >>> RNN(3, 5, rng=0).forward(np.ones((2, 0, 3)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: RNN(3, 5): x must have shape (N, T, 3) with T >= 1 ...; got (2, 0, 3)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        activation: str = "tanh",
        *,
        weight_init: str = "xavier",
        rng: np.random.Generator | int | None = None,
        **activation_params: float,
    ) -> None:
        super().__init__(input_size, hidden_size, weight_init, rng)
        self.spec = act.get(activation)
        self.activation = self.spec.name
        self.activation_params = dict(activation_params)
        self.spec(np.zeros(1), **self.activation_params)  # invalid parameters fail now
        self._add_weights("")

    def forward(self, x: ArrayLike, h0: ArrayLike | None = None) -> np.ndarray:
        x, h_prev = self._inputs(x, h0)
        n, t_len, _ = x.shape
        h_start = h_prev
        wh = self._param("Wh", x.dtype)
        a_all = x @ self._param("Wx", x.dtype) + self._param("b", x.dtype)  # (N, T, H)
        states = np.empty((n, t_len, self.hidden_size), dtype=x.dtype)
        for t in range(t_len):
            a_all[:, t] += h_prev @ wh
            h_prev = self.spec(a_all[:, t], **self.activation_params)
            states[:, t] = h_prev
        self._cache = (x, h_start, a_all, states)
        return states

    def backward(self, dout: ArrayLike) -> np.ndarray:
        x, h_start, a_all, states = self._require_cache()
        n, t_len, d = x.shape
        hs = self.hidden_size
        dout = self._dout(dout, states.shape)
        wh_t = self._param("Wh", x.dtype).T
        da_all = np.empty_like(a_all)
        norms = np.empty(t_len)
        dh_next = np.zeros((n, hs), dtype=x.dtype)
        slopes = self.spec.derivative(a_all, **self.activation_params)  # every step at once
        for t in range(t_len - 1, -1, -1):
            dh = dout[:, t] + dh_next
            norms[t] = _norm(dh)
            da = dh * slopes[:, t]
            dh_next = da @ wh_t
            da_all[:, t] = da
        h_prevs = np.concatenate([h_start[:, None], states[:, :-1]], axis=1)
        da2 = da_all.reshape(-1, hs)
        self._set_grad("Wx", x.reshape(-1, d).T @ da2)
        self._set_grad("Wh", h_prevs.reshape(-1, hs).T @ da2)
        self._set_grad("b", da2.sum(axis=0))
        self._finish_backward(dh_next, norms)
        return (da_all @ self._param("Wx", x.dtype).T).astype(x.dtype, copy=False)

    def __repr__(self) -> str:
        return (
            f"RNN(input_size={self.input_size}, hidden_size={self.hidden_size}, "
            f"activation={self.activation!r})"
        )


class GatedRNN(_Recurrent):
    r"""Recurrent layer with a learnt update gate between a tanh candidate and the old state.

    .. math::

        a_t = x_t W_x + h_{t-1} W_h + b, \qquad
        z_t = \sigma(x_t W_{xz} + h_{t-1} W_{hz} + b_z), \qquad
        h_t = z_t \odot \tanh(a_t) + (1 - z_t) \odot h_{t-1}.

    Where the gate is closed (:math:`z_t \to 0`) the state is copied: the path through
    :math:`1 - z_t` carries gradient back in time without a squashing derivative. BPTT,
    with :math:`g_t` the gate's pre-activation and
    :math:`\delta_t = \partial L/\partial h_t` (output gradient plus what comes back from
    step t+1):

    .. math::

        \frac{\partial L}{\partial a_t} = \delta_t\, z_t\, \tanh'(a_t), \qquad
        \frac{\partial L}{\partial g_t} = \delta_t\,(\tanh(a_t) - h_{t-1})\,\sigma'(g_t),

        \frac{\partial L}{\partial h_{t-1}} \mathrel{+}= \delta_t\,(1 - z_t)
        + \frac{\partial L}{\partial a_t} W_h^\top + \frac{\partial L}{\partial g_t} W_{hz}^\top .

    Parameters
    ----------
    input_size, hidden_size : int
    weight_init : {"he", "xavier", "lecun"}, default "xavier"
        For the four weight matrices; both biases start at 0 (the gate half open).
    rng : int or numpy.random.Generator, optional

    Attributes
    ----------
    params : dict
        Candidate ``Wx`` (input_size, hidden_size), ``Wh`` (hidden_size, hidden_size),
        ``b`` (hidden_size,); gate ``Wxz``, ``Whz``, ``bz`` of the same shapes.
    hidden_grad_norms, dh0 : numpy.ndarray
        As for :class:`RNN`, set by ``backward``.

    Shape
    -----
    x (N, T, input_size) with T >= 1 [, h0 (N, hidden_size), default zeros] ->
    all hidden states (N, T, hidden_size).

    Examples
    --------
    >>> rnn = GatedRNN(3, 4, rng=0)
    >>> h = rnn.forward(np.ones((2, 5, 3)))
    >>> h.shape, sorted(rnn.params)
    ((2, 5, 4), ['Wh', 'Whz', 'Wx', 'Wxz', 'b', 'bz'])
    >>> rnn.backward(np.ones_like(h)).shape
    (2, 5, 3)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        weight_init: str = "xavier",
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__(input_size, hidden_size, weight_init, rng)
        self._add_weights("")
        self._add_weights("z")

    def forward(self, x: ArrayLike, h0: ArrayLike | None = None) -> np.ndarray:
        x, h_prev = self._inputs(x, h0)
        n, t_len, _ = x.shape
        h_start = h_prev
        p = {name: self._param(name, x.dtype) for name in self.params}
        a_all = x @ p["Wx"] + p["b"]  # (N, T, H), completed step by step
        g_all = x @ p["Wxz"] + p["bz"]
        candidates = np.empty_like(a_all)
        gates = np.empty_like(a_all)
        states = np.empty((n, t_len, self.hidden_size), dtype=x.dtype)
        for t in range(t_len):
            a_all[:, t] += h_prev @ p["Wh"]
            g_all[:, t] += h_prev @ p["Whz"]
            candidates[:, t] = act.tanh(a_all[:, t])
            gates[:, t] = act.sigmoid(g_all[:, t])
            h_prev = gates[:, t] * candidates[:, t] + (1.0 - gates[:, t]) * h_prev
            states[:, t] = h_prev
        self._cache = (x, h_start, a_all, g_all, candidates, gates, states)
        return states

    def backward(self, dout: ArrayLike) -> np.ndarray:
        x, h_start, a_all, g_all, candidates, gates, states = self._require_cache()
        n, t_len, d = x.shape
        hs = self.hidden_size
        dout = self._dout(dout, states.shape)
        wh_t, whz_t = self._param("Wh", x.dtype).T, self._param("Whz", x.dtype).T
        da_all = np.empty_like(a_all)
        dg_all = np.empty_like(g_all)
        norms = np.empty(t_len)
        dh_next = np.zeros((n, hs), dtype=x.dtype)
        tanh_slopes, gate_slopes = act.tanh_grad(a_all), act.sigmoid_grad(g_all)  # all steps
        for t in range(t_len - 1, -1, -1):
            dh = dout[:, t] + dh_next
            norms[t] = _norm(dh)
            h_prev = states[:, t - 1] if t > 0 else h_start
            z = gates[:, t]
            da = dh * z * tanh_slopes[:, t]
            dg = dh * (candidates[:, t] - h_prev) * gate_slopes[:, t]
            dh_next = dh * (1.0 - z) + da @ wh_t + dg @ whz_t
            da_all[:, t], dg_all[:, t] = da, dg
        x2 = x.reshape(-1, d)
        h_prevs = np.concatenate([h_start[:, None], states[:, :-1]], axis=1).reshape(-1, hs)
        for suffix, delta in (("", da_all), ("z", dg_all)):
            delta2 = delta.reshape(-1, hs)
            self._set_grad("Wx" + suffix, x2.T @ delta2)
            self._set_grad("Wh" + suffix, h_prevs.T @ delta2)
            self._set_grad("b" + suffix, delta2.sum(axis=0))
        self._finish_backward(dh_next, norms)
        dx = da_all @ self._param("Wx", x.dtype).T + dg_all @ self._param("Wxz", x.dtype).T
        return dx.astype(x.dtype, copy=False)
