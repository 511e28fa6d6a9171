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


# --- the code a hint shows ------------------------------------------------------------------

import inspect  # noqa: E402 - used only by the hint-code helpers below
import math  # noqa: E402
import re  # noqa: E402

import numpy as np  # noqa: E402

#: A prose remark in parentheses at the end of a one-line code hint: "(keep float32 ...)".
_REMARK = re.compile(
    r"\s+\((?:keep|for|with|after|then|e\.g\.|here)\b[^()]*(?:\([^()]*\)[^()]*)*\)\.?\s*$")
#: The words that mark a hint as part of the code only (it cannot pass a checker alone).
PART_OF_THE_CODE = "Part of the code"


def _split_statements(text: str) -> list[str]:
    """``a = 1; return a`` -> ["a = 1", "return a"], not splitting inside brackets or quotes."""
    parts, depth, quote, current, i = [], 0, None, "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if depth == 0 and quote is None and text.startswith("; ", i):
            parts.append(current)
            current, i = "", i + 2
            continue
        current += ch
        i += 1
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def hint_code(text: str) -> tuple[str, str] | None:
    """The code a hint shows, as ``("block", source)`` or ``("body", function body)``.

    Three forms: code on the lines after the first line break (a whole class or functions);
    code in backticks, or a one-line body ``a = ...; return ...`` (statements separated by
    "; ", with at most a prose remark in parentheses at the end). None: no code (no
    ``return``), or a hint that says it shows only part of the code.
    """
    if PART_OF_THE_CODE in text:
        return None
    if "\n" in text:
        block = text.split("\n", 1)[1]
        return ("block", block) if re.search(r"^(class|def) ", block, re.M) else None
    ticks = re.findall(r"`([^`]+)`", text)
    statements = ([s for t in ticks for s in _split_statements(t)] if ticks
                  else _split_statements(_REMARK.sub("", text.strip())))
    if not any(s.startswith("return ") for s in statements):
        return None
    return "body", "\n".join(f"    {s}" for s in statements) + "\n"


def _hint_namespace() -> dict:
    import scipy.special
    from numpy.lib.stride_tricks import sliding_window_view

    from course_lib.activations import sigmoid
    from course_lib.validation import as_float_array

    return {"np": np, "math": math, "sigmoid": sigmoid, "expit": scipy.special.expit,
            "as_float_array": as_float_array, "sliding_window_view": sliding_window_view}


def hint_candidate(record, kind: str, code: str) -> tuple:
    """What the checker of ``record`` takes, built from a hint's code (may raise)."""
    namespace = _hint_namespace()
    if kind == "body":
        signature = inspect.signature(record.solution)
        params = ", ".join(str(p) for p in signature.parameters.values())
        exec(compile(f"def learner({params}):\n{code}", f"<hint {record.name}>", "exec"),
             namespace)
        return (namespace["learner"],)
    before = set(namespace)
    exec(compile(code, f"<hint {record.name}>", "exec"), namespace)
    defined = [v for k, v in namespace.items() if k not in before and not k.startswith("__")]
    n = len(record.checker_args) if record.checker_args is not None else 1
    return tuple(defined[:n])
