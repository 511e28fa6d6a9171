"""Test isolation: no test sees state that another test left behind."""

from __future__ import annotations

import portability
import pytest

from course_lib.exercises import _format
from course_lib.exercises import help as exercise_help


@pytest.fixture(autouse=True)
def _fresh_hint_state():
    """Which hint levels a learner has seen changes what a wrong verdict points to next, and
    show_expected(False) hides expected values; every test starts as a new learner."""
    exercise_help._HINTS_SEEN.clear()
    _format.FEEDBACK["show_expected"] = True
    yield
    exercise_help._HINTS_SEEN.clear()
    _format.FEEDBACK["show_expected"] = True


def pytest_collection_modifyitems(items):
    """The notebook-portability checks run last (see ``tests/portability.py``)."""
    portability.collection_modifyitems(items)


def pytest_collection_finish(session):
    """Start the background notebook runs under other CPU kernels."""
    portability.collection_finish(session)
