"""Exercise checkers: one checker per exercise, each printing one line of feedback.

Notebooks import checkers from the topic modules, e.g.
``from course_lib.exercises.nonlinearity import check_collapse_linear_layers``.
The machinery (and how to add a checker) is in :mod:`course_lib.exercises.core`;
the reference solutions sit beside their checkers as ``<exercise>_solution``, and each
topic module registers its exercises and questions with hints
(:mod:`course_lib.exercises.help`): ``names()``, ``hint(name, level)``, ``solution(name)``.

Topic modules:

* ``nonlinearity`` - two linear layers collapsed into one, tanh from the sigmoid, a
  two-layer forward pass, accuracy, XOR solved by hand (01_fundamentals)
* ``formulas`` - leaky ReLU for any slope, central differences, ELU and its derivative
  (02_mathematical_foundations)
* ``relu`` - backward passes of ReLU and leaky ReLU (03_relu_from_scratch)
* ``sigmoid`` - a stable sigmoid and log-sigmoid (04_stable_sigmoid)
* ``batchnorm`` - the batch-norm backward pass and running statistics
  (05_batchnorm_with_activation)
"""

from course_lib.exercises.core import CORRECT, NOT_IMPLEMENTED, WRONG, Case, check_function
from course_lib.exercises.help import hint, names, question, register, solution

__all__ = [
    "Case",
    "check_function",
    "CORRECT",
    "NOT_IMPLEMENTED",
    "WRONG",
    "hint",
    "names",
    "question",
    "register",
    "solution",
]
