"""Running the learner's code safely: warnings recorded, a time limit, the numeric state."""

from __future__ import annotations

import signal
import threading
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np


class TimeLimitExceeded(Exception):
    """Raised inside the learner's code when one call runs longer than the time limit."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise TimeLimitExceeded


class _time_limit:
    """Interrupt the block after ``seconds`` (main thread on Unix; elsewhere no limit)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.active = (
            hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        )

    def __enter__(self) -> None:
        if self.active:
            self.previous = signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc: Any) -> None:
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)


def _run_guarded(func: Callable, args: tuple, kwargs: Mapping[str, Any], limit: float):
    """Call ``func``; return ``(result, exception, first_warning)``.

    Warnings are recorded, whatever filters or ``np.seterr`` the notebook has set; a call
    that takes longer than ``limit`` seconds is stopped (``TimeLimitExceeded``).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            try:
                with _time_limit(limit):
                    result = func(*args, **kwargs)
            except Exception as exc:  # the learner's bug becomes a verdict
                return None, exc, (caught[0] if caught else None)
    return result, None, (caught[0] if caught else None)
