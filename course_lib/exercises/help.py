"""Help on demand: every exercise and question by name, tiered hints, solutions on request.

Each topic module registers its exercises when it is imported::

    register("relu_layer", checker=check_relu_layer, solution=relu_layer_solution,
             hints=("what to think about", "which formula or numpy function", "almost the code"))

and its predict-then-run questions with :func:`question`, which also builds their checker.
A learner asks, in a cell of their own::

    from course_lib.exercises import hint, solution
    hint("relu_layer")        # level 1; hint("relu_layer", 2) for the next
    solution("relu_layer")    # the reference solution's source

A checker's "wrong" verdict names the next hint level the learner has not seen yet;
``show_expected(False)`` hides the expected values in verdicts (the failing input and your
result are still shown).

Examples
--------
>>> check = question("demo_choice", options={"a": "one", "b": "two"}, answer="b",
...                  explanation="two is right.", hints=("count", "it is more than one"))
>>> check("a")
demo_choice: wrong - you chose (a) one. Stuck? hint('demo_choice', 1)
>>> check("b")
demo_choice: correct - (b) two: two is right.
>>> hint("demo_choice", 2)
demo_choice, hint 2 of 2: it is more than one
>>> check("a")
demo_choice: wrong - you chose (a) one. Stuck? solution('demo_choice')
>>> _ = _REGISTRY.pop("demo_choice")  # the example is not a course exercise
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import math
import pkgutil
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_lib.exercises._format import FEEDBACK
from course_lib.exercises._records import _HINTS_SEEN, _REGISTRY, record_help, stuck_text
from course_lib.exercises._verdict import NOT_IMPLEMENTED_STATUS, Verdict, report, verdict_from_line
from course_lib.validation import choice

__all__ = [
    "Exercise",
    "register",
    "question",
    "names",
    "hint",
    "solution",
    "show_expected",
    "stuck_text",
]

_WIDTH = 88


@dataclass(frozen=True)
class Exercise:
    """One registered exercise or question.

    ``solution`` is the reference function or class (an exercise) or the answer (a
    question); ``checker_args`` is what the checker takes to judge the reference (default
    ``(solution,)``); ``explanation`` says why the answer is right (questions only).
    """

    name: str
    kind: str
    checker: Callable[..., None]
    solution: Any
    hints: tuple[str, ...]
    explanation: str = ""
    checker_args: tuple[Any, ...] | None = None

    def check_solution(self) -> None:
        """Run the checker on the reference solution (it must print "correct")."""
        args = self.checker_args if self.checker_args is not None else (self.solution,)
        self.checker(*args)




def register(
    name: str,
    *,
    checker: Callable[..., None],
    solution: Any,
    hints: Sequence[str],
    kind: str = "exercise",
    explanation: str = "",
    checker_args: tuple[Any, ...] | None = None,
) -> Exercise:
    """Register an exercise (or question) under ``name``; return its record.

    ``hints`` are two or three levels: what to think about, which formula or numpy
    function, almost the code. Registering the same name again replaces the record
    (a module reloaded in a notebook). ``checker_args``: what the checker takes to judge
    the reference, when that is not the solution itself (e.g. ``(forward, backward)``).
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"register(): name must be an identifier-like string; got {name!r}")
    hints = tuple(hints)
    if not 2 <= len(hints) <= 3 or not all(isinstance(h, str) and h.strip() for h in hints):
        raise ValueError(f"register(): {name!r} needs two or three non-empty hints")
    choice(kind, "kind", ["exercise", "question"], where="register()")
    record = Exercise(name, kind, checker, solution, hints, explanation, checker_args)
    _REGISTRY[name] = record
    return record


def _load_all() -> None:
    import course_lib.exercises as package

    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_") and info.name not in {"core", "help"}:
            importlib.import_module(f"{package.__name__}.{info.name}")


def names(kind: str | None = None) -> list[str]:
    """Every registered exercise and question name, sorted (``kind`` filters)."""
    _load_all()
    if kind is not None:
        choice(kind, "kind", ["exercise", "question"], where="names()")
    return sorted(n for n, e in _REGISTRY.items() if kind is None or e.kind == kind)


class _HelpError(Exception):
    """Internal: the clear message ``hint``/``solution`` print for a typo."""


def _lookup(name: Any, where: str) -> Exercise:
    """The record of ``name``, or a :class:`_HelpError` that suggests close names."""
    if not isinstance(name, str):
        raise _HelpError(f"{where}: the name must be a string such as 'relu_layer'; got "
                         f"{name!r}. names() lists every exercise and question.")
    if name not in _REGISTRY:
        _load_all()
    if name in _REGISTRY:
        return _REGISTRY[name]
    close = difflib.get_close_matches(name, sorted(_REGISTRY), n=3, cutoff=0.5)
    if not close:  # a part of a name: "sigmoid" finds "sigmoid_and_derivative"
        close = [n for n in sorted(_REGISTRY) if name.lower() in n][:3]
    suggestion = ("did you mean " + " or ".join(repr(c) for c in close) + "? "
                  if close else "")
    raise _HelpError(f"{where}: there is no exercise or question {name!r}; {suggestion}"
                     "names() lists them all.")


def _print_wrapped(text: str, indent: str = "    ") -> None:
    for paragraph in text.split("\n"):
        print(textwrap.fill(paragraph, _WIDTH, subsequent_indent=indent) if paragraph else "")


def _level(level: Any, record: Exercise) -> int:
    n = len(record.hints)
    levels = ", ".join(str(i) for i in range(1, n + 1))
    if isinstance(level, bool) or not isinstance(level, (int, np.integer)):
        raise _HelpError(f"hint(): the level must be a whole number ({levels}); got {level!r}. "
                         f"Try hint({record.name!r}, 1).")
    if not 1 <= level <= n:
        raise _HelpError(f"hint(): {record.name!r} has hint levels {levels}; got {int(level)}. "
                         f"Try hint({record.name!r}, {min(max(int(level), 1), n)}).")
    return int(level)


def hint(name: str, level: int = 1) -> None:
    """Print hint ``level`` (1 = what to think about ... last = almost the code) for ``name``.

    A name or level that does not exist prints what to type instead; it never raises.
    """
    try:
        record = _lookup(name, "hint()")
        level = _level(level, record)
    except _HelpError as error:
        _print_wrapped(str(error))
        return
    _HINTS_SEEN[name] = max(_HINTS_SEEN.get(name, 0), level)
    record_help(name, hint_level=level)
    _print_wrapped(f"{name}, hint {level} of {len(record.hints)}: {record.hints[level - 1]}")


def show_expected(show: bool = True) -> None:
    """Show (the default) or hide the expected values in the checkers' verdicts.

    Hidden, a wrong verdict still says which input failed and what your code returned,
    but not what it should have returned: for learners who want to find it themselves.
    """
    if not isinstance(show, bool):
        raise TypeError(f"show_expected(): show must be True or False; got {show!r}")
    FEEDBACK["show_expected"] = show


def solution(name: str) -> None:
    """Print the reference solution of ``name`` (its source code, or a question's answer).

    A name that does not exist prints close names instead; it never raises.
    """
    try:
        record = _lookup(name, "solution()")
    except _HelpError as error:
        _print_wrapped(str(error))
        return
    record_help(name, solution=True)
    if record.kind == "question":
        _print_wrapped(f"{name}: the answer. {_answer_text(record)}: {record.explanation}")
        return
    _print_wrapped(f"{name}: the reference solution (yours may differ and still be right).")
    print(textwrap.dedent(inspect.getsource(record.solution)).rstrip())


def _answer_text(record: Exercise) -> str:
    options = getattr(record.checker, "options", None)
    if options:
        return f"({record.solution}) {options[record.solution]}"
    return f"{record.solution:g}" if isinstance(record.solution, float) else str(record.solution)


def question(
    name: str,
    *,
    answer: Any,
    explanation: str,
    hints: Sequence[str],
    options: Mapping[str, str] | None = None,
    rtol: float | None = None,
) -> Callable[[Any], None]:
    """Register a predict-then-run question and return its checker ``check(answer)``.

    Multiple choice: ``options`` maps letters to texts and ``answer`` is the right letter
    (case and surrounding spaces are ignored). A number: ``answer`` is the value and the
    learner's number counts as right within ``rtol``. The checker prints one verdict line
    and never raises; before the learner answers (``None`` or ``...``) it says so.
    """
    if options is not None:
        options = dict(options)
        choice(answer, "answer", list(options), where=f"question({name!r})")
    elif rtol is None:
        raise ValueError(f"question({name!r}): a numeric question needs rtol")

    def check(learner_answer: Any = None) -> None:

        if options is not None and (learner_answer is None or learner_answer is Ellipsis):
            report(_options_verdict(name, options))
            return
        line = _question_verdict(name, learner_answer, answer, explanation, options, rtol)
        report(verdict_from_line(name, line))

    check.options = options  # type: ignore[attr-defined]
    check.__name__ = f"check_{name}"
    check.__doc__ = f"Check your prediction for the question {name!r}; print one line."
    register(name, checker=check, solution=answer, hints=hints, kind="question",
             explanation=explanation)
    return check


def _options_verdict(name: str, options: Mapping[str, str]) -> Any:
    """The verdict before a multiple-choice question is answered: the options, one per line.

    The registry is the one source of the options' text: the notebook shows them through
    this verdict, not in its own prose.
    """

    letters = ", ".join(f'"{k}"' for k in options)
    head = (f"{name}: not answered yet - put your prediction ({letters}) in the cell, then "
            "run it:")
    lines = textwrap.wrap(head, _WIDTH, subsequent_indent="    ")
    for key, text in options.items():
        lines += textwrap.wrap(f"({key}) {text}", _WIDTH, initial_indent="    ",
                               subsequent_indent="        ")
    finding = "put your prediction in the cell, then run it"
    return Verdict(name, NOT_IMPLEMENTED_STATUS, finding, None, "", "\n".join(lines))


def _question_verdict(
    name: str,
    given: Any,
    answer: Any,
    explanation: str,
    options: Mapping[str, str] | None,
    rtol: float | None,
) -> str:
    if given is None or given is Ellipsis:
        return f"{name}: not answered yet - put your prediction in the cell, then run it."
    if options is not None:
        letter = given.strip().lower() if isinstance(given, str) else None
        if letter not in options:
            known = ", ".join(repr(k) for k in options)
            return f"{name}: wrong - answer with one of the letters {known}; got {given!r}."
        if letter == answer:
            return f"{name}: correct - ({letter}) {options[letter]}: {explanation}"
        return f"{name}: wrong - you chose ({letter}) {options[letter]}. {stuck_text(name)}"
    try:
        value = float(given)
    except (TypeError, ValueError):
        return f"{name}: wrong - answer with a number; got {given!r}."
    if math.isfinite(value) and abs(value - answer) <= rtol * abs(answer):
        return f"{name}: correct - {answer:g}: {explanation}"
    return f"{name}: wrong - {value:g} is not within {rtol:.0%} of the answer. {stuck_text(name)}"
