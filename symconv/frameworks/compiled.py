"""SymPy rule expressions compiled to plain-Python closures (exact integer semantics, no eval).

The same semantics as :func:`symconv.evaluate.evaluate` — floor division for ``floor``/``ceiling``
of a quotient, Python's ``%`` for ``Mod`` — but the tree is walked once, at compile time, so a
rule can be evaluated hundreds of thousands of times (conformance grids).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import reduce

import sympy as sp

from symconv.evaluate import COMPARE
from symconv.frameworks.base import Refused, Rule

Env = Mapping[str, int]
Fn = Callable[[Env], int]
Pred = Callable[[Env], bool]


def _quotient(arg: sp.Expr) -> tuple[Fn, Fn]:
    num, den = sp.fraction(sp.together(arg))
    return expr(num), expr(den)


def expr(e: sp.Basic) -> Fn:
    """A closure computing the integer value of ``e``."""
    if isinstance(e, sp.Symbol):
        name = e.name
        return lambda env: env[name]
    if isinstance(e, sp.Integer):
        value = int(e)
        return lambda env: value
    if isinstance(e, sp.Add):
        terms = [expr(x) for x in e.args]
        return lambda env: sum(t(env) for t in terms)
    if isinstance(e, sp.Mul):
        if any(isinstance(x, sp.Rational) and not x.is_Integer for x in e.args) or any(
            isinstance(x, sp.Pow) and x.exp.is_negative for x in e.args
        ):
            raise ValueError(f"non-integer arithmetic in {e}")
        factors = [expr(x) for x in e.args]
        return lambda env: reduce(lambda x, y: x * y, (f(env) for f in factors), 1)
    if isinstance(e, sp.Pow) and e.exp.is_Integer and int(e.exp) >= 0:
        base, power = expr(e.base), int(e.exp)
        return lambda env: base(env) ** power
    if isinstance(e, sp.floor):
        num, den = _quotient(e.args[0])
        return lambda env: num(env) // den(env)
    if isinstance(e, sp.ceiling):
        num, den = _quotient(e.args[0])
        return lambda env: -(-num(env) // den(env))
    if isinstance(e, sp.Mod):
        x, y = expr(e.args[0]), expr(e.args[1])
        return lambda env: x(env) % y(env)
    if isinstance(e, sp.Min | sp.Max):
        parts = [expr(x) for x in e.args]
        pick = min if isinstance(e, sp.Min) else max
        return lambda env: pick(f(env) for f in parts)
    if isinstance(e, sp.Piecewise):
        branches = [(expr(v), pred(c)) for v, c in e.args]

        def piecewise(env: Env) -> int:
            for value, cond in branches:
                if cond(env):
                    return value(env)
            raise ValueError(f"no branch of {e} applies")

        return piecewise
    raise ValueError(f"cannot compile {type(e).__name__}: {e}")




def pred(c: sp.Basic) -> Pred:
    """A closure computing the truth of ``c``."""
    if c is sp.true:
        return lambda env: True
    if c is sp.false:
        return lambda env: False
    if isinstance(c, sp.core.relational.Relational):
        op, lhs, rhs = COMPARE[type(c)], expr(c.lhs), expr(c.rhs)
        return lambda env: op(lhs(env), rhs(env))
    if isinstance(c, sp.And):
        parts = [pred(x) for x in c.args]
        return lambda env: all(q(env) for q in parts)
    if isinstance(c, sp.Or):
        parts = [pred(x) for x in c.args]
        return lambda env: any(q(env) for q in parts)
    if isinstance(c, sp.Not):
        inner = pred(c.args[0])
        return lambda env: not inner(env)
    raise ValueError(f"cannot compile {type(c).__name__}: {c}")


def verdict(rule: Rule) -> Callable[[Env], int | Refused]:
    """``rule.verdict`` as a compiled closure (the caller keeps ``env`` inside the domain)."""
    refusals = [(pred(r.when), Refused(r.message, r.text)) for r in rule.refusals]
    value = expr(rule.expr)

    def run(env: Env) -> int | Refused:
        for when, refused in refusals:
            if when(env):
                return refused
        return value(env)

    return run
