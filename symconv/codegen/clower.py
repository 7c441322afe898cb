"""Lower a :class:`~symconv.codegen.spec.ShapeFunction` to a C :class:`~symconv.codegen.c.Program`
mechanically: every sum, difference and product becomes an overflow-checked helper call
(``Checked``), every floor, ceiling, modulo, max and min a plain assignment (``Let``) of one
helper call on named values, and each requirement a ``Require`` placed right after the values it
compares. Equal subexpressions are computed once.

Nothing here is trusted: translation validation (:mod:`symconv.codegen.validate_c`) parses the
emitted text back and proves it equal to the spec, with no overflow and no division by zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from symconv.codegen.c import Checked, Let, Program, Require, Select, Step
from symconv.codegen.spec import ShapeFunction
from symconv.walk import Walker, WalkError, exponent, is_condition, quotient


class LoweringError(WalkError):
    """The expression uses something the C lowering does not cover."""


class _Lowering(Walker[sp.Basic]):
    error = LoweringError
    refusal = "no C lowering for {kind}: {node}"

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self._named: dict[sp.Basic, sp.Expr] = {}
        self._temps = 0

    def _emit(self, key: sp.Basic, make: type[Checked] | type[Let], *args: object) -> sp.Expr:
        if key in self._named:
            return self._named[key]
        name = sp.Symbol(f"t{self._temps}", integer=True)
        self._temps += 1
        self._named[key] = name
        self.steps.append(make(name.name, *args))  # type: ignore[arg-type]
        return name

    def checked(self, key: sp.Basic, op: str, x: sp.Expr, y: sp.Expr) -> sp.Expr:
        return self._emit(key, Checked, op, x, y)

    def let(self, key: sp.Basic, expr: sp.Expr) -> sp.Expr:
        return self._emit(key, Let, expr)

    def value(self, e: sp.Basic) -> sp.Expr:
        """A name or an integer literal holding ``e``'s value, emitting the steps for it."""
        if isinstance(e, sp.Symbol | sp.Integer):
            return e
        if e in self._named:
            return self._named[e]
        if is_condition(e):
            raise LoweringError(f"no C lowering for the truth value {e} as an integer")
        return self.walk(e)

    def condition(self, c: sp.Basic) -> sp.Basic:
        """``c`` with both sides of every comparison replaced by named values."""
        if not is_condition(c):
            raise LoweringError(f"no C lowering for the condition {c}")
        return self.walk(c)

    def visit_Add(self, e: sp.Add) -> sp.Expr:
        # positive terms first, so a sum never starts by negating
        terms = sorted(e.args, key=lambda t: (_negative(t), sp.default_sort_key(t)))
        first = terms[0]
        if _negative(first):
            acc = self.checked(first, "sub", sp.Integer(0), self.value(-first))
        else:
            acc = self.value(first)
        partial: sp.Expr = first
        for term in terms[1:]:
            partial = partial + term
            if _negative(term):
                acc = self.checked(partial, "sub", acc, self.value(-term))
            else:
                acc = self.checked(partial, "add", acc, self.value(term))
        self._named.setdefault(e, acc)
        return acc

    def visit_Mul(self, e: sp.Mul) -> sp.Expr:
        return self._product(e)

    def visit_Pow(self, e: sp.Pow) -> sp.Expr:
        power = exponent(e)
        if power is None or power < 1:
            raise LoweringError(f"no C lowering for the power {e}")
        return self._product(sp.Mul(*([e.base] * power), evaluate=False), key=e)

    def _product(self, e: sp.Mul, key: sp.Basic | None = None) -> sp.Expr:
        coeff, rest = e.as_coeff_Mul()
        if not coeff.is_Integer:
            raise LoweringError(f"a non-integer coefficient outside floor: {e}")
        if coeff < 0:
            return self.checked(key or e, "sub", sp.Integer(0), self.value(-e))
        factors = [*([coeff] if coeff != 1 else []), *sp.Mul.make_args(rest)]
        acc = self.value(factors[0])
        partial: sp.Expr = factors[0]
        for f in factors[1:]:
            partial = sp.Mul(partial, f, evaluate=False)
            acc = self.checked(partial, "mul", acc, self.value(f))
        self._named.setdefault(key or e, acc)
        return acc

    def _floor(self, e: sp.Basic, num: sp.Expr, den: sp.Expr) -> sp.Expr:
        n, m = self.value(num), self.value(den)
        return self.let(e, sp.floor(n / m))

    def visit_floor(self, e: sp.floor) -> sp.Expr:
        return self._floor(e, *quotient(e.args[0]))

    def visit_FloorDiv(self, e: sp.Basic) -> sp.Expr:
        return self._floor(e, *e.args)

    def visit_ceiling(self, e: sp.ceiling) -> sp.Expr:
        num, den = quotient(e.args[0])
        n, m = self.value(num), self.value(den)
        # ceil(n/m) = -floor(-n/m); both negations checked rather than proved in range
        neg = self.checked(-num, "sub", sp.Integer(0), n)
        q = self.let(sp.floor(-num / den), sp.floor(neg / m))
        return self.checked(e, "sub", sp.Integer(0), q)

    def visit_Mod(self, e: sp.Basic) -> sp.Expr:
        return self.let(e, sp.Mod(self.value(e.args[0]), self.value(e.args[1]),
                                  evaluate=False))

    visit_FloorMod = visit_Mod

    def _extreme(self, e: sp.Basic) -> sp.Expr:
        return self.let(e, e.func(*(self.value(x) for x in e.args), evaluate=False))

    visit_Max = visit_Min = _extreme

    def visit_Piecewise(self, e: sp.Piecewise) -> sp.Expr:
        # both branches are computed before the choice (a branch's checked arithmetic may then
        # report an overflow the other branch would not have had: the validator lists it)
        *branches, (last, otherwise) = e.args
        if otherwise is not sp.true:
            raise LoweringError(f"Piecewise without an otherwise branch: {e}")
        out = self.value(last)
        for value, cond in reversed(branches):
            c = self.condition(cond)
            v = self.value(value)
            name = sp.Symbol(f"t{self._temps}", integer=True)
            self._temps += 1
            self.steps.append(Select(name.name, c, v, out))
            out = name
        self._named.setdefault(e, out)
        return out

    def _junction(self, c: sp.Basic) -> sp.Basic:
        return c.func(*(self.condition(x) for x in c.args), evaluate=False)

    visit_And = visit_Or = _junction

    def visit_Not(self, c: sp.Not) -> sp.Basic:
        return sp.Not(self.condition(c.args[0]), evaluate=False)

    def visit_Relational(self, c: sp.Basic) -> sp.Basic:
        return c.func(self.value(c.lhs), self.value(c.rhs), evaluate=False)


def _negative(term: sp.Expr) -> bool:
    return bool(term.as_coeff_Mul()[0] < 0)


def lower(spec: ShapeFunction, require_codes: Sequence[str]) -> Program:
    """The program computing ``spec``: requirements in order (each right after the values it
    needs), then the results."""
    low = _Lowering()
    for req, code in zip(spec.requires, require_codes, strict=True):
        cond = low.condition(req.condition)
        low.steps.append(Require(cond, code))
    writes = tuple(low.value(r) for r in spec.results)
    return Program(spec, tuple(low.steps), writes, tuple(require_codes))
