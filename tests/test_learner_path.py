"""A learner whose exercise passes runs the experiment on their own code and gets the stored
results; a wrong answer falls back to the reference with one printed line.

``tests/learner_path.py`` does the work in a background process (started when collection
ends, see ``tests/portability.py``); these checks, moved to the end of the run, read its
results. The unit tests below check the substitution itself on a small notebook.
"""

from __future__ import annotations

import nbformat
import pytest
from learner_path import (
    WRONG_ANSWER_NOTEBOOKS,
    notebooks_with_use,
    stub_cell,
    substitute,
    use_calls,
)
from portability import learner_results

NOTEBOOKS = [path.name for path in notebooks_with_use()]


CASES = [(name, "reference") for name in NOTEBOOKS] + [
    (name, "wrong") for name in NOTEBOOKS if name in WRONG_ANSWER_NOTEBOOKS]


@pytest.mark.parametrize("notebook, mode", CASES)
def test_the_learners_path_gives_the_stored_outputs(notebook, mode):
    result = learner_results()[f"{notebook}:{mode}"]
    what = ("with the reference solution in the learner's place" if mode == "reference"
            else "with a wrong answer in the learner's place")
    assert result["ok"], f"{notebook} {what}:\n" + "\n".join(result["problems"])


def _toy():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in (
        "from course_lib.exercises import use",
        "def my_tanh(x):\n    raise NotImplementedError",
        "check_tanh_from_sigmoid(my_tanh)",
        'f = use("tanh_from_sigmoid", my_tanh)',
        "print(f(0.5))",
    )]
    return nb


def test_the_use_calls_and_the_stub_are_found():
    nb = _toy()
    assert use_calls(nb) == [(3, "tanh_from_sigmoid", ["my_tanh"])]
    assert stub_cell(nb, "my_tanh") == 1
    with pytest.raises(LookupError, match="no code cell defines the stub 'nope'"):
        stub_cell(nb, "nope")


def test_the_reference_replaces_the_stub_behind_a_counter_and_counts_are_printed():
    nb, exercises, candidates = substitute(_toy())
    assert exercises == {"tanh_from_sigmoid"} and candidates == ["my_tanh"]
    assert "_REGISTRY['tanh_from_sigmoid']" in nb.cells[1].source
    assert "spy(my_tanh)" in nb.cells[1].source
    probes = [i for i, cell in enumerate(nb.cells) if cell.metadata.get("learner_path")]
    assert probes == [4, 6]  # after the use cell, and at the end


def test_a_wrong_answer_replaces_the_stub_without_counters():
    nb, _, candidates = substitute(_toy(), wrong=True)
    assert "my_tanh = lambda *args, **kwargs: None" in nb.cells[1].source
    assert candidates == [] and len(nb.cells) == 5


def test_a_notebook_without_use_is_refused():
    nb = _toy()
    nb.cells = nb.cells[:3]
    with pytest.raises(LookupError, match="calls use"):
        substitute(nb)


#: The notebooks whose main experiment runs on the learner's implementation.
ARC = ("01", "03", "04", "05", "06", "07", "09", "10", "11", "12", "14")


def test_the_arc_notebooks_run_an_experiment_on_the_learners_code():
    found = {name[:2] for name in NOTEBOOKS}
    assert sorted(set(ARC) - found) == []
