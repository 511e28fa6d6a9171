r"""Exercises on the backward pass of ReLU-type layers.

* :func:`check_relu_backward` - :math:`dx = d_\text{out}\cdot[x > 0]`: PyTorch's
  value 0 at the kink, a float gradient for integer input (the slide's
  ``np.ones_like`` of an int array), ``dout`` left unchanged.
* :func:`check_leaky_relu_backward` - :math:`dx = d_\text{out}` where :math:`x > 0`
  and :math:`\text{negative\_slope}\cdot d_\text{out}` elsewhere, the slope at
  the kink (PyTorch's convention).

The reference solutions ``<exercise>_solution`` are written to be read; the tests
compare them with :mod:`course_lib.layers` and PyTorch autograd.

Used by: 03_relu_from_scratch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from course_lib.exercises.core import Case, check_function
from course_lib.validation import as_float_array

__all__ = [
    "relu_backward_solution",
    "check_relu_backward",
    "leaky_relu_backward_solution",
    "check_leaky_relu_backward",
]


# --- ReLU backward ------------------------------------------------------------------


def relu_backward_solution(x: ArrayLike, dout: ArrayLike) -> np.ndarray:
    r"""Gradient of the loss with respect to the input of a ReLU.

    .. math::

        dx = d_\text{out} \odot [x > 0], \qquad \text{relu}'(0) = 0 .

    ``np.where`` builds a new array (``dout`` is not touched) whose dtype is the
    upstream gradient's, promoted to float64 when it is an integer array.
    """
    dout = as_float_array(dout, "dout")
    return np.where(np.asarray(x) > 0, dout, 0.0).astype(dout.dtype)


RELU_BACKWARD_CASES = (
    Case((np.array([-2.0, -0.5, 0.5, 2.0]), np.array([1.0, 2.0, 3.0, 4.0])),
         hint="dx = dout where x > 0 and 0 where x < 0."),
    Case((np.array([-1.0, 0.0, 1.0]), np.array([5.0, 5.0, 5.0])),
         hint="at the kink x = 0 the convention (PyTorch's) is relu'(0) = 0: "
              "use x > 0, not x >= 0."),
    Case((np.array([-2, -1, 0, 1, 2]), np.full(5, 0.5)),
         hint="x holds integers but the gradient is a float: do not build dx with "
              "np.zeros_like(x) (an int array truncates 0.5 to 0)."),
    Case((np.array([-2, -1, 0, 1, 2]), np.ones(5, dtype=np.int64)),
         hint="the slide's call: dout = np.ones_like(x) is an int array; a gradient is a float, "
              "so promote integers to float64."),
    Case((np.array([[1.0, -1.0, 0.0], [-3.0, 2.0, 7.0]], dtype=np.float32),
          np.array([[0.25, -1.0, 2.0], [3.0, 0.5, -4.0]], dtype=np.float32)),
         hint="float32 in, float32 out, any shape."),
)


def check_relu_backward(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``relu_backward(x, dout)``; print one line."""
    check_function(candidate, relu_backward_solution, RELU_BACKWARD_CASES,
                   title="relu_backward", rtol=1e-12)


# --- leaky ReLU backward ------------------------------------------------------------


def leaky_relu_backward_solution(
    x: ArrayLike, dout: ArrayLike, negative_slope: float = 0.01
) -> np.ndarray:
    r"""Gradient of the loss with respect to the input of a leaky ReLU.

    .. math::

        dx = \begin{cases} d_\text{out} & x > 0 \\
        \text{negative\_slope}\cdot d_\text{out} & x \le 0 \end{cases}

    At the kink :math:`x = 0` the slope is ``negative_slope``, as in PyTorch.
    """
    dout = as_float_array(dout, "dout")
    return np.where(np.asarray(x) > 0, dout, negative_slope * dout).astype(dout.dtype)


LEAKY_RELU_BACKWARD_CASES = (
    Case((np.array([-2.0, -0.5, 0.5, 2.0]), np.array([1.0, 2.0, 3.0, 4.0])),
         {"negative_slope": 0.1},
         hint="dx = dout where x > 0 and negative_slope * dout where x < 0."),
    Case((np.array([-1.0, 0.0, 1.0]), np.array([2.0, 2.0, 2.0])), {"negative_slope": 0.2},
         hint="at the kink x = 0 PyTorch uses the left slope, negative_slope: "
              "test x > 0 for the identity branch."),
    Case((np.array([-3.0, -3.0, 3.0, 3.0]), np.array([1.0, -1.0, 1.0, -1.0])),
         {"negative_slope": 2.0},
         hint="the slope multiplies dout; it is not max(negative_slope * dout, dout), "
              "and it must work for any slope, also > 1."),
    Case((np.array([-2, -1, 0, 1, 2]), np.full(5, 0.5)), {"negative_slope": 0.01},
         hint="x holds integers but the gradient is a float: do not build dx from "
              "np.zeros_like(x) or np.empty_like(x)."),
    Case((np.array([[-1.0, 2.0], [-0.5, 0.0]], dtype=np.float32),
          np.array([[0.5, -2.0], [4.0, 1.0]], dtype=np.float32)),
         {"negative_slope": 0.25},
         hint="float32 in, float32 out, any shape."),
)


def check_leaky_relu_backward(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``leaky_relu_backward(x, dout, negative_slope=0.01)``; print one line."""
    check_function(candidate, leaky_relu_backward_solution, LEAKY_RELU_BACKWARD_CASES,
                   title="leaky_relu_backward", rtol=1e-12)
