"""The entry points: a function's signature, and every path of a function."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import z3

from symconv.pysem.engine import Frame
from symconv.pysem.executor import Executor, assigned, check_function, default_value
from symconv.pysem.limits import DEFAULT_LIMITS, LimitExceeded, Limits, Unsupported
from symconv.pysem.merge import State
from symconv.pysem.module import Module, parse_module
from symconv.pysem.semantics import FunctionSemantics, Kind, Outcome
from symconv.pysem.values import NONE, ListRef, ListV, TupleV, Value


def parameter_names(fdef: ast.FunctionDef) -> tuple[str, ...]:
    a = fdef.args
    return tuple(x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs])


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    annotation: str  # as written, "" if none
    has_default: bool
    default: Value | None  # the default's value when has_default


def _function(mod: Module, name: str) -> ast.FunctionDef:
    fdef = mod.functions.get(name)
    if fdef is None:
        raise Unsupported(mod.no_function(name))
    return fdef


def signature(source: str, name: str, *, limits: Limits = DEFAULT_LIMITS,
              module: Module | None = None) -> tuple[Param, ...]:
    """The parameters of ``name`` with their annotations and (constant) defaults."""
    mod = module if module is not None else parse_module(source, limits)
    fdef = _function(mod, name)
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
                         default_value(node) if node is not None else None))
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
    limits: Limits = DEFAULT_LIMITS,
    module: Module | None = None,
) -> FunctionSemantics:
    """Every path of function ``name`` in ``source``.

    ``inputs`` binds parameters to Z3 terms, Python ints/bools, ``None`` or sequences of these
    (lists); unbound parameters get a fresh Z3 variable named after them (Bool if annotated
    ``bool``, else Int). Raises :class:`Unsupported` (naming the construct and line:col) for
    anything outside the subset and :class:`LimitExceeded` when a bound is hit.
    """
    mod = module if module is not None else parse_module(source, limits)
    fdef = _function(mod, name)
    check_function(fdef)
    bound = default_inputs(fdef)
    ex = Executor(mod, limits)
    st = State((), {}, {}, assigned(fdef))
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
        st.env = ex.bind(fdef, args[:positional], kw, fdef)
        frame = Frame(name)
        ends = ex.block(fdef.body, [st], frame)
        frame.returns.extend((e, NONE) for e in ends)
        for s, value in frame.returns:
            ex.finish(s, None, Outcome(Kind.RETURN, _snapshot(value, s)))
    except RecursionError:
        raise LimitExceeded(f"{name} is nested too deeply to translate") from None
    finally:
        ex.stack.pop()
    return FunctionSemantics(name, parameter_names(fdef), snapshot, tuple(ex.finished))


def _to_value(v: object, ex: Executor, st: State) -> Value:
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


def _snapshot(v: Value, st: State) -> Value:
    if isinstance(v, ListRef):
        return ListV(tuple(_snapshot(x, st) for x in st.heap[v.ref]))
    if isinstance(v, TupleV):
        return TupleV(tuple(_snapshot(x, st) for x in v.items))
    return v
