"""Symbolic execution of the parsed C subset (:mod:`symconv.codegen.cparse`): one path per
``return``, helpers inlined (or replaced by their proved contract), values and obligations in the
semantics of :mod:`symconv.codegen.csem`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import z3

from symconv.codegen.cinterp import INT64_MAX, INT64_MIN
from symconv.codegen.cparse import (
    Addr, Assign, Bin, Call, Cast, Decl, Expr, Function, If, Name, Num, Return, Stmt, Store,
    Unary, Unit,
)
from symconv.codegen.csem import CSemantics, Encoding, ValidationError, Val, conj, disj


@dataclass(frozen=True, slots=True)
class Path:
    conds: tuple[z3.BoolRef, ...]
    store: dict[str, Val]


@dataclass(slots=True)
class Frame:
    prefix: str
    pointers: dict[str, str] = field(default_factory=dict)


class Model(CSemantics):
    """One symbolic execution: the C semantics of :class:`CSemantics` run over a parsed unit."""

    def __init__(self, unit: Unit, ctx: z3.Context, contracts: bool = True,
                 encoding: Encoding = Encoding.BITVEC) -> None:
        super().__init__(ctx, encoding)
        self.unit = unit
        self.use_contracts = contracts
        self._frames = 0

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
                return Val("b", cond=self.negate(self.truth(x)))
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
            cond = left if e.op == "&&" else self.negate(left)
            right = self.truth(self.expr_value(e.right, path, frame, (*guard, cond)))
            return Val("b", cond=(conj if e.op == "&&" else disj)([left, right], self.ctx))
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
        self.oblige("div-zero", at, self.relation("!=", b, self.num(0)),
                    f"line {e.line}: divisor of {e.op}")
        if unsigned:
            return Val("u", self.unsigned_divide(e.op, a, b))
        self.oblige("overflow", at, self.negate(conj([self.relation("==", a, self.num(INT64_MIN)),
                                                      self.relation("==", b, self.num(-1))],
                                                     self.ctx)),
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
            cond = conj(extra, self.ctx)
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
                    fits = conj([self.relation(">=", t, self.num(-(2**31))),
                                 self.relation("<", t, self.num(2**31))], self.ctx)
                    self.oblige("overflow", p_.conds, fits,
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
                    f_ = self.negate(self.truth(v_))
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
    zero = model.num(0)
    model.oblige("overflow", path.conds, conj([model.relation(">=", model.z(x), zero),
                                               model.relation(">=", model.z(y), zero)],
                                              model.ctx),
                 f"{fn.name} precondition: both factors >= 0")
    product = model.mul(x, y)
    fits = model.in64(product)
    ok = Path((*path.conds, fits, model.relation(">=", model.z(product), zero)),
              {**path.store, target: Val("s", product)})
    bad = Path((*path.conds, model.negate(fits)), path.store)
    return [(ok, Val("s", ())), (bad, Val("s", model.const(1)))]


CONTRACTS: dict[str, Callable[[Model, Function, Path, Frame], list[tuple[Path, Val]]]] = {
    "symconv__mul": _mul_contract,
}
