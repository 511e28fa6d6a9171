"""course_lib: the tested library behind the course *Activation Functions in Neural Networks*.

``course_lib.progress()`` shows your progress through the course (:mod:`course_lib.progress`).
"""

from typing import Any

from course_lib.environment import check_environment

__all__ = ["check_environment", "progress"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # course_lib.progress is a callable module, imported on first use: importing it here
    # would import every exercise module with course_lib, and `python -m course_lib.progress`
    # would find it imported already
    if name == "progress":
        import course_lib.progress

        return course_lib.progress
    raise AttributeError(f"module 'course_lib' has no attribute {name!r}")
