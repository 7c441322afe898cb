"""SymPy rule expressions compiled to plain-Python closures (exact integer semantics, no eval).

The same semantics as :func:`symconv.evaluate.evaluate`, and the same errors
(:class:`~symconv.evaluate.EvaluationError` for a node it cannot compile, a division by zero, a
Piecewise with no branch that applies), but the tree is walked once, at compile time, so a rule
can be evaluated hundreds of thousands of times (conformance grids).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import reduce

import sympy as sp

from symconv.evaluate import COMPARE, EvaluationError
from symconv.frameworks.base import Refused, Rule
from symconv.walk import Walker, exponent, is_condition, is_division, quotient

Env = Mapping[str, int]
Fn = Callable[[Env], int]
Pred = Callable[[Env], bool]
_Closure = Callable[[Env], int | bool]


def _floordiv(num: int, den: int) -> int:
    if den == 0:
        raise EvaluationError("division by zero")
    return num // den


class _Compiler(Walker[_Closure]):
    error = EvaluationError
    refusal = "cannot compile {kind}: {node}"

    def int_(self, e: sp.Basic) -> Fn:
        if is_condition(e):
            raise EvaluationError(f"expected an integer, got a truth value in {e}")
        return self.walk(e)

    def bool_(self, c: sp.Basic) -> Pred:
        if not is_condition(c):
            raise EvaluationError(f"expected a truth value, got an integer in {c}")
        return self.walk(c)  # type: ignore[return-value]

    def visit_Symbol(self, e: sp.Symbol) -> _Closure:
        name = e.name

        def symbol(env: Env) -> int:
            try:
                return env[name]
            except KeyError:
                raise EvaluationError(f"no value for {name}") from None

        return symbol

    def visit_Integer(self, e: sp.Integer) -> _Closure:
        value = int(e)
        return lambda env: value

    def visit_BooleanTrue(self, e: sp.Basic) -> _Closure:
        return lambda env: True

    def visit_BooleanFalse(self, e: sp.Basic) -> _Closure:
        return lambda env: False

    def visit_Add(self, e: sp.Add) -> _Closure:
        terms = [self.int_(x) for x in e.args]
        return lambda env: sum(t(env) for t in terms)

    def visit_Mul(self, e: sp.Mul) -> _Closure:
        if is_division(e):
            raise EvaluationError(f"non-integer arithmetic in {e}")
        factors = [self.int_(x) for x in e.args]
        return lambda env: reduce(lambda x, y: x * y, (f(env) for f in factors), 1)

    def visit_Pow(self, e: sp.Pow) -> _Closure:
        power = exponent(e)
        if power is None:
            raise EvaluationError(f"non-integer power {e}")
        base = self.int_(e.base)
        return lambda env: base(env) ** power

    def visit_floor(self, e: sp.floor) -> _Closure:
        num, den = (self.int_(x) for x in quotient(e.args[0]))
        return lambda env: _floordiv(num(env), den(env))

    def visit_ceiling(self, e: sp.ceiling) -> _Closure:
        num, den = (self.int_(x) for x in quotient(e.args[0]))
        return lambda env: -_floordiv(-num(env), den(env))

    def visit_FloorDiv(self, e: sp.Basic) -> _Closure:
        x, y = (self.int_(t) for t in e.args)
        return lambda env: _floordiv(x(env), y(env))

    def visit_Mod(self, e: sp.Basic) -> _Closure:
        x, y = (self.int_(t) for t in e.args)

        def mod(env: Env) -> int:
            num, den = x(env), y(env)
            return num - den * _floordiv(num, den)

        return mod

    visit_FloorMod = visit_Mod

    def visit_Min(self, e: sp.Min) -> _Closure:
        parts = [self.int_(x) for x in e.args]
        return lambda env: min(f(env) for f in parts)

    def visit_Max(self, e: sp.Max) -> _Closure:
        parts = [self.int_(x) for x in e.args]
        return lambda env: max(f(env) for f in parts)

    def visit_Abs(self, e: sp.Abs) -> _Closure:
        inner = self.int_(e.args[0])
        return lambda env: abs(inner(env))

    def visit_Piecewise(self, e: sp.Piecewise) -> _Closure:
        branches = [(self.walk(v), self.bool_(c)) for v, c in e.args]

        def piecewise(env: Env) -> int | bool:
            for value, cond in branches:
                if cond(env):
                    return value(env)
            raise EvaluationError(f"no branch of {e} applies")

        return piecewise

    def visit_Relational(self, c: sp.Basic) -> _Closure:
        op = COMPARE.get(type(c))
        if op is None:
            raise EvaluationError(f"cannot compile {type(c).__name__}: {c}")
        lhs, rhs = self.int_(c.lhs), self.int_(c.rhs)
        return lambda env: op(lhs(env), rhs(env))

    def visit_And(self, c: sp.And) -> _Closure:
        parts = [self.bool_(x) for x in c.args]
        return lambda env: all(q(env) for q in parts)

    def visit_Or(self, c: sp.Or) -> _Closure:
        parts = [self.bool_(x) for x in c.args]
        return lambda env: any(q(env) for q in parts)

    def visit_Not(self, c: sp.Not) -> _Closure:
        inner = self.bool_(c.args[0])
        return lambda env: not inner(env)

    def visit_Implies(self, c: sp.Implies) -> _Closure:
        hyp, goal = self.bool_(c.args[0]), self.bool_(c.args[1])
        return lambda env: (not hyp(env)) or goal(env)


_COMPILER = _Compiler()


def expr(e: sp.Basic) -> Fn:
    """A closure computing the integer value of ``e``."""
    return _COMPILER.int_(e)


def pred(c: sp.Basic) -> Pred:
    """A closure computing the truth of ``c``."""
    return _COMPILER.bool_(c)


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
