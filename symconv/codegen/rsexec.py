"""Rust semantics of the parsed subset (:mod:`symconv.codegen.rsparse`): symbolic execution in
Z3 (:class:`RustModel`) and plain-Python execution (:class:`RustInterpreter`, which re-runs a
counterexample).

The semantics, from the Rust reference and ``core``'s documentation:

* ``i64`` and ``i128`` values are integers in their type's range; ``as i128`` of an ``i64`` is
  exact; ``as i64`` of an ``i128`` wraps modulo 2**64 — here an obligation that it does not
  (``no-wrap``);
* ``x.checked_add(y)``, ``checked_sub``, ``checked_mul``: ``Some`` of the exact result when it
  lies in the type's range, else ``None``; ``checked_div``/``checked_rem``: ``None`` for a zero
  divisor or ``MIN / -1``, else the truncating quotient / remainder;
* plain ``+ - *`` and unary ``-`` panic on overflow in a debug build and wrap in a release one;
  ``/`` and ``%`` truncate toward zero and panic for a zero divisor and for ``MIN / -1``: each is
  an obligation that it does neither (``no-panic``);
* ``&&``/``||`` short-circuit, ``if`` evaluates one branch, a ``let … else`` block must return.

A function's paths are split at ``let Some(x) = … else`` and ``if`` statements; a call of a helper
is inlined with its returns merged into if-then-else values (the helpers are pure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import z3

from symconv.codegen.cpoly import Poly
from symconv.codegen.csem import CSemantics, Encoding, ValidationError, conj, disj
from symconv.codegen.rsparse import (
    Bin, Block, Call, Cast, Expr, Function, If, IfExpr, Let, LetElse, Lit, Method, Name, PathE,
    Return, Tuple, Unary, Unit,
)

RANGES = {"i64": (-(2**63), 2**63 - 1), "i128": (-(2**127), 2**127 - 1)}
CHECKED = ("checked_add", "checked_sub", "checked_mul", "checked_div", "checked_rem")


class RustPanic(Exception):
    """A panic or a wrap of the concrete execution (never expected: the proofs rule them out)."""

    def __init__(self, kind: str, text: str) -> None:
        super().__init__(text)
        self.kind = kind


# --- symbolic values --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Int:
    ty: str  # "i64", "i128", or "" for an unsuffixed literal (typed by its context)
    poly: Poly


@dataclass(frozen=True, slots=True)
class Bool:
    cond: z3.BoolRef


@dataclass(frozen=True, slots=True)
class Opt:
    some: z3.BoolRef
    inner: Int


@dataclass(frozen=True, slots=True)
class Tup:
    items: tuple[Int, ...]


@dataclass(frozen=True, slots=True)
class Res:
    """A ``Result``: ``Ok(values)`` (a tuple, or one value) or ``Err(ShapeError::variant)``."""

    ok: bool
    values: tuple[Int, ...] = ()
    variant: str = ""


Value = Int | Bool | Opt | Tup | Res


@dataclass(frozen=True, slots=True)
class Obligation:
    kind: str  # "panic" | "wrap"
    path: tuple[z3.BoolRef, ...]
    safe: z3.BoolRef
    text: str


@dataclass(frozen=True, slots=True)
class Outcome:
    conds: tuple[z3.BoolRef, ...]
    value: Value


class RustModel(CSemantics):
    """One symbolic execution over exact integers (:class:`CSemantics`'s integer encoding:
    the spec encoder builds the same terms from the same polynomials)."""

    def __init__(self, unit: Unit, ctx: z3.Context) -> None:
        super().__init__(ctx, Encoding.INTEGER)
        self.unit = unit
        self.rust_obligations: list[Obligation] = []

    # --- helpers ----------------------------------------------------------------------------
    def in_range(self, poly: Poly, ty: str) -> z3.BoolRef:
        lo, hi = RANGES[ty]
        t = self.z(poly)
        return conj([self.relation(">=", t, self.num(lo)), self.relation("<=", t, self.num(hi))],
                    self.ctx)

    def owe(self, kind: str, path: Sequence[z3.BoolRef], safe: z3.BoolRef | bool,
            text: str) -> None:
        if safe is True:
            return
        safe_ref = z3.BoolVal(False, self.ctx) if safe is False else safe
        self.rust_obligations.append(Obligation(kind, tuple(path), safe_ref, text))

    def _type(self, x: Int, y: Int, line: int) -> str:
        if x.ty and y.ty and x.ty != y.ty:
            raise ValidationError(f"line {line}: {x.ty} and {y.ty} mixed")
        return x.ty or y.ty

    def _literal(self, x: Int, ty: str, line: int) -> Int:
        if x.ty == "" and ty:
            lo, hi = RANGES[ty]
            value = sum(c for _, c in x.poly)
            if not lo <= value <= hi:
                raise ValidationError(f"line {line}: literal {value} out of {ty}")
            return Int(ty, x.poly)
        return x

    def _ite(self, cond: z3.BoolRef, x: Value, y: Value) -> Value:
        if isinstance(x, Int) and isinstance(y, Int):
            return Int(x.ty or y.ty, self.ite(cond, x.poly, y.poly))
        if isinstance(x, Bool) and isinstance(y, Bool):
            return Bool(z3.If(cond, x.cond, y.cond))
        if isinstance(x, Opt) and isinstance(y, Opt):
            inner = self._ite(cond, x.inner, y.inner)
            assert isinstance(inner, Int)
            return Opt(z3.If(cond, x.some, y.some), inner)
        raise ValidationError("branches of different kinds")

    # --- expressions ------------------------------------------------------------------------
    def value(self, e: Expr, env: dict[str, Value], at: tuple[z3.BoolRef, ...]) -> Value:
        if isinstance(e, Lit):
            if e.suffix:
                return self._literal(Int("", self.const(e.value)), e.suffix, e.line)
            return Int("", self.const(e.value))
        if isinstance(e, Name):
            if e.id not in env:
                raise ValidationError(f"line {e.line}: unknown name {e.id}")
            return env[e.id]
        if isinstance(e, PathE):
            if len(e.parts) == 2 and e.parts[0] in RANGES and e.parts[1] in ("MIN", "MAX"):
                lo, hi = RANGES[e.parts[0]]
                return Int(e.parts[0], self.const(lo if e.parts[1] == "MIN" else hi))
            if e.parts == ("None",):
                return Opt(z3.BoolVal(False, self.ctx), Int("", ()))
            raise ValidationError(f"line {e.line}: unsupported path {'::'.join(e.parts)}")
        if isinstance(e, Cast):
            x = self.int(e.x, env, at)
            if x.ty == "" or (x.ty == "i64" and e.ty == "i128") or x.ty == e.ty:
                return self._literal(Int("", x.poly), e.ty, e.line) if x.ty == "" else Int(
                    e.ty, x.poly)
            self.owe("wrap", at, self.in_range(x.poly, e.ty), f"line {e.line}: {x.ty} as {e.ty}")
            return Int(e.ty, x.poly)
        if isinstance(e, Unary):
            if e.op == "!":
                return Bool(self.negate(self.boolean(e.x, env, at)))
            x = self.int(e.x, env, at)
            r = self.neg(x.poly)
            if x.ty:
                self.owe("panic", at, self.in_range(r, x.ty), f"line {e.line}: -x overflows")
            return Int(x.ty, r)
        if isinstance(e, Bin):
            return self.binary(e, env, at)
        if isinstance(e, Method):
            return self.method(e, env, at)
        if isinstance(e, Call):
            return self.call(e, env, at)
        if isinstance(e, Tuple):
            return Tup(tuple(self.int(x, env, at) for x in e.items))
        if isinstance(e, IfExpr):
            c = self.boolean(e.cond, env, at)
            then = self.block_value(e.then, env, (*at, c))
            other = self.block_value(e.other, env, (*at, self.negate(c)))
            return self._ite(c, then, other)
        raise ValidationError(f"unsupported expression {e}")

    def int(self, e: Expr, env: dict[str, Value], at: tuple[z3.BoolRef, ...]) -> Int:
        v = self.value(e, env, at)
        if not isinstance(v, Int):
            raise ValidationError(f"an integer expected: {e}")
        return v

    def boolean(self, e: Expr, env: dict[str, Value], at: tuple[z3.BoolRef, ...]) -> z3.BoolRef:
        v = self.value(e, env, at)
        if not isinstance(v, Bool):
            raise ValidationError(f"a bool expected: {e}")
        return v.cond

    def binary(self, e: Bin, env: dict[str, Value], at: tuple[z3.BoolRef, ...]) -> Value:
        if e.op in ("&&", "||"):
            left = self.boolean(e.left, env, at)
            guard = left if e.op == "&&" else self.negate(left)
            right = self.boolean(e.right, env, (*at, guard))
            return Bool((conj if e.op == "&&" else disj)([left, right], self.ctx))
        x, y = self.value(e.left, env, at), self.value(e.right, env, at)
        if isinstance(x, Bool) and isinstance(y, Bool) and e.op in ("==", "!="):
            same = x.cond == y.cond
            return Bool(same if e.op == "==" else self.negate(same))
        if not isinstance(x, Int) or not isinstance(y, Int):
            raise ValidationError(f"line {e.line}: {e.op} of non-integers")
        ty = self._type(x, y, e.line)
        x, y = self._literal(x, ty, e.line), self._literal(y, ty, e.line)
        if e.op in ("<", "<=", ">", ">=", "==", "!="):
            if e.op == "!=":
                return Bool(self.negate(self.relation("==", self.z(x.poly), self.z(y.poly))))
            return Bool(self.relation(e.op, self.z(x.poly), self.z(y.poly)))
        if e.op in ("+", "-", "*"):
            r = {"+": self.add, "-": self.sub, "*": self.mul}[e.op](x.poly, y.poly)
            if not ty:
                return Int("", r)
            self.owe("panic", at, self.in_range(r, ty), f"line {e.line}: {e.op} overflows {ty}")
            return Int(ty, r)
        if not ty:
            raise ValidationError(f"line {e.line}: {e.op} of two literals")
        self.owe("panic", at, self.division_defined(x, y, ty),
                 f"line {e.line}: {e.op} by zero or MIN / -1")
        q, r = self.divide(self.z(x.poly), self.z(y.poly))
        return Int(ty, q if e.op == "/" else r)

    def division_defined(self, x: Int, y: Int, ty: str) -> z3.BoolRef:
        lo = self.num(RANGES[ty][0])
        a, b = self.z(x.poly), self.z(y.poly)
        return conj([self.negate(self.relation("==", b, self.num(0))),
                     self.negate(conj([self.relation("==", a, lo),
                                       self.relation("==", b, self.num(-1))], self.ctx))],
                    self.ctx)

    def method(self, e: Method, env: dict[str, Value], at: tuple[z3.BoolRef, ...]) -> Value:
        if e.name not in CHECKED or len(e.args) != 1:
            raise ValidationError(f"line {e.line}: unsupported method {e.name}")
        x = self.int(e.receiver, env, at)
        if not x.ty:
            raise ValidationError(f"line {e.line}: a method of an untyped literal")
        y = self._literal(self.int(e.args[0], env, at), x.ty, e.line)
        self._type(x, y, e.line)
        if e.name in ("checked_div", "checked_rem"):
            q, r = self.divide(self.z(x.poly), self.z(y.poly))
            return Opt(self.division_defined(x, y, x.ty),
                       Int(x.ty, q if e.name == "checked_div" else r))
        op = {"checked_add": self.add, "checked_sub": self.sub, "checked_mul": self.mul}[e.name]
        r = op(x.poly, y.poly)
        return Opt(self.in_range(r, x.ty), Int(x.ty, r))

    def call(self, e: Call, env: dict[str, Value], at: tuple[z3.BoolRef, ...]) -> Value:
        if e.name in ("Some", "Ok", "Err"):
            raise ValidationError(f"line {e.line}: {e.name}(…) outside a return")
        fn = self.unit.functions.get(e.name)
        if fn is None:
            raise ValidationError(f"line {e.line}: call of unknown function {e.name}")
        if len(e.args) != len(fn.params):
            raise ValidationError(f"line {e.line}: {fn.name} takes {len(fn.params)} arguments")
        callee: dict[str, Value] = {}
        for param, arg in zip(fn.params, e.args, strict=True):
            v = self._literal(self.int(arg, env, at), param.ty, e.line)
            if v.ty != param.ty:
                raise ValidationError(f"line {e.line}: {fn.name}({param.name}: {param.ty}) "
                                      f"given {v.ty}")
            callee[param.name] = v
        outcomes = self.run(fn.body, [(at, callee)], helper=True)
        depth = len(at)
        value = outcomes[-1].value
        for o in reversed(outcomes[:-1]):
            value = self._ite(conj(o.conds[depth:], self.ctx), o.value, value)
        return value

    def block_value(self, b: Block, env: dict[str, Value], at: tuple[z3.BoolRef, ...]) -> Value:
        if b.stmts or b.tail is None:
            raise ValidationError("an if expression's branches must be plain values")
        return self.value(b.tail, env, at)

    def returned(self, e: Expr, env: dict[str, Value], at: tuple[z3.BoolRef, ...]) -> Value:
        if isinstance(e, Call) and e.name in ("Ok", "Err", "Some"):
            if len(e.args) != 1:
                raise ValidationError(f"line {e.line}: {e.name} takes one argument")
            arg = e.args[0]
            if e.name == "Err":
                if not (isinstance(arg, PathE) and len(arg.parts) == 2
                        and arg.parts[1] in self.unit.enums.get(arg.parts[0], ())):
                    raise ValidationError(f"line {e.line}: Err of an unknown variant")
                return Res(False, variant=arg.parts[1])
            v = self.value(arg, env, at)
            if e.name == "Some":
                if not isinstance(v, Int):
                    raise ValidationError(f"line {e.line}: Some of a non-integer")
                return Opt(z3.BoolVal(True, self.ctx), v)
            items = v.items if isinstance(v, Tup) else (v,)
            if not all(isinstance(x, Int) and x.ty == "i64" for x in items):
                raise ValidationError(f"line {e.line}: Ok of a value that is not i64")
            return Res(True, tuple(x for x in items if isinstance(x, Int)))
        return self.value(e, env, at)

    # --- statements -------------------------------------------------------------------------
    def run(self, body: Block, paths: list[tuple[tuple[z3.BoolRef, ...], dict[str, Value]]],
            helper: bool = False) -> list[Outcome]:
        out: list[Outcome] = []
        for stmt in body.stmts:
            nxt: list[tuple[tuple[z3.BoolRef, ...], dict[str, Value]]] = []
            for at, env in paths:
                self.stmt(stmt, at, env, nxt, out)
            paths = nxt
        for at, env in paths:
            if body.tail is None:
                raise ValidationError("a path ends without a value")
            out.append(Outcome(at, self.returned(body.tail, env, at)))
        return out

    def stmt(self, st: Let | LetElse | If | Return, at: tuple[z3.BoolRef, ...],
             env: dict[str, Value], cont: list[tuple[tuple[z3.BoolRef, ...], dict[str, Value]]],
             out: list[Outcome]) -> None:
        if isinstance(st, Let):
            v = self.value(st.value, env, at)
            if isinstance(v, Int) and v.ty == "":
                raise ValidationError(f"line {st.line}: let of an untyped literal")
            cont.append((at, {**env, st.name: v}))
            return
        if isinstance(st, LetElse):
            v = self.value(st.value, env, at)
            if not isinstance(v, Opt):
                raise ValidationError(f"line {st.line}: let Some(…) of a non-Option")
            cont.append(((*at, v.some), {**env, st.name: v.inner}))
            # run() refuses a path that leaves the else block without returning
            out.extend(self.run(st.other, [((*at, self.negate(v.some)), env)]))
            return
        if isinstance(st, Return):
            out.append(Outcome(at, self.returned(st.value, env, at)))
            return
        c = self.boolean(st.cond, env, at)
        for cond, block in ((c, st.then), (self.negate(c), st.other)):
            if block is None:
                cont.append(((*at, cond), env))
                continue
            if block.tail is not None:
                raise ValidationError(f"line {st.line}: an if statement's block has a value")
            sub: list[Outcome] = []
            paths = [((*at, cond), env)]
            for inner in block.stmts:
                nxt: list[tuple[tuple[z3.BoolRef, ...], dict[str, Value]]] = []
                for p_at, p_env in paths:
                    self.stmt(inner, p_at, p_env, nxt, sub)
                paths = nxt
            out.extend(sub)
            cont.extend(paths)


def execute(model: RustModel, fn: Function) -> list[Outcome]:
    """Every path of ``fn`` from its parameters (model inputs of the same names)."""
    env: dict[str, Value] = {}
    for param in fn.params:
        if param.ty != "i64":
            raise ValidationError(f"{fn.name}: parameter {param.name} is not i64")
        env[param.name] = Int("i64", model.input(param.name))
    return model.run(fn.body, [((), env)])


# --- plain Python -----------------------------------------------------------------------------

class RustInterpreter:
    """The same semantics on Python ints; a panic or a wrap raises :class:`RustPanic`.
    Returns ``("ok", values)`` or ``("err", variant)`` for a shape function."""

    def __init__(self, unit: Unit) -> None:
        self.unit = unit

    def call(self, name: str, args: dict[str, int]) -> tuple[str, tuple[int, ...] | str]:
        fn = self.unit.functions[name]
        env: dict[str, Any] = {p.name: (args[p.name], "i64") for p in fn.params}
        result = self._run(fn.body, env)
        if not isinstance(result, tuple) or result[0] not in ("ok", "err"):
            raise ValueError(f"{name} returned {result!r}")
        return result

    def _run(self, b: Block, env: dict[str, Any]) -> Any:
        found = self._exec(b.stmts, env)
        if found is not _NONE:
            return found
        assert b.tail is not None
        return self._ret(b.tail, env)

    def _exec(self, stmts: Sequence[Let | LetElse | If | Return],
              env: dict[str, Any]) -> Any:
        for st in stmts:
            if isinstance(st, Let):
                env[st.name] = self._eval(st.value, env)
            elif isinstance(st, LetElse):
                some, inner = self._eval(st.value, env)
                if not some:
                    return self._run(st.other, dict(env))
                env[st.name] = inner
            elif isinstance(st, Return):
                return self._ret(st.value, env)
            else:
                taken = st.then if self._eval(st.cond, env) else st.other
                if taken is not None:
                    found = self._exec(taken.stmts, env)
                    if found is not _NONE:
                        return found
        return _NONE

    def _ret(self, e: Expr, env: dict[str, Any]) -> Any:
        if isinstance(e, Call) and e.name == "Err":
            arg = e.args[0]
            assert isinstance(arg, PathE)
            return ("err", arg.parts[1])
        if isinstance(e, Call) and e.name == "Ok":
            v = self._eval(e.args[0], env)
            items = v if isinstance(v, list) else [v]
            return ("ok", tuple(int(x[0]) for x in items))
        if isinstance(e, Call) and e.name == "Some":
            return (True, self._eval(e.args[0], env))
        if isinstance(e, PathE) and e.parts == ("None",):
            return (False, (0, "i128"))
        return self._eval(e, env)

    def _eval(self, e: Expr, env: dict[str, Any]) -> Any:
        if isinstance(e, Name):
            return env[e.id]
        if isinstance(e, Lit):
            return (e.value, e.suffix)
        if isinstance(e, PathE):
            lo, hi = RANGES[e.parts[0]]
            return (lo if e.parts[1] == "MIN" else hi, e.parts[0])
        if isinstance(e, Cast):
            v, ty = self._eval(e.x, env)
            lo, hi = RANGES[e.ty]
            if not lo <= v <= hi:
                raise RustPanic("wrap", f"line {e.line}: {v} as {e.ty} wraps")
            return (v, e.ty)
        if isinstance(e, Unary):
            if e.op == "!":
                return not self._eval(e.x, env)
            v, ty = self._eval(e.x, env)
            return self._fit(-v, ty, e.line)
        if isinstance(e, Bin):
            if e.op == "&&":
                return bool(self._eval(e.left, env)) and bool(self._eval(e.right, env))
            if e.op == "||":
                return bool(self._eval(e.left, env)) or bool(self._eval(e.right, env))
            x, y = self._eval(e.left, env), self._eval(e.right, env)
            if isinstance(x, bool):
                return (x == y) if e.op == "==" else (x != y)
            (a, ta), (b, tb) = x, y
            ty = ta or tb
            if e.op in _COMPARE:
                return _COMPARE[e.op](a, b)
            if e.op in ("+", "-", "*"):
                return self._fit({"+": a + b, "-": a - b, "*": a * b}[e.op], ty, e.line)
            if b == 0 or (a == RANGES[ty][0] and b == -1):
                raise RustPanic("panic", f"line {e.line}: {a} {e.op} {b} panics")
            q = _trunc(a, b)
            return (q if e.op == "/" else a - q * b, ty)
        if isinstance(e, Method):
            a, ty = self._eval(e.receiver, env)
            b, _ = self._eval(e.args[0], env)
            lo, hi = RANGES[ty]
            if e.name in ("checked_div", "checked_rem"):
                if b == 0 or (a == lo and b == -1):
                    return (False, (0, ty))
                q = _trunc(a, b)
                return (True, (q if e.name == "checked_div" else a - q * b, ty))
            r = {"checked_add": a + b, "checked_sub": a - b, "checked_mul": a * b}[e.name]
            return (lo <= r <= hi, (r if lo <= r <= hi else 0, ty))
        if isinstance(e, Call):
            fn = self.unit.functions[e.name]
            callee = {p.name: (self._eval(a_, env)[0], p.ty)
                      for p, a_ in zip(fn.params, e.args, strict=True)}
            return self._run(fn.body, callee)
        if isinstance(e, Tuple):
            return [self._eval(x, env) for x in e.items]
        if isinstance(e, IfExpr):
            taken = e.then if self._eval(e.cond, env) else e.other
            assert taken.tail is not None
            return self._eval(taken.tail, env)
        raise ValueError(f"cannot run {e}")

    @staticmethod
    def _fit(v: int, ty: str, line: int) -> tuple[int, str]:
        if ty:
            lo, hi = RANGES[ty]
            if not lo <= v <= hi:
                raise RustPanic("panic", f"line {line}: {v} overflows {ty}")
        return (v, ty)


_NONE = object()
_COMPARE = {"<": int.__lt__, "<=": int.__le__, ">": int.__gt__, ">=": int.__ge__,
            "==": int.__eq__, "!=": int.__ne__}


def _trunc(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q
