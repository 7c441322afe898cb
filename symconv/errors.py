"""Errors a user can cause. The CLI turns each into a one-line message and exit code 2."""

from __future__ import annotations


class UsageError(ValueError):
    """Bad input: the message names the parameter (or position) and the violated condition."""
