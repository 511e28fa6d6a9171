"""Exercise checkers: one checker per exercise, each printing one line of feedback.

Notebooks import checkers from the topic modules, e.g.
``from course_lib.exercises.nonlinearity import check_collapse_linear_layers``.
The machinery (and how to add a checker) is in :mod:`course_lib.exercises.core`; every
checker prints one :class:`Verdict` and records it (``last_verdict(name)`` reads it back);
the reference solutions sit beside their checkers as ``<exercise>_solution``, and each
topic module registers its exercises and questions with hints
(:mod:`course_lib.exercises.help`): ``names()``, ``hint(name, level)``, ``solution(name)``.

Topic modules (and the notebook that uses each):

* ``nonlinearity`` - linear layers collapsed into one, tanh from the sigmoid (01)
* ``two_layer_network`` - a two-layer forward pass, accuracy, XOR solved by hand (01)
* ``formulas`` - leaky ReLU for any slope, central differences, ELU and its derivative (02)
* ``relu`` - a whole ReLU layer with its cache, the leaky-ReLU backward pass (03)
* ``sigmoid`` - the sigmoid and its derivative, log-sigmoid (04)
* ``batchnorm`` - batch normalisation with ReLU, forward and backward, both modes (05)
* ``batchnorm_eval`` - running statistics the way PyTorch keeps them, folding BN into
  the linear layer (05)
* ``custom`` - the slide's jump and overflow (questions), a C¹ join at any point (06)
* ``own_activation`` - your own C¹ activation, forward and backward, checked by its properties (06)
* ``convolution`` - a convolution by im2col, max pooling (07)
* ``convolution_backward`` - the backward pass of a convolution by im2col and col2im (07)
* ``gradient_flow`` - slopes of a network's activations, per layer (08)
* ``adaptive`` - the backward pass of an adaptive swish (09)
* ``deep`` - a stable Mish and its derivative, Snake (10)
* ``recurrent`` - one step of a gated cell, forward and backward (11)
* ``attention`` - a stable masked softmax and its backward (12)
* ``hardware`` - a parallel numba kernel with ``out=`` (13)
* ``gated`` - a SwiGLU layer forward and backward, a stable softplus (14)
* ``summary`` - the course's self-test (15)
"""

from course_lib.exercises._use import use
from course_lib.exercises._verdict import Verdict, last_verdict
from course_lib.exercises.core import (
    CORRECT,
    NOT_IMPLEMENTED,
    WRONG,
    Case,
    check_function,
    compare_number,
)
from course_lib.exercises.help import (
    hint,
    names,
    question,
    register,
    show_expected,
    solution,
)

__all__ = [
    "Case",
    "Verdict",
    "check_function",
    "compare_number",
    "last_verdict",
    "use",
    "CORRECT",
    "NOT_IMPLEMENTED",
    "WRONG",
    "hint",
    "names",
    "question",
    "register",
    "show_expected",
    "solution",
]
