"""Questions about input sizes, answered from V's normal form and the closed forms (nothing is
run): is this size valid and what comes out, the smallest valid size, the nearest valid sizes,
the first layer that refuses a size and the framework's message.

A *square* point has every spatial axis equal to one size n; with ``width`` the last axis is
held at ``width`` and the others equal n.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import lcm

from symconv.network import terms as T
from symconv.network.analysis import Analysis, Condition
from symconv.network.ortrun import attribution, runs_in_onnxruntime
from symconv.network.proofs import DEFAULT_TIMEOUT, extreme_value
from symconv.network.study import Study
from symconv.network.validset import Periodic

SQUARE = "n"


def square_point(analysis: Analysis, n: int, width: int | None = None) -> tuple[int, ...]:
    rank = len(analysis.axes)
    if width is None:
        return (n,) * rank
    return (*([n] * (rank - 1)), width)


@dataclass(frozen=True, slots=True)
class SizeAnswer:
    size: int
    point: tuple[int, ...]
    valid: bool
    outputs: tuple[tuple[int, ...] | None, ...]  # per network output: spatial sizes
    refused_by: Condition | None

    def as_json(self) -> dict[str, object]:
        first = self.outputs[0] if self.outputs else None
        # the whole point: with --width W, the last axis is W, not the size
        obj: dict[str, object] = {"size": self.size, "point": list(self.point),
                                  "valid": self.valid,
                                  "output": list(first) if self.valid and first else []}
        if self.refused_by is not None:
            obj["refused_by"] = {"layer": self.refused_by.layer,
                                 "message": self.refused_by.message}
        return obj


def answer(st: Study, n: int, width: int | None = None) -> SizeAnswer:
    """Whether the square point of size n is valid (from V's normal form where proved, else
    from the conjunction), the outputs' sizes there, or the first layer refusing it."""
    analysis = st.analysis
    point = square_point(analysis, n, width)
    env = analysis.point(point)
    refusal = attribution(analysis, env)
    valid = st.valid.contains(point)
    if valid != (refusal is None):
        raise AssertionError(f"V's normal form and the conditions disagree at {point}: a bug")
    memo: dict[int, T.Value] = {}
    outputs: list[tuple[int, ...] | None] = []
    for layer in analysis.outputs:
        sizes = layer.shape.sizes
        outputs.append(None if not valid or sizes is None
                       else tuple(T.value(s, env, memo) for s in sizes))
    return SizeAnswer(n, point, valid, tuple(outputs), refusal)


CHUNK = 2048


def listing(st: Study, low: int, high: int, width: int | None = None) -> list[SizeAnswer]:
    """:func:`answer` for every size in low..high, evaluated a chunk of sizes at a time."""
    out: list[SizeAnswer] = []
    for start in range(low, high + 1, CHUNK):
        out += _chunk(st, list(range(start, min(high, start + CHUNK - 1) + 1)), width)
    return out


def _chunk(st: Study, sizes: list[int], width: int | None) -> list[SizeAnswer]:
    return answers_at(st, [square_point(st.analysis, n, width) for n in sizes], sizes)


def answers_at(st: Study, points: Sequence[tuple[int, ...]], labels: Sequence[int] | None = None
               ) -> list[SizeAnswer]:
    """:func:`answer` at any points (one size per axis), evaluated at once; ``labels`` are the
    answers' ``size`` (default: each point's first size)."""
    analysis = st.analysis
    sizes = list(labels) if labels is not None else [p[0] for p in points]
    envs = {axis: [p[j] for p in points] for j, axis in enumerate(analysis.axes)}
    conditions = analysis.conditions
    output_terms = [s for layer in analysis.outputs for s in (layer.shape.sizes or ())]
    values = T.evaluate_many([*(c.cond for c in conditions), *output_terms], envs, len(points))
    onnx = runs_in_onnxruntime(analysis)
    answers = []
    for index, (n, point) in enumerate(zip(sizes, points, strict=True)):
        refusal = next((c for c in conditions if not values[c.cond.serial][index]), None)
        if refusal is not None and onnx:
            refusal = attribution(analysis, analysis.point(point), refusal)
        valid = st.valid.contains(point)
        if valid != (refusal is None):
            raise AssertionError(f"V's normal form and the conditions disagree at {point}")
        outputs: list[tuple[int, ...] | None] = []
        for layer in analysis.outputs:
            spatial = layer.shape.sizes
            outputs.append(None if not valid or spatial is None else
                           tuple(int(values[s.serial][index]) for s in spatial))
        answers.append(SizeAnswer(n, tuple(point), valid, tuple(outputs), refusal))
    return answers


# ---------------------------------------------------------------------------------------------


def _box_next(box: Sequence[Periodic], x: int, fixed: int | None) -> int | None:
    """Least n ≥ x with n in every set of ``box`` (the last held at ``fixed`` if given)."""
    sets = list(box)
    if fixed is not None:
        if fixed not in sets[-1]:
            return None
        sets = sets[:-1]
    if not sets:
        return x
    bound = max((s.start or 0) for s in sets) + lcm(*(s.modulus for s in sets)) + x
    if all(s.start is None for s in sets):
        bound = min(s.finite[-1][1] if s.finite else 0 for s in sets)
    y = x
    while y <= bound:
        nxt = [s.next_at_least(y) for s in sets]
        if any(v is None for v in nxt):
            return None
        top = max(v for v in nxt if v is not None)
        if top == y:
            return y
        y = top
    return None


def _box_prev(box: Sequence[Periodic], x: int, fixed: int | None) -> int | None:
    sets = list(box)
    if fixed is not None:
        if fixed not in sets[-1]:
            return None
        sets = sets[:-1]
    if not sets:
        return x if x >= 1 else None
    y = x
    while y >= 1:
        prv = [s.prev_at_most(y) for s in sets]
        if any(v is None for v in prv):
            return None
        low = min(v for v in prv if v is not None)
        if low == y:
            return y
        y = low
    return None


def next_valid(st: Study, x: int, width: int | None = None,
               timeout: float = DEFAULT_TIMEOUT) -> int | None:
    """The least valid square size ≥ x (None: there is none, or the solver could not say)."""
    boxes = st.valid.boxes
    if boxes is None:
        return extreme_value(_square(st, width, T.ge(T.var(SQUARE), x)), SQUARE, False, timeout)
    found = [v for b in boxes if (v := _box_next(b, x, width)) is not None]
    return min(found) if found else None


def prev_valid(st: Study, x: int, width: int | None = None,
               timeout: float = DEFAULT_TIMEOUT) -> int | None:
    """The greatest valid square size ≤ x."""
    if x < 1:
        return None
    boxes = st.valid.boxes
    if boxes is None:
        return extreme_value(_square(st, width, T.le(T.var(SQUARE), x)), SQUARE, True, timeout)
    found = [v for b in boxes if (v := _box_prev(b, x, width)) is not None]
    return max(found) if found else None


def _square(st: Study, width: int | None, extra: T.Cond) -> T.Cond:
    axes = st.analysis.axes
    mapping = {a: T.var(SQUARE) for a in axes}
    if width is not None:
        mapping[axes[-1]] = T.const(width)
    return T.conj(T.substitute_cond(st.valid.conjunction, mapping), extra)
