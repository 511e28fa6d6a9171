"""Every notebook gives its stored outputs under other CPU kernels and with one thread.

See ``tests/portability.py``: the runs start in the background when collection ends, and
these checks (moved to the end of the session) wait for them.
"""

from __future__ import annotations

import pytest
from portability import ENVIRONMENTS, RUNS, unavailable_reason


@pytest.mark.parametrize("environment", sorted(ENVIRONMENTS))
def test_notebook_outputs_do_not_depend_on_the_cpu(environment):
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    run = RUNS.get(environment)
    if run is None:
        pytest.skip("the background run was not started (run through pytest's collection)")
    run.wait()
    settings = " ".join(f"{k}={v}" for k, v in ENVIRONMENTS[environment].items())
    assert run.returncode == 0, (
        f"with {settings} the notebooks' outputs differ from the stored ones:\n"
        f"{run.failures()}\n"
        "Print a bound or an agreement in digits instead of a rounding-level value."
    )

