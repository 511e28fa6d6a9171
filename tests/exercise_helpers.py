"""Shared pieces of the exercise-checker tests."""

from __future__ import annotations


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


def answer(capsys, check, given):
    """A predict-then-run question's verdict for ``given``, laid out like any verdict."""
    return verdict(capsys, check, given)


def stub(*args, **kwargs):
    """A learner's untouched exercise: it raises NotImplementedError."""
    raise NotImplementedError
