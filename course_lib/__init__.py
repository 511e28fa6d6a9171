"""course_lib: the tested library behind the course *Activation Functions in Neural Networks*."""

from course_lib.environment import check_environment

__all__ = ["check_environment"]
__version__ = "0.1.0"
