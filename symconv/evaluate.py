"""Plain-Python evaluation of the SymPy expressions symconv uses, with exact integer semantics.

This is the independent check of everything the solver says: a counterexample is re-evaluated
here, with Python ints and Python's floor division, never with Z3's model evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import reduce

import sympy as sp

from symconv.intfuncs import FloorDiv, FloorMod


class EvaluationError(ValueError):
    """The expression is undefined at the point (division by zero) or uses an unknown node."""


Value = int | bool


def _floordiv(num: int, den: int) -> int:
    if den == 0:
        raise EvaluationError("division by zero")
    return num // den


def _quotient(arg: sp.Expr, env: Mapping[str, int]) -> tuple[int, int]:
    num, den = sp.fraction(sp.together(arg))
    return _int(num, env), _int(den, env)


def _int(expr: sp.Basic, env: Mapping[str, int]) -> int:
    value = evaluate(expr, env)
    if isinstance(value, bool):
        raise EvaluationError(f"expected an integer, got a truth value in {expr}")
    return value


def _bool(expr: sp.Basic, env: Mapping[str, int]) -> bool:
    value = evaluate(expr, env)
    if not isinstance(value, bool):
        raise EvaluationError(f"expected a truth value, got an integer in {expr}")
    return value


def _pow(expr: sp.Pow, env: Mapping[str, int]) -> int:
    base, exp = expr.args
    if not (exp.is_Integer and int(exp) >= 0):
        raise EvaluationError(f"non-integer power {expr}")
    return int(_int(base, env) ** int(exp))


def _piecewise(expr: sp.Piecewise, env: Mapping[str, int]) -> Value:
    for value, cond in expr.args:
        if _bool(cond, env):
            return evaluate(value, env)
    raise EvaluationError(f"no branch of {expr} applies")


COMPARE: dict[type[sp.Basic], Callable[[int, int], bool]] = {
    sp.Eq: lambda x, y: x == y,
    sp.Ne: lambda x, y: x != y,
    sp.Lt: lambda x, y: x < y,
    sp.Le: lambda x, y: x <= y,
    sp.Gt: lambda x, y: x > y,
    sp.Ge: lambda x, y: x >= y,
}


def evaluate(expr: sp.Basic, env: Mapping[str, int]) -> Value:
    """Value of ``expr`` with each free symbol ``x`` bound to ``env[x.name]``."""
    if isinstance(expr, sp.Symbol):
        try:
            return int(env[expr.name])
        except KeyError:
            raise EvaluationError(f"no value for {expr.name}") from None
    if isinstance(expr, sp.Integer):
        return int(expr)
    if expr is sp.true:
        return True
    if expr is sp.false:
        return False
    if isinstance(expr, sp.Add):
        return sum((_int(x, env) for x in expr.args), 0)
    if isinstance(expr, sp.Mul):
        if any(isinstance(x, sp.Rational) and not x.is_Integer for x in expr.args) or any(
            isinstance(x, sp.Pow) and x.exp.is_negative for x in expr.args
        ):
            raise EvaluationError(f"non-integer arithmetic in {expr}")
        return reduce(lambda x, y: x * y, (_int(x, env) for x in expr.args), 1)
    if isinstance(expr, sp.Pow):
        return _pow(expr, env)
    if isinstance(expr, sp.floor):
        num, den = _quotient(expr.args[0], env)
        return _floordiv(num, den)
    if isinstance(expr, sp.ceiling):
        num, den = _quotient(expr.args[0], env)
        return -_floordiv(-num, den)
    if isinstance(expr, FloorDiv):
        x, y = (_int(t, env) for t in expr.args)
        return _floordiv(x, y)
    if isinstance(expr, sp.Mod | FloorMod):
        x, y = (_int(t, env) for t in expr.args)
        return x - y * _floordiv(x, y)
    if isinstance(expr, sp.Min):
        return min(_int(x, env) for x in expr.args)
    if isinstance(expr, sp.Max):
        return max(_int(x, env) for x in expr.args)
    if isinstance(expr, sp.Abs):
        return abs(_int(expr.args[0], env))
    if isinstance(expr, sp.Piecewise):
        return _piecewise(expr, env)
    for cls, op in COMPARE.items():
        if isinstance(expr, cls):
            lhs, rhs = expr.args
            return op(_int(lhs, env), _int(rhs, env))
    if isinstance(expr, sp.And):
        return all(_bool(x, env) for x in expr.args)
    if isinstance(expr, sp.Or):
        return any(_bool(x, env) for x in expr.args)
    if isinstance(expr, sp.Not):
        return not _bool(expr.args[0], env)
    if isinstance(expr, sp.Implies):
        return (not _bool(expr.args[0], env)) or _bool(expr.args[1], env)
    raise EvaluationError(f"cannot evaluate {type(expr).__name__}: {expr}")
