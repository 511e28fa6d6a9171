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


def _third_party_imports() -> set[str]:
    """Top-level names of the non-standard-library modules course_lib imports anywhere."""
    import ast
    from pathlib import Path

    import course_lib

    found = set()
    for path in Path(course_lib.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"course_lib", "__future__"}


def test_every_imported_package_is_declared_in_pyproject():
    import importlib.metadata
    import re
    import tomllib
    from pathlib import Path

    project = tomllib.loads(
        (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    )["project"]
    declared = [*project["dependencies"],
                *(d for extra in project["optional-dependencies"].values() for d in extra)]
    def normal(name):  # PEP 503: jupyter_client and jupyter-client are one distribution
        return re.sub(r"[-_.]+", "-", name).lower()

    declared_names = {normal(re.split(r"[<>=!~; \[]", d, maxsplit=1)[0]) for d in declared}
    distributions = importlib.metadata.packages_distributions()
    imported = _third_party_imports()
    assert {"numpy", "torch", "mpmath", "nbformat", "nbclient"} <= imported  # the scan works
    missing = {
        module: distributions.get(module, [module])
        for module in imported
        if not {normal(name) for name in distributions.get(module, [module])} & declared_names
    }
    assert missing == {}, f"imported by course_lib but not declared in pyproject: {missing}"
