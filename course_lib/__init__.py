"""course_lib: the tested library behind the course *Activation Functions in Neural Networks*."""

__version__ = "0.1.0"
