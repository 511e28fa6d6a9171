"""Where the exercise registry, the hint levels a learner has seen and their progress are kept.

A module of its own so that :mod:`course_lib.exercises.help` (which fills the registry and
the hint levels), :mod:`course_lib.exercises._verdict` (whose wrong verdicts point to the
next hint, and which records every verdict) and :mod:`course_lib.progress` (which shows the
record) read them without importing each other.

The progress file
-----------------
Every verdict a checker prints, every hint and every solution asked for is recorded in one
small JSON file, so that :func:`course_lib.progress` can show a learner what they have
passed. Per exercise or question it keeps only: the status of the last check, how many
checks ran, the highest hint level seen, whether the solution was shown and the date of
the last check. No code, no answers, nothing else; the file is never sent anywhere.

* Where: ``$COURSE_PROGRESS_DIR/progress.json`` if that variable is set, else the per-user
  data folder: ``$XDG_DATA_HOME`` or ``~/.local/share`` (Linux),
  ``~/Library/Application Support`` (macOS), ``%APPDATA%`` (Windows), in a folder
  ``activation-functions-course``. Never inside the repository.
* ``COURSE_PROGRESS=off`` records nothing (the tests and the notebook refresh set it).
* Written atomically (a temporary file, then :func:`os.replace`), with a format version.
* A checker never fails because of the record: a file that cannot be read or written is
  reported once per session and then left alone (a corrupt file is moved aside first).
* A judgement made silently by :func:`course_lib.exercises.use` is not a check and is not
  recorded; nor is the verdict of a name that is not registered (an example).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: name -> the registered exercise or question (:class:`course_lib.exercises.help.Exercise`).
_REGISTRY: dict[str, Any] = {}
#: name -> the highest hint level the learner has asked for.
_HINTS_SEEN: dict[str, int] = {}

FORMAT = "activation-functions-course progress"
VERSION = 1
FILE_NAME = "progress.json"
APP_FOLDER = "activation-functions-course"
#: What a progress file records per name (and nothing else).
FIELDS = ("status", "checks", "hint_level", "solution_shown", "last_checked")
_PROBLEMS_SAID: set[str] = set()


def stuck_text(name: str) -> str:
    """The pointer a wrong verdict ends with: the next hint, or the solution after the last."""
    record = _REGISTRY.get(name)
    if record is None:
        return ""
    seen = _HINTS_SEEN.get(name, 0)
    if seen >= len(record.hints):
        return f"Stuck? solution('{name}')"
    return f"Stuck? hint('{name}', {seen + 1})"


class ProgressFileError(ValueError):
    """A file that is not a progress file this version of the course can read."""


class NewerFormatError(ProgressFileError):
    """A progress file written by a newer version of the course."""


def recording_enabled() -> bool:
    """False when the environment variable ``COURSE_PROGRESS`` is ``off`` (or 0/false/no)."""
    return os.environ.get("COURSE_PROGRESS", "").strip().lower() not in {"off", "0", "false",
                                                                          "no"}


def progress_file() -> Path:
    """The learner's progress file (see the module docstring for where and why)."""
    folder = os.environ.get("COURSE_PROGRESS_DIR", "").strip()
    if folder:
        return Path(folder).expanduser() / FILE_NAME
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / APP_FOLDER / FILE_NAME


def empty_progress() -> dict[str, Any]:
    """A progress record with nothing in it."""
    return {"format": FORMAT, "version": VERSION, "exercises": {}}


def load_progress(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check the progress file ``path``; raise :class:`ProgressFileError` (or
    :class:`FileNotFoundError`) with a clear message if it cannot be used."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no progress file at {path}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProgressFileError(f"{path} is not a progress file: it is not valid JSON "
                                f"({error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ProgressFileError(f"{path} is not a progress file of this course (expected a "
                                f"JSON object with \"format\": {FORMAT!r})")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProgressFileError(f"{path}: the format version must be a whole number; got "
                                f"{version!r}")
    if version > VERSION:
        raise NewerFormatError(f"{path} was written by a newer version of the course "
                                f"(format version {version}; this one reads {VERSION}). "
                                "Update the course to read it.")
    exercises = data.get("exercises")
    if not isinstance(exercises, dict) or not all(isinstance(v, dict)
                                                  for v in exercises.values()):
        raise ProgressFileError(f"{path}: \"exercises\" must map each name to its record")
    return data


def save_progress(path: str | os.PathLike[str], data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, then os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=1, sort_keys=True)
            stream.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _say_once(key: str, text: str) -> None:
    if key not in _PROBLEMS_SAID:
        _PROBLEMS_SAID.add(key)
        print(f"(Your progress is not recorded: {text} Your checks work as before.)",
              file=sys.stderr)


_SILENT_DEPTH = 0


@contextlib.contextmanager
def silent() -> Iterator[None]:
    """Within this block checks are not recorded (:func:`course_lib.exercises.use` judges a
    candidate again silently: that is not the learner's check)."""
    global _SILENT_DEPTH
    _SILENT_DEPTH += 1
    try:
        yield
    finally:
        _SILENT_DEPTH -= 1


def _update(name: str, change: Any) -> None:
    """Apply ``change(entry)`` to the record of ``name`` in the progress file; never raise."""
    try:
        if not recording_enabled() or name not in _REGISTRY or _SILENT_DEPTH:
            return
        path = progress_file()
        try:
            data = load_progress(path)
        except FileNotFoundError:
            data = empty_progress()
        except NewerFormatError as error:
            _say_once("newer", f"{error}")
            return
        except ProgressFileError as error:
            aside = path.with_name(f"progress.unreadable-{datetime.date.today()}.json")
            os.replace(path, aside)
            _say_once("corrupt", f"{error}. It was moved to {aside} and a new one started.")
            data = empty_progress()
        entry = data["exercises"].setdefault(name, {})
        change(entry)
        save_progress(path, data)
    except Exception as error:  # a checker must never fail because of its record
        _say_once("error", f"{type(error).__name__}: {error}.")


def count(entry: dict[str, Any], key: str) -> int:
    """A count from a record: a positive whole number, else 0 (a value edited by hand)."""
    value = entry.get(key, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def record_verdict(name: str, status: str) -> None:
    """Record that the checker of ``name`` printed a verdict with ``status``."""

    def change(entry: dict[str, Any]) -> None:
        entry["status"] = status
        entry["checks"] = count(entry, "checks") + 1
        entry["last_checked"] = datetime.date.today().isoformat()

    _update(name, change)


def record_help(name: str, *, hint_level: int = 0, solution: bool = False) -> None:
    """Record that the learner saw hint ``hint_level`` (or the solution) of ``name``."""

    def change(entry: dict[str, Any]) -> None:
        entry["hint_level"] = max(count(entry, "hint_level"), hint_level)
        entry["solution_shown"] = bool(entry.get("solution_shown", False) or solution)

    _update(name, change)
