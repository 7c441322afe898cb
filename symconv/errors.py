"""Errors a user can cause, and the exit codes every command shares.

The CLI turns a :class:`UsageError` into a one-line message and exit 2. Verdict exit codes come
from :class:`symconv.prover.Status` (0 proved, 1 refuted, 3 unknown, 5 vacuous); verify-function
adds 4 (unsupported).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

EXIT_OK = 0
EXIT_REFUTED = 1  # also: a negative answer (no solution, files out of date, lines in error)
EXIT_BAD_INPUT = 2
EXIT_UNKNOWN = 3
EXIT_UNSUPPORTED = 4
EXIT_VACUOUS = 5
EXIT_INTERNAL = 70  # a bug in symconv (sysexits' EX_SOFTWARE), never the user's input
EXIT_INTERRUPTED = 130


class UsageError(ValueError):
    """Bad input: the message names the parameter (or position) and the violated condition."""


class UsageTypeError(UsageError, TypeError):
    """Bad input of the wrong type (a bool or a float for a size): a UsageError that code
    written against the generated helpers' ``except TypeError`` still catches."""


MAX_TIMEOUT = 86_400  # seconds: a day; every command's and every API function's timeout


def timeout_seconds(value: object, option: str = "--timeout") -> float:
    """A solver timeout in seconds, one domain for every command and the API: a number in
    (0, 86400]. NaN, infinities and bools are refused (``not 0 < nan`` catches NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            0 < value <= MAX_TIMEOUT):
        raise UsageError(f"{option} must be a number of seconds in (0, {MAX_TIMEOUT}], got "
                         f"{value!r}")
    return float(value)


def path_kind(path: Path, what: str) -> str:
    """``"file"``, ``"dir"``, ``"other"`` or ``"missing"`` for a path the user gave. One the system
    cannot even look up (a name too long, a loop of links, a parent it may not search) is a
    UsageError naming ``what``: ``Path.exists`` and ``is_file`` raise there instead of answering."""
    import stat

    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except OSError as exc:
        raise UsageError(f"{what}: cannot look up {str(path)!r}: {exc.strerror or exc}") from None
    return "file" if stat.S_ISREG(mode) else "dir" if stat.S_ISDIR(mode) else "other"


MAX_INPUT_BYTES = 64 << 20  # a spec file or a guide: far above any real one


def read_input_file(path: Path, label: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file the user named, at most ``limit`` of them. Anything else is a
    UsageError, ``{label}: cannot read: {why}``: a missing file, a directory, a FIFO or a device
    (whose read would block or never end), a path the system cannot look up, a file too large."""
    kind = path_kind(path, label)
    if kind != "file":
        why = {"missing": "no such file", "dir": "is a directory"}.get(kind, "not a regular file")
        raise UsageError(f"{label}: cannot read: {why}")
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"{label}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise UsageError(f"{label}: cannot read: over {limit} bytes")
    return data
