"""Shared helpers for the fuzz tests: an audit hook that records any execution of code compiled
from fuzzed text, and random expression trees rendered as text together with their value under
real Python semantics (computed by the tree, so no generated text is ever eval'd)."""

from __future__ import annotations

import ast
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

@dataclass
class _Watch:
    texts: tuple[str, ...]
    seen: list[str]
    suspicious: set[str]


_WATCH: list[_Watch] = []


def _from_fuzz(source: object, texts: tuple[str, ...]) -> bool:
    if isinstance(source, bytes):
        source = source.decode("utf-8", "replace")
    if not isinstance(source, str):
        return False
    return any(source == t or (len(t) >= 16 and t in source) for t in texts)


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _WATCH:
        return
    watch = _WATCH[-1]
    if event == "compile":
        source, filename = args[0], args[1]
        if isinstance(source, ast.AST):
            watch.seen.append("compile() of a syntax tree")
        elif _from_fuzz(source, watch.texts):
            # ast.parse compiles to a tree only; the name marks code made from fuzzed text
            watch.suspicious.add(str(filename))
    elif event == "exec":
        name = getattr(args[0], "co_filename", "")
        if name in watch.suspicious:
            watch.seen.append(f"exec of code compiled from fuzzed text ({name})")
    elif event in ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.fork"):
        watch.seen.append(f"{event}: {args[:1]!r}")


sys.addaudithook(_hook)


@contextmanager
def no_execution(*texts: str) -> Iterator[list[str]]:
    """Fails if, inside the block, code compiled from ``texts`` is executed, a syntax tree is
    compiled to code, or a process is started."""
    watch = _Watch(texts, [], set())
    _WATCH.append(watch)
    try:
        yield watch.seen
    finally:
        _WATCH.pop()
    assert not watch.seen, f"fuzzed input was executed: {watch.seen}"


@contextmanager
def within(seconds: float) -> Iterator[None]:
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    assert elapsed < seconds, f"took {elapsed:.2f} s (bound {seconds} s)"


# --- random integer expressions with their Python value --------------------------------------


@dataclass(frozen=True)
class Expr:
    text: str
    value: Callable[[dict[str, int]], int]  # raises ZeroDivisionError like Python


def _binary(op: str, fn: Callable[[int, int], int]) -> Callable[[Expr, Expr], Expr]:
    def build(x: Expr, y: Expr) -> Expr:
        return Expr(f"({x.text} {op} {y.text})", lambda env: fn(x.value(env), y.value(env)))
    return build


_OPS = [
    _binary("+", lambda x, y: x + y),
    _binary("-", lambda x, y: x - y),
    _binary("*", lambda x, y: x * y),
    _binary("//", lambda x, y: x // y),
    _binary("%", lambda x, y: x % y),
]


def _ifexp(c: Expr, x: Expr, y: Expr) -> Expr:
    return Expr(f"({x.text} if {c.text} > 0 else {y.text})",
                lambda env: x.value(env) if c.value(env) > 0 else y.value(env))


def _minmax(name: str, fn: Callable[..., int]) -> Callable[[Expr, Expr], Expr]:
    def build(x: Expr, y: Expr) -> Expr:
        return Expr(f"{name}({x.text}, {y.text})", lambda env: fn(x.value(env), y.value(env)))
    return build


def _leaf(names: tuple[str, ...]) -> st.SearchStrategy[Expr]:
    def var(n: str) -> Expr:
        return Expr(n, lambda env: env[n])

    def const(c: int) -> Expr:
        return Expr(f"({c})", lambda env: c)

    return st.one_of(st.sampled_from(names).map(var), st.integers(-9, 9).map(const))


def int_exprs(names: tuple[str, ...] = ("a", "b"), *, python: bool = True,
              max_leaves: int = 12) -> st.SearchStrategy[Expr]:
    """Integer expressions over ``names``; ``python=False`` keeps to the claim language
    (no conditional expressions)."""

    def extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        parts = [
            st.builds(lambda op, x, y: op(x, y), st.sampled_from(_OPS), children, children),
            st.builds(_minmax("min", min), children, children),
            st.builds(_minmax("max", max), children, children),
            children.map(lambda x: Expr(f"abs({x.text})", lambda env: abs(x.value(env)))),
            children.map(lambda x: Expr(f"(-{x.text})", lambda env: -x.value(env))),
        ]
        if python:
            parts.append(st.builds(_ifexp, children, children, children))
        return st.one_of(*parts)

    return st.recursive(_leaf(names), extend, max_leaves=max_leaves)


# --- random straight-line and branching programs (text only; the test runs its own copy) -----


def programs(max_stmts: int = 6) -> st.SearchStrategy[str]:
    """Bodies of ``def f(a, b)`` over locals x, y: assignments, augmented assignments, if/else,
    small for loops over range, raise ValueError; returns (x, y)."""
    exprs = int_exprs(("a", "b", "x", "y"), max_leaves=5).map(lambda e: e.text)
    names = st.sampled_from(["x", "y"])
    augops = st.sampled_from(["+=", "-=", "*=", "//=", "%="])

    def block(depth: int) -> st.SearchStrategy[list[str]]:
        simple = st.one_of(
            st.builds(lambda n, e: [f"{n} = {e}"], names, exprs),
            st.builds(lambda n, o, e: [f"{n} {o} {e}"], names, augops, exprs),
            st.builds(lambda e: [f"if {e} == 0:", "    raise ValueError('zero')"], exprs),
        )
        if depth == 0:
            return st.lists(simple, min_size=1, max_size=3).map(_flatten)
        inner = block(depth - 1)
        compound = st.one_of(
            st.builds(lambda e, t, f: [f"if {e} > 0:", *_indent(t), "else:", *_indent(f)],
                      exprs, inner, inner),
            st.builds(lambda c, t: [f"for j in range({c}):", *_indent(t)],
                      st.integers(0, 3), inner),
        )
        return st.lists(st.one_of(simple, compound), min_size=1, max_size=max_stmts).map(_flatten)

    return block(2).map(
        lambda lines: "def f(a, b):\n    x = 0\n    y = 0\n"
        + "".join(f"    {line}\n" for line in lines) + "    return x, y\n")


def _flatten(parts: list[list[str]]) -> list[str]:
    return [line for part in parts for line in part]


def _indent(lines: list[str]) -> list[str]:
    return [f"    {line}" for line in lines]
