"""Plain-Python execution of the parsed C subset with C's semantics, to re-check counterexamples.

Independent of Z3: ``int64_t`` arithmetic is exact and raises :class:`Undefined` where C has
undefined behaviour (signed overflow, division by zero, ``INT64_MIN / -1``, an out-of-range
conversion to ``int64_t``); ``/`` and ``%`` truncate toward zero; ``uint64_t`` wraps mod 2**64.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from symconv.codegen.cparse import (
    Addr, Assign, Bin, Call, Cast, Decl, Expr, Function, If, Name, Num, Return, Stmt, Store,
    Unary, Unit,
)

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
BUILTIN = {"INT64_MAX": INT64_MAX, "INT64_MIN": INT64_MIN}


class Undefined(ArithmeticError):
    """The C program has undefined behaviour here; ``kind`` is overflow or div-zero."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(slots=True)
class _Cell:
    value: int


@dataclass(frozen=True, slots=True)
class _V:
    value: int
    unsigned: bool


class _Return(Exception):
    def __init__(self, value: _V) -> None:
        self.value = value


def _trunc_div(n: int, m: int) -> int:
    q = abs(n) // abs(m)
    return q if (n < 0) == (m < 0) else -q


def _signed(value: int, what: str, line: int) -> _V:
    if not INT64_MIN <= value <= INT64_MAX:
        raise Undefined("overflow", f"line {line}: signed overflow: {what} = {value}")
    return _V(value, False)


class Interpreter:
    def __init__(self, unit: Unit) -> None:
        self.unit = unit

    def call(self, name: str, args: Mapping[str, int]) -> tuple[int, dict[str, int]]:
        """Run function ``name``; pointer parameters start at 0. Returns (return value, the
        final value behind each pointer)."""
        fn = self.unit.functions[name]
        cells = {p.name: _Cell(0) for p in fn.params if p.pointer}
        values = [cells[p.name] if p.pointer else _V(int(args[p.name]), p.ctype == "uint64_t")
                  for p in fn.params]
        ret = self._invoke(fn, values)
        return ret.value, {n: c.value for n, c in cells.items()}

    def _invoke(self, fn: Function, args: list[_V | _Cell]) -> _V:
        if fn.name == "symconv__mul":  # its contract (the proofs assume it at every call)
            x, y = args[0], args[1]
            if x.value < 0 or y.value < 0:
                raise Undefined("overflow", f"symconv__mul precondition: both factors >= 0, got "
                                f"{x.value} and {y.value}")
        env: dict[str, _V | _Cell] = {}
        for param, arg in zip(fn.params, args, strict=True):
            env[param.name] = arg
        try:
            self._block(fn.body, env)
        except _Return as ret:
            return ret.value
        raise Undefined("overflow", f"{fn.name} ends without return")

    def _block(self, stmts: tuple[Stmt, ...], env: dict[str, _V | _Cell]) -> None:
        for st in stmts:
            self._stmt(st, env)

    def _stmt(self, st: Stmt, env: dict[str, _V | _Cell]) -> None:
        if isinstance(st, Decl):
            env[st.name] = self._convert(self._eval(st.init, env), st.ctype, st.line)
        elif isinstance(st, Assign):
            old = env[st.name]
            assert isinstance(old, _V)
            env[st.name] = self._convert(self._eval(st.value, env),
                                         "uint64_t" if old.unsigned else "int64_t", st.line)
        elif isinstance(st, Store):
            cell = env[st.pointer]
            assert isinstance(cell, _Cell)
            cell.value = self._convert(self._eval(st.value, env), "int64_t", st.line).value
        elif isinstance(st, If):
            if self._eval(st.cond, env).value != 0:
                self._block(st.then, env)
            else:
                self._block(st.other, env)
        elif isinstance(st, Return):
            raise _Return(self._eval(st.value, env))

    def _convert(self, v: _V, ctype: str, line: int) -> _V:
        if ctype == "uint64_t":
            return _V(v.value % 2**64, True)
        if v.unsigned and v.value > INT64_MAX:
            raise Undefined("overflow", f"line {line}: {v.value} does not fit int64_t")
        return _V(v.value, False)

    def _eval(self, e: Expr, env: dict[str, _V | _Cell]) -> _V:
        if isinstance(e, Num):
            return _V(e.value, e.unsigned)
        if isinstance(e, Name):
            if e.id in env:
                v = env[e.id]
                assert isinstance(v, _V)
                return v
            if e.id in self.unit.defines:
                return _V(self.unit.defines[e.id], False)
            return _V(BUILTIN[e.id], False)
        if isinstance(e, Cast):
            return self._convert(self._eval(e.x, env), e.ctype, e.line)
        if isinstance(e, Unary):
            x = self._eval(e.x, env)
            if e.op == "!":
                return _V(int(x.value == 0), False)
            if x.unsigned:
                return _V(-x.value % 2**64, True)
            return _signed(-x.value, f"-({x.value})", e.line)
        if isinstance(e, Call):
            fn = self.unit.functions[e.name]
            args: list[_V | _Cell] = []
            for a, param in zip(e.args, fn.params, strict=True):
                if isinstance(a, Addr):
                    cell = _Cell(0)
                    target = env[a.name]
                    assert isinstance(target, _V)
                    cell.value = target.value
                    args.append(cell)
                else:
                    args.append(self._convert(self._eval(a, env), param.ctype, e.line))
            ret = self._invoke(fn, args)
            for a, arg in zip(e.args, args, strict=True):
                if isinstance(a, Addr):
                    assert isinstance(arg, _Cell)
                    env[a.name] = _V(arg.value, False)
            return ret
        if isinstance(e, Bin):
            return self._binary(e, env)
        raise Undefined("overflow", f"cannot evaluate {e}")

    def _binary(self, e: Bin, env: dict[str, _V | _Cell]) -> _V:
        if e.op == "&&":
            return _V(int(self._eval(e.left, env).value != 0
                          and self._eval(e.right, env).value != 0), False)
        if e.op == "||":
            return _V(int(self._eval(e.left, env).value != 0
                          or self._eval(e.right, env).value != 0), False)
        x, y = self._eval(e.left, env), self._eval(e.right, env)
        unsigned = x.unsigned or y.unsigned
        a, b = (x.value % 2**64, y.value % 2**64) if unsigned else (x.value, y.value)
        compare = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b,
                   "!=": a != b}
        if e.op in compare:
            return _V(int(compare[e.op]), False)
        if e.op in ("/", "%") and b == 0:
            raise Undefined("div-zero", f"line {e.line}: division by zero: {a} {e.op} 0")
        if e.op == "/":
            r = _trunc_div(a, b)
        elif e.op == "%":
            r = a - b * _trunc_div(a, b)
        else:
            r = {"+": a + b, "-": a - b, "*": a * b}[e.op]
        if unsigned:
            return _V(r % 2**64, True)
        if e.op == "%" and a == INT64_MIN and b == -1:
            raise Undefined("overflow", f"line {e.line}: INT64_MIN % -1")
        return _signed(r, f"{a} {e.op} {b}", e.line)
