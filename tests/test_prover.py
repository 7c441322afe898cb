"""The prover: proved, refuted with a counterexample that really violates, unknown, bounded."""

from __future__ import annotations

import sympy as sp

from symconv.evaluate import EvaluationError, evaluate
from symconv.prover import Claim, Status, prove
from symconv.symbols import i, k, p, s

x, y = sp.symbols("x y", integer=True)


def violates(claim: Claim, cx: dict[str, int]) -> bool:
    """Plain-Python check: every hypothesis holds and the goal is false or undefined."""
    if not all(evaluate(h, cx) is True for h in claim.hypotheses):
        return False
    try:
        return evaluate(claim.goal, cx) is False
    except EvaluationError:
        return True


def test_true_claim_is_proved() -> None:
    claim = Claim(sp.Eq(s * sp.floor(x / s) + sp.Mod(x, s), x), (sp.Ge(s, 1),))
    result = prove(claim)
    assert result.status is Status.PROVED
    assert result.counterexample is None
    assert result.seconds >= 0


def test_false_claim_gives_a_real_counterexample() -> None:
    claim = Claim(sp.Eq(sp.floor((i + 2 * p - k) / s) + 1, sp.ceiling((i + 2 * p - k) / s)),
                  (sp.Ge(i, 1), sp.Ge(k, 1), sp.Ge(s, 1), sp.Ge(p, 0)))
    result = prove(claim)
    assert result.status is Status.REFUTED
    assert result.counterexample is not None
    assert all(isinstance(v, int) for v in result.counterexample.values())
    assert violates(claim, dict(result.counterexample))
    (ev,) = result.evaluations
    assert ev.holds is False
    assert ev.lhs != ev.rhs


def test_division_by_zero_is_a_refutation_not_a_vacuous_truth() -> None:
    claim = Claim(sp.Eq(y * sp.floor(x / y) + sp.Mod(x, y), x))
    result = prove(claim)
    assert result.status is Status.REFUTED
    assert result.counterexample is not None
    assert result.counterexample["y"] == 0
    assert violates(claim, dict(result.counterexample))
    assert "division by zero" in result.reason


def test_timeout_is_unknown_with_the_solver_reason() -> None:
    a, b, c = sp.symbols("a b c", integer=True)
    hard = Claim(sp.Ne(a**3 + b**3, c**3), (sp.Ge(a, 1), sp.Ge(b, 1), sp.Ge(c, 1)))
    result = prove(hard, timeout=0.001)
    assert result.status is Status.UNKNOWN
    assert result.reason
    assert result.counterexample is None


def test_bounded_mode_never_says_proved() -> None:
    claim = Claim(sp.Ge(x * x, x))  # true for all integers
    result = prove(claim, bounds=(-5, 5))
    assert result.status is Status.PROVED_BOUNDED
    assert result.bounds == (-5, 5)


def test_bounded_refutation_is_still_a_refutation() -> None:
    claim = Claim(sp.Lt(x, 3))
    result = prove(claim, bounds=(0, 10))
    assert result.status is Status.REFUTED
    assert result.counterexample is not None
    assert 3 <= result.counterexample["x"] <= 10
    assert violates(claim, dict(result.counterexample))


def test_assumptions_that_admit_no_value_are_vacuous_not_proved() -> None:
    claim = Claim(sp.Eq(1, 2), (sp.Ge(s, 1), sp.Eq(s, 0)))
    result = prove(claim)
    assert result.status is Status.VACUOUS
    assert not result.ok
    assert result.status.exit_code == 5
    assert set(result.conflict) == {"s >= 1", "s == 0"}


def test_an_empty_bounded_range_is_vacuous() -> None:
    result = prove(Claim(sp.Gt(i, 0), (sp.Ge(i, 1),)), bounds=(-5, -1))
    assert result.status is Status.VACUOUS
    assert "-5 <= i <= -1" in result.conflict


def test_a_claim_without_hypotheses_is_never_vacuous() -> None:
    assert prove(Claim(sp.Ge(x * x, 0))).status is Status.PROVED


def test_vacuity_is_decided_even_when_the_goal_is_hard() -> None:
    a, b, c = sp.symbols("a b c", integer=True)
    hard = Claim(sp.Ne(a**3 + b**3, c**3), (sp.Ge(a, 1), sp.Le(a, 0)))
    assert prove(hard, timeout=0.5).status is Status.VACUOUS


def test_combine_is_the_most_severe_not_the_largest_exit_code() -> None:
    from symconv.prover import combine

    P, B, V, U, R = (Status.PROVED, Status.PROVED_BOUNDED, Status.VACUOUS, Status.UNKNOWN,
                     Status.REFUTED)
    assert combine([]) is P
    assert combine([P, B]) is B
    assert combine([P, V, B]) is V
    assert combine([V, U]) is U
    # exit codes: refuted 1 < unknown 3 < vacuous 5, yet refuted wins
    assert combine([U, R, P]) is R
    assert combine([V, R]) is R
    assert combine([R, U]).exit_code == 1
