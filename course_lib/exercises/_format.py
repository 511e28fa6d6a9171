"""How a checker words and lays out what it prints: values, calls, wrapped verdicts."""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

_MAX_SHOWN = 8  # arrays with more elements are summarised
LINE_WIDTH = 88  # verdict lines are wrapped at word boundaries below JupyterLab's width
MAX_LINES = 8

def format_value(value: Any, max_shown: int = _MAX_SHOWN, digits: int = 8) -> str:
    """A short, deterministic, single-line description of ``value``.

    Floats use ``digits`` significant digits; arrays show their values (summarised when
    longer than ``max_shown``) and their dtype when it is not float64; no
    memory addresses, no ``np.float64(...)`` reprs.
    """
    if isinstance(value, np.ndarray) and (value.ndim > 2 or value.size > 8 * max_shown):
        return _summary(value, digits)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc":
            fmt = {
                "float_kind": lambda v: _format_float(v, digits),
                "complex_kind": lambda v: f"{v:.{digits}g}",
            }
        else:
            fmt = None
        text = np.array2string(
            value,
            separator=", ",
            threshold=max_shown,
            edgeitems=3,
            max_line_width=10**6,
            formatter=fmt,
        )
        text = " ".join(text.split())
        suffix = [] if value.dtype == np.float64 else [str(value.dtype)]
        if value.ndim != 1 or value.size > max_shown:
            suffix.append(f"shape {value.shape}")
        return text + (f" ({', '.join(suffix)})" if suffix else "")
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        return _format_float(value, digits)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, tuple):
        inner = ", ".join(format_value(v, max_shown, digits) for v in value)
        return f"({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v, max_shown, digits) for v in value) + "]"
    if value is None:
        return "None"
    if callable(value):
        return f"a {type(value).__name__} named {getattr(value, '__name__', '?')!r}"
    text = repr(value)
    if " at 0x" in text or len(text) > 80:
        return f"a {type(value).__name__} object"
    return text


def _summary(value: np.ndarray, digits: int) -> str:
    """A large or many-dimensional array in a few words: shape, dtype, range of values.

    >>> _summary(np.arange(24.0).reshape(2, 3, 4), 8)
    'an array of shape (2, 3, 4), float64, values from 0.0 to 23.0'
    """
    text = f"an array of shape {value.shape}, {value.dtype}"
    if value.size and value.dtype.kind in "biuf":
        finite = value[np.isfinite(value)] if value.dtype.kind == "f" else value
        if finite.size:
            low, high = _format_float(finite.min(), digits), _format_float(finite.max(), digits)
            text += f", values from {low} to {high}"
        if finite.size < value.size:
            text += f", {value.size - finite.size} not finite"
    return text


def _format_float(v: Any, digits: int = 8) -> str:
    v = float(v)
    if v == 0.0:
        return "-0.0" if np.signbit(v) else "0.0"
    text = f"{v:.{digits}g}"
    if "e" not in text and "." not in text and "n" not in text:
        text += ".0"
    return text


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def layout(text: str, width: int = LINE_WIDTH, max_lines: int = MAX_LINES) -> str:
    """Lay a verdict out for a notebook: the verdict first, then short continuation lines.

    The text is folded to one line, then broken before "Hint:" and "Stuck?" and wrapped at
    word boundaries to ``width`` characters (a long line in JupyterLab breaks mid-word);
    continuation lines are indented. At most ``max_lines`` lines: the rest is cut.

    >>> print(layout("relu: wrong - expected 1.0, got 2.0. Hint: check the kink at 0."))
    relu: wrong - expected 1.0, got 2.0.
        Hint: check the kink at 0.
    """
    text = _one_line(text)
    for marker in (" Hint: ", " Stuck? "):
        text = text.replace(marker, "\n" + marker.strip() + " ")
    paragraphs = [
        textwrap.wrap(
            part, width, initial_indent="" if i == 0 else "    ", subsequent_indent="    ",
            break_long_words=True, break_on_hyphens=False,
        )
        for i, part in enumerate(text.split("\n"))
    ]
    # The verdict's details are cut first, so that the hint and the pointer to help stay.
    room = max(1, max_lines - sum(len(p) for p in paragraphs[1:]))
    if len(paragraphs[0]) > room:
        paragraphs[0] = [*paragraphs[0][: room - 1], "    ..."] if room > 1 else paragraphs[0][:1]
    lines = [line for p in paragraphs for line in p][:max_lines]
    return "\n".join(lines)


#: Learner-facing settings of the checkers (see :func:`course_lib.exercises.show_expected`).
FEEDBACK = {"show_expected": True}


def expected_text(value: Any) -> str:
    """The expected value for a verdict, or a placeholder when the learner hides it."""
    return format_value(value) if FEEDBACK["show_expected"] else "(hidden)"


def _expected_got(expected: Any, got: Any) -> str:
    """``expected X, got Y``, with all 17 digits when 8 do not show the difference."""
    e, g = format_value(expected), format_value(got)
    if e == g:
        e, g = format_value(expected, digits=17), format_value(got, digits=17)
    if not FEEDBACK["show_expected"]:
        return f"got {g}, which is not the expected value"
    return f"expected {e}, got {g}"


def _describe_call(reference: Callable, args: tuple, kwargs: Mapping[str, Any]) -> str:
    """``x=[...], negative_slope=2.0`` using the reference's parameter names; an array of
    more than 12 values by its shape, dtype and range."""
    try:
        bound = inspect.signature(reference).bind(*args, **kwargs)
        items = list(bound.arguments.items())
    except (TypeError, ValueError):
        items = [(f"arg{i}", a) for i, a in enumerate(args)] + list(kwargs.items())
    if not items:
        return "the call with no arguments"
    return ", ".join(f"{name}={_input_text(val)}" for name, val in items)


def _input_text(value: Any) -> str:
    """An input in a verdict: its values when small, else its shape, dtype and range."""
    if isinstance(value, np.ndarray) and value.size > 12:
        return _summary(value, 6)
    return format_value(value, max_shown=6, digits=6)
