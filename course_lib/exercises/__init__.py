"""Exercise checkers: one checker per exercise, each printing one line of feedback.

Notebooks import checkers from the topic modules, e.g.
``from course_lib.exercises.nonlinearity import check_collapse_linear_layers``.
The machinery (and how to add a checker) is in :mod:`course_lib.exercises.core`;
the reference solutions sit beside their checkers as ``<exercise>_solution``.

Topic modules:

* ``nonlinearity`` - stacked linear layers, tanh from sigmoid (01_fundamentals)
* ``formulas`` - leaky ReLU for any slope, ELU and its derivative
  (02_mathematical_foundations)
"""

from course_lib.exercises.core import CORRECT, NOT_IMPLEMENTED, WRONG, Case, check_function

__all__ = ["Case", "check_function", "CORRECT", "NOT_IMPLEMENTED", "WRONG"]
