"""A translated function: its paths, each a Z3 condition and an outcome."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum

import z3

from symconv.pysem.limits import Unsupported
from symconv.pysem.values import (
    ListV, RangeV, StrV, TupleV, TypeV, Value, is_bool, range_len, select_int, show, type_name,
)


class Kind(Enum):
    RETURN = "return"
    RAISE = "raise"
    ZERO_DIVISION = "zero-division"


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: Kind
    value: Value | None = None  # for RETURN; for a failed ``[index]``, the value returned
    exception: str = ""  # for RAISE / ZERO_DIVISION: the exception class name
    message: str = ""  # the raise's message as written (f-strings unevaluated)
    line: int = 0
    col: int = 0
    index: int | None = None  # a RAISE of ``[index]`` on the returned ``value``

    def describe(self) -> str:
        if self.kind is Kind.RETURN:
            return f"returns {show(self.value)}"
        where = f" at line {self.line}:{self.col}" if self.line else ""
        msg = f"({self.message!r})" if self.message else ""
        if self.index is not None:
            return f"returns {show(self.value)}, and [{self.index}] raises {self.exception}{msg}"
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

    def subscript(self, index: int) -> FunctionSemantics:
        """The function followed by ``[index]`` on what it returns, with Python's semantics:
        an element, or an ``IndexError`` (out of range) or ``TypeError`` (not subscriptable)
        outcome."""
        paths: list[Path] = []
        for path in self.paths:
            if path.outcome.kind is not Kind.RETURN:
                paths.append(path)
                continue
            for cond, outcome in _element(path.outcome.value, index):
                c = z3.simplify(z3.And(path.condition, cond))
                if not z3.is_false(c):
                    paths.append(Path(c, outcome))
        return replace(self, paths=tuple(paths))

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
                if out.value is not None:
                    return replace(out, value=_fold(out.value, subst))
                return out
        raise Unsupported(f"no path of {self.name} is decided at {dict(env)}")


def _element(v: Value | None, index: int) -> list[tuple[z3.BoolRef, Outcome]]:
    """``v[index]``: (condition, outcome) pieces covering every case."""
    def fails(exception: str, message: str) -> Outcome:
        return Outcome(Kind.RAISE, v, exception, message, index=index)

    true = z3.BoolVal(True)
    if isinstance(v, TupleV | ListV | StrV):
        if isinstance(v, StrV) and not v.exact:
            raise Unsupported(f"element {index} of a formatted string")
        items: Sequence[Value] = [StrV(c) for c in v.text] if isinstance(v, StrV) else v.items
        if -len(items) <= index < len(items):
            return [(true, Outcome(Kind.RETURN, items[index]))]
        return [(true, fails("IndexError", f"{type_name(v)} index out of range"))]
    if isinstance(v, RangeV):
        n = range_len(v)
        k = z3.IntVal(index) if index >= 0 else n + index
        ok = z3.And(k >= 0, k < n)
        return [(ok, Outcome(Kind.RETURN, z3.simplify(v.start + k * v.step))),
                (z3.Not(ok), fails("IndexError", "range object index out of range"))]
    if v is None or isinstance(v, TypeV):
        raise Unsupported(f"element {index} of a returned {show(v)}")
    return [(true, fails("TypeError", f"{type_name(v)!r} object is not subscriptable"))]


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
                out.append((var, z3.BoolVal(bool(val)) if is_bool(var) else z3.IntVal(int(val))))
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
