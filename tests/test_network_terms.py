"""Light terms: every constructor (and so every rewrite) keeps the value, for all integers;
evaluation, batch evaluation, Z3 translation and the printed Python agree; the rewrites are
proved as general theorems."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import pytest
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv.network import terms as T
from symconv.network.proofs import Session, Z3Terms, prove_fact, prove_rewrite
from symconv.network.textual import latex, pretty, python
from symconv.prover import Status

Program = Any


def _leaf() -> st.SearchStrategy[Program]:
    return st.one_of(st.just(("x",)), st.tuples(st.just("c"), st.integers(-9, 9)))


def _extend(inner: st.SearchStrategy[Program]) -> st.SearchStrategy[Program]:
    return st.one_of(
        st.tuples(st.just("add"), inner, inner),
        st.tuples(st.just("scale"), inner, st.integers(-4, 4)),
        st.tuples(st.sampled_from(["floor", "ceil", "mod"]), inner, st.integers(1, 8)),
        st.tuples(st.sampled_from(["max", "min"]), inner, inner),
        st.tuples(st.just("ite"), inner, inner, inner, inner),
    )


PROGRAMS = st.recursive(_leaf(), _extend, max_leaves=12)


def build(prog: Program) -> tuple[T.Lin, Callable[[int], int]]:
    head = prog[0]
    if head == "x":
        return T.var("x"), lambda x: x
    if head == "c":
        return T.const(prog[1]), lambda x: prog[1]
    if head == "add":
        (a, fa), (b, fb) = build(prog[1]), build(prog[2])
        return a + b, lambda x: fa(x) + fb(x)
    if head == "scale":
        a, fa = build(prog[1])
        return a * prog[2], lambda x: fa(x) * prog[2]
    if head in ("floor", "ceil", "mod"):
        a, fa = build(prog[1])
        d = prog[2]
        if head == "floor":
            return T.floor_div(a, d), lambda x: fa(x) // d
        if head == "ceil":
            return T.ceil_div(a, d), lambda x: -((-fa(x)) // d)
        return T.mod(a, d), lambda x: fa(x) % d
    if head in ("max", "min"):
        (a, fa), (b, fb) = build(prog[1]), build(prog[2])
        if head == "max":
            return T.maximum(a, b), lambda x: max(fa(x), fb(x))
        return T.minimum(a, b), lambda x: min(fa(x), fb(x))
    (a, fa), (b, fb), (c, fc), (d, fd) = (build(p) for p in prog[1:])
    return T.ite(T.ge(a, b), c, d), lambda x: fc(x) if fa(x) >= fb(x) else fd(x)


POINTS = [*range(-40, 41), 10**6 + 7, -(10**6) - 3, 2**70 + 5]


@settings(max_examples=300, deadline=None)
@given(PROGRAMS)
def test_constructors_keep_the_value(prog: Program) -> None:
    term, reference = build(prog)
    for x in POINTS:
        assert T.value(term, {"x": x}) == reference(x)


@settings(max_examples=150, deadline=None)
@given(PROGRAMS)
def test_facts_keep_the_value_and_are_proved(prog: Program) -> None:
    with T.facts() as used:
        term, reference = build(prog)
    for x in POINTS:
        assert T.value(term, {"x": x}) == reference(x)
    session = Session()
    for fact in used:
        assert prove_fact(fact, session).status is Status.PROVED


@settings(max_examples=100, deadline=None)
@given(PROGRAMS)
def test_batch_z3_and_printed_python_agree(prog: Program) -> None:
    term, reference = build(prog)
    xs = list(range(-25, 26))
    batch = T.evaluate_many([term], {"x": xs}, len(xs))[term.serial]
    assert batch == [reference(x) for x in xs]
    tr = Z3Terms(z3.Context())
    z = tr.int_(term)
    code = compile(ast.parse(python(term), mode="eval"), "<term>", "eval")
    for x in (-7, 0, 3, 13, 10**9 + 1):
        assert z3.simplify(z3.substitute(z, (tr.var("x"), z3.IntVal(x, tr.ctx)))).as_long() \
            == reference(x)
        assert eval(code, {"__builtins__": {}, "min": min, "max": max}, {"x": x}) == \
            reference(x)
    assert pretty(term)
    assert latex(term)


@pytest.mark.parametrize("name", sorted(T.REWRITE_STATEMENTS))
def test_every_rewrite_is_a_proved_theorem(name: str) -> None:
    assert prove_rewrite(T.Rewrite(name)).result.status is Status.PROVED


def test_rewrites_are_recorded_where_used() -> None:
    x = T.var("x")
    with T.recording() as used:
        T.floor_div(T.floor_div(x + 1, 2) + 1, 2)
    assert T.Rewrite("nested-floor") in used
    assert T.Rewrite("floor-shift") not in used
    with T.recording() as used:
        T.floor_div(x - 1, 2)
    assert used == {T.Rewrite("floor-shift")}


def test_nested_floors_collapse() -> None:
    x = T.var("H")
    y = T.floor_div(T.floor_div(T.floor_div(x - 1, 2) + 1 + 2 - 3, 2) + 1 - 1, 2) + 1
    assert pretty(y) == "⌊(H + 7)/8⌋"


def test_hash_consing_makes_equal_structures_identical() -> None:
    x = T.var("x")
    assert T.floor_div(x + 3, 4) is T.floor_div(3 + x, 4)
    assert T.ge(x, 2) is T.le(2, x)
    assert T.conj(T.ge(x, 1), T.TRUE) is T.ge(x, 1)


def test_ceil_prints_as_ceil_and_python_parenthesises() -> None:
    x = T.var("H")
    assert pretty(T.ceil_div(x, 3)) == "⌈H/3⌉"
    assert python(T.ceil_div(x, 3)) == "-((-H) // 3)"
    assert python(2 * T.floor_div(x, 16)) == "2*(H // 16)"


@settings(max_examples=150, deadline=None)
@given(st.integers(-6, 6), st.integers(-6, 6), st.integers(-2, 2), st.integers(1, 6),
       st.booleans())
def test_dominance_facts_on_floor_pairs(a: int, b: int, c: int, d: int, is_max: bool) -> None:
    """max/min of ⌊(x + a)/d⌋ and ⌊(x + b)/d⌋ + c: one often dominates; the simplified term
    keeps the value and every fact it used is proved."""
    x = T.var("x")
    left, right = T.floor_div(x + a, d), T.floor_div(x + b, d) + c
    pick = max if is_max else min
    with T.facts() as used:
        term = T.extreme(is_max, [left, right])
    for n in POINTS:
        assert T.value(term, {"x": n}) == pick((n + a) // d, (n + b) // d + c)
    session = Session()
    for fact in used:
        assert prove_fact(fact, session).status is Status.PROVED


def test_a_false_fact_is_refuted_and_a_new_analysis_avoids_it() -> None:
    x = T.var("x")
    # true on every sample near 0 but false far away: the proof must catch it
    cond = T.ne(T.mod(x, 1 << 20), 5000)
    result = prove_fact(T.Fact(cond), Session())
    assert result.status is Status.REFUTED
    assert result.counterexample is not None
    assert not T.holds(cond, result.counterexample)
    with T.facts() as used:
        T.ite(cond, 1, 2)
    assert used == {T.Fact(cond)}  # sampling alone is fooled ...
    with T.facts(excluded=frozenset({cond.serial})) as used:
        T.ite(cond, 1, 2)
    assert not used  # ... so the study analyses again without it
