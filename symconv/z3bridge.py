"""SymPy → Z3 with exact integer semantics.

A walker (:mod:`symconv.walk`): ``visit_<SymPy class>`` per node kind, one table for the plain
n-ary operators. Every division is floor division of integers (Python's ``//``) and every
quotient's divisor is recorded, with the path condition under which it is evaluated, as a
definedness obligation the prover must discharge. Unsupported nodes raise
:class:`TranslationError`; nothing falls back to ``str()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import reduce
from typing import Any

import sympy as sp
import z3

from symconv.walk import Walker, WalkError, exponent, is_division, quotient


class TranslationError(WalkError):
    """A SymPy construct with no exact integer meaning in Z3."""


def floor_div(num: z3.ArithRef, den: z3.ArithRef) -> z3.ArithRef:
    """Python's ``num // den`` (rounds toward −∞).

    Z3's integer ``div`` is Euclidean (the remainder is never negative): it agrees with floor
    division only for a positive divisor — ``7 div -2 = -3`` where Python gives ``-4``. For a
    negative divisor, floor(n / d) = floor(-n / -d), and -d is positive.
    """
    if z3.is_int_value(den):
        if den.as_long() > 0:
            return num / den
        if den.as_long() < 0:
            return (-num) / (-den)
    return z3.If(den > 0, num / den, (-num) / (-den))


def floor_mod(num: z3.ArithRef, den: z3.ArithRef) -> z3.ArithRef:
    """Python's ``num % den``: the remainder takes the divisor's sign."""
    return num - den * floor_div(num, den)


def check_with(solver: z3.Solver, variables: Mapping[str, z3.ArithRef],
               *extra: z3.BoolRef) -> tuple[z3.CheckSatResult, dict[str, int] | None, str]:
    """Check ``solver`` under ``extra`` constraints (then dropped again): the verdict, the
    variables' values when sat, the solver's reason when unknown."""
    solver.push()
    solver.add(*extra)
    verdict = solver.check()
    model = None
    if verdict == z3.sat:
        m = solver.model()
        model = {n: m.eval(v, model_completion=True).as_long() for n, v in variables.items()}
    reason = (solver.reason_unknown() or "unknown") if verdict == z3.unknown else ""
    solver.pop()
    return verdict, model, reason


_MAX_POWER = 16

# The plain n-ary operators: each node kind's translation from its translated arguments.
_PLAIN: dict[str, Callable[..., Any]] = {
    "Add": lambda *xs: reduce(lambda x, y: x + y, xs),
    "And": lambda *xs: z3.And(*xs),
    "Or": lambda *xs: z3.Or(*xs),
    "Not": lambda x: z3.Not(x),
    "Equality": lambda x, y: x == y,
    "Unequality": lambda x, y: x != y,
    "StrictLessThan": lambda x, y: x < y,
    "LessThan": lambda x, y: x <= y,
    "StrictGreaterThan": lambda x, y: x > y,
    "GreaterThan": lambda x, y: x >= y,
    "Min": lambda *xs: reduce(lambda x, y: z3.If(x <= y, x, y), xs),
    "Max": lambda *xs: reduce(lambda x, y: z3.If(x >= y, x, y), xs),
    "Abs": lambda x: z3.If(x >= 0, x, -x),
}


class Z3Translator(Walker[Any]):
    """Translate SymPy integer expressions and formulas into Z3 terms.

    ``obligations`` collects ``path ⇒ divisor ≠ 0`` for every quotient translated so far.
    """

    error = TranslationError
    refusal = "cannot translate {kind} to integer arithmetic: {node}"

    def __init__(self, ctx: z3.Context | None = None) -> None:
        self.ctx = ctx
        self.variables: dict[str, z3.ArithRef] = {}
        self.obligations: list[z3.BoolRef] = []
        self._path: list[z3.BoolRef] = []

    def __call__(self, expr: sp.Basic) -> Any:
        return self.walk(expr)

    def translate(self, expr: sp.Basic) -> Any:
        return self.walk(expr)

    @contextmanager
    def _under(self, condition: z3.BoolRef) -> Iterator[None]:
        self._path.append(condition)
        try:
            yield
        finally:
            self._path.pop()

    def _divisor(self, den: z3.ArithRef) -> None:
        if z3.is_int_value(den) and den.as_long() != 0:
            return
        guard = den != 0
        self.obligations.append(z3.Implies(z3.And(*self._path), guard) if self._path else guard)

    def _quotient(self, arg: sp.Expr) -> tuple[z3.ArithRef, z3.ArithRef]:
        num, den = quotient(arg)
        z_num, z_den = self.walk(num), self.walk(den)
        self._divisor(z_den)
        return z_num, z_den

    def visit_Symbol(self, expr: sp.Symbol) -> z3.ArithRef:
        if expr.is_integer is not True:
            raise TranslationError(f"symbol {expr.name} is not declared integer")
        var = self.variables.get(expr.name)
        if var is None:
            var = self.variables[expr.name] = z3.Int(expr.name, self.ctx)
        return var

    def visit_Integer(self, expr: sp.Integer) -> z3.ArithRef:
        return z3.IntVal(int(expr), self.ctx)

    def visit_Rational(self, expr: sp.Rational) -> z3.ArithRef:
        raise TranslationError(
            f"non-integer constant {expr} outside floor/ceil: not integer arithmetic"
        )

    def visit_BooleanTrue(self, expr: sp.Basic) -> z3.BoolRef:
        return z3.BoolVal(True, self.ctx)

    def visit_BooleanFalse(self, expr: sp.Basic) -> z3.BoolRef:
        return z3.BoolVal(False, self.ctx)

    def visit_Pow(self, expr: sp.Pow) -> z3.ArithRef:
        exp = exponent(expr)
        if exp is not None and exp <= _MAX_POWER:
            z_base = self.walk(expr.base)
            return reduce(lambda x, y: x * y, [z_base] * exp, z3.IntVal(1, self.ctx))
        if expr.exp.is_Integer and int(expr.exp) < 0:
            raise TranslationError(
                f"division outside floor/ceil is not integer arithmetic: {expr}"
            )
        raise TranslationError(f"unsupported power {expr} (only constant exponents 0..16)")

    def visit_floor(self, expr: sp.floor) -> z3.ArithRef:
        return floor_div(*self._quotient(expr.args[0]))

    def visit_ceiling(self, expr: sp.ceiling) -> z3.ArithRef:
        num, den = self._quotient(expr.args[0])
        return -floor_div(-num, den)

    def visit_FloorDiv(self, expr: sp.Basic) -> z3.ArithRef:
        num, den = (self.walk(x) for x in expr.args)
        self._divisor(den)
        return floor_div(num, den)

    def visit_Mod(self, expr: sp.Basic) -> z3.ArithRef:
        num, den = (self.walk(x) for x in expr.args)
        self._divisor(den)
        return floor_mod(num, den)

    visit_FloorMod = visit_Mod

    def visit_Mul(self, expr: sp.Mul) -> z3.ArithRef:
        if is_division(expr):
            raise TranslationError(
                f"division outside floor/ceil is not integer arithmetic: {expr}"
            )
        return reduce(lambda x, y: x * y, (self.walk(x) for x in expr.args))

    def visit_Piecewise(self, expr: sp.Piecewise) -> z3.ExprRef:
        pieces = list(expr.args)
        if pieces[-1].cond is not sp.true:
            raise TranslationError(f"Piecewise without an otherwise branch: {expr}")
        taken: list[z3.BoolRef] = []
        branches = []
        for value, cond in pieces:
            z_cond = self.walk(cond)
            with self._under(z3.And(*[z3.Not(c) for c in taken], z_cond)):
                branches.append((z_cond, self.walk(value)))
            taken.append(z_cond)
        result = branches[-1][1]
        for z_cond, z_value in reversed(branches[:-1]):
            result = z3.If(z_cond, z_value, result)
        return result

    def visit_Implies(self, expr: sp.Implies) -> z3.BoolRef:
        hyp = self.walk(expr.args[0])
        with self._under(hyp):
            goal = self.walk(expr.args[1])
        return z3.Implies(hyp, goal)


def _plain(op: Callable[..., Any]) -> Callable[[Z3Translator, sp.Basic], Any]:
    def visit(self: Z3Translator, expr: sp.Basic) -> Any:
        return op(*(self.walk(arg) for arg in expr.args))

    return visit


for _name, _op in _PLAIN.items():
    setattr(Z3Translator, f"visit_{_name}", _plain(_op))
