"""Plain-Python evaluation of the SymPy expressions symconv uses, with exact integer semantics.

This is the independent check of everything the solver says: a counterexample is re-evaluated
here, with Python ints and Python's floor division, never with Z3's model evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import reduce

import sympy as sp

from symconv.walk import Walker, WalkError, exponent, is_division, quotient


class EvaluationError(WalkError):
    """The expression is undefined at the point (division by zero) or uses an unknown node."""


Value = int | bool
Env = Mapping[str, int]


def _floordiv(num: int, den: int) -> int:
    if den == 0:
        raise EvaluationError("division by zero")
    return num // den


COMPARE: dict[type[sp.Basic], Callable[[int, int], bool]] = {
    sp.Eq: lambda x, y: x == y,
    sp.Ne: lambda x, y: x != y,
    sp.Lt: lambda x, y: x < y,
    sp.Le: lambda x, y: x <= y,
    sp.Gt: lambda x, y: x > y,
    sp.Ge: lambda x, y: x >= y,
}


class _Evaluator(Walker[Value]):
    error = EvaluationError
    refusal = "cannot evaluate {kind}: {node}"

    def int_(self, expr: sp.Basic, env: Env) -> int:
        value = self.walk(expr, env)
        if isinstance(value, bool):
            raise EvaluationError(f"expected an integer, got a truth value in {expr}")
        return value

    def bool_(self, expr: sp.Basic, env: Env) -> bool:
        value = self.walk(expr, env)
        if not isinstance(value, bool):
            raise EvaluationError(f"expected a truth value, got an integer in {expr}")
        return value

    def visit_Symbol(self, expr: sp.Symbol, env: Env) -> Value:
        try:
            return int(env[expr.name])
        except KeyError:
            raise EvaluationError(f"no value for {expr.name}") from None

    def visit_Integer(self, expr: sp.Integer, env: Env) -> Value:
        return int(expr)

    def visit_BooleanTrue(self, expr: sp.Basic, env: Env) -> Value:
        return True

    def visit_BooleanFalse(self, expr: sp.Basic, env: Env) -> Value:
        return False

    def visit_Add(self, expr: sp.Add, env: Env) -> Value:
        return sum((self.int_(x, env) for x in expr.args), 0)

    def visit_Mul(self, expr: sp.Mul, env: Env) -> Value:
        if is_division(expr):
            raise EvaluationError(f"non-integer arithmetic in {expr}")
        return reduce(lambda x, y: x * y, (self.int_(x, env) for x in expr.args), 1)

    def visit_Pow(self, expr: sp.Pow, env: Env) -> Value:
        exp = exponent(expr)
        if exp is None:
            raise EvaluationError(f"non-integer power {expr}")
        return int(self.int_(expr.base, env) ** exp)

    def visit_floor(self, expr: sp.floor, env: Env) -> Value:
        num, den = quotient(expr.args[0])
        return _floordiv(self.int_(num, env), self.int_(den, env))

    def visit_ceiling(self, expr: sp.ceiling, env: Env) -> Value:
        num, den = quotient(expr.args[0])
        return -_floordiv(-self.int_(num, env), self.int_(den, env))

    def visit_FloorDiv(self, expr: sp.Basic, env: Env) -> Value:
        x, y = (self.int_(t, env) for t in expr.args)
        return _floordiv(x, y)

    def visit_Mod(self, expr: sp.Basic, env: Env) -> Value:
        x, y = (self.int_(t, env) for t in expr.args)
        return x - y * _floordiv(x, y)

    visit_FloorMod = visit_Mod

    def visit_Min(self, expr: sp.Min, env: Env) -> Value:
        return min(self.int_(x, env) for x in expr.args)

    def visit_Max(self, expr: sp.Max, env: Env) -> Value:
        return max(self.int_(x, env) for x in expr.args)

    def visit_Abs(self, expr: sp.Abs, env: Env) -> Value:
        return abs(self.int_(expr.args[0], env))

    def visit_Piecewise(self, expr: sp.Piecewise, env: Env) -> Value:
        for value, cond in expr.args:
            if self.bool_(cond, env):
                return self.walk(value, env)
        raise EvaluationError(f"no branch of {expr} applies")

    def visit_Relational(self, expr: sp.Basic, env: Env) -> Value:
        op = COMPARE.get(type(expr))
        if op is None:
            raise EvaluationError(f"cannot evaluate {type(expr).__name__}: {expr}")
        lhs, rhs = expr.args
        return op(self.int_(lhs, env), self.int_(rhs, env))

    def visit_And(self, expr: sp.And, env: Env) -> Value:
        return all(self.bool_(x, env) for x in expr.args)

    def visit_Or(self, expr: sp.Or, env: Env) -> Value:
        return any(self.bool_(x, env) for x in expr.args)

    def visit_Not(self, expr: sp.Not, env: Env) -> Value:
        return not self.bool_(expr.args[0], env)

    def visit_Implies(self, expr: sp.Implies, env: Env) -> Value:
        return (not self.bool_(expr.args[0], env)) or self.bool_(expr.args[1], env)


_EVALUATOR = _Evaluator()


def evaluate(expr: sp.Basic, env: Env) -> Value:
    """Value of ``expr`` with each free symbol ``x`` bound to ``env[x.name]``."""
    return _EVALUATOR.walk(expr, env)
