r"""Exercise: the backward pass of a 2-D convolution by im2col and its transpose, col2im.

* :func:`check_conv2d_backward_im2col` - ``conv2d_backward(dout, x, weight, padding=0,
  stride=1)`` returns ``(dx, dW, db)``, checked against the gradients PyTorch's autograd
  computes for ``torch.nn.functional.conv2d`` (float64) on several shapes: batch 1,
  non-square images, stride 2, padding 1 and 2, overlapping and non-overlapping windows.

The forward exercise is in :mod:`course_lib.exercises.convolution`; notebook 07's CNN trains
with the learner's forward and backward once both pass (:func:`course_lib.exercises.use`).

Used by: 07_image_classification.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from course_lib.exercises._inputs import Given, with_arrays
from course_lib.exercises.core import Case, check_function
from course_lib.exercises.help import register
from course_lib.validation import as_float_array

__all__ = ["check_conv2d_backward_im2col", "conv2d_backward_im2col_solution"]


def conv2d_backward_im2col_solution(
    dout: ArrayLike, x: ArrayLike, weight: ArrayLike, padding: int = 0, stride: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of :math:`y = \mathrm{conv2d}(x, W, b)` (stride s, zero padding p).

    With one im2col row per output position (``cols``, (H_out·W_out, C·k·k) per image) and
    the upstream gradient laid out the same way (``dY``, (H_out·W_out, F)), the forward pass
    is ``Y = cols @ W.T + b``, so, summed over the images,

    .. math::

        dW = dY^\top\,\mathrm{cols}, \qquad db = \textstyle\sum_\text{rows} dY, \qquad
        d\,\mathrm{cols} = dY\, W,

    and *col2im*, the transpose of im2col, adds every row of :math:`d\,\mathrm{cols}` back
    onto the pixels its window came from: windows overlap (when k > s), so a pixel collects
    gradient from each window that contains it (``+=``, not ``=``). The padding's gradient
    is dropped at the end.

    The code computes the same products transposed, one *column* per position: ``dout``
    reshaped to (N, F, H_out·W_out) is already :math:`dY^\top` (no copy), and
    :math:`d\,\mathrm{cols}^\top = W^\top dY^\top` comes out as (N, C, k, k, H_out, W_out),
    so that col2im adds whole (H_out, W_out) planes, one per kernel offset. (Windows laid
    out with the kernel axes last copy and add 3-number pieces: about half as fast.)

    Shapes: dout (N, F, H_out, W_out), x (N, C, H, W), weight (F, C, k, k) ->
    dx (N, C, H, W), dW (F, C, k, k), db (F,). The dtype follows numpy's rules.
    """
    dout = as_float_array(dout, "dout")
    x = as_float_array(x)
    weight = as_float_array(weight, "weight")
    n, c, h, w = x.shape
    f, _, k, _ = weight.shape
    p, s = padding, stride
    h_out, w_out = dout.shape[2], dout.shape[3]
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x  # np.pad copies even if p = 0
    windows = sliding_window_view(xp, (k, k), axis=(2, 3))[:, :, ::s, ::s]
    # im2col, one column per output position: cols_t[n] = cols.T of image n, (C*k*k, H_out*W_out)
    cols_t = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * k * k, h_out * w_out)
    dy_t = dout.reshape(n, f, h_out * w_out)  # dY.T of each image
    dw = np.tensordot(dy_t, cols_t, axes=([0, 2], [0, 2])).reshape(weight.shape)  # dY.T cols
    db = dy_t.sum(axis=(0, 2))
    dcols_t = (weight.reshape(f, c * k * k).T @ dy_t).reshape(n, c, k, k, h_out, w_out)
    # col2im: for each kernel offset (i, j), every window adds its gradient to the pixels
    # xp[:, :, i + s*a, j + s*b]; one strided slice per offset, accumulated with +=
    dxp = np.zeros(xp.shape, dtype=np.result_type(xp, dcols_t))
    for i in range(k):
        for j in range(k):
            dxp[:, :, i : i + s * h_out : s, j : j + s * w_out : s] += dcols_t[:, :, i, j]
    return dxp[:, :, p : p + h, p : p + w], dw, db


def _torch_gradients(dout: Given, x: Given, weight: Given, padding: int = 0,
                     stride: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The checker's reference: autograd through ``torch.nn.functional.conv2d`` (float64),
    returned in the dtype numpy's rules give the inputs."""
    import torch  # only when a check runs: ``import course_lib`` does not import torch

    dtype = np.result_type(dout.array, x.array, weight.array, np.float16)
    xt, wt = (torch.tensor(np.asarray(a.array, dtype=np.float64), requires_grad=True)
              for a in (x, weight))
    bt = torch.zeros(wt.shape[0], dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=padding)
    y.backward(torch.tensor(np.asarray(dout.array, dtype=np.float64)))
    return tuple(t.grad.numpy().astype(dtype) for t in (xt, wt, bt))


def _normal(seed: int, shape: tuple[int, ...], dtype: type = np.float64) -> Given:
    array = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return Given(array, "random normal")


def _case(seed: int, x_shape: tuple[int, ...], filters: int, k: int, padding: int,
          stride: int, hint: str | dict[str, str], dtype: type = np.float64) -> Case:
    n, c, h, w = x_shape
    h_out, w_out = (h + 2 * padding - k) // stride + 1, (w + 2 * padding - k) // stride + 1
    return Case((_normal(seed, (n, filters, h_out, w_out), dtype), _normal(seed + 1, x_shape,
                 dtype), _normal(seed + 2, (filters, c, k, k), dtype)),
                {"padding": padding, "stride": stride}, hint=hint)


_OVERLAP = ("neighbouring 3x3 windows share pixels, so a pixel's gradient is the SUM over "
            "every window that contains it: add each window's gradient into dx (+=), do not "
            "assign it (=), which keeps only the last window's share.")
_ORDER = ("dcols = d2 @ W.reshape(F, C*k*k) has one row per output position, its numbers "
          "in the order of weight[f].ravel() (channel, kernel row, kernel column): reshape "
          "it to (N, H_out, W_out, C, k, k) before adding it back, and do not flip the kernel.")

BACKWARD_CASES = (
    _case(31, (1, 1, 4, 4), 1, 3, 0, 1, hint={
        "": "one image, one channel, one 3x3 filter: y[0, 0, i, j] = sum(x[0, 0, i:i+3, "
            "j:j+3] * W[0, 0]) + b[0], so dW[0, 0, p, q] = sum over (i, j) of dout[0, 0, i, "
            "j] * x[0, 0, i+p, j+q] and db[0] = dout.sum().",
        "dx": _OVERLAP}),
    _case(34, (2, 3, 5, 6), 4, 3, 0, 1, hint={
        "": "several images and channels, a non-square image: dW and db sum over the images "
            "AND the positions (one weight serves every image), db has one number per "
            "filter: sum dout over axes (0, 2, 3).",
        "dx": _ORDER}),
    _case(37, (2, 2, 5, 5), 3, 3, 1, 1, hint={
        "": "padding=1: compute on the padded image, then crop the padding's gradient away: "
            "dx = dxp[:, :, p:p+H, p:p+W] has the shape of x."}),
    _case(40, (2, 2, 7, 7), 3, 3, 1, 2, hint={
        "": "stride 2: window (i, j) starts at pixel (2i, 2j), so the output position i "
            "adds to the rows 2i .. 2i+k-1: dxp[:, :, p : p + s*H_out : s, ...] for kernel "
            "row p (and likewise the columns)."}),
    _case(43, (1, 2, 8, 6), 2, 2, 0, 2, hint={
        "": "stride 2 with a 2x2 kernel: the windows do not overlap; with H = 8 and stride "
            "2 every pixel lies in exactly one window."}),
    _case(46, (3, 1, 8, 7), 2, 3, 0, 2, hint={
        "": "stride 2 with a 3x3 kernel on 8 rows: the windows start at rows 0, 2 and 4, "
            "so the last row lies in no window and gets no gradient (dx = 0 there)."}),
    _case(49, (2, 3, 4, 5), 5, 1, 0, 1, hint={
        "": "a 1x1 kernel: dx[n, c] = sum_f W[f, c] * dout[n, f] at every pixel; dW[f, c] = "
            "sum over images and pixels of dout[n, f] * x[n, c]."}),
    _case(52, (2, 2, 5, 5), 3, 3, 1, 1, dtype=np.float32, hint={
        "": "float32 inputs give float32 gradients: build dx with np.zeros(xp.shape, "
            "dtype=...) of the inputs' dtype, not np.zeros(...) (float64)."}),
)


def check_conv2d_backward_im2col(candidate: Callable[..., tuple]) -> None:
    """Check ``conv2d_backward(dout, x, weight, padding=0, stride=1) -> (dx, dW, db)`` against
    torch autograd; print one line."""
    if callable(candidate):
        candidate = with_arrays(candidate, ("dout", "x", "weight"))
    # the gradients are of size 0.1 to 30; atol far below float32 rounding of such values:
    # float32 arithmetic in a float64 answer (errors near 1e-6) fails, another summation
    # order (errors near 1e-14) passes
    check_function(candidate, _torch_gradients, BACKWARD_CASES, title="conv2d_backward_im2col",
                   rtol=1e-9, atol=1e-11, output_names=("dx", "dW", "db"))


register(
    "conv2d_backward_im2col",
    checker=check_conv2d_backward_im2col,
    solution=conv2d_backward_im2col_solution,
    hints=(
        "Rebuild the im2col matrix cols from x (one row per output position, as in your "
        "forward pass) and lay dout out the same way, dY with one row per position and one "
        "column per filter. Then Y = cols @ W.T + b gives dW = dY.T @ cols, db = the sum of "
        "dY's rows, and dcols = dY @ W; col2im adds each row of dcols back onto the pixels "
        "of its window, ADDING where windows overlap.",
        "Work per image with the matrices transposed: dout.reshape(N, F, H_out*W_out) is "
        "dY.T of every image (no copy), and the windows laid out as (N, C*k*k, H_out*W_out) "
        "are cols.T; np.tensordot sums dW over images and positions at once. For col2im "
        "loop over the k*k kernel offsets (i, j), not the pixels: dxp[:, :, i : i + s*H_out "
        ": s, j : j + s*W_out : s] += the (N, C, H_out, W_out) gradient of that offset, "
        "starting from dxp = np.zeros of the padded shape.",
        "The whole function, as the reference solution has it:\n"
        "def conv2d_backward(dout, x, weight, padding=0, stride=1):\n"
        "    dout = as_float_array(dout, 'dout')\n"
        "    x = as_float_array(x)\n"
        "    weight = as_float_array(weight, 'weight')\n"
        "    n, c, h, w = x.shape\n"
        "    f, _, k, _ = weight.shape\n"
        "    p, s = padding, stride\n"
        "    h_out, w_out = dout.shape[2], dout.shape[3]\n"
        "    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x\n"
        "    windows = sliding_window_view(xp, (k, k), axis=(2, 3))[:, :, ::s, ::s]\n"
        "    cols_t = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * k * k, h_out * w_out)\n"
        "    dy_t = dout.reshape(n, f, h_out * w_out)\n"
        "    dw = np.tensordot(dy_t, cols_t, axes=([0, 2], [0, 2])).reshape(weight.shape)\n"
        "    db = dy_t.sum(axis=(0, 2))\n"
        "    dcols_t = (weight.reshape(f, c * k * k).T @ dy_t).reshape(n, c, k, k, h_out, w_out)\n"
        "    dxp = np.zeros(xp.shape, dtype=np.result_type(xp, dcols_t))\n"
        "    for i in range(k):\n"
        "        for j in range(k):\n"
        "            dxp[:, :, i : i + s * h_out : s, j : j + s * w_out : s] += (\n"
        "                dcols_t[:, :, i, j])\n"
        "    return dxp[:, :, p : p + h, p : p + w], dw, db\n",
    ),
)
