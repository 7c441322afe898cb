"""C integer semantics over :mod:`symconv.codegen.cpoly` polynomials, encoded in Z3.

A signed operation is defined only when its mathematical result lies in
``[INT64_MIN, INT64_MAX]`` (an :class:`Obligation`), ``/`` and ``%`` truncate toward zero and
are defined only for a nonzero divisor and not ``INT64_MIN / -1``, ``uint64_t`` wraps mod
2**64 (C99 6.2.5p9, 6.3.1.3, 6.5p5, 6.5.5p6). Three encodings of that one semantics
(:class:`Encoding`):

* **bit-vectors** (width :data:`W`, two's complement, ``bvsdiv``/``bvsrem``): W exceeds every
  value the spec can take for 64-bit inputs, so wide values never wrap;
* **integers**: the standard's words as they stand — a signed result is the mathematical value,
  a ``uint64_t`` one is reduced mod 2**64, a quotient is the algebraic one with its fractional
  part discarded. It is also SMT-LIB's definition of the bit-vector operations (``bvmul`` is the
  product of the naturals mod 2**m, ``bvudiv`` their floor quotient), so the two encodings agree
  by definition; Z3 decides the integer one by nonlinear arithmetic instead of bit-blasting a
  multiplier, which is what makes the helper proofs take milliseconds instead of seconds;
* **abstract** integers: every product of atoms and every quotient is a fresh value constrained
  only by the proved helper contract and division facts, so a function body is linear. On the
  paths that satisfy the obligations the integer value is the 64-bit value, and the abstraction
  only over-approximates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import reduce
from typing import TypeAlias

import z3
from z3 import z3core

from symconv.codegen import cpoly
from symconv.codegen.cinterp import INT64_MAX, INT64_MIN
from symconv.codegen.cpoly import Poly
from symconv.walk import WalkError

W = 132  # > every spec magnitude (magnitude_bits, checked) and the 128-bit u64 product


class ValidationError(WalkError):
    """The C text uses something the model does not cover."""


@dataclass(frozen=True, slots=True)
class Val:
    kind: str  # "s" int64_t, "u" uint64_t, "b" a C truth value not yet converted to int
    poly: Poly = ()
    cond: z3.BoolRef | None = None


@dataclass(frozen=True, slots=True)
class Obligation:
    kind: str  # overflow | div-zero
    path: tuple[z3.BoolRef, ...]
    safe: z3.BoolRef
    text: str


class Encoding(Enum):
    BITVEC = "bit-vector"
    INTEGER = "integer"
    ABSTRACT = "abstract"


Cond: TypeAlias = "z3.BoolRef | bool"  # a Python bool where the answer is known without Z3


def conj(items: Sequence[Cond], ctx: z3.Context) -> z3.BoolRef:
    """``And(*items)``, with known items folded, and without the Python API's per-argument
    coercion (the queries conjoin long path conditions thousands of times)."""
    if any(x is False for x in items):
        return z3.BoolVal(False, ctx)
    return _nary(z3core.Z3_mk_and, [x for x in items if x is not True], ctx, True)


def disj(items: Sequence[Cond], ctx: z3.Context) -> z3.BoolRef:
    if any(x is True for x in items):
        return z3.BoolVal(True, ctx)
    return _nary(z3core.Z3_mk_or, [x for x in items if x is not False], ctx, False)


def lnot(x: Cond) -> Cond:
    return not x if isinstance(x, bool) else z3.Not(x)


def _nary(make: Callable[..., z3.Ast], items: Sequence[z3.BoolRef | bool], ctx: z3.Context,
          empty: bool) -> z3.BoolRef:
    if not items:
        return z3.BoolVal(empty, ctx)
    if len(items) == 1:
        only = items[0]
        assert not isinstance(only, bool)
        return only
    args = (z3.Ast * len(items))(*(x.as_ast() for x in items))  # type: ignore[union-attr]
    return z3.BoolRef(make(ctx.ref(), len(items), args), ctx)


class CSemantics:
    """Values, atoms and obligations of one symbolic execution, in one Z3 context. Atoms are
    keyed by their Z3 AST id: the context hash-conses terms, so equal terms share an id, and
    ids follow creation order, so a fresh context gives the same keys on every run."""

    def __init__(self, ctx: z3.Context, encoding: Encoding = Encoding.BITVEC) -> None:
        self.ctx = ctx
        self.encoding = encoding
        self.facts: list[z3.BoolRef] = []
        self.divisions: list[tuple[z3.ArithRef, z3.ArithRef, z3.ArithRef, z3.ArithRef]] = []
        self._fresh: dict[object, z3.ArithRef] = {}
        self.atoms: dict[int, z3.ArithRef] = {}
        self.obligations: list[Obligation] = []
        self._z3cache: dict[Poly, z3.ArithRef] = {}
        self.inputs: dict[str, z3.ArithRef] = {}
        self._modulus = 2**W if encoding is Encoding.BITVEC else None
        self._nums: dict[int, z3.ArithRef] = {}
        self._ref = ctx.ref()
        self._compare = _INT_COMPARE if self.integers else _BV_COMPARE

    @property
    def abstract(self) -> bool:
        return self.encoding is Encoding.ABSTRACT

    @property
    def integers(self) -> bool:
        return self.encoding is not Encoding.BITVEC

    # --- polynomials -------------------------------------------------------------------------
    def const(self, value: int) -> Poly:
        return cpoly.const(value)

    def add(self, x: Poly, y: Poly) -> Poly:
        return cpoly.add(x, y, self._modulus)

    def neg(self, x: Poly) -> Poly:
        return cpoly.neg(x)

    def sub(self, x: Poly, y: Poly) -> Poly:
        return cpoly.sub(x, y, self._modulus)

    def mul(self, x: Poly, y: Poly) -> Poly:
        return cpoly.mul(x, y, self._modulus)

    def atom(self, term: z3.ArithRef) -> Poly:
        term = z3.simplify(term)
        if z3.is_bv_value(term):
            return self.const(term.as_signed_long())
        if z3.is_int_value(term):
            return self.const(term.as_long())
        key = term.get_id()
        self.atoms.setdefault(key, term)
        return cpoly.atom(key)

    def input(self, name: str) -> Poly:
        if self.integers:
            if name not in self.inputs:
                var = self.inputs[name] = z3.Int(name, self.ctx)
                self.facts.append(conj([self.relation(">=", var, self.num(INT64_MIN)),
                                        self.relation("<=", var, self.num(INT64_MAX))],
                                       self.ctx))
            return self.atom(self.inputs[name])
        var = self.inputs.setdefault(name, z3.BitVec(name, 64, self.ctx))
        return self.atom(z3.SignExt(W - 64, var))

    def num(self, value: int) -> z3.ArithRef:
        hit = self._nums.get(value)
        if hit is None:
            hit = self._nums[value] = (z3.IntVal(value, self.ctx) if self.integers
                                       else z3.BitVecVal(value, W, self.ctx))
        return hit

    def negate(self, b: z3.BoolRef) -> z3.BoolRef:
        return z3.BoolRef(z3core.Z3_mk_not(self._ref, b.as_ast()), self.ctx)

    def relation(self, op: str, a: z3.ArithRef, b: z3.ArithRef) -> z3.BoolRef:
        """``a op b`` on two terms of this encoding (signed for bit-vectors), made through
        Z3's C API: the queries make thousands, and the Python operators' coercion dominated."""
        if op == "!=":
            args = (z3.Ast * 2)(a.as_ast(), b.as_ast())
            return z3.BoolRef(z3core.Z3_mk_distinct(self._ref, 2, args), self.ctx)
        return z3.BoolRef(self._compare[op](self._ref, a.as_ast(), b.as_ast()), self.ctx)

    # --- polynomials as Z3 terms -------------------------------------------------------------
    def z(self, p: Poly) -> z3.ArithRef:
        hit = self._z3cache.get(p)
        if hit is not None:
            return hit
        terms = []
        for mono, coeff in p:
            factors = [self.atoms[k_] for k_ in mono]
            if not factors:
                terms.append(self.num(coeff))
                continue
            if self.abstract and len(factors) > 1:
                prod = self._fresh_var(("mul", mono), "mul")
            else:
                prod = reduce(lambda a_, b_: a_ * b_, factors)
            # a negative coefficient as a negation: bvmul by a constant like 2**W - 1 is
            # bit-blasted into a full multiplier
            scaled = prod if abs(coeff) == 1 else self.num(abs(coeff)) * prod
            terms.append(scaled if coeff > 0 else -scaled)
        out = reduce(lambda a_, b_: a_ + b_, terms) if terms else self.num(0)
        self._z3cache[p] = out
        return out

    def _fresh_var(self, key: object, stem: str) -> z3.ArithRef:
        var = self._fresh.get(key)
        if var is None:
            name = f"{stem}!{len(self._fresh)}"
            var = self._fresh[key] = (z3.Int(name, self.ctx) if self.integers
                                      else z3.BitVec(name, W, self.ctx))
        return var

    # --- C operations ------------------------------------------------------------------------
    def divide(self, n: z3.ArithRef, d: z3.ArithRef) -> tuple[Poly, Poly]:
        """Truncating quotient and remainder; abstract: fresh values plus the proved facts."""
        if self.encoding is Encoding.BITVEC:
            return self.atom(n / d), self.atom(z3.SRem(n, d))
        if self.encoding is Encoding.INTEGER:
            q = truncating_quotient(n, d)
            return self.atom(q), self.atom(n - q * d)
        key = (n.get_id(), d.get_id())
        fresh = ("div", key) not in self._fresh
        q = self._fresh_var(("div", key), "div")
        r = self._fresh_var(("rem", key), "rem")
        if fresh:
            self.facts.append(division_facts(n, d, q, r))
            self.divisions.append((n, d, q, r))
        return self.atom(q), self.atom(r)

    def unsigned_divide(self, op: str, a: z3.ArithRef, b: z3.ArithRef) -> Poly:
        """``a / b`` or ``a % b`` of uint64_t values (both in 0..2**64-1)."""
        if self.abstract:
            raise ValidationError("uint64_t arithmetic outside symconv__mul")
        if self.integers:  # Z3's integer div and mod floor for these operands (a >= 0, b > 0)
            return self.atom(a / b if op == "/" else a % b)
        return self.atom(z3.UDiv(a, b) if op == "/" else z3.URem(a, b))

    def equal(self, x: Poly, y: Poly) -> Cond:
        """``x == y``; a Python bool when the polynomials decide it."""
        diff = self.sub(x, y)
        if cpoly.is_const(diff):
            value = cpoly.const_value(diff)
            return (value % self._modulus if self._modulus else value) == 0
        same: z3.BoolRef = self.z(x) == self.z(y)
        return same

    def in64(self, p: Poly) -> z3.BoolRef:
        t = self.z(p)
        return conj([self.relation(">=", t, self.num(INT64_MIN)),
                     self.relation("<=", t, self.num(INT64_MAX))], self.ctx)

    def ite(self, cond: z3.BoolRef, x: Poly, y: Poly) -> Poly:
        if x == y:
            return x
        return self.atom(z3.If(cond, self.z(x), self.z(y)))

    def to_unsigned(self, p: Poly) -> Poly:
        """``p mod 2**64`` for ``p`` in int64 range: ``p + 2**64·[p < 0]``, a polynomial in p."""
        if cpoly.is_const(p):
            return self.const(cpoly.const_value(p) % 2**64)
        if self.abstract:
            raise ValidationError("uint64_t arithmetic outside symconv__mul")
        neg = self.atom(z3.If(self.relation("<", self.z(p), self.num(0)), self.num(1),
                              self.num(0)))
        return self.add(p, self.mul(self.const(2**64), neg))

    def wrap(self, p: Poly) -> Poly:
        """``p mod 2**64``: the value of a uint64_t result."""
        if self.abstract:
            raise ValidationError("uint64_t arithmetic outside symconv__mul")
        if cpoly.is_const(p):
            return self.const(cpoly.const_value(p) % 2**64)
        if self.integers:  # Z3's integer mod is in 0..m-1 for a positive m, as here
            return self.atom(self.z(p) % 2**64)
        return self.atom(z3.ZeroExt(W - 64, z3.Extract(63, 0, self.z(p))))

    def truth(self, v: Val) -> z3.BoolRef:
        if v.kind == "b":
            assert v.cond is not None
            return v.cond
        return self.relation("!=", self.z(v.poly), self.num(0))

    def as_int(self, v: Val) -> Val:
        if v.kind != "b":
            return v
        assert v.cond is not None
        return Val("s", self.atom(z3.If(v.cond, self.num(1), self.num(0))))

    def compare(self, op: str, x: Val, y: Val) -> z3.BoolRef:
        x, y = self.as_int(x), self.as_int(y)
        if x.kind == "u" or y.kind == "u":
            x, y = self.convert(x, "uint64_t"), self.convert(y, "uint64_t")
        return self.relation(op, self.z(x.poly), self.z(y.poly))

    def convert(self, v: Val, ctype: str, path: Sequence[z3.BoolRef] = (),
                line: int = 0) -> Val:
        v = self.as_int(v)
        if ctype == "uint64_t":
            return v if v.kind == "u" else Val("u", self.to_unsigned(v.poly))
        if v.kind == "u":
            self.oblige("overflow", path, self.relation("<=", self.z(v.poly), self.num(INT64_MAX)),
                        f"line {line}: conversion of uint64_t to int64_t")
        return Val("s", v.poly)

    def oblige(self, kind: str, path: Sequence[z3.BoolRef], safe: z3.BoolRef, text: str) -> None:
        self.obligations.append(Obligation(kind, tuple(path), safe, text))


_INT_COMPARE = {"<": z3core.Z3_mk_lt, "<=": z3core.Z3_mk_le, ">": z3core.Z3_mk_gt,
                ">=": z3core.Z3_mk_ge, "==": z3core.Z3_mk_eq}
_BV_COMPARE = {"<": z3core.Z3_mk_bvslt, "<=": z3core.Z3_mk_bvsle, ">": z3core.Z3_mk_bvsgt,
               ">=": z3core.Z3_mk_bvsge, "==": z3core.Z3_mk_eq}


def truncating_quotient(n: z3.ArithRef, d: z3.ArithRef) -> z3.ArithRef:
    """C's ``n / d`` over the integers (d != 0): the algebraic quotient with its fractional part
    discarded, ``sign(n)·sign(d)·floor(|n| / |d|)``. Z3's integer ``div`` is Euclidean; on
    ``|n| >= 0`` and ``|d| > 0`` it is the floor, and only there is it used."""
    abs_n = z3.If(n >= 0, n, -n)
    abs_d = z3.If(d >= 0, d, -d)
    return z3.If((n >= 0) == (d >= 0), abs_n / abs_d, -(abs_n / abs_d))


# --- what is assumed of C's / and % (proved once: gen.c.helper.division.fact-N) ---------------

def division_fact_list(n: z3.ArithRef, d: z3.ArithRef, q: z3.ArithRef,
                       r: z3.ArithRef) -> list[z3.BoolRef]:
    """Integer terms only (built through Z3's C API: a function body asks for them per
    division)."""
    ctx = n.ctx
    ref = ctx.ref()
    zero, one = z3.IntVal(0, ctx), z3.IntVal(1, ctx)

    def rel(op: str, a: z3.ArithRef, b: z3.ArithRef) -> z3.BoolRef:
        return z3.BoolRef(_INT_COMPARE[op](ref, a.as_ast(), b.as_ast()), ctx)

    def implies(hyp: z3.BoolRef, then: z3.BoolRef) -> z3.BoolRef:
        return z3.BoolRef(z3core.Z3_mk_implies(ref, hyp.as_ast(), then.as_ast()), ctx)

    d_pos = rel(">", d, zero)
    n_nonneg = conj([rel(">=", n, zero), d_pos], ctx)
    n_nonpos = conj([rel("<=", n, zero), d_pos], ctx)
    return [
        implies(n_nonneg, rel(">=", q, zero)),
        implies(n_nonneg, rel("<=", q, n)),
        implies(n_nonpos, rel(">=", q, n)),
        implies(n_nonpos, rel("<=", q, zero)),
        implies(rel("==", q, zero), rel("==", r, n)),
        implies(conj([rel(">=", n, d), d_pos], ctx), rel(">=", q, one)),
        implies(n_nonneg, rel(">=", r, zero)),
        implies(n_nonneg, rel("<", r, d)),
        implies(n_nonpos, rel("<=", r, zero)),
        implies(n_nonpos, rel(">", r, -d)),
    ]


def division_facts(n: z3.ArithRef, d: z3.ArithRef, q: z3.ArithRef,
                   r: z3.ArithRef) -> z3.BoolRef:
    """What the function proofs assume of a truncating quotient q and remainder r of int64
    values n / d (each proved once, for every such n and d: ``gen.c.helper.division.fact-N``)."""
    return z3.Implies(defined(n, d), conj(division_fact_list(n, d, q, r), n.ctx))


def defined(n: z3.ArithRef, d: z3.ArithRef) -> z3.BoolRef:
    """``n / d`` is defined in C for these int64 values: ``d != 0``, not ``INT64_MIN / -1``."""
    ctx = n.ctx
    ref = ctx.ref()
    lo, hi = z3.IntVal(INT64_MIN, ctx), z3.IntVal(INT64_MAX, ctx)

    def rel(op: str, a: z3.ArithRef, b: z3.ArithRef) -> z3.BoolRef:
        return z3.BoolRef(_INT_COMPARE[op](ref, a.as_ast(), b.as_ast()), ctx)

    return conj([rel(">=", n, lo), rel("<=", n, hi), rel(">=", d, lo), rel("<=", d, hi),
                 z3.Not(rel("==", d, z3.IntVal(0, ctx))),
                 z3.Not(conj([rel("==", n, lo), rel("==", d, z3.IntVal(-1, ctx))], ctx))], ctx)
