"""Test isolation: no test sees state that another test left behind."""

from __future__ import annotations

import pytest

from course_lib.exercises import help as exercise_help


@pytest.fixture(autouse=True)
def _fresh_hint_state():
    """Which hint levels a learner has seen changes what a wrong verdict points to next;
    every test starts as a learner who has seen none."""
    exercise_help._HINTS_SEEN.clear()
    yield
    exercise_help._HINTS_SEEN.clear()
