"""The semantics of the TypeScript subset (:mod:`symconv.codegen.tsparse`) in Z3: every outcome of
a function — a returned value, a ``ShapeError`` thrown, any other exception — with the condition
on the inputs under which it happens.

What is modelled, as ECMAScript defines it:

* An argument declared ``number`` is any JavaScript value: ``tag`` 0 (not a number: a string,
  ``undefined``, ...), 1 (a number that is no integer: a fraction, NaN, ±Infinity) or 2 (an
  integer-valued number, of value ``val``: any integer, the unsafe ones included — a superset
  of the doubles, which only widens what is proved). ``typeof x === "number"`` iff tag ≠ 0;
  ``Number.isInteger(x)`` iff tag = 2; ``Number.isSafeInteger(x)`` iff tag = 2 and
  |val| ≤ 2**53 − 1; ``BigInt(x)`` is ``val`` for tag 2 and throws (RangeError, TypeError)
  otherwise.
* BigInt arithmetic is exact on unbounded integers; ``/`` truncates toward zero and ``%`` takes
  the dividend's sign (``-7n / 2n === -3n``, ``-7n % 2n === -1n``); either throws a RangeError
  for a zero divisor. Z3's ``div``/``mod`` are Euclidean, so truncation is encoded explicitly.
* ``Number(v)`` of a BigInt is exact where |v| ≤ 2**53 (every such integer is a double); it is
  modelled as the integer v together with that condition, which the proofs require of every
  returned number.
* ``&&``, ``||`` and ``c ? a : b`` short-circuit: an operand not evaluated cannot throw.
* A template literal's value is kept as its text pieces and the values interpolated: a BigInt
  prints in decimal, as Python prints an int, so two messages with the same pieces and equal
  values are the same string.

Evaluation does not fork: each expression gives its value and the condition under which it
completes; every throw is recorded with the condition under which it happens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from symconv.codegen import tsparse as ast
from symconv.z3bridge import floor_div, floor_mod

MAX_SAFE = 2**53 - 1

# Every term of the TypeScript proofs lives in this context of its own. Z3 hash-conses terms
# within a context and its SMT-LIB printer shares a subterm as a let by its reference count: in
# the default context, a TypeScript query kept alive (cached) changed how the C, Rust and
# network certificates printed later in the same process are written.
CTX = z3.Context()

# Helpers proved once, from their emitted text, equal to these for every BigInt (and to throw a
# RangeError exactly for a zero divisor: :func:`helper_lemma`); a function's proof uses the
# contract where it calls them, so that it and its spec divide alike.
CONTRACTS = {"floorDiv": floor_div, "floorMod": floor_mod}


class TsSemanticsError(ValueError):
    """The text is in the grammar but does something the model does not give a meaning
    (adding a string to a BigInt, calling an unknown function, ...)."""


@dataclass(frozen=True, slots=True)
class Arg:
    """A ``number`` argument: its tag and, for tag 2, its integer value."""

    name: str
    tag: z3.ArithRef
    val: z3.ArithRef

    @property
    def is_integer(self) -> z3.BoolRef:
        return self.tag == 2

    @property
    def is_safe(self) -> z3.BoolRef:
        return z3.And(self.tag == 2, self.val >= -MAX_SAFE, self.val <= MAX_SAFE)


@dataclass(frozen=True, slots=True)
class NumV:
    """A number made by ``Number(v)`` of a BigInt: exactly ``v`` where ``exact`` holds."""

    value: z3.ArithRef
    exact: z3.BoolRef


@dataclass(frozen=True, slots=True)
class TypeOf:
    arg: Arg


@dataclass(frozen=True, slots=True)
class Opaque:
    """A string the model does not follow (it only ever appears inside a message)."""


@dataclass(frozen=True, slots=True)
class Message:
    """A template literal's value: the text with ``{}`` where a BigInt was interpolated (their
    values in ``values``) and ``{?}`` where anything else was."""

    text: str
    values: tuple[z3.ArithRef, ...]


Value = Any  # z3.ArithRef | z3.BoolRef | str | Arg | NumV | TypeOf | Opaque | Message | tuple


@dataclass(frozen=True, slots=True)
class Outcome:
    """``kind``: "return" (``value``), "shape" (a ShapeError of ``error_kind`` with
    ``message``) or "other" (any other exception, named in ``reason``)."""

    kind: str
    when: z3.BoolRef
    value: Value = None
    error_kind: str = ""
    message: Message | None = None
    reason: str = ""


@dataclass
class _Run:
    module: ast.Module
    contracts: bool = True
    outcomes: list[Outcome] = field(default_factory=list)
    depth: int = 0


def _tdiv(n: z3.ArithRef, d: z3.ArithRef) -> z3.ArithRef:
    # truncation from Euclidean div: for n >= 0, n div d = sign(d)·floor(n/|d|) = trunc(n/d)
    return z3.If(n >= 0, n / d, -((-n) / d))


def _trem(n: z3.ArithRef, d: z3.ArithRef) -> z3.ArithRef:
    return n - d * _tdiv(n, d)


_COMPARE = {"<": lambda x, y: x < y, "<=": lambda x, y: x <= y, ">": lambda x, y: x > y,
            ">=": lambda x, y: x >= y}


class _Eval:
    """Evaluation of one function body, inlining the calls of the module's functions."""

    def __init__(self, run: _Run) -> None:
        self.run = run

    def other(self, when: z3.BoolRef, reason: str) -> None:
        self.run.outcomes.append(Outcome("other", when, reason=reason))

    # expressions: (value, the condition under which it completes), under guard g
    def expr(self, e: ast.Expr, env: Mapping[str, Value], g: z3.BoolRef
             ) -> tuple[Value, z3.BoolRef]:
        true = z3.BoolVal(True, CTX)
        if isinstance(e, ast.Num):
            if not e.big:
                raise TsSemanticsError(f"number literal {e.value} outside a default")
            return z3.IntVal(e.value, CTX), true
        if isinstance(e, ast.Str):
            return e.value, true
        if isinstance(e, ast.Name):
            if e.id in env:
                return env[e.id], true
            if e.id in self.run.module.consts:
                return z3.IntVal(self.run.module.consts[e.id], CTX), true
            raise TsSemanticsError(f"{e.id} is not defined")
        if isinstance(e, ast.Template):
            return self.template(e, env, g)
        if isinstance(e, ast.Array):
            items, ok = [], true
            for item in e.items:
                v, okv = self.expr(item, env, z3.And(g, ok))
                items.append(v)
                ok = z3.And(ok, okv)
            return tuple(items), ok
        if isinstance(e, ast.Unary):
            return self.unary(e, env, g)
        if isinstance(e, ast.Binary):
            return self.binary(e, env, g)
        if isinstance(e, ast.Cond):
            c, okc = self.expr(e.test, env, g)
            c = self.boolean(c)
            x, okx = self.expr(e.then, env, z3.And(g, okc, c))
            y, oky = self.expr(e.other, env, z3.And(g, okc, z3.Not(c)))
            return self.choose(c, x, y), z3.And(okc, z3.If(c, okx, oky))
        if isinstance(e, ast.Call):
            return self.call(e, env, g)
        raise TsSemanticsError(f"no meaning for {type(e).__name__}")

    def boolean(self, v: Value) -> z3.BoolRef:
        if not isinstance(v, z3.BoolRef):
            raise TsSemanticsError(f"a condition that is not a boolean: {v}")
        return v

    def bigint(self, v: Value) -> z3.ArithRef:
        if not isinstance(v, z3.ArithRef):
            raise TsSemanticsError(f"BigInt arithmetic on {v}")
        return v

    def choose(self, c: z3.BoolRef, x: Value, y: Value) -> Value:
        if isinstance(x, z3.ExprRef) and isinstance(y, z3.ExprRef) and x.sort() == y.sort():
            return z3.If(c, x, y)
        if isinstance(x, str | TypeOf | Opaque) and isinstance(y, str | TypeOf | Opaque):
            return x if x == y else Opaque()
        raise TsSemanticsError(f"a conditional of {x} and {y}")

    def template(self, e: ast.Template, env: Mapping[str, Value], g: z3.BoolRef
                 ) -> tuple[Message, z3.BoolRef]:
        text = [e.strings[0]]
        values: list[z3.ArithRef] = []
        ok = z3.BoolVal(True, CTX)
        for part, after in zip(e.exprs, e.strings[1:], strict=True):
            v, okv = self.expr(part, env, z3.And(g, ok))
            ok = z3.And(ok, okv)
            if isinstance(v, str):
                text.append(v)
            elif isinstance(v, z3.ArithRef):
                text.append("{}")
                values.append(v)
            else:
                text.append("{?}")
            text.append(after)
        return Message("".join(text), tuple(values)), ok

    def unary(self, e: ast.Unary, env: Mapping[str, Value], g: z3.BoolRef
              ) -> tuple[Value, z3.BoolRef]:
        v, ok = self.expr(e.arg, env, g)
        if e.op == "-":
            return -self.bigint(v), ok
        if e.op == "!":
            return z3.Not(self.boolean(v)), ok
        if isinstance(v, Arg):  # typeof
            return TypeOf(v), ok
        raise TsSemanticsError(f"typeof of {v}")

    def binary(self, e: ast.Binary, env: Mapping[str, Value], g: z3.BoolRef
               ) -> tuple[Value, z3.BoolRef]:
        x, okx = self.expr(e.left, env, g)
        if e.op in ("&&", "||"):
            x = self.boolean(x)
            # the right operand runs only where the left one does not decide
            runs = x if e.op == "&&" else z3.Not(x)
            y, oky = self.expr(e.right, env, z3.And(g, okx, runs))
            y = self.boolean(y)
            value = z3.And(x, y) if e.op == "&&" else z3.Or(x, y)
            return value, z3.And(okx, z3.Or(z3.Not(runs), oky))
        y, oky = self.expr(e.right, env, z3.And(g, okx))
        ok = z3.And(okx, oky)
        if e.op in ("===", "!=="):
            same = self.equal(x, y)
            return (same if e.op == "===" else z3.Not(same)), ok
        a, b = self.bigint(x), self.bigint(y)
        if e.op in _COMPARE:
            return _COMPARE[e.op](a, b), ok
        if e.op == "+":
            return a + b, ok
        if e.op == "-":
            return a - b, ok
        if e.op == "*":
            return a * b, ok
        # / and %: RangeError for a zero divisor
        self.other(z3.And(g, ok, b == 0), f"RangeError: Division by zero ({e.op})")
        ok = z3.And(ok, b != 0)
        return (_tdiv(a, b) if e.op == "/" else _trem(a, b)), ok

    def equal(self, x: Value, y: Value) -> z3.BoolRef:
        if isinstance(x, z3.ArithRef) and isinstance(y, z3.ArithRef):
            return x == y
        if isinstance(x, z3.BoolRef) and isinstance(y, z3.BoolRef):
            return x == y
        if isinstance(x, str) and isinstance(y, str):
            return z3.BoolVal(x == y, CTX)
        if isinstance(x, TypeOf) and isinstance(y, str):
            x, y = y, x
        if isinstance(x, str) and isinstance(y, TypeOf):
            if x == "number":
                return y.arg.tag != 0
            raise TsSemanticsError(f"typeof compared with {x!r}")
        raise TsSemanticsError(f"=== of {x} and {y}")

    def call(self, e: ast.Call, env: Mapping[str, Value], g: z3.BoolRef
             ) -> tuple[Value, z3.BoolRef]:
        args: list[Value] = []
        ok = z3.BoolVal(True, CTX)
        for a in e.args:
            v, okv = self.expr(a, env, z3.And(g, ok))
            args.append(v)
            ok = z3.And(ok, okv)
        here = z3.And(g, ok)
        if e.func in ("Number.isInteger", "Number.isSafeInteger", "BigInt", "Number"):
            if len(args) != 1:
                raise TsSemanticsError(f"{e.func} of {len(args)} arguments")
            (v,) = args
            if e.func == "Number":
                n = self.bigint(v)
                return NumV(n, z3.And(n >= -(2**53), n <= 2**53)), ok
            if not isinstance(v, Arg):
                raise TsSemanticsError(f"{e.func} of {v}")
            if e.func == "Number.isInteger":
                return v.is_integer, ok
            if e.func == "Number.isSafeInteger":
                return v.is_safe, ok
            self.other(z3.And(here, z3.Not(v.is_integer)),
                       "RangeError/TypeError: BigInt of a value that is no integer")
            return v.val, z3.And(ok, v.is_integer)
        f = self.run.module.functions.get(e.func)
        if f is None:
            raise TsSemanticsError(f"call of {e.func}, which the module does not define")
        if f.exported:
            raise TsSemanticsError(f"call of the exported {e.func}")
        if self.run.contracts and e.func in CONTRACTS and len(args) == 2:
            n, d = self.bigint(args[0]), self.bigint(args[1])
            self.other(z3.And(here, d == 0), f"RangeError: Division by zero ({e.func})")
            return CONTRACTS[e.func](n, d), z3.And(ok, d != 0)
        if len(args) != len(f.params):
            raise TsSemanticsError(f"{e.func} called with {len(args)} arguments")
        if self.run.depth > 20:
            raise TsSemanticsError(f"calls nested too deeply at {e.func}")
        self.run.depth += 1
        try:
            value, done = self.body(f, dict(zip((p for p, _ in f.params), args, strict=True)),
                                    here)
        finally:
            self.run.depth -= 1
        return value, z3.And(ok, done)

    # statements
    def body(self, f: ast.Function, env: dict[str, Value], g: z3.BoolRef
             ) -> tuple[Value, z3.BoolRef]:
        """Run ``f``'s body under guard ``g``: its returned value and the condition under
        which it returns (its throws are recorded)."""
        env = dict(env)
        ok = z3.BoolVal(True, CTX)
        for st in f.body:
            here = z3.And(g, ok)
            if isinstance(st, ast.Const):
                if st.name in env:
                    raise TsSemanticsError(f"{f.name}: {st.name} is bound twice")
                env[st.name], okv = self.expr(st.value, env, here)
                ok = z3.And(ok, okv)
            elif isinstance(st, ast.IfThrow):
                c, okc = self.expr(st.test, env, here)
                c = self.boolean(c)
                throws = z3.And(here, okc, c)
                kind, okk = self.expr(st.kind, env, throws)
                message, okm = self.expr(st.message, env, z3.And(throws, okk))
                if not isinstance(kind, str) or not isinstance(message, Message):
                    raise TsSemanticsError(f"{f.name}: ShapeError({kind}, {message})")
                if not self.run.module.error_class:
                    raise TsSemanticsError("ShapeError is not defined")
                self.run.outcomes.append(Outcome("shape", z3.And(throws, okk, okm),
                                                 error_kind=kind, message=message))
                ok = z3.And(ok, okc, z3.Not(c))
            else:
                value, okv = self.expr(st.value, env, here)
                return value, z3.And(ok, okv)
        raise TsSemanticsError(f"{f.name} has no return")  # pragma: no cover - parser's rule


@dataclass(frozen=True, slots=True)
class Semantics:
    """Every outcome of an exported function, its arguments as :class:`Arg`."""

    name: str
    args: tuple[Arg, ...]
    outcomes: tuple[Outcome, ...]


# The globals the model gives a meaning to. A binding of one of these names (or of a module
# function's name, inside a function) would shadow it in JavaScript while the model still read
# the global: refused.
GLOBALS = frozenset(("BigInt", "Number", "ShapeError", "Error", "undefined", "NaN", "Infinity"))


def check_names(module: ast.Module) -> None:
    """Refuse a module whose bindings shadow what the model resolves by name."""
    for name in (*module.functions, *module.consts):
        if name in GLOBALS:
            raise TsSemanticsError(f"{name} shadows a global")
    callable_names = GLOBALS | set(module.functions)
    for f in module.functions.values():
        bound = [p for p, _ in f.params] + [st.name for st in f.body if isinstance(st, ast.Const)]
        for name in bound:
            if name in callable_names:
                raise TsSemanticsError(f"{f.name}: {name} shadows a function")


def execute(module: ast.Module, name: str, params: Sequence[str] | None = None) -> Semantics:
    """The outcomes of the exported function ``name`` of ``module``; its parameters are fresh
    arguments named after ``params`` (default: their TypeScript names)."""
    check_names(module)
    f = module.function(name)
    if not f.exported:
        raise TsSemanticsError(f"{name} is not exported")
    names = list(params) if params is not None else [p for p, _ in f.params]
    if len(names) != len(f.params):
        raise TsSemanticsError(f"{name} has {len(f.params)} parameters, not {len(names)}")
    args = tuple(Arg(n, z3.Int(f"{n}_tag", CTX), z3.Int(n, CTX)) for n in names)
    run = _Run(module)
    domain = z3.And(*(z3.And(a.tag >= 0, a.tag <= 2) for a in args), CTX)
    value, done = _Eval(run).body(f, {p: a for (p, _), a in zip(f.params, args, strict=True)},
                                  domain)
    outcomes = [*run.outcomes, Outcome("return", z3.And(domain, done), value=value)]
    return Semantics(name, args, tuple(outcomes))


def helper_lemma(module: ast.Module, name: str) -> z3.BoolRef:
    """For every BigInt n, d: the module's helper ``name`` (a key of :data:`CONTRACTS`), run as
    written, throws a RangeError exactly where d = 0 and otherwise returns the contract's
    value."""
    check_names(module)
    f = module.function(name)
    if f.exported or len(f.params) != 2:
        raise TsSemanticsError(f"{name} is not the helper emitted")
    n, d = z3.Int("n", CTX), z3.Int("d", CTX)
    run = _Run(module, contracts=False)
    value, done = _Eval(run).body(f, {f.params[0][0]: n, f.params[1][0]: d}, z3.BoolVal(True, CTX))
    if not isinstance(value, z3.ArithRef):
        return z3.BoolVal(False, CTX)
    others = [o.when for o in run.outcomes if o.kind == "other"]
    shapes = [o.when for o in run.outcomes if o.kind != "other"]
    return z3.And(done == (d != 0), z3.Or(*others, z3.BoolVal(False, CTX)) == (d == 0),
                  z3.Not(z3.Or(*shapes, z3.BoolVal(False, CTX))),
                  z3.Implies(d != 0, value == CONTRACTS[name](n, d)))
