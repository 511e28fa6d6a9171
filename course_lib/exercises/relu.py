r"""Exercises on ReLU-type layers: a whole ReLU layer, and the leaky-ReLU backward pass.

* :func:`check_relu_layer` - a ``ReLULayer`` class with ``forward(x)``, which keeps in a
  cache what the backward pass needs, and ``backward(dout)``, which returns
  :math:`d_\text{out} \odot [x > 0]`. Checked against the reference on the kink, 2-D,
  float32 and integer input, integer ``dout``, and three ways of using a layer that
  expose a wrong cache: the caller changes ``x`` in place between forward and backward,
  two layers are used at once, forward is called twice. A layer that passes is also
  compared with central differences of its own forward (a gradient check), and the
  relative error is printed.
* :func:`check_leaky_relu_backward` - :math:`dx = d_\text{out}` where :math:`x > 0` and
  :math:`\mathrm{negative\_slope}\cdot d_\text{out}` elsewhere, with PyTorch's slope
  ``negative_slope`` at the kink, for any slope (also one above 1), any shape, integer
  ``x`` or ``dout``.
* ``dead_relu_bias_minus3`` - the question asked before the dying-ReLU experiment.

The references are computed in float64 and rounded once to the result's dtype, in the
checker's own numeric state; float64 results must agree to a relative :math:`10^{-12}`,
float32 results to :math:`10^{-5}`.

Used by: 03_relu_from_scratch.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.exercises._inputs import dense_grid
from course_lib.exercises._verdict import (
    CORRECT_STATUS,
    WRONG_STATUS,
    emit,
    make_verdict,
    report,
)
from course_lib.exercises.core import Case, check_function, format_value, judge
from course_lib.exercises.help import question, register
from course_lib.gradcheck import numerical_vjp, relative_error

__all__ = [
    "relu_layer_solution",
    "check_relu_layer",
    "leaky_relu_backward_solution",
    "check_leaky_relu_backward",
    "check_dead_relu_bias_minus3",
]

_RTOL = 1e-12
_RTOL32 = 1e-5


# --- the whole ReLU layer (substantial) ---------------------------------------------------


def relu_layer_solution() -> Any:
    r"""Build the reference ReLU layer; ``check_relu_layer(relu_layer_solution)`` accepts it.

    The checker calls what it is given to build each layer, so a class (``ReLULayer()``
    builds an instance) and this function are used the same way. The class inside:

    .. math::

        y = \max(0, x), \qquad dx = d_\text{out} \odot [x > 0], \qquad
        \mathrm{relu}'(0) = 0 \ \text{(PyTorch's convention)}.
    """

    class ReLULayer:
        def __init__(self):
            self.mask = None  # the cache, filled by forward

        def forward(self, x):
            x = np.asarray(x)
            if x.dtype.kind != "f":
                x = x.astype(np.float64)  # integers become float64: nothing is truncated later
            self.mask = x > 0  # a NEW array: a later change to the caller's x cannot reach it
            return np.where(self.mask, x, 0.0)  # relu(x), a new array of x's float dtype

        def backward(self, dout):
            if self.mask is None:
                raise RuntimeError("call forward(x) before backward(dout)")
            return np.where(self.mask, dout, 0.0)  # a new array; integer dout becomes float64

    return ReLULayer()


def _relu_layer_runner(make_layer: Callable[[], Any]) -> Callable[..., tuple]:
    """A function of (x, dout, usage) that builds layers with ``make_layer`` and uses them."""

    def run(x: np.ndarray, dout: np.ndarray, usage: str = "plain") -> tuple:
        if usage == "plain":
            layer = make_layer()
            y = layer.forward(x)
            return y, layer.backward(dout)
        if usage == "x changed after forward":
            x_caller = np.array(x, copy=True)  # the caller's array, which it then reuses
            layer = make_layer()
            y = layer.forward(x_caller)
            y = np.array(y, copy=True) if isinstance(y, np.ndarray) else y
            np.negative(x_caller, out=x_caller)  # an in-place change, as a buffer reuse does
            return y, layer.backward(dout)
        if usage == "two layers":
            first, second = make_layer(), make_layer()
            y = first.forward(x)
            second.forward(-x)
            return y, first.backward(dout)
        if usage == "forward called twice":
            layer = make_layer()
            layer.forward(-x)
            y = layer.forward(x)
            return y, layer.backward(dout)
        raise ValueError(f"unknown usage {usage!r}")

    return run


_reference_run = _relu_layer_runner(relu_layer_solution)


def relu_layer_reference(x: np.ndarray, dout: np.ndarray, usage: str = "plain") -> tuple:
    """The reference layer's ``(y, dx)`` for ``x``, ``dout`` and the way it is used."""
    y, dx = _reference_run(x, dout, usage)
    return y, dx


_X2 = np.array([[0.7, -1.3, 2.1], [-2.2, 0.3, -0.8]])
_D2 = np.array([[0.5, -1.1, 0.3], [1.2, -0.4, 0.9]])
_Y_HINT = "forward returns relu(x) = max(0, x): x where x > 0, and 0 elsewhere."
_DX_HINT = ("backward returns dout * relu'(x): dout where x > 0 and 0 elsewhere, as a new "
            "array.")

RELU_LAYER_CASES = (
    Case((np.array([-2.0, -0.5, 0.5, 2.0]), np.array([1.0, 2.0, 3.0, 4.0])),
         hint={"y": _Y_HINT, "dx": _DX_HINT}),
    Case((np.array([-1.0, 0.0, 1.0]), np.array([5.0, 5.0, 5.0])),
         hint={"y": _Y_HINT,
               "dx": "at the kink x = 0 the convention (PyTorch's) is relu'(0) = 0: "
                     "test x > 0, not x >= 0."}),
    Case((_X2, _D2),
         hint="x and dout are 2-D (a batch of rows): work on whole arrays with np.where "
              "or comparisons, not with a loop over x[i]."),
    Case((_X2.astype(np.float32) * 1e38, _D2.astype(np.float32)),
         hint="float32 in, float32 out, in forward and in backward, also for large |x|."),
    Case((np.array([-2, -1, 0, 1, 2]), np.full(5, 0.5)),
         hint={"y": "integer x: forward must return float64 (convert x first).",
               "dx": "x holds integers but dout is a float: a buffer made like x "
                     "(np.zeros_like(x)) is an integer array and truncates 0.5 to 0. "
                     "Convert x to float64 in forward."}),
    Case((np.array([-2, -1, 0, 1, 2]), np.ones(5, dtype=np.int64)),
         hint="the slide's call, with integer x and dout = np.ones_like(x): integers in "
              "give float64 out (np.where(mask, dout, 0.0) promotes dout)."),
    Case((np.array([-1.5, 2.5, 0.5, -0.5]), np.array([3, -2, 1, 4])),
         hint={"y": _Y_HINT,
               "dx": "dout holds integers; the gradient must still be float64: "
                     "np.where(mask, dout, 0.0) gives float64, dout * mask stays int64."}),
    Case((np.array([-2.0, -0.5, 0.5, 2.0]), np.array([1.0, 2.0, 3.0, 4.0]),
          "x changed after forward"),
         hint={"y": _Y_HINT,
               "dx": "the caller changed its array x in place after forward (x *= -1), and "
                     "your backward saw the change. Cache a NEW array in forward, e.g. the "
                     "mask x > 0, not a reference to the caller's x."}),
    Case((np.array([-2.0, -0.5, 0.5, 2.0]), np.array([1.0, 2.0, 3.0, 4.0]), "two layers"),
         hint={"y": _Y_HINT,
               "dx": "two layers used at once (the second on -x) must not share a cache: "
                     "keep it on the instance (self.mask = ...), not on the class or in a "
                     "global variable."}),
    Case((np.array([-2.0, -0.5, 0.5, 2.0]), np.array([1.0, 2.0, 3.0, 4.0]),
          "forward called twice"),
         hint={"y": _Y_HINT,
               "dx": "forward was called on -x, then on x: backward must use the cache of "
                     "the latest forward, so overwrite it on every call."}),
    Case((dense_grid(), np.cos(dense_grid())),
         hint="on a fine grid over [-40, 40] (10001 points): right everywhere, not only at "
              "the few inputs above."),
)

_NAME = "relu_layer"


def _gradient_check_error(make_layer: Callable[[], Any]) -> float | None:
    """Relative error between the layer's backward and central differences of its forward
    on a 4x6 batch away from the kink; None if anything goes wrong."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0.1, 2.0, (4, 6)) * rng.choice([-1.0, 1.0], (4, 6))
    dout = rng.standard_normal((4, 6))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                layer = make_layer()
                layer.forward(x.copy())
                dx = np.asarray(layer.backward(dout.copy()), dtype=np.float64)
                numeric = numerical_vjp(lambda v: make_layer().forward(v), x, dout)
                return relative_error(dx, numeric)
    except Exception:
        return None


def _shown_error(error: float) -> str:
    """A rounding-level error as a bound (its digits depend on the machine), else its value."""
    return "below 1e-8" if error < 1e-8 else f"{error:.1e}"


def check_relu_layer(layer_class: Any) -> None:
    """Check the learner's ``ReLULayer`` class (pass the class itself); print the verdict.

    Every check builds fresh layers with ``layer_class()`` and compares ``forward(x)`` and
    ``backward(dout)`` with the reference; a layer that passes is also gradient-checked.
    """
    if not callable(layer_class):
        emit(_NAME, WRONG_STATUS, f"expected the class, got {format_value(layer_class)}",
             hint="pass the class itself, check_relu_layer(ReLULayer), not an instance "
                  "ReLULayer().")
        return
    verdict = judge(_relu_layer_runner(layer_class), relu_layer_reference, RELU_LAYER_CASES,
                    title=_NAME, rtol=_RTOL, rtol32=_RTOL32, output_names=("y", "dx"))
    if verdict.status == CORRECT_STATUS:
        error = _gradient_check_error(layer_class)
        if error is not None:
            verdict = make_verdict(_NAME, CORRECT_STATUS, (
                f"{verdict.finding} Gradient check of your layer on a 4x6 batch away from "
                f"the kink: relative error {_shown_error(error)}."))
    report(verdict)


register(
    _NAME,
    checker=check_relu_layer,
    solution=relu_layer_solution,
    hints=(
        "forward computes max(0, x) and keeps what backward needs; backward multiplies dout "
        "by relu'(x), which is 1 where x > 0 and 0 elsewhere (also at x = 0). Which array "
        "does backward need, and whose is it?",
        "In forward: convert integer x to float64 (x.astype(np.float64)), store the NEW "
        "array self.mask = x > 0 (never a reference to the caller's x), return "
        "np.where(self.mask, x, 0.0). In backward: np.where(self.mask, dout, 0.0).",
        "The whole class:\n"
        "class ReLULayer:\n"
        "    def forward(self, x):\n"
        "        x = np.asarray(x)\n"
        "        if x.dtype.kind != 'f':\n"
        "            x = x.astype(np.float64)\n"
        "        self.mask = x > 0\n"
        "        return np.where(self.mask, x, 0.0)\n"
        "\n"
        "    def backward(self, dout):\n"
        "        return np.where(self.mask, dout, 0.0)",
    ),
)


# --- leaky ReLU backward (short) ----------------------------------------------------------


def leaky_relu_backward_solution(
    x: ArrayLike, dout: ArrayLike, negative_slope: float = 0.01
) -> np.ndarray:
    r"""Gradient of the loss with respect to the input of a leaky ReLU.

    .. math::

        dx = \begin{cases} d_\text{out} & x > 0 \\
        \mathrm{negative\_slope}\cdot d_\text{out} & x \le 0 \end{cases}

    At the kink :math:`x = 0` the slope is ``negative_slope``, as in PyTorch. ``dout`` is
    not modified; integer ``dout`` gives float64.
    """
    dout = np.asarray(dout)
    dtype = dout.dtype if dout.dtype.kind == "f" else np.dtype(np.float64)
    slope = np.where(np.asarray(x) > 0, 1.0, negative_slope)  # float64 slope per element
    return (slope * dout.astype(np.float64)).astype(dtype)  # rounded once to dout's dtype


_LEAKY_HINT = "dx = dout where x > 0 and negative_slope * dout where x <= 0."

LEAKY_RELU_BACKWARD_CASES = (
    Case((np.array([-2.0, -0.5, 0.5, 2.0]), np.array([1.0, 2.0, 3.0, 4.0])),
         {"negative_slope": 0.1}, hint=_LEAKY_HINT),
    Case((np.array([-1.0, 0.0, 1.0]), np.array([2.0, 2.0, 2.0])), {"negative_slope": 0.2},
         hint="at the kink x = 0 PyTorch uses the left slope, negative_slope: "
              "test x > 0 for the identity branch."),
    Case((np.array([-3.0, -3.0, 3.0, 3.0]), np.array([1.0, -1.0, 1.0, -1.0])),
         {"negative_slope": 2.0},
         hint="the slope multiplies dout; it is not max(negative_slope * dout, dout), "
              "and it must work for any slope, also one above 1."),
    Case((np.array([-2, -1, 0, 1, 2]), np.full(5, 0.5)), {"negative_slope": 0.01},
         hint="x holds integers but the gradient is a float: do not build dx from "
              "np.zeros_like(x) or np.empty_like(x), which are integer arrays here."),
    Case((np.array([-1.5, 2.5, 0.5, -0.5]), np.array([3, -2, 1, 4])), {"negative_slope": 0.1},
         hint="dout holds integers: the result must be float64 with the fractions kept; a "
              "buffer made like dout (np.zeros_like(dout)) truncates 0.1 * 3 to 0."),
    Case((_X2, _D2), {"negative_slope": 0.01},
         hint="x and dout are 2-D (a batch of rows): use whole-array operations, not a loop "
              "over x[i]."),
    Case((np.array([[-1.0, 2.0], [-0.5, 0.0]], dtype=np.float32),
          np.array([[0.5, -2.0], [4.0, 1.0]], dtype=np.float32)),
         {"negative_slope": 0.25},
         hint="float32 in, float32 out, any shape."),
    Case((dense_grid(), np.cos(dense_grid())), {"negative_slope": 0.3},
         hint="on a fine grid over [-40, 40] (10001 points): right everywhere, not only at "
              "the few inputs above."),
)


def check_leaky_relu_backward(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``leaky_relu_backward(x, dout, negative_slope=0.01)``; print one line."""
    check_function(candidate, leaky_relu_backward_solution, LEAKY_RELU_BACKWARD_CASES,
                   title="leaky_relu_backward", rtol=_RTOL, rtol32=_RTOL32)


register(
    "leaky_relu_backward",
    checker=check_leaky_relu_backward,
    solution=leaky_relu_backward_solution,
    hints=(
        "The chain rule again: dx = dout * f'(x). What is the slope of a leaky ReLU left of "
        "0, right of 0, and (PyTorch's convention) at 0?",
        "The slope is 1 where x > 0 and negative_slope elsewhere: np.where(x > 0, 1.0, "
        "negative_slope). Multiply it by dout; a new array, float64 for integer dout.",
        "dout = np.asarray(dout); slope = np.where(np.asarray(x) > 0, 1.0, negative_slope); "
        "return (slope * dout).astype(dout.dtype if dout.dtype.kind == 'f' else np.float64)",
    ),
)


# --- predict, then run ------------------------------------------------------------------

check_dead_relu_bias_minus3 = question(
    "dead_relu_bias_minus3",
    options={
        "a": "about as accurate as the healthy network: training moves the biases back up",
        "b": "it learns, but slowly: clearly better than chance, clearly worse than healthy",
        "c": "about 10 %, chance level: almost no gradient reaches the hidden layers",
    },
    answer="c",
    explanation=(
        "a pre-activation x W + b with b = -3 is positive for very few inputs, so most "
        "units output 0 almost everywhere and their slope is 0 there. The gradients of "
        "the hidden weights and biases are (almost) all zero, the biases never move back, "
        "and only the last layer learns - from inputs that are almost all zero."
    ),
    hints=(
        "with He initialisation the pre-activation x W of a unit has a standard deviation "
        "of about 1.4 on these inputs. How often is x W - 3 positive?",
        "a unit whose pre-activation is negative has slope 0: it passes no gradient to its "
        "weights or its bias. What can then move the bias back up?",
    ),
)
