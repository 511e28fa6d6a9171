"""Machinery of the batch-norm checkers: running a learner's layer as a check says, and
combining verdicts of several passes (float64 and float32 tolerances)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.exercises._inputs import Given, InputModifiedError
from course_lib.exercises.core import CORRECT, WRONG, _verdict_line, format_value, layout
from course_lib.exercises.help import stuck_text


def _float_dtype(*arrays: np.ndarray) -> np.dtype:
    """float32 if every array is float32, else float64 (integers count as float64)."""
    dtypes = [a.dtype if a.dtype.kind == "f" else np.dtype(np.float64) for a in arrays]
    return np.result_type(*dtypes)


def _verdict(candidate: Any, reference: Callable[..., Any], cases: tuple, *, title: str,
             rtol: float, atol: float, rtol32: float = 1e-5,
             output_names: tuple[str, ...] = (), first_input: str = "x") -> str:
    """The checker's verdict as one uncut line, its most useful part first.

    A result here is a tuple of arrays; a verdict that quotes all of them before naming
    the item that is wrong (or the exception raised) would lose that name when it is
    laid out in a few lines. So the item's name and its first difference come first, and
    the quoted arrays last. ``first_input`` names the first argument, where a difference is
    located by its value.
    """
    try:
        line = _verdict_line(candidate, reference, cases, title, rtol, atol, rtol32,
                             output_names or None)
    except Exception as exc:  # a bug in a checker must not break the notebook
        return (f"{title}: {WRONG} - the checker itself failed ({type(exc).__name__}: "
                f"{exc}); please report this.")
    line = re.sub(r": expected .*?, but your code (raised|warned) ", r": your code \1 ", line,
                  count=1)
    line = line.replace("(first difference at x=", f"(first difference where {first_input}=")
    names = "|".join(re.escape(name) for name in output_names)
    if names:
        line = re.sub(
            rf": expected (?P<e>.*), got (?P<g>.*) in (?P<name>{names}) "
            r"\(first difference (?P<at>.*?)\)\. Hint: ",
            r": \g<name> is wrong (first difference \g<at>); all of \g<name>: expected "
            r"\g<e>, got \g<g>. Hint: ",
            line, count=1)
    return line


def _print_verdict(title: str, line: str) -> None:
    if line.startswith(f"{title}: {WRONG}") and stuck_text(title):
        line = f"{line} {stuck_text(title)}"
    print(layout(line))


def _join_passes(name: str, passes: list[Callable[[], str]]) -> str:
    """Run checker passes in order; the first verdict that is not "correct" is the verdict,
    otherwise one "correct" line counting every check."""
    total = 0
    for run in passes:
        verdict = run()
        if not verdict.startswith(f"{name}: {CORRECT}"):
            return verdict
        words = verdict.split()
        total += 1 if "the 1 check passed." in verdict else int(words[words.index("all") + 1])
    return f"{name}: {CORRECT} - all {total} checks passed."



_LAYER_OUTPUTS = ("out", "dx", "dgamma", "dbeta", "running_mean", "running_var")


class _Mode:
    """How a check uses the layer: the mode and calls, and running statistics if given."""

    __slots__ = ("running_mean", "running_var", "usage")

    def __init__(self, usage: str, running_mean: ArrayLike | None = None,
                 running_var: ArrayLike | None = None) -> None:
        self.usage = usage
        self.running_mean = None if running_mean is None else np.asarray(running_mean)
        self.running_var = None if running_var is None else np.asarray(running_var)

    def __repr__(self) -> str:
        if self.running_mean is None:
            return self.usage
        return (f"{self.usage} with running_mean={format_value(self.running_mean, 4, 4)}, "
                f"running_var={format_value(self.running_var, 4, 4)}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Mode) and repr(self) == repr(other)

    __hash__ = None  # type: ignore[assignment]


def _unchanged(name: str, before: np.ndarray, after: np.ndarray, where: str) -> None:
    if not (before.shape == after.shape and np.array_equal(before, after, equal_nan=True)):
        raise InputModifiedError(
            f"your {where} changed its input {name} in place; build new arrays instead "
            "(callers reuse theirs)")


def _backward(layer: Any, dout: np.ndarray) -> tuple:
    dout_before = dout.copy()
    grads = layer.backward(dout)
    _unchanged("dout", dout_before, dout, "backward")
    if not (isinstance(grads, (tuple, list)) and len(grads) == 3):
        raise TypeError("backward must return the tuple (dx, dgamma, dbeta); it returned "
                        + format_value(grads))
    return tuple(grads)


def _forward(layer: Any, x: np.ndarray) -> Any:
    x_before = x.copy()
    out = layer.forward(x)
    _unchanged("x", x_before, x, "forward")
    return out


def _layer_runner(make_layer: Callable[..., Any]) -> Callable[..., tuple]:
    """A function of (x, dout, gamma, beta, mode) that builds a layer with ``make_layer``,
    uses it as ``mode`` says, and returns (out, dx, dgamma, dbeta, running_mean, running_var)."""

    def run(x: Given, dout: Given, gamma: np.ndarray, beta: np.ndarray, mode: _Mode) -> tuple:
        x_arr, dout_arr = x.array.copy(), dout.array.copy()
        dtype = _float_dtype(x_arr)
        layer = make_layer(x_arr.shape[1])
        layer.gamma, layer.beta = gamma.astype(dtype), beta.astype(dtype)
        for name in ("running_mean", "running_var"):  # given, or the layer's own, as dtype
            value = getattr(mode, name)
            value = getattr(layer, name, None) if value is None else value
            if value is not None:
                setattr(layer, name, np.asarray(value).astype(dtype))
        usage = mode.usage
        if usage == "training":
            out = _forward(layer, x_arr)
        elif usage == "evaluation":
            layer.eval()
            out = _forward(layer, x_arr)
        elif usage == "training on 3 batches, then evaluation":
            for batch in (2.0 * x_arr + 1.0, 0.5 * x_arr[::-1] - 1.0, x_arr.copy()):
                _forward(layer, batch.astype(dtype))
            layer.eval()
            out = _forward(layer, x_arr)
        elif usage == "training, forward on 2x+1, then on x":
            _forward(layer, (2.0 * x_arr + 1.0).astype(dtype))
            out = _forward(layer, x_arr)
        elif usage == "training, x changed by the caller after forward":
            out = layer.forward(x_arr)
            out = np.array(out, copy=True) if isinstance(out, np.ndarray) else out
            np.negative(x_arr, out=x_arr)  # the caller reuses its array, in place
        else:
            raise ValueError(f"unknown usage {usage!r}")
        dx, dgamma, dbeta = _backward(layer, dout_arr)
        return (out, dx, dgamma, dbeta, getattr(layer, "running_mean", None),
                getattr(layer, "running_var", None))

    return run
