"""Neural-network layers in numpy, each with a hand-written backward pass.

One module per kind, every public name re-exported here
(``from course_lib.layers import Linear``):

* :mod:`~course_lib.layers.core` -- :class:`Layer`, :class:`Linear`, :class:`Activation`,
  :class:`Sequential`, :func:`init_weight`;
* :mod:`~course_lib.layers.perceptron` -- :func:`mlp`;
* :mod:`~course_lib.layers.conv` -- :class:`Conv2d`, :class:`MaxPool2d`, :class:`Flatten`;
* :mod:`~course_lib.layers.norm` -- :class:`BatchNorm1d`;
* :mod:`~course_lib.layers.adaptive` -- :class:`PReLU`, :class:`AdaptiveSwish`;
* :mod:`~course_lib.layers.recurrent` -- :class:`RNN`, :class:`GatedRNN`;
* :mod:`~course_lib.layers.attention` -- :class:`SelfAttention`;
* :mod:`~course_lib.layers.gated` -- :class:`GLU`, :class:`SwiGLU`, :class:`GaussianGLU`.

The contract every layer follows:

* ``forward(x)`` returns one array and keeps in a cache exactly what backward needs;
* ``backward(dout)`` returns ``dx`` as a new array and fills ``grads`` with one array per
  entry of ``params`` (same keys, shapes and dtypes); it never writes into ``dout``;
  backward before forward raises ``RuntimeError``;
* float64 in gives float64 out, float32 in gives float32 out, integers become float64;
* a wrong input shape raises ``ValueError`` naming the expected shape, a wrong argument
  type ``TypeError`` (checks from :mod:`course_lib.validation`);
* ``train()`` / ``eval()`` switch the mode (only :class:`BatchNorm1d` behaves
  differently); ``zero_grad()`` sets every gradient to zero;
* randomness comes from one keyword, ``rng=`` (an int seed or a numpy Generator), and the
  initialiser from ``weight_init=`` ("he", "xavier", "lecun").

Parameters are plain float64 arrays in ``params``; optimisers update them in place. To
load weights (for instance copied from PyTorch), write into them:
``layer.params["W"][...] = w``.

Parameter names follow one rule: **a parameter is named after its symbol in the layer's
formula**, the formula the notebooks write, not after PyTorch's attribute. So a weight
matrix is ``W`` (``Wx``, ``Wh``, ``Wq``: W and what it multiplies; a suffix names the gate,
``Wxz``, ``bz``), a bias ``b``, batch normalisation's scale and shift ``gamma`` and
``beta``, and an activation's trainable parameter keeps the activation's own parameter name
(``weight`` of :func:`~course_lib.activations.prelu`, ``alpha`` and ``beta`` of adaptive
swish). The reason is the convention, not taste: :class:`Linear` computes
:math:`h = xW + b` with ``W`` of shape (in, out), the transpose of PyTorch's ``weight``, so
calling it ``weight`` would suggest the wrong layout. :data:`TORCH_PARAMETER_NAMES` is the
one table from these names to PyTorch's (``course_lib.torch_ref.from_layers`` copies
weights with it); ``tests/test_layer_conventions.py`` checks the rule for every layer.

Examples
--------
>>> import numpy as np
>>> from course_lib.layers import Activation, Linear, Sequential
>>> model = Sequential(Linear(2, 3, rng=0), Activation("tanh"), Linear(3, 1, rng=1))
>>> model.forward(np.zeros((4, 2))).shape
(4, 1)
"""

from course_lib.layers.adaptive import AdaptiveSwish, PReLU
from course_lib.layers.attention import SelfAttention
from course_lib.layers.conv import Conv2d, Flatten, MaxPool2d
from course_lib.layers.core import (
    WEIGHT_INITS,
    Activation,
    Layer,
    Linear,
    Sequential,
    init_weight,
)
from course_lib.layers.gated import GLU, GaussianGLU, SwiGLU
from course_lib.layers.norm import BatchNorm1d
from course_lib.layers.perceptron import mlp
from course_lib.layers.recurrent import RNN, GatedRNN

#: Each layer's parameters under PyTorch's names:
#: ``{layer class name: {course name: (torch attribute, transposed)}}``, for the layers
#: whose PyTorch module holds the same numbers. ``transposed``: PyTorch stores the matrix
#: transposed (``nn.Linear.weight`` is (out, in); ``Linear``'s ``W`` is (in, out)).
TORCH_PARAMETER_NAMES: dict[str, dict[str, tuple[str, bool]]] = {
    "Linear": {"W": ("weight", True), "b": ("bias", False)},
    "Conv2d": {"W": ("weight", False), "b": ("bias", False)},
    "BatchNorm1d": {"gamma": ("weight", False), "beta": ("bias", False)},
    "PReLU": {"weight": ("weight", False)},
    "AdaptiveSwish": {"alpha": ("alpha", False), "beta": ("beta", False)},
}

__all__ = [
    "GLU",
    "TORCH_PARAMETER_NAMES",
    "RNN",
    "WEIGHT_INITS",
    "Activation",
    "AdaptiveSwish",
    "BatchNorm1d",
    "Conv2d",
    "Flatten",
    "GatedRNN",
    "GaussianGLU",
    "Layer",
    "Linear",
    "MaxPool2d",
    "PReLU",
    "SelfAttention",
    "Sequential",
    "SwiGLU",
    "init_weight",
    "mlp",
]
