"""PyTorch's size expressions read exactly: the plain-Python evaluator and the Z3 translation
of ``symconv.network.frontends.symexpr`` against Python's own operators (``//``, ``%``,
``math.ceil(a / b)`` in doubles, as the model's code computes them) at many points, on
expressions built from PyTorch's own SymPy functions."""

from __future__ import annotations

import math
from typing import Any

import pytest
import z3
from hypothesis import assume, example, given, settings
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
    if kind in ("CeilToInt", "FloorToInt", "TruncToInt"):
        inner = args[0]
        if type(inner).__name__ == "IntTrueDiv":
            a, b = (reference(x, h, w) for x in inner.args)
            q = a / b  # type: ignore[operator]  # a double, as in the model's Python
        else:  # c * ToFloat(a): F.interpolate's float(size) * scale_factor, a double
            c = next(float(x) for x in inner.args if type(x).__name__ == "Float")
            a = next(reference(x.args[0], h, w) for x in inner.args
                     if type(x).__name__ == "ToFloat")
            q = float(a) * c  # type: ignore[arg-type]
        return {"CeilToInt": math.ceil, "FloorToInt": math.floor,
                "TruncToInt": math.trunc}[kind](q)
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
    out = e if isinstance(e, z3.ExprRef) else reader.read(e)
    sub = z3.substitute(out, (reader.var("H"), z3.IntVal(h, reader.ctx)),
                        (reader.var("W"), z3.IntVal(w, reader.ctx)))
    value = z3.simplify(sub)
    if z3.is_bool(value):
        return z3.is_true(value)
    return value.as_long()  # type: ignore[attr-defined]


LEAVES = st.sampled_from([H, W, sp.Integer(1), sp.Integer(3), sp.Integer(-2)])
DIVISORS = st.sampled_from([1, 2, 3, 4, 7, 16, 32, -3])
SCALES = st.sampled_from([1.5, 0.5, 2.0, 0.25, 1.75, 3.0, -2.5])  # scale factors of F.interpolate


def _by(op: Any) -> Any:
    """``op(a, b)``, or ``op(a, 1)`` where b is the literal zero (SymPy refuses to build it)."""
    def build(a: sp.Expr, b: sp.Expr) -> sp.Expr:
        try:
            return op(a, b)
        except ZeroDivisionError:
            return op(a, 1)
    return build


def _extend(children: st.SearchStrategy[sp.Expr]) -> st.SearchStrategy[sp.Expr]:
    return st.one_of(
        st.builds(lambda a, b: a + b, children, children),
        st.builds(lambda a, c: a * c, children, st.sampled_from([2, 3, -1])),
        st.builds(lambda a, d: F.FloorDiv(a, d), children, DIVISORS),
        st.builds(lambda a, d: F.PythonMod(a, d), children, DIVISORS),
        st.builds(lambda a, d: F.CeilToInt(F.IntTrueDiv(a, d)), children, DIVISORS),
        st.builds(_by(F.FloorDiv), children, children),  # size-dependent divisors
        st.builds(_by(F.PythonMod), children, children),
        st.builds(lambda a, c, r: r(sp.Float(c) * F.ToFloat(a)), children, SCALES,
                  st.sampled_from([F.TruncToInt, F.FloorToInt, F.CeilToInt])),
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
    reader.read(e)
    for h, w in points:
        defined = z3_value(z3.And(reader.defined), h, w, reader) if reader.defined else True
        try:
            expected = reference(e, h, w)
        except ZeroDivisionError:
            # a size-dependent divisor is zero here: not read, and the reader says so
            assert defined is False, (e, h, w)
            with pytest.raises(ZeroDivisionError):
                fn({"H": h, "W": w})
            continue
        assert fn({"H": h, "W": w}) == expected, (e, h, w)
        if defined:
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


@pytest.mark.parametrize("scale", [1.5, 0.1, 1 / 3, 2 / 3, 0.7, 1.1, 3.0, -0.3])
def test_a_float_scale_factor_is_the_double_product(scale: float) -> None:
    """F.interpolate(scale_factor=c): floor(float(H) * c), a product rounded to a double.
    Read as that rounding (3 · (1/3) is 1.0, where the rationals say 0.99…: the region of a
    1/3 scale's valid path held nowhere and its sizes were called refused), in Python and in
    Z3, against Python's doubles, with the one side condition that float(H) is exact."""
    reader = Z3Reader(NAMES)
    sizes = [*range(0, 400), *(2**k + d for k in (30, 40, 50, 52) for d in (-3, -1, 0, 1, 5))]
    for kind, rnd in ((F.FloorToInt, math.floor), (F.CeilToInt, math.ceil),
                      (F.TruncToInt, math.trunc)):
        for shift in (0, -200):
            e = kind(sp.Float(scale) * F.ToFloat(H + shift))
            fn = compile_python(e, NAMES)
            for h in sizes:
                real = rnd(float(h + shift) * scale)
                assert fn({"H": h, "W": 1}) == real == z3_value(e, h, 1, reader), (kind, h)
    s = z3.Solver(ctx=reader.ctx)
    s.add(z3.And(reader.exact), reader.var("H") == 2**53 - 1)
    assert s.check() == z3.sat  # claimed up to 2**53
    s = z3.Solver(ctx=reader.ctx)
    s.add(z3.And(reader.exact), reader.var("H") == 2**53)
    assert s.check() == z3.unsat  # float(H) itself rounds above: not claimed


def test_what_is_not_read_exactly_is_refused() -> None:
    with pytest.raises(Unreadable):
        compile_python(F.FloatTrueDiv(H, 2), NAMES)
    with pytest.raises(Unreadable):
        compile_python(sp.Symbol("s9") + 1, NAMES)


def test_a_size_dependent_divisor_is_read_where_it_is_not_zero() -> None:
    """Swin/ConvNeXt ask Mod(1, (H//4)*(W//4)) == 0: the token count is 1."""
    tokens = F.FloorDiv(H, 4) * F.FloorDiv(W, 4)
    g = sp.Ne(F.Mod(1, tokens), 0)
    reader = Z3Reader(NAMES)
    cond = reader.bool_(g)
    assert len(reader.defined) == 1
    s = z3.Solver(ctx=reader.ctx)
    s.add(z3.And(reader.defined), z3.Not(cond), reader.var("H") >= 1, reader.var("W") >= 1)
    s.add(z3.Or(reader.var("H") > 7, reader.var("W") > 7))
    assert s.check() == z3.unsat  # one token only below 8 × 8


def test_period_of_nested_floors_multiplies() -> None:
    assert period(F.PythonMod(F.FloorDiv(H - 7, 2) + 1, 2)) == 4
    assert period(F.FloorDiv(H, 32) + F.FloorDiv(W, 3)) == 96
    assert period(H + 1) == 1


def _as_claim(text: str) -> str:
    for a, b in (("⌊", "floor("), ("⌋", ")"), ("⌈", "ceil("), ("⌉", ")"), ("·", "*"),
                 ("−", "-"), (" mod ", " % "), ("^", "**")):
        text = text.replace(a, b)
    return text


SPREAD = [(1, 1), (31, 2), (32, 5), (33, 64), (-7, 100), (224, 3), (65, 97), (8, 8)]


@settings(max_examples=60, deadline=None)
@given(EXPRS, POINTS)
@example(F.FloorDiv(H - 1, 32) + 1, SPREAD)
@example(F.CeilToInt(F.IntTrueDiv(H + 3, 4)) * 4, SPREAD)
@example(F.FloorDiv(H, 2 * W) + F.PythonMod(H - W, 3), SPREAD)
@example(-F.FloorDiv(1 - H, 2) - 2 * F.Max(H, W - 1), SPREAD)
def test_the_shown_closed_form_reads_back_to_the_same_values(e: sp.Expr,
                                                              points: list[tuple[int, int]]
                                                              ) -> None:
    """What the table shows (⌊(H − 1)/32⌋ + 1) is read by the claim language (Python's
    precedence, ⌊·⌋ of exact quotients) as the same function: no lost parenthesis."""
    from symconv.claims import parse
    from symconv.evaluate import EvaluationError, evaluate
    from symconv.network.traced import show

    shown = show(e, NAMES)
    assume("trunc(" not in shown)  # the claim language has no trunc (shown for float scales)
    read = parse(_as_claim(shown))
    fn = compile_python(e, NAMES)
    for h, w in points:
        try:
            expected = fn({"H": h, "W": w})
        except ZeroDivisionError:
            with pytest.raises(EvaluationError):
                evaluate(read, {"H": h, "W": w})
            continue
        assert evaluate(read, {"H": h, "W": w}) == expected, (e, shown, h, w)
