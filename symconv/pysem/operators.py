"""Python's operators on translated values: arithmetic (``//`` and ``%`` floor toward -inf,
a possibly zero divisor forks a ``ZeroDivisionError`` path), float arithmetic on constants,
truth, comparisons, equality and identity."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import z3

from symconv.pysem.engine import Engine, Results
from symconv.pysem.limits import FloatArithmetic, LimitExceeded, Unsupported, pos
from symconv.pysem.merge import State
from symconv.pysem.values import (
    FloatV, ListRef, ListV, NoneV, RangeV, StrV, TupleV, TypeV, Value, as_int, const, is_bool,
    is_number, long, range_len, type_name,
)
from symconv.z3bridge import floor_div, floor_mod

_INT_OPS: dict[type, Callable[[int, int], int]] = {
    ast.Add: lambda u, v: u + v, ast.Sub: lambda u, v: u - v,
    ast.Mult: lambda u, v: u * v, ast.FloorDiv: lambda u, v: u // v,
    ast.Mod: lambda u, v: u % v,
}
_FLOAT_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
}
_ORDER: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
}
_SYMBOLS = {ast.LShift: "<<", ast.RShift: ">>", ast.BitAnd: "&", ast.BitOr: "|",
            ast.BitXor: "^", ast.MatMult: "@"}


def _numeric(v: Value) -> bool:
    """An int, a bool or a float: an operand of float arithmetic."""
    return isinstance(v, FloatV) or is_number(v)


def _text(op: ast.operator | ast.cmpop) -> str:
    """The operator as written: ``/``, ``<=``."""
    return {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
            ast.Mod: "%", ast.Pow: "**", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
            ast.GtE: ">="}.get(type(op), type(op).__name__)


class Operators(Engine):
    def binop(self, op: ast.operator, left: Value, right: Value, st: State, node: ast.AST
              ) -> Results:
        if isinstance(op, ast.Div) or isinstance(left, FloatV) or isinstance(right, FloatV):
            return self.float_binop(op, left, right, st, node)
        if not (is_number(left) and is_number(right)):
            if isinstance(left, NoneV) or isinstance(right, NoneV):
                self.type_error(st, node, f"unsupported operand types: {type_name(left)}, "
                                f"{type_name(right)}")
                return []
            joined = self.sequence_op(op, left, right, st, node)
            if joined is not None:
                return [(st, joined)]
            raise Unsupported(
                f"operator {type(op).__name__} on {type_name(left)} and {type_name(right)}",
                *pos(node),
            )
        x, y = as_int(left), as_int(right)
        if not isinstance(op, ast.FloorDiv | ast.Mod) or const(y) not in (None, 0):
            folded = self.fold(op, x, y, node)
            if folded is not None:
                return [(st, folded)]
        if isinstance(op, ast.Add):
            return [(st, self.checked(x + y, node))]
        if isinstance(op, ast.Sub):
            return [(st, self.checked(x - y, node))]
        if isinstance(op, ast.Mult):
            return [(st, self.checked(x * y, node))]
        if isinstance(op, ast.FloorDiv | ast.Mod):
            ok, zero = self.split(st, y != 0)
            if zero is not None:
                self.raise_(zero, None, "ZeroDivisionError", node,
                            "integer division or modulo by zero")
            if ok is None:
                return []
            fn = floor_div if isinstance(op, ast.FloorDiv) else floor_mod
            return [(ok, self.checked(fn(x, y), node))]
        if isinstance(op, ast.Pow):
            return [(st, self.power(x, y, node))]
        raise Unsupported(f"operator {_SYMBOLS.get(type(op), type(op).__name__)}", *pos(node))

    def power(self, x: z3.ArithRef, y: z3.ArithRef, node: ast.AST) -> z3.ArithRef:
        e = const(y)
        if e is None:
            raise Unsupported("power with a non-constant exponent", *pos(node))
        if e < 0:
            raise Unsupported("negative exponent (float result)", *pos(node))
        if e > self.limits.power:
            raise LimitExceeded(f"exponent {e} (limit {self.limits.power})", *pos(node))
        base_const = const(x)
        if base_const is not None and abs(base_const).bit_length() * e > self.limits.int_bits:
            raise LimitExceeded(f"constant power of {abs(base_const).bit_length() * e} bits",
                                *pos(node))
        if base_const is not None:
            return self.intval(base_const**e, node)
        result: z3.ArithRef = z3.IntVal(1)
        for _ in range(e):
            result = result * x
        return self.checked(result, node)

    def sequence_op(self, op: ast.operator, left: Value, right: Value, st: State,
                    node: ast.AST) -> Value | None:
        """tuple/list + tuple/list of the same kind, and repetition by a constant int."""
        def items(v: Value) -> tuple[Value, ...] | None:
            if isinstance(v, TupleV):
                return v.items
            if isinstance(v, ListRef):
                return tuple(st.heap[v.ref])
            return None

        def make(like: Value, values: tuple[Value, ...]) -> Value:
            self.check_length(len(values), node)
            return TupleV(values) if isinstance(like, TupleV) else self.new_list(st, list(values))

        lx, ly = items(left), items(right)
        if isinstance(op, ast.Add) and lx is not None and ly is not None and \
                type(left) is type(right):
            return make(left, lx + ly)
        if isinstance(op, ast.Mult) and (lx is None) != (ly is None):
            seq, times = (left, right) if lx is not None else (right, left)
            if not is_number(times):
                return None
            n_ = const(as_int(times))
            if n_ is None:
                raise Unsupported("sequence repeated a symbolic number of times", *pos(node))
            base = lx if lx is not None else ly
            assert base is not None
            if len(base) * max(n_, 0) > self.limits.tuple_length:
                raise LimitExceeded(f"sequence of {len(base) * n_} elements", *pos(node))
            return make(seq, base * max(n_, 0))
        return None

    def float_binop(self, op: ast.operator, left: Value, right: Value, st: State,
                    node: ast.AST) -> Results:
        fn = _FLOAT_OPS.get(type(op))
        if fn is None:
            raise Unsupported(f"operator {type(op).__name__} with a float", *pos(node))
        if isinstance(left, StrV) and isinstance(op, ast.Mod):
            raise Unsupported("string formatting with %", *pos(node))
        if not (_numeric(left) and _numeric(right)):
            self.type_error(st, node, f"unsupported operand type(s) for {_text(op)}: "
                            f"{type_name(left)!r} and {type_name(right)!r}")
            return []
        what = "true division /" if isinstance(op, ast.Div) else "float arithmetic"
        x, y = self.concrete_number(left, what, node), self.concrete_number(right, what, node)
        return self.python_number(lambda: fn(x, y), st, node)

    def concrete_number(self, v: Value, what: str, node: ast.AST) -> int | float:
        """The plain number behind a constant operand of float arithmetic."""
        if isinstance(v, FloatV):
            return v.value
        if is_number(v):
            c = const(as_int(v))
            if c is not None:
                return c
            raise FloatArithmetic(
                f"{what} on a symbolic value (float arithmetic is never proved)", *pos(node))
        raise Unsupported(f"{what} on a {type_name(v)}", *pos(node))

    def python_number(self, compute: Callable[[], Any], st: State, node: ast.AST) -> Results:
        """Run one float operation of plain Python numbers; its exception becomes a path."""
        try:
            result = compute()
        except (ZeroDivisionError, OverflowError, ValueError) as exc:
            self.raise_(st, None, type(exc).__name__, node, str(exc))
            return []
        if isinstance(result, bool):
            return [(st, z3.BoolVal(result))]
        if isinstance(result, int):
            return [(st, self.intval(result, node))]
        return [(st, FloatV(float(result)))]

    def fold(self, op: ast.operator, x: z3.ArithRef, y: z3.ArithRef, node: ast.AST
             ) -> z3.ArithRef | None:
        """Python's own arithmetic on two constants (None unless both are constants)."""
        if not (isinstance(x, z3.IntNumRef) and isinstance(y, z3.IntNumRef)):
            return None
        a_, b_ = long(x), long(y)
        if isinstance(op, ast.Mult) and a_.bit_length() + b_.bit_length() > \
                self.limits.int_bits + 1:
            raise LimitExceeded("integer product too large", *pos(node))
        fn = _INT_OPS.get(type(op))
        return None if fn is None else self.intval(fn(a_, b_), node)

    def truth(self, v: Value, st: State, node: ast.AST) -> list[tuple[State, z3.BoolRef]]:
        if is_bool(v):
            return [(st, v)]
        if is_number(v):
            return [(st, v != 0)]
        if isinstance(v, NoneV):
            return [(st, z3.BoolVal(False))]
        if isinstance(v, FloatV):
            return [(st, z3.BoolVal(bool(v.value)))]
        if isinstance(v, TupleV):
            return [(st, z3.BoolVal(bool(v.items)))]
        if isinstance(v, ListRef):
            return [(st, z3.BoolVal(bool(st.heap[v.ref])))]
        if isinstance(v, StrV):
            if not v.exact and not v.nonempty:
                raise Unsupported("truth of a formatted string", *pos(node))
            return [(st, z3.BoolVal(bool(v.text) if v.exact else True))]
        if isinstance(v, RangeV):
            return [(st, range_len(v) > 0)]
        return [(st, z3.BoolVal(True))]

    def compare(self, op: ast.cmpop, left: Value, right: Value, st: State, node: ast.AST
                ) -> list[tuple[State, z3.BoolRef]]:
        if isinstance(op, ast.Is | ast.IsNot):
            res = self.identity(left, right, node)
            return [(st, z3.Not(res) if isinstance(op, ast.IsNot) else res)]
        if isinstance(op, ast.In | ast.NotIn):
            if isinstance(right, ListRef):
                items: tuple[Value, ...] = tuple(st.heap[right.ref])
            elif isinstance(right, TupleV):
                items = right.items
            else:
                raise Unsupported(f"'in' on a {type_name(right)}", *pos(node))
            res = z3.Or(*[self.equal(left, x, st, node) for x in items]) if items else \
                z3.BoolVal(False)
            return [(st, z3.Not(res) if isinstance(op, ast.NotIn) else res)]
        if isinstance(op, ast.Eq | ast.NotEq):
            res = self.equal(left, right, st, node)
            return [(st, z3.Not(res) if isinstance(op, ast.NotEq) else res)]
        if isinstance(left, FloatV) or isinstance(right, FloatV):
            if not (_numeric(left) and _numeric(right)):
                self.type_error(st, node, f"{_text(op)!r} not supported between instances of "
                                f"{type_name(left)!r} and {type_name(right)!r}")
                return []
            x_, y_ = (self.concrete_number(v, "float comparison", node) for v in (left, right))
            return [(st, z3.BoolVal(_ORDER[type(op)](x_, y_)))]
        if not (is_number(left) and is_number(right)):
            unorderable = isinstance(left, NoneV | StrV | TypeV) or isinstance(
                right, NoneV | StrV | TypeV)
            if unorderable and not (isinstance(left, StrV) and isinstance(right, StrV)):
                self.type_error(st, node, "'<' between unorderable types")
                return []
            raise Unsupported(f"ordering {type_name(left)} and {type_name(right)}",
                              *pos(node))
        return [(st, _ORDER[type(op)](as_int(left), as_int(right)))]

    def equal(self, left: Value, right: Value, st: State, node: ast.AST) -> z3.BoolRef:
        if is_number(left) and is_number(right):
            return as_int(left) == as_int(right)
        if isinstance(left, FloatV) or isinstance(right, FloatV):
            other = right if isinstance(left, FloatV) else left
            if not (isinstance(other, FloatV) or is_number(other)):
                return z3.BoolVal(False)
            x_, y_ = (self.concrete_number(v, "float comparison", node) for v in (left, right))
            return z3.BoolVal(x_ == y_)
        if isinstance(left, ListRef):
            left = ListV(tuple(st.heap[left.ref]))
        if isinstance(right, ListRef):
            right = ListV(tuple(st.heap[right.ref]))
        if isinstance(left, TupleV | ListV) and isinstance(right, TupleV | ListV):
            if type(left) is not type(right) or len(left.items) != len(right.items):
                return z3.BoolVal(False)
            return z3.And(*[self.equal(a, b, st, node) for a, b in
                            zip(left.items, right.items, strict=True)])
        if isinstance(left, RangeV) or isinstance(right, RangeV):
            raise Unsupported("range equality", *pos(node))
        if (isinstance(left, StrV) and not left.exact) or (
                isinstance(right, StrV) and not right.exact):
            raise Unsupported("comparing a formatted string", *pos(node))
        if isinstance(left, z3.ExprRef) or isinstance(right, z3.ExprRef):
            return z3.BoolVal(False)  # a number never equals None, a str, a tuple, a type...
        return z3.BoolVal(left == right)

    def identity(self, left: Value, right: Value, node: ast.AST) -> z3.BoolRef:
        if isinstance(left, NoneV) or isinstance(right, NoneV):
            return z3.BoolVal(isinstance(left, NoneV) and isinstance(right, NoneV))
        if isinstance(left, TypeV) and isinstance(right, TypeV):
            return z3.BoolVal(left == right)
        if is_bool(left) and is_bool(right):
            return left == right
        raise Unsupported("'is' between values other than None, bools and types", *pos(node))
