"""Maintainer tooling: re-execute the course notebooks in place so that their stored
outputs are current. Learners do not need it (their notebooks run in JupyterLab).

Usage (from the repository root)::

    python -m course_lib.refresh                       # every notebooks/NN_*.ipynb
    python -m course_lib.refresh notebooks/02_mathematical_foundations.ipynb
    python -m course_lib.refresh --retime    # also store new timings

Each notebook runs top to bottom in a fresh kernel started from *this* Python
(the same kernel ``pytest --nbval-current-env`` starts), with the working
directory set to the notebook's folder and the environment of
:func:`kernel_environment`, which the pytest plugin ``tests/nbval_env.py`` also
applies to the kernels nbval starts. Cell timings are not recorded, consecutive stream
outputs of a cell (a kernel flushes a slowly printing cell's stdout in several pieces)
are merged into one, widget views and state (random ids) are dropped, a figure that
shows the same picture as the stored one keeps the stored PNG bytes, and a first line
``# NBVAL_IGNORE_OUTPUT`` becomes the cell tag ``nbval-ignore-output``, so running the
command twice with no change in between leaves the files byte-identical. A notebook
whose cell raises is not written, and the command exits with status 1.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"

#: The kernelspec stored in every notebook.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def configure_kernel_environment(env: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Make ``env`` (e.g. ``os.environ``) the environment the notebook kernels need.

    * ``PYTHONHASHSEED=0``: the iteration order of sets of strings is the same
      in every run.
    * ``MPLBACKEND`` removed: with ``MPLBACKEND=Agg`` inherited from a shell or
      CI, figures would not be displayed inline and their ``text/plain`` output
      would be missing.
    * ``JUPYTER_PLATFORM_DIRS=1``: use the platform directories jupyter_core
      will default to, instead of warning (a DeprecationWarning, which pytest
      turns into an error) that it is going to.
    * ``COURSE_LIB_NO_WIDGETS=1``: :func:`course_lib.plotting.slider` prints one line
      instead of creating widgets. Without a browser nobody can move a slider, and
      executing widget code headless sometimes never returns (nbclient issue 312). The
      same switch serves anyone who executes the notebooks without a browser
      (``jupyter nbconvert --execute``).
    * ``COURSE_PROGRESS=off``: running the notebooks' checkers is not a learner's work;
      nothing is recorded in anyone's progress file (:mod:`course_lib.progress`).

    The mapping is changed in place and returned.
    """
    env["PYTHONHASHSEED"] = "0"
    env.pop("MPLBACKEND", None)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["COURSE_LIB_NO_WIDGETS"] = "1"
    env["COURSE_PROGRESS"] = "off"
    return env


def kernel_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of ``base`` (default ``os.environ``) with :func:`configure_kernel_environment`."""
    env = dict(os.environ if base is None else base)
    configure_kernel_environment(env)
    return env


def find_notebooks(directory: Path = NOTEBOOK_DIR) -> list[Path]:
    """The course notebooks ``NN_name.ipynb`` in ``directory``, in order."""
    return sorted(Path(directory).glob(NOTEBOOK_GLOB))


def merge_streams(nb: Any) -> Any:
    """Merge each run of consecutive ``stream`` outputs of the same name into one, in place.

    How a cell's printing is split into outputs depends on when the kernel flushed its
    stdout, which depends on timing; the merged form does not. Returns ``nb``.
    """
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    CoalesceStreamsPreprocessor().preprocess(nb, {})
    return nb


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def drop_widget_state(nb: Any) -> Any:
    """Remove widget views and widget state (random model ids) from ``nb``, in place.

    A slider cell keeps its plain-text output; its widget shows up when the learner runs
    the cell (widgets need a live kernel anyway). Returns ``nb``.
    """
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    return nb


IGNORED = "NBVAL_IGNORE_OUTPUT"
IGNORED_TAG = "nbval-ignore-output"


def markers_to_tags(nb: Any) -> Any:
    """Turn a code cell's first line ``# NBVAL_IGNORE_OUTPUT`` into the cell tag
    ``nbval-ignore-output``, in place: nbval reads either, and a learner then sees no
    testing marker in the code. Returns ``nb``."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        first, _, rest = cell.source.partition("\n")
        if first.strip() == f"# {IGNORED}":
            cell.source = rest
            tags = cell.metadata.setdefault("tags", [])
            if IGNORED_TAG not in tags:
                tags.append(IGNORED_TAG)
    return nb


def _ignored(cell: Any) -> bool:
    return IGNORED in cell.source or IGNORED_TAG in cell.metadata.get("tags", [])


def _source_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def keep_ignored_outputs(old: Any, new: Any) -> Any:
    """Put back the stored outputs of cells whose output nbval ignores (timings), in place.

    A timing differs on every run; keeping the stored one (measured by an earlier refresh)
    makes a refresh byte-identical. A cell keeps its outputs only if its source is the one
    they were made from: refresh records a hash of that source in the cell's metadata
    (``timed_source``). Returns ``new``.
    """
    before = {c.get("id"): c for c in old.cells if c.cell_type == "code"}
    for cell in new.cells:
        if cell.cell_type != "code" or not _ignored(cell):
            continue
        digest = _source_hash(cell.source)
        previous = before.get(cell.get("id"))
        if previous is not None and previous.metadata.get("timed_source") == digest:
            cell.outputs = previous.outputs
        cell.metadata["timed_source"] = digest
    return new


#: A re-drawn figure counts as unchanged when at most this fraction of its pixels differ,
#: each by at most :data:`PIXEL_TOLERANCE` (of 1.0) in every channel.
PIXEL_FRACTION = 1e-3
PIXEL_TOLERANCE = 8 / 255


def _decode_png(data: str) -> Any:
    import base64
    import io

    import matplotlib.image

    return matplotlib.image.imread(io.BytesIO(base64.b64decode(data)), format="png")


def same_picture(old: str, new: str) -> bool:
    """Whether two base64 PNGs show the same picture up to anti-aliasing.

    A plotted value that differs at rounding level (another BLAS kernel, another CPU)
    moves an anti-aliased edge by a fraction of a pixel: a few dozen pixels change by
    1/255. A changed figure changes far more pixels, or a pixel by far more.
    """
    if old == new:
        return True
    import numpy as np

    a, b = _decode_png(old), _decode_png(new)
    if a.shape != b.shape:
        return False
    diff = np.abs(a.astype(float) - b.astype(float))
    diff = diff.max(axis=-1) if diff.ndim == 3 else diff
    return bool(diff.max() <= PIXEL_TOLERANCE and (diff > 0).mean() <= PIXEL_FRACTION)


def keep_unchanged_figures(old: Any, new: Any) -> Any:
    """Put back a stored PNG where the new one shows the same picture, in place.

    PNG bytes change with rounding-level differences in the plotted data, which depend
    on the CPU's kernels; keeping the stored bytes then makes a refresh on any machine
    leave the files unchanged. Outputs are matched by cell id and position. Returns ``new``.
    """
    before = {c.get("id"): c for c in old.cells if c.cell_type == "code"}
    for cell in new.cells:
        previous = before.get(cell.get("id")) if cell.cell_type == "code" else None
        if previous is None or len(previous.outputs) != len(cell.outputs):
            continue
        for then, now in zip(previous.outputs, cell.outputs, strict=True):
            old_png = then.get("data", {}).get("image/png")
            new_png = now.get("data", {}).get("image/png")
            if old_png and new_png and same_picture(old_png, new_png):
                now["data"]["image/png"] = old_png
    return new


def run(nb: Any, directory: Path, timeout: int = 600) -> float:
    """Execute the notebook object ``nb`` in place, in a fresh kernel started from this
    Python with :func:`kernel_environment` and working directory ``directory``, as
    ``pytest --nbval-current-env`` does; merge its streams and drop widget state. Returns
    the wall time in seconds; raises ``nbclient.exceptions.CellExecutionError`` when a
    cell raises.
    """
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager

    class CurrentEnvClient(NotebookClient):
        """Starts the kernel exactly as ``pytest --nbval-current-env`` does."""

        def create_kernel_manager(self) -> AsyncKernelManager:
            self.km = AsyncKernelManager(
                kernel_name=CURRENT_ENV_KERNEL_NAME,
                kernel_spec_manager=NbvalKernelspecManager(),
            )
            return self.km

    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    client = CurrentEnvClient(
        nb,
        timeout=timeout,
        record_timing=False,
        allow_errors=False,
        resources={"metadata": {"path": str(directory)}},
    )
    start = time.perf_counter()
    # Kernel-process stderr (not cell output) goes to /dev/null, as under nbval.
    client.execute(env=kernel_environment(), cwd=str(directory), stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    merge_streams(nb)
    drop_widget_state(nb)
    return elapsed


def execute_notebook(path: Path, timeout: int = 600, retime: bool = False) -> float:
    """Execute the notebook at ``path`` in place; return the wall time in seconds.

    Cells marked ``NBVAL_IGNORE_OUTPUT`` keep their stored outputs unless ``retime``
    (see :func:`keep_ignored_outputs`). Raises ``nbclient.exceptions.CellExecutionError``
    (and leaves the file untouched) when a cell raises.
    """
    import nbformat

    path = Path(path).resolve()
    nb = markers_to_tags(nbformat.read(path, as_version=4))
    stored = markers_to_tags(nbformat.read(path, as_version=4))
    elapsed = run(nb, path.parent, timeout)
    keep_ignored_outputs(nbformat.v4.new_notebook() if retime else stored, nb)
    keep_unchanged_figures(stored, nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return elapsed


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m course_lib.refresh",
        description="Re-execute course notebooks in place (all of notebooks/ by default).",
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to execute")
    parser.add_argument("--timeout", type=int, default=600, help="per-cell timeout in seconds")
    parser.add_argument(
        "--retime",
        action="store_true",
        help="store new outputs for timing cells (NBVAL_IGNORE_OUTPUT) too",
    )
    args = parser.parse_args(argv)

    paths = args.notebooks or find_notebooks()
    if not paths:
        print(f"no notebooks matching {NOTEBOOK_GLOB} in {NOTEBOOK_DIR}", file=sys.stderr)
        return 1
    failed = []
    for path in paths:
        try:
            seconds = execute_notebook(path, timeout=args.timeout, retime=args.retime)
        except Exception as exc:  # report every failing notebook, then fail
            failed.append(path)
            print(f"FAILED  {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
        else:
            print(f"{seconds:6.1f} s  {path}")
    if failed:
        print(f"{len(failed)} notebook(s) failed and were not rewritten", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
