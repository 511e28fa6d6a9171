"""The course on other machines: other CPU kernels, other Pythons, other operating systems.

numpy's OpenBLAS, PyTorch and numba each pick their compute kernels by CPU (AVX, AVX2,
AVX-512), and results at rounding level differ between kernels. A notebook that prints such
a digit passes on the machine that stored it and fails on a learner's. The test command
therefore executes every notebook under nbval twice more, in background processes that run
while the rest of the suite runs, each in an environment that forces kernels any x86-64
CPU with AVX2 has:

* ``sandybridge-generic``: OpenBLAS's AVX kernel (``OPENBLAS_CORETYPE=Sandybridge``),
  PyTorch's baseline kernels (``ATEN_CPU_CAPABILITY=default``), numba compiling for a
  generic x86-64 (``NUMBA_CPU_NAME=generic``), numpy's baseline loops (its dispatched
  SIMD targets disabled through ``NPY_DISABLE_CPU_FEATURES``);
* ``haswell``: OpenBLAS's AVX2 kernel (``OPENBLAS_CORETYPE=Haswell``), PyTorch's AVX2
  kernels (``ATEN_CPU_CAPABILITY=avx2``) and numpy's AVX2 loops (``X86_V3``). Its nbval run
  covers the notebooks without a ``use`` call; the learner's-path run
  (``tests/learner_path.py``, which compares every output but the check cells) executes the
  others in this environment.

Both run with one thread (the main run uses the machine's default), which also checks
that no stored output depends on the thread count. The checks live in
``tests/test_portability.py``; this module holds the machinery and the two pytest hooks
that ``tests/conftest.py`` installs: the checks are moved to the end of the run, and the
background runs start as soon as collection has finished. Where the environments cannot
be forced (not x86-64, or numpy's BLAS is not OpenBLAS, or no AVX2), the checks are
skipped with the reason.
"""

from __future__ import annotations

import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import threading
import tomllib
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
REQUIREMENTS = ROOT / "requirements.txt"
INDEX_HOST = "pypi.org"

#: pip's ``--platform`` takes exact tags; these are the ones the pinned wheels use.
PLATFORMS: dict[str, tuple[str, ...]] = {
    "linux-x86_64": ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64",
                     "manylinux_2_17_x86_64", "manylinux2014_x86_64"),
    "macos-arm64": ("macosx_14_0_arm64", "macosx_13_0_arm64", "macosx_12_0_arm64",
                    "macosx_11_0_arm64"),
    "windows-x86_64": ("win_amd64",),
}

#: Set in the background runs, so that they never start runs of their own.
CHILD_FLAG = "COURSE_LIB_PORTABILITY_RUN"

ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
}

def _numpy_targets(*, keep: tuple[str, ...]) -> str:
    """numpy's dispatched SIMD targets present on this CPU, other than ``keep``.

    ``NPY_DISABLE_CPU_FEATURES`` set to them makes numpy use its loops for a lesser CPU:
    its own float64 ``exp``/``log`` on AVX-512 round differently from the scalar ones.
    """
    module = np._core._multiarray_umath
    found = module.__cpu_features__
    return " ".join(t for t in module.__cpu_dispatch__ if found.get(t) and t not in keep)


ENVIRONMENTS: dict[str, dict[str, str]] = {
    "sandybridge-generic": {
        "OPENBLAS_CORETYPE": "Sandybridge",
        "ATEN_CPU_CAPABILITY": "default",
        "NUMBA_CPU_NAME": "generic",
        "NPY_DISABLE_CPU_FEATURES": _numpy_targets(keep=()),
        **ONE_THREAD,
    },
    "haswell": {
        "OPENBLAS_CORETYPE": "Haswell",
        "ATEN_CPU_CAPABILITY": "avx2",
        "NPY_DISABLE_CPU_FEATURES": _numpy_targets(keep=("X86_V3",)),
        **ONE_THREAD,
    },
}

#: The test function whose items wait for the background runs.
TEST_NAME = "test_notebook_outputs_do_not_depend_on_the_cpu"


def unavailable_reason() -> str | None:
    """Why the kernels of :data:`ENVIRONMENTS` cannot be forced here, or None if they can."""
    if os.environ.get(CHILD_FLAG):
        return "this is itself a portability run"
    machine = platform.machine().lower()
    if machine not in {"x86_64", "amd64"}:
        return f"the OpenBLAS kernels Sandybridge and Haswell are x86-64 kernels; this is {machine}"
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover - scikit-learn brings threadpoolctl
        return "threadpoolctl is not installed, so numpy's BLAS cannot be identified"
    blas = [info for info in threadpool_info() if info.get("user_api") == "blas"]
    apis = {info.get("internal_api") for info in blas}
    if "openblas" not in apis:
        return f"numpy's BLAS here is {sorted(apis) or 'unknown'}, not OpenBLAS"
    features = np._core._multiarray_umath.__cpu_features__
    if not features.get("AVX2"):
        return "this CPU has no AVX2, which OpenBLAS's Haswell kernel needs"
    return None


def supported_pythons() -> list[str]:
    """The minor versions ``requires-python`` admits, e.g. ``['3.11', '3.12']``."""
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    low = re.search(r">=\s*3\.(\d+)", spec)
    high = re.search(r"<\s*3\.(\d+)", spec)
    assert low and high, f"requires-python {spec!r} should read '>=3.A,<3.B'"
    return [f"3.{minor}" for minor in range(int(low.group(1)), int(high.group(1)))]


def pins() -> dict[str, str]:
    """``name -> version`` for every ``name==version`` line of requirements.txt."""
    found = {}
    for line in REQUIREMENTS.read_text().splitlines():
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s#;]+)", line)
        if match:
            found[_normalise(match.group(1))] = match.group(2)
    return found


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def index_reachable() -> bool:
    """Whether the public package index answers (checked once per session)."""
    try:
        socket.create_connection((INDEX_HOST, 443), timeout=5).close()
    except OSError:
        return False
    return True


def _resolve(python: str, system: str) -> tuple[int, str, dict[str, str]]:
    """Run pip's dry-run resolution; return its exit code, its errors and what it chose."""
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text("".join(f"{n}=={v}\n" for n, v in pins().items()))
        report = Path(tmp) / "report.json"
        tags = [arg for tag in PLATFORMS[system] for arg in ("--platform", tag)]
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--isolated", "--dry-run", "--quiet",
             "--ignore-installed", "--no-deps", "--only-binary=:all:",
             "--python-version", python, *tags, "--target", str(Path(tmp) / "target"),
             "--report", str(report), "-r", str(requirements)],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600, check=False)
        chosen = {}
        if report.exists():
            for item in json.loads(report.read_text())["install"]:
                chosen[_normalise(item["metadata"]["name"])] = item["metadata"]["version"]
    errors = "\n".join(line for line in proc.stderr.splitlines() if "ERROR" in line)
    return proc.returncode, errors, chosen


_RESOLUTIONS: dict[tuple[str, str], Future] = {}
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="resolve")


def resolution(python: str, system: str) -> Future:
    """pip's resolution for (python, system), started in the background on first request.

    Returns a future of (exit code, error lines, chosen versions); the work is mostly
    waiting for the index, so four run at a time beside the rest of the suite.
    """
    key = (python, system)
    if key not in _RESOLUTIONS:
        _RESOLUTIONS[key] = _POOL.submit(_resolve, python, system)
    return _RESOLUTIONS[key]


class BackgroundRun:
    """One nbval run of every notebook in its own process, with extra environment variables."""

    def __init__(self, name: str, extra_env: dict[str, str]) -> None:
        self.name = name
        self.extra_env = extra_env
        self.returncode: int | None = None
        self.output = ""
        self._done = threading.Event()

    def command(self) -> list[str]:
        notebooks = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
        if self.name in LEARNER_ENVIRONMENT:
            # The learner's-path run executes the other notebooks under this environment and
            # compares all their outputs but the check cells (tests/learner_path.py).
            from learner_path import notebooks_with_use

            notebooks = [p for p in notebooks if p not in set(notebooks_with_use())]
        return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                "--no-header", "-rf", *map(str, notebooks)]

    def run(self) -> None:
        env = dict(os.environ)
        env.update(self.extra_env)
        env[CHILD_FLAG] = "1"
        with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as log:
            try:
                proc = subprocess.run(self.command(), cwd=ROOT, env=env, stdout=log,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      check=False)
                self.returncode = proc.returncode
            except OSError as exc:  # pragma: no cover - the interpreter vanished
                self.returncode = -1
                log.write(f"could not start the run: {exc}\n")
            log.seek(0)
            self.output = log.read()
        self._done.set()

    def wait(self) -> None:
        self._done.wait()

    def failures(self) -> str:
        """The lines of the run's output that name failing cells, and its summary line."""
        lines = self.output.splitlines()
        picked = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
        return "\n".join(picked + lines[-1:])


RUNS: dict[str, BackgroundRun] = {}


def start(names: list[str]) -> None:
    """Start the background runs ``names`` one after another in a daemon thread."""
    todo = [RUNS.setdefault(name, BackgroundRun(name, ENVIRONMENTS[name])) for name in names]

    def worker() -> None:
        for run in todo:
            run.run()

    threading.Thread(target=worker, name="portability-runs", daemon=True).start()


#: The test function whose items wait for the background resolutions.
RESOLVE_TEST_NAME = "test_every_pin_has_a_wheel"
#: The test function whose items wait for the learner's-path runs (tests/learner_path.py).
LEARNER_TEST_NAME = "test_the_learners_path_gives_the_stored_outputs"

_LEARNER: dict[str, Future] = {}
_LEARNER_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="learner")


#: The environment the learner's-path run uses, where it can be forced: it then stands in
#: for that environment's nbval run over the notebooks that call ``use`` (saving a run).
LEARNER_ENVIRONMENT = ("haswell",)


def _learner_run() -> dict:
    env = dict(os.environ)
    if unavailable_reason() is None:
        env.update(ENVIRONMENTS[LEARNER_ENVIRONMENT[0]])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.json"
        proc = subprocess.run([sys.executable, str(ROOT / "tests" / "learner_path.py"),
                               "--json", str(out)], cwd=ROOT, capture_output=True, text=True,
                              env=env, stdin=subprocess.DEVNULL, check=False)
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"tests/learner_path.py failed:\n{proc.stderr[-3000:]}")
        return json.loads(out.read_text())


def learner_results() -> dict:
    """The results of ``tests/learner_path.py`` over every notebook that calls ``use``
    (started in the background when collection ends; started here if it was not)."""
    if "run" not in _LEARNER:
        _LEARNER["run"] = _LEARNER_POOL.submit(_learner_run)
    return _LEARNER["run"].result()


def _is_check(item) -> bool:
    return getattr(item, "originalname", None) in (TEST_NAME, RESOLVE_TEST_NAME,
                                                   LEARNER_TEST_NAME)


def collection_modifyitems(items: list) -> None:
    """Move the portability checks to the end, so the rest of the suite overlaps them."""
    checks = [item for item in items if _is_check(item)]
    if checks:
        items[:] = [item for item in items if not _is_check(item)] + checks


def collection_finish(session) -> None:
    """Start the background work that the selected checks will wait for."""
    checks = [item for item in session.items if _is_check(item)]
    if unavailable_reason() is None:
        names = [item.callspec.params["environment"] for item in checks
                 if item.originalname == TEST_NAME]
        if names:
            start(names)
    combos = [(item.callspec.params["python"], item.callspec.params["platform"])
              for item in checks if item.originalname == RESOLVE_TEST_NAME]
    if combos and index_reachable():
        for combo in combos:
            resolution(*combo)
    if any(item.originalname == LEARNER_TEST_NAME for item in checks):
        if "run" not in _LEARNER:
            _LEARNER["run"] = _LEARNER_POOL.submit(_learner_run)
