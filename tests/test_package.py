"""The package as a whole: light to import, and its documented examples are right."""

from __future__ import annotations

import doctest
import subprocess
import sys

import numpy as np
import pytest

import course_lib.activations


def _modules_loaded_by(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("statement", ["import course_lib", "import course_lib.activations"])
def test_import_does_not_load_heavy_libraries(statement):
    loaded = _modules_loaded_by(statement)
    assert not {"torch", "numba", "matplotlib"} & loaded


def test_activation_docstring_examples_are_right():
    result = doctest.testmod(
        course_lib.activations, extraglobs={"np": np}, optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted >= 15
    assert result.failed == 0
