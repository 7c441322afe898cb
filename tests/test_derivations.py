"""Every derivation step is proved; a step as the guide misprints it is not."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations import all_steps
from derivations.steps import step
from symconv.evaluate import evaluate
from symconv.prover import Status, prove
from symconv.relations import RELATIONS
from symconv.symbols import i, i_prime, i_tilde, k, p, s
from tests.test_relations import satisfiable

STEPS = all_steps()


@pytest.mark.parametrize("st", STEPS, ids=[st.id for st in STEPS])
def test_step_is_proved_and_not_vacuous(st) -> None:  # type: ignore[no-untyped-def]
    assert prove(st.claim).status is Status.PROVED
    assert satisfiable(st.claim.hypotheses)


def test_every_relation_is_derived() -> None:
    assert {st.relation for st in STEPS} == set(RELATIONS)
    assert len({st.id for st in STEPS}) == len(STEPS)


def test_relation_13_as_printed_is_refuted() -> None:
    # The guide prints o' = s(ĩ' − 1) + k − 2p, with the stretched size where i' is meant.
    printed = step("R13", "printed", "as printed", sp.Eq(s * (i_tilde - 1) + k - 2 * p, i),
                   sp.Eq(i_tilde, i_prime + (s - 1) * (i_prime - 1)),
                   *RELATIONS["R13"].conditions)
    result = prove(printed.claim)
    assert result.status is Status.REFUTED
    cx = dict(result.counterexample or {})
    assert all(evaluate(h, cx) for h in printed.claim.hypotheses)
    assert evaluate(printed.claim.goal, cx) is False
    assert cx["s"] >= 2
