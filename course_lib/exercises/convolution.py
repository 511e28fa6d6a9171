r"""Exercises on convolution layers: im2col, output sizes and max pooling.

* :func:`check_conv2d_forward_im2col` - the forward pass of a 2-D convolution (stride 1,
  zero padding ``padding``) as one matrix product over the im2col matrix, checked
  against :class:`course_lib.layers.Conv2d` on several shapes;
* :func:`check_conv_output_size` - :math:`\lfloor (H + 2p - k)/s \rfloor + 1`;
* :func:`check_maxpool2d_forward` - max over non-overlapping k×k windows, leftover rows
  and columns dropped (PyTorch's default);
* :data:`check_slowest_cnn_activation` - the predict-then-run question of the CNN
  experiment.

The backward pass of the same convolution is the exercise of
:mod:`course_lib.exercises.convolution_backward`.

The reference solutions ``<exercise>_solution`` are written to be read; the tests compare
them with :mod:`course_lib.layers` and ``torch.nn.functional``.

Used by: 07_image_classification.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from course_lib.exercises._inputs import Given, with_arrays
from course_lib.exercises.core import Case, check_function
from course_lib.exercises.help import question, register
from course_lib.layers import Conv2d, MaxPool2d
from course_lib.validation import as_float_array

__all__ = [
    "check_conv2d_forward_im2col",
    "check_conv_output_size",
    "check_maxpool2d_forward",
    "check_slowest_cnn_activation",
    "conv2d_forward_im2col_solution",
    "conv_output_size_solution",
    "maxpool2d_forward_solution",
]


# --- conv2d forward by im2col -------------------------------------------------------------


def conv2d_forward_im2col_solution(
    x: ArrayLike, weight: ArrayLike, bias: ArrayLike, padding: int = 0
) -> np.ndarray:
    r"""2-D convolution (cross-correlation) with stride 1, as one matrix product.

    .. math::

        y_{n,f,i,j} = b_f + \sum_{c}\sum_{p,q=0}^{k-1} W_{f,c,p,q}\,
        x^\text{pad}_{n,c,\,i+p,\,j+q}

    im2col lays every k×k window of the padded input out as one row of a matrix
    (C·k·k numbers, in the order of ``weight[f].ravel()``), so that all outputs are
    ``cols @ W.reshape(F, C*k*k).T + b``.

    Shapes: x (N, C, H, W), weight (F, C, k, k), bias (F,) -> (N, F, H + 2p - k + 1,
    W + 2p - k + 1). The dtype follows numpy's rules (float32 inputs give float32,
    integer pixels with float64 weights give float64).
    """
    x = as_float_array(x)
    weight = as_float_array(weight, "weight")
    bias = as_float_array(bias, "bias")
    n, c, h, w = x.shape
    f, _, k, _ = weight.shape
    p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x  # zeros on every side
    h_out, w_out = h + 2 * p - k + 1, w + 2 * p - k + 1
    windows = sliding_window_view(xp, (k, k), axis=(2, 3))  # (N, C, H_out, W_out, k, k)
    # one row per output position, its C*k*k numbers in the order of weight[f].ravel()
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n, h_out * w_out, c * k * k)
    out = cols @ weight.reshape(f, c * k * k).T + bias  # (N, H_out*W_out, F)
    return out.transpose(0, 2, 1).reshape(n, f, h_out, w_out)


def _library_conv2d(
    x: ArrayLike, weight: ArrayLike, bias: ArrayLike, padding: int = 0
) -> np.ndarray:
    """The same computation by :class:`course_lib.layers.Conv2d` (the checker's reference)."""
    weight = np.asarray(weight)
    f, c, k, _ = weight.shape
    layer = Conv2d(c, f, k, padding=padding, rng=0)
    layer.params["W"][...] = weight
    layer.params["b"][...] = bias
    out = layer.forward(x)
    return out.astype(np.result_type(out.dtype, weight.dtype, np.asarray(bias).dtype))


def _reference_conv2d(x: Given, weight: Given, bias: Given, padding: int = 0) -> np.ndarray:
    return _library_conv2d(x.array, weight.array, bias.array, padding)


def _normal(seed: int, shape: tuple[int, ...], dtype: type = np.float64) -> Given:
    array = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return Given(array, "random normal")


_DIGIT = np.array(  # an 8x8 digit "0" from sklearn's data set: integer pixel counts 0..16
    [[0, 0, 5, 13, 9, 1, 0, 0], [0, 0, 13, 15, 10, 15, 5, 0], [0, 3, 15, 2, 0, 11, 8, 0],
     [0, 4, 12, 0, 0, 8, 8, 0], [0, 5, 8, 0, 0, 9, 8, 0], [0, 4, 11, 0, 1, 12, 7, 0],
     [0, 2, 14, 5, 10, 12, 0, 0], [0, 0, 6, 13, 10, 0, 0, 0]], dtype=np.int64,
).reshape(1, 1, 8, 8)

CONV2D_CASES = (
    Case((Given(np.arange(16.0).reshape(1, 1, 4, 4), "np.arange(16.0).reshape(1, 1, 4, 4)",
                show_shape=False),
          Given(np.array([[[[1.0, 0.0, -1.0]] * 3]]), "[[[[1, 0, -1]] * 3]]"),
          Given(np.array([0.5]), "[0.5]", show_shape=False)), {"padding": 0},
         hint="one image, one channel, one 3x3 filter, no padding: y[0, 0, i, j] = "
              "sum(x[0, 0, i:i+3, j:j+3] * weight[0, 0]) + bias[0]. Deep-learning "
              "'convolution' does not flip the kernel."),
    Case((_normal(1, (2, 3, 5, 6)), _normal(2, (4, 3, 3, 3)), _normal(3, (4,))),
         {"padding": 0},
         hint="several images and channels, a non-square image: every filter sums over all "
              "C input channels, and the im2col row of a window must list its numbers in "
              "the order of weight[f].ravel() (channel, then row, then column)."),
    Case((_normal(4, (2, 2, 5, 5)), _normal(5, (3, 2, 3, 3)), _normal(6, (3,))),
         {"padding": 1},
         hint="padding=1 adds one row and column of zeros on EVERY side (np.pad with "
              "((0, 0), (0, 0), (p, p), (p, p))), so a 3x3 kernel keeps the 5x5 size."),
    Case((_normal(7, (1, 1, 4, 4)), _normal(8, (2, 1, 3, 3)), _normal(9, (2,))),
         {"padding": 2},
         hint="padding=2 with a 3x3 kernel makes the output larger than the input: "
              "H_out = H + 2p - k + 1 = 6."),
    Case((_normal(10, (3, 2, 6, 4)), _normal(11, (2, 2, 2, 2)),
          Given(np.array([1.0, -1.0]), "[1.0, -1.0]", show_shape=False)), {"padding": 0},
         hint="an even kernel size (2x2): H_out = H - k + 1; the bias is added per filter "
              "(along axis 1 of the output)."),
    Case((_normal(12, (2, 3, 4, 5)), _normal(13, (5, 3, 1, 1)), _normal(14, (5,))),
         {"padding": 0},
         hint="a 1x1 kernel mixes channels at every pixel: y[n, f] = sum_c W[f, c] * x[n, c] "
              "+ b[f]."),
    Case((_normal(15, (2, 2, 5, 5), np.float32), _normal(16, (3, 2, 3, 3), np.float32),
          _normal(17, (3,), np.float32)), {"padding": 1},
         hint="float32 inputs give a float32 output: do not build the output with "
              "np.zeros(...) (float64) or convert with np.asarray(x, dtype=float)."),
    Case((Given(_DIGIT, "a digit's integer pixel counts 0..16"), _normal(18, (2, 1, 3, 3)),
          Given(np.zeros(2), "zeros")), {"padding": 1},
         hint="integer pixel counts (0..16) with float weights give a float64 output: an "
              "output buffer made with np.zeros_like(x) would be an integer array and "
              "truncate every value."),
)


def check_conv2d_forward_im2col(candidate: Callable[..., np.ndarray]) -> None:
    """Check ``conv2d_forward(x, weight, bias, padding=0)`` against the library; print one line."""
    if callable(candidate):
        candidate = with_arrays(candidate, ("x", "weight", "bias"))
    # atol far below float32 rounding of values of size 1 to 50: float32 arithmetic in a
    # float64 answer (errors near 1e-6) fails; another summation order (1e-14) passes
    check_function(candidate, _reference_conv2d, CONV2D_CASES,
                   title="conv2d_forward_im2col", rtol=1e-9, atol=1e-11)


register(
    "conv2d_forward_im2col",
    checker=check_conv2d_forward_im2col,
    solution=conv2d_forward_im2col_solution,
    hints=(
        "Pad x first. Then every output position (i, j) of every image needs the k x k "
        "window xp[n, :, i:i+k, j:j+k] of all C channels, flattened to C*k*k numbers in the "
        "order of weight[f].ravel(). Stack those rows into a matrix and one matrix product "
        "with the flattened weights gives every output at once.",
        "np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))); "
        "numpy.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(2, 3)) has shape "
        "(N, C, H_out, W_out, k, k) and copies nothing; move C next to the two kernel "
        "axes with transpose(0, 2, 3, 1, 4, 5) and reshape to (N, H_out*W_out, C*k*k).",
        "x = as_float_array(x); n, c, h, w = x.shape; f, _, k, _ = weight.shape; "
        "p = padding; xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))); "
        "h_out, w_out = h + 2 * p - k + 1, w + 2 * p - k + 1; "
        "windows = sliding_window_view(xp, (k, k), axis=(2, 3)); "
        "cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n, h_out * w_out, c * k * k); "
        "out = cols @ weight.reshape(f, c * k * k).T + bias; "
        "return out.transpose(0, 2, 1).reshape(n, f, h_out, w_out)",
    ),
)


# --- output size ---------------------------------------------------------------------------


def conv_output_size_solution(size: int, kernel_size: int, stride: int = 1,
                              padding: int = 0) -> int:
    r"""Output length of a convolution (or pooling) along one spatial axis.

    .. math:: H_\text{out} = \Big\lfloor \frac{H + 2p - k}{s} \Big\rfloor + 1

    The window starts at 0, s, 2s, ... of the padded axis (length H + 2p) as long as it
    still fits; a last partial window is dropped. Integer division does the floor.
    """
    return (size + 2 * padding - kernel_size) // stride + 1


OUTPUT_SIZE_CASES = (
    Case((8, 3), {"stride": 1, "padding": 0},
         hint="a 3x3 kernel fits at 8 - 3 + 1 = 6 positions along an axis of 8 pixels."),
    Case((8, 3), {"stride": 1, "padding": 1},
         hint="padding adds p zeros on BOTH sides: the padded axis has H + 2p pixels."),
    Case((28, 5), {"stride": 1, "padding": 2},
         hint="'same' padding: with k = 5 and p = 2 the size is kept."),
    Case((8, 2), {"stride": 2, "padding": 0},
         hint="with stride s the window moves s pixels at a time: "
              "(H + 2p - k) // s + 1 positions."),
    Case((8, 3), {"stride": 2, "padding": 0},
         hint="(8 - 3) / 2 = 2.5: a partial window at the end is dropped, so round DOWN "
              "(integer division //) before adding 1."),
    Case((7, 3), {"stride": 2, "padding": 1},
         hint="padding and stride together: (7 + 2 - 3) // 2 + 1 = 4."),
    Case((7, 4), {"stride": 3, "padding": 0},
         hint="(7 - 4) // 3 + 1 = 2."),
    Case((3, 3), {"stride": 1, "padding": 0},
         hint="a kernel as large as the image fits exactly once."),
)


def check_conv_output_size(candidate: Callable[..., int]) -> None:
    """Check ``conv_output_size(size, kernel_size, stride=1, padding=0)``, an ``int`` (a float
    such as 6.0 is wrong: a size indexes and allocates arrays); print the verdict."""
    check_function(candidate, conv_output_size_solution, OUTPUT_SIZE_CASES,
                   title="conv_output_size", rtol=0.0, returns=int)


register(
    "conv_output_size",
    checker=check_conv_output_size,
    solution=conv_output_size_solution,
    hints=(
        "Count the positions where the window's first pixel can sit on the padded axis "
        "so that the whole window still fits.",
        "The padded axis has size + 2*padding pixels; the window's first pixel sits at "
        "0, stride, 2*stride, ... up to size + 2*padding - kernel_size.",
        "return (size + 2 * padding - kernel_size) // stride + 1",
    ),
)


# --- max pooling ---------------------------------------------------------------------------


def maxpool2d_forward_solution(x: ArrayLike, kernel_size: int) -> np.ndarray:
    r"""Max over non-overlapping k×k windows (stride k), NCHW.

    .. math:: y_{n,c,i,j} = \max_{0 \le p,q < k} x_{n,c,\,k i + p,\,k j + q}

    Rows and columns that do not fill a window are dropped; then the image is cut into
    blocks by a reshape, (N, C, H_out, k, W_out, k), and the maximum taken over the two
    block axes. Shapes: x (N, C, H, W) -> (N, C, H // k, W // k).
    """
    x = as_float_array(x)
    n, c, h, w = x.shape
    k = kernel_size
    h_out, w_out = h // k, w // k
    blocks = x[:, :, : h_out * k, : w_out * k].reshape(n, c, h_out, k, w_out, k)
    return blocks.max(axis=(3, 5))


def _reference_maxpool2d(x: Given, kernel_size: int) -> np.ndarray:
    """:class:`course_lib.layers.MaxPool2d` (the checker's reference)."""
    return MaxPool2d(kernel_size).forward(x.array)


MAXPOOL_CASES = (
    Case((Given(np.arange(16.0).reshape(1, 1, 4, 4), "np.arange(16.0).reshape(1, 1, 4, 4)",
                show_shape=False), 2),
         hint="each output is the maximum of one 2x2 block: y[0, 0, 0, 0] = "
              "max(x[0, 0, 0:2, 0:2]); the blocks do not overlap (stride = kernel_size)."),
    Case((_normal(22, (1, 3, 6, 6)), 3),
         hint="k = 3: windows x[..., 3i:3i+3, 3j:3j+3]; pool each channel on its own."),
    Case((Given(-1.0 - _normal(20, (2, 3, 4, 4)).array ** 2, "negative numbers"), 2),
         hint="all values here are negative: a running maximum must start from the first "
              "value of the window (or -inf), not from 0."),
    Case((_normal(21, (2, 2, 5, 7)), 2),
         hint="5 x 7 with k = 2: the last row and column do not fill a window and are "
              "dropped (output 2 x 3), as in PyTorch."),
    Case((_normal(23, (2, 2, 4, 6), np.float32), 2),
         hint="float32 in, float32 out."),
    Case((Given(_DIGIT, "a digit's integer pixel counts 0..16"), 2),
         hint="integer pixels are promoted to float64."),
)


def check_maxpool2d_forward(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``maxpool2d_forward(x, kernel_size)``; print one line."""
    if callable(candidate):
        candidate = with_arrays(candidate, ("x",))
    check_function(candidate, _reference_maxpool2d, MAXPOOL_CASES,
                   title="maxpool2d_forward", rtol=0.0)


register(
    "maxpool2d_forward",
    checker=check_maxpool2d_forward,
    solution=maxpool2d_forward_solution,
    hints=(
        "Cut every image into k x k blocks that do not overlap (drop the rows and columns "
        "left over) and take the maximum of each block.",
        "x[:, :, :h_out*k, :w_out*k].reshape(n, c, h_out, k, w_out, k) puts the rows of a "
        "block on axis 3 and its columns on axis 5.",
        "x = as_float_array(x); "
        "n, c, h, w = x.shape; k = kernel_size; h_out, w_out = h // k, w // k; "
        "blocks = x[:, :, : h_out * k, : w_out * k].reshape(n, c, h_out, k, w_out, k); "
        "return blocks.max(axis=(3, 5))",
    ),
)


# --- predict, then run ---------------------------------------------------------------------

check_slowest_cnn_activation = question(
    "slowest_cnn_activation",
    options={
        "a": "ReLU: it passes no gradient for negative inputs",
        "b": "tanh: it saturates for large inputs",
        "c": "sigmoid: its slope is at most 1/4 and its outputs are all positive",
    },
    answer="c",
    explanation=(
        "with the same weights, data and optimiser, over three seeds, the sigmoid network "
        "is the slowest: no seed reaches 90 % test accuracy in 5 epochs, the other five "
        "activations reach it in 2 to 4. The control runs show why: its outputs (all in "
        "(0, 1), mean about 0.5) are not centred on zero; centring it (sigma - 1/2) closes "
        "most of the gap, raising its slope to 1 (4 sigma) does not."
    ),
    hints=(
        "Compare the slopes f'(z) near z = 0, where a freshly initialised network's "
        "pre-activations lie.",
        "relu'(z) = 1 for z > 0, tanh'(0) = 1, sigma'(0) = 1/4; and which of them has "
        "outputs centred on zero?",
    ),
)
