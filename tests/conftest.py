"""Test isolation: no test sees state that another test left behind."""

from __future__ import annotations

import os

# Tests, doctests, notebook kernels and the background notebook runs (which inherit this
# environment) record nothing in anyone's progress file (course_lib.progress).
os.environ["COURSE_PROGRESS"] = "off"

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
