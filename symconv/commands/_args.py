"""Argument conventions shared by the commands: lists of integers are written one way everywhere
(``--input 32 32``; ``--input 32,32`` is read the same), and options that do not apply to what
was asked are refused by name."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from symconv.errors import UsageError


def _ints(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        try:
            out.append(int(part.strip()))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"invalid int value: {part.strip()!r} (integers, one per axis: 32 32)"
            ) from None
    return out


class _IntList(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        setattr(namespace, self.dest, [x for part in values for x in part])


def int_list(parser: argparse.ArgumentParser | Any, *flags: str, help: str,
             **kw: Any) -> None:
    """An option taking one integer or one per axis: ``--input 32 32`` (or ``32,32``)."""
    kw.setdefault("metavar", "N")
    parser.add_argument(*flags, nargs="+", type=_ints, action=_IntList, help=help, **kw)


def add_json(parser: argparse.ArgumentParser | Any, what: str = "") -> None:
    parser.add_argument("--json", action="store_true",
                        help="machine-readable output: one JSON document on stdout (errors "
                        "too: {\"error\": ..., \"exit_code\": ...})" + (f"; {what}" if what
                                                                        else ""))


def refuse(args: argparse.Namespace, names: Sequence[str], why: str) -> None:
    """UsageError naming the first of ``names`` that was given (is not None / not False)."""
    for name in names:
        value = getattr(args, name, None)
        if value is not None and value is not False and value != []:
            raise UsageError(f"--{name.replace('_', '-')} does not apply: {why}")


MAX_CAPTION = 2000  # characters: a long caption is a paragraph, not a document


def tex_label(text: str, option: str = "--label") -> str:
    """A LaTeX ``\\label`` key the user chose: letters, digits and ``: . _ -`` (what every
    package that reads labels copes with; braces, backslashes or ``#`` would be TeX code)."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9:._-]{1,200}", text):
        raise UsageError(f"{option} must be 1 to 200 letters, digits and ': . _ -', got "
                         f"{text[:80]!r}")
    return text


def tex_caption(text: str, option: str = "--caption") -> str:
    """A caption the user chose, as LaTeX text: every character typesets as itself (no TeX
    code gets through: ``\\input``, braces and ``%`` are escaped)."""
    from symconv.texescape import tex_text

    if not text.strip():
        raise UsageError(f"{option} is empty")
    if len(text) > MAX_CAPTION:
        raise UsageError(f"{option} must be at most {MAX_CAPTION} characters, got {len(text)}")
    return tex_text(text)
