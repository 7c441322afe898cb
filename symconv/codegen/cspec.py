"""The spec side of translation validation: SymPy expressions as the C model's polynomials and
Z3 formulas, with exact integer semantics (:class:`SpecEncoder`), and the bound on their
magnitude that the bit-vector width must exceed (:func:`magnitude_bits`)."""

from __future__ import annotations

from functools import cache, reduce
from typing import Any

import sympy as sp
import z3

from symconv.codegen.cinterp import INT64_MAX, INT64_MIN
from symconv.codegen.cpoly import Poly
from symconv.codegen.csem import CSemantics, ValidationError, Val
from symconv.walk import Walker, exponent, is_condition, is_division, quotient


class SpecEncoder(Walker[Any]):
    """SymPy → the model's polynomials (:meth:`value`) and Z3 formulas (:meth:`formula`), with
    exact integer semantics.

    floor, Mod, Max and Min are encoded by the standard truncation identities,
    floor(n/m) = q - [r ≠ 0 ∧ (n < 0) ≠ (m < 0)] and n mod m = r + m·[same condition] with
    q, r the truncating quotient and remainder — built with the model's own constructors so the
    same quantity is the same Z3 term on both sides.
    """

    error = ValidationError
    refusal = "cannot encode {kind}: {node}"

    def __init__(self, model: CSemantics) -> None:
        self.m = model
        self._values: dict[sp.Basic, Poly] = {}
        self._formulas: dict[sp.Basic, z3.BoolRef] = {}

    def value(self, e: sp.Basic) -> Poly:
        hit = self._values.get(e)
        if hit is None:
            if is_condition(e):
                raise ValidationError(f"a condition where a value is expected: {e}")
            hit = self._values[e] = self.walk(e)
        return hit

    def formula(self, e: sp.Basic) -> z3.BoolRef:
        hit = self._formulas.get(e)
        if hit is None:
            if not is_condition(e):
                raise ValidationError(f"cannot encode condition {e}")
            hit = self._formulas[e] = self.walk(e)
        return hit

    # --- values ------------------------------------------------------------------------------
    def visit_Symbol(self, e: sp.Symbol) -> Poly:
        return self.m.input(e.name)

    def visit_Integer(self, e: sp.Integer) -> Poly:
        return self.m.const(int(e))

    def visit_Add(self, e: sp.Add) -> Poly:
        return reduce(self.m.add, (self.value(x) for x in e.args))

    def visit_Mul(self, e: sp.Mul) -> Poly:
        if is_division(e):
            raise ValidationError(f"division outside floor: {e}")
        return reduce(self.m.mul, (self.value(x) for x in e.args))

    def visit_Pow(self, e: sp.Pow) -> Poly:
        power = exponent(e)
        if power is None:
            raise ValidationError(f"cannot encode Pow: {e}")
        return reduce(self.m.mul, [self.value(e.base)] * power, self.m.const(1))

    def visit_floor(self, e: sp.floor) -> Poly:
        num, den = quotient(e.args[0])
        return self.floordiv(self.value(num), self.value(den))

    def visit_ceiling(self, e: sp.ceiling) -> Poly:
        num, den = quotient(e.args[0])
        m = self.m
        return m.neg(self.floordiv(m.neg(self.value(num)), self.value(den)))

    def visit_Mod(self, e: sp.Mod) -> Poly:
        return self.floormod(self.value(e.args[0]), self.value(e.args[1]))

    def _extreme(self, e: sp.Basic, op: str) -> Poly:
        m = self.m
        return reduce(lambda a_, b_: m.ite(m.compare(op, Val("s", a_), Val("s", b_)), a_, b_),
                      [self.value(x) for x in e.args])

    def visit_Max(self, e: sp.Max) -> Poly:
        return self._extreme(e, ">=")

    def visit_Min(self, e: sp.Min) -> Poly:
        return self._extreme(e, "<=")

    def visit_Piecewise(self, e: sp.Piecewise) -> Poly:
        *branches, (last, _) = e.args
        out = self.value(last)
        for value, cond in reversed(branches):
            out = self.m.ite(self.formula(cond), self.value(value), out)
        return out

    def _adjust(self, n: Poly, d: Poly, r: Poly) -> z3.BoolRef:
        m = self.m
        zero = Val("s", ())
        return z3.And(m.compare("!=", Val("s", r), zero), m.compare(
            "!=", Val("b", cond=m.compare("<", Val("s", n), zero)),
            Val("b", cond=m.compare("<", Val("s", d), zero))))

    def floordiv(self, n: Poly, d: Poly) -> Poly:
        m = self.m
        q, r = m.divide(m.z(n), m.z(d))
        return m.ite(self._adjust(n, d, r), m.sub(q, m.const(1)), q)

    def floormod(self, n: Poly, d: Poly) -> Poly:
        m = self.m
        _, r = m.divide(m.z(n), m.z(d))
        return m.ite(self._adjust(n, d, r), m.add(r, d), r)

    # --- formulas ----------------------------------------------------------------------------
    def visit_BooleanTrue(self, e: sp.Basic) -> z3.BoolRef:
        return z3.BoolVal(True, self.m.ctx)

    def visit_BooleanFalse(self, e: sp.Basic) -> z3.BoolRef:
        return z3.BoolVal(False, self.m.ctx)

    def visit_And(self, e: sp.And) -> z3.BoolRef:
        return z3.And(*(self.formula(x) for x in e.args))

    def visit_Or(self, e: sp.Or) -> z3.BoolRef:
        return z3.Or(*(self.formula(x) for x in e.args))

    def visit_Not(self, e: sp.Not) -> z3.BoolRef:
        return z3.Not(self.formula(e.args[0]))

    def visit_Relational(self, e: sp.core.relational.Relational) -> z3.BoolRef:
        return self.m.compare(_COMPARISONS[type(e)], Val("s", self.value(e.lhs)),
                              Val("s", self.value(e.rhs)))


_COMPARISONS: dict[type[sp.Basic], str] = {
    sp.Ge: ">=", sp.Gt: ">", sp.Le: "<=", sp.Lt: "<", sp.Eq: "==", sp.Ne: "!=",
}


@cache
def magnitude_bits(e: sp.Basic) -> int:
    """Bits (with sign) that bound |e| for every symbol in int64 range — W must exceed this for
    the spec's wide bit-vector encoding to be exact."""
    lo, hi = _interval(e)
    return max(abs(lo), abs(hi)).bit_length() + 1


def _interval(e: sp.Basic) -> tuple[int, int]:
    return _INTERVAL.walk(e)


class _Interval(Walker[tuple[int, int]]):
    """A bound on a spec expression's value for every symbol in int64 range."""

    error = ValidationError
    refusal = "no bound for {node}"

    def visit_Symbol(self, e: sp.Symbol) -> tuple[int, int]:
        return INT64_MIN, INT64_MAX

    def visit_Integer(self, e: sp.Integer) -> tuple[int, int]:
        return int(e), int(e)

    def visit_Add(self, e: sp.Add) -> tuple[int, int]:
        parts = [self.walk(x) for x in e.args]
        return sum(p_[0] for p_ in parts), sum(p_[1] for p_ in parts)

    def visit_Mul(self, e: sp.Mul) -> tuple[int, int]:
        num, den = sp.fraction(e)
        if den != 1:
            return self.walk(num)  # |n / d| <= |n| for an integer d != 0
        return reduce(_imul, (self.walk(x) for x in e.args))

    def _symmetric(self, e: sp.Basic) -> tuple[int, int]:
        lo, hi = self.walk(e)
        bound = max(abs(lo), abs(hi))
        return -bound, bound

    def visit_floor(self, e: sp.floor) -> tuple[int, int]:
        return self._symmetric(quotient(e.args[0])[0])

    visit_ceiling = visit_floor

    def visit_Mod(self, e: sp.Mod) -> tuple[int, int]:
        return self._symmetric(e.args[1])

    def visit_Max(self, e: sp.Max) -> tuple[int, int]:
        parts = [self.walk(x) for x in e.args]
        return max(p_[0] for p_ in parts), max(p_[1] for p_ in parts)

    def visit_Min(self, e: sp.Min) -> tuple[int, int]:
        parts = [self.walk(x) for x in e.args]
        return min(p_[0] for p_ in parts), min(p_[1] for p_ in parts)

    def visit_Piecewise(self, e: sp.Piecewise) -> tuple[int, int]:
        return reduce(_ihull, (_ihull(self.walk(v), self.walk(c)) for v, c in e.args))

    def visit_BooleanAtom(self, e: sp.Basic) -> tuple[int, int]:
        return 0, 1

    def visit_Relational(self, e: sp.core.relational.Relational) -> tuple[int, int]:
        return _ihull(self.walk(e.lhs), self.walk(e.rhs))

    def visit_And(self, e: sp.Basic) -> tuple[int, int]:
        return reduce(_ihull, (self.walk(x) for x in e.args))

    visit_Or = visit_Not = visit_And


_INTERVAL = _Interval()


def _imul(x: tuple[int, int], y: tuple[int, int]) -> tuple[int, int]:
    prods = [a_ * b_ for a_ in x for b_ in y]
    return min(prods), max(prods)


def _ihull(x: tuple[int, int], y: tuple[int, int]) -> tuple[int, int]:
    return min(x[0], y[0]), max(x[1], y[1])
