"""A pytest plugin: the notebook kernels that nbval starts get the refresh environment.

nbval starts each notebook's kernel (in the setup of the notebook's first cell) with the
environment of the pytest process. This plugin applies the environment the stored outputs
were made with (:func:`course_lib.refresh.kernel_environment`: ``PYTHONHASHSEED=0``, no
``MPLBACKEND``, sliders as one printed line) to ``os.environ`` only while a notebook cell
is set up, and restores it afterwards: the kernel inherits it, the unit tests and doctests
running in the same process never see it.

It also turns off the recording of progress (``COURSE_PROGRESS=off``) for the whole test
run.

Loaded through ``-p tests.nbval_env`` in ``pyproject.toml``'s ``addopts`` (with
``pythonpath = ["."]``), so it applies however pytest is started (``pytest``,
``python -m pytest``, one notebook or all).
"""

from __future__ import annotations

import os

import pytest

from course_lib.refresh import kernel_environment

# Tests, doctests, notebook kernels and the background notebook runs (which inherit this
# environment) record nothing in anyone's progress file (course_lib.progress), however
# pytest is started: a doctest of course_lib alone does not load tests/conftest.py, and
# this plugin is always loaded.
os.environ["COURSE_PROGRESS"] = "off"


def _is_notebook_cell(item: pytest.Item) -> bool:
    return type(item).__name__ == "IPyNbCell"  # nbval's item; no import of nbval needed


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    if not _is_notebook_cell(item):
        return (yield)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(kernel_environment(saved))
    try:
        return (yield)
    finally:
        os.environ.clear()
        os.environ.update(saved)
