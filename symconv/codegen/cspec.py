"""The spec side of translation validation: SymPy expressions as the C model's polynomials and
Z3 formulas, with exact integer semantics (:class:`SpecEncoder`), and the bound on their
magnitude that the bit-vector width must exceed (:func:`magnitude_bits`)."""

from __future__ import annotations

from functools import cache, reduce

import sympy as sp
import z3

from symconv.codegen.cinterp import INT64_MAX, INT64_MIN
from symconv.codegen.cpoly import Poly
from symconv.codegen.csem import CSemantics, ValidationError, Val


class SpecEncoder:
    """SymPy → the model's polynomials and Z3 formulas, with exact integer semantics.

    floor, Mod, Max and Min are encoded by the standard truncation identities,
    floor(n/m) = q - [r ≠ 0 ∧ (n < 0) ≠ (m < 0)] and n mod m = r + m·[same condition] with
    q, r the truncating quotient and remainder — built with the model's own constructors so the
    same quantity is the same Z3 term on both sides.
    """

    def __init__(self, model: CSemantics) -> None:
        self.m = model
        self._values: dict[sp.Basic, Poly] = {}
        self._formulas: dict[sp.Basic, z3.BoolRef] = {}

    def value(self, e: sp.Basic) -> Poly:
        hit = self._values.get(e)
        if hit is None:
            hit = self._values[e] = self._value(e)
        return hit

    def formula(self, e: sp.Basic) -> z3.BoolRef:
        hit = self._formulas.get(e)
        if hit is None:
            hit = self._formulas[e] = self._formula(e)
        return hit

    def _value(self, e: sp.Basic) -> Poly:
        m = self.m
        if isinstance(e, sp.Symbol):
            return m.input(e.name)
        if isinstance(e, sp.Integer):
            return m.const(int(e))
        if isinstance(e, sp.Add):
            return reduce(m.add, (self.value(x) for x in e.args))
        if isinstance(e, sp.Mul):
            num, den = sp.fraction(e)
            if den != 1:
                raise ValidationError(f"division outside floor: {e}")
            return reduce(m.mul, (self.value(x) for x in e.args))
        if isinstance(e, sp.Pow) and e.exp.is_Integer and int(e.exp) >= 0:
            return reduce(m.mul, [self.value(e.base)] * int(e.exp), m.const(1))
        if isinstance(e, sp.floor | sp.ceiling):
            num, den = sp.fraction(sp.together(e.args[0]))
            n, d = self.value(num), self.value(den)
            if isinstance(e, sp.floor):
                return self.floordiv(n, d)
            return m.neg(self.floordiv(m.neg(n), d))
        if isinstance(e, sp.Mod):
            return self.floormod(self.value(e.args[0]), self.value(e.args[1]))
        if isinstance(e, sp.Max | sp.Min):
            op = ">=" if isinstance(e, sp.Max) else "<="
            vals = [self.value(x) for x in e.args]
            return reduce(lambda a_, b_: m.ite(
                m.compare(op, Val("s", a_), Val("s", b_)), a_, b_), vals)
        if isinstance(e, sp.Piecewise):
            *branches, (last, _) = e.args
            out = self.value(last)
            for value, cond in reversed(branches):
                out = m.ite(self.formula(cond), self.value(value), out)
            return out
        raise ValidationError(f"cannot encode {type(e).__name__}: {e}")

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

    def _formula(self, e: sp.Basic) -> z3.BoolRef:
        if e is sp.true:
            return z3.BoolVal(True, self.m.ctx)
        if e is sp.false:
            return z3.BoolVal(False, self.m.ctx)
        if isinstance(e, sp.And):
            return z3.And(*(self.formula(x) for x in e.args))
        if isinstance(e, sp.Or):
            return z3.Or(*(self.formula(x) for x in e.args))
        if isinstance(e, sp.Not):
            return z3.Not(self.formula(e.args[0]))
        ops = {sp.Ge: ">=", sp.Gt: ">", sp.Le: "<=", sp.Lt: "<", sp.Eq: "==", sp.Ne: "!="}
        for cls, op in ops.items():
            if isinstance(e, cls):
                return self.m.compare(op, Val("s", self.value(e.lhs)), Val("s", self.value(e.rhs)))
        raise ValidationError(f"cannot encode condition {e}")


@cache
def magnitude_bits(e: sp.Basic) -> int:
    """Bits (with sign) that bound |e| for every symbol in int64 range — W must exceed this for
    the spec's wide bit-vector encoding to be exact."""
    lo, hi = _interval(e)
    return max(abs(lo), abs(hi)).bit_length() + 1


def _interval(e: sp.Basic) -> tuple[int, int]:
    if isinstance(e, sp.Symbol):
        return INT64_MIN, INT64_MAX
    if isinstance(e, sp.Integer):
        return int(e), int(e)
    if isinstance(e, sp.Add):
        parts = [_interval(x) for x in e.args]
        return sum(p_[0] for p_ in parts), sum(p_[1] for p_ in parts)
    if isinstance(e, sp.Mul):
        num, den = sp.fraction(e)
        if den != 1:
            return _interval(num)  # |n / d| <= |n| for an integer d != 0
        return reduce(_imul, (_interval(x) for x in e.args))
    if isinstance(e, sp.floor | sp.ceiling):
        lo, hi = _interval(sp.fraction(sp.together(e.args[0]))[0])
        bound = max(abs(lo), abs(hi))
        return -bound, bound
    if isinstance(e, sp.Mod):
        lo, hi = _interval(e.args[1])
        bound = max(abs(lo), abs(hi))
        return -bound, bound
    if isinstance(e, sp.Max | sp.Min):
        parts = [_interval(x) for x in e.args]
        pick = max if isinstance(e, sp.Max) else min
        return pick(p_[0] for p_ in parts), pick(p_[1] for p_ in parts)
    if isinstance(e, sp.Piecewise):
        return reduce(_ihull, (_ihull(_interval(v), _interval(c)) for v, c in e.args))
    if e is sp.true or e is sp.false:
        return 0, 1
    if isinstance(e, sp.core.relational.Relational):
        return _ihull(_interval(e.lhs), _interval(e.rhs))
    if isinstance(e, sp.And | sp.Or | sp.Not):
        return reduce(_ihull, (_interval(x) for x in e.args))
    raise ValidationError(f"no bound for {e}")


def _imul(x: tuple[int, int], y: tuple[int, int]) -> tuple[int, int]:
    prods = [a_ * b_ for a_ in x for b_ in y]
    return min(prods), max(prods)


def _ihull(x: tuple[int, int], y: tuple[int, int]) -> tuple[int, int]:
    return min(x[0], y[0]), max(x[1], y[1])
