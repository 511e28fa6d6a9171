"""Shared pieces of the exercise-checker tests.

Tests assert on the fields of a checker's :class:`~course_lib.exercises.Verdict` (status,
finding, case, hint), read back with ``last_verdict``, not on digits of its printed text;
:func:`verdict` checks only how the text is laid out.
"""

from __future__ import annotations

from course_lib.exercises import Verdict, last_verdict


def verdict(capsys, checker, candidate):
    """Run a checker on a candidate; return its verdict folded onto one line.

    The checker must return None, print nothing on stderr, and lay its verdict out as a
    notebook shows it: the verdict first, at most eight lines, none of 90 characters or more.
    """
    assert checker(candidate) is None
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert err == "" and out.endswith("\n") and 1 <= len(lines) <= 8, (out, err)
    assert all(len(line) < 90 for line in lines), out
    verdicts = ("correct", "wrong", "not implemented yet", "not answered yet")
    assert lines[0].split(" - ")[0].endswith(verdicts), out
    return " ".join(out.split())


def judged(capsys, checker, candidate) -> Verdict:
    """Run a checker on a candidate; return the Verdict it printed (and recorded)."""
    line = verdict(capsys, checker, candidate)
    name = line.split(":")[0]
    recorded = last_verdict(name)
    assert recorded is not None and " ".join(recorded.text.split()) == line, line
    return recorded


def rejects(capsys, checker, candidate, *expected: str) -> Verdict:
    """Assert that the checker says "wrong" and that its finding names the problem.

    Each ``expected`` text must occur in the finding; one starting with "hint:" in the
    hint, "case:" in the case summary. The finding also comes first in the printed text.
    """
    found = judged(capsys, checker, candidate)
    assert found.status == "wrong", found
    assert found.finding and " ".join(found.text.split()).startswith(
        f"{found.name}: wrong - {found.finding[:40]}"), found
    for text in expected:
        field, _, wanted = text.partition(":") if text.startswith(("hint:", "case:")) else (
            "finding", "", text)
        assert wanted.strip() in (getattr(found, field) or ""), (text, found)
    return found


def answer(capsys, check, given):
    """A predict-then-run question's verdict for ``given``, laid out like any verdict."""
    return verdict(capsys, check, given)


def stub(*args, **kwargs):
    """A learner's untouched exercise: it raises NotImplementedError."""
    raise NotImplementedError
