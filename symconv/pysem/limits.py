"""What the translator refuses: constructs outside the subset, and resource bounds."""

from __future__ import annotations

import ast
from dataclasses import dataclass


class Unsupported(ValueError):
    """A construct outside the supported subset (the message names it and its line:col)."""

    def __init__(self, construct: str, line: int = 0, col: int = 0) -> None:
        self.construct = construct
        self.line = line
        self.col = col
        where = f"line {line}:{col}: " if line else ""
        super().__init__(f"{where}unsupported: {construct}")


class LimitExceeded(Unsupported):
    """A resource bound (size, nesting, paths, loop iterations, work, time) was exceeded."""


class FloatArithmetic(Unsupported):
    """Float arithmetic on a symbolic value: never proved, though the function can still be
    evaluated, with Python's float semantics, once every input is a constant."""


class InvalidSource(Unsupported):
    """The text is not Python at all (a syntax error, a NUL byte): bad input rather than a
    construct outside the subset. ``line:col`` is where Python's parser stopped."""

    def __init__(self, problem: str, line: int = 0, col: int = 0) -> None:
        super().__init__(problem, line, col)
        self.args = (f"line {line}:{col}: {problem}" if line else problem,)


@dataclass(frozen=True, slots=True)
class Limits:
    source_chars: int = 200_000
    ast_nodes: int = 20_000
    nesting: int = 60
    call_depth: int = 12
    loop_iterations: int = 256
    paths: int = 512
    steps: int = 200_000
    seconds: float = 10.0
    power: int = 64
    int_bits: int = 4096
    degree: int = 64  # polynomial degree of any integer term (x = x * x doubles it)
    tuple_length: int = 256


DEFAULT_LIMITS = Limits()


def pos(node: ast.AST) -> tuple[int, int]:
    """``(line, column)`` of ``node``, the column counted from 1."""
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0) + 1
