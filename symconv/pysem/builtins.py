"""The builtins a translated function may call, one handler per name (registered as CrossHair
registers its patches in ``crosshair/libimpl/builtinslib.py``).

``BUILTINS`` holds the functions (``min``, ``len``, ``math.floor``, ...), ``CONSTRUCTORS`` the
types called as functions (``int(x)``, ``tuple(xs)``, ...). A handler gets the evaluated
arguments and returns the (state, value) results; an exception Python would raise becomes a
path.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from typing import Any

import z3

from symconv.pysem.engine import Results
from symconv.pysem.limits import Unsupported, pos
from symconv.pysem.merge import State
from symconv.pysem.operators import Operators
from symconv.pysem.values import (
    FloatV, ListRef, NoneV, RangeV, StrV, TupleV, TypeV, Value, as_int, const, is_bool, is_int,
    is_number, ite, range_len, type_name,
)
from symconv.z3bridge import floor_div, floor_mod

Handler = Callable[[Operators, str, list[Value], State, ast.AST], Results]

BUILTINS: dict[str, Handler] = {}
CONSTRUCTORS: dict[str, Handler] = {}

SEQUENCES = frozenset({"list", "tuple", "str", "bytes", "range"})


def _register(table: dict[str, Handler], *names: str) -> Callable[[Handler], Handler]:
    def add(handler: Handler) -> Handler:
        for name in names:
            table[name] = handler
        return handler

    return add


def builtin(*names: str) -> Callable[[Handler], Handler]:
    return _register(BUILTINS, *names)


def constructor(*names: str) -> Callable[[Handler], Handler]:
    return _register(CONSTRUCTORS, *names)


def int_argument(ex: Operators, name: str, args: list[Value], st: State, node: ast.AST
                 ) -> z3.ArithRef | None:
    """The one integer argument of ``abs``/``math.floor``/...; None when Python raises a
    TypeError instead (that path is finished here)."""
    if len(args) != 1:
        ex.type_error(st, node, f"{name}() takes exactly one argument ({len(args)} given)")
        return None
    if not is_number(args[0]):
        what = f"bad operand type for abs(): {type_name(args[0])!r}" if name == "abs" else \
            f"must be real number, not {type_name(args[0])}"
        ex.type_error(st, node, what)
        return None
    return as_int(args[0])


@builtin("min", "max")
def _extreme(ex: Operators, name: str, args: list[Value], st: State,
             node: ast.AST) -> Results:
    items = args
    if len(args) == 1:
        only = args[0]
        if isinstance(only, TupleV):
            items = list(only.items)
        elif isinstance(only, ListRef):
            items = list(st.heap[only.ref])
        else:
            raise Unsupported(f"{name} of a {type_name(only)}", *pos(node))
        if not items:
            ex.raise_(st, None, "ValueError", node, f"{name}() arg is an empty sequence")
            return []
    if not items:
        ex.type_error(st, node, f"{name} expected at least 1 argument")
        return []
    if not all(is_int(x) for x in items) and not all(is_bool(x) for x in items):
        # min(True, 5) is the bool True: mixing would need the winner's type
        raise Unsupported(f"{name} of values other than all ints or all bools", *pos(node))
    # Python returns the first of equal extremes; all are ints of equal value then.
    best = items[0]
    for x in items[1:]:
        better = (as_int(x) < as_int(best)) if name == "min" else (as_int(x) > as_int(best))
        best = ite(better, x, best)
    return [(st, best)]


_FLOAT_FNS: dict[str, Callable[[float], Any]] = {
    "abs": abs, "math.floor": math.floor, "math.ceil": math.ceil, "math.trunc": math.trunc}


@builtin("abs")
def _abs(ex: Operators, name: str, args: list[Value], st: State,
         node: ast.AST) -> Results:
    if len(args) == 1 and isinstance(args[0], FloatV):
        fx = args[0].value
        return ex.python_number(lambda: _FLOAT_FNS[name](fx), st, node)
    x = int_argument(ex, name, args, st, node)
    return [] if x is None else [(st, z3.If(x >= 0, x, -x))]


@builtin("math.floor", "math.ceil", "math.trunc")
def _rounding(ex: Operators, name: str, args: list[Value], st: State,
              node: ast.AST) -> Results:
    if len(args) == 1 and isinstance(args[0], FloatV):
        fx = args[0].value
        return ex.python_number(lambda: _FLOAT_FNS[name](fx), st, node)
    x = int_argument(ex, name, args, st, node)
    return [] if x is None else [(st, x)]


@builtin("divmod")
def _divmod(ex: Operators, name: str, args: list[Value], st: State,
            node: ast.AST) -> Results:
    if len(args) != 2 or not all(is_number(x) for x in args):
        raise Unsupported("divmod of anything but two integers", *pos(node))
    x, y = as_int(args[0]), as_int(args[1])
    ok, zero = ex.split(st, y != 0)
    if zero is not None:
        ex.raise_(zero, None, "ZeroDivisionError", node, "integer division or modulo by zero")
    return [] if ok is None else [(ok, TupleV((floor_div(x, y), floor_mod(x, y))))]


@builtin("len")
def _len(ex: Operators, name: str, args: list[Value], st: State,
         node: ast.AST) -> Results:
    if len(args) != 1:
        raise Unsupported("len with other than 1 argument", *pos(node))
    v = args[0]
    if isinstance(v, TupleV):
        return [(st, z3.IntVal(len(v.items)))]
    if isinstance(v, ListRef):
        return [(st, z3.IntVal(len(st.heap[v.ref])))]
    if isinstance(v, StrV) and v.exact:
        return [(st, z3.IntVal(len(v.text)))]
    if isinstance(v, RangeV):
        return [(st, range_len(v))]
    if isinstance(v, NoneV) or is_number(v):
        ex.type_error(st, node, f"object of type {type_name(v)} has no len()")
        return []
    raise Unsupported(f"len of a {type_name(v)}", *pos(node))


@builtin("range")
def _range(ex: Operators, name: str, args: list[Value], st: State,
           node: ast.AST) -> Results:
    if not 1 <= len(args) <= 3 or not all(is_number(x) for x in args):
        raise Unsupported("range of other than 1-3 integers", *pos(node))
    ints = [as_int(x) for x in args]
    if len(ints) == 1:
        ints = [z3.IntVal(0), ints[0]]
    step = 1
    if len(ints) == 3:
        c = const(ints[2])
        if c is None:
            raise Unsupported("range with a symbolic step", *pos(node))
        if c == 0:
            ex.raise_(st, None, "ValueError", node, "range() arg 3 must not be zero")
            return []
        step = c
    return [(st, RangeV(ints[0], ints[1], step))]


@builtin("isinstance")
def _isinstance(ex: Operators, name: str, args: list[Value], st: State,
                node: ast.AST) -> Results:
    if len(args) != 2:
        raise Unsupported("isinstance with other than 2 arguments", *pos(node))
    kinds = args[1].items if isinstance(args[1], TupleV) else (args[1],)
    names = set()
    for kind in kinds:
        if not isinstance(kind, TypeV):
            raise Unsupported("isinstance with a non-type", *pos(node))
        names.add(kind.name)
    actual = type_name(args[0])
    hit = actual in names or (actual == "bool" and "int" in names) or (
        actual in SEQUENCES and "Sequence" in names)
    return [(st, z3.BoolVal(hit))]


@builtin("type")
def _type(ex: Operators, name: str, args: list[Value], st: State,
          node: ast.AST) -> Results:
    if len(args) != 1:
        raise Unsupported("type with other than 1 argument", *pos(node))
    return [(st, TypeV(type_name(args[0])))]


def _refuse(name: str, args: list[Value], node: ast.AST) -> Unsupported:
    return Unsupported(f"{name}() of {', '.join(type_name(a) for a in args) or 'nothing'}",
                       *pos(node))


def _not_a_number(v: Value) -> bool:
    """Neither a number nor a str: ``int(v)`` and ``float(v)`` raise a TypeError."""
    return not (is_number(v) or isinstance(v, FloatV | StrV))


@constructor("int")
def _int(ex: Operators, name: str, args: list[Value], st: State,
         node: ast.AST) -> Results:
    if len(args) == 1 and is_number(args[0]):
        return [(st, as_int(args[0]))]
    if len(args) == 1 and isinstance(args[0], FloatV):
        fx = args[0].value
        return ex.python_number(lambda: int(fx), st, node)
    if len(args) == 1 and _not_a_number(args[0]):
        ex.type_error(st, node, "int() argument must be a string, a bytes-like object or a "
                      f"real number, not {type_name(args[0])!r}")
        return []
    raise _refuse(name, args, node)


@constructor("bool")
def _bool(ex: Operators, name: str, args: list[Value], st: State,
          node: ast.AST) -> Results:
    if len(args) == 1:
        return [(s, c) for s, c in ex.truth(args[0], st, node)]
    raise _refuse(name, args, node)


@constructor("float")
def _float(ex: Operators, name: str, args: list[Value], st: State,
           node: ast.AST) -> Results:
    if len(args) == 1 and _not_a_number(args[0]):
        ex.type_error(st, node, "float() argument must be a string or a real number, not "
                      f"{type_name(args[0])!r}")
        return []
    if len(args) == 1 and not isinstance(args[0], StrV):
        fx = ex.concrete_number(args[0], "float()", node)
        return ex.python_number(lambda: float(fx), st, node)
    raise _refuse(name, args, node)


@constructor("tuple", "list")
def _sequence(ex: Operators, name: str, args: list[Value], st: State,
              node: ast.AST) -> Results:
    if len(args) == 1 and isinstance(args[0], ListRef | TupleV):
        v = args[0]
        items = tuple(st.heap[v.ref]) if isinstance(v, ListRef) else v.items
        return [(st, TupleV(items) if name == "tuple" else ex.new_list(st, list(items)))]
    raise _refuse(name, args, node)
