"""The identities of the design, and that each one is sharp: weaken it and it is refuted."""

from __future__ import annotations

import pytest
import sympy as sp

from symconv.evaluate import EvaluationError, evaluate
from symconv.identities import conv_out, identity_claims, theorems, transposed_out
from symconv.prover import Claim, Status, prove
from symconv.reference import count_placements
from symconv.symbols import a, domains_for, i, p, s
from tests.test_relations import satisfiable
import contextlib

CLAIMS = identity_claims()


@pytest.mark.parametrize("name", list(CLAIMS))
def test_identity_is_proved_for_all_integers(name: str) -> None:
    claim = CLAIMS[name]
    assert prove(claim).status is Status.PROVED
    assert satisfiable(claim.hypotheses)


def test_every_theorem_of_prove_is_proved() -> None:
    results = {t.id: t.check(10.0) for t in theorems()}
    assert all(r.status is Status.PROVED for r in results.values()), results
    assert {"restore", "half-padding", "half-padding-transposed", "ambiguity-share",
            "ambiguity-bijection", "R1", "R15", "nd-R15"} <= set(results)


def _refuted(claim: Claim) -> dict[str, int]:
    result = prove(claim)
    assert result.status is Status.REFUTED
    cx = dict(result.counterexample or {})
    assert all(evaluate(h, cx) is True for h in claim.hypotheses)
    with contextlib.suppress(EvaluationError):
        assert evaluate(claim.goal, cx) is False
    return cx


def test_restore_needs_the_right_a() -> None:
    wrong = CLAIMS["restore"]
    claim = Claim(sp.Eq(transposed_out(conv_out(), 0), i), wrong.hypotheses)
    cx = _refuted(claim)
    assert (cx["i"] + 2 * cx["p"] - ((cx["k"] - 1) * cx["d"] + 1)) % cx["s"] != 0


def test_half_padding_needs_odd_k() -> None:
    base = CLAIMS["half-padding"]
    hyps = tuple(h for h in base.hypotheses if "Mod" not in str(h))
    cx = _refuted(Claim(base.goal, hyps))
    assert cx["k"] % 2 == 0


def test_ambiguity_needs_a_below_s() -> None:
    base = CLAIMS["ambiguity-share"]
    a_domain = sp.And(sp.Ge(a, 0), sp.Le(a, s - 1))
    assert a_domain in base.hypotheses
    hyps = tuple(sp.Ge(a, 0) if h == a_domain else h for h in base.hypotheses)
    cx = _refuted(Claim(base.goal, hyps))
    assert cx["a"] >= cx["s"]


def test_ambiguity_range_matches_brute_force() -> None:
    for k in range(1, 5):
        for s_ in range(2, 4):
            for p_ in range(3):
                for base in range(1, 12):
                    if base + 2 * p_ < k or (base + 2 * p_ - k) % s_:
                        continue
                    o = count_placements(base, k, s_, p_)
                    same = [j for j in range(1, 40) if count_placements(j, k, s_, p_) == o]
                    assert same == list(range(base, base + s_))


def test_domains_of_claims_are_the_guides() -> None:
    assert sp.Ge(s, 1) in domains_for({s})
    assert sp.Ge(p, 0) in domains_for({p})
