"""Translation validation of ``generated/c/convshape.h``: the emitted C text, parsed back
(:mod:`symconv.codegen.cparse`) and executed symbolically — one path per ``return``, helpers
inlined — is proved against the specs by Z3 for every 64-bit input.

C semantics, exactly: a signed operation is defined only when its mathematical result lies in
``[INT64_MIN, INT64_MAX]`` (an obligation of ``no-overflow``), ``/`` and ``%``
truncate toward zero and are defined only for a nonzero divisor and not ``INT64_MIN / -1``,
``uint64_t`` wraps mod 2**64. Two encodings of that one semantics:

* **bit-vectors** (width :data:`W`, two's complement, ``bvsdiv``/``bvsrem``, ``bvmul``): the
  helper proofs — ``symconv__mul`` (division-free overflow check through bit lengths and an
  unsigned product) and the facts about truncating division (``gen.c.helper.division.fact-N``,
  proved with the 64-bit ``bvsdiv``/``bvsrem`` themselves) — and the exact model used to turn any
  counterexample into a concrete one. W exceeds every value the spec can take for 64-bit inputs
  (:func:`magnitude_bits`, checked), so wide values never wrap;
* **integers** for the function bodies: with every product and quotient replaced by a fresh
  value constrained only by the helper's proved contract / the division facts, a body is linear,
  and bit-blasted linear range reasoning (``x <= INT64_MAX - y ⇒ x + y <= INT64_MAX`` over
  wide adders) times out where linear integer arithmetic is instant. On the paths that satisfy
  the obligations the integer value is the 64-bit value, so nothing is lost; the abstraction
  only over-approximates, so ``unsat`` is a proof, and a ``sat`` is re-decided on the exact
  bit-vector model before a counterexample is reported (and then re-run in plain Python by
  :mod:`symconv.codegen.cinterp`).

Sums and products are kept as canonical polynomials over opaque atoms (inputs, quotients,
remainders, if-then-else values), so the emitted C and the spec build literally the same Z3
term for the same quantity (polynomial identities hold in any ring, so this is exact).

Properties per function (theorem ``gen.c.<function>.<property>``, SMT-LIB in
``generated/proofs/c/<function>-<property>.smt2``, ``z3 FILE`` prints ``unsat``):
``no-overflow``, ``no-div-zero``, ``correct`` (return 0 ⇒ inputs in the domain and every output
equals the spec result over unbounded integers; nonzero ⇒ outputs untouched), ``complete``
(domain and every overflow-checked intermediate fits ⇒ return 0), ``error-codes`` (the first
violated parameter condition gets its code; a violated requirement gets its code).
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, reduce

import sympy as sp
import z3

from symconv.artifacts import banner
from symconv.codegen import c as cgen
from symconv.codegen.cinterp import INT64_MAX, INT64_MIN, Interpreter, Undefined
from symconv.codegen.cparse import (
    Addr, Assign, Bin, Call, Cast, Decl, Expr, Function, If, Name, Num, Return, Stmt, Store,
    Unary, Unit,
)
from symconv.evaluate import EvaluationError, evaluate
from symconv.prover import Evaluation, Result, Status
from symconv.theorems import Theorem

W = 132  # > every spec magnitude (magnitude_bits, checked) and the 128-bit u64 product
PROPERTIES = ("no-overflow", "no-div-zero", "correct", "complete", "error-codes")
DEFAULT_TIMEOUT = 60.0
REFINE_TRIES = 50  # spurious abstract counterexamples tried before the exact model

Poly = tuple[tuple[tuple[str, ...], int], ...]  # sorted (monomial of atom keys, coefficient)


class ValidationError(ValueError):
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


@dataclass(frozen=True, slots=True)
class Path:
    conds: tuple[z3.BoolRef, ...]
    store: dict[str, Val]


@dataclass(slots=True)
class Frame:
    prefix: str
    pointers: dict[str, str] = field(default_factory=dict)


class Model:
    """One symbolic execution context: atoms, obligations, the parsed unit."""

    def __init__(self, unit: Unit, ctx: z3.Context, contracts: bool = True,
                 abstract: bool = False) -> None:
        self.unit = unit
        self.ctx = ctx
        self.abstract = abstract
        self.facts: list[z3.BoolRef] = []
        self.divisions: list[tuple[z3.ArithRef, z3.ArithRef, z3.ArithRef, z3.ArithRef]] = []
        self._fresh: dict[object, z3.BitVecRef] = {}
        self.atoms: dict[str, z3.BitVecRef] = {}
        self.obligations: list[Obligation] = []
        self.use_contracts = contracts
        self._frames = 0
        self._z3cache: dict[Poly, z3.BitVecRef] = {}
        self.inputs: dict[str, z3.BitVecRef] = {}

    # --- polynomials -------------------------------------------------------------------------
    def const(self, value: int) -> Poly:
        return (((), value),) if value else ()

    def atom(self, term: z3.BitVecRef) -> Poly:
        term = z3.simplify(term)
        if z3.is_bv_value(term):
            return self.const(term.as_signed_long())
        if z3.is_int_value(term):
            return self.const(term.as_long())
        key = term.sexpr()
        self.atoms.setdefault(key, term)
        return (((key,), 1),)

    def input(self, name: str) -> Poly:
        if self.abstract:
            if name not in self.inputs:
                self.inputs[name] = z3.Int(name, self.ctx)
                self.facts.append(z3.And(self.inputs[name] >= INT64_MIN,
                                         self.inputs[name] <= INT64_MAX))
            return self.atom(self.inputs[name])
        var = self.inputs.setdefault(name, z3.BitVec(name, 64, self.ctx))
        return self.atom(z3.SignExt(W - 64, var))

    def num(self, value: int) -> z3.ArithRef | z3.BitVecRef:
        return z3.IntVal(value, self.ctx) if self.abstract else z3.BitVecVal(value, W, self.ctx)

    @staticmethod
    def _norm(terms: Iterable[tuple[tuple[str, ...], int]]) -> Poly:
        acc: dict[tuple[str, ...], int] = {}
        for mono, coeff in terms:
            acc[mono] = acc.get(mono, 0) + coeff
        return tuple(sorted(((m, c_) for m, c_ in acc.items() if c_ % 2**W), key=lambda t: (
            len(t[0]), t[0])))

    def add(self, x: Poly, y: Poly) -> Poly:
        return self._norm([*x, *y])

    def neg(self, x: Poly) -> Poly:
        return tuple((m, -c_) for m, c_ in x)

    def sub(self, x: Poly, y: Poly) -> Poly:
        return self.add(x, self.neg(y))

    def mul(self, x: Poly, y: Poly) -> Poly:
        return self._norm((tuple(sorted(mx + my)), cx * cy) for mx, cx in x for my, cy in y)

    def z(self, p: Poly) -> z3.BitVecRef:
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

    def _fresh_var(self, key: object, stem: str) -> z3.BitVecRef:
        var = self._fresh.get(key)
        if var is None:
            name = f"{stem}!{len(self._fresh)}"
            var = self._fresh[key] = (z3.Int(name, self.ctx) if self.abstract
                                      else z3.BitVec(name, W, self.ctx))
        return var

    def divide(self, n: z3.BitVecRef, d: z3.BitVecRef) -> tuple[Poly, Poly]:
        """Truncating quotient and remainder; abstract: fresh values plus the proved facts."""
        if not self.abstract:
            return self.atom(n / d), self.atom(z3.SRem(n, d))
        key = (n.sexpr(), d.sexpr())
        fresh = ("div", key) not in self._fresh
        q = self._fresh_var(("div", key), "div")
        r = self._fresh_var(("rem", key), "rem")
        if fresh:
            self.facts.append(division_facts(n, d, q, r))
            self.divisions.append((n, d, q, r))
        return self.atom(q), self.atom(r)

    def in64(self, p: Poly) -> z3.BoolRef:
        t = self.z(p)
        return z3.And(t >= INT64_MIN, t <= INT64_MAX)

    def ite(self, cond: z3.BoolRef, x: Poly, y: Poly) -> Poly:
        if x == y:
            return x
        return self.atom(z3.If(cond, self.z(x), self.z(y)))

    def to_unsigned(self, p: Poly) -> Poly:
        """``p mod 2**64`` for ``p`` in int64 range: ``p + 2**64·[p < 0]``, a polynomial in p."""
        if all(not m for m, _ in p):
            return self.const(sum(c_ for _, c_ in p) % 2**64)
        if self.abstract:
            raise ValidationError("uint64_t arithmetic outside symconv__mul")
        neg = self.atom(z3.If(self.z(p) < 0, self.num(1), self.num(0)))
        return self.add(p, self.mul(self.const(2**64), neg))

    def wrap(self, p: Poly) -> Poly:
        if self.abstract:
            raise ValidationError("uint64_t arithmetic outside symconv__mul")
        if all(not m for m, _ in p):
            return self.const(sum(c_ for _, c_ in p) % 2**64)
        return self.atom(z3.ZeroExt(W - 64, z3.Extract(63, 0, self.z(p))))

    def truth(self, v: Val) -> z3.BoolRef:
        if v.kind == "b":
            assert v.cond is not None
            return v.cond
        return self.z(v.poly) != 0

    def as_int(self, v: Val) -> Val:
        if v.kind != "b":
            return v
        assert v.cond is not None
        return Val("s", self.atom(z3.If(v.cond, self.num(1), self.num(0))))

    def compare(self, op: str, x: Val, y: Val) -> z3.BoolRef:
        x, y = self.as_int(x), self.as_int(y)
        if x.kind == "u" or y.kind == "u":
            x, y = self.convert(x, "uint64_t"), self.convert(y, "uint64_t")
        a, b = self.z(x.poly), self.z(y.poly)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b,
                "==": a == b, "!=": a != b}[op]

    def convert(self, v: Val, ctype: str, path: Sequence[z3.BoolRef] = (),
                line: int = 0) -> Val:
        v = self.as_int(v)
        if ctype == "uint64_t":
            return v if v.kind == "u" else Val("u", self.to_unsigned(v.poly))
        if v.kind == "u":
            self.oblige("overflow", path, self.z(v.poly) <= INT64_MAX,
                        f"line {line}: conversion of uint64_t to int64_t")
        return Val("s", v.poly)

    def oblige(self, kind: str, path: Sequence[z3.BoolRef], safe: z3.BoolRef, text: str) -> None:
        self.obligations.append(Obligation(kind, tuple(path), safe, text))

    # --- expressions ------------------------------------------------------------------------
    def expr_value(
        self, e: Expr, path: Path, frame: Frame, guard: tuple[z3.BoolRef, ...] = ()
    ) -> Val:
        at = (*path.conds, *guard)
        if isinstance(e, Num):
            return Val("u" if e.unsigned else "s", self.const(e.value))
        if isinstance(e, Name):
            key = frame.prefix + e.id
            if key in path.store:
                return path.store[key]
            if e.id in self.unit.defines:
                return Val("s", self.const(self.unit.defines[e.id]))
            if e.id in ("INT64_MAX", "INT64_MIN"):
                return Val("s", self.const(INT64_MAX if e.id == "INT64_MAX" else INT64_MIN))
            raise ValidationError(f"line {e.line}: unknown name {e.id}")
        if isinstance(e, Cast):
            return self.convert(self.expr_value(e.x, path, frame, guard), e.ctype, at, e.line)
        if isinstance(e, Unary):
            x = self.expr_value(e.x, path, frame, guard)
            if e.op == "!":
                return Val("b", cond=z3.Not(self.truth(x)))
            x = self.as_int(x)
            r = self.neg(x.poly)
            if x.kind == "u":
                return Val("u", self.wrap(r))
            self.oblige("overflow", at, self.in64(r), f"line {e.line}: -x")
            return Val("s", r)
        if isinstance(e, Call):
            return self.pure_call(e, path, frame, guard)
        if isinstance(e, Bin):
            return self.binary(e, path, frame, guard)
        raise ValidationError(f"unsupported expression {e}")

    def binary(self, e: Bin, path: Path, frame: Frame, guard: tuple[z3.BoolRef, ...]) -> Val:
        at = (*path.conds, *guard)
        if e.op in ("&&", "||"):
            left = self.truth(self.expr_value(e.left, path, frame, guard))
            cond = left if e.op == "&&" else z3.Not(left)
            right = self.truth(self.expr_value(e.right, path, frame, (*guard, cond)))
            return Val("b", cond=z3.And(left, right) if e.op == "&&" else z3.Or(left, right))
        x = self.expr_value(e.left, path, frame, guard)
        y = self.expr_value(e.right, path, frame, guard)
        if e.op in ("<", "<=", ">", ">=", "==", "!="):
            return Val("b", cond=self.compare(e.op, x, y))
        x, y = self.as_int(x), self.as_int(y)
        unsigned = x.kind == "u" or y.kind == "u"
        if unsigned:
            x, y = self.convert(x, "uint64_t"), self.convert(y, "uint64_t")
        if e.op in ("+", "-", "*"):
            r = {"+": self.add, "-": self.sub, "*": self.mul}[e.op](x.poly, y.poly)
            if unsigned:
                return Val("u", self.wrap(r))
            self.oblige("overflow", at, self.in64(r), f"line {e.line}: {e.op}")
            return Val("s", r)
        a, b = self.z(x.poly), self.z(y.poly)
        self.oblige("div-zero", at, b != 0, f"line {e.line}: divisor of {e.op}")
        if unsigned:
            return Val("u", self.atom(z3.UDiv(a, b) if e.op == "/" else z3.URem(a, b)))
        self.oblige("overflow", at, z3.Not(z3.And(a == INT64_MIN, b == -1)),
                    f"line {e.line}: INT64_MIN {e.op} -1")
        q, r = self.divide(a, b)
        return Val("s", q if e.op == "/" else r)

    # --- calls -------------------------------------------------------------------------------
    def _frame(self) -> Frame:
        self._frames += 1
        return Frame(f"f{self._frames}.")

    def _bind(self, fn: Function, call: Call, path: Path, frame: Frame,
              guard: tuple[z3.BoolRef, ...]) -> tuple[Frame, dict[str, Val]]:
        if len(call.args) != len(fn.params):
            raise ValidationError(f"line {call.line}: {fn.name} takes {len(fn.params)} arguments")
        callee = self._frame()
        store = dict(path.store)
        at = (*path.conds, *guard)
        for param, arg in zip(fn.params, call.args, strict=True):
            if param.pointer:
                if not isinstance(arg, Addr):
                    raise ValidationError(f"line {call.line}: pointer argument must be &name")
                callee.pointers[param.name] = frame.prefix + arg.name
            else:
                if isinstance(arg, Addr):
                    raise ValidationError(f"line {call.line}: &name for a value parameter")
                value = self.expr_value(arg, path, frame, guard)
                store[callee.prefix + param.name] = self.convert(value, param.ctype, at,
                                                                 call.line)
        return callee, store

    def pure_call(self, call: Call, path: Path, frame: Frame,
                  guard: tuple[z3.BoolRef, ...]) -> Val:
        fn = self._function(call)
        if not fn.pure:
            raise ValidationError(f"line {call.line}: {fn.name} writes through a pointer: call it "
                                  "as a whole condition, initialiser or assignment")
        callee, store = self._bind(fn, call, path, frame, guard)
        start = Path((*path.conds, *guard), store)
        outcomes = self.run(fn, start, callee)
        depth = len(start.conds)
        value = outcomes[-1][1]
        for p_, v_ in reversed(outcomes[:-1]):
            extra = p_.conds[depth:]
            cond = extra[0] if len(extra) == 1 else z3.And(*extra)
            value = self._merge(cond, v_, value)
        return value

    def _merge(self, cond: z3.BoolRef, x: Val, y: Val) -> Val:
        if x.kind == "b" and y.kind == "b":
            assert x.cond is not None
            assert y.cond is not None
            return Val("b", cond=z3.If(cond, x.cond, y.cond))
        x, y = self.as_int(x), self.as_int(y)
        if x.kind != y.kind:
            raise ValidationError("branches return values of different types")
        return Val(x.kind, self.ite(cond, x.poly, y.poly))

    def _function(self, call: Call) -> Function:
        fn = self.unit.functions.get(call.name)
        if fn is None:
            raise ValidationError(f"line {call.line}: call of unknown function {call.name}")
        return fn

    def stateful_call(self, call: Call, path: Path, frame: Frame) -> list[tuple[Path, Val]]:
        fn = self._function(call)
        if fn.pure:
            return [(path, self.pure_call(call, path, frame, ()))]
        callee, store = self._bind(fn, call, path, frame, ())
        contract = CONTRACTS.get(fn.name) if self.use_contracts else None
        if contract is not None:
            return contract(self, fn, Path(path.conds, store), callee)
        outcomes = self.run(fn, Path(path.conds, store), callee)
        return [(Path(p_.conds, p_.store), v_) for p_, v_ in outcomes]

    # --- statements --------------------------------------------------------------------------
    def run(self, fn: Function, start: Path, frame: Frame) -> list[tuple[Path, Val]]:
        paths, returned = self.block(fn.body, [start], frame, fn)
        if paths:
            raise ValidationError(f"{fn.name}: a path ends without return")
        return returned

    def block(self, stmts: Sequence[Stmt], paths: list[Path], frame: Frame,
              fn: Function) -> tuple[list[Path], list[tuple[Path, Val]]]:
        returned: list[tuple[Path, Val]] = []
        for st in stmts:
            nxt: list[Path] = []
            for path in paths:
                cont, ret = self.stmt(st, path, frame, fn)
                nxt.extend(cont)
                returned.extend(ret)
            paths = nxt
        return paths, returned

    def _value(self, e: Expr, path: Path, frame: Frame) -> list[tuple[Path, Val]]:
        if isinstance(e, Call):
            return self.stateful_call(e, path, frame)
        return [(path, self.expr_value(e, path, frame))]

    def stmt(self, st: Stmt, path: Path, frame: Frame,
             fn: Function) -> tuple[list[Path], list[tuple[Path, Val]]]:
        if isinstance(st, Decl | Assign):
            name = st.name
            key = frame.prefix + name
            if isinstance(st, Decl):
                if key in path.store:
                    raise ValidationError(f"line {st.line}: {name} declared twice")
                ctype = st.ctype
                if ctype == "int":
                    raise ValidationError(f"line {st.line}: locals must be int64_t or uint64_t")
            else:
                if key not in path.store:
                    raise ValidationError(f"line {st.line}: assignment to undeclared {name}")
                ctype = "uint64_t" if path.store[key].kind == "u" else "int64_t"
            out = []
            for p_, v_ in self._value(st.init if isinstance(st, Decl) else st.value, path, frame):
                out.append(Path(p_.conds, {**p_.store, key: self.convert(
                    v_, ctype, p_.conds, st.line)}))
            return out, []
        if isinstance(st, Store):
            target = frame.pointers.get(st.pointer)
            if target is None:
                raise ValidationError(f"line {st.line}: {st.pointer} is not a pointer parameter")
            out = []
            for p_, v_ in self._value(st.value, path, frame):
                out.append(Path(p_.conds, {**p_.store, target: self.convert(
                    v_, "int64_t", p_.conds, st.line)}))
            return out, []
        if isinstance(st, Return):
            rets = []
            for p_, v_ in self._value(st.value, path, frame):
                v_ = self.convert(v_, fn.ret if fn.ret != "int" else "int64_t", p_.conds, st.line)
                if fn.ret == "int":
                    t = self.z(v_.poly)
                    self.oblige("overflow", p_.conds, z3.And(t >= -(2**31), t < 2**31),
                                f"line {st.line}: return value fits int")
                rets.append((p_, v_))
            return [], rets
        if isinstance(st, If):
            cont: list[Path] = []
            taken: list[tuple[Path, Val]] = []
            for p_, v_ in self._value(st.cond, path, frame):
                v_ = v_ if v_.kind == "b" else self.as_int(v_)
                known = None if v_.kind == "b" or any(m for m, _ in v_.poly) else bool(v_.poly)
                branches = []
                if known is not False:
                    t = self.truth(v_)
                    branches.append((st.then, p_.conds if known else (*p_.conds, t)))
                if known is not True:
                    f_ = z3.Not(self.truth(v_))
                    branches.append((st.other, p_.conds if known is False else (*p_.conds, f_)))
                for body, conds in branches:
                    c_, r_ = self.block(body, [Path(conds, p_.store)], frame, fn)
                    cont.extend(c_)
                    taken.extend(r_)
            return cont, taken
        raise ValidationError(f"unsupported statement {st}")


def _mul_contract(model: Model, fn: Function, path: Path, frame: Frame) -> list[tuple[Path, Val]]:
    x = path.store[frame.prefix + fn.params[0].name].poly
    y = path.store[frame.prefix + fn.params[1].name].poly
    target = frame.pointers[fn.params[2].name]
    model.oblige("overflow", path.conds, z3.And(model.z(x) >= 0, model.z(y) >= 0),
                 f"{fn.name} precondition: both factors >= 0")
    product = model.mul(x, y)
    fits = model.in64(product)
    ok = Path((*path.conds, fits, model.z(product) >= 0),
              {**path.store, target: Val("s", product)})
    bad = Path((*path.conds, z3.Not(fits)), path.store)
    return [(ok, Val("s", ())), (bad, Val("s", model.const(1)))]


CONTRACTS: dict[str, Callable[[Model, Function, Path, Frame], list[tuple[Path, Val]]]] = {
    "symconv__mul": _mul_contract,
}


def division_fact_list(n: z3.ArithRef, d: z3.ArithRef, q: z3.ArithRef,
                       r: z3.ArithRef) -> list[z3.BoolRef]:
    return [
        z3.Implies(z3.And(n >= 0, d > 0), q >= 0),
        z3.Implies(z3.And(n >= 0, d > 0), q <= n),
        z3.Implies(z3.And(n <= 0, d > 0), q >= n),
        z3.Implies(z3.And(n <= 0, d > 0), q <= 0),
        z3.Implies(q == 0, r == n),
        z3.Implies(z3.And(n >= d, d > 0), q >= 1),
        z3.Implies(z3.And(n >= 0, d > 0), r >= 0),
        z3.Implies(z3.And(n >= 0, d > 0), r < d),
        z3.Implies(z3.And(n <= 0, d > 0), r <= 0),
        z3.Implies(z3.And(n <= 0, d > 0), r > -d),
    ]


def division_facts(n: z3.BitVecRef, d: z3.BitVecRef, q: z3.BitVecRef,
                   r: z3.BitVecRef) -> z3.BoolRef:
    """What the function proofs assume of a truncating quotient q and remainder r of int64
    values n / d (each proved once, for every such n and d: ``gen.c.helper.division.fact-N``)."""
    return z3.Implies(_defined(n, d), z3.And(*division_fact_list(n, d, q, r)))


def _defined(n: z3.BitVecRef, d: z3.BitVecRef) -> z3.BoolRef:
    return z3.And(n >= INT64_MIN, n <= INT64_MAX, d >= INT64_MIN, d <= INT64_MAX, d != 0,
                  z3.Not(z3.And(n == INT64_MIN, d == -1)))


def division_queries(ctx: z3.Context) -> list[Query]:
    n64, d64 = z3.BitVec("n", 64, ctx), z3.BitVec("d", 64, ctx)
    n, d = z3.SignExt(W - 64, n64), z3.SignExt(W - 64, d64)
    # The facts are about the mathematical truncating quotient of int64 values; for those (not
    # INT64_MIN / -1) the 64-bit bvsdiv/bvsrem compute it exactly, and are cheaper to reason about.
    q = z3.SignExt(W - 64, n64 / d64)
    r = z3.SignExt(W - 64, z3.SRem(n64, d64))
    out = []
    for index, fact in enumerate(division_fact_list(n, d, q, r), 1):
        out.append(Query(
            f"gen.c.helper.division.fact-{index}", "helper-division", f"fact-{index}",
            f"q = n / d, r = n % d (C, truncating) for int64 n, d != 0, not INT64_MIN / -1: "
            f"{fact}".replace("\n", " "),
            z3.And(_defined(n, d), z3.Not(fact)), ("n", "d"), {"n": n64, "d": d64},
            cgen.HEADER))
    return out


# --- the spec side ------------------------------------------------------------------------------

class SpecEncoder:
    """SymPy → the model's polynomials and Z3 formulas, with exact integer semantics.

    floor, Mod, Max and Min are encoded by the standard truncation identities,
    floor(n/m) = q - [r ≠ 0 ∧ (n < 0) ≠ (m < 0)] and n mod m = r + m·[same condition] with
    q, r the truncating quotient and remainder — built with the model's own constructors so the
    same quantity is the same Z3 term on both sides.
    """

    def __init__(self, model: Model) -> None:
        self.m = model

    def value(self, e: sp.Basic) -> Poly:
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

    def formula(self, e: sp.Basic) -> z3.BoolRef:
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
        return min(p_[0] for p_ in parts), max(p_[1] for p_ in parts)
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


# --- properties ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Query:
    """A property as a Z3 formula whose unsatisfiability proves it."""

    tid: str
    function: str
    prop: str
    statement: str
    negation: z3.BoolRef
    inputs: tuple[str, ...]
    variables: dict[str, z3.BitVecRef]
    header: cgen.Header
    abstract: bool = False
    # abstract only: each quotient and remainder with its numerator and divisor (n, d, q, r)
    divisions: tuple[tuple[z3.ArithRef, z3.ArithRef, z3.ArithRef, z3.ArithRef], ...] = ()

    @property
    def path(self) -> str:
        return f"{self.header.proof_dir}/{self.function}-{self.prop}.smt2"

    def smt2(self) -> str:
        solver = z3.Solver(ctx=self.negation.ctx)
        solver.add(self.negation)
        path = self.path
        head = banner(path) + f"; {self.tid}: {self.statement}\n; expected: unsat\n"
        return head + _renumber(str(solver.to_smt2()))


def _renumber(smt: str) -> str:
    """Z3 names let-bound terms after internal AST ids, which depend on everything created
    before in the process; renumber them in order of appearance so the file is deterministic."""
    names: dict[str, str] = {}

    def fresh(m: re.Match[str]) -> str:
        return names.setdefault(m.group(0), f"{m.group(1)}x{len(names)}")

    return re.sub(r"([?$])x\d+\b", fresh, smt)


@dataclass(frozen=True, slots=True)
class _Outcome:
    cond: z3.BoolRef
    ret: Poly
    outs: tuple[Poly, ...]


def _conj(conds: Sequence[z3.BoolRef], ctx: z3.Context | None = None) -> z3.BoolRef:
    if not conds:
        return z3.BoolVal(True, ctx)
    return conds[0] if len(conds) == 1 else z3.And(*conds)


def _neg_obligations(model: Model, kind: str) -> z3.BoolRef:
    cases = [z3.And(_conj(o.path, model.ctx), z3.Not(o.safe)) for o in model.obligations
             if o.kind == kind]
    return z3.Or(*cases) if cases else z3.BoolVal(False, model.ctx)


def function_queries(unit: Unit, program: cgen.Program, header: cgen.Header = cgen.HEADER,
                     abstract: bool = True, ctx: z3.Context | None = None) -> list[Query]:
    """The properties of one function. ``abstract``: products and quotients become fresh values
    constrained by the helper facts (sound: the proved facts hold of the real ones); otherwise
    the exact bit-vector terms (used to turn an abstract counterexample into a real one)."""
    fname = "symconv_" + program.name
    fn = unit.functions.get(fname)
    if fn is None:
        raise ValidationError(f"the header has no {fname}")
    spec = program.spec
    names = [p_.name for p_ in spec.params]
    if [p_.name for p_ in fn.params if not p_.pointer] != names or [
            p_.name for p_ in fn.params if p_.pointer] != list(program.pointers):
        raise ValidationError(f"{fname}: parameters differ from the spec")
    needed = max(magnitude_bits(e) for e in (*spec.results, spec.domain,
                                             *program.checked_values()))
    if needed >= W:
        raise ValidationError(f"{fname}: the spec needs {needed} bits, the model has {W}")
    model = Model(unit, ctx or z3.Context(), abstract=abstract)
    enc = SpecEncoder(model)
    frame = model._frame()
    store: dict[str, Val] = {}
    for name in names:
        store[frame.prefix + name] = Val("s", model.input(name))
    cells = {}
    for ptr in program.pointers:
        cells[ptr] = f"cell.{ptr}"
        frame.pointers[ptr] = cells[ptr]
        store[cells[ptr]] = Val("s", model.input(f"{ptr}_initial"))
    outcomes = []
    for p_, v_ in model.run(fn, Path((), store), frame):
        outcomes.append(_Outcome(_conj(p_.conds, model.ctx), v_.poly,
                                 tuple(p_.store[cells[ptr]].poly for ptr in program.pointers)))
    code = header.code_values
    domain = enc.formula(spec.domain)
    results = [enc.value(r) for r in spec.results]
    initial = [model.input(f"{ptr}_initial") for ptr in program.pointers]
    fits = [model.in64(enc.value(v)) for v in program.checked_values()]

    def ret_is(o: _Outcome, value: int) -> z3.BoolRef:
        return model.z(o.ret) == value

    def outs_equal(o: _Outcome, want: Sequence[Poly]) -> z3.BoolRef:
        return z3.And(*(model.z(a_) == model.z(b_) for a_, b_ in zip(o.outs, want, strict=True)))

    neg: dict[str, z3.BoolRef] = {
        "no-overflow": _neg_obligations(model, "overflow"),
        "no-div-zero": _neg_obligations(model, "div-zero"),
        "correct": z3.Or(*(z3.Or(
            z3.And(o.cond, ret_is(o, 0), z3.Not(z3.And(domain, outs_equal(o, results)))),
            z3.And(o.cond, z3.Not(ret_is(o, 0)), z3.Not(outs_equal(o, initial))))
            for o in outcomes)),
        "complete": z3.And(domain, *fits, z3.Or(*(z3.And(o.cond, z3.Not(ret_is(o, 0)))
                                                  for o in outcomes))),
    }
    cases = []
    ok: list[z3.BoolRef] = []
    for param in spec.params:
        want = code[program.param_code(param.name)]
        cond = enc.formula(param.check.condition)
        cases.append(z3.And(*ok, z3.Not(cond), z3.Or(*(z3.And(o.cond, z3.Not(ret_is(o, want)))
                                                      for o in outcomes))))
        ok.append(cond)
    for req, req_code in zip(spec.requires, program.require_codes, strict=True):
        index = next(n for n, st in enumerate(program.steps)
                     if isinstance(st, cgen.Require) and st.code == req_code)
        before = [model.in64(enc.value(v)) for v in program.checked_values(index)]
        want = code[req_code]
        cases.append(z3.And(*ok, *before, z3.Not(enc.formula(req.condition)), z3.Or(
            *(z3.And(o.cond, z3.Not(ret_is(o, want))) for o in outcomes))))
        ok.append(enc.formula(req.condition))  # a later requirement's code only after this one
    neg["error-codes"] = z3.Or(*cases)

    statements = property_statements(program)
    variables = {**model.inputs}
    facts = model.facts
    return [Query(f"{header.tid_prefix}.{program.name}.{prop}", program.name, prop,
                  statements[prop], z3.And(*facts, neg[prop]) if facts else neg[prop],
                  tuple(names), variables, header, abstract, tuple(model.divisions))
            for prop in PROPERTIES]


def property_statements(program: cgen.Program) -> dict[str, str]:
    """What each property of ``program``'s function states (no solving needed to know it)."""
    fname = "symconv_" + program.name
    spec = program.spec
    fits_text = ", ".join(str(v) for v in program.checked_values())
    return {
        "no-overflow": f"{fname}: no signed overflow on any path, for every int64 input",
        "no-div-zero": f"{fname}: no division by zero on any path, for every int64 input",
        "correct": f"{fname} returns 0 only inside the domain, and then writes "
                   f"{', '.join(str(r) for r in spec.results)}; on error the outputs are "
                   "untouched",
        "complete": f"{fname} returns 0 for every input in the domain where these fit int64: "
                    f"{fits_text}",
        "error-codes": f"{fname}: the first violated parameter condition, or a violated "
                       "requirement, gets its SYMCONV_E_* code",
    }


def mul_contract_queries(unit: Unit, ctx: z3.Context) -> list[Query]:
    """symconv__mul's contract, proved on its text (the other helpers are inlined), in parts."""
    fn = unit.functions["symconv__mul"]
    model = Model(unit, ctx, contracts=False)
    frame = model._frame()
    x, y = model.input("x"), model.input("y")
    store = {frame.prefix + "x": Val("s", x), frame.prefix + "y": Val("s", y),
             "cell.r": Val("s", model.input("r_initial"))}
    frame.pointers["r"] = "cell.r"
    outcomes = model.run(fn, Path((), store), frame)
    product = model.z(model.mul(x, y))
    fits = z3.And(product >= INT64_MIN, product <= INT64_MAX)
    pre = z3.And(model.z(x) >= 0, model.z(y) >= 0)
    initial = model.z(model.input("r_initial"))

    def bad(holds: Callable[[z3.BoolRef, z3.BitVecRef], z3.BoolRef]) -> z3.BoolRef:
        cases = []
        for p_, v_ in outcomes:
            ret0 = model.z(v_.poly) == 0
            cases.append(z3.And(_conj(p_.conds, model.ctx), z3.Not(holds(ret0, model.z(
                p_.store["cell.r"].poly)))))
        return z3.Or(*cases)

    parts = {
        "no-overflow": z3.Or(_neg_obligations(model, "overflow"),
                             _neg_obligations(model, "div-zero")),
        "sound": bad(lambda ret0, r: z3.Implies(ret0, z3.And(fits, r == product, product >= 0))),
        "complete": bad(lambda ret0, r: z3.Implies(fits, ret0)),
        "untouched": bad(lambda ret0, r: z3.Implies(z3.Not(ret0), r == initial)),
    }
    zx, zy = model.z(x), model.z(y)
    cases = {"small": z3.And(zx < 2**31, zy < 2**31), "large-x": zx >= 2**31,
             "large-y": z3.And(zx < 2**31, zy >= 2**31)}
    return [Query(tid, "helper-mul", tid.rsplit(".", 1)[1], statement,
                  z3.And(pre, cases[case], parts[part]), ("x", "y"), dict(model.inputs),
                  cgen.HEADER)
            for (tid, statement), (part, case) in zip(
                mul_statements(), itertools.product(MUL_PARTS, MUL_CASES), strict=True)]


MUL_PARTS = {
    "no-overflow": "no signed overflow, no division by zero",
    "sound": "returns 0 only when x*y fits int64, and then r = x*y >= 0",
    "complete": "returns 0 whenever x*y fits int64",
    "untouched": "r is untouched when it returns nonzero",
}
# a case split (the three cases cover every x, y >= 0) keeps each query small
MUL_CASES = {"small": "both < 2^31", "large-x": "x >= 2^31", "large-y": "x < 2^31 <= y"}


def mul_statements() -> list[tuple[str, str]]:
    """(theorem id, statement) of each part of symconv__mul's contract, in query order."""
    return [(f"gen.c.helper.mul.{part}-{case}",
             f"symconv__mul(x, y, &r) with x, y >= 0, {case_text}: {text}")
            for (part, text), (case, case_text) in itertools.product(MUL_PARTS.items(),
                                                                     MUL_CASES.items())]


def queries(header: cgen.Header = cgen.HEADER, text: str | None = None) -> list[Query]:
    """Every property of ``header`` (its rendered text, or ``text``); the helpers' contracts
    only where the header defines them — a header that includes another relies on its proofs."""
    unit = header.unit(text)
    # one fresh Z3 context per group: the SMT-LIB text then depends on nothing else in the process
    out = [*division_queries(z3.Context()), *mul_contract_queries(unit, z3.Context())
           ] if header.helpers else []
    for program in header.programs:
        out.extend(function_queries(unit, program, header))
    return out


@cache
def generated_queries(header: cgen.Header = cgen.HEADER) -> tuple[Query, ...]:
    return tuple(queries(header))


# --- checking and counterexamples -------------------------------------------------------------

def check(query: Query, timeout: float = DEFAULT_TIMEOUT, text: str | None = None) -> Result:
    start = time.perf_counter()
    solver = z3.Solver(ctx=query.negation.ctx)
    solver.set("timeout", max(1, int(timeout * 1000)))
    solver.add(query.negation)
    verdict = solver.check()
    if verdict == z3.unsat:
        return Result(Status.PROVED, time.perf_counter() - start)
    if verdict == z3.sat and query.abstract:
        # the abstraction may allow a spurious counterexample: keep it only if the C, run in
        # plain Python, really violates the property there; otherwise decide on the exact terms
        source = text if text is not None else query.header.render()
        for _ in range(REFINE_TRIES):
            model = solver.model()
            cx = {name: model.eval(var, model_completion=True).as_long()
                  for name, var in sorted(query.variables.items())}
            evaluations = reevaluate(query, cx, source)
            if any(e.holds is False for e in evaluations):
                return Result(Status.REFUTED, time.perf_counter() - start, counterexample=cx,
                              evaluations=evaluations,
                              reason="violation re-evaluated in plain Python")
            solver.add(z3.Or(*(query.variables[name] != value
                               for name, value in cx.items() if name in query.inputs)))
            # refine: where the model's quotients were not C's, pin them to C's at those values
            for n, d, q, r in query.divisions:
                n0, d0 = (model.eval(x, model_completion=True).as_long() for x in (n, d))
                if d0 != 0 and INT64_MIN <= n0 <= INT64_MAX and INT64_MIN <= d0 <= INT64_MAX:
                    q0 = abs(n0) // abs(d0) * (1 if (n0 < 0) == (d0 < 0) else -1)
                    solver.add(z3.Implies(z3.And(n == n0, d == d0),
                                          z3.And(q == q0, r == n0 - q0 * d0)))
            if time.perf_counter() - start > timeout / 2 or solver.check() != z3.sat:
                break
        exact = next(q for q in function_queries(
            query.header.unit(source), query.header.program(query.function), query.header,
            abstract=False) if q.prop == query.prop)
        result = check(exact, max(1.0, timeout - (time.perf_counter() - start)), source)
        return replace(result, seconds=time.perf_counter() - start)
    if verdict == z3.sat:
        model = solver.model()
        cx = {name: model.eval(var, model_completion=True).as_signed_long()
              for name, var in sorted(query.variables.items())}
        evaluations = reevaluate(query, cx, text if text is not None else query.header.render())
        return Result(Status.REFUTED, time.perf_counter() - start, counterexample=cx,
                      evaluations=evaluations,
                      reason="violation re-evaluated in plain Python" if any(
                          e.holds is False for e in evaluations)
                      else "counterexample did NOT re-evaluate to a violation")
    return Result(Status.UNKNOWN, time.perf_counter() - start,
                  reason=solver.reason_unknown() or "unknown")


def reevaluate(query: Query, cx: dict[str, int], text: str) -> tuple[Evaluation, ...]:
    """Run the C text on the counterexample in plain Python and evaluate the violated property."""
    interp = Interpreter(query.header.unit(text))
    if query.function == "helper-division":
        n, d = cx["n"], cx["d"]
        q = abs(n) // abs(d) * (1 if (n < 0) == (d < 0) else -1)
        return (Evaluation(f"fact at n={n}, d={d}: q={q}, r={n - q * d}", None, None, False),)
    if query.function == "helper-mul":
        try:
            ret, outs = interp.call("symconv__mul", {"x": cx["x"], "y": cx["y"]})
        except Undefined as exc:
            return (Evaluation(str(exc), None, None, False),)
        product = cx["x"] * cx["y"]
        fits = INT64_MIN <= product <= INT64_MAX
        if (ret == 0) != fits:
            return (Evaluation("returns 0 iff x*y fits int64", ret, product, False),)
        return (Evaluation("r == x*y", outs["r"], product, outs["r"] == product or ret != 0),)
    program = query.header.program(query.function)
    codes = query.header.code_values
    spec = program.spec
    env = {p_.name: cx[p_.name] for p_ in spec.params}
    try:
        ret, outs = interp.call("symconv_" + program.name, env)
    except Undefined as exc:
        holds = query.prop not in ("no-overflow", "no-div-zero") or exc.kind != (
            "overflow" if query.prop == "no-overflow" else "div-zero")
        return (Evaluation(str(exc), None, None, holds),)
    if query.prop in ("no-overflow", "no-div-zero"):
        return (Evaluation("no undefined behaviour at the counterexample", ret, None, True),)
    domain = _truth(spec.domain, env)
    if query.prop == "correct":
        if ret != 0:
            return (Evaluation("outputs untouched on error", None, None, all(
                v == 0 for v in outs.values())),)
        rows = [Evaluation("return 0 only in the domain", ret, 0, domain)]
        for ptr, res in zip(program.pointers, spec.results, strict=True):
            want = evaluate(res, env) if domain else None
            rows.append(Evaluation(f"*{ptr} == {res}", outs[ptr],
                                   want if isinstance(want, int) else None,
                                   domain and outs[ptr] == want))
        return tuple(rows)
    if query.prop == "complete":
        fits = all(INT64_MIN <= int(evaluate(v, env)) <= INT64_MAX
                   for v in program.checked_values()) if domain else False
        return (Evaluation("return value in the domain where the intermediates fit", ret, 0,
                           not (domain and fits) or ret == 0),)
    ok = True
    for param in spec.params:
        if not _truth(param.check.condition, env):
            want = codes[program.param_code(param.name)]
            return (Evaluation(f"code for {param.name}", ret, want, ret == want),)
    for req, req_code in zip(spec.requires, program.require_codes, strict=True):
        if ok and not _truth(req.condition, env):
            want = codes[req_code]
            return (Evaluation(f"code for {req_code}", ret, want, ret == want),)
    return (Evaluation("a violated condition exists", None, None, True),)


def _truth(cond: sp.Basic, env: dict[str, int]) -> bool:
    try:
        return evaluate(cond, env) is True
    except EvaluationError:
        return False


# --- registries ---------------------------------------------------------------------------------

def _query(header: cgen.Header, tid: str) -> Query:
    return next(q for q in generated_queries(header) if q.tid == tid)


def _checker(header: cgen.Header, tid: str) -> Callable[[float], Result]:
    return lambda timeout: check(_query(header, tid), timeout)


def header_theorems(header: cgen.Header, group: str = "codegen-c") -> list[Theorem]:
    """One theorem per property; a function's queries are built (symbolic execution of the
    whole header, seconds) only when one of its theorems is checked, so listing and selecting
    stay fast."""
    helpers = [*((q.tid, q.statement) for q in division_queries(z3.Context())),
               *mul_statements()] if header.helpers else []
    out = [Theorem(tid, group, statement, _checker(header, tid)) for tid, statement in helpers]
    for program in header.programs:
        for prop, statement in property_statements(program).items():
            tid = f"{header.tid_prefix}.{program.name}.{prop}"
            out.append(Theorem(tid, group, statement, _checker(header, tid)))
    return out


def header_artifacts(header: cgen.Header) -> dict[str, str]:
    return {q.path: q.smt2() for q in generated_queries(header)}


def theorems() -> list[Theorem]:
    return header_theorems(cgen.HEADER)


def artifacts() -> dict[str, str]:
    return header_artifacts(cgen.HEADER)
