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
