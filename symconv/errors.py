"""Errors a user can cause, and the exit codes every command shares.

The CLI turns a :class:`UsageError` into a one-line message and exit 2. Verdict exit codes come
from :class:`symconv.prover.Status` (0 proved, 1 refuted, 3 unknown, 5 vacuous); verify-function
adds 4 (unsupported).
"""

from __future__ import annotations

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
