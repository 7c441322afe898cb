"""Python function → Z3, with exact Python semantics, from source text only.

The source is parsed with :mod:`ast` and never imported, compiled or executed. A function is
symbolically executed: every path through it ends in an :class:`Outcome` — a returned value, a
raised exception (``ValueError``, ``TypeError``, ``AssertionError``, ``ZeroDivisionError``,
``IndexError``, ``UnboundLocalError``) — under a Z3 path condition over the parameters. The paths
are disjoint and, together, cover every input.

Semantic traps encoded here:

* ``//`` and ``%`` floor toward -inf (Z3's ``div``/``mod`` are Euclidean); a possibly zero divisor
  forks a ``ZeroDivisionError`` path.
* ``bool`` is an ``int``: ``True + 1 == 2``. Parameters are modelled as (non-bool) ints unless
  annotated ``bool``, so ``isinstance(x, int)`` is true, ``type(x) is bool`` false.
* ``and``/``or``, chained comparisons and conditional expressions short-circuit: an operand that
  is not evaluated cannot raise.
* A name assigned anywhere in a function is local to it: reading it before assignment raises
  ``UnboundLocalError`` even if a module-level name exists.
* Float arithmetic (``/``, ``float()``, float constants, ``math.floor(x / y)``) on symbolic values
  is refused as :class:`Unsupported`: it is never proved. (An exact IEEE-754 model of Python's
  correctly rounded ``int / int`` needs a real-to-float rounding that Z3 does not decide in
  practice.) On constant operands (every input bound to an int) it is computed with Python's own
  float operations on plain numbers, so a float-based function can still be evaluated at a point
  -- that is how a counterexample above 2**53 is found and re-checked.

Everything outside the supported subset raises :class:`Unsupported` naming the construct and its
``line:col``. Source size, AST nesting, inlining depth, loop iterations, paths, work and wall time
are bounded (:class:`Limits`); exceeding one raises :class:`LimitExceeded`.
"""

from __future__ import annotations

import ast
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, TypeAlias

import z3

from symconv.z3bridge import floor_div, floor_mod

# ---------------------------------------------------------------------------------------------
# Errors and limits


class Unsupported(ValueError):
    """A construct outside the supported subset (the message names it and its line:col)."""

    def __init__(self, construct: str, line: int = 0, col: int = 0) -> None:
        self.construct = construct
        self.line = line
        self.col = col
        where = f"line {line}:{col}: " if line else ""
        super().__init__(f"{where}unsupported: {construct}")


class LimitExceeded(Unsupported):
    """A resource bound (size, nesting, paths, loop iterations, work, time) was exceeded."""


@dataclass(frozen=True, slots=True)
class Limits:
    source_chars: int = 200_000
    ast_nodes: int = 20_000
    nesting: int = 60
    call_depth: int = 12
    loop_iterations: int = 256
    paths: int = 512
    steps: int = 200_000
    seconds: float = 10.0
    power: int = 64
    int_bits: int = 4096
    degree: int = 64  # polynomial degree of any integer term (x = x * x doubles it)
    tuple_length: int = 256


# ---------------------------------------------------------------------------------------------
# Values


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


def _is_int(v: object) -> bool:
    return isinstance(v, z3.ArithRef) and v.is_int()


def _is_bool(v: object) -> bool:
    return isinstance(v, z3.BoolRef)


def _type_name(v: Value) -> str:
    if _is_bool(v):
        return "bool"
    if _is_int(v):
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


# ---------------------------------------------------------------------------------------------
# Outcomes and the result


class Kind(Enum):
    RETURN = "return"
    RAISE = "raise"
    ZERO_DIVISION = "zero-division"


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: Kind
    value: Value | None = None  # for RETURN
    exception: str = ""  # for RAISE / ZERO_DIVISION: the exception class name
    message: str = ""  # the raise's message as written (f-strings unevaluated)
    line: int = 0
    col: int = 0

    def describe(self) -> str:
        if self.kind is Kind.RETURN:
            return f"returns {show(self.value)}"
        where = f" at line {self.line}:{self.col}" if self.line else ""
        msg = f"({self.message!r})" if self.message else ""
        return f"raises {self.exception}{msg}{where}"


@dataclass(frozen=True, slots=True)
class Path:
    condition: z3.BoolRef
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class FunctionSemantics:
    """Every path of ``name``: disjoint conditions over ``inputs`` covering every input.

    Translation validation of a generated function against its spec, for all integers::

        sem = translate_function(source, "conv_output_size", {"i": z3.Int("i"), ...})
        domain ⇒ sem.returns() ∧ sem.return_term() == spec     (no exception, right value)
        ¬domain ⇒ sem.raises("ValueError")                      (and only ValueError)

    ``paths`` may include impossible ones (e.g. a division after its divisor was checked);
    :meth:`feasible` drops those Z3 refutes.
    """

    name: str
    params: tuple[str, ...]
    inputs: Mapping[str, Value]
    paths: tuple[Path, ...]

    def condition(self, pred: Callable[[Outcome], bool]) -> z3.BoolRef:
        conds = [p.condition for p in self.paths if pred(p.outcome)]
        return z3.Or(*conds) if conds else z3.BoolVal(False)

    def returns(self) -> z3.BoolRef:
        return self.condition(lambda o: o.kind is Kind.RETURN)

    def raises(self, exception: str | None = None) -> z3.BoolRef:
        """Condition for raising ``exception`` (any exception, incl. ZeroDivisionError, if None)."""
        return self.condition(
            lambda o: o.kind is not Kind.RETURN and (exception is None or o.exception == exception)
        )

    def return_term(self, index: int | None = None) -> z3.ExprRef:
        """The returned integer (or element ``index`` of a returned tuple/list/range as
        (start, stop)) as one term, valid where :meth:`returns` holds."""
        pieces: list[tuple[z3.BoolRef, z3.ExprRef]] = []
        for path in self.paths:
            if path.outcome.kind is not Kind.RETURN:
                continue
            pieces.append((path.condition, select_int(path.outcome.value, index)))
        if not pieces:
            raise Unsupported(f"{self.name} never returns")
        term = pieces[-1][1]
        for cond, value in reversed(pieces[:-1]):
            term = z3.If(cond, value, term)
        return term

    def feasible(self, timeout: float = 1.0) -> FunctionSemantics:
        """The same function without the paths Z3 shows impossible (e.g. a division by s after
        ``if s < 1: raise``); a path the solver cannot decide in ``timeout`` is kept."""
        kept = []
        for path in self.paths:
            solver = z3.Solver()
            solver.set("timeout", max(1, int(timeout * 1000)))
            solver.add(path.condition)
            if solver.check() != z3.unsat:
                kept.append(path)
        return replace(self, paths=tuple(kept))

    def at(self, env: Mapping[str, int]) -> Outcome:
        """The outcome at one concrete input (``env`` maps the inputs' Z3 variable names to
        ints), with the returned value folded to constants."""
        subst = _substitution(self.inputs, env)
        for path in self.paths:
            cond = z3.simplify(z3.substitute(path.condition, *subst) if subst else path.condition)
            if z3.is_true(cond):
                out = path.outcome
                if out.kind is Kind.RETURN and out.value is not None:
                    return replace(out, value=_fold(out.value, subst))
                return out
        raise Unsupported(f"no path of {self.name} is decided at {dict(env)}")


def _substitution(
    inputs: Mapping[str, Value], env: Mapping[str, int]
) -> list[tuple[z3.ExprRef, z3.ExprRef]]:
    out: list[tuple[z3.ExprRef, z3.ExprRef]] = []
    seen: set[str] = set()

    def walk(v: Value) -> None:
        if isinstance(v, z3.ExprRef):
            for var in _vars(v):
                name = var.decl().name()
                if name in seen or name not in env:
                    continue
                seen.add(name)
                val = env[name]
                out.append((var, z3.BoolVal(bool(val)) if _is_bool(var) else z3.IntVal(int(val))))
        elif isinstance(v, TupleV | ListV):
            for x in v.items:
                walk(x)

    for v in inputs.values():
        walk(v)
    return out


def _vars(e: z3.ExprRef) -> Iterator[z3.ExprRef]:
    stack = [e]
    while stack:
        t = stack.pop()
        if z3.is_const(t) and t.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            yield t
        else:
            stack.extend(t.children())


def _fold(v: Value, subst: list[tuple[z3.ExprRef, z3.ExprRef]]) -> Value:
    if isinstance(v, z3.ExprRef):
        return z3.simplify(z3.substitute(v, *subst) if subst else v)
    if isinstance(v, TupleV):
        return TupleV(tuple(_fold(x, subst) for x in v.items))
    if isinstance(v, ListV):
        return ListV(tuple(_fold(x, subst) for x in v.items))
    if isinstance(v, RangeV):
        return RangeV(_fold(v.start, subst), _fold(v.stop, subst), v.step)
    return v


def select_int(v: Value | None, index: int | None) -> z3.ExprRef:
    if index is not None:
        if isinstance(v, TupleV | ListV):
            if not -len(v.items) <= index < len(v.items):
                raise Unsupported(f"returned {_type_name(v)} has no element {index}")
            v = v.items[index]
        elif isinstance(v, RangeV) and index in (0, 1):
            return v.start if index == 0 else v.stop
        else:
            raise Unsupported(f"cannot take element {index} of a returned {show(v)}")
    if _is_bool(v):
        return z3.If(v, z3.IntVal(1), z3.IntVal(0))
    if _is_int(v):
        return v
    raise Unsupported(f"returned value {show(v)} is not an integer")


def as_python(v: Value | None) -> object:
    """A folded (constant) value as a plain Python object."""
    if v is None or isinstance(v, NoneV):
        return None
    if _is_bool(v):
        return z3.is_true(v)
    if isinstance(v, z3.IntNumRef):
        return _long(v)
    if isinstance(v, TupleV):
        return tuple(as_python(x) for x in v.items)
    if isinstance(v, ListV):
        return [as_python(x) for x in v.items]
    if isinstance(v, RangeV) and isinstance(v.start, z3.IntNumRef) and isinstance(
        v.stop, z3.IntNumRef
    ):
        return range(_long(v.start), _long(v.stop), v.step)
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


# ---------------------------------------------------------------------------------------------
# Module reading


_EXCEPTIONS = frozenset(
    {
        "ValueError", "TypeError", "AssertionError", "ZeroDivisionError", "IndexError",
        "ArithmeticError", "OverflowError", "RuntimeError", "NotImplementedError", "KeyError",
        "Exception",
    }
)
_BUILTINS = frozenset({"min", "max", "abs", "len", "range", "isinstance", "type", "divmod"})
_TYPES = frozenset({"int", "bool", "float", "str", "bytes", "tuple", "list"})
_SEQUENCES = frozenset({"list", "tuple", "str", "bytes", "range"})
_MATH = frozenset({"ceil", "floor", "trunc"})


@dataclass(frozen=True, slots=True)
class Module:
    """What the translator needs from a module's top level (read, never executed)."""

    functions: Mapping[str, ast.FunctionDef]
    constants: Mapping[str, int]
    math_names: Mapping[str, str]  # local name -> "math" (module), "math.floor" etc., or
    # "type:Sequence" (collections.abc.Sequence)
    other_globals: frozenset[str]


def parse_module(source: str, limits: Limits = Limits()) -> Module:
    """Parse ``source`` (never executing it) and index its top level."""
    if len(source) > limits.source_chars:
        raise LimitExceeded(f"source of {len(source)} characters (limit {limits.source_chars})")
    if "\x00" in source:
        raise Unsupported("source contains a NUL byte")
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError as exc:
        raise Unsupported(f"syntax error: {exc.msg}", exc.lineno or 0, exc.offset or 0) from None
    except (RecursionError, MemoryError):
        raise LimitExceeded("source nested too deeply to parse") from None
    except ValueError as exc:  # e.g. an integer literal beyond Python's digit limit
        raise Unsupported(f"unparseable source: {exc}") from None
    _check_shape(tree, limits)
    functions: dict[str, ast.FunctionDef] = {}
    constants: dict[str, int] = {}
    math_names: dict[str, str] = {}
    bound: dict[str, int] = {}
    for node in tree.body:
        names: list[str] = []
        if isinstance(node, ast.FunctionDef):
            functions[node.name] = node
            names = [node.name]
        elif isinstance(node, ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                names.append(local)
                if alias.name == "math":
                    math_names[local] = "math"
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                local = alias.asname or alias.name
                names.append(local)
                if node.module == "math" and node.level == 0 and alias.name in _MATH:
                    math_names[local] = f"math.{alias.name}"
                if node.module in ("collections.abc", "typing") and node.level == 0 and \
                        alias.name == "Sequence":
                    math_names[local] = "type:Sequence"
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                names.extend(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
            value = _int_literal(node.value) if not isinstance(node, ast.AugAssign) else None
            if (
                value is not None
                and len(targets) == 1
                and isinstance(targets[0], ast.Name)
            ):
                constants[targets[0].id] = value
        else:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    names.append(sub.id)
                elif isinstance(sub, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
                    names.append(sub.name)
        for name in names:
            bound[name] = bound.get(name, 0) + 1
    # A name bound more than once at module level (or by anything but a def / int constant /
    # math import) has no single static meaning.
    for name, count in bound.items():
        if count > 1:
            functions.pop(name, None)
            constants.pop(name, None)
            math_names.pop(name, None)
    simple = set(functions) | set(constants) | set(math_names)
    return Module(functions, constants, math_names, frozenset(set(bound) - simple))


def _int_literal(node: ast.expr | None) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub | ast.UAdd)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) is int
    ):
        return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
    return None


def _check_shape(tree: ast.AST, limits: Limits) -> None:
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > limits.ast_nodes:
            raise LimitExceeded(f"more than {limits.ast_nodes} syntax nodes")
        if depth > limits.nesting:
            line, col = _pos(node)
            raise LimitExceeded(f"nesting deeper than {limits.nesting}", line, col)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _pos(node: ast.AST) -> tuple[int, int]:
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0) + 1


# ---------------------------------------------------------------------------------------------
# Symbolic execution


@dataclass(slots=True)
class _State:
    pc: tuple[z3.BoolRef, ...]
    env: dict[str, Value]
    heap: dict[int, list[Value]]
    locals_: frozenset[str] = frozenset()

    def fork(self, cond: z3.BoolRef | None = None) -> _State:
        pc = self.pc if cond is None else (*self.pc, cond)
        return _State(pc, dict(self.env), {k: list(v) for k, v in self.heap.items()}, self.locals_)


@dataclass(slots=True)
class _Frame:
    name: str
    returns: list[tuple[_State, Value]] = field(default_factory=list)


def _simplify(b: z3.BoolRef) -> z3.BoolRef:
    return z3.simplify(b)


class _Executor:
    def __init__(self, module: Module, limits: Limits) -> None:
        self.module = module
        self.limits = limits
        self.finished: list[Path] = []
        self.steps = 0
        self.deadline = time.monotonic() + limits.seconds
        self.stack: list[str] = []
        self.next_ref = 0
        self.live = 0
        self.degrees: dict[int, int] = {}

    # -- bookkeeping -------------------------------------------------------------------------

    def tick(self, node: ast.AST) -> None:
        self.steps += 1
        if self.steps > self.limits.steps:
            raise LimitExceeded(f"more than {self.limits.steps} evaluation steps", *_pos(node))
        if self.steps % 256 == 0 and time.monotonic() > self.deadline:
            raise LimitExceeded(f"translation took over {self.limits.seconds} s", *_pos(node))

    def finish(self, st: _State, cond: z3.BoolRef | None, outcome: Outcome) -> None:
        pc = st.pc if cond is None else (*st.pc, cond)
        c = _simplify(z3.And(*pc)) if pc else z3.BoolVal(True)
        if z3.is_false(c):
            return
        self.finished.append(Path(c, outcome))
        if len(self.finished) > self.limits.paths:
            raise LimitExceeded(f"more than {self.limits.paths} paths")

    def raise_(self, st: _State, cond: z3.BoolRef | None, exc: str, node: ast.AST,
               message: str = "") -> None:
        kind = Kind.ZERO_DIVISION if exc == "ZeroDivisionError" else Kind.RAISE
        self.finish(st, cond, Outcome(kind, None, exc, message, *_pos(node)))

    def split(self, st: _State, cond: z3.BoolRef) -> tuple[_State | None, _State | None]:
        """(state where cond holds, state where it fails); None for a branch that is
        syntactically impossible."""
        c = _simplify(cond)
        if z3.is_true(c):
            return st, None
        if z3.is_false(c):
            return None, st
        return st.fork(c), st.fork(_simplify(z3.Not(c)))

    def check_paths(self, n: int) -> None:
        if n + len(self.finished) > self.limits.paths:
            raise LimitExceeded(f"more than {self.limits.paths} paths")

    def new_list(self, st: _State, items: list[Value]) -> ListRef:
        self.next_ref += 1
        st.heap[self.next_ref] = items
        return ListRef(self.next_ref)

    # -- merging (keeps the path count down; exact: values become If-terms) ------------------

    def merge(self, base: _State, results: list[tuple[_State, Value]]
              ) -> list[tuple[_State, Value]]:
        if len(results) <= 1:
            return results
        n = len(base.pc)
        if not all(_extends(r.pc, base.pc) for r, _ in results):
            return results
        extras = [z3.And(*r.pc[n:]) if len(r.pc) > n else z3.BoolVal(True) for r, _ in results]
        first = results[0][0]
        env = _merge_maps([r.env for r, _ in results], extras)
        heap = _merge_heaps([r.heap for r, _ in results], extras)
        value = _merge_values([v for _, v in results], extras)
        if env is None or heap is None or value is None:
            return results
        merged = _State((*base.pc, _simplify(z3.Or(*extras))), env, heap, first.locals_)
        return [(merged, value)]

    def merge_states(self, base: _State, states: list[_State]) -> list[_State]:
        merged = self.merge(base, [(s, NONE) for s in states])
        return [s for s, _ in merged]

    # -- functions ---------------------------------------------------------------------------

    def call(self, fname: str, args: list[Value], kwargs: dict[str, Value], st: _State,
             node: ast.AST) -> list[tuple[_State, Value]]:
        fdef = self.module.functions[fname]
        _check_function(fdef)
        if fname in self.stack:
            raise Unsupported(f"recursive call to {fname}", *_pos(node))
        if len(self.stack) >= self.limits.call_depth:
            raise LimitExceeded(f"calls nested deeper than {self.limits.call_depth}", *_pos(node))
        env = self.bind(fdef, args, kwargs, node)
        frame = _Frame(fname)
        callee = _State(st.pc, env, st.heap, _assigned(fdef))
        self.stack.append(fname)
        try:
            ends = self.block(fdef.body, [callee], frame)
        finally:
            self.stack.pop()
        # falling off the end returns None
        frame.returns.extend((e, NONE) for e in ends)
        out = [(_State(r.pc, dict(st.env), r.heap, st.locals_), v) for r, v in frame.returns]
        return self.merge(st, out)

    def bind(self, fdef: ast.FunctionDef, args: list[Value], kwargs: dict[str, Value],
             node: ast.AST) -> dict[str, Value]:
        a = fdef.args
        if a.vararg or a.kwarg:
            raise Unsupported(f"*args/**kwargs in {fdef.name}", *_pos(fdef))
        positional = [*a.posonlyargs, *a.args]
        if len(args) > len(positional):
            raise Unsupported(f"{fdef.name}() given {len(args)} positional arguments",
                              *_pos(node))
        env: dict[str, Value] = {}
        for param, value in zip(positional, args, strict=False):
            env[param.arg] = value
        posonly = {x.arg for x in a.posonlyargs}
        for key, value in kwargs.items():
            if key in env or key in posonly or key not in {
                x.arg for x in [*a.args, *a.kwonlyargs]
            }:
                raise Unsupported(f"bad keyword argument {key} to {fdef.name}", *_pos(node))
            env[key] = value
        defaults = dict(zip([x.arg for x in positional][-len(a.defaults):] if a.defaults else [],
                            a.defaults, strict=True))
        defaults.update({x.arg: d for x, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)
                         if d is not None})
        for param in [*positional, *a.kwonlyargs]:
            if param.arg not in env:
                if param.arg not in defaults:
                    raise Unsupported(f"{fdef.name}() missing argument {param.arg}", *_pos(node))
                env[param.arg] = _default_value(defaults[param.arg])
        return env

    # -- statements --------------------------------------------------------------------------

    def block(self, body: Sequence[ast.stmt], states: list[_State], frame: _Frame
              ) -> list[_State]:
        for stmt in body:
            if not states:
                break
            nxt: list[_State] = []
            for st in states:
                nxt.extend(self.stmt(stmt, st, frame))
            self.check_paths(len(nxt))
            states = nxt
        return states

    def stmt(self, node: ast.stmt, st: _State, frame: _Frame) -> list[_State]:
        self.tick(node)
        if isinstance(node, ast.Pass):
            return [st]
        if isinstance(node, ast.Expr):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return [st]
            return [s for s, _ in self.expr(node.value, st)]
        if isinstance(node, ast.Return):
            if node.value is None:
                frame.returns.append((st, NONE))
            else:
                frame.returns.extend(self.expr(node.value, st))
            return []
        if isinstance(node, ast.Assign):
            out: list[_State] = []
            for s, v in self.expr(node.value, st):
                states = [s]
                for target in node.targets:
                    states = [x for y in states for x in self.assign(target, v, y)]
                out.extend(states)
            return out
        if isinstance(node, ast.AnnAssign):
            if node.value is None:
                return [st]
            return [x for s, v in self.expr(node.value, st) for x in self.assign(node.target, v, s)]
        if isinstance(node, ast.AugAssign):
            if not isinstance(node.target, ast.Name):
                raise Unsupported("augmented assignment to a non-name", *_pos(node))
            out = []
            for s, cur in self.expr(ast.Name(node.target.id, ast.Load(), lineno=node.lineno,
                                              col_offset=node.col_offset), st):
                for s2, rhs in self.expr(node.value, s):
                    for s3, v in self.binop(node.op, cur, rhs, s2, node):
                        s3.env[node.target.id] = v
                        out.append(s3)
            return out
        if isinstance(node, ast.If):
            out = []
            for s, test in self.expr(node.test, st):
                for s2, cond in self.truth(test, s, node.test):
                    yes, no = self.split(s2, cond)
                    ends: list[_State] = []
                    if yes is not None:
                        ends.extend(self.block(node.body, [yes], frame))
                    if no is not None:
                        ends.extend(self.block(node.orelse, [no], frame))
                    out.extend(self.merge_states(s2, ends))
            return out
        if isinstance(node, ast.Raise):
            return self.raise_stmt(node, st)
        if isinstance(node, ast.Assert):
            out = []
            for s, test in self.expr(node.test, st):
                for s2, cond in self.truth(test, s, node.test):
                    yes, no = self.split(s2, cond)
                    if no is not None:
                        if node.msg is not None:
                            for s3, m in self.expr(node.msg, no):
                                self.raise_(s3, None, "AssertionError", node, _text(m, node.msg))
                        else:
                            self.raise_(no, None, "AssertionError", node)
                    if yes is not None:
                        out.append(yes)
            return out
        if isinstance(node, ast.For):
            return self.for_stmt(node, st, frame)
        names = {
            ast.While: "while loop", ast.Try: "try statement", ast.With: "with statement",
            ast.FunctionDef: "nested function", ast.ClassDef: "class definition",
            ast.Import: "import", ast.ImportFrom: "import", ast.Global: "global statement",
            ast.Nonlocal: "nonlocal statement", ast.Delete: "del statement",
            ast.Break: "break", ast.Continue: "continue", ast.AsyncFunctionDef: "async function",
            ast.Match: "match statement",
        }
        raise Unsupported(names.get(type(node), f"statement {type(node).__name__}"), *_pos(node))

    def raise_stmt(self, node: ast.Raise, st: _State) -> list[_State]:
        exc = node.exc
        if exc is None:
            raise Unsupported("bare raise", *_pos(node))
        if node.cause is not None and not (
            isinstance(node.cause, ast.Constant) and node.cause.value is None
        ):
            raise Unsupported("raise ... from ...", *_pos(node))
        call_args: list[ast.expr] = []
        if isinstance(exc, ast.Call):
            if exc.keywords:
                raise Unsupported("keyword arguments to an exception", *_pos(exc))
            call_args = list(exc.args)
            exc = exc.func
        if not isinstance(exc, ast.Name) or exc.id not in _EXCEPTIONS:
            raise Unsupported(f"raise of {ast.unparse(exc)[:40]}", *_pos(node))
        if exc.id in self.module.functions or exc.id in self.module.other_globals:
            raise Unsupported(f"exception name {exc.id} is rebound in the module", *_pos(node))
        states = [(st, "")]
        for arg in call_args:
            nxt = []
            for s, msg in states:
                for s2, v in self.expr(arg, s):
                    nxt.append((s2, msg or _text(v, arg)))
            states = nxt
        for s, msg in states:
            self.raise_(s, None, exc.id, node, msg)
        return []

    def for_stmt(self, node: ast.For, st: _State, frame: _Frame) -> list[_State]:
        if node.orelse:
            raise Unsupported("for ... else", *_pos(node))
        out: list[_State] = []
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
                    raise Unsupported("list modified while iterating over it", *_pos(node))
                if len(states) > 1:
                    states = self.merge_states(s, states)
            out.extend(states)
        return out

    def iteration(self, it: Value, st: _State, node: ast.AST) -> list[Value]:
        if isinstance(it, RangeV):
            lo, hi = _const(it.start), _const(it.stop)
            if lo is None or hi is None:
                raise Unsupported("for loop over a range with symbolic bounds", *_pos(node))
            values = range(lo, hi, it.step)
            if len(values) > self.limits.loop_iterations:
                raise LimitExceeded(f"loop of {len(values)} iterations", *_pos(node))
            return [z3.IntVal(x) for x in values]
        if isinstance(it, TupleV):
            return list(it.items)
        if isinstance(it, ListRef):
            return list(st.heap[it.ref])
        raise Unsupported(f"iteration over {_type_name(it)}", *_pos(node))

    def assign(self, target: ast.expr, value: Value, st: _State) -> list[_State]:
        if isinstance(target, ast.Name):
            st.env[target.id] = value
            return [st]
        if isinstance(target, ast.Tuple | ast.List):
            if any(isinstance(t, ast.Starred) for t in target.elts):
                raise Unsupported("starred assignment", *_pos(target))
            if isinstance(value, ListRef):
                items: tuple[Value, ...] = tuple(st.heap[value.ref])
            elif isinstance(value, TupleV):
                items = value.items
            else:
                raise Unsupported(f"unpacking a {_type_name(value)}", *_pos(target))
            if len(items) != len(target.elts):
                self.raise_(st, None, "ValueError", target,
                            f"cannot unpack {len(items)} values into {len(target.elts)}")
                return []
            states = [st]
            for t, v in zip(target.elts, items, strict=True):
                states = [x for y in states for x in self.assign(t, v, y)]
            return states
        raise Unsupported(f"assignment to {type(target).__name__.lower()}", *_pos(target))

    # -- expressions -------------------------------------------------------------------------

    def expr(self, node: ast.expr, st: _State) -> list[tuple[_State, Value]]:
        self.tick(node)
        method = getattr(self, f"e_{type(node).__name__}", None)
        if method is None:
            names = {
                "Lambda": "lambda", "ListComp": "list comprehension",
                "SetComp": "set comprehension", "DictComp": "dict comprehension",
                "GeneratorExp": "generator expression", "NamedExpr": "walrus operator (:=)",
                "Await": "await", "Yield": "yield", "YieldFrom": "yield from",
                "Starred": "starred expression", "Set": "set display", "Dict": "dict display",
                "Slice": "slice",
            }
            name = type(node).__name__
            raise Unsupported(names.get(name, f"expression {name}"), *_pos(node))
        return method(node, st)  # type: ignore[no-any-return]

    def exprs(self, nodes: Sequence[ast.expr], st: _State
              ) -> list[tuple[_State, list[Value]]]:
        acc: list[tuple[_State, list[Value]]] = [(st, [])]
        for n in nodes:
            nxt = []
            for s, vals in acc:
                for s2, v in self.expr(n, s):
                    nxt.append((s2, [*vals, v]))
            self.check_paths(len(nxt))
            acc = nxt
        return acc

    def e_Constant(self, node: ast.Constant, st: _State) -> list[tuple[_State, Value]]:
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
        raise Unsupported(f"{type(v).__name__} constant", *_pos(node))

    def intval(self, v: int, node: ast.AST) -> z3.ArithRef:
        if v.bit_length() > self.limits.int_bits:
            raise LimitExceeded(f"integer of {v.bit_length()} bits", *_pos(node))
        return z3.IntVal(v)

    def e_Name(self, node: ast.Name, st: _State) -> list[tuple[_State, Value]]:
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
                              *_pos(node))
        if name in _TYPES:
            return [(st, TypeV(name))]
        if name in _BUILTINS:
            return [(st, BuiltinV(name))]
        raise Unsupported(f"name {name}", *_pos(node))

    def e_Tuple(self, node: ast.Tuple, st: _State) -> list[tuple[_State, Value]]:
        self.check_length(len(node.elts), node)
        return [(s, TupleV(tuple(vals))) for s, vals in self.exprs(node.elts, st)]

    def e_List(self, node: ast.List, st: _State) -> list[tuple[_State, Value]]:
        self.check_length(len(node.elts), node)
        return [(s, self.new_list(s, vals)) for s, vals in self.exprs(node.elts, st)]

    def check_length(self, n: int, node: ast.AST) -> None:
        if n > self.limits.tuple_length:
            raise LimitExceeded(f"sequence of {n} elements", *_pos(node))

    def e_JoinedStr(self, node: ast.JoinedStr, st: _State) -> list[tuple[_State, Value]]:
        inner: list[ast.expr] = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                if part.format_spec is not None:
                    raise Unsupported("f-string format specification", *_pos(part))
                inner.append(part.value)
        # Formatting ints, bools, None, tuples and lists never raises; the parts are evaluated
        # only for the errors their evaluation can raise.
        text = "".join(
            str(part.value) if isinstance(part, ast.Constant)
            else "{" + ast.unparse(part.value) + "}" if isinstance(part, ast.FormattedValue)
            else "" for part in node.values)
        out: list[tuple[_State, Value]] = []
        for s, vals in self.exprs(inner, st):
            for v, part in zip(vals, inner, strict=True):
                if not isinstance(v, z3.ExprRef | FloatV | NoneV | StrV | TupleV | ListRef):
                    raise Unsupported(f"formatting a {_type_name(v)}", *_pos(part))
            nonempty = any(
                (isinstance(part, ast.Constant) and part.value)
                or (isinstance(v, z3.ExprRef | FloatV | NoneV | TupleV | ListRef))
                for part, v in zip(node.values, _spread(node.values, vals), strict=True))
            out.append((s, StrV(text, exact=not inner, nonempty=nonempty)))
        return out

    def e_UnaryOp(self, node: ast.UnaryOp, st: _State) -> list[tuple[_State, Value]]:
        out: list[tuple[_State, Value]] = []
        for s, v in self.expr(node.operand, st):
            if isinstance(node.op, ast.Not):
                out.extend((s2, z3.Not(c)) for s2, c in self.truth(v, s, node.operand))
                continue
            if isinstance(v, FloatV) and not isinstance(node.op, ast.Invert):
                out.append((s, FloatV(-v.value if isinstance(node.op, ast.USub) else v.value)))
                continue
            if not (_is_int(v) or _is_bool(v)):
                self.type_error(s, node, f"bad operand type for unary op: {_type_name(v)}")
                continue
            x = _as_int(v)
            if isinstance(node.op, ast.USub):
                out.append((s, -x))
            elif isinstance(node.op, ast.UAdd):
                out.append((s, x))
            else:
                out.append((s, -x - 1))
        return out

    def type_error(self, st: _State, node: ast.AST, message: str) -> None:
        self.raise_(st, None, "TypeError", node, message)

    def e_BinOp(self, node: ast.BinOp, st: _State) -> list[tuple[_State, Value]]:
        out = []
        for s, left in self.expr(node.left, st):
            for s2, right in self.expr(node.right, s):
                out.extend(self.binop(node.op, left, right, s2, node))
        return out

    def binop(self, op: ast.operator, left: Value, right: Value, st: _State, node: ast.AST
              ) -> list[tuple[_State, Value]]:
        if isinstance(op, ast.Div) or isinstance(left, FloatV) or isinstance(right, FloatV):
            return self.float_binop(op, left, right, st, node)
        numeric = (_is_int(left) or _is_bool(left)) and (_is_int(right) or _is_bool(right))
        if not numeric:
            if isinstance(left, NoneV) or isinstance(right, NoneV):
                self.type_error(st, node, f"unsupported operand types: {_type_name(left)}, "
                                f"{_type_name(right)}")
                return []
            joined = self.sequence_op(op, left, right, st, node)
            if joined is not None:
                return [(st, joined)]
            raise Unsupported(
                f"operator {type(op).__name__} on {_type_name(left)} and {_type_name(right)}",
                *_pos(node),
            )
        x, y = _as_int(left), _as_int(right)
        if not isinstance(op, ast.FloorDiv | ast.Mod) or _const(y) not in (None, 0):
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
            e = _const(y)
            if e is None:
                raise Unsupported("power with a non-constant exponent", *_pos(node))
            if e < 0:
                raise Unsupported("negative exponent (float result)", *_pos(node))
            if e > self.limits.power:
                raise LimitExceeded(f"exponent {e} (limit {self.limits.power})", *_pos(node))
            base_const = _const(x)
            if base_const is not None and (
                abs(base_const).bit_length() * e > self.limits.int_bits
            ):
                raise LimitExceeded(f"constant power of {abs(base_const).bit_length() * e} bits",
                                    *_pos(node))
            if base_const is not None:
                return [(st, self.intval(base_const**e, node))]
            result: z3.ArithRef = z3.IntVal(1)
            for _ in range(e):
                result = result * x
            return [(st, self.checked(result, node))]
        names = {ast.LShift: "<<", ast.RShift: ">>", ast.BitAnd: "&", ast.BitOr: "|",
                 ast.BitXor: "^", ast.MatMult: "@"}
        raise Unsupported(f"operator {names.get(type(op), type(op).__name__)}", *_pos(node))

    def sequence_op(self, op: ast.operator, left: Value, right: Value, st: _State,
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
            if not (_is_int(times) or _is_bool(times)):
                return None
            n_ = _const(_as_int(times))
            if n_ is None:
                raise Unsupported("sequence repeated a symbolic number of times", *_pos(node))
            base = lx if lx is not None else ly
            assert base is not None
            if len(base) * max(n_, 0) > self.limits.tuple_length:
                raise LimitExceeded(f"sequence of {len(base) * n_} elements", *_pos(node))
            return make(seq, base * max(n_, 0))
        return None

    def float_binop(self, op: ast.operator, left: Value, right: Value, st: _State,
                    node: ast.AST) -> list[tuple[_State, Value]]:
        what = "true division /" if isinstance(op, ast.Div) else "float arithmetic"
        x, y = self.concrete_number(left, what, node), self.concrete_number(right, what, node)
        ops: dict[type, Callable[[Any, Any], Any]] = {
            ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
            ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
            ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
        }
        fn = ops.get(type(op))
        if fn is None:
            raise Unsupported(f"operator {type(op).__name__} with a float", *_pos(node))
        return self.python_number(lambda: fn(x, y), st, node)

    def concrete_number(self, v: Value, what: str, node: ast.AST) -> int | float:
        """The plain number behind a constant operand of float arithmetic."""
        if isinstance(v, FloatV):
            return v.value
        if _is_int(v) or _is_bool(v):
            c = _const(_as_int(v))
            if c is not None:
                return c
            raise Unsupported(f"{what} on a symbolic value (float arithmetic is never proved)",
                              *_pos(node))
        raise Unsupported(f"{what} on a {_type_name(v)}", *_pos(node))

    def python_number(self, compute: Callable[[], Any], st: _State, node: ast.AST
                      ) -> list[tuple[_State, Value]]:
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

    def checked(self, term: z3.ArithRef, node: ast.AST) -> z3.ArithRef:
        if isinstance(term, z3.IntNumRef):
            c = _long(term)
            if c.bit_length() > self.limits.int_bits:
                raise LimitExceeded(f"integer of {c.bit_length()} bits", *_pos(node))
            return term
        # Z3's simplifier (and any later evaluation) is exponential in the degree of a term:
        # bound it before anything simplifies it.
        if self.degree(term) > self.limits.degree:
            raise LimitExceeded(f"polynomial of degree above {self.limits.degree}", *_pos(node))
        return term

    def degree(self, term: z3.ExprRef) -> int:
        memo = self.degrees
        stack: list[tuple[z3.ExprRef, bool]] = [(term, False)]
        while stack:
            t, ready = stack.pop()
            key = t.get_id()
            if key in memo:
                continue
            kids = t.children()
            if not ready and kids:
                stack.append((t, True))
                stack.extend((c, False) for c in kids if c.get_id() not in memo)
                continue
            if not kids:
                memo[key] = 1 if z3.is_const(t) and t.decl().kind() == z3.Z3_OP_UNINTERPRETED \
                    and z3.is_int(t) else 0
            elif z3.is_mul(t):
                memo[key] = sum(memo[c.get_id()] for c in kids)
            else:
                memo[key] = max(memo[c.get_id()] for c in kids)
        return memo[term.get_id()]

    def fold(self, op: ast.operator, x: z3.ArithRef, y: z3.ArithRef, node: ast.AST
             ) -> z3.ArithRef | None:
        """Python's own arithmetic on two constants (None unless both are constants)."""
        if not (isinstance(x, z3.IntNumRef) and isinstance(y, z3.IntNumRef)):
            return None
        a_, b_ = _long(x), _long(y)
        if isinstance(op, ast.Mult) and a_.bit_length() + b_.bit_length() > \
                self.limits.int_bits + 1:
            raise LimitExceeded("integer product too large", *_pos(node))
        table: dict[type, Callable[[int, int], int]] = {
            ast.Add: lambda u, v: u + v, ast.Sub: lambda u, v: u - v,
            ast.Mult: lambda u, v: u * v, ast.FloorDiv: lambda u, v: u // v,
            ast.Mod: lambda u, v: u % v,
        }
        fn = table.get(type(op))
        return None if fn is None else self.intval(fn(a_, b_), node)

    def truth(self, v: Value, st: _State, node: ast.AST) -> list[tuple[_State, z3.BoolRef]]:
        if _is_bool(v):
            return [(st, v)]
        if _is_int(v):
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
                raise Unsupported("truth of a formatted string", *_pos(node))
            return [(st, z3.BoolVal(bool(v.text) if v.exact else True))]
        if isinstance(v, RangeV):
            return [(st, _range_len(v) > 0)]
        return [(st, z3.BoolVal(True))]

    def e_BoolOp(self, node: ast.BoolOp, st: _State) -> list[tuple[_State, Value]]:
        is_and = isinstance(node.op, ast.And)
        out: list[tuple[_State, Value]] = []
        pending: list[tuple[_State, int]] = [(st, 0)]
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
        return self.merge(st, out)

    def e_IfExp(self, node: ast.IfExp, st: _State) -> list[tuple[_State, Value]]:
        out: list[tuple[_State, Value]] = []
        for s, test in self.expr(node.test, st):
            for s2, cond in self.truth(test, s, node.test):
                yes, no = self.split(s2, cond)
                branch: list[tuple[_State, Value]] = []
                if yes is not None:
                    branch.extend(self.expr(node.body, yes))
                if no is not None:
                    branch.extend(self.expr(node.orelse, no))
                out.extend(self.merge(s2, branch))
        return out

    def e_Compare(self, node: ast.Compare, st: _State) -> list[tuple[_State, Value]]:
        out: list[tuple[_State, Value]] = []
        # a < b < c: each comparator is evaluated once, and only while the chain still holds.
        pending: list[tuple[_State, Value, int]] = [(s, v, 0) for s, v in self.expr(node.left, st)]
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
        return self.merge(st, out)

    def compare(self, op: ast.cmpop, left: Value, right: Value, st: _State, node: ast.AST
                ) -> list[tuple[_State, z3.BoolRef]]:
        if isinstance(op, ast.Is | ast.IsNot):
            res = self.identity(left, right, node)
            return [(st, z3.Not(res) if isinstance(op, ast.IsNot) else res)]
        if isinstance(op, ast.In | ast.NotIn):
            if isinstance(right, ListRef):
                items: tuple[Value, ...] = tuple(st.heap[right.ref])
            elif isinstance(right, TupleV):
                items = right.items
            else:
                raise Unsupported(f"'in' on a {_type_name(right)}", *_pos(node))
            res = z3.Or(*[self.equal(left, x, st, node) for x in items]) if items else \
                z3.BoolVal(False)
            return [(st, z3.Not(res) if isinstance(op, ast.NotIn) else res)]
        if isinstance(op, ast.Eq | ast.NotEq):
            res = self.equal(left, right, st, node)
            return [(st, z3.Not(res) if isinstance(op, ast.NotEq) else res)]
        if isinstance(left, FloatV) or isinstance(right, FloatV):
            x_, y_ = (self.concrete_number(v, "float comparison", node) for v in (left, right))
            ordering: dict[type, Callable[[Any, Any], bool]] = {
                ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
                ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
            }
            return [(st, z3.BoolVal(ordering[type(op)](x_, y_)))]
        numeric = (_is_int(left) or _is_bool(left)) and (_is_int(right) or _is_bool(right))
        if not numeric:
            unorderable = isinstance(left, NoneV | StrV | TypeV) or isinstance(
                right, NoneV | StrV | TypeV)
            if unorderable and not (isinstance(left, StrV) and isinstance(right, StrV)):
                self.type_error(st, node, "'<' between unorderable types")
                return []
            raise Unsupported(f"ordering {_type_name(left)} and {_type_name(right)}",
                              *_pos(node))
        x, y = _as_int(left), _as_int(right)
        table: dict[type, Callable[[z3.ArithRef, z3.ArithRef], z3.BoolRef]] = {
            ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
            ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
        }
        return [(st, table[type(op)](x, y))]

    def equal(self, left: Value, right: Value, st: _State, node: ast.AST) -> z3.BoolRef:
        if (_is_int(left) or _is_bool(left)) and (_is_int(right) or _is_bool(right)):
            return _as_int(left) == _as_int(right)
        if isinstance(left, FloatV) or isinstance(right, FloatV):
            other = right if isinstance(left, FloatV) else left
            if not (isinstance(other, FloatV) or _is_int(other) or _is_bool(other)):
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
            raise Unsupported("range equality", *_pos(node))
        if (isinstance(left, StrV) and not left.exact) or (
                isinstance(right, StrV) and not right.exact):
            raise Unsupported("comparing a formatted string", *_pos(node))
        if isinstance(left, z3.ExprRef) or isinstance(right, z3.ExprRef):
            return z3.BoolVal(False)  # a number never equals None, a str, a tuple, a type...
        return z3.BoolVal(left == right)

    def identity(self, left: Value, right: Value, node: ast.AST) -> z3.BoolRef:
        if isinstance(left, NoneV) or isinstance(right, NoneV):
            return z3.BoolVal(isinstance(left, NoneV) and isinstance(right, NoneV))
        if isinstance(left, TypeV) and isinstance(right, TypeV):
            return z3.BoolVal(left == right)
        if _is_bool(left) and _is_bool(right):
            return left == right
        raise Unsupported("'is' between values other than None, bools and types", *_pos(node))

    def e_Subscript(self, node: ast.Subscript, st: _State) -> list[tuple[_State, Value]]:
        if isinstance(node.slice, ast.Slice):
            raise Unsupported("slice", *_pos(node))
        out: list[tuple[_State, Value]] = []
        for s, (seq, idx) in self.exprs([node.value, node.slice], st):
            if isinstance(seq, ListRef):
                items: Sequence[Value] = s.heap[seq.ref]
            elif isinstance(seq, TupleV):
                items = seq.items
            else:
                raise Unsupported(f"subscript of a {_type_name(seq)}", *_pos(node))
            if not (_is_int(idx) or _is_bool(idx)):
                self.type_error(s, node, "indices must be integers")
                continue
            i = _const(_as_int(idx))
            if i is None:
                raise Unsupported("subscript with a symbolic index", *_pos(node))
            if not -len(items) <= i < len(items):
                self.raise_(s, None, "IndexError", node, "index out of range")
                continue
            out.append((s, items[i]))
        return out

    def e_Attribute(self, node: ast.Attribute, st: _State) -> list[tuple[_State, Value]]:
        if node.attr != "__name__":
            raise Unsupported(f"attribute access .{node.attr}", *_pos(node))
        out: list[tuple[_State, Value]] = []
        for s, v in self.expr(node.value, st):
            if not isinstance(v, TypeV):
                raise Unsupported(f"attribute access .__name__ of a {_type_name(v)}",
                                  *_pos(node))
            out.append((s, StrV(v.name)))
        return out

    # -- calls -------------------------------------------------------------------------------

    def e_Call(self, node: ast.Call, st: _State) -> list[tuple[_State, Value]]:
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            raise Unsupported("*args/**kwargs in a call", *_pos(node))
        func = node.func
        if isinstance(func, ast.Attribute):
            return self.method_call(func, node, st)
        out: list[tuple[_State, Value]] = []
        for s, fv in self.expr(func, st):
            for s2, vals in self.exprs([*node.args, *[k.value for k in node.keywords]], s):
                args = vals[: len(node.args)]
                kwargs = {k.arg: v for k, v in zip(node.keywords, vals[len(node.args):],
                                                   strict=True) if k.arg is not None}
                if isinstance(fv, FuncV):
                    out.extend(self.call(fv.name, args, kwargs, s2, node))
                elif isinstance(fv, BuiltinV):
                    if kwargs:
                        raise Unsupported(f"keyword arguments to {fv.name}", *_pos(node))
                    out.extend(self.builtin(fv.name, args, s2, node))
                elif isinstance(fv, TypeV):
                    if kwargs:
                        raise Unsupported(f"keyword arguments to {fv.name}", *_pos(node))
                    out.extend(self.convert(fv.name, args, s2, node))
                else:
                    raise Unsupported(f"call of a {_type_name(fv)}", *_pos(node))
        return out

    def method_call(self, func: ast.Attribute, node: ast.Call, st: _State
                    ) -> list[tuple[_State, Value]]:
        if isinstance(func.value, ast.Name) and func.value.id not in st.env:
            target = self.module.math_names.get(func.value.id)
            if target == "math" and func.attr in _MATH and func.value.id not in st.locals_:
                if node.keywords:
                    raise Unsupported("keyword arguments to math", *_pos(node))
                return [r for s, vals in self.exprs(node.args, st)
                        for r in self.builtin(f"math.{func.attr}", vals, s, node)]
        if func.attr == "append" and not node.keywords and len(node.args) == 1:
            out: list[tuple[_State, Value]] = []
            for s, (recv, item) in self.exprs([func.value, node.args[0]], st):
                if not isinstance(recv, ListRef):
                    raise Unsupported(f"method .append of a {_type_name(recv)}", *_pos(node))
                if len(s.heap[recv.ref]) >= self.limits.tuple_length:
                    raise LimitExceeded("list grew too long", *_pos(node))
                s.heap[recv.ref].append(item)
                out.append((s, NONE))
            return out
        if func.attr == "format" and isinstance(func.value, ast.Constant) and isinstance(
            func.value.value, str
        ):
            return [(s, StrV(func.value.value, exact=False))
                    for s, _ in self.exprs([*node.args, *[k.value for k in node.keywords]], st)]
        raise Unsupported(f"attribute access .{func.attr}", *_pos(func))

    def builtin(self, name: str, args: list[Value], st: _State, node: ast.AST
                ) -> list[tuple[_State, Value]]:
        if name in ("min", "max"):
            items = args
            if len(args) == 1:
                only = args[0]
                if isinstance(only, TupleV):
                    items = list(only.items)
                elif isinstance(only, ListRef):
                    items = list(st.heap[only.ref])
                else:
                    raise Unsupported(f"{name} of a {_type_name(only)}", *_pos(node))
                if not items:
                    self.raise_(st, None, "ValueError", node, f"{name}() arg is an empty sequence")
                    return []
            if not items:
                self.type_error(st, node, f"{name} expected at least 1 argument")
                return []
            if not all(_is_int(x) for x in items) and not all(_is_bool(x) for x in items):
                # min(True, 5) is the bool True: mixing would need the winner's type
                raise Unsupported(f"{name} of values other than all ints or all bools",
                                  *_pos(node))
            # Python returns the first of equal extremes; all are ints of equal value then.
            best = items[0]
            for x in items[1:]:
                better = (_as_int(x) < _as_int(best)) if name == "min" else (
                    _as_int(x) > _as_int(best))
                best = _ite(better, x, best)
            return [(st, best)]
        if len(args) == 1 and isinstance(args[0], FloatV) and name in (
                "abs", "math.floor", "math.ceil", "math.trunc"):
            fx = args[0].value
            fns: dict[str, Callable[[float], Any]] = {
                "abs": abs, "math.floor": math.floor, "math.ceil": math.ceil,
                "math.trunc": math.trunc}
            return self.python_number(lambda: fns[name](fx), st, node)
        if name == "abs":
            x = self.one_int(name, args, node)
            return [(st, z3.If(x >= 0, x, -x))]
        if name == "divmod":
            if len(args) != 2 or not all(_is_int(x) or _is_bool(x) for x in args):
                raise Unsupported("divmod of anything but two integers", *_pos(node))
            x, y = _as_int(args[0]), _as_int(args[1])
            ok, zero = self.split(st, y != 0)
            if zero is not None:
                self.raise_(zero, None, "ZeroDivisionError", node,
                            "integer division or modulo by zero")
            return [] if ok is None else [(ok, TupleV((floor_div(x, y), floor_mod(x, y))))]
        if name in ("math.floor", "math.ceil", "math.trunc"):
            return [(st, self.one_int(name, args, node))]
        if name == "len":
            if len(args) != 1:
                raise Unsupported("len with other than 1 argument", *_pos(node))
            v = args[0]
            if isinstance(v, TupleV):
                return [(st, z3.IntVal(len(v.items)))]
            if isinstance(v, ListRef):
                return [(st, z3.IntVal(len(st.heap[v.ref])))]
            if isinstance(v, StrV) and v.exact:
                return [(st, z3.IntVal(len(v.text)))]
            if isinstance(v, RangeV):
                return [(st, _range_len(v))]
            if isinstance(v, NoneV) or _is_int(v) or _is_bool(v):
                self.type_error(st, node, f"object of type {_type_name(v)} has no len()")
                return []
            raise Unsupported(f"len of a {_type_name(v)}", *_pos(node))
        if name == "range":
            return self.range_(args, st, node)
        if name == "isinstance":
            if len(args) != 2:
                raise Unsupported("isinstance with other than 2 arguments", *_pos(node))
            kinds = args[1].items if isinstance(args[1], TupleV) else (args[1],)
            names = set()
            for kind in kinds:
                if not isinstance(kind, TypeV):
                    raise Unsupported("isinstance with a non-type", *_pos(node))
                names.add(kind.name)
            actual = _type_name(args[0])
            hit = actual in names or (actual == "bool" and "int" in names) or (
                actual in _SEQUENCES and "Sequence" in names)
            return [(st, z3.BoolVal(hit))]
        if name == "type":
            if len(args) != 1:
                raise Unsupported("type with other than 1 argument", *_pos(node))
            return [(st, TypeV(_type_name(args[0])))]
        raise Unsupported(f"call of {name}", *_pos(node))

    def one_int(self, name: str, args: list[Value], node: ast.AST) -> z3.ArithRef:
        if len(args) != 1 or not (_is_int(args[0]) or _is_bool(args[0])):
            raise Unsupported(
                f"{name} of anything but one integer (float arithmetic is never proved)",
                *_pos(node),
            )
        return _as_int(args[0])

    def convert(self, name: str, args: list[Value], st: _State, node: ast.AST
                ) -> list[tuple[_State, Value]]:
        if name == "int" and len(args) == 1 and (_is_int(args[0]) or _is_bool(args[0])):
            return [(st, _as_int(args[0]))]
        if name == "int" and len(args) == 1 and isinstance(args[0], FloatV):
            fx = args[0].value
            return self.python_number(lambda: int(fx), st, node)
        if name == "bool" and len(args) == 1:
            return [(s, c) for s, c in self.truth(args[0], st, node)]
        if name == "float" and len(args) == 1:
            fx = self.concrete_number(args[0], "float()", node)
            return self.python_number(lambda: float(fx), st, node)
        if name == "tuple" and len(args) == 1 and isinstance(args[0], ListRef | TupleV):
            v = args[0]
            items = tuple(st.heap[v.ref]) if isinstance(v, ListRef) else v.items
            return [(st, TupleV(items))]
        if name == "list" and len(args) == 1 and isinstance(args[0], ListRef | TupleV):
            v = args[0]
            items = tuple(st.heap[v.ref]) if isinstance(v, ListRef) else v.items
            return [(st, self.new_list(st, list(items)))]
        raise Unsupported(f"{name}() of {', '.join(_type_name(a) for a in args) or 'nothing'}",
                          *_pos(node))

    def range_(self, args: list[Value], st: _State, node: ast.AST
               ) -> list[tuple[_State, Value]]:
        if not 1 <= len(args) <= 3 or not all(_is_int(x) or _is_bool(x) for x in args):
            raise Unsupported("range of other than 1-3 integers", *_pos(node))
        ints = [_as_int(x) for x in args]
        if len(ints) == 1:
            ints = [z3.IntVal(0), ints[0]]
        step = 1
        if len(ints) == 3:
            c = _const(ints[2])
            if c is None:
                raise Unsupported("range with a symbolic step", *_pos(node))
            if c == 0:
                self.raise_(st, None, "ValueError", node, "range() arg 3 must not be zero")
                return []
            step = c
        return [(st, RangeV(ints[0], ints[1], step))]


def _spread(parts: Sequence[ast.expr], vals: Sequence[Value]) -> list[Value | None]:
    """The formatted values of an f-string aligned with its parts (None for literal parts)."""
    it = iter(vals)
    return [next(it) if isinstance(part, ast.FormattedValue) else None for part in parts]


def _range_len(v: RangeV) -> z3.ArithRef:
    span = v.stop - v.start
    if v.step > 0:
        n = floor_div(span + (v.step - 1), z3.IntVal(v.step))
    else:
        n = floor_div(-span + (-v.step - 1), z3.IntVal(-v.step))
    return z3.If(n > 0, n, z3.IntVal(0))


def _extends(pc: tuple[z3.BoolRef, ...], base: tuple[z3.BoolRef, ...]) -> bool:
    return len(pc) >= len(base) and all(x is y for x, y in zip(pc, base, strict=False))


def _ite(cond: z3.BoolRef, a: Value, b: Value) -> Value:
    if _is_bool(a) and _is_bool(b):
        return z3.If(cond, a, b)
    return z3.If(cond, _as_int(a), _as_int(b)) if _is_bool(a) != _is_bool(b) else z3.If(
        cond, a, b)


def _as_int(v: Value) -> z3.ArithRef:
    if _is_bool(v):
        return z3.If(v, z3.IntVal(1), z3.IntVal(0))
    return v


def _const(v: z3.ExprRef) -> int | None:
    if isinstance(v, z3.IntNumRef):
        return _long(v)
    if not _ground(v):
        return None
    s = z3.simplify(v)
    return _long(s) if isinstance(s, z3.IntNumRef) else None


def _ground(term: z3.ExprRef) -> bool:
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


def _long(v: z3.IntNumRef) -> int:
    text = v.as_string()
    if len(text) > _MAX_DIGITS:
        raise LimitExceeded(f"integer of {len(text)} digits")
    return int(text)


def _text(v: Value, node: ast.AST) -> str:
    if isinstance(v, StrV):
        return v.text
    return ast.unparse(node)[:200]


def _default_value(node: ast.expr) -> Value:
    lit = _int_literal(node)
    if lit is not None:
        return z3.IntVal(lit)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return z3.BoolVal(node.value)
        if node.value is None:
            return NONE
        if isinstance(node.value, str):
            return StrV(node.value)
    raise Unsupported("default value other than an int, bool, None or str constant", *_pos(node))


def _same(a: Value, b: Value) -> bool:
    if isinstance(a, z3.ExprRef) or isinstance(b, z3.ExprRef):
        return isinstance(a, z3.ExprRef) and isinstance(b, z3.ExprRef) and bool(a.eq(b))
    if isinstance(a, TupleV) and isinstance(b, TupleV):
        return len(a.items) == len(b.items) and all(
            _same(x, y) for x, y in zip(a.items, b.items, strict=True))
    if isinstance(a, RangeV) and isinstance(b, RangeV):
        return a.step == b.step and _same(a.start, b.start) and _same(a.stop, b.stop)
    return a == b


def _merge_values(values: list[Value], conds: list[z3.BoolRef]) -> Value | None:
    first = values[0]
    if all(_same(first, v) for v in values[1:]):
        return first
    if all(_is_bool(v) for v in values) or all(_is_int(v) for v in values):
        term = values[-1]
        for c, v in zip(reversed(conds[:-1]), reversed(values[:-1]), strict=True):
            term = z3.If(c, v, term)
        return term
    if all(isinstance(v, TupleV) for v in values):
        tuples = [v for v in values if isinstance(v, TupleV)]
        if len({len(t.items) for t in tuples}) != 1:
            return None
        items = []
        for column in zip(*(t.items for t in tuples), strict=True):
            m = _merge_values(list(column), conds)
            if m is None:
                return None
            items.append(m)
        return TupleV(tuple(items))
    if all(isinstance(v, RangeV) for v in values):
        ranges = [v for v in values if isinstance(v, RangeV)]
        if len({r.step for r in ranges}) != 1:
            return None
        start = _merge_values([r.start for r in ranges], conds)
        stop = _merge_values([r.stop for r in ranges], conds)
        if start is None or stop is None:
            return None
        return RangeV(start, stop, ranges[0].step)
    return None


def _merge_maps(maps: list[dict[str, Value]], conds: list[z3.BoolRef]
                ) -> dict[str, Value] | None:
    keys = set(maps[0])
    if any(set(m) != keys for m in maps[1:]):
        return None
    out: dict[str, Value] = {}
    for key in maps[0]:
        v = _merge_values([m[key] for m in maps], conds)
        if v is None:
            return None
        out[key] = v
    return out


def _merge_heaps(heaps: list[dict[int, list[Value]]], conds: list[z3.BoolRef]
                 ) -> dict[int, list[Value]] | None:
    keys = set(heaps[0])
    if any(set(h) != keys for h in heaps[1:]):
        return None
    out: dict[int, list[Value]] = {}
    for key in heaps[0]:
        lists = [h[key] for h in heaps]
        if len({len(x) for x in lists}) != 1:
            return None
        merged = []
        for column in zip(*lists, strict=True):
            v = _merge_values(list(column), conds)
            if v is None:
                return None
            merged.append(v)
        out[key] = merged
    return out


def _assigned(fdef: ast.FunctionDef) -> frozenset[str]:
    names: set[str] = {a.arg for a in [*fdef.args.posonlyargs, *fdef.args.args,
                                         *fdef.args.kwonlyargs]}
    for node in ast.walk(fdef):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return frozenset(names)


# ---------------------------------------------------------------------------------------------
# Entry points


def _check_function(fdef: ast.FunctionDef) -> None:
    if fdef.decorator_list:
        raise Unsupported(f"decorator on {fdef.name}", *_pos(fdef.decorator_list[0]))
    for node in ast.walk(fdef):
        if isinstance(node, ast.Global | ast.Nonlocal):
            raise Unsupported(f"{type(node).__name__.lower()} statement", *_pos(node))


def parameter_names(fdef: ast.FunctionDef) -> tuple[str, ...]:
    a = fdef.args
    return tuple(x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs])


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    annotation: str  # as written, "" if none
    has_default: bool
    default: Value | None  # the default's value when has_default


def signature(source: str, name: str, *, limits: Limits = Limits()) -> tuple[Param, ...]:
    """The parameters of ``name`` with their annotations and (constant) defaults."""
    mod = parse_module(source, limits)
    fdef = mod.functions.get(name)
    if fdef is None:
        raise Unsupported(f"no top-level function named {name!r} (defined once) in the source")
    a = fdef.args
    positional = [*a.posonlyargs, *a.args]
    defaults: dict[str, ast.expr] = dict(
        zip([x.arg for x in positional][len(positional) - len(a.defaults):], a.defaults,
            strict=True))
    defaults.update({x.arg: d for x, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)
                     if d is not None})
    out = []
    for param in [*positional, *a.kwonlyargs]:
        ann = ast.unparse(param.annotation) if param.annotation is not None else ""
        node = defaults.get(param.arg)
        out.append(Param(param.arg, ann, node is not None,
                         _default_value(node) if node is not None else None))
    return tuple(out)


def default_inputs(fdef: ast.FunctionDef) -> dict[str, Value]:
    """A fresh Z3 variable per parameter: Bool for parameters annotated ``bool``, else Int."""
    out: dict[str, Value] = {}
    a = fdef.args
    for param in [*a.posonlyargs, *a.args, *a.kwonlyargs]:
        ann = param.annotation
        if isinstance(ann, ast.Name) and ann.id == "bool":
            out[param.arg] = z3.Bool(param.arg)
        else:
            out[param.arg] = z3.Int(param.arg)
    return out


def translate_function(
    source: str,
    name: str,
    inputs: Mapping[str, Value | int | bool | Sequence[Any] | None] | None = None,
    *,
    limits: Limits = Limits(),
    module: Module | None = None,
) -> FunctionSemantics:
    """Every path of function ``name`` in ``source``.

    ``inputs`` binds parameters to Z3 terms, Python ints/bools, ``None`` or sequences of these
    (lists); unbound parameters get a fresh Z3 variable named after them (Bool if annotated
    ``bool``, else Int). Raises :class:`Unsupported` (naming the construct and line:col) for
    anything outside the subset and :class:`LimitExceeded` when a bound is hit.
    """
    mod = module if module is not None else parse_module(source, limits)
    fdef = mod.functions.get(name)
    if fdef is None:
        raise Unsupported(f"no top-level function named {name!r} (defined once) in the source")
    _check_function(fdef)
    bound = default_inputs(fdef)
    ex = _Executor(mod, limits)
    st = _State((), {}, {}, _assigned(fdef))
    if inputs:
        unknown = set(inputs) - set(bound)
        if unknown:
            raise Unsupported(f"{name} has no parameter {sorted(unknown)[0]}")
        for key, value in inputs.items():
            bound[key] = _to_value(value, ex, st)
    snapshot = {p: _snapshot(bound[p], st) for p in parameter_names(fdef)}
    args = [bound[p] for p in parameter_names(fdef)]
    positional = len(fdef.args.posonlyargs) + len(fdef.args.args)
    kw = {p: bound[p] for p in parameter_names(fdef)[positional:]}
    ex.stack.append(name)
    try:
        env = ex.bind(fdef, args[:positional], kw, fdef)
        st.env = env
        frame = _Frame(name)
        ends = ex.block(fdef.body, [st], frame)
        frame.returns.extend((e, NONE) for e in ends)
        for s, value in frame.returns:
            ex.finish(s, None, Outcome(Kind.RETURN, _snapshot(value, s)))
    except RecursionError:
        raise LimitExceeded(f"{name} is nested too deeply to translate") from None
    finally:
        ex.stack.pop()
    return FunctionSemantics(name, parameter_names(fdef), snapshot, tuple(ex.finished))


def _to_value(v: object, ex: _Executor, st: _State) -> Value:
    if isinstance(v, bool):
        return z3.BoolVal(v)
    if isinstance(v, int):
        return z3.IntVal(v)
    if v is None:
        return NONE
    if isinstance(v, z3.ArithRef | z3.BoolRef):
        return v
    if isinstance(v, list | tuple):
        items = [_to_value(x, ex, st) for x in v]
        return ex.new_list(st, items) if isinstance(v, list) else TupleV(tuple(items))
    raise Unsupported(f"input value of type {type(v).__name__}")


def _snapshot(v: Value, st: _State) -> Value:
    if isinstance(v, ListRef):
        return ListV(tuple(_snapshot(x, st) for x in st.heap[v.ref]))
    if isinstance(v, TupleV):
        return TupleV(tuple(_snapshot(x, st) for x in v.items))
    return v
