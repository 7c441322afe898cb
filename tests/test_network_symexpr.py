"""PyTorch's size expressions read exactly: the plain-Python evaluator and the Z3 translation
of ``symconv.network.frontends.symexpr`` against Python's own operators (``//``, ``%``,
``math.ceil(a / b)`` in doubles, as the model's code computes them) at many points, on
expressions built from PyTorch's own SymPy functions."""

from __future__ import annotations

import math

import pytest
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("torch")
import sympy as sp
from torch.utils._sympy import functions as F

from symconv.network.frontends.symexpr import (
    Unreadable,
    Z3Reader,
    compile_python,
    period,
)

H, W = sp.Symbol("s0", integer=True), sp.Symbol("s1", integer=True)
NAMES = {"s0": "H", "s1": "W"}


def reference(e: object, h: int, w: int) -> object:
    """Python's own semantics, by a separate walk: what the model's code computes."""
    kind = type(e).__name__
    args = getattr(e, "args", ())
    if e == H:
        return h
    if e == W:
        return w
    if isinstance(e, sp.Integer):
        return int(e)
    if kind == "Add":
        return sum(reference(a, h, w) for a in args)  # type: ignore[misc]
    if kind == "Mul":
        return math.prod(reference(a, h, w) for a in args)  # type: ignore[misc]
    if kind == "FloorDiv":
        return reference(args[0], h, w) // reference(args[1], h, w)  # type: ignore[operator]
    if kind in ("Mod", "PythonMod"):
        return reference(args[0], h, w) % reference(args[1], h, w)  # type: ignore[operator]
    if kind in ("CeilToInt", "FloorToInt"):
        a, b = (reference(x, h, w) for x in args[0].args)
        q = a / b  # type: ignore[operator]  # a double, as in the model's Python
        return math.ceil(q) if kind == "CeilToInt" else math.floor(q)
    if kind in ("Max", "Min"):
        vals = [reference(a, h, w) for a in args]
        return max(vals) if kind == "Max" else min(vals)  # type: ignore[type-var]
    if kind == "Equality":
        return reference(args[0], h, w) == reference(args[1], h, w)
    if kind == "Unequality":
        return reference(args[0], h, w) != reference(args[1], h, w)
    if kind == "StrictLessThan":
        return reference(args[0], h, w) < reference(args[1], h, w)  # type: ignore[operator]
    if kind == "GreaterThan":
        return reference(args[0], h, w) >= reference(args[1], h, w)  # type: ignore[operator]
    raise AssertionError(kind)


def z3_value(e: object, h: int, w: int, reader: Z3Reader | None = None) -> object:
    reader = reader or Z3Reader(NAMES)
    out = reader.read(e)
    sub = z3.substitute(out, (reader.var("H"), z3.IntVal(h, reader.ctx)),
                        (reader.var("W"), z3.IntVal(w, reader.ctx)))
    value = z3.simplify(sub)
    if z3.is_bool(value):
        return z3.is_true(value)
    return value.as_long()  # type: ignore[attr-defined]


LEAVES = st.sampled_from([H, W, sp.Integer(1), sp.Integer(3), sp.Integer(-2)])
DIVISORS = st.sampled_from([1, 2, 3, 4, 7, 16, 32, -3])


def _extend(children: st.SearchStrategy[sp.Expr]) -> st.SearchStrategy[sp.Expr]:
    return st.one_of(
        st.builds(lambda a, b: a + b, children, children),
        st.builds(lambda a, c: a * c, children, st.sampled_from([2, 3, -1])),
        st.builds(lambda a, d: F.FloorDiv(a, d), children, DIVISORS),
        st.builds(lambda a, d: F.PythonMod(a, d), children, DIVISORS),
        st.builds(lambda a, d: F.CeilToInt(F.IntTrueDiv(a, d)), children, DIVISORS),
        st.builds(lambda a, b: F.Max(a, b), children, children),
        st.builds(lambda a, b: F.Min(a, b), children, children),
    )


EXPRS = st.recursive(LEAVES, _extend, max_leaves=8)
POINTS = st.lists(st.tuples(st.integers(-300, 300), st.integers(-300, 300)), min_size=8,
                  max_size=8)


@settings(max_examples=80, deadline=None)
@given(EXPRS, POINTS)
def test_python_and_z3_readings_equal_pythons_own_arithmetic(e: sp.Expr,
                                                             points: list[tuple[int, int]]
                                                             ) -> None:
    fn = compile_python(e, NAMES)
    reader = Z3Reader(NAMES)
    for h, w in points:
        expected = reference(e, h, w)
        assert fn({"H": h, "W": w}) == expected, (e, h, w)
        assert z3_value(e, h, w, reader) == expected, (e, h, w)


def test_relations_and_conditions() -> None:
    a = F.FloorDiv(H - 1, 32) + 1
    for g in (sp.Eq(a, 1), sp.Ne(a * (F.FloorDiv(W - 1, 32) + 1), 1), sp.Lt(H, 7), sp.Ge(W, 7),
              sp.Eq(F.Mod(a, 2), 0)):
        fn = compile_python(g, NAMES)
        for h in range(1, 80, 7):
            for w in range(1, 80, 11):
                assert fn({"H": h, "W": w}) == reference(g, h, w) == z3_value(g, h, w)


def test_float_quotients_are_read_exactly_only_below_2_53() -> None:
    """math.ceil(a / b) in doubles is the exact ceiling while |a| < 2**53; the reader says so
    as a side condition, and above it doubles do depart (the condition is needed)."""
    e = F.CeilToInt(F.IntTrueDiv(H, 3))
    reader = Z3Reader(NAMES)
    reader.read(e)
    assert len(reader.exact) == 1
    a = 2**60 + 1
    assert math.ceil(a / 3) != -(-a // 3)  # doubles are not exact up there


def test_what_is_not_read_exactly_is_refused() -> None:
    with pytest.raises(Unreadable):
        compile_python(F.FloatTrueDiv(H, 2), NAMES)
    with pytest.raises(Unreadable):
        Z3Reader(NAMES).read(F.FloorDiv(H, W))  # a size-dependent divisor
    with pytest.raises(Unreadable):
        compile_python(sp.Symbol("s9") + 1, NAMES)


def test_period_of_nested_floors_multiplies() -> None:
    assert period(F.PythonMod(F.FloorDiv(H - 7, 2) + 1, 2)) == 4
    assert period(F.FloorDiv(H, 32) + F.FloorDiv(W, 3)) == 96
    assert period(H + 1) == 1
