"""Shared pieces of the exercise-checker tests."""

from __future__ import annotations


def verdict(capsys, checker, candidate):
    """Run a checker on a candidate; it must return None and print exactly one line."""
    assert checker(candidate) is None
    out, err = capsys.readouterr()
    assert err == "" and out.count("\n") == 1, (out, err)
    return out.strip()


def stub(*args, **kwargs):
    """A learner's untouched exercise: it raises NotImplementedError."""
    raise NotImplementedError
