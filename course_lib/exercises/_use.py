"""Your code runs the experiment once it passes its checks; the reference runs until then.

A notebook's substantial exercise comes before the experiment that needs it, and the
experiment takes its implementation from :func:`use`::

    class ReLULayer:                        # the learner's exercise
        ...

    check_relu_layer(ReLULayer)             # the checker prints its verdict
    Layer = use("relu_layer", ReLULayer)    # one line: whose code the experiment runs
    net = Sequential(Linear(64, 32), Layer(), ...)

:func:`use` judges the candidate again, silently (the learner may have edited it since the
check cell ran), and returns it when the verdict is *correct*; otherwise it returns the
course's reference solution, so that the experiment still runs and shows what it should.
Either way it prints one line saying which one runs. A correct implementation gives the
experiment's stored numbers up to rounding: ``tests/test_learner_path.py`` runs every such
notebook with the reference solution in the learner's place and compares the outputs.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

from course_lib.exercises import _records
from course_lib.exercises._verdict import last_verdict
from course_lib.exercises.help import _REGISTRY, _load_all

#: The line :func:`use` prints, by the candidate's verdict.
YOURS = "{name}: passes its checks; the experiment below uses your implementation."
REFERENCE = "{name}: {why}; the experiment below uses the reference solution."
WHY = {"not_implemented": "not implemented yet", "wrong": "not passing its checks yet"}


def use(name: str, *candidate: Any) -> Any:
    """The learner's ``candidate`` if it passes the checker of exercise ``name``, else the
    reference solution; print one line saying which.

    ``candidate`` is what the exercise's checker takes: one function or class (returned
    as is) or several (e.g. a forward and a backward function, returned as a tuple).

    >>> def relu_layer_stub():
    ...     raise NotImplementedError
    >>> from course_lib.exercises.relu import relu_layer_solution
    >>> use("relu_layer", relu_layer_stub) is relu_layer_solution
    relu_layer: not implemented yet; the experiment below uses the reference solution.
    True
    """
    if not isinstance(name, str) or name not in _REGISTRY:
        _load_all()  # the topic modules register their exercises when imported
    record = _REGISTRY.get(name) if isinstance(name, str) else None
    if record is None or record.kind != "exercise":
        exercises = sorted(n for n, r in _REGISTRY.items() if r.kind == "exercise")
        raise ValueError(f"use(): name must be an exercise's name (one of names('exercise'), "
                         f"e.g. {exercises[0]!r}); got {name!r}")
    reference = record.checker_args if record.checker_args is not None else (record.solution,)
    if len(candidate) != len(reference):
        raise TypeError(f"use({name!r}, ...): the exercise takes {len(reference)} "
                        f"implementation(s) (what its checker takes); got {len(candidate)}")
    with contextlib.redirect_stdout(io.StringIO()), _records.silent():
        record.checker(*candidate)
    verdict = last_verdict(name)
    status = verdict.status if verdict is not None else "wrong"
    if status == "correct":
        print(YOURS.format(name=name))
        chosen = candidate
    else:
        print(REFERENCE.format(name=name, why=WHY.get(status, WHY["wrong"])))
        chosen = reference
    return chosen[0] if len(chosen) == 1 else tuple(chosen)
