"""Path states, and merging the states that leave a branch (keeps the path count down; exact:
values that differ become If-terms over the branch conditions)."""

from __future__ import annotations

from dataclasses import dataclass

import z3

from symconv.pysem.values import NONE, RangeV, TupleV, Value, is_bool, is_int


@dataclass(slots=True)
class State:
    """One path: its condition (a conjunction), local variables and list heap."""

    pc: tuple[z3.BoolRef, ...]
    env: dict[str, Value]
    heap: dict[int, list[Value]]
    locals_: frozenset[str] = frozenset()

    def fork(self, cond: z3.BoolRef | None = None) -> State:
        pc = self.pc if cond is None else (*self.pc, cond)
        return State(pc, dict(self.env), {k: list(v) for k, v in self.heap.items()}, self.locals_)


def merge(base: State, results: list[tuple[State, Value]]) -> list[tuple[State, Value]]:
    """The states forked from ``base`` as one state, when their variables, heaps and values
    have the same shapes; else unchanged."""
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
    merged = State((*base.pc, z3.simplify(z3.Or(*extras))), env, heap, first.locals_)
    return [(merged, value)]


def merge_states(base: State, states: list[State]) -> list[State]:
    merged = merge(base, [(s, NONE) for s in states])
    return [s for s, _ in merged]


def _extends(pc: tuple[z3.BoolRef, ...], base: tuple[z3.BoolRef, ...]) -> bool:
    return len(pc) >= len(base) and all(x is y for x, y in zip(pc, base, strict=False))


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
    if all(is_bool(v) for v in values) or all(is_int(v) for v in values):
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
