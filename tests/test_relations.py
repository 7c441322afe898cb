"""Every relation: proved against its meaning, not vacuous, and equal to brute force."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp
import z3
from hypothesis import given
from hypothesis import strategies as st

from symconv.evaluate import evaluate
from symconv.prover import Status, prove
from symconv.reference import (
    count_placements,
    count_placements_nd,
    guide_values,
    transposed_convolve,
)
from symconv.relations import RELATIONS, Kind, meaning, nd
from symconv.symbols import i, i_prime
from symconv.z3bridge import Z3Translator

IDS = list(RELATIONS)


def satisfiable(hypotheses: tuple[sp.Basic, ...]) -> bool:
    tr = Z3Translator()
    solver = z3.Solver()
    solver.set("timeout", 5000)
    solver.add(*[tr.translate(h) for h in hypotheses])
    return solver.check() == z3.sat


def test_ids_are_the_guides_numbering() -> None:
    assert [f"R{n}" for n in range(1, 16)] == IDS
    assert [RELATIONS[r].number for r in IDS] == list(range(1, 16))


@pytest.mark.parametrize("rid", IDS)
def test_relation_meaning_is_proved_and_not_vacuous(rid: str) -> None:
    claim = meaning(RELATIONS[rid])
    assert prove(claim).status is Status.PROVED
    assert satisfiable(claim.hypotheses)


@pytest.mark.parametrize("rid", IDS)
def test_a_wrong_formula_is_refuted(rid: str) -> None:
    wrong = meaning(dataclasses.replace(RELATIONS[rid], expr=RELATIONS[rid].expr + 1))
    result = prove(wrong)
    assert result.status is Status.REFUTED
    cx = dict(result.counterexample or {})
    assert all(evaluate(h, cx) for h in wrong.hypotheses)
    assert evaluate(wrong.goal, cx) is False


def _env_for(rid: str, i_: int, k_: int, s_: int, p_: int, d_: int) -> dict[str, int] | None:
    """A point satisfying the relation's conditions, built from a direct configuration."""
    rel = RELATIONS[rid]
    if i_ + 2 * p_ < (k_ - 1) * d_ + 1:
        return None
    env = guide_values(i_, k_, s_, p_, d_)
    if not all(evaluate(h, env) for h in rel.hypotheses()):
        return None
    return env


@pytest.mark.parametrize("rid", IDS)
@given(st.integers(1, 14), st.integers(1, 6), st.integers(1, 4), st.integers(0, 6),
       st.integers(1, 3))
def test_relation_equals_brute_force(rid: str, i_: int, k_: int, s_: int, p_: int, d_: int) -> None:
    rel = RELATIONS[rid]
    if rid != "R15":
        d_ = 1
    env = _env_for(rid, i_, k_, s_, p_, d_)
    if env is None:
        return
    value = evaluate(rel.expr, env)
    if rel.kind is Kind.TRANSPOSED:
        # the transpose of the direct convolution, run on i' units, restores i units
        out = transposed_convolve([1] * env["i_prime"], [1] * k_, s_, p_, env["a"]
                                  if "a" in {x.name for x in rel.expr.free_symbols} else 0)
        assert value == len(out) == i_
    else:
        assert value == count_placements(i_, k_, s_, p_, d_)


def _hits(rid: str) -> int:
    return sum(
        _env_for(rid, i_, k_, s_, p_, 1) is not None
        for i_ in range(1, 10) for k_ in range(1, 6) for s_ in range(1, 4) for p_ in range(5)
    )


@pytest.mark.parametrize("rid", IDS)
def test_brute_force_grid_is_not_empty(rid: str) -> None:
    assert _hits(rid) > 0


@given(st.lists(st.tuples(st.integers(1, 9), st.integers(1, 4), st.integers(1, 3),
                          st.integers(0, 3), st.integers(1, 2)), min_size=1, max_size=3))
def test_nd_form_is_per_axis_and_non_square(axes: list[tuple[int, int, int, int, int]]) -> None:
    rel = nd(RELATIONS["R15"], len(axes))
    i_, k_, s_, p_, d_ = (list(col) for col in zip(*axes, strict=True))
    if any(a + 2 * c < (b - 1) * e + 1 for a, b, _, c, e in axes):
        with pytest.raises(ValueError, match="fails"):
            rel.evaluate(i=i_, k=k_, s=s_, p=p_, d=d_)
        return
    assert rel.evaluate(i=i_, k=k_, s=s_, p=p_, d=d_) == count_placements_nd(i_, k_, s_, p_, d_)


def test_nd_meaning_is_proved() -> None:
    assert prove(nd(RELATIONS["R6"], 2).meaning()).status is Status.PROVED


def test_transposed_relations_link_to_their_direct_convolution() -> None:
    for rid in ("R8", "R9", "R10", "R11", "R12", "R13", "R14"):
        rel = RELATIONS[rid]
        assert rel.output.name == "o_prime"
        assert any(isinstance(c, sp.Eq) and c.lhs == i_prime for c in rel.conditions)
        assert i in rel.symbols
