"""Statements: one method ``s_<ast class>`` per kind of statement, each returning the states
that continue after it (a ``return`` or ``raise`` ends its path), and function calls, inlined."""

from __future__ import annotations

import ast
from collections.abc import Sequence

import z3

from symconv.pysem.engine import Frame, Results
from symconv.pysem.expressions import Expressions
from symconv.pysem.limits import LimitExceeded, Unsupported, pos
from symconv.pysem.merge import State, merge, merge_states
from symconv.pysem.module import int_literal
from symconv.pysem.values import (
    NONE, ListRef, RangeV, StrV, TupleV, Value, const, text_of, type_name,
)

EXCEPTIONS = frozenset(
    {
        "ValueError", "TypeError", "AssertionError", "ZeroDivisionError", "IndexError",
        "ArithmeticError", "OverflowError", "RuntimeError", "NotImplementedError", "KeyError",
        "Exception",
    }
)

_UNSUPPORTED = {
    ast.While: "while loop", ast.Try: "try statement", ast.With: "with statement",
    ast.FunctionDef: "nested function", ast.ClassDef: "class definition",
    ast.Import: "import", ast.ImportFrom: "import", ast.Global: "global statement",
    ast.Nonlocal: "nonlocal statement", ast.Delete: "del statement",
    ast.Break: "break", ast.Continue: "continue", ast.AsyncFunctionDef: "async function",
    ast.Match: "match statement",
}


class Executor(Expressions):
    # -- functions ---------------------------------------------------------------------------

    def call(self, fname: str, args: list[Value], kwargs: dict[str, Value], st: State,
             node: ast.AST) -> Results:
        fdef = self.module.functions[fname]
        check_function(fdef)
        if fname in self.stack:
            raise Unsupported(f"recursive call to {fname}", *pos(node))
        if len(self.stack) >= self.limits.call_depth:
            raise LimitExceeded(f"calls nested deeper than {self.limits.call_depth}", *pos(node))
        env = self.bind(fdef, args, kwargs, node)
        frame = Frame(fname)
        callee = State(st.pc, env, st.heap, assigned(fdef))
        self.stack.append(fname)
        try:
            ends = self.block(fdef.body, [callee], frame)
        finally:
            self.stack.pop()
        # falling off the end returns None
        frame.returns.extend((e, NONE) for e in ends)
        out = [(State(r.pc, dict(st.env), r.heap, st.locals_), v) for r, v in frame.returns]
        return merge(st, out)

    def bind(self, fdef: ast.FunctionDef, args: list[Value], kwargs: dict[str, Value],
             node: ast.AST) -> dict[str, Value]:
        a = fdef.args
        if a.vararg or a.kwarg:
            raise Unsupported(f"*args/**kwargs in {fdef.name}", *pos(fdef))
        positional = [*a.posonlyargs, *a.args]
        if len(args) > len(positional):
            raise Unsupported(f"{fdef.name}() given {len(args)} positional arguments",
                              *pos(node))
        env: dict[str, Value] = {}
        for param, value in zip(positional, args, strict=False):
            env[param.arg] = value
        posonly = {x.arg for x in a.posonlyargs}
        for key, value in kwargs.items():
            if key in env or key in posonly or key not in {
                x.arg for x in [*a.args, *a.kwonlyargs]
            }:
                raise Unsupported(f"bad keyword argument {key} to {fdef.name}", *pos(node))
            env[key] = value
        defaults = dict(zip([x.arg for x in positional][-len(a.defaults):] if a.defaults else [],
                            a.defaults, strict=True))
        defaults.update({x.arg: d for x, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)
                         if d is not None})
        for param in [*positional, *a.kwonlyargs]:
            if param.arg not in env:
                if param.arg not in defaults:
                    raise Unsupported(f"{fdef.name}() missing argument {param.arg}", *pos(node))
                env[param.arg] = default_value(defaults[param.arg])
        return env

    # -- statements --------------------------------------------------------------------------

    def block(self, body: Sequence[ast.stmt], states: list[State], frame: Frame
              ) -> list[State]:
        for stmt in body:
            if not states:
                break
            nxt: list[State] = []
            for st in states:
                nxt.extend(self.stmt(stmt, st, frame))
            self.check_paths(len(nxt))
            states = nxt
        return states

    def stmt(self, node: ast.stmt, st: State, frame: Frame) -> list[State]:
        self.tick(node)
        method = getattr(self, f"s_{type(node).__name__}", None)
        if method is None:
            what = _UNSUPPORTED.get(type(node), f"statement {type(node).__name__}")
            raise Unsupported(what, *pos(node))
        return method(node, st, frame)  # type: ignore[no-any-return]

    def s_Pass(self, node: ast.Pass, st: State, frame: Frame) -> list[State]:
        return [st]

    def s_Expr(self, node: ast.Expr, st: State, frame: Frame) -> list[State]:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return [st]
        return [s for s, _ in self.expr(node.value, st)]

    def s_Return(self, node: ast.Return, st: State, frame: Frame) -> list[State]:
        if node.value is None:
            frame.returns.append((st, NONE))
        else:
            frame.returns.extend(self.expr(node.value, st))
        return []

    def s_Assign(self, node: ast.Assign, st: State, frame: Frame) -> list[State]:
        out: list[State] = []
        for s, v in self.expr(node.value, st):
            states = [s]
            for target in node.targets:
                states = [x for y in states for x in self.assign(target, v, y)]
            out.extend(states)
        return out

    def s_AnnAssign(self, node: ast.AnnAssign, st: State, frame: Frame) -> list[State]:
        if node.value is None:
            return [st]
        return [x for s, v in self.expr(node.value, st) for x in self.assign(node.target, v, s)]

    def s_AugAssign(self, node: ast.AugAssign, st: State, frame: Frame) -> list[State]:
        if not isinstance(node.target, ast.Name):
            raise Unsupported("augmented assignment to a non-name", *pos(node))
        out = []
        for s, cur in self.expr(ast.Name(node.target.id, ast.Load(), lineno=node.lineno,
                                          col_offset=node.col_offset), st):
            for s2, rhs in self.expr(node.value, s):
                for s3, v in self.binop(node.op, cur, rhs, s2, node):
                    s3.env[node.target.id] = v
                    out.append(s3)
        return out

    def s_If(self, node: ast.If, st: State, frame: Frame) -> list[State]:
        out = []
        for s, test in self.expr(node.test, st):
            for s2, cond in self.truth(test, s, node.test):
                yes, no = self.split(s2, cond)
                ends: list[State] = []
                if yes is not None:
                    ends.extend(self.block(node.body, [yes], frame))
                if no is not None:
                    ends.extend(self.block(node.orelse, [no], frame))
                out.extend(merge_states(s2, ends))
        return out

    def s_Assert(self, node: ast.Assert, st: State, frame: Frame) -> list[State]:
        out = []
        for s, test in self.expr(node.test, st):
            for s2, cond in self.truth(test, s, node.test):
                yes, no = self.split(s2, cond)
                if no is not None:
                    if node.msg is not None:
                        for s3, m in self.expr(node.msg, no):
                            self.raise_(s3, None, "AssertionError", node, text_of(m, node.msg))
                    else:
                        self.raise_(no, None, "AssertionError", node)
                if yes is not None:
                    out.append(yes)
        return out

    def s_Raise(self, node: ast.Raise, st: State, frame: Frame) -> list[State]:
        exc = node.exc
        if exc is None:
            raise Unsupported("bare raise", *pos(node))
        if node.cause is not None and not (
            isinstance(node.cause, ast.Constant) and node.cause.value is None
        ):
            raise Unsupported("raise ... from ...", *pos(node))
        call_args: list[ast.expr] = []
        if isinstance(exc, ast.Call):
            if exc.keywords:
                raise Unsupported("keyword arguments to an exception", *pos(exc))
            call_args = list(exc.args)
            exc = exc.func
        if not isinstance(exc, ast.Name) or exc.id not in EXCEPTIONS:
            raise Unsupported(f"raise of {ast.unparse(exc)[:40]}", *pos(node))
        if exc.id in self.module.functions or exc.id in self.module.other_globals:
            raise Unsupported(f"exception name {exc.id} is rebound in the module", *pos(node))
        states = [(st, "")]
        for arg in call_args:
            nxt = []
            for s, msg in states:
                for s2, v in self.expr(arg, s):
                    nxt.append((s2, msg or text_of(v, arg)))
            states = nxt
        for s, msg in states:
            self.raise_(s, None, exc.id, node, msg)
        return []

    def s_For(self, node: ast.For, st: State, frame: Frame) -> list[State]:
        if node.orelse:
            raise Unsupported("for ... else", *pos(node))
        out: list[State] = []
        for s, it in self.expr(node.iter, st):
            items = self.iteration(it, s, node.iter)
            states = [s]
            for item in items:
                states = [x for y in states for x in self.assign(node.target, item, y)]
                states = self.block(node.body, states, frame)
                if isinstance(it, ListRef) and any(
                        len(x.heap[it.ref]) != len(items) for x in states):
                    # Python iterates the live list: growing it inside the loop changes the
                    # iterations, which this translation does not follow.
                    raise Unsupported("list modified while iterating over it", *pos(node))
                if len(states) > 1:
                    states = merge_states(s, states)
            out.extend(states)
        return out

    def iteration(self, it: Value, st: State, node: ast.AST) -> list[Value]:
        if isinstance(it, RangeV):
            lo, hi = const(it.start), const(it.stop)
            if lo is None or hi is None:
                raise Unsupported("for loop over a range with symbolic bounds", *pos(node))
            values = range(lo, hi, it.step)
            if len(values) > self.limits.loop_iterations:
                raise LimitExceeded(f"loop of {len(values)} iterations", *pos(node))
            return [z3.IntVal(x) for x in values]
        if isinstance(it, TupleV):
            return list(it.items)
        if isinstance(it, ListRef):
            return list(st.heap[it.ref])
        raise Unsupported(f"iteration over {type_name(it)}", *pos(node))

    def assign(self, target: ast.expr, value: Value, st: State) -> list[State]:
        if isinstance(target, ast.Name):
            st.env[target.id] = value
            return [st]
        if isinstance(target, ast.Tuple | ast.List):
            if any(isinstance(t, ast.Starred) for t in target.elts):
                raise Unsupported("starred assignment", *pos(target))
            if isinstance(value, ListRef):
                items: tuple[Value, ...] = tuple(st.heap[value.ref])
            elif isinstance(value, TupleV):
                items = value.items
            else:
                raise Unsupported(f"unpacking a {type_name(value)}", *pos(target))
            if len(items) != len(target.elts):
                self.raise_(st, None, "ValueError", target,
                            f"cannot unpack {len(items)} values into {len(target.elts)}")
                return []
            states = [st]
            for t, v in zip(target.elts, items, strict=True):
                states = [x for y in states for x in self.assign(t, v, y)]
            return states
        raise Unsupported(f"assignment to {type(target).__name__.lower()}", *pos(target))


def check_function(fdef: ast.FunctionDef) -> None:
    if fdef.decorator_list:
        raise Unsupported(f"decorator on {fdef.name}", *pos(fdef.decorator_list[0]))
    for node in ast.walk(fdef):
        if isinstance(node, ast.Global | ast.Nonlocal):
            raise Unsupported(f"{type(node).__name__.lower()} statement", *pos(node))


def assigned(fdef: ast.FunctionDef) -> frozenset[str]:
    """Every name local to ``fdef``: its parameters and every name it assigns."""
    names: set[str] = {a.arg for a in [*fdef.args.posonlyargs, *fdef.args.args,
                                         *fdef.args.kwonlyargs]}
    for node in ast.walk(fdef):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return frozenset(names)


def default_value(node: ast.expr) -> Value:
    lit = int_literal(node)
    if lit is not None:
        return z3.IntVal(lit)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return z3.BoolVal(node.value)
        if node.value is None:
            return NONE
        if isinstance(node.value, str):
            return StrV(node.value)
    raise Unsupported("default value other than an int, bool, None or str constant", *pos(node))
