"""The package as a whole: light to import (docstring examples run with --doctest-modules)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _modules_loaded_by(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("statement", ["import course_lib", "import course_lib.activations"])
def test_import_does_not_load_heavy_libraries(statement):
    loaded = _modules_loaded_by(statement)
    assert not {"torch", "numba", "matplotlib"} & loaded
