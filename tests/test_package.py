"""The package as a whole: light to import (docstring examples run with --doctest-modules).

A learner's ``import course_lib`` and the numpy modules load none of the heavy libraries;
each is imported only by the module that needs it (numba by kernels, torch by torch_ref and
the benchmark, matplotlib by plotting, pandas by property_table when it is called).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = {"torch", "numba", "matplotlib", "pandas"}
CASES = {
    "import course_lib": HEAVY,
    "import course_lib.activations": HEAVY,
    "import course_lib.analysis, course_lib.gradcheck, course_lib.data": HEAVY,
    "import course_lib.layers, course_lib.losses, course_lib.optim, course_lib.train": HEAVY,
    "import course_lib.custom, course_lib.exercises, course_lib.validation": HEAVY,
    "import course_lib.kernels": HEAVY - {"numba"},
    "import course_lib.bench": HEAVY,
}


def _modules_loaded_by(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("statement", sorted(CASES))
def test_import_does_not_load_heavy_libraries(statement):
    assert CASES[statement] & _modules_loaded_by(statement) == set()
