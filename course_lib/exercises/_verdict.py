r"""The verdict of a checker: what it measured, as fields, and the lines a notebook shows.

Every checker ends the same way: it builds one :class:`Verdict`, prints ``verdict.text``
and returns ``None`` (a returned value would add a second output to the notebook cell).
The verdict is recorded, so that tests (and a curious learner) can read it back with
:func:`last_verdict` and assert on its fields instead of on digits of the printed text.

How a checker makes its verdict
-------------------------------
Build it with :func:`make_verdict` and print it with :func:`report` (or both at once with
:func:`emit`)::

    from course_lib.exercises._verdict import CORRECT_STATUS, WRONG_STATUS, emit

    emit("quantize_int8", WRONG_STATUS, "at an exact tie 2.5: expected 2, got 3",
         case="x=[0.5, 2.5], scale=1.0", hint="round half to even, as np.round does.")
    # quantize_int8: wrong - at an exact tie 2.5: expected 2, got 3. Input: x=[0.5, 2.5],
    #     scale=1.0.
    #     Hint: round half to even, as np.round does.
    #     Stuck? hint('quantize_int8', 1)

* ``finding`` is what was wrong, short and first: "raised ValueError: ...", "returned None",
  "dtype float32, expected float64", "modified its input x", "first difference at index 3:
  expected 0.5, got 0.25". For a correct verdict it is what passed ("all 6 checks passed.").
* ``case`` summarises the failing input (shape and range when large) or is None.
* ``details`` (only in the text, not a field): more numbers after the case, e.g. the whole
  expected and returned arrays. Lay-out cuts details first, never the finding or the hint.
* ``hint`` is the hint chosen *by what was measured* (see :mod:`course_lib.exercises.core`).
* A wrong verdict ends with the pointer to the next hint ("Stuck? hint('name', 2)"), added
  by :func:`make_verdict` for registered names.

A checker that still builds one line of text (``"<name>: wrong - ... Hint: ..."``) can turn
it into a verdict with :func:`verdict_from_line`; prefer :func:`make_verdict`.

>>> v = make_verdict("demo", WRONG_STATUS, "returned None", case="x=[1.0, 2.0]",
...                  hint="end the function with return.")
>>> (v.status, v.finding, v.case)
('wrong', 'returned None', 'x=[1.0, 2.0]')
>>> print(v.text)
demo: wrong - returned None. Input: x=[1.0, 2.0].
    Hint: end the function with return.
>>> report(v)
demo: wrong - returned None. Input: x=[1.0, 2.0].
    Hint: end the function with return.
>>> last_verdict("demo") is v
True
"""

from __future__ import annotations

from dataclasses import dataclass

from course_lib.exercises._format import layout
from course_lib.exercises._records import record_verdict, stuck_text

__all__ = [
    "CORRECT_STATUS",
    "NOT_IMPLEMENTED_STATUS",
    "STATUSES",
    "WRONG_STATUS",
    "Verdict",
    "emit",
    "last_verdict",
    "make_verdict",
    "report",
    "verdict_from_line",
]

CORRECT_STATUS = "correct"
WRONG_STATUS = "wrong"
NOT_IMPLEMENTED_STATUS = "not_implemented"
STATUSES = (CORRECT_STATUS, WRONG_STATUS, NOT_IMPLEMENTED_STATUS)

#: How each status is written in the printed text.
_WORDS = {CORRECT_STATUS: "correct", WRONG_STATUS: "wrong",
          NOT_IMPLEMENTED_STATUS: "not implemented yet"}

_LAST: dict[str, Verdict] = {}


@dataclass(frozen=True)
class Verdict:
    """What a checker found, as fields, and the text it printed.

    Attributes
    ----------
    name
        The registry name of the exercise or question (``"leaky_relu_any_slope"``).
    status
        ``"correct"``, ``"wrong"`` or ``"not_implemented"`` (the stub still raises
        ``NotImplementedError``; also a question not answered yet).
    finding
        Short text of what was wrong (first in the printed text), or what passed.
    case
        Summary of the failing input (``"x=[-2.0, 0.0], negative_slope=2.0"``) or None.
    hint
        The hint chosen for this finding ("" if none).
    text
        The line(s) printed: ``"<name>: <status> - <finding>. Input: <case>. ..."``, laid
        out for a notebook (at most 8 lines, below 90 characters).
    """

    name: str
    status: str
    finding: str
    case: str | None
    hint: str
    text: str

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"Verdict: status must be one of {STATUSES}; got {self.status!r}")

    @property
    def ok(self) -> bool:
        """True for a correct verdict."""
        return self.status == CORRECT_STATUS


def _sentence(text: str) -> str:
    text = " ".join(str(text).split())
    return text if not text or text.endswith((".", "!", "?", ".)")) else text + "."


def make_verdict(name: str, status: str, finding: str, *, case: str | None = None,
                 hint: str = "", details: str = "", stuck: bool = True) -> Verdict:
    """Build a :class:`Verdict` and its printed text (not printed, not recorded).

    The text is ``<name>: <status word> - <finding>. Input: <case>. <details> Hint: <hint>
    Stuck? ...``; the pointer to help ("Stuck? ...") ends a wrong verdict of a registered
    name unless ``stuck`` is False.
    """
    if status not in STATUSES:
        raise ValueError(f"make_verdict(): status must be one of {STATUSES}; got {status!r}")
    parts = [f"{name}: {_WORDS[status]} - {_sentence(finding)}"]
    if case:
        parts.append(f"Input: {_sentence(case)}")
    if details:
        parts.append(_sentence(details))
    if hint:
        parts.append(f"Hint: {_sentence(hint)}")
    if status == WRONG_STATUS and stuck:
        pointer = stuck_text(name)
        if pointer:
            parts.append(pointer)
    return Verdict(name, status, " ".join(str(finding).split()), case,
                   " ".join(str(hint).split()), layout(" ".join(parts)))


def report(verdict: Verdict) -> None:
    """Record ``verdict`` (see :func:`last_verdict` and :func:`course_lib.progress`) and print
    its text."""
    _LAST[verdict.name] = verdict
    record_verdict(verdict.name, verdict.status)
    print(verdict.text)


def emit(name: str, status: str, finding: str, *, case: str | None = None, hint: str = "",
         details: str = "", stuck: bool = True) -> None:
    """:func:`make_verdict` then :func:`report`: build, record and print a verdict."""
    report(make_verdict(name, status, finding, case=case, hint=hint, details=details,
                        stuck=stuck))


def last_verdict(name: str) -> Verdict | None:
    """The verdict the checker of ``name`` printed last in this session, or None."""
    return _LAST.get(name)


def verdict_from_line(name: str, line: str, *, case: str | None = None) -> Verdict:
    """A verdict from one line of text ``"<name>: <status word> - <finding> Hint: <hint>"``.

    For checkers that still compose their line as text. The status is read from the status
    word; the finding is the text up to " Hint: " (or " Stuck? "); the hint follows it. The
    pointer to help is added for a wrong verdict when the line has none.
    """
    text = " ".join(str(line).split())
    head = f"{name}: "
    body = text[len(head):] if text.startswith(head) else text
    status = WRONG_STATUS
    if body.startswith("not answered yet"):
        status, body = NOT_IMPLEMENTED_STATUS, body[len("not answered yet - "):]
    for key, word in _WORDS.items():
        if body.startswith(word + " - ") or body == word:
            status = key
            body = body[len(word) + 3:]
            break
    finding, _, rest = body.partition(" Hint: ")
    finding = finding.split(" Stuck? ")[0]
    hint = rest.split(" Stuck? ")[0]
    if status == WRONG_STATUS and " Stuck? " not in text:
        pointer = stuck_text(name)
        text = f"{text} {pointer}" if pointer else text
    return Verdict(name, status, finding.strip(), case, hint.strip(), layout(text))
