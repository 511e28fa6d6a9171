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

__all__ = [
    "GLU",
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
