"""Case tables for the generated Rust: each function's inputs (every boundary value of every
parameter, pairs of them, small grids and random values up to 2**63) with the answer of the
generated Python helper, in the line format of ``generated/rust/tests/agree.rs``."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator, Sequence
from functools import cache

from symconv.codegen import rust as rgen
from symconv.frameworks import compiled

MIN, MAX = -(2**63), 2**63 - 1
BOUNDARY = (MIN, MIN + 1, -2, -1, 0, 1, 2, 3, 2**31, 2**32, 2**62, MAX // 2, MAX // 2 + 1,
            MAX - 1, MAX)
# a valid point of every parameter name the specs use (networks: their axes, lower case)
BASE = {"i": 9, "o": 3, "k": 3, "s": 2, "p": 1, "d": 1, "a": 1, "p_begin": 1, "p_end": 0}


def inputs(params: Sequence[str], rng: random.Random, n_random: int = 60
           ) -> Iterator[tuple[int, ...]]:
    base = tuple(BASE.get(p, 64) for p in params)
    yield base
    for j in range(len(params)):  # every boundary value of every parameter, others valid
        for v in BOUNDARY:
            yield (*base[:j], v, *base[j + 1:])
    for _ in range(n_random):  # boundary values together
        yield tuple(rng.choice(BOUNDARY) for _ in params)
    for _ in range(n_random):  # small values: the refusals' edges
        yield tuple(rng.randint(-1, 6) for _ in params)
    for _ in range(n_random):  # up to 2**63, uniform and log-uniform
        yield tuple(rng.randint(0, MAX) for _ in params)
        yield tuple(rng.randint(MIN, MAX) for _ in params)
        yield tuple(rng.randint(0, 2 ** rng.randint(0, 63) - 1) for _ in params)


@cache
def _first_violated(f: rgen.RustFunction) -> Callable[[dict[str, int]], str]:
    checks = [(compiled.pred(c), v) for c, v in f.checks]

    def first(env: dict[str, int]) -> str:
        return next(v for p, v in checks if not p(env))

    return first


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[a-z_0-9]+\}", template)
    return re.compile(".*".join(re.escape(p) for p in parts), re.S)


def python_answer(f: rgen.RustFunction, helper: Callable[..., object], args: tuple[int, ...]
                  ) -> str:
    """The Python helper's answer as a table line's tail: ``ok …`` (``err Overflow`` when a
    result leaves i64) or ``err <variant>``. A parameter refusal maps to the first violated
    parameter in the Rust order; a requirement's message to that requirement's variant."""
    env = dict(zip(f.params, args, strict=True))
    try:
        value = helper(**env)
    except ValueError as exc:
        text = str(exc)
        if any(text.startswith(f"{p.name} must be") for p in f.spec.params):
            return f"err {_first_violated(f)(env)}"
        for req, variant in zip(f.spec.requires, f.require_variants, strict=True):
            if _pattern(req.message).fullmatch(text):
                return f"err {variant}"
        raise AssertionError(f"{f.name}{args}: unexpected message {text!r}") from exc
    if isinstance(value, range):  # input_size_range: range(lo, hi + 1)
        value = (value.start, value.stop - 1)
    values = value if isinstance(value, tuple) else (value,)
    if not all(isinstance(v, int) and MIN <= v <= MAX for v in values):
        return "err Overflow"
    return "ok" + "".join(f" {v}" for v in values)


def table(functions: Sequence[tuple[str, rgen.RustFunction, Callable[..., object]]],
          seed: int = 19, n_random: int = 60) -> list[str]:
    """One line per case: ``<key> <args> <answer>``."""
    rng = random.Random(seed)
    lines = []
    for key, f, helper in functions:
        for args in dict.fromkeys(inputs(f.params, rng, n_random)):
            lines.append(f"{key} {' '.join(map(str, args))} {python_answer(f, helper, args)}")
    return lines
