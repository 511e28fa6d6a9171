r"""Convolution, pooling and flattening for images in NCHW layout.

* :class:`Conv2d` -- 2-D cross-correlation with stride and zero padding, vectorised with
  im2col (a strided view of every window, one matrix product);
* :class:`MaxPool2d` -- max over non-overlapping k×k windows, ties to the first maximum
  as in PyTorch;
* :class:`Flatten` -- (N, \*) -> (N, prod(\*)), zero-size batches included.

Examples
--------
>>> x = np.random.default_rng(0).standard_normal((2, 1, 8, 8))
>>> h = MaxPool2d(2).forward(Conv2d(1, 4, 3, padding=1, rng=0).forward(x))
>>> h.shape, Flatten().forward(h).shape
((2, 4, 4, 4), (2, 64))
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from course_lib.layers.core import Layer, _check_weight_init, init_weight
from course_lib.validation import integer, make_rng, shape_error

__all__ = ["Conv2d", "Flatten", "MaxPool2d"]


class Conv2d(Layer):
    r"""2-D convolution (cross-correlation, as in every deep-learning library), NCHW.

    .. math::

        y_{n,f,i,j} = b_f + \sum_{c}\sum_{p,q=0}^{k-1}
        W_{f,c,p,q}\; x^\text{pad}_{n,c,\,s i + p,\,s j + q}

    Vectorised with im2col: a strided *view* of the padded input holds every k×k window;
    one copy lays the windows out as a (C·k·k + 1, H_out·W_out) matrix per sample whose
    extra row of ones carries the bias, and one batched matrix product with
    :math:`[W \mid b]` yields NCHW directly. The backward pass reuses the matrix for ``dW``
    and adds the window gradients back with k·k strided slice additions (col2im).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int
        Square kernel k×k.
    stride : int, default 1
    padding : int, default 0
        Zeros added on each side of both spatial axes.
    weight_init : {"he", "xavier", "lecun"}, default "he"
        Fan-in C·k·k, fan-out F·k·k; the bias starts at zero.
    rng : int or numpy.random.Generator, optional

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
    >>> conv = Conv2d(1, 16, 3, rng=0)
    >>> conv.forward(np.zeros((360, 1, 8, 8))).shape
    (360, 16, 6, 6)
    >>> Conv2d(3, 4, 3, stride=2, padding=1, rng=0).forward(np.zeros((2, 3, 7, 7))).shape
    (2, 4, 4, 4)
    """

    _label_args = ("in_channels", "out_channels", "kernel_size")

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        *,
        weight_init: str = "he",
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__()
        where = "Conv2d()"
        self.in_channels = integer(in_channels, "in_channels", where=where, minimum=1)
        self.out_channels = integer(out_channels, "out_channels", where=where, minimum=1)
        self.kernel_size = integer(kernel_size, "kernel_size", where=where, minimum=1)
        self.stride = integer(stride, "stride", where=where, minimum=1)
        self.padding = integer(padding, "padding", where=where, minimum=0)
        self.weight_init = _check_weight_init(weight_init, where)
        k = self.kernel_size
        self.params["W"] = init_weight(
            (self.out_channels, self.in_channels, k, k),
            self.in_channels * k * k,
            self.out_channels * k * k,
            self.weight_init,
            make_rng(rng, where=where),
        )
        self.params["b"] = np.zeros(self.out_channels)

    def output_shape(self, height: int, width: int) -> tuple[int, int]:
        """Spatial output size (H_out, W_out) for an input of size (height, width)."""
        k, s, p = self.kernel_size, self.stride, self.padding
        return (height + 2 * p - k) // s + 1, (width + 2 * p - k) // s + 1

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = self._input(x)
        k, s, p = self.kernel_size, self.stride, self.padding
        c = self.in_channels
        if x.ndim != 4 or x.shape[1] != c:
            raise shape_error(x.shape, f"(N, {c}, H, W)", "x", where=self._where)
        n, _, h, w = x.shape
        if h + 2 * p < k or w + 2 * p < k:
            raise shape_error(
                x.shape, f"(N, {c}, H, W) with H, W >= {k - 2 * p} (kernel {k}, padding {p})",
                "x", where=self._where,
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
        dout = self._dout(dout, (n, self.out_channels, h_out, w_out))
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
            f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, weight_init={self.weight_init!r})"
        )


class MaxPool2d(Layer):
    r"""Max pooling over non-overlapping k×k windows (stride k), NCHW.

    .. math:: y_{n,c,i,j} = \max_{0 \le p,q < k} x_{n,c,\,k i + p,\,k j + q}

    Rows and columns that do not fill a whole window are dropped (PyTorch's default
    ``ceil_mode=False``). The backward pass sends each gradient to its window's maximum;
    on a tie to the first maximum in row-major order, as PyTorch does. A NaN in a window
    makes its output NaN. Vectorised over the batch: a loop over the k·k offsets inside
    the window, each a strided view of the input with the output's shape.

    Parameters
    ----------
    kernel_size : int

    Shape
    -----
    x (N, C, H, W) -> y (N, C, H // k, W // k). No parameters.

    Examples
    --------
    >>> MaxPool2d(2).forward(np.arange(16.0).reshape(1, 1, 4, 4))
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """

    _label_args = ("kernel_size",)

    def __init__(self, kernel_size: int) -> None:
        super().__init__()
        self.kernel_size = integer(kernel_size, "kernel_size", where="MaxPool2d()", minimum=1)

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = self._input(x)
        k = self.kernel_size
        if x.ndim != 4 or x.shape[2] < k or x.shape[3] < k:
            raise shape_error(x.shape, f"(N, C, H, W) with H, W >= {k}", "x", where=self._where)
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
        dout = self._dout(dout, winner.shape)
        dx = np.zeros(x_shape, dtype=dtype)
        for offset in range(k * k):
            p, q = divmod(offset, k)
            dx[:, :, p : ho * k : k, q : wo * k : k] = np.where(winner == offset, dout, 0.0)
        return dx


class Flatten(Layer):
    r"""Flatten every axis but the first: (N, \*) -> (N, prod(\*)).

    Like ``torch.nn.Flatten()``: a zero-size batch (N = 0, or a zero-size axis) works, a
    1-D input is refused.

    Shape
    -----
    x (N, \*) with at least two axes -> y (N, prod(\*)). No parameters.

    Examples
    --------
    >>> Flatten().forward(np.zeros((2, 3, 4, 4))).shape
    (2, 48)
    >>> Flatten().forward(np.zeros((0, 2, 3))).shape
    (0, 6)
    """

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = self._input(x)
        if x.ndim < 2:
            raise shape_error(x.shape, "(N, *) with at least two axes", "x", where=self._where)
        self._cache = x.shape
        return x.reshape(x.shape[0], _features(x.shape)).copy()

    def backward(self, dout: ArrayLike) -> np.ndarray:
        shape = self._require_cache()
        dout = self._dout(dout, (shape[0], _features(shape)))
        return dout.reshape(shape).copy()


def _features(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape[1:], dtype=np.int64))
