"""Every pin in requirements.txt has a wheel for every supported Python on Linux, macOS, Windows.

The supported versions are read from ``requires-python`` in ``pyproject.toml``. The
resolutions run in the background from the end of collection (``tests/portability.py``)
and these checks, moved to the end of the session, wait for them.
"""

from __future__ import annotations

import sys

import pytest
from portability import (
    INDEX_HOST,
    PLATFORMS,
    index_reachable,
    pins,
    resolution,
    supported_pythons,
)


def test_requires_python_names_versions_from_3_11_on():
    versions = supported_pythons()
    assert versions[0] == "3.11"
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in versions


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
@pytest.mark.parametrize("python", supported_pythons())
def test_every_pin_has_a_wheel(python, platform):
    if not index_reachable():
        pytest.skip(f"the package index ({INDEX_HOST}) cannot be reached from here")
    returncode, errors, chosen = resolution(python, platform).result()
    assert returncode == 0, f"Python {python} on {platform}: pip cannot resolve the pins:\n{errors}"
    assert chosen == pins(), f"Python {python} on {platform}: pip chose other versions"
