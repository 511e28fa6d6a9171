"""Is this the environment the notebooks' stored outputs were made with?

:func:`check_environment` compares the installed versions of the packages that the
stored outputs depend on with the exact pins in ``requirements.txt`` and prints one line.
Every notebook's set-up cell calls it, so that a learner whose outputs differ from the
stored ones knows why.

Examples
--------
>>> compare_versions({"numpy": "2.4.6", "torch": "2.13.0"},
...                  {"numpy": "2.4.6", "torch": "2.13.0+cpu"})
[]
>>> compare_versions({"numpy": "2.4.6"}, {"numpy": "2.3.0"})
[('numpy', '2.4.6', '2.3.0')]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

__all__ = ["REQUIREMENTS", "check_environment", "compare_versions", "installed_versions",
           "read_pins"]

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"
#: The pins whose versions change what the notebooks print or draw.
OUTPUT_PACKAGES = ("numpy", "scipy", "matplotlib", "numba", "llvmlite", "scikit-learn",
                   "torch", "pandas", "ipykernel", "ipython")

_PIN = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path | str = REQUIREMENTS) -> dict[str, str]:
    """The ``name==version`` lines of a requirements file, as {normalised name: version}."""
    pins = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            pins[_normalise(match.group(1))] = match.group(2)
    return pins


def installed_versions(packages: tuple[str, ...] = OUTPUT_PACKAGES) -> dict[str, str | None]:
    """The installed version of each package (None where it is not installed)."""
    versions: dict[str, str | None] = {}
    for name in packages:
        try:
            versions[_normalise(name)] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[_normalise(name)] = None
    return versions


def compare_versions(
    pins: Mapping[str, str], installed: Mapping[str, str | None]
) -> list[tuple[str, str, str | None]]:
    """(name, pinned, installed) for every pinned package whose installed version differs.

    A local build label is ignored, as pip does: ``2.13.0+cpu`` satisfies ``==2.13.0``.
    """
    differ = []
    for name, version in installed.items():
        pinned = pins.get(name)
        if pinned is None:
            continue
        if version is None or version.split("+")[0] != pinned.split("+")[0]:
            differ.append((name, pinned, version))
    return differ


def check_environment(requirements: Path | str = REQUIREMENTS) -> None:
    """Print one line: the installed versions match the pins, or which differ and what to do."""
    try:
        pins = read_pins(requirements)
    except OSError:
        print("environment: requirements.txt not found; cannot compare versions with the pins.")
        return
    differ = compare_versions(pins, installed_versions())
    if not differ:
        print("environment: the installed versions match requirements.txt.")
        return
    listed = ", ".join(f"{name} {got or 'missing'} (pinned {want})" for name, want, got in differ)
    print(f"environment: {listed}; outputs may differ from the stored ones. "
          "Run: python -m pip install -r requirements.txt")
