"""The values a translated function computes with, and what can be read off them."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TypeAlias

import z3

from symconv.pysem.limits import LimitExceeded, Unsupported
from symconv.z3bridge import floor_div


@dataclass(frozen=True, slots=True)
class NoneV:
    def __repr__(self) -> str:
        return "None"


NONE = NoneV()


@dataclass(frozen=True, slots=True)
class FloatV:
    """A float known exactly (computed by Python's float operations on constants)."""

    value: float

    def __str__(self) -> str:
        return repr(self.value)


@dataclass(frozen=True, slots=True)
class StrV:
    """A string; ``exact`` is False for an f-string or ``.format`` result, whose ``text`` is the
    template as written (its value is never needed except as an exception message)."""

    text: str
    exact: bool = True
    nonempty: bool = False  # known non-empty even when not exact


@dataclass(frozen=True, slots=True)
class TupleV:
    items: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class ListV:
    """A list's contents at the moment it was returned (inside the function lists live on the
    path's heap and are referenced by :class:`ListRef`)."""

    items: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class ListRef:
    ref: int


@dataclass(frozen=True, slots=True)
class RangeV:
    start: z3.ArithRef
    stop: z3.ArithRef
    step: int


@dataclass(frozen=True, slots=True)
class FuncV:
    name: str


@dataclass(frozen=True, slots=True)
class BuiltinV:
    name: str


@dataclass(frozen=True, slots=True)
class ModuleV:
    name: str


@dataclass(frozen=True, slots=True)
class TypeV:
    name: str


Value: TypeAlias = (
    z3.ArithRef | z3.BoolRef | FloatV | NoneV | StrV | TupleV | ListV | ListRef | RangeV | FuncV
    | BuiltinV | ModuleV | TypeV
)


def is_int(v: object) -> bool:
    return isinstance(v, z3.ArithRef) and v.is_int()


def is_bool(v: object) -> bool:
    return isinstance(v, z3.BoolRef)


def is_number(v: object) -> bool:
    """An int or a bool (Python's bool is an int)."""
    return is_int(v) or is_bool(v)


def type_name(v: Value) -> str:
    if is_bool(v):
        return "bool"
    if is_int(v):
        return "int"
    if isinstance(v, NoneV):
        return "NoneType"
    if isinstance(v, FloatV):
        return "float"
    if isinstance(v, StrV):
        return "str"
    if isinstance(v, TupleV):
        return "tuple"
    if isinstance(v, ListRef | ListV):
        return "list"
    if isinstance(v, RangeV):
        return "range"
    if isinstance(v, TypeV):
        return "type"
    return "function" if isinstance(v, FuncV | BuiltinV) else "module"


def as_int(v: Value) -> z3.ArithRef:
    if is_bool(v):
        return z3.If(v, z3.IntVal(1), z3.IntVal(0))
    return v


def ite(cond: z3.BoolRef, a: Value, b: Value) -> Value:
    if is_bool(a) and is_bool(b):
        return z3.If(cond, a, b)
    return z3.If(cond, as_int(a), as_int(b)) if is_bool(a) != is_bool(b) else z3.If(
        cond, a, b)


def const(v: z3.ExprRef) -> int | None:
    if isinstance(v, z3.IntNumRef):
        return long(v)
    if not ground(v):
        return None
    s = z3.simplify(v)
    return long(s) if isinstance(s, z3.IntNumRef) else None


def ground(term: z3.ExprRef) -> bool:
    """No variables in the term (a DAG walk, each shared subterm once)."""
    seen: set[int] = set()
    stack = [term]
    while stack:
        t = stack.pop()
        if t.get_id() in seen:
            continue
        seen.add(t.get_id())
        if z3.is_const(t) and t.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            return False
        stack.extend(t.children())
    return True


_MAX_DIGITS = 4000  # below Python's int/str conversion limit (4300 digits)


def long(v: z3.IntNumRef) -> int:
    text = v.as_string()
    if len(text) > _MAX_DIGITS:
        raise LimitExceeded(f"integer of {len(text)} digits")
    return int(text)


def range_len(v: RangeV) -> z3.ArithRef:
    span = v.stop - v.start
    if v.step > 0:
        n = floor_div(span + (v.step - 1), z3.IntVal(v.step))
    else:
        n = floor_div(-span + (-v.step - 1), z3.IntVal(-v.step))
    return z3.If(n > 0, n, z3.IntVal(0))


def text_of(v: Value, node: ast.AST) -> str:
    """An exception message: the string's text, else the expression as written."""
    if isinstance(v, StrV):
        return v.text
    return ast.unparse(node)[:200]


def select_int(v: Value | None, index: int | None) -> z3.ExprRef:
    if index is not None:
        if isinstance(v, TupleV | ListV):
            if not -len(v.items) <= index < len(v.items):
                raise Unsupported(f"returned {type_name(v)} has no element {index}")
            v = v.items[index]
        elif isinstance(v, RangeV) and index in (0, 1):
            return v.start if index == 0 else v.stop
        else:
            raise Unsupported(f"cannot take element {index} of a returned {show(v)}")
    if is_bool(v):
        return z3.If(v, z3.IntVal(1), z3.IntVal(0))
    if is_int(v):
        return v
    raise Unsupported(f"returned value {show(v)} is not an integer")


def as_python(v: Value | None) -> object:
    """A folded (constant) value as a plain Python object."""
    if v is None or isinstance(v, NoneV):
        return None
    if is_bool(v):
        return z3.is_true(v)
    if isinstance(v, z3.IntNumRef):
        return long(v)
    if isinstance(v, TupleV):
        return tuple(as_python(x) for x in v.items)
    if isinstance(v, ListV):
        return [as_python(x) for x in v.items]
    if isinstance(v, RangeV) and isinstance(v.start, z3.IntNumRef) and isinstance(
        v.stop, z3.IntNumRef
    ):
        return range(long(v.start), long(v.stop), v.step)
    if isinstance(v, StrV):
        if not v.exact:
            raise Unsupported(f"formatted string {v.text!r} (its value is not computed)")
        return v.text
    if isinstance(v, FloatV):
        return v.value
    raise Unsupported(f"value {show(v)} is not constant")


def show(v: Value | None) -> str:
    if isinstance(v, TupleV):
        return "(" + ", ".join(show(x) for x in v.items) + ("," if len(v.items) == 1 else "") + ")"
    if isinstance(v, ListV):
        return "[" + ", ".join(show(x) for x in v.items) + "]"
    if isinstance(v, RangeV):
        return f"range({show(v.start)}, {show(v.stop)}, {v.step})"
    if isinstance(v, StrV):
        return repr(v.text)
    return str(v)
