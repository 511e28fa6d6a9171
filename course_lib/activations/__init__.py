r"""Activation functions and their derivatives, as pure numpy functions, with a registry.

Every activation ``f`` comes with ``f_grad``, its derivative with respect to the input
``x``, written in terms of ``x`` (never of the output). Both share one contract:

* float32 in gives float32 out, float64 gives float64 (float16 stays float16); integers,
  booleans, Python scalars and lists are promoted to float64, never truncated.
* Any shape, including 0-d; the input is never modified and never returned.
* The arithmetic is done in float64 and rounded once to the input's dtype, so a float32
  result is correctly rounded to within one unit in the last place, tails included.
* No ``RuntimeWarning`` for any finite input: each formula is written so that nothing
  overflows or divides by zero (``logaddexp`` for softplus, ``expm1(minimum(x, 0))`` for
  ELU, ``exp(-|x|)`` for the sigmoid family, max-shift for softmax). Where a result is
  genuinely beyond the float range (``selu(3.4e38)`` in float32) it is ``±inf``.
* ``±inf`` gives the limit of the function as ``x → ±inf`` and ``NaN`` gives ``NaN``.
  Where no limit exists (the slope of Snake oscillates for ever), the answer is ``NaN``.
* At a kink the derivative follows PyTorch's autograd; each docstring states the value.

Where things are: :mod:`~course_lib.activations.rectifiers` (ReLU, leaky ReLU, PReLU, ELU,
SELU, CELU, softplus), :mod:`~course_lib.activations.sigmoids` (sigmoid, log-sigmoid, tanh,
scaled tanh, softsign, hard tanh, hard sigmoid), :mod:`~course_lib.activations.gates`
(swish/SiLU, mish, GELU, GELU-tanh, hard swish, Snake),
:mod:`~course_lib.activations.softmax` (softmax, log-softmax),
:mod:`~course_lib.activations.registry` (:func:`get`, :func:`names`, :class:`ActivationSpec`,
:class:`Properties`) and :mod:`~course_lib.activations.properties` (:func:`property_table`).
Everything is importable from ``course_lib.activations`` directly.

Examples
--------
>>> from course_lib.activations import get, names, relu
>>> relu([-2.0, 3.0])
array([0., 3.])
>>> spec = get("gelu")
>>> float(spec(1.0)), float(spec.derivative(0.0))
(0.8413447460685429, 0.5)
>>> "gelu" in names() and "silu" not in names()  # an alias is not listed twice
True

Adding an activation
--------------------
1. Write ``f(x, *, param=default)`` and ``f_grad`` in the family's module
   (:mod:`~course_lib.activations.rectifiers`, :mod:`~course_lib.activations.sigmoids` or
   :mod:`~course_lib.activations.gates`), keeping the contract above; defaults are PyTorch's
   where PyTorch has the function.
2. Export both here (the import and ``__all__``).
3. Register them in :mod:`~course_lib.activations.registry` with one ``_register`` call: the
   formula, the properties, the kinks, the citation, ``torch`` (the PyTorch expression),
   ``torch_module`` (the ``torch.nn`` module, if PyTorch has one), ``exact`` (the function
   and its derivative in mpmath) and ``checks`` (limits on the parameters, if any).

That is all: the tests (values and derivatives against PyTorch and mpmath, properties,
``tests/test_registry_entries.py`` for a missing field), :mod:`course_lib.torch_ref`,
:class:`course_lib.layers.Activation` and the property table read the entry. A compiled
kernel is optional: the formula in :mod:`course_lib.kernels._fast_formulas`, the wrappers in
:mod:`course_lib.kernels.fast` (and its ``__all__``) and :mod:`course_lib.kernels.plain`,
and the textbook numpy expression the benchmark times
(:data:`course_lib.bench.NUMPY_EXPRESSIONS`).
"""

from __future__ import annotations

from course_lib.activations.gates import (
    gelu,
    gelu_grad,
    gelu_tanh,
    gelu_tanh_grad,
    hard_swish,
    hard_swish_grad,
    mish,
    mish_grad,
    silu,
    silu_grad,
    snake,
    snake_grad,
    swish,
    swish_grad,
)
from course_lib.activations.properties import property_table
from course_lib.activations.rectifiers import (
    SELU_ALPHA,
    SELU_SCALE,
    celu,
    celu_grad,
    elu,
    elu_grad,
    leaky_relu,
    leaky_relu_grad,
    prelu,
    prelu_grad,
    relu,
    relu_grad,
    selu,
    selu_grad,
    softplus,
    softplus_grad,
)
from course_lib.activations.registry import ActivationSpec, Properties, get, names
from course_lib.activations.sigmoids import (
    hard_sigmoid,
    hard_sigmoid_grad,
    hard_tanh,
    hard_tanh_grad,
    log_sigmoid,
    log_sigmoid_grad,
    scaled_tanh,
    scaled_tanh_grad,
    sigmoid,
    sigmoid_grad,
    softsign,
    softsign_grad,
    tanh,
    tanh_grad,
)
from course_lib.activations.softmax import log_softmax, softmax

__all__ = [
    "SELU_ALPHA",
    "SELU_SCALE",
    "ActivationSpec",
    "Properties",
    "celu",
    "celu_grad",
    "elu",
    "elu_grad",
    "gelu",
    "gelu_grad",
    "gelu_tanh",
    "gelu_tanh_grad",
    "get",
    "hard_sigmoid",
    "hard_sigmoid_grad",
    "hard_swish",
    "hard_swish_grad",
    "hard_tanh",
    "hard_tanh_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "log_sigmoid",
    "log_sigmoid_grad",
    "log_softmax",
    "mish",
    "mish_grad",
    "names",
    "prelu",
    "prelu_grad",
    "property_table",
    "relu",
    "relu_grad",
    "scaled_tanh",
    "scaled_tanh_grad",
    "selu",
    "selu_grad",
    "sigmoid",
    "sigmoid_grad",
    "silu",
    "silu_grad",
    "snake",
    "snake_grad",
    "softmax",
    "softplus",
    "softplus_grad",
    "softsign",
    "softsign_grad",
    "swish",
    "swish_grad",
    "tanh",
    "tanh_grad",
]
