r"""Single-head scaled dot-product self-attention, :class:`SelfAttention`.

The attention weights come from a max-shifted softmax
(:func:`course_lib.activations.softmax`): no score overflows, every row sums to one, and
masked (future) positions get exactly 0. ``forward`` returns the output only; the weights
of the last forward pass are kept in ``attention_weights``.

Examples
--------
>>> attn = SelfAttention(4, causal=True, rng=0)
>>> attn.forward(np.ones((2, 3, 4))).shape, attn.attention_weights.shape
((2, 3, 4), (2, 3, 3))
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from course_lib.activations import softmax
from course_lib.layers.core import Layer, _check_weight_init, init_weight
from course_lib.validation import integer, make_rng, shape_error

__all__ = ["SelfAttention"]


class SelfAttention(Layer):
    r"""Single-head scaled dot-product self-attention (Vaswani et al., 2017).

    .. math::

        Q = xW_q,\quad K = xW_k,\quad V = xW_v,\qquad
        A = \operatorname{softmax}\!\Big(\frac{QK^\top}{\sqrt{D}} + M\Big),\qquad y = A V,

    batched over N, where :math:`M_{ij} = -\infty` for :math:`j > i` when ``causal=True``
    (a position sees only itself and the past) and 0 otherwise. Backward, with
    :math:`dA = d_y V^\top`:
    :math:`dV = A^\top d_y`,
    :math:`dS = A \odot (dA - \operatorname{rowsum}(dA \odot A)) / \sqrt{D}`,
    :math:`dQ = dS\,K`, :math:`dK = dS^\top Q`, and
    :math:`dx = dQ W_q^\top + dK W_k^\top + dV W_v^\top`.

    Parameters
    ----------
    hidden_size : int
        Feature size D of the input and of Q, K, V.
    causal : bool, default False
    weight_init : {"he", "xavier", "lecun"}, default "xavier"
    rng : int or numpy.random.Generator, optional

    Attributes
    ----------
    params : dict
        ``Wq``, ``Wk``, ``Wv``, each (D, D), applied as ``x @ W``.
    attention_weights : numpy.ndarray
        A of the last forward pass, shape (N, T, T); rows sum to 1.

    Shape
    -----
    x (N, T, D) -> y (N, T, D). A zero-length sequence (T = 0) gives an empty output.

    Examples
    --------
    >>> attn = SelfAttention(4, causal=True, rng=0)
    >>> attn.forward(np.ones((2, 3, 4))).shape
    (2, 3, 4)
    >>> np.round(attn.attention_weights[0], 3)
    array([[1.   , 0.   , 0.   ],
           [0.5  , 0.5  , 0.   ],
           [0.333, 0.333, 0.333]])
    """

    _label_args = ("hidden_size",)

    def __init__(
        self,
        hidden_size: int,
        causal: bool = False,
        *,
        weight_init: str = "xavier",
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__()
        where = "SelfAttention()"
        self.hidden_size = integer(hidden_size, "hidden_size", where=where, minimum=1)
        self.causal = bool(causal)
        self.weight_init = _check_weight_init(weight_init, where)
        generator = make_rng(rng, where=where)
        d = self.hidden_size
        for name in ("Wq", "Wk", "Wv"):
            self.params[name] = init_weight((d, d), d, d, self.weight_init, generator)
        self.attention_weights: np.ndarray | None = None

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = self._input(x)
        d = self.hidden_size
        if x.ndim != 3 or x.shape[2] != d:
            raise shape_error(x.shape, f"(N, T, {d})", "x", where=self._where)
        q = x @ self._param("Wq", x.dtype)
        k = x @ self._param("Wk", x.dtype)
        v = x @ self._param("Wv", x.dtype)
        scores = (q @ k.transpose(0, 2, 1)) / math.sqrt(d)  # a Python float keeps float32
        if self.causal:
            t_len = x.shape[1]
            future = np.triu(np.ones((t_len, t_len), dtype=bool), k=1)
            scores = np.where(future, -np.inf, scores)
        weights = softmax(scores, axis=-1)
        self._cache = (x, q, k, v, weights)
        self.attention_weights = weights
        return weights @ v

    def backward(self, dout: ArrayLike) -> np.ndarray:
        x, q, k, v, weights = self._require_cache()
        dout = self._dout(dout, x.shape)
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
