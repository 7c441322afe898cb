"""Framework shape rules as data: per axis, an output expression, the configurations the framework
refuses (with its message), and where the rule came from.

A :class:`Rule` is total on its ``domain`` (the integer arguments the framework's API takes and
that symconv models: sizes ≥ 1, paddings ≥ 0, …): at every point of the domain it either refuses —
the first :class:`Refusal` whose condition holds, in the framework's order of checks — or returns
``expr``. Refusals are exactly the configurations the framework refuses; the conformance tests
hold every rule to the real framework over exhaustive grids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

import sympy as sp

from symconv.evaluate import evaluate
from symconv.symbols import a, d, i, k, o, p, s, symbol

p_begin = symbol("p_begin")
p_end = symbol("p_end")

K_EFF = d * (k - 1) + 1


class Op(Enum):
    CONV = "conv"
    CONV_TRANSPOSE = "conv_transpose"
    MAX_POOL = "max_pool"
    AVG_POOL = "avg_pool"


# The integer ranges a rule models, by parameter.
DOMAIN: Mapping[sp.Symbol, sp.Basic] = {
    i: sp.Ge(i, 1),
    k: sp.Ge(k, 1),
    s: sp.Ge(s, 1),
    d: sp.Ge(d, 1),
    p: sp.Ge(p, 0),
    p_begin: sp.Ge(p_begin, 0),
    p_end: sp.Ge(p_end, 0),
    a: sp.Ge(a, 0),
    o: sp.Ge(o, 1),
}

# Order in which parameters are listed, compared and minimised.
ORDER: tuple[sp.Symbol, ...] = (i, k, s, p, p_begin, p_end, d, a, o)


@dataclass(frozen=True, slots=True)
class Refusal:
    """The framework refuses where ``when`` holds; ``message`` is a distinctive part of its
    error (what the conformance tests look for), ``text`` the whole message shown to a user
    when the distinctive part is not a sentence (default: the message)."""

    when: sp.Basic
    message: str
    text: str = ""

    @property
    def shown(self) -> str:
        return self.text or self.message


@dataclass(frozen=True, slots=True)
class Refused:
    """A rule's verdict at a refused point."""

    message: str
    text: str = ""

    @property
    def shown(self) -> str:
        return self.text or self.message


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    framework: str
    op: Op
    title: str
    params: tuple[sp.Symbol, ...]
    expr: sp.Expr
    refusals: tuple[Refusal, ...]
    source: str
    padding: str = ""  # the framework's padding mode ("" for explicit integer padding)
    ceil_mode: bool = False
    extras: Mapping[str, sp.Expr] = field(default_factory=dict)  # e.g. the pads a mode computes
    note: str = ""

    @property
    def domain(self) -> tuple[sp.Basic, ...]:
        return tuple(DOMAIN[x] for x in self.params)

    @property
    def accepted(self) -> sp.Basic:
        """Where the framework answers (inside the domain)."""
        return sp.And(*(sp.Not(r.when) for r in self.refusals))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(x.name for x in self.params)

    def verdict(self, env: Mapping[str, int]) -> int | Refused:
        """Plain-Python value of the rule at ``env`` (every parameter bound, inside the domain)."""
        for name in self.names:
            if name not in env:
                raise ValueError(f"{self.id}: no value for {name}")
        for cond in self.domain:
            if not evaluate(cond, env):
                raise ValueError(f"{self.id}: outside the modelled domain: {cond} fails")
        for refusal in self.refusals:
            if evaluate(refusal.when, env):
                return Refused(refusal.message, refusal.text)
        value = evaluate(self.expr, env)
        if isinstance(value, bool):
            raise TypeError(f"{self.id}: expression is a truth value")
        return value

    def extra(self, name: str, env: Mapping[str, int]) -> int:
        value = evaluate(self.extras[name], env)
        if isinstance(value, bool):
            raise TypeError(f"{self.id}: {name} is a truth value")
        return value


def trunc_div(num: sp.Expr, den: sp.Expr) -> sp.Expr:
    """C/C++ integer ``num / den`` for ``den > 0``: rounds toward zero (not floor).

    Written without Piecewise (SymPy turns a Piecewise nested in a condition into ITE, which the
    translator does not take): ⌊max(n, 0)/s⌋ − ⌊max(−n, 0)/s⌋.
    """
    return sp.floor(sp.Max(num, 0) / den) - sp.floor(sp.Max(-num, 0) / den)


def ceil_div(num: sp.Expr, den: sp.Expr) -> sp.Expr:
    """⌈num/den⌉ for den ≥ 1, written ⌊(num + den − 1)/den⌋ (theorem ``ceil-div``): the form Z3
    reasons about well next to other floors of the same divisor."""
    return sp.floor((num + den - 1) / den)


def ordered(params: Sequence[sp.Symbol]) -> tuple[sp.Symbol, ...]:
    return tuple(x for x in ORDER if x in params)


def rule(
    rid: str,
    op: Op,
    title: str,
    params: Sequence[sp.Symbol],
    expr: sp.Expr,
    refusals: Sequence[tuple[sp.Basic, str] | tuple[sp.Basic, str, str]],
    source: str,
    **kw: object,
) -> Rule:
    framework = rid.split(".", 1)[0]
    return Rule(
        rid, framework, op, title, ordered(params), expr,
        tuple(Refusal(*r) for r in refusals), source, **kw,  # type: ignore[arg-type]
    )


def drop_last_window(out: sp.Expr, start_limit: sp.Expr) -> sp.Expr:
    """``out − 1`` if the last of ``out`` windows (stride s) would start at or past
    ``start_limit``, else ``out`` — Pool.h's "ensure that the last pooling starts inside the
    image". Written min(out, max(out − 1, ⌊(start_limit − 1)/s⌋ + 1)) rather than as a
    Piecewise (theorem ``drop-last-window``), so every printer and the translator take it."""
    return sp.Min(out, sp.Max(out - 1, sp.floor((start_limit - 1) / s) + 1))


def drop_last_window_literal(out: sp.Expr, start_limit: sp.Expr) -> sp.Expr:
    """The source's own form: ``if ((out − 1)·s ≥ start_limit) --out``."""
    return sp.Piecewise((out - 1, sp.Ge((out - 1) * s, start_limit)), (out, True))
