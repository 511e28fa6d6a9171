"""Where the exercise registry and the hint levels a learner has seen are kept.

A module of its own so that both :mod:`course_lib.exercises.help` (which fills them) and
:mod:`course_lib.exercises._verdict` (whose wrong verdicts point to the next hint) read
them without importing each other.
"""

from __future__ import annotations

from typing import Any

#: name -> the registered exercise or question (:class:`course_lib.exercises.help.Exercise`).
_REGISTRY: dict[str, Any] = {}
#: name -> the highest hint level the learner has asked for.
_HINTS_SEEN: dict[str, int] = {}


def stuck_text(name: str) -> str:
    """The pointer a wrong verdict ends with: the next hint, or the solution after the last."""
    record = _REGISTRY.get(name)
    if record is None:
        return ""
    seen = _HINTS_SEEN.get(name, 0)
    if seen >= len(record.hints):
        return f"Stuck? solution('{name}')"
    return f"Stuck? hint('{name}', {seen + 1})"
