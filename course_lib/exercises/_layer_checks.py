"""Machinery of the batch-norm checkers: running a learner's layer as a check says, and
combining verdicts of several passes (float64 and float32 tolerances)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.exercises._inputs import Given, InputModifiedError, ResultError
from course_lib.exercises._verdict import (
    CORRECT_STATUS,
    Verdict,
    make_verdict,
    report,
    verdict_from_line,
)
from course_lib.exercises.core import format_value, judge


def _float_dtype(*arrays: np.ndarray) -> np.dtype:
    """float32 if every array is float32, else float64 (integers count as float64)."""
    dtypes = [a.dtype if a.dtype.kind == "f" else np.dtype(np.float64) for a in arrays]
    return np.result_type(*dtypes)


def _verdict(candidate: Any, reference: Callable[..., Any], cases: tuple, *, title: str,
             rtol: float, atol: float, rtol32: float = 1e-5,
             output_names: tuple[str, ...] = (), diagnoses: tuple = ()) -> Verdict:
    """The checker's :class:`Verdict` for one pass (not printed)."""
    return judge(candidate, reference, cases, title=title, rtol=rtol, atol=atol,
                 rtol32=rtol32, output_names=output_names or None, diagnoses=diagnoses)


def _print_verdict(title: str, verdict: Verdict | str) -> None:
    """Record and print a verdict (a line of text is read as one, see verdict_from_line)."""
    report(verdict if isinstance(verdict, Verdict) else verdict_from_line(title, verdict))


def _join_passes(name: str, passes: list[Callable[[], Verdict]]) -> Verdict:
    """Run checker passes in order; the first verdict that is not "correct" is the verdict,
    otherwise one "correct" verdict counting every check."""
    total = 0
    for run in passes:
        verdict = run()
        if verdict.status != CORRECT_STATUS:
            return verdict
        words = verdict.finding.split()
        total += 1 if "the 1 check passed." in verdict.finding else int(
            words[words.index("all") + 1])
    return make_verdict(name, CORRECT_STATUS, f"all {total} checks passed.")


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
        raise ResultError("backward must return the tuple (dx, dgamma, dbeta); it returned "
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
