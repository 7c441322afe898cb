"""Expressions: one method ``e_<ast class>`` per kind of expression, each returning the
(state, value) results of evaluating it on one path (a condition can fork the path)."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Sequence

import z3

from symconv.pysem.builtins import BUILTINS, CONSTRUCTORS
from symconv.pysem.engine import Results
from symconv.pysem.limits import LimitExceeded, Unsupported, pos
from symconv.pysem.merge import State, merge
from symconv.pysem.module import MATH
from symconv.pysem.operators import Operators
from symconv.pysem.values import (
    NONE, BuiltinV, FloatV, FuncV, ListRef, ModuleV, NoneV, StrV, TupleV, TypeV, Value, as_int,
    const, is_number, type_name,
)

TYPES = frozenset({"int", "bool", "float", "str", "bytes", "tuple", "list"})
_PLAIN_BUILTINS = frozenset(name for name in BUILTINS if "." not in name)
_PYTHON_BUILTINS = frozenset(dir(builtins))

_UNSUPPORTED = {
    "Lambda": "lambda", "ListComp": "list comprehension",
    "SetComp": "set comprehension", "DictComp": "dict comprehension",
    "GeneratorExp": "generator expression", "NamedExpr": "walrus operator (:=)",
    "Await": "await", "Yield": "yield", "YieldFrom": "yield from",
    "Starred": "starred expression", "Set": "set display", "Dict": "dict display",
    "Slice": "slice",
}


class Expressions(Operators):
    def call(self, fname: str, args: list[Value], kwargs: dict[str, Value], st: State,
             node: ast.AST) -> Results:
        """Inline a call of the module's function ``fname`` (statements: the executor)."""
        raise NotImplementedError

    def expr(self, node: ast.expr, st: State) -> Results:
        self.tick(node)
        method = getattr(self, f"e_{type(node).__name__}", None)
        if method is None:
            name = type(node).__name__
            raise Unsupported(_UNSUPPORTED.get(name, f"expression {name}"), *pos(node))
        return method(node, st)  # type: ignore[no-any-return]

    def exprs(self, nodes: Sequence[ast.expr], st: State) -> list[tuple[State, list[Value]]]:
        acc: list[tuple[State, list[Value]]] = [(st, [])]
        for n in nodes:
            nxt = []
            for s, vals in acc:
                for s2, v in self.expr(n, s):
                    nxt.append((s2, [*vals, v]))
            self.check_paths(len(nxt))
            acc = nxt
        return acc

    def e_Constant(self, node: ast.Constant, st: State) -> Results:
        v = node.value
        if isinstance(v, bool):
            return [(st, z3.BoolVal(v))]
        if isinstance(v, int):
            return [(st, self.intval(v, node))]
        if v is None:
            return [(st, NONE)]
        if isinstance(v, str):
            return [(st, StrV(v))]
        if isinstance(v, float):
            return [(st, FloatV(v))]
        raise Unsupported(f"{type(v).__name__} constant", *pos(node))

    def e_Name(self, node: ast.Name, st: State) -> Results:
        name = node.id
        if name in st.env:
            return [(st, st.env[name])]
        if name in st.locals_:
            self.raise_(st, None, "UnboundLocalError", node,
                        f"local variable {name!r} referenced before assignment")
            return []
        mod = self.module
        if name in mod.functions:
            return [(st, FuncV(name))]
        if name in mod.constants:
            return [(st, self.intval(mod.constants[name], node))]
        if name in mod.math_names:
            target = mod.math_names[name]
            if target.startswith("type:"):
                return [(st, TypeV(target[5:]))]
            return [(st, ModuleV("math") if target == "math" else BuiltinV(target))]
        if name in mod.other_globals:
            raise Unsupported(f"module-level name {name} (not a function or int constant)",
                              *pos(node))
        if name in TYPES:
            return [(st, TypeV(name))]
        if name in _PLAIN_BUILTINS:
            return [(st, BuiltinV(name))]
        if name in _PYTHON_BUILTINS:
            raise Unsupported(f"name {name} (a builtin outside the subset)", *pos(node))
        if name.startswith("__") and name.endswith("__"):  # __name__, __file__: Python's own
            raise Unsupported(f"name {name} (a module attribute Python defines)", *pos(node))
        if mod.dynamic:
            raise Unsupported(f"name {name} (not defined in the module's text, and the module "
                              f"can create names at run time: {mod.dynamic})", *pos(node))
        self.raise_(st, None, "NameError", node, f"name {name!r} is not defined")
        return []

    def e_Tuple(self, node: ast.Tuple, st: State) -> Results:
        self.check_length(len(node.elts), node)
        return [(s, TupleV(tuple(vals))) for s, vals in self.exprs(node.elts, st)]

    def e_List(self, node: ast.List, st: State) -> Results:
        self.check_length(len(node.elts), node)
        return [(s, self.new_list(s, vals)) for s, vals in self.exprs(node.elts, st)]

    def e_JoinedStr(self, node: ast.JoinedStr, st: State) -> Results:
        inner: list[ast.expr] = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                if part.format_spec is not None:
                    raise Unsupported("f-string format specification", *pos(part))
                inner.append(part.value)
        # Formatting ints, bools, None, tuples and lists never raises; the parts are evaluated
        # only for the errors their evaluation can raise.
        text = "".join(
            str(part.value) if isinstance(part, ast.Constant)
            else "{" + ast.unparse(part.value) + "}" if isinstance(part, ast.FormattedValue)
            else "" for part in node.values)
        out: Results = []
        for s, vals in self.exprs(inner, st):
            for v, part in zip(vals, inner, strict=True):
                if not isinstance(v, z3.ExprRef | FloatV | NoneV | StrV | TupleV | ListRef):
                    raise Unsupported(f"formatting a {type_name(v)}", *pos(part))
            nonempty = any(
                (isinstance(part, ast.Constant) and part.value)
                or (isinstance(v, z3.ExprRef | FloatV | NoneV | TupleV | ListRef))
                for part, v in zip(node.values, _spread(node.values, vals), strict=True))
            out.append((s, StrV(text, exact=not inner, nonempty=nonempty)))
        return out

    def e_UnaryOp(self, node: ast.UnaryOp, st: State) -> Results:
        out: Results = []
        for s, v in self.expr(node.operand, st):
            if isinstance(node.op, ast.Not):
                out.extend((s2, z3.Not(c)) for s2, c in self.truth(v, s, node.operand))
                continue
            if isinstance(v, FloatV) and not isinstance(node.op, ast.Invert):
                out.append((s, FloatV(-v.value if isinstance(node.op, ast.USub) else v.value)))
                continue
            if not is_number(v):
                self.type_error(s, node, f"bad operand type for unary op: {type_name(v)}")
                continue
            x = as_int(v)
            if isinstance(node.op, ast.USub):
                out.append((s, -x))
            elif isinstance(node.op, ast.UAdd):
                out.append((s, x))
            else:
                out.append((s, -x - 1))
        return out

    def e_BinOp(self, node: ast.BinOp, st: State) -> Results:
        out = []
        for s, left in self.expr(node.left, st):
            for s2, right in self.expr(node.right, s):
                out.extend(self.binop(node.op, left, right, s2, node))
        return out

    def e_BoolOp(self, node: ast.BoolOp, st: State) -> Results:
        is_and = isinstance(node.op, ast.And)
        out: Results = []
        pending: list[tuple[State, int]] = [(st, 0)]
        # `a and b` is a when a is falsy, else b (`or`: a when truthy); b runs only if needed.
        while pending:
            s, idx = pending.pop()
            for s2, v in self.expr(node.values[idx], s):
                if idx == len(node.values) - 1:
                    out.append((s2, v))
                    continue
                for s3, t in self.truth(v, s2, node.values[idx]):
                    stop_here, go_on = self.split(s3, z3.Not(t) if is_and else t)
                    if stop_here is not None:
                        out.append((stop_here, v))
                    if go_on is not None:
                        pending.append((go_on, idx + 1))
            self.check_paths(len(out) + len(pending))
        return merge(st, out)

    def e_IfExp(self, node: ast.IfExp, st: State) -> Results:
        out: Results = []
        for s, test in self.expr(node.test, st):
            for s2, cond in self.truth(test, s, node.test):
                yes, no = self.split(s2, cond)
                branch: Results = []
                if yes is not None:
                    branch.extend(self.expr(node.body, yes))
                if no is not None:
                    branch.extend(self.expr(node.orelse, no))
                out.extend(merge(s2, branch))
        return out

    def e_Compare(self, node: ast.Compare, st: State) -> Results:
        out: Results = []
        # a < b < c: each comparator is evaluated once, and only while the chain still holds.
        pending: list[tuple[State, Value, int]] = [(s, v, 0) for s, v in self.expr(node.left, st)]
        while pending:
            s, left, idx = pending.pop()
            for s2, right in self.expr(node.comparators[idx], s):
                for s3, res in self.compare(node.ops[idx], left, right, s2, node):
                    if idx == len(node.ops) - 1:
                        out.append((s3, res))
                        continue
                    holds, fails = self.split(s3, res)
                    if fails is not None:
                        out.append((fails, z3.BoolVal(False)))
                    if holds is not None:
                        pending.append((holds, right, idx + 1))
            self.check_paths(len(out) + len(pending))
        return merge(st, out)

    def e_Subscript(self, node: ast.Subscript, st: State) -> Results:
        if isinstance(node.slice, ast.Slice):
            raise Unsupported("slice", *pos(node))
        out: Results = []
        for s, (seq, idx) in self.exprs([node.value, node.slice], st):
            if isinstance(seq, ListRef):
                items: Sequence[Value] = s.heap[seq.ref]
            elif isinstance(seq, TupleV):
                items = seq.items
            else:
                raise Unsupported(f"subscript of a {type_name(seq)}", *pos(node))
            if not is_number(idx):
                self.type_error(s, node, "indices must be integers")
                continue
            i = const(as_int(idx))
            if i is None:
                raise Unsupported("subscript with a symbolic index", *pos(node))
            if not -len(items) <= i < len(items):
                self.raise_(s, None, "IndexError", node, "index out of range")
                continue
            out.append((s, items[i]))
        return out

    def e_Attribute(self, node: ast.Attribute, st: State) -> Results:
        if node.attr != "__name__":
            raise Unsupported(f"attribute access .{node.attr}", *pos(node))
        out: Results = []
        for s, v in self.expr(node.value, st):
            if not isinstance(v, TypeV):
                raise Unsupported(f"attribute access .__name__ of a {type_name(v)}",
                                  *pos(node))
            out.append((s, StrV(v.name)))
        return out

    def e_Call(self, node: ast.Call, st: State) -> Results:
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            raise Unsupported("*args/**kwargs in a call", *pos(node))
        func = node.func
        if isinstance(func, ast.Attribute):
            return self.method_call(func, node, st)
        out: Results = []
        for s, fv in self.expr(func, st):
            for s2, vals in self.exprs([*node.args, *[k.value for k in node.keywords]], s):
                args = vals[: len(node.args)]
                kwargs = {k.arg: v for k, v in zip(node.keywords, vals[len(node.args):],
                                                   strict=True) if k.arg is not None}
                out.extend(self.call_value(fv, args, kwargs, s2, node))
        return out

    def call_value(self, fv: Value, args: list[Value], kwargs: dict[str, Value], st: State,
                   node: ast.AST) -> Results:
        if isinstance(fv, FuncV):
            return self.call(fv.name, args, kwargs, st, node)
        if isinstance(fv, BuiltinV | TypeV):
            if kwargs:
                raise Unsupported(f"keyword arguments to {fv.name}", *pos(node))
            table = BUILTINS if isinstance(fv, BuiltinV) else CONSTRUCTORS
            handler = table.get(fv.name)
            if handler is None:
                types = ", ".join(type_name(a) for a in args) or "nothing"
                raise Unsupported(f"{fv.name}() of {types}", *pos(node))
            return handler(self, fv.name, args, st, node)
        raise Unsupported(f"call of a {type_name(fv)}", *pos(node))

    def method_call(self, func: ast.Attribute, node: ast.Call, st: State) -> Results:
        if isinstance(func.value, ast.Name) and func.value.id not in st.env:
            target = self.module.math_names.get(func.value.id)
            if target == "math" and func.attr in MATH and func.value.id not in st.locals_:
                if node.keywords:
                    raise Unsupported("keyword arguments to math", *pos(node))
                name = f"math.{func.attr}"
                return [r for s, vals in self.exprs(node.args, st)
                        for r in BUILTINS[name](self, name, vals, s, node)]
        if func.attr == "append" and not node.keywords and len(node.args) == 1:
            out: Results = []
            for s, (recv, item) in self.exprs([func.value, node.args[0]], st):
                if not isinstance(recv, ListRef):
                    raise Unsupported(f"method .append of a {type_name(recv)}", *pos(node))
                if len(s.heap[recv.ref]) >= self.limits.tuple_length:
                    raise LimitExceeded("list grew too long", *pos(node))
                s.heap[recv.ref].append(item)
                out.append((s, NONE))
            return out
        if func.attr == "format" and isinstance(func.value, ast.Constant) and isinstance(
            func.value.value, str
        ):
            return [(s, StrV(func.value.value, exact=False))
                    for s, _ in self.exprs([*node.args, *[k.value for k in node.keywords]], st)]
        raise Unsupported(f"attribute access .{func.attr}", *pos(func))


def _spread(parts: Sequence[ast.expr], vals: Sequence[Value]) -> list[Value | None]:
    """The formatted values of an f-string aligned with its parts (None for literal parts)."""
    it = iter(vals)
    return [next(it) if isinstance(part, ast.FormattedValue) else None for part in parts]

